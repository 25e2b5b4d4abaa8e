import type { FloatArray } from '../core/matrix.ts';

/** Elementwise nonlinearities. Each derivative is computable from the activated output alone (see `activationBackward`). */
export type Activation = 'relu' | 'tanh' | 'elu' | 'sigmoid' | 'softplus' | 'identity';

/** Every `Activation`, in the order of the native and wasm backends' activation codes. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'elu', 'sigmoid', 'softplus', 'identity'];

/**
 * The affine transformer `x = z · exp(s) + m` with the soft-clipped log-scale `s = c·tanh(r / c)`
 * (`c = logScaleBound`, `Infinity` = no clip). Parameters per feature: `(m, r)`, or `m` alone when `shiftOnly`.
 */
export interface AffineTransformerKernel {
  readonly kind: 'affine';
  readonly logScaleBound: number;
  readonly shiftOnly: boolean;
}

/**
 * The monotone rational-quadratic spline of neural spline flows on `[−tailBound, tailBound]`, identity outside, with
 * `bins` bins: `3·bins − 1` raw parameters per feature (widths, heights, interior derivatives; see
 * `RationalQuadraticSpline` for the formulas).
 */
export interface SplineTransformerKernel {
  readonly kind: 'spline';
  readonly bins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
}

/**
 * Circular rational-quadratic splines (Rezende et al. 2020) on `[−π, π]`: for an angle column (`circular[d] = 1`)
 * `x = wrap(τ(wrap(z)) + φ)`, `z = τ⁻¹(wrap(x − φ))` with τ the spline of `SplineTransformerKernel` at tail bound π
 * (equal boundary derivatives, so the map is C¹ across the seam) and `wrap` into `[−π, π)`; other columns get the
 * plain spline with identity tails and ignore φ. `3·bins` raw parameters per feature: φ, then the spline's.
 */
export interface CircularSplineTransformerKernel {
  readonly kind: 'circular-spline';
  readonly bins: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  /** `[features]`: 1 for an angle column, 0 for a real one (the layer's feature count is its length). */
  readonly circular: Int32Array;
}

/**
 * The Bernstein polynomial transformer, data → base `z = g(x)` of degree `degree` on `[−bound, bound]`, linear outside
 * (`BernsteinTransformer` gives the formula); `degree + 1` raw parameters per feature.
 */
export interface BernsteinTransformerKernel {
  readonly kind: 'bernstein';
  readonly degree: number;
  readonly bound: number;
}

/**
 * The deep sigmoidal transformer of neural autoregressive flows, data → base (`NeuralAutoregressiveTransformer`
 * gives the formula): `blocks` stacked blocks of `hiddenUnits` sigmoids, `3·hiddenUnits·blocks` raw parameters per
 * feature.
 */
export interface NafTransformerKernel {
  readonly kind: 'naf';
  readonly hiddenUnits: number;
  readonly blocks: number;
}

/**
 * The UMNN transformer, data → base `z = β + ∫₀ˣ f(t) dt` by Clenshaw–Curtis quadrature with `intervals` (even)
 * intervals of a positive one-hidden-layer network f of `hiddenUnits` tanh units (`UmnnTransformer` gives the
 * formula); `3·hiddenUnits + 2` raw parameters per feature.
 */
export interface UmnnTransformerKernel {
  readonly kind: 'umnn';
  readonly hiddenUnits: number;
  readonly intervals: number;
}

/**
 * The monotone transformers whose closed form is the data → base direction `z = g(x)`: their base → data direction
 * (`transformForward`, the sampler) is a bracketed, safeguarded-Newton root solve per entry that reports how it went
 * (`TransformOp.inversion`).
 */
export type MonotoneTransformerKernel = BernsteinTransformerKernel | NafTransformerKernel | UmnnTransformerKernel;

/**
 * What a kernel needs to know about an elementwise transformer: a description, not the transformer object, so that
 * kernels know nothing of bijectors. A transformer that has a kernel path returns one from its `kernel` property.
 */
export type TransformerKernel = AffineTransformerKernel | SplineTransformerKernel | CircularSplineTransformerKernel
  | MonotoneTransformerKernel;

