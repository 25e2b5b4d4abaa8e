import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { INVERSION_REPORT_LENGTH } from '../kernels/kernels.ts';
import { Made, type MadeConfig, type MadeOptions } from '../nn/made.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { AffineTransformer } from './affine-transformer.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type Direction, type TrainPass } from './bijector.ts';
import { createTransformer } from './create-transformer.ts';
import type { TransformerKernel } from '../kernels/kernels.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

/** Options of `new MaskedAutoregressiveFlow(options)`: the MADE's options plus the transformer's. */
export interface MaskedAutoregressiveFlowOptions extends Omit<MadeOptions, 'paramsPerFeature'> {
  /** Volume-preserving shift-only affine transform (constant Jacobian). @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scale, `s = c·tanh(r/c)`. @default 5 */
  logScaleBound?: number;
  /** A transformer other than the default affine one (e.g. a rational-quadratic spline). */
  transformer?: Transformer;
  /**
   * A conditioner built by the caller instead of one from these options: a `Made` with its own per-layer widths and
   * activations, residual connections and dropout (see `MadeOptions`), trained through its own backward pass. Its
   * `features` must be these options' and its `paramsPerFeature` the transformer's; the network options here are then
   * not used. @default a `Made` built from these options
   */
  made?: Made;
}

/** The serialised form of a `MaskedAutoregressiveFlow` (`config()`), enough to rebuild it with `createBijector`. */
export interface MaskedAutoregressiveFlowConfig extends BijectorConfig {
  type: 'MaskedAutoregressiveFlow';
  made: MadeConfig;
  transformer: TransformerConfig;
  dtype: Dtype;
}

/**
 * The masked autoregressive flow bijector (Papamakarios et al. 2017; TFP's `MaskedAutoregressiveFlow`).
 * With a MADE conditioner `θ = made(x)` (feature d's parameters depend on `x_{<d}` only) and an elementwise
 * transformer τ (affine by default: `x_d = u_d · exp(s_d) + m_d`):
 * - `inverse(x)` (data → base) is **one parallel MADE pass**: `u_d = τ⁻¹(x_d; θ_d(x_{<d}))` — density evaluation;
 * - `forward(u)` (base → data) is the **sequential** pass, done by the staircase algorithm in `Made.sequential`:
 *   each hidden unit is computed once, so sampling costs about one network evaluation instead of D (with a
 *   transformer that describes its kernel path — every built-in one — the whole pass is one fused kernel call,
 *   `Made.sequentialFused`; likewise the inverse, `Made.parallelFused`; see `kernelPath`).
 * `new Invert(maf)` is an inverse autoregressive flow (IAF). Context (conditional MAF, paper §4.4) feeds every
 * MADE layer.
 *
 * @example
 * import { MaskedAutoregressiveFlow, Rng, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8, 8], rng: new Rng(1) });
 * const { output: u, logDet } = maf.inverseAndLogDet(matrix([[0.5, -1]]));   // parallel (density)
 * const x = maf.forward(u);                                                 // sequential (sampling)
 * console.log(toArrays(x), logDet); // ≈ [ [ 0.5, -1 ] ] Float64Array(1) [ … ]
 */
export class MaskedAutoregressiveFlow extends Bijector {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = false;
  readonly made: Made;
  readonly transformer: Transformer;

  /** The transformer's: a shift-only MAF's log-det is 0 whatever the input. */
  override get isConstantJacobian(): boolean {
    return this.transformer.constantJacobian;
  }

  constructor(options: MaskedAutoregressiveFlowOptions) {
    super();
    this.transformer = options.transformer
      ?? new AffineTransformer({ shiftOnly: options.shiftOnly, logScaleBound: options.logScaleBound });
    this.made = options.made ?? new Made({ ...options, paramsPerFeature: this.transformer.paramsPerFeature });
    if (this.made.features !== options.features || this.made.paramsPerFeature !== this.transformer.paramsPerFeature) {
      throw new RangeError(`MaskedAutoregressiveFlow: the made has ${this.made.features} features and ${this.made.paramsPerFeature} ` +
        `outputs per feature; expected ${options.features} and the transformer's ${this.transformer.paramsPerFeature}`);
    }
    this.features = this.made.features;
    this.contextFeatures = this.made.contextFeatures;
    this.dtype = this.made.dtype;
  }

  /** Rebuilds a flow from `config()` (weights are then loaded separately). */
  static fromConfig(config: MaskedAutoregressiveFlowConfig, rng: MadeOptions['rng']): MaskedAutoregressiveFlow {
    return new MaskedAutoregressiveFlow({
      ...config.made, rng, dtype: config.dtype, transformer: createTransformer(config.transformer),
    });
  }

