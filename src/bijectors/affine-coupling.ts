import { allocate, zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import { MaskedLinear } from '../nn/masked-linear.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { AffineTransformer } from './affine-transformer.ts';
import { Bijector, type BijectorConfig, type BijectorResult, type TrainPass } from './bijector.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

/** Options of `new AffineCoupling(options)`. */
export interface AffineCouplingOptions {
  /** D ≥ 2 (with one feature there is nothing to condition on). */
  features: number;
  /**
   * Which features are kept (identity): 'alternate' keeps the even indices 0, 2, 4, …; 'half' keeps the first
   * ⌊D/2⌋; an explicit boolean array marks kept features with `true`. At least one feature must be kept and one
   * transformed. @default 'alternate'
   */
  mask?: 'alternate' | 'half' | readonly boolean[];
  /** Swaps kept and transformed features (stack layers with alternating `reverseMask`). @default false */
  reverseMask?: boolean;
  /** Hidden layer widths of the conditioner network. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** @default 'relu' */
  activation?: Activation;
  /** Width of the context input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** The elementwise transformer. @default new AffineTransformer({ shiftOnly, logScaleBound }) */
  transformer?: Transformer;
  /** Shift-only affine transformer (volume preserving, NICE). Ignored when `transformer` is given. @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scale. Ignored when `transformer` is given. @default 5 */
  logScaleBound?: number;
  /** Scale of the output layer's initial weights. @default 0.01 */
  outputInitScale?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the network weights. @default new Rng(0) */
  rng?: Rng;
}

/** The serialised form of an `AffineCoupling` (`config()`), enough to rebuild it with `createBijector`. */
export interface AffineCouplingConfig extends BijectorConfig {
  type: 'AffineCoupling';
  features: number;
  /** `true` = kept (identity), after `reverseMask` was applied. */
  mask: boolean[];
  hiddenUnits: number[];
  activation: Activation;
  contextFeatures: number;
  transformer: TransformerConfig;
  dtype: Dtype;
}

/**
 * An affine coupling layer (Real NVP, Dinh et al. 2017). A binary mask splits the features into a *kept* part `x_K`,
 * passed through unchanged, and a *transformed* part `x_T`, transformed elementwise with parameters computed from the
 * kept part (and the context) by a dense network: `θ = net(x_K, c)`, `x_T = τ(u_T; θ)`, `x_K = u_K`.
 * With the default affine transformer `x_T = u_T · exp(s(x_K)) + m(x_K)`, so
 * `forwardLogDet = Σ_{d ∈ T} s_d`. Both directions are one network pass: parallel and differentiable.
 * Shapes: `u, x [n, features]`, `context [n, contextFeatures]` (fed to every layer of the network).
 * The network's output layer starts small, so a fresh coupling is close to the identity.
 *
 * @example
 * import { AffineCoupling, Rng, matrix, toArrays } from 'maflow';
 * const coupling = new AffineCoupling({ features: 4, mask: 'alternate', hiddenUnits: [8], rng: new Rng(0) });
 * const u = coupling.inverse(matrix([[0.1, 0.2, 0.3, 0.4]]));
 * console.log(toArrays(coupling.forward(u))); // ≈ [ [ 0.1, 0.2, 0.3, 0.4 ] ]
 */
export class AffineCoupling extends Bijector {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly inverseIsParallel = true;
  readonly forwardIsParallel = true;
  readonly transformer: Transformer;
  readonly activation: Activation;
  /** `true` for kept features. */
  readonly mask: readonly boolean[];
  readonly hidden: MaskedLinear[];
  readonly output: MaskedLinear;
  private readonly kept: Int32Array;
  private readonly transformed: Int32Array;

  /** The transformer's (a shift-only coupling: log-det 0). */
  override get isConstantJacobian(): boolean {
    return this.transformer.constantJacobian;
  }

  constructor(options: AffineCouplingOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 2) {
      throw new RangeError(`AffineCoupling: features must be an integer >= 2 (a coupling layer conditions the transformed features on the kept ones; with ${D} there is nothing to condition on)`);
    }
    this.features = D;
    this.contextFeatures = options.contextFeatures ?? 0;
    this.dtype = options.dtype ?? 'float32';
    this.activation = options.activation ?? 'relu';
    this.transformer = options.transformer
      ?? new AffineTransformer({ shiftOnly: options.shiftOnly, logScaleBound: options.logScaleBound });
    this.mask = resolveMask(options.mask ?? 'alternate', D, options.reverseMask ?? false);
    this.kept = Int32Array.from(this.mask.flatMap((k, d) => (k ? [d] : [])));
    this.transformed = Int32Array.from(this.mask.flatMap((k, d) => (k ? [] : [d])));
    const rng = options.rng ?? new Rng(0);
    let inDim = this.kept.length;
    this.hidden = (options.hiddenUnits ?? [64, 64]).map((units) => {
      const layer = new MaskedLinear({ inDim, outDim: units, prefix: null, contextFeatures: this.contextFeatures, dtype: this.dtype, rng });
      inDim = units;
      return layer;
    });
    this.output = new MaskedLinear({
      inDim, outDim: this.transformed.length * this.transformer.paramsPerFeature, prefix: null,
      contextFeatures: this.contextFeatures, dtype: this.dtype, rng, initScale: options.outputInitScale ?? 0.01,
    });
  }

  config(): AffineCouplingConfig {
    return {
      type: 'AffineCoupling', features: this.features, mask: [...this.mask], hiddenUnits: this.hidden.map((l) => l.outDim),
      activation: this.activation, contextFeatures: this.contextFeatures, transformer: this.transformer.config(), dtype: this.dtype,
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    const out: NamedParameters = [];
    this.hidden.forEach((layer, l) => out.push(...layer.namedParameters(joinName(prefix, `net.hidden.${l}`))));
    out.push(...this.output.namedParameters(joinName(prefix, 'net.output')));
    return out;
  }

  protected computeInverse(x: Matrix, context: Matrix | null): BijectorResult {
    const { output, logDet } = this.run(x, context, 'inverse');
    return { output, logDet };
  }

  protected computeForward(u: Matrix, context: Matrix | null): BijectorResult {
    const { output, logDet } = this.run(u, context, 'forward');
    return { output, logDet };
  }

  protected override trainInverse(x: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(x, context, 'inverse');
  }

  protected override trainForward(u: Matrix, context: Matrix | null): TrainPass {
    return this.runTrain(u, context, 'forward');
  }

  /** One pass in `direction`, keeping what the backward pass needs. */
  private run(input: Matrix, context: Matrix | null, direction: 'forward' | 'inverse') {
    const n = input.rows;
    const T = this.transformed.length;
    const keep = gatherColumns(input.data, n, this.features, this.kept);
    const source = gatherColumns(input.data, n, this.features, this.transformed);
    const net = this.condition(n, keep, context?.data ?? null);
    const target = allocate(this.dtype, n * T);
    const logDet = new Float64Array(n);
    this.transformer[direction](n, T, 0, T, source, net.params, target, logDet, false);
    const output = zeros(n, this.features, this.dtype);
    scatterColumns(keep, n, this.features, this.kept, output.data);
    scatterColumns(target, n, this.features, this.transformed, output.data);
    return { output, logDet, keep, source, target, net };
  }

  private runTrain(input: Matrix, context: Matrix | null, direction: 'forward' | 'inverse'): TrainPass {
    const pass = this.run(input, context, direction);
    const n = input.rows;
    const D = this.features;
    const T = this.transformed.length;
    return {
      output: pass.output,
      logDet: pass.logDet,
      backward: (dOutput, dLogDet) => {
        const dTarget = gatherColumns(dOutput.data, n, D, this.transformed);
        const dSource = allocate(this.dtype, n * T);
        const dParams = allocate(this.dtype, n * this.output.outDim);
        if (direction === 'inverse') {
          this.transformer.inverseBackward(n, T, pass.source, pass.net.params, pass.target, dTarget, dLogDet, dSource, dParams);
        } else {
          this.transformer.forwardBackward(n, T, pass.source, pass.net.params, pass.target, dTarget, dLogDet, dSource, dParams);
        }
        const dContext = context === null ? null : zeros(n, this.contextFeatures, this.dtype);
        const dKeepNet = this.conditionBackward(n, pass.keep, context?.data ?? null, pass.net, dParams, dContext?.data ?? null);
        // The kept part reaches the loss twice: directly (identity) and through the conditioner.
        const dKeep = gatherColumns(dOutput.data, n, D, this.kept);
        for (let k = 0; k < dKeep.length; k++) dKeep[k] += dKeepNet[k];
        const dInput = zeros(n, D, this.dtype);
        scatterColumns(dKeep, n, D, this.kept, dInput.data);
        scatterColumns(dSource, n, D, this.transformed, dInput.data);
        return { dInput, dContext };
      },
    };
  }

  /** `θ = net(keep, context)`: hidden activations and the transformer parameters `[n, T · P]`. */
  private condition(n: number, keep: FloatArray, context: FloatArray | null): { activations: FloatArray[]; params: FloatArray } {
    const activations: FloatArray[] = [];
    let h = keep;
    for (const layer of this.hidden) {
      const out = layer.allocateOutput(n);
      layer.forward(n, h, context, out, this.activation);
      activations.push(out);
      h = out;
    }
    const params = this.output.allocateOutput(n);
    this.output.forward(n, h, context, params, 'identity');
    return { activations, params };
  }

  /** Backward through the network: accumulates weight gradients, adds into `dContext`, returns `∂L/∂keep`. */
  private conditionBackward(n: number, keep: FloatArray, context: FloatArray | null,
    net: { activations: FloatArray[]; params: FloatArray }, dParams: FloatArray, dContext: FloatArray | null): FloatArray {
    const layers = [...this.hidden, this.output];
    const last = layers.length - 1;
    let dY = dParams;
    for (let l = last; l >= 0; l--) {
      const layer = layers[l];
      const dX = allocate(this.dtype, n * layer.inDim);
      layer.backward(n, l === 0 ? keep : net.activations[l - 1], l === last ? net.params : net.activations[l], dY,
        l === last ? 'identity' : this.activation, dX, context, dContext);
      dY = dX;
    }
    return dY;
  }
}

function resolveMask(mask: 'alternate' | 'half' | readonly boolean[], D: number, reverse: boolean): boolean[] {
  let kept: boolean[];
  if (mask === 'alternate') kept = Array.from({ length: D }, (_, d) => d % 2 === 0);
  else if (mask === 'half') kept = Array.from({ length: D }, (_, d) => d < Math.floor(D / 2));
  else if (Array.isArray(mask)) {
    if (mask.length !== D) throw new RangeError(`AffineCoupling: expected mask [${D}], got [${mask.length}]`);
    kept = mask.map(Boolean);
  } else {
    throw new Error(`AffineCoupling: mask must be 'alternate', 'half' or a boolean array, got ${JSON.stringify(mask)}`);
  }
  if (reverse) kept = kept.map((k) => !k);
  const count = kept.filter(Boolean).length;
  if (count === 0 || count === D) {
    throw new RangeError(`AffineCoupling: the mask must keep at least one feature and transform at least one, got [${kept.join(', ')}]`);
  }
  return kept;
}

/** `out[b, i] = m[b, index[i]]` as a contiguous `[n, index.length]` buffer. */
function gatherColumns(m: FloatArray, n: number, D: number, index: Int32Array): FloatArray {
  const W = index.length;
  const out = allocate(m instanceof Float64Array ? 'float64' : 'float32', n * W);
  for (let b = 0; b < n; b++) for (let i = 0; i < W; i++) out[b * W + i] = m[b * D + index[i]];
  return out;
}

/** `out[b, index[i]] = part[b, i]`. */
function scatterColumns(part: FloatArray, n: number, D: number, index: Int32Array, out: FloatArray): void {
  const W = index.length;
  for (let b = 0; b < n; b++) for (let i = 0; i < W; i++) out[b * D + index[i]] = part[b * W + i];
}