/** Raw parameters per feature of a described transformer. */
export function transformerParamsPerFeature(transformer: TransformerKernel): number {
  switch (transformer.kind) {
    case 'affine': return transformer.shiftOnly ? 1 : 2;
    case 'spline': return 3 * transformer.bins - 1;
    case 'circular-spline': return 3 * transformer.bins;
    case 'bernstein': return transformer.degree + 1;
    case 'naf': return 3 * transformer.hiddenUnits * transformer.blocks;
    case 'umnn': return 3 * transformer.hiddenUnits + 2;
  }
}

/** Whether a description's base → data direction is a numerical inversion (it then fills an inversion report). */
export function isMonotoneTransformer(transformer: TransformerKernel): transformer is MonotoneTransformerKernel {
  return transformer.kind === 'bernstein' || transformer.kind === 'naf' || transformer.kind === 'umnn';
}

/**
 * How the numerical inversions of one call went, `[4]` float64, accumulated by every call that is given it:
 * `[0]` entries solved, `[1]` root-finding steps summed over them, `[2]` the largest residual `|g(x) − z|` left (after
 * rounding x to the output's precision), `[3]` entries whose residual exceeds the tolerance
 * (`1e-10·max(1, |z|)` in float64, `1e-4·max(1, |z|)` in float32, beyond the rounding of x). Start it at zeros.
 */
export const INVERSION_REPORT_LENGTH = 4;

/** One staircase layer of a MADE for the fused passes: `y = W_masked · in + W_c · c + b`. */
export interface StaircaseLayer {
  readonly inDim: number;
  readonly outDim: number;
  /** `[outDim, inDim]`; read only within each unit's prefix (the masked part may hold anything). */
  readonly weight: FloatArray;
  /** `[outDim]`, the staircase mask: unit j reads inputs `[0, prefix[j])`. */
  readonly prefix: Int32Array;
  /** `[outDim]`. */
  readonly bias: FloatArray;
  /** `[outDim, contextFeatures]`, or `null` for an unconditional layer. */
  readonly contextWeight: FloatArray | null;
}

/** A hidden layer of a fused pass: its activation and which units each sequential step computes. */
export interface StaircaseHiddenLayer extends StaircaseLayer {
  readonly activation: Activation;
  /** Length ≥ D + 1, non-decreasing: the units of degree d (computed at step d) are `[degreeStarts[d], degreeStarts[d + 1])`. */
  readonly degreeStarts: Int32Array;
}

/**
 * A whole MADE with its transformer, as the fused passes take it. A network frozen all through (`Object.freeze` on
 * it, its `hidden` array, every layer and the transformer; `Made`'s are) may be read once by a backend, which keeps
 * what it read (the native backend: on the object itself), so its typed arrays must stay attached for as long as the
 * object is used; their contents are read at every call. A network that is not frozen is read at every call.
 */
export interface StaircaseNetwork {
  readonly features: number;
  readonly contextFeatures: number;
  readonly hidden: readonly StaircaseHiddenLayer[];
  /** `[D·P, H_last]` with P = `transformerParamsPerFeature(transformer)`. */
  readonly output: StaircaseLayer;
  /** Residual MADE: `h_l = h_{l−1} + act(L_l h_{l−1})` (all hidden widths equal). */
  readonly residual: boolean;
  readonly transformer: TransformerKernel;
}

/** `prefixGemm`'s operands. */
export interface PrefixGemmOp {
  readonly batch: number;
  readonly inDim: number;
  readonly outDim: number;
  /** `[batch, inDim]`. */
  readonly x: FloatArray;
  /** `[outDim, inDim]`. */
  readonly weight: FloatArray;
  /** `[outDim]` staircase, or `null` = dense. */
  readonly prefix: Int32Array | null;
  /** `[outDim]`, or `null` = 0. Not read when `accumulate`. */
  readonly bias: FloatArray | null;
  /** `[batch, outDim]`. */
  readonly out: FloatArray;
  /** Add to `out` instead of starting from the bias. @default false */
  readonly accumulate?: boolean;
  /** @default 'identity' */
  readonly activation?: Activation;
  /** Output columns computed: `[outStart, outEnd)`. @default [0, outDim) */
  readonly outStart?: number;
  readonly outEnd?: number;
}

