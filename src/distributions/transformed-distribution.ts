import { type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { Bijector, BijectorConfig } from '../bijectors/bijector.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Distribution, type DistributionConfig, type LogProbTrainPass, type SampleOptions, type SamplesWithLogProb } from './distribution.ts';

/** A differentiable draw `x = f(u)`, `u ~ base`, for reverse-KL training (IAF). */
export interface SampleTrainPass extends SamplesWithLogProb {
  /** Accumulates bijector parameter gradients given `∂L/∂samples` and `∂L/∂logProb` (base parameters are not reached). */
  backward(dSamples: Matrix, dLogProb: Float64Array | null): void;
}

/**
 * A flow: a base distribution pushed through a bijector (TFP's `TransformedDistribution`).
 * `sample() = bijector.forward(base.sample())`;
 * `logProb(x) = base.logProb(bijector.inverse(x)) + bijector.inverseLogDetJacobian(x)`.
 * The context goes to the bijector and, when the base is conditional too, to the base.
 *
 * @example
 * import { MaskedAutoregressiveFlow, Rng, StandardNormal, TransformedDistribution, matrix } from 'maflow';
 * const flow = new TransformedDistribution(new StandardNormal(2),
 *   new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0) }));
 * const samples = flow.sample(3, { rng: new Rng(1) });   // [3, 2]
 * console.log(flow.logProb(matrix([[0.1, 0.2]])), samples.rows); // → Float64Array(1) [ … ] 3
 */
export class TransformedDistribution extends Distribution {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;

  constructor(readonly base: Distribution, readonly bijector: Bijector) {
    super();
    if (base.features !== bijector.features) {
      throw new RangeError(`TransformedDistribution: base has ${base.features} features but the bijector has ${bijector.features}`);
    }
    if (base.contextFeatures > 0 && bijector.contextFeatures > 0 && base.contextFeatures !== bijector.contextFeatures) {
      throw new RangeError(`TransformedDistribution: base takes context of width ${base.contextFeatures}, the bijector ${bijector.contextFeatures}`);
    }
    this.features = bijector.features;
    this.contextFeatures = Math.max(base.contextFeatures, bijector.contextFeatures);
    this.dtype = bijector.dtype;
  }

  config(): DistributionConfig & { base: DistributionConfig; bijector: BijectorConfig } {
    return { type: 'TransformedDistribution', base: this.base.config(), bijector: this.bijector.config() };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [...this.bijector.namedParameters(joinName(prefix, 'bijector')), ...this.base.namedParameters(joinName(prefix, 'base'))];
  }

  override train(mode = true): this {
    super.train(mode);
    this.bijector.train(mode);
    this.base.train(mode);
    return this;
  }

  protected computeLogProb(x: Matrix, context: Matrix | null): Float64Array {
    const { output: z, logDet } = this.bijector.inverseAndLogDet(x, this.bijectorOptions(context));
    const lp = this.base.logProb(z, this.baseOptions(context));
    for (let r = 0; r < lp.length; r++) lp[r] += logDet[r];
    return lp;
  }

  protected computeSample(n: number, context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const { samples: z, logProb } = this.base.sampleAndLogProb(n, { ...this.baseOptions(context), rng });
    const { output, logDet } = this.bijector.forwardAndLogDet(z, this.bijectorOptions(context));
    for (let r = 0; r < n; r++) logProb[r] -= logDet[r];
    return { samples: output, logProb };
  }

  protected override trainLogProb(x: Matrix, context: Matrix | null): LogProbTrainPass {
    const pass = this.bijector.inverseTrain(x, this.bijectorOptions(context));
    const basePass = this.base.logProbTrain(pass.output, this.baseOptions(context));
    const logProb = basePass.logProb.slice();
    for (let r = 0; r < logProb.length; r++) logProb[r] += pass.logDet[r];
    return {
      logProb,
      backward: (dLogProb) => {
        const fromBase = basePass.backward(dLogProb);
        const grads = pass.backward(fromBase.dInput, dLogProb);
        return { dInput: grads.dInput, dContext: addContexts(grads.dContext, fromBase.dContext) };
      },
    };
  }

  /**
   * Draws `n` samples through the bijector's differentiable forward direction, with `log q(x) = log p(u) − log|det ∂f/∂u|`
   * (reverse-KL training of an IAF, whose forward is its parallel direction).
   */
  sampleTrain(n: number, options: SampleOptions & { rng: Rng }): SampleTrainPass {
    const context = this.contextFor(`${this.constructor.name}.sampleTrain`, n, options.context);
    const { samples: u, logProb } = this.base.sampleAndLogProb(n, { ...this.baseOptions(context), rng: options.rng });
    const pass = this.bijector.forwardTrain(u, this.bijectorOptions(context));
    for (let r = 0; r < n; r++) logProb[r] -= pass.logDet[r];
    return {
      samples: pass.output,
      logProb,
      backward: (dSamples, dLogProb) => {
        const dLogDet = dLogProb === null ? null : dLogProb.map((g) => -g);
        pass.backward(dSamples, dLogDet);
      },
    };
  }

  /** Options for the calls into the bijector: the values were checked at this distribution's boundary. */
  private bijectorOptions(context: Matrix | null): { context?: Matrix; validateArgs: false } {
    return this.bijector.contextFeatures > 0 && context !== null ? { context, validateArgs: false } : { validateArgs: false };
  }

  /** Options for the calls into the base (its input z may be ±Infinity legitimately: its log-density is then −∞ or NaN). */
  private baseOptions(context: Matrix | null): { context?: Matrix; validateArgs: false } {
    return this.base.contextFeatures > 0 && context !== null ? { context, validateArgs: false } : { validateArgs: false };
  }
}

function addContexts(a: Matrix | null, b: Matrix | null): Matrix | null {
  if (a === null) return b;
  if (b === null) return a;
  for (let k = 0; k < a.data.length; k++) a.data[k] += b.data[k];
  return a;
}