  config(): MaskedAutoregressiveFlowConfig {
    return { type: 'MaskedAutoregressiveFlow', made: this.made.config(), transformer: this.transformer.config(), dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.made.namedParameters(prefix === undefined || prefix === '' ? 'made' : `${prefix}.made`);
  }

  /**
   * Which path this flow's density and sampling passes take: `'fused'` when the transformer describes a kernel path
   * (`Transformer.kernel`: affine, rational-quadratic and circular splines, Bernstein, NAF, UMNN), one kernel call per
   * direction on every backend;
   * `'layer-by-layer'` otherwise (the MADE layer by layer, and the transformer's own methods one feature at a time
   * when sampling), which is correct but slower.
   */
  get kernelPath(): 'fused' | 'layer-by-layer' {
    return this.transformer.kernel == null ? 'layer-by-layer' : 'fused';
  }

  protected computeInverse(x: Matrix, context: Matrix | null): BijectorResult {
    if (this.transformer.kernel != null) return this.resultInto('inverse', x, context);
    const n = x.rows;
    // The parameters never leave this method, so their buffer is reused across calls.
    const params = this.made.forward(n, x.data, context?.data ?? null, this.scratch.get('eval.params', this.dtype, n * this.made.outputWidth));
    const output = zeros(n, this.features, this.dtype);
    const logDet = new Float64Array(n);
    this.transformer.inverse(n, this.features, 0, this.features, x.data, params, output.data, logDet, false);
    return { output, logDet };
  }

  protected computeForward(u: Matrix, context: Matrix | null): BijectorResult {
    if (this.transformer.kernel != null) return this.resultInto('forward', u, context);
    // A transformer without a kernel path steps per feature.
    const n = u.rows;
    const output = zeros(n, this.features, this.dtype);
    const logDet = new Float64Array(n);
    this.made.sequential(n, output.data, context?.data ?? null, (d, params) => {
      this.transformer.forward(n, this.features, d, d + 1, u.data, params, output.data, logDet, true);
    });
    return { output, logDet };
  }

  /** With a kernel path either direction is one fused kernel call writing `out` (residual and context included). */
  protected override computeInto(direction: Direction, input: Matrix, context: Matrix | null, out: Matrix,
    logDet: Float64Array): void {
    const kernel = this.transformer.kernel;
    if (kernel == null) {
      super.computeInto(direction, input, context, out, logDet);
      return;
    }
    const n = input.rows;
    if (direction === 'inverse') {
      this.made.parallelFused(n, input.data, out.data, context?.data ?? null, logDet, kernel);
    } else if (this.transformer.recordInversion === undefined) {
      this.made.sequentialFused(n, input.data, out.data, context?.data ?? null, logDet, kernel);
    } else {
      const inversion = new Float64Array(INVERSION_REPORT_LENGTH);
      this.made.sequentialFused(n, input.data, out.data, context?.data ?? null, logDet, kernel, inversion);
      this.transformer.recordInversion(inversion, 'MaskedAutoregressiveFlow.forward');
    }
  }

  /**
   * With a transformer that describes its kernel path and no dropout in this pass, two fused kernel calls
   * (`Made.parallelTrainFused`); otherwise the MADE layer by layer and the transformer's own backward.
   */
  protected override trainInverse(x: Matrix, context: Matrix | null): TrainPass {
    const kernel = this.transformer.kernel;
    if (kernel != null && !(this.training && this.made.dropout > 0)) return this.trainInverseFused(x, context, kernel);
    const n = x.rows;
    const D = this.features;
    const pass = this.made.forwardTrain(n, x.data, context?.data ?? null, { dropout: this.training });
    const output = this.scratch.matrix('output', n, D, this.dtype);
    const logDet = this.scratch.zeroDoubles('logDet', n);
    this.transformer.inverse(n, D, 0, D, x.data, pass.output, output.data, logDet, false);
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const dInput = this.scratch.matrix('dInput', n, D, this.dtype);
        const dParams = this.scratch.get('dParams', this.dtype, n * this.made.outputWidth);
        this.transformer.inverseBackward(n, D, x.data, pass.output, output.data, dOutput.data, dLogDet, dInput.data, dParams);
        const through = pass.backward(dParams);
        // x reaches the output twice: directly through τ⁻¹ and through the conditioner.
        for (let k = 0; k < dInput.data.length; k++) dInput.data[k] += through.dInput[k];
        const dContext = through.dContext === null ? null : { rows: n, cols: this.contextFeatures, data: through.dContext };
        return { dInput, dContext };
      },
    };
  }

  private trainInverseFused(x: Matrix, context: Matrix | null, kernel: TransformerKernel): TrainPass {
    const n = x.rows;
    const output = this.scratch.matrix('output', n, this.features, this.dtype);
    const logDet = this.scratch.zeroDoubles('logDet', n);
    const c = context?.data ?? null;
    const pass = this.made.parallelTrainFused(n, x.data, output.data, c, logDet, kernel);
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const dInput = this.scratch.matrix('dInput', n, this.features, this.dtype);
        const dContext = c === null ? null : this.scratch.matrix('dContext', n, this.contextFeatures, this.dtype);
        dContext?.data.fill(0);
        pass.backward(dOutput.data, dLogDet, dInput.data, dContext?.data ?? null);
        return { dInput, dContext };
      },
    };
  }
}