/** `prefixGemmBackwardInput`'s operands. */
export interface PrefixGemmBackwardInputOp {
  readonly batch: number;
  readonly inDim: number;
  readonly outDim: number;
  /** `[batch, outDim]`. */
  readonly dOut: FloatArray;
  /** `[outDim, inDim]`. */
  readonly weight: FloatArray;
  readonly prefix: Int32Array | null;
  /** `[batch, inDim]`. */
  readonly dIn: FloatArray;
  /** @default false (overwrite) */
  readonly accumulate?: boolean;
}

/** `prefixGemmBackwardWeight`'s operands. */
export interface PrefixGemmBackwardWeightOp {
  readonly batch: number;
  readonly inDim: number;
  readonly outDim: number;
  /** `[batch, outDim]`. */
  readonly dOut: FloatArray;
  /** `[batch, inDim]`. */
  readonly x: FloatArray;
  readonly prefix: Int32Array | null;
  /** `[outDim, inDim]`. */
  readonly dWeight: FloatArray;
  /** `[outDim]`, or `null`. */
  readonly dBias: FloatArray | null;
  /** @default false (overwrite) */
  readonly accumulate?: boolean;
}

/** `activation`'s operands: columns `[colStart, colEnd)` of `[rows, cols]` matrices. */
export interface ActivationOp {
  readonly activation: Activation;
  readonly rows: number;
  readonly cols: number;
  /** @default 0 */
  readonly colStart?: number;
  /** @default cols */
  readonly colEnd?: number;
  readonly x: FloatArray;
  /** May be `x`. */
  readonly out: FloatArray;
}

/** `activationBackward`'s operands (length `n`). */
export interface ActivationBackwardOp {
  readonly activation: Activation;
  readonly n: number;
  readonly y: FloatArray;
  readonly dOut: FloatArray;
  /** May be `dOut`. */
  readonly dIn: FloatArray;
}

/** `transformInverse` / `transformForward`'s operands: `output = τ^{±1}(input)` over features `[dStart, dEnd)`. */
export interface TransformOp {
  readonly transformer: TransformerKernel;
  readonly batch: number;
  readonly features: number;
  /** @default 0 */
  readonly dStart?: number;
  /** @default features */
  readonly dEnd?: number;
  /** `[batch, features]`: x for the inverse, z for the forward direction. */
  readonly input: FloatArray;
  /** `[batch, features · P]`, feature-major. */
  readonly params: FloatArray;
  /** `[batch, features]`; only columns `[dStart, dEnd)` are written. */
  readonly output: FloatArray;
  /** `[batch]`, or `null`. */
  readonly logDet: Float64Array | null;
  /** Add to `logDet` instead of overwriting it. @default false */
  readonly accumulateLogDet?: boolean;
  /**
   * `[4]`, accumulated by the numerical inverses (`transformForward` of a `MonotoneTransformerKernel`; see
   * `INVERSION_REPORT_LENGTH`), or `null`. An unconverged entry is still written: the caller reads the report and
   * refuses the result. @default null
   */
  readonly inversion?: Float64Array | null;
}

/** The backward passes of the transforms, over all features. */
export interface TransformBackwardOp {
  readonly transformer: TransformerKernel;
  readonly batch: number;
  readonly features: number;
  /** The direction's input (x for the inverse, z for the forward). */
  readonly input: FloatArray;
  readonly params: FloatArray;
  /** The direction's output. */
  readonly output: FloatArray;
  /** Gradient of the output, `[batch, features]`. */
  readonly dOutput: FloatArray;
  /** Gradient of the per-row log-det, or `null` = 0. */
  readonly dLogDet: Float64Array | null;
  /** Gradient of the input (overwritten). */
  readonly dInput: FloatArray;
  /** Gradient of the parameters (overwritten). */
  readonly dParams: FloatArray;
}

