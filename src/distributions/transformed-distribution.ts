import { checkContext } from '../core/check-context.ts';
import { checkFinite } from '../core/check-finite.ts';
import { checkShape, dtypeOf, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { Bijector, BijectorCallOptions, BijectorConfig } from '../bijectors/bijector.ts';
import type { Standardize, StandardizeConfig } from '../bijectors/standardize.ts';
import { toDtype } from '../core/to-dtype.ts';
import type { MlpEncoder, MlpEncoderConfig } from '../nn/mlp-encoder.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Distribution, type DistributionConfig, type LogProbTrainPass, type SampleOptions, type SamplesWithLogProb } from './distribution.ts';

/** A differentiable draw `x = f(u)`, `u ~ base`, for reverse-KL training (IAF). */
export interface SampleTrainPass extends SamplesWithLogProb {
  /** Accumulates bijector parameter gradients given `∂L/∂samples` and `∂L/∂logProb` (base parameters are not reached). */
  backward(dSamples: Matrix, dLogProb: Float64Array | null): void;
}

/** Options of `new TransformedDistribution(base, bijector, options)`. */
export interface TransformedDistributionOptions {
  /**
   * A fixed standardization of the context (a pre-map): the bijector and the base see `(c − mean) / std`
   * (`contextStandardize.inverse(c)`), so a conditional flow whose layers were trained on standardized context takes the
   * context in the user's units. Its `features` must be the flow's `contextFeatures`; nothing in it is trained.
   * @default none (the context reaches the layers as given)
   */
  contextStandardize?: Standardize;
  /**
   * A trainable context encoder (embedding network, nflows' `embedding_net`): the bijector and the base see
   * `e = encoder(c̃)` (after the pre-map), so its `inputFeatures` is the flow's `contextFeatures` and its
   * `outputFeatures` the layers' context width. It is trained with the flow: the layers' context gradient reaches it.
   * @default none
   */
  contextEncoder?: MlpEncoder;
}

/** The serialised form of a `TransformedDistribution` (`config()`). */
export interface TransformedDistributionConfig extends DistributionConfig {
  type: 'TransformedDistribution';
  base: DistributionConfig;
  bijector: BijectorConfig;
  /** The context pre-map, when there is one. */
  contextStandardize?: StandardizeConfig;
  /** The context encoder, when there is one. */
  contextEncoder?: MlpEncoderConfig;
}

/**
 * A flow: a base distribution pushed through a bijector (TFP's `TransformedDistribution`).
 * `sample() = bijector.forward(base.sample())`;
 * `logProb(x) = base.logProb(bijector.inverse(x)) + bijector.inverseLogDetJacobian(x)`.
 * The context goes to the bijector and, when the base is conditional too, to the base — through the
 * `contextStandardize` pre-map when there is one: `c̃ = (c − mean_c) / std_c`. Shapes: `x [n, features]`,
 * `context [n, contextFeatures]`.
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
  /** The context pre-map (see `TransformedDistributionOptions`), or undefined. */
  readonly contextStandardize: Standardize | undefined;
  /** The context encoder (see `TransformedDistributionOptions`), or undefined. */
  readonly contextEncoder: MlpEncoder | undefined;

  constructor(readonly base: Distribution, readonly bijector: Bijector, options: TransformedDistributionOptions = {}) {
    super();
    if (base.features !== bijector.features) {
      throw new RangeError(`TransformedDistribution: base has ${base.features} features but the bijector has ${bijector.features}`);
    }
    if (base.contextFeatures > 0 && bijector.contextFeatures > 0 && base.contextFeatures !== bijector.contextFeatures) {
      throw new RangeError(`TransformedDistribution: base takes context of width ${base.contextFeatures}, the bijector ${bijector.contextFeatures}`);
    }
    this.features = bijector.features;
    this.contextEncoder = options.contextEncoder;
    const layerWidth = Math.max(base.contextFeatures, bijector.contextFeatures);
    if (this.contextEncoder !== undefined && this.contextEncoder.outputFeatures !== layerWidth) {
      throw new RangeError(`TransformedDistribution: the context encoder outputs ${this.contextEncoder.outputFeatures} values but the ` +
        `layers take context of width ${layerWidth}`);
    }
    this.contextFeatures = this.contextEncoder?.inputFeatures ?? layerWidth;
    this.dtype = bijector.dtype;
    this.contextStandardize = options.contextStandardize;
    if (this.contextStandardize !== undefined && this.contextStandardize.features !== this.contextFeatures) {
      throw new RangeError(`TransformedDistribution: contextStandardize has ${this.contextStandardize.features} columns but the ` +
        `flow takes context of width ${this.contextFeatures}`);
    }
  }

  config(): TransformedDistributionConfig {
    return {
      type: 'TransformedDistribution', base: this.base.config(), bijector: this.bijector.config(),
      ...(this.contextStandardize === undefined ? {} : { contextStandardize: this.contextStandardize.config() }),
      ...(this.contextEncoder === undefined ? {} : { contextEncoder: this.contextEncoder.config() }),
    };
  }

  /**
   * The data in base space, `u = f⁻¹(x)` `[n, features]` (the context through the pre-map): N(0, 1) in every dimension
   * when a flow with a standard-normal base fits (the MAF paper's diagnostic).
   *
   * @example
   * import { Rng, createMaf, matrix } from 'maflow';
   * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], contextFeatures: 1, rng: new Rng(0) });
   * const u = flow.toBase(matrix([[0.5, -1]]), { context: matrix([[2]]) });   // [1, 2]
   * console.log(u.rows, u.cols); // → 1 2
   */
  toBase(x: Matrix, options?: BijectorCallOptions): Matrix {
    const check = options?.validateArgs === false ? 'shapes' : 'values';
    const context = this.contextFor(`${this.constructor.name}.toBase`, x.rows, options?.context, check);
    if (check === 'values') {
      checkShape(`${this.constructor.name}.toBase`, 'x', x, this.features);
      checkFinite(`${this.constructor.name}.toBase`, 'x', x, { dtype: this.dtype });
    }
    return this.bijector.inverse(x, this.bijectorOptions(this.encode(context)));
  }

  /**
   * The context as the layers see it, `[n, width]`: through the pre-map and the context encoder (either may be
   * absent), for code that drives the layers itself (batch-norm statistics).
   */
  layerContext(context: Matrix): Matrix {
    const checked = this.contextFor(`${this.constructor.name}.layerContext`, context.rows, context);
    return this.encode(checked) as Matrix;
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [...this.bijector.namedParameters(joinName(prefix, 'bijector')), ...this.base.namedParameters(joinName(prefix, 'base')),
      ...(this.contextEncoder?.namedParameters(joinName(prefix, 'contextEncoder')) ?? [])];
  }

  override train(mode = true): this {
    super.train(mode);
    this.bijector.train(mode);
    this.base.train(mode);
    return this;
  }

  protected computeLogProb(x: Matrix, raw: Matrix | null): Float64Array {
    const context = this.encode(raw);
    const { output: z, logDet } = this.bijector.inverseAndLogDet(x, this.bijectorOptions(context));
    const lp = this.base.logProb(z, this.baseOptions(context));
    for (let r = 0; r < lp.length; r++) lp[r] += logDet[r];
    return lp;
  }

  protected computeSample(n: number, raw: Matrix | null, rng: Rng): SamplesWithLogProb {
    const context = this.encode(raw);
    const { samples: z, logProb } = this.base.sampleAndLogProb(n, { ...this.baseOptions(context), rng });
    const { output, logDet } = this.bijector.forwardAndLogDet(z, this.bijectorOptions(context));
    for (let r = 0; r < n; r++) logProb[r] -= logDet[r];
    return { samples: output, logProb };
  }

  protected override trainLogProb(x: Matrix, raw: Matrix | null): LogProbTrainPass {
    const encoder = this.contextEncoder;
    const encoded = encoder === undefined || raw === null ? null : encoder.forwardTrain(raw.rows, toDtype(raw, this.dtype).data);
    const context = encoded === null ? raw : { rows: (raw as Matrix).rows, cols: (encoder as MlpEncoder).outputFeatures, data: encoded.output };
    const pass = this.bijector.inverseTrain(x, this.bijectorOptions(context));
    const basePass = this.base.logProbTrain(pass.output, this.baseOptions(context));
    const logProb = basePass.logProb.slice();
    for (let r = 0; r < logProb.length; r++) logProb[r] += pass.logDet[r];
    return {
      logProb,
      backward: (dLogProb) => {
        const fromBase = basePass.backward(dLogProb);
        const grads = pass.backward(fromBase.dInput, dLogProb);
        let dContext = addContexts(grads.dContext, fromBase.dContext);
        if (encoded !== null && dContext !== null) {
          // Through the encoder to its weights and to the context it was given.
          dContext = { rows: dContext.rows, cols: this.contextFeatures, data: encoded.backward(toDtype(dContext, this.dtype).data).slice() };
        }
        return { dInput: grads.dInput, dContext: this.rawContextGradient(dContext) };
      },
    };
  }

  /**
   * Draws `n` samples through the bijector's differentiable forward direction, with `log q(x) = log p(u) − log|det ∂f/∂u|`
   * (reverse-KL training of an IAF, whose forward is its parallel direction).
   */
  sampleTrain(n: number, options: SampleOptions & { rng: Rng }): SampleTrainPass {
    const context = this.encode(this.contextFor(`${this.constructor.name}.sampleTrain`, n, options.context));
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

  /**
   * The context checked and, with a pre-map, standardized: in its own precision first, so that a float64 context is
   * standardized before anything rounds it (a raw 1e6 ± 0.01 would lose its spread in float32).
   */
  protected override contextFor(where: string, rows: number, context: Matrix | undefined,
    check: 'shapes' | 'values' = 'shapes'): Matrix | null {
    const pre = this.contextStandardize;
    if (pre === undefined || context === undefined) return super.contextFor(where, rows, context, check);
    const shape = { contextFeatures: this.contextFeatures, rows, dtype: dtypeOf(context.data), validate: check === 'values' };
    return pre.inverse(checkContext(where, 'distribution', shape, context) as Matrix, { validateArgs: false });
  }

  /** The pre-mapped context through the context encoder (unchanged without one). */
  private encode(context: Matrix | null): Matrix | null {
    const encoder = this.contextEncoder;
    if (encoder === undefined || context === null) return context;
    return { rows: context.rows, cols: encoder.outputFeatures, data: encoder.forward(context.rows, toDtype(context, this.dtype).data) };
  }

  /** `∂L/∂c = ∂L/∂c̃ / std_c` through the pre-map `c̃ = (c − mean_c) / std_c`. */
  private rawContextGradient(dContext: Matrix | null): Matrix | null {
    const pre = this.contextStandardize;
    if (pre === undefined || dContext === null) return dContext;
    const out = zeros(dContext.rows, dContext.cols, dtypeOf(dContext.data));
    for (let k = 0; k < out.data.length; k++) out.data[k] = dContext.data[k] / pre.std[k % dContext.cols];
    return out;
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
