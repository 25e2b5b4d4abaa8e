import type { Dtype, FloatArray, Matrix } from '../core/matrix.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { InPlaceBijector, type BijectorConfig, type Direction, type TrainPass } from './bijector.ts';
import type { NamedBuffers } from './collect-buffers.ts';

/** Options of `new ActNorm(options)`. */
export interface ActNormOptions {
  features: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of an `ActNorm` (`config()`). */
export interface ActNormConfig extends BijectorConfig {
  type: 'ActNorm';
  features: number;
  dtype: Dtype;
}

/** A standard deviation below this (a constant column in the first batch) initialises its scale to 1 instead. */
const MIN_STD = 1e-6;

/**
 * Activation normalisation (Kingma & Dhariwal 2018, Glow §3.1): a per-feature affine map `x = u · e^s + b`
 * (base → data; data → base `u = (x − b) · e^{−s}`), `log|det ∂x/∂u| = Σ_d s_d` for every row (a constant Jacobian),
 * whose trainable `logScale s [D]` and `shift b [D]` are initialised from the data: the first train pass (in training
 * mode, `inverseTrain` for maximum likelihood) sets them so that its output batch has zero mean and unit variance per
 * feature, then they train as ordinary parameters. Unlike batch normalisation it uses no batch statistics afterwards,
 * so a model behaves the same for every batch size, in training and in evaluation. Whether the initialisation has
 * happened is a buffer (`initialized [1]`), saved with the model, so a loaded or resumed model is never re-initialised.
 * Shapes: `u, x [n, features]`.
 *
 * @example
 * import { ActNorm, matrix, toArrays } from 'maflow';
 * const actNorm = new ActNorm({ features: 2 }).train();
 * const x = matrix([[1, 10], [3, 30]]);
 * actNorm.inverseTrain(x);                    // initialises from this batch: shift = mean, logScale = log std
 * console.log(toArrays(actNorm.inverse(x))); // → [ [ -1, -1 ], [ 1, 1 ] ]
 */
export class ActNorm extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly logScale: Parameter;
  readonly shift: Parameter;
  /** `[1]`: 1 once the data-dependent initialisation has run. */
  readonly initialized = new Float64Array(1);

  /** `Σ s` for every row. */
  override get isConstantJacobian(): boolean {
    return true;
  }

  constructor(options: ActNormOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`ActNorm: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    this.logScale = new Parameter([D], this.dtype);
    this.shift = new Parameter([D], this.dtype);
  }

  config(): ActNormConfig {
    return { type: 'ActNorm', features: this.features, dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [[joinName(prefix, 'logScale'), this.logScale], [joinName(prefix, 'shift'), this.shift]];
  }

  /** The buffers saved with the model (see `collectBuffers`). */
  namedBuffers(prefix?: string): NamedBuffers {
    return [[joinName(prefix, 'initialized'), this.initialized]];
  }

  protected override computeInto(direction: Direction, input: Matrix, _context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    this.apply(direction, input.data, out.data);
    const value = this.sumLogScale() * (direction === 'forward' ? 1 : -1);
    for (let r = 0; r < logDet.length; r++) logDet[r] += value;
  }

  protected override trainForward(u: Matrix): TrainPass {
    return this.trainPass('forward', u);
  }

  protected override trainInverse(x: Matrix): TrainPass {
    return this.trainPass('inverse', x);
  }

  private sumLogScale(): number {
    let sum = 0;
    for (const s of this.logScale.value) sum += s;
    return sum;
  }

  private apply(direction: Direction, input: FloatArray, out: FloatArray): void {
    const D = this.features;
    const s = this.logScale.value;
    const b = this.shift.value;
    for (let k = 0; k < input.length; k++) {
      const d = k % D;
      out[k] = direction === 'forward' ? input[k] * Math.exp(s[d]) + b[d] : (input[k] - b[d]) * Math.exp(-s[d]);
    }
  }

  /**
   * Sets the parameters so that this pass's output has zero mean and unit variance per feature: for the inverse
   * `b = mean(x)`, `s = log std(x)`; for the forward `s = −log std(u)`, `b = −mean(u) · e^s`.
   */
  private initialize(direction: Direction, input: Matrix): void {
    const D = this.features;
    const n = input.rows;
    for (let d = 0; d < D; d++) {
      let mean = 0;
      for (let r = 0; r < n; r++) mean += input.data[r * D + d];
      mean /= n;
      let variance = 0;
      for (let r = 0; r < n; r++) variance += (input.data[r * D + d] - mean) ** 2;
      const std = Math.sqrt(variance / n);
      const logStd = std > MIN_STD ? Math.log(std) : 0;
      if (direction === 'inverse') {
        this.shift.value[d] = mean;
        this.logScale.value[d] = logStd;
      } else {
        this.logScale.value[d] = -logStd;
        this.shift.value[d] = -mean * Math.exp(-logStd);
      }
    }
    this.initialized[0] = 1;
  }

  /**
   * `y = m · e^{±s} + …`: `∂m = ∂y · e^{±s}`; forward `∂s += ∂y · u e^s + Σ∂logDet`, `∂b += ∂y`; inverse
   * `∂s += −∂y · z − Σ∂logDet`, `∂b += −∂y · e^{−s}`.
   */
  private trainPass(direction: Direction, input: Matrix): TrainPass {
    if (this.training && this.initialized[0] === 0 && input.rows > 0) this.initialize(direction, input);
    const n = input.rows;
    const D = this.features;
    const output = this.scratch.matrix(`train.${direction}`, n, D, this.dtype);
    this.apply(direction, input.data, output.data);
    const value = this.sumLogScale() * (direction === 'forward' ? 1 : -1);
    const logDet = this.scratch.zeroDoubles('train.logDet', n).fill(value);
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const dInput = this.scratch.matrix(`train.d${direction}`, n, D, this.dtype);
        const s = this.logScale.value;
        const gs = this.logScale.grad;
        const gb = this.shift.grad;
        for (let k = 0; k < dOutput.data.length; k++) {
          const d = k % D;
          const g = dOutput.data[k];
          if (direction === 'forward') {
            const e = Math.exp(s[d]);
            dInput.data[k] = g * e;
            gs[d] += g * input.data[k] * e;
            gb[d] += g;
          } else {
            const e = Math.exp(-s[d]);
            dInput.data[k] = g * e;
            gs[d] -= g * output.data[k];
            gb[d] -= g * e;
          }
        }
        let total = 0;
        if (dLogDet !== null) for (let r = 0; r < n; r++) total += dLogDet[r];
        for (let d = 0; d < D; d++) gs[d] += direction === 'forward' ? total : -total;
        return { dInput, dContext: null };
      },
    };
  }
}