/** The fused passes' operands. */
export interface StaircasePassOp {
  readonly network: StaircaseNetwork;
  readonly batch: number;
  /** `[batch, contextFeatures]`, or `null` (no context term). */
  readonly context: FloatArray | null;
  /** The parallel pass: x (data side, read). The sequential pass: u (base side, read). `[batch, D]`. */
  readonly input: FloatArray;
  /** The parallel pass: z (written; may alias `input`). The sequential pass: x (the MADE's input, written column by column). */
  readonly output: FloatArray;
  /** `[batch]`, accumulated: zero it for a fresh pass. */
  readonly logDet: Float64Array;
  /** The sequential pass of a monotone transformer: its inversion report (`TransformOp.inversion`). @default null */
  readonly inversion?: Float64Array | null;
}

/**
 * `staircaseTrainForward`'s operands: the parallel pass of `StaircasePassOp` (`input` = x, `output` = z, `logDet`
 * accumulated) that also keeps what its backward pass reads in `saved`.
 */
export interface StaircaseTrainForwardOp extends StaircasePassOp {
  /**
   * `[staircaseTrainSavedLength(network, batch)]`, written: every hidden layer's activated output `a_l [batch, H_l]`
   * (then, residual, its sum `h_l [batch, H_l]`) in layer order, then the transformer's parameters `θ [batch, D·P]`.
   */
  readonly saved: FloatArray;
}

/** Where a fused backward pass puts one staircase layer's parameter gradients. */
export interface StaircaseLayerGradients {
  /** `[outDim, inDim]`: live entries only (the masked ones are left untouched). */
  readonly dWeight: FloatArray;
  /** `[outDim]`. */
  readonly dBias: FloatArray;
  /** `[outDim, contextFeatures]`, or `null` (no context weight, or no context in this pass). */
  readonly dContextWeight: FloatArray | null;
  /** Add into `dWeight` and `dBias` instead of overwriting them (a gradient just zeroed is overwritten). */
  readonly accumulate: boolean;
  /** Add into `dContextWeight` instead of overwriting it. */
  readonly accumulateContext: boolean;
}

/** `staircaseTrainBackward`'s operands: the forward pass's, its `saved` state and the upstream gradients. */
export interface StaircaseTrainBackwardOp {
  readonly network: StaircaseNetwork;
  readonly batch: number;
  readonly context: FloatArray | null;
  /** x, `[batch, D]`, as the forward pass read it. */
  readonly input: FloatArray;
  /** z, `[batch, D]`, as the forward pass wrote it. */
  readonly output: FloatArray;
  /** The forward pass's `saved` (read only). */
  readonly saved: FloatArray;
  /** `∂L/∂z`, `[batch, D]`. */
  readonly dOutput: FloatArray;
  /** `∂L/∂logDet` per row, or `null` = 0. */
  readonly dLogDet: Float64Array | null;
  /** `∂L/∂x`, `[batch, D]`, overwritten: through τ⁻¹ directly and through the MADE. */
  readonly dInput: FloatArray;
  /** `∂L/∂c`, `[batch, contextFeatures]`, accumulated; or `null`. */
  readonly dContext: FloatArray | null;
  /** One entry per hidden layer, then the output layer's. */
  readonly gradients: readonly StaircaseLayerGradients[];
}

/** Floats of `StaircaseTrainForwardOp.saved` for `network` at `batch` rows. */
export function staircaseTrainSavedLength(network: StaircaseNetwork, batch: number): number {
  let width = network.output.outDim;
  for (const layer of network.hidden) width += (network.residual ? 2 : 1) * layer.outDim;
  return batch * width;
}

/** `gatherColumns`'s operands: `out[r, i] = x[r, index[i]]`. */
export interface GatherColumnsOp {
  readonly rows: number;
  readonly cols: number;
  readonly x: FloatArray;
  /** `[cols]`, entries in `[0, cols)`. */
  readonly index: Int32Array;
  /** Must not alias `x`. */
  readonly out: FloatArray;
}

