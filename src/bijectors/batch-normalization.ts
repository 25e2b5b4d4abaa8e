import { allocate, checkShape, zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type TrainPass } from './bijector.ts';

/** Options of `new BatchNormalization(options)`. */
export interface BatchNormalizationOptions {
  features: number;
  /** Added to the variance before the square root. @default 1e-5 */
  eps?: number;
  /** Weight of the newest batch in the running averages. @default 0.1 */
  momentum?: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `BatchNormalization` (`config()`); the running statistics travel as buffers. */
export interface BatchNormalizationConfig extends BijectorConfig {
  type: 'BatchNormalization';
  features: number;
  eps: number;
  momentum: number;
  dtype: Dtype;
}

/**
 * Batch normalisation as a bijector (Dinh et al. 2017, Real NVP §3.7; Papamakarios et al. 2017, MAF §3.4).
 * Data → base: `u = (x − μ) / sqrt(v + eps) · exp(logGamma) + beta`, with the per-row log-determinant
 * `inverseLogDet = Σ_d logGamma_d − ½ log(v_d + eps)` (the same for every row).
 * - In training mode (`train()`), `inverse`/`inverseTrain` use the batch's own mean and biased variance — the backward
 *   pass includes their dependence on every row — and update the running averages
 *   `running ← (1 − momentum) · running + momentum · batch`.
 * - In evaluation mode, both directions use the running (population) statistics; the MAF paper sets them from the
 *   whole training set before evaluation (`setPopulationStatistics`).
 * - Base → data (`forward`) always uses the running statistics, even in training mode (a batch of base samples has
 *   no data-space statistics), so `forward` is parallel and differentiable (reverse-KL training).
 * Shapes: `x, u [n, features]`; `logGamma`, `beta`, the running mean and variance `[features]`.
 * The running statistics are *buffers*: saved with the model (`namedBuffers`) but never trained.
 *
 * @example
 * import { BatchNormalization, matrix, toArrays } from 'maflow';
 * const bn = new BatchNormalization({ features: 2 });
 * bn.setPopulationStatistics(matrix([[1, 2], [3, 6]]));   // mean [2, 4], variance [1, 4]
 * console.log(toArrays(bn.inverse(matrix([[2, 4]])))); // → [ [ 0, 0 ] ]
 */
export class BatchNormalization extends Bijector {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly eps: number;
  readonly momentum: number;
  readonly logGamma: Parameter;
  readonly beta: Parameter;
  /** Running (population) mean `[features]`, a buffer. */
  readonly runningMean: Float64Array;
  /** Running (population) biased variance `[features]`, a buffer. */
  readonly runningVariance: Float64Array;

  /** In evaluation mode (the running statistics); batch statistics depend on the batch. */
  override get isConstantJacobian(): boolean {
    return !this.training;
  }

