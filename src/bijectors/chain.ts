/**
 * Composition of bijectors with TFP's order: `Chain([b1, b2, b3]).forward(u) = b1(b2(b3(u)))`, so `inverse` runs
 * b1⁻¹ first. Log-determinants add. Differentiable in a direction when every member is.
 *
 * @example
 * const flow = new Chain([maf1, new Permute({ permutation: 'reverse', features: 2 }), maf2]);
 */
import { type Dtype, type Matrix } from '../core/matrix.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type TrainPass } from './bijector.ts';

export class Chain extends Bijector {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly inverseIsParallel: boolean;
  readonly forwardIsParallel: boolean;

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
    this.dtype = bijectors.find((b) => b.namedParameters().length > 0)?.dtype ?? bijectors[0].dtype;
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

  protected computeInverse(x: Matrix, context: Matrix | null): BijectorResult {
    return this.run(x, context, [...this.bijectors], (b, v, o) => b.inverseAndLogDet(v, o));
  }

  protected computeForward(u: Matrix, context: Matrix | null): BijectorResult {
    return this.run(u, context, [...this.bijectors].reverse(), (b, v, o) => b.forwardAndLogDet(v, o));
  }

  protected override trainInverse(x: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(x, context, [...this.bijectors], (b, v, o) => b.inverseTrain(v, o));
  }

  protected override trainForward(u: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(u, context, [...this.bijectors].reverse(), (b, v, o) => b.forwardTrain(v, o));
  }

  private run(input: Matrix, context: Matrix | null, order: Bijector[],
    step: (b: Bijector, v: Matrix, o: { context?: Matrix }) => BijectorResult): BijectorResult {
    const logDet = new Float64Array(input.rows);
    let value = input;
    for (const b of order) {
      const r = step(b, value, contextFor(b, context));
      for (let k = 0; k < logDet.length; k++) logDet[k] += r.logDet[k];
      value = r.output;
    }
    return { output: value, logDet };
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