/** `columnMoments`'s operands. */
export interface ColumnMomentsOp {
  readonly batch: number;
  readonly cols: number;
  readonly x: FloatArray;
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** `batchNormApply`'s operands. */
export interface BatchNormApplyOp {
  readonly batch: number;
  readonly cols: number;
  readonly x: FloatArray;
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly eps: number;
  readonly logGamma: FloatArray;
  readonly beta: FloatArray;
  readonly out: FloatArray;
}

/** `batchNormBackward`'s operands. */
export interface BatchNormBackwardOp {
  readonly batch: number;
  readonly cols: number;
  readonly x: FloatArray;
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly eps: number;
  readonly logGamma: FloatArray;
  readonly dOut: FloatArray;
  /** Σ_b of the per-row log-det's upstream gradient. */
  readonly dLogDetSum: number;
  /** Overwritten. */
  readonly dX: FloatArray;
  /** Accumulated. */
  readonly dLogGamma: FloatArray;
  /** Accumulated. */
  readonly dBeta: FloatArray;
}

/**
 * The tensors of one multi-tensor call (`sumOfSquares`, `axpby`, `adamUpdate`, `sgdMomentumUpdate`): an optimiser's
 * whole parameter list in one kernel call. Tensor t is `[rows[t], cols[t]]`, row-major; with `staircases[t]` given,
 * only row r's entries `[0, staircases[t][r])` are *live* (the rest are a MADE weight's masked entries). The kernels
 * read and write live entries only: a masked entry is never read (it may hold anything, NaN included) and never
 * written, so NaN there cannot spread into live entries, sums or moving averages. Build it once per parameter list
 * and reuse it (`TensorListLayout` holds no data).
 */
export interface TensorListLayout {
  /** `[tensors]`. */
  readonly rows: Int32Array;
  /** `[tensors]`. */
  readonly cols: Int32Array;
  /** One per tensor: `[rows[t]]` with entries in `[0, cols[t]]`, or `null` = every entry live. */
  readonly staircases: ReadonlyArray<Int32Array | null>;
}

/** `sumOfSquares`' operands. */
export interface SumOfSquaresOp {
  readonly layout: TensorListLayout;
  /** One `[rows[t], cols[t]]` array per tensor. */
  readonly x: readonly FloatArray[];
  /** `[tensors]`, overwritten: `out[t] = Σ_live x_t[k]²`, summed in float64. */
  readonly out: Float64Array;
}

/** `axpby`'s operands: `y_t ← alpha · y_t + beta · x_t` on the live entries of every tensor. */
export interface AxpbyOp {
  readonly layout: TensorListLayout;
  readonly alpha: number;
  readonly beta: number;
  /** One array per tensor, or `null` = `y_t ← alpha · y_t` (beta is then not used). */
  readonly x: readonly FloatArray[] | null;
  /** One array per tensor, updated in place (not read when `alpha` is 0). */
  readonly y: readonly FloatArray[];
}

/**
 * What an optimiser's update kernel (`adamUpdate`, `sgdMomentumUpdate`) does besides the update, in the same pass over
 * the live entries: a training step then reads and writes each parameter tensor once, where the gradient norm, the
 * clipping and the weights' moving average were a pass each.
 */
export interface UpdatePassOp {
  /**
   * The gradients are read as `round(gradScale · grad)`, rounded to their dtype (float64 arithmetic), and left as they
   * are: gradient clipping by a norm taken before the update. @default 1
   */
  readonly gradScale?: number;
  /** `[tensors]`, overwritten: `Σ_live grad_t[k]²` of the gradients as given (before `gradScale`), summed in float64. */
  readonly gradSquares?: Float64Array | null;
  /**
   * A moving average of the parameters, one array per tensor, updated after the step:
   * `average_t ← averageDecay · average_t + (1 − averageDecay) · param_t` in float64, rounded once (as `axpby`).
   */
  readonly average?: readonly FloatArray[] | null;
  /** In [0, 1); read only with `average`. */
  readonly averageDecay?: number;
}

/** The operands every optimiser update kernel takes: slot arrays, one `[rows[t], cols[t]]` array per tensor. */
export interface ParameterUpdateOp extends UpdatePassOp {
  readonly layout: TensorListLayout;
  readonly param: readonly FloatArray[];
  readonly grad: readonly FloatArray[];
  readonly lr: number;
  readonly weightDecay: number;
}

/** `adamUpdate`'s operands. */
export interface AdamUpdateOp extends ParameterUpdateOp {
  readonly m: readonly FloatArray[];
  readonly v: readonly FloatArray[];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** 1-based. */
  readonly step: number;
}

/** `sgdMomentumUpdate`'s operands. */
export interface SgdMomentumUpdateOp extends ParameterUpdateOp {
  readonly velocity: readonly FloatArray[];
  readonly momentum: number;
}

/**
 * The kernel contract: pure functions over typed arrays that every backend implements, each taking one named
 * descriptor. `reference` (plain TypeScript, float32 and float64) is the oracle; `native` (C++ N-API addon) and
 * `wasm` (WebAssembly SIMD128) are engines for float32.
 *
 * Conventions shared by every kernel:
 * - matrices are row-major and batch-first: `x` is `[batch, inDim]`, a weight is `[outDim, inDim]` (PyTorch's
 *   `Linear` layout), so output unit `j` reads the row `weight[j, :]`;
 * - a *staircase* mask is given by `prefix: Int32Array [outDim]`, non-decreasing: output unit `j` reads only inputs
 *   `[0, prefix[j])`. `prefix = null` means dense. The masked part of a weight is never read;
 * - all float arrays of one call have one element type, except log-determinants and moments (always `Float64Array`);
 * - kernels never allocate their outputs: the caller passes `out` buffers (which may be reused across calls).
 */
export interface Kernels {
  /** Which backend this is (backends register under their name: `registerBackend`). */
  readonly name: string;