  constructor(options: BatchNormalizationOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`BatchNormalization: features must be a positive integer, got ${D}`);
    this.features = D;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new RangeError(`BatchNormalization: eps must be > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`BatchNormalization: momentum must be in [0, 1], got ${this.momentum}`);
    this.dtype = options.dtype ?? 'float32';
    this.logGamma = new Parameter([D], this.dtype);
    this.beta = new Parameter([D], this.dtype);
    this.runningMean = new Float64Array(D);
    this.runningVariance = new Float64Array(D).fill(1);
  }

  config(): BatchNormalizationConfig {
    return { type: 'BatchNormalization', features: this.features, eps: this.eps, momentum: this.momentum, dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [[joinName(prefix, 'logGamma'), this.logGamma], [joinName(prefix, 'beta'), this.beta]];
  }

  /** The running statistics, named like parameters: `prefix.runningMean`, `prefix.runningVariance`. */
  namedBuffers(prefix?: string): Array<[string, Float64Array]> {
    return [[joinName(prefix, 'runningMean'), this.runningMean], [joinName(prefix, 'runningVariance'), this.runningVariance]];
  }

  /**
   * Sets the running statistics to the exact mean and biased variance of `x [n, features]` (the MAF paper sets the
   * population statistics from the training data before evaluation).
   */
  setPopulationStatistics(x: Matrix): void {
    checkShape('BatchNormalization.setPopulationStatistics', 'x', x, this.features);
    if (x.rows === 0) throw new RangeError('BatchNormalization.setPopulationStatistics: expected x with at least 1 row, got 0');
    const input = this.toDtype(x);
    kernels().columnMoments({ batch: input.rows, cols: this.features, x: input.data, mean: this.runningMean,
      variance: this.runningVariance });
  }

  protected computeInverse(x: Matrix): BijectorResult {
    const { mean, variance } = this.statistics(x, 'inverse');
    return this.applyWith(x, mean, variance);
  }

  /** `x = (u − beta) · exp(−logGamma) · sqrt(v + eps) + μ` with the running statistics. */
  protected computeForward(u: Matrix): BijectorResult {
    const D = this.features;
    const factor = this.forwardFactors();
    const output = zeros(u.rows, D, this.dtype);
    for (let r = 0; r < u.rows; r++) {
      for (let d = 0; d < D; d++) {
        const k = r * D + d;
        output.data[k] = (u.data[k] - this.beta.value[d]) * factor[d] + this.runningMean[d];
      }
    }
    return { output, logDet: new Float64Array(u.rows).fill(-this.inverseLogDetOf(this.runningVariance)) };
  }

  protected override trainInverse(x: Matrix): TrainPass {
    const n = x.rows;
    const D = this.features;
    const batchStatistics = this.training;
    const { mean, variance } = this.statistics(x, 'inverseTrain');
    const result = this.applyWith(x, mean, variance);
    return {
      ...result,
      backward: (dOutput, dLogDet) => {
        const dInput = zeros(n, D, this.dtype);
        const dLogDetSum = sumOf(dLogDet, n);
        if (batchStatistics) {
          kernels().batchNormBackward({ batch: n, cols: D, x: x.data, mean, variance, eps: this.eps,
            logGamma: this.logGamma.value, dOut: dOutput.data, dLogDetSum, dX: dInput.data, dLogGamma: this.logGamma.grad,
            dBeta: this.beta.grad });
        } else {
          this.fixedStatisticsBackward(x.data, dOutput.data, dLogDetSum, dInput.data, n);
        }
        return { dInput, dContext: null };
      },
    };
  }

  protected override trainForward(u: Matrix): TrainPass {
    const n = u.rows;
    const D = this.features;
    const result = this.computeForward(u);
    return {
      ...result,
      backward: (dOutput, dLogDet) => {
        const factor = this.forwardFactors();
        const dInput = zeros(n, D, this.dtype);
        for (let d = 0; d < D; d++) {
          let sumD = 0;
          let sumDU = 0;
          for (let r = 0; r < n; r++) {
            const k = r * D + d;
            const g = dOutput.data[k] * factor[d];
            dInput.data[k] = g;
            sumD += g;
            sumDU += g * (u.data[k] - this.beta.value[d]);
          }
          this.beta.grad[d] -= sumD;
          // ∂x/∂logGamma = −(u − beta)·factor; the log-det −Σ(logGamma − ½ log(v + eps)) adds −1 per row.
          this.logGamma.grad[d] -= sumDU + sumOf(dLogDet, n);
        }
        return { dInput, dContext: null };
      },
    };
  }

  /** Batch moments (updating the running averages) in training mode, the running statistics otherwise. */
  private statistics(x: Matrix, method: string): { mean: Float64Array; variance: Float64Array } {
    if (!this.training) return { mean: this.runningMean, variance: this.runningVariance };
    if (x.rows < 2) {
      throw new RangeError(`BatchNormalization.${method}: training mode needs at least 2 rows to estimate batch statistics, got ${x.rows}`);
    }
    const mean = new Float64Array(this.features);
    const variance = new Float64Array(this.features);
    kernels().columnMoments({ batch: x.rows, cols: this.features, x: x.data, mean, variance });
    const m = this.momentum;
    for (let d = 0; d < this.features; d++) {
      this.runningMean[d] = (1 - m) * this.runningMean[d] + m * mean[d];
      this.runningVariance[d] = (1 - m) * this.runningVariance[d] + m * variance[d];
    }
    return { mean, variance };
  }

  private applyWith(x: Matrix, mean: Float64Array, variance: Float64Array): BijectorResult {
    const output = zeros(x.rows, this.features, this.dtype);
    kernels().batchNormApply({ batch: x.rows, cols: this.features, x: x.data, mean, variance, eps: this.eps,
      logGamma: this.logGamma.value, beta: this.beta.value, out: output.data });
    return { output, logDet: new Float64Array(x.rows).fill(this.inverseLogDetOf(variance)) };
  }

  /** Backward of the data → base map with the running statistics held fixed. */
  private fixedStatisticsBackward(x: FloatArray, dOut: FloatArray, dLogDetSum: number, dX: FloatArray, n: number): void {
    const D = this.features;
    for (let d = 0; d < D; d++) {
      const sigma = Math.sqrt(this.runningVariance[d] + this.eps);
      const gamma = Math.exp(this.logGamma.value[d]);
      let sumD = 0;
      let sumDH = 0;
      for (let r = 0; r < n; r++) {
        const k = r * D + d;
        const h = (x[k] - this.runningMean[d]) / sigma;
        dX[k] = (dOut[k] * gamma) / sigma;
        sumD += dOut[k];
        sumDH += dOut[k] * h;
      }
      this.beta.grad[d] += sumD;
      this.logGamma.grad[d] += sumDH * gamma + dLogDetSum;
    }
  }

  /** `exp(−logGamma_d) · sqrt(v_d + eps)` with the running variance. */
  private forwardFactors(): FloatArray {
    const factor = allocate('float64', this.features);
    for (let d = 0; d < this.features; d++) {
      factor[d] = Math.exp(-this.logGamma.value[d]) * Math.sqrt(this.runningVariance[d] + this.eps);
    }
    return factor;
  }

  private inverseLogDetOf(variance: Float64Array): number {
    let s = 0;
    for (let d = 0; d < this.features; d++) s += this.logGamma.value[d] - 0.5 * Math.log(variance[d] + this.eps);
    return s;
  }
}

function sumOf(values: Float64Array | null, n: number): number {
  if (values === null) return 0;
  let s = 0;
  for (let r = 0; r < n; r++) s += values[r];
  return s;
}
