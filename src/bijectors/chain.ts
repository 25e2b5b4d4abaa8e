import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, InPlaceBijector, type BijectorConfig, type Direction, type TrainPass } from './bijector.ts';

/** Intermediate results up to this many entries are kept for the next call; larger ones are allocated per call. */
const RETAINED_ENTRIES = 1 << 20;

/**
 * Composition of bijectors with TFP's order: `Chain([b1, b2, b3]).forward(u) = b1(b2(b3(u)))`, so `inverse` runs
 * b1⁻¹ first. Log-determinants add. Differentiable in a direction when every member is.
 *
 * @example
 * import { Chain, MaskedAutoregressiveFlow, Permute, Rng, matrix } from 'maflow';
 * const rng = new Rng(0);
 * const maf1 = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng });
 * const maf2 = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng });
 * const flow = new Chain([maf1, new Permute({ permutation: 'reverse', features: 2 }), maf2]);
 * console.log(flow.inverseLogDetJacobian(matrix([[0.5, -1]]))); // Float64Array [1]: the members' log-determinants, added
 */
export class Chain extends InPlaceBijector {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly inverseIsParallel: boolean;
  readonly forwardIsParallel: boolean;

  /** When every member has a constant Jacobian. */
  override get isConstantJacobian(): boolean {
    return this.bijectors.every((b) => b.isConstantJacobian);
  }

  constructor(readonly bijectors: readonly Bijector[]) {
    super();
    if (bijectors.length === 0) throw new RangeError('Chain: needs at least one bijector');
    this.features = bijectors[0].features;
    let contextFeatures = 0;
    bijectors.forEach((b, i) => {
      if (b.features !== this.features) throw new RangeError(`Chain: bijector ${i} has ${b.features} features, bijector 0 has ${this.features}`);
      if (b.contextFeatures > 0) {
        if (contextFeatures > 0 && b.contextFeatures !== contextFeatures) {
          throw new RangeError(`Chain: bijector ${i} takes context of width ${b.contextFeatures}, another ${contextFeatures}`);
        }
        contextFeatures = b.contextFeatures;
      }
    });
    this.contextFeatures = contextFeatures;
    // The widest member dtype, so that the chain never rounds its input: a float64 Standardize at the data end of a
    // float32 flow sees the user's float64 values, and each member converts to its own dtype at its boundary.
    this.dtype = bijectors.some((b) => b.dtype === 'float64') ? 'float64' : 'float32';
    this.inverseIsParallel = bijectors.every((b) => b.inverseIsParallel);
    this.forwardIsParallel = bijectors.every((b) => b.forwardIsParallel);
  }

  config(): BijectorConfig {
    return { type: 'Chain', bijectors: this.bijectors.map((b) => b.config()) };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.bijectors.flatMap((b, i) => b.namedParameters(joinName(prefix, `bijectors.${i}`)));
  }

  override train(mode = true): this {
    super.train(mode);
    for (const b of this.bijectors) b.train(mode);
    return this;
  }

  /**
   * The members in order (inverse: first to last; forward: last to first), each writing into one of two alternating
   * intermediate buffers and adding into `logDet`; the last one writes `out`.
   */
  protected override computeInto(direction: Direction, input: Matrix, context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    const count = this.bijectors.length;
    let value = input;
    for (let i = 0; i < count; i++) {
      const b = this.bijectors[direction === 'inverse' ? i : count - 1 - i];
      const target = i === count - 1 && b.dtype === this.dtype ? out : this.intermediate(i % 2, input.rows, b.dtype);
      Bijector.passInto(b, direction, value, contextFor(b, context), target, logDet);
      value = target;
    }
    if (value !== out) out.data.set(value.data);
  }

  protected override trainInverse(x: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(x, context, [...this.bijectors], (b, v, o) => b.inverseTrain(v, o));
  }

  protected override trainForward(u: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(u, context, [...this.bijectors].reverse(), (b, v, o) => b.forwardTrain(v, o));
  }

  /** Intermediate buffer `slot` (0 or 1) for `rows` rows. */
  private intermediate(slot: number, rows: number, dtype: Dtype): Matrix {
    if (rows * this.features > RETAINED_ENTRIES) return zeros(rows, this.features, dtype);
    return this.scratch.matrix(`eval.${slot}.${dtype}`, rows, this.features, dtype);
  }

  private runTrain(input: Matrix, context: Matrix | null, order: Bijector[],
    step: (b: Bijector, v: Matrix, o: { context?: Matrix }) => TrainPass): TrainPass {
    const passes: TrainPass[] = [];
    const logDet = this.scratch.zeroDoubles('logDet', input.rows);
    let value = input;
    for (const b of order) {
      const pass = step(b, value, contextFor(b, context));
      for (let k = 0; k < logDet.length; k++) logDet[k] += pass.logDet[k];
      passes.push(pass);
      value = pass.output;
    }
    return {
      output: value,
      logDet,
      backward: (dOutput, dLogDet) => {
        let grad = dOutput;
        let dContext: Matrix | null = null;
        for (let i = passes.length - 1; i >= 0; i--) {
          const g = passes[i].backward(grad, dLogDet);
          grad = g.dInput;
          if (g.dContext !== null) {
            if (dContext === null) dContext = g.dContext;
            else for (let k = 0; k < dContext.data.length; k++) dContext.data[k] += g.dContext.data[k];
          }
        }
        return { dInput: grad, dContext };
      },
    };
  }
}

function contextFor(b: Bijector, context: Matrix | null): { context?: Matrix } {
  return b.contextFeatures > 0 && context !== null ? { context } : {};
}