  /**
   * Staircase (prefix) GEMM with fused bias and activation, over the output columns `[outStart, outEnd)`:
   * `out[b, j] = act((accumulate ? out[b, j] : bias?.[j] ?? 0) + Σ_{i < prefix[j]} x[b, i] · w[j, i])`.
   * Columns outside the range are left untouched (the staircase sampler computes one degree at a time).
   */
  prefixGemm(op: PrefixGemmOp): void;

  /**
   * Gradient of a prefix GEMM with respect to its input: `dIn[b, i] (+)= Σ_{j : prefix[j] > i} dOut[b, j] · w[j, i]`
   * (input `i` is read by a suffix of the outputs). Overwrites `dIn` unless `accumulate`.
   */
  prefixGemmBackwardInput(op: PrefixGemmBackwardInputOp): void;

  /**
   * Gradient of a prefix GEMM with respect to its weights: `dW[j, i] (+)= Σ_b dOut[b, j] · x[b, i]` for
   * `i < prefix[j]` (masked entries are left untouched) and `dBias[j] (+)= Σ_b dOut[b, j]`; overwritten unless
   * `accumulate` (a gradient just zeroed: its stale contents are never read).
   */
  prefixGemmBackwardWeight(op: PrefixGemmBackwardWeightOp): void;

  /** Elementwise activation over columns `[colStart, colEnd)`: `out = act(x)` (the recurrent encoders' gates). */
  activation(op: ActivationOp): void;

  /**
   * Backward of an activation from its *output*: `dIn[k] = dOut[k] · act'(·)` with the derivative written in terms
   * of `y = act(x)` (relu: `y > 0`; tanh: `1 − y²`; sigmoid: `y(1 − y)`; elu: `y > 0 ? 1 : y + 1`;
   * softplus: `1 − exp(−y)`; identity: 1).
   */
  activationBackward(op: ActivationBackwardOp): void;

  /**
   * A described transformer in the data → base direction over features `[dStart, dEnd)`: `z = τ⁻¹(x; θ)`,
   * `logDet[b] (+)= Σ_d log|∂z_d/∂x_d|`. Affine: `z = (x − m)·exp(−s)`, log-det `−Σ s_d`.
   */
  transformInverse(op: TransformOp): void;

  /**
   * The base → data direction: `x = τ(z; θ)`, `logDet[b] (+)= Σ_d log|∂x_d/∂z_d|`. Affine: `x = z·exp(s) + m`. A
   * monotone transformer (`MonotoneTransformerKernel`) solves `g(x) = z` per entry and accumulates `op.inversion`.
   */
  transformForward(op: TransformOp): void;

  /** Backward of `transformInverse` over all features: `dInput` (∂/∂x) and `dParams`, both overwritten. */
  transformInverseBackward(op: TransformBackwardOp): void;

  /** Backward of `transformForward` over all features: `dInput` (∂/∂z) and `dParams`, both overwritten. */
  transformForwardBackward(op: TransformBackwardOp): void;

  /**
   * The whole sequential (base → data) pass of a MADE-conditioned autoregressive transform in one call: the
   * staircase sampler fused with the transformer. With every layer's output initialised to `bias + W_c · c` per row,
   * for each feature `d = 0..D−1` in order:
   * 1. for each hidden layer l, its units of degree d (`[degreeStarts[d], degreeStarts[d + 1])`):
   *    `a_l[b, j] = act(a_l[b, j] + Σ_{i < prefix[j]} in_l[b, i] · W_l[j, i])` with `in_0 = x` and
   *    `in_l = residual ? h_{l−1} : a_{l−1}`; residual: `h_l[b, j] = (l > 0 ? h_{l−1}[b, j] : 0) + a_l[b, j]`;
   * 2. the output columns `[d·P, (d + 1)·P)`: `θ[b, c] += Σ_{i < prefix[c]} top[b, i] · W_out[c, i]`;
   * 3. `x[b, d] = τ(u[b, d]; θ_d)` and `logDet[b] += log τ'` (`transformForward` on feature d).
   * Each unit gets the arithmetic of `prefixGemm` (the context term non-accumulating, then `accumulate = true`
   * ranges) and the transform's, so the result equals that per-feature composition (the reference backend computes it
   * so). The activations are work buffers of the backend.
   */
  staircaseSequential(op: StaircasePassOp): void;

  /**
   * The whole parallel (data → base) pass, the density direction: the MADE evaluated on `x` with every unit at once,
   * then `transformInverse` over all features with `logDet` accumulated. The arithmetic per unit is that of
   * `prefixGemm`, so the result equals that composition; `degreeStarts` is not read.
   */
  staircaseParallel(op: StaircasePassOp): void;

  /**
   * The training pass of a MADE-conditioned autoregressive transform, forward half: `staircaseParallel` (z = τ⁻¹(x;
   * θ(x)), `logDet` accumulated) that also writes every hidden activation and θ into `saved`, in one call. Each unit
   * gets the arithmetic of the layer-by-layer composition (`MaskedLinear.forward`: `prefixGemm` with the context term
   * first, then `transformInverse`), so the results equal it to float32 rounding.
   */
  staircaseTrainForward(op: StaircaseTrainForwardOp): void;

  /**
   * The backward half, in one call: `transformInverseBackward` on the saved θ, then through the output layer and
   * every hidden layer down to x (`activationBackward` from the saved activations; residual sums pass their gradient
   * straight through), writing each layer's weight, bias and context-weight gradients (`prefixGemmBackwardWeight`),
   * `dContext` (accumulated) and `dInput = ∂z/∂x-direct + through the MADE` (overwritten). Equal to
   * `MaskedLinear.backward` layer by layer to float32 rounding.
   */
  staircaseTrainBackward(op: StaircaseTrainBackwardOp): void;

  /**
   * Reorders columns: `out[r, i] = x[r, index[i]]` for `x, out [rows, cols]` and `index [cols]` with entries in
   * `[0, cols)` (a permutation for `Permute`; any index vector is allowed).
   */
  gatherColumns(op: GatherColumnsOp): void;

  /** Column means and biased variances of `x [batch, cols]` into `mean [cols]`, `variance [cols]` (float64 sums). */
  columnMoments(op: ColumnMomentsOp): void;

  /**
   * Batch normalisation as a bijection (data → base), the MAF paper's form:
   * `out[b, c] = (x[b, c] − mean_c) / sqrt(variance_c + eps) · exp(logGamma_c) + beta_c`.
   */
  batchNormApply(op: BatchNormApplyOp): void;

  /**
   * Backward of `batchNormApply` when `mean`/`variance` are the batch's own moments (training mode): the log-det
   * `Σ_c logGamma_c − ½ log(variance_c + eps)` is the same for every row, so only the sum of its upstream gradient
   * matters. Overwrites `dX`; accumulates into `dLogGamma` and `dBeta`.
   */
  batchNormBackward(op: BatchNormBackwardOp): void;

  /**
   * Sums of squares of every tensor of a list (`TensorListLayout`: live entries only), in float64:
   * `out[t] = Σ_live x_t[k]²` (the global gradient norm is `sqrt(Σ_t out[t])`).
   */
  sumOfSquares(op: SumOfSquaresOp): void;

  /**
   * `y_t ← alpha · y_t + beta · x_t` on the live entries of every tensor of a list, computed in float64 and rounded
   * once (`x` null: `y_t ← alpha · y_t`; `alpha` 0: y is not read). Gradient clipping, moving averages of weights.
   */
  axpby(op: AxpbyOp): void;

  /**
   * One Adam step (Kingma & Ba 2015) over every tensor of a list, with L2 weight decay folded into the gradient
   * (`g ← grad + weightDecay · param`, the MAF paper's regulariser), bias-corrected with the 1-based `step`:
   * `m ← β1 m + (1 − β1) g`, `v ← β2 v + (1 − β2) g²`, `param ← param − lr · m̂ / (sqrt(v̂) + eps)`; live entries only.
   * In the same pass (`UpdatePassOp`): the gradients scaled, their sums of squares, the parameters' moving average.
   */
  adamUpdate(op: AdamUpdateOp): void;

  /**
   * One step of SGD with heavy-ball momentum over every tensor of a list, PyTorch's convention:
   * `g ← grad + weightDecay · param`, `velocity ← momentum · velocity + g`, `param ← param − lr · velocity`; live
   * entries only, with `UpdatePassOp`'s work in the same pass.
   */
  sgdMomentumUpdate(op: SgdMomentumUpdateOp): void;
}

/** The name of every kernel of the contract. */
export type KernelName = Exclude<keyof Kernels, 'name'>;

/**
 * For each kernel, the operand whose element type is the call's dtype (the others of the call share it, log-dets
 * and moments aside). Backends that run float32 only delegate a float64 call by this one table.
 */
export const KERNEL_DTYPE_OPERAND: { readonly [K in KernelName]: keyof Parameters<Kernels[K]>[0] } = {
  prefixGemm: 'x',
  prefixGemmBackwardInput: 'dOut',
  prefixGemmBackwardWeight: 'dOut',
  activation: 'x',
  activationBackward: 'y',
  transformInverse: 'input',
  transformForward: 'input',
  transformInverseBackward: 'input',
  transformForwardBackward: 'input',
  staircaseSequential: 'input',
  staircaseParallel: 'input',
  staircaseTrainForward: 'input',
  staircaseTrainBackward: 'input',
  gatherColumns: 'x',
  columnMoments: 'x',
  batchNormApply: 'x',
  batchNormBackward: 'x',
  sumOfSquares: 'x',
  axpby: 'y',
  adamUpdate: 'param',
  sgdMomentumUpdate: 'param',
};

/** Every kernel name, in a fixed order. */
export const KERNEL_NAMES = Object.keys(KERNEL_DTYPE_OPERAND) as KernelName[];

/** Whether a call's operands are float64 (by `KERNEL_DTYPE_OPERAND`; a multi-tensor call by its first tensor). */
export function isFloat64Call<K extends KernelName>(name: K, op: Parameters<Kernels[K]>[0]): boolean {
  const operand = (op as unknown as Record<string, unknown>)[KERNEL_DTYPE_OPERAND[name] as string];
  return (Array.isArray(operand) ? operand[0] : operand) instanceof Float64Array;
}

/**
 * A backend from a partial engine: each kernel the engine has runs there for float32 calls its `accepts` allows;
 * every other call (float64 ones, kernels it lacks, descriptions it cannot run) goes to `fallback`. This is the one
 * place where backends convert between dtypes.
 */
export function withFallback(name: string, engine: Partial<Omit<Kernels, 'name'>>, fallback: Kernels,
  accepts: <K extends KernelName>(kernel: K, op: Parameters<Kernels[K]>[0]) => boolean = () => true): Kernels {
  const backend: Record<string, unknown> = { name };
  for (const kernel of KERNEL_NAMES) {
    const fast = engine[kernel] as ((op: unknown) => void) | undefined;
    const slow = (fallback[kernel] as (op: unknown) => void).bind(fallback);
    backend[kernel] = fast === undefined ? slow
      : (op: never) => (isFloat64Call(kernel, op) || !accepts(kernel, op) ? slow(op) : fast(op));
  }
  return backend as unknown as Kernels;
}
