import type { FloatArray } from '../core/matrix.ts';

/** Elementwise nonlinearities. Each derivative is computable from the activated output alone (see `activationBackward`). */
export type Activation = 'relu' | 'tanh' | 'elu' | 'sigmoid' | 'softplus' | 'identity';

/** Every `Activation`. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'elu', 'sigmoid', 'softplus', 'identity'];

/** One staircase layer of a MADE for the fused affine passes: `y = W_masked · in + W_c · c + b`. */
export interface StaircaseLayer {
  inDim: number;
  outDim: number;
  /** `[outDim, inDim]`; read only within each unit's prefix (the masked part may hold anything). */
  weight: FloatArray;
  /** `[outDim]`, the staircase mask: unit j reads inputs `[0, prefix[j])`. */
  prefix: Int32Array;
  /** `[outDim]`. */
  bias: FloatArray;
  /** `[outDim, contextFeatures]`, or `null` for an unconditional layer. */
  contextWeight: FloatArray | null;
}

/** A hidden layer of a fused affine pass: its activation and which units each sequential step computes. */
export interface StaircaseHiddenLayer extends StaircaseLayer {
  activation: Activation;
  /** Length ≥ D + 1, non-decreasing: the units of degree d (computed at step d) are `[degreeStarts[d], degreeStarts[d + 1])`. */
  degreeStarts: Int32Array;
}

/**
 * The kernel contract: pure functions over typed arrays that every backend implements. `reference` (plain
 * TypeScript, float32 and float64) is the oracle; `native` (C++ N-API addon) is the engine for float32.
 *
 * Conventions shared by every kernel:
 * - matrices are row-major and batch-first: `x` is `[batch, inDim]`, a weight `w` is `[outDim, inDim]` (PyTorch's
 *   `Linear` layout), so output unit `j` reads the row `w[j, :]`;
 * - a *staircase* mask is given by `prefix: Int32Array [outDim]`, non-decreasing: output unit `j` reads only inputs
 *   `[0, prefix[j])`. `prefix = null` means dense (every output reads all `inDim` inputs). The masked part of `w` is
 *   never read, so its values do not matter;
 * - all arrays of one call have the same element type; log-determinants are always `Float64Array`;
 * - kernels never allocate their outputs: the caller passes `out` buffers (which may be reused across calls).
 */
export interface Kernels {
  /** Which backend this is. */
  readonly name: 'reference' | 'native';

  /**
   * Staircase (prefix) GEMM with fused bias and activation, over the output columns `[outStart, outEnd)`:
   * `out[b, j] = act((accumulate ? out[b, j] : bias?.[j] ?? 0) + Σ_{i < prefix[j]} x[b, i] · w[j, i])`.
   * Columns outside `[outStart, outEnd)` are left untouched (the staircase sampler computes one degree at a time).
   * Shapes: `x [batch, inDim]`, `w [outDim, inDim]`, `bias [outDim] | null`, `out [batch, outDim]`.
   */
  prefixGemm(batch: number, inDim: number, outDim: number, x: FloatArray, w: FloatArray, prefix: Int32Array | null,
    bias: FloatArray | null, out: FloatArray, accumulate: boolean, activation: Activation,
    outStart: number, outEnd: number): void;

  /**
   * Gradient of a prefix GEMM with respect to its input: `dIn[b, i] (+)= Σ_{j : prefix[j] > i} dOut[b, j] · w[j, i]`
   * (input `i` is read by a suffix of the outputs). Overwrites `dIn` unless `accumulate`.
   * Shapes: `dOut [batch, outDim]`, `w [outDim, inDim]`, `dIn [batch, inDim]`.
   */
  prefixGemmBackwardInput(batch: number, inDim: number, outDim: number, dOut: FloatArray, w: FloatArray,
    prefix: Int32Array | null, dIn: FloatArray, accumulate: boolean): void;

  /**
   * Gradient of a prefix GEMM with respect to its weights:
   * `dW[j, i] (+)= Σ_b dOut[b, j] · x[b, i]` for `i < prefix[j]` (masked entries of `dW` are left untouched) and
   * `dBias[j] (+)= Σ_b dOut[b, j]` when `dBias` is given; accumulated, or overwritten unless `accumulate` (a gradient
   * just zeroed: its stale contents are never read).
   * Shapes: `dOut [batch, outDim]`, `x [batch, inDim]`, `dW [outDim, inDim]`, `dBias [outDim] | null`.
   */
  prefixGemmBackwardWeight(batch: number, inDim: number, outDim: number, dOut: FloatArray, x: FloatArray,
    prefix: Int32Array | null, dW: FloatArray, dBias: FloatArray | null, accumulate: boolean): void;

  /**
   * Elementwise activation over columns `[colStart, colEnd)` of `[rows, cols]` matrices: `out = act(x)`
   * (`out` may be `x`).
   */
  activation(kind: Activation, rows: number, cols: number, colStart: number, colEnd: number, x: FloatArray,
    out: FloatArray): void;

  /**
   * Backward of an activation from its *output*: `dIn[k] = dOut[k] · act'(·)` where the derivative is written in terms
   * of `y = act(x)` (relu: `y > 0`; tanh: `1 − y²`; sigmoid: `y(1 − y)`; elu: `y > 0 ? 1 : y + 1`;
   * softplus: `1 − exp(−y)`; identity: 1). `dIn` may be `dOut`. Length `n`.
   */
  activationBackward(kind: Activation, n: number, y: FloatArray, dOut: FloatArray, dIn: FloatArray): void;

  /**
   * The affine autoregressive transform in the data → base direction, over features `[dStart, dEnd)`:
   * with `params [batch, features·2]` interleaved per feature as `(shift m_d, raw log-scale r_d)` and the soft-clipped
   * log-scale `s_d = c·tanh(r_d / c)` (`c = logScaleBound`; `c = Infinity` means `s_d = r_d`),
   * `z[b, d] = (x[b, d] − m_d) · exp(−s_d)` and `logDet[b] (+)= −Σ_d s_d` (overwritten unless `accumulateLogDet`).
   * `shiftOnly` ignores `r` (s = 0; params are then `[batch, features]` of shifts only).
   */
  affineInverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array | null, accumulateLogDet: boolean, logScaleBound: number,
    shiftOnly: boolean): void;

  /**
   * The affine transform in the base → data direction over features `[dStart, dEnd)`:
   * `x[b, d] = z[b, d] · exp(s_d) + m_d`, `logDet[b] (+)= Σ_d s_d`. Same parameter layout as `affineInverse`.
   */
  affineForward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array | null, accumulateLogDet: boolean, logScaleBound: number,
    shiftOnly: boolean): void;

  /**
   * Backward of `affineInverse` over all features, given its input `x`, `params`, output `z`, the upstream gradients
   * `dZ [batch, features]` and `dLogDet [batch]` (Float64Array; `null` = 0):
   * `dX = dZ · exp(−s)` (overwritten), `dParams` (overwritten): `∂/∂m = −dZ · exp(−s)`,
   * `∂/∂r = (−dZ · z − dLogDet) · ∂s/∂r` with `∂s/∂r = 1 − (s/c)²`.
   */
  affineInverseBackward(batch: number, features: number, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray, logScaleBound: number, shiftOnly: boolean): void;

  /**
   * Backward of `affineForward` over all features, given `z`, `params`, the upstream `dX [batch, features]` and
   * `dLogDet`: `dZ = dX · exp(s)` (overwritten), `∂/∂m = dX`, `∂/∂r = (dX · z · exp(s) + dLogDet) · ∂s/∂r`.
   */
  affineForwardBackward(batch: number, features: number, params: FloatArray, z: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray, logScaleBound: number, shiftOnly: boolean): void;

  /**
   * The whole sequential (base → data) pass of an affine MAF in one call: the staircase sampler of `Made.sequential`
   * fused with the affine transformer. With every layer's output initialised to `bias + W_c · c` per row, for each
   * feature `d = 0..D−1` in order:
   * 1. for each hidden layer l, for its units j of degree d (`[degreeStarts[d], degreeStarts[d + 1])`):
   *    `a_l[b, j] = act(a_l[b, j] + Σ_{i < prefix[j]} in_l[b, i] · W_l[j, i])` with `in_0 = x` and
   *    `in_l = residual ? h_{l−1} : a_{l−1}`; residual: `h_l[b, j] = (l > 0 ? h_{l−1}[b, j] : 0) + a_l[b, j]`;
   * 2. the output columns `[d·P, (d + 1)·P)`: `θ[b, c] += Σ_{i < prefix[c]} top[b, i] · W_out[c, i]`;
   * 3. `x[b, d] = u[b, d] · exp(s_d) + m_d` with `(m_d, r_d) = θ[b, d·P : (d + 1)·P]`, `s_d = c·tanh(r_d / c)`
   *    (`c = logScaleBound`, `Infinity` = no clip; `s_d = 0` when `shiftOnly`), and `logDet[b] += s_d`
   *    (accumulated: zero it for a fresh pass).
   * Each unit gets the arithmetic of `prefixGemm` (the context term non-accumulating, then `accumulate = true` ranges)
   * and `affineForward`, so the result equals that per-feature composition (the reference backend computes it so).
   * The activations are work buffers of the backend: a native call keeps a block of rows in cache through all D steps.
   * Shapes: `context [batch, contextFeatures] | null` (null: no context term), `u, x [batch, D]` (x is the MADE's input
   * and the output, written column by column), `logDet [batch]`; layer l's `inDim` is D for l = 0, else the previous
   * `outDim` (residual: all hidden widths equal); the output layer is `[D·P, H_last]` with P = `shiftOnly ? 1 : 2`.
   */
  staircaseSequentialAffine(batch: number, features: number, contextFeatures: number, context: FloatArray | null,
    hidden: readonly StaircaseHiddenLayer[], output: StaircaseLayer, residual: boolean, u: FloatArray, x: FloatArray,
    logDet: Float64Array, logScaleBound: number, shiftOnly: boolean): void;

  /**
   * The whole parallel (data → base) pass of an affine MAF in one call, the density direction: the MADE of
   * `staircaseSequentialAffine` evaluated on `x` with every unit at once (each layer's output initialised to
   * `bias + W_c · c`, then `a_l = act(a_l + W_l,masked · in_l)` over all columns, residual sums as there, then the output
   * layer), followed by `z = (x − m) · exp(−s)` over all features with `logDet[b] −= Σ_d s_d` (accumulated), exactly as
   * `affineInverse`. The arithmetic per unit is that of `prefixGemm` (context term, then `accumulate = true`), so the
   * result equals that composition; `degreeStarts` is not read. The activations are work buffers of the backend: a
   * native call runs blocks of rows through every layer in cache, with no `[batch, H]` buffers.
   * Shapes: as `staircaseSequentialAffine` with `x [batch, D]` read and `z [batch, D]` written (z may alias x).
   */
  staircaseParallelAffine(batch: number, features: number, contextFeatures: number, context: FloatArray | null,
    hidden: readonly StaircaseHiddenLayer[], output: StaircaseLayer, residual: boolean, x: FloatArray, z: FloatArray,
    logDet: Float64Array, logScaleBound: number, shiftOnly: boolean): void;

  /**
   * Reorders columns: `out[r, i] = x[r, index[i]]` for `x, out [rows, cols]` and `index [cols]` with entries in
   * `[0, cols)` (a permutation for `Permute`; any index vector is allowed). `out` must not alias `x`.
   */
  gatherColumns(rows: number, cols: number, x: FloatArray, index: Int32Array, out: FloatArray): void;

  /** Column means and biased variances of `x [batch, cols]` into `mean [cols]`, `variance [cols]` (float64 sums). */
  columnMoments(batch: number, cols: number, x: FloatArray, mean: Float64Array, variance: Float64Array): void;

  /**
   * Batch normalisation as a bijection (data → base), the MAF paper's form:
   * `out[b, c] = (x[b, c] − mean_c) / sqrt(variance_c + eps) · exp(logGamma_c) + beta_c`.
   */
  batchNormApply(batch: number, cols: number, x: FloatArray, mean: Float64Array, variance: Float64Array, eps: number,
    logGamma: FloatArray, beta: FloatArray, out: FloatArray): void;

  /**
   * Backward of `batchNormApply` when `mean`/`variance` are the batch's own moments (training mode), given the input
   * `x`, `dOut [batch, cols]` and the per-row log-det gradients' sum `dLogDetSum` (the log-det
   * `Σ_c logGamma_c − ½ log(variance_c + eps)` is the same for every row, so only the sum of its upstream gradient
   * matters). Overwrites `dX`; accumulates into `dLogGamma` and `dBeta`.
   */
  batchNormBackward(batch: number, cols: number, x: FloatArray, mean: Float64Array, variance: Float64Array,
    eps: number, logGamma: FloatArray, dOut: FloatArray, dLogDetSum: number, dX: FloatArray,
    dLogGamma: FloatArray, dBeta: FloatArray): void;

  /**
   * One Adam step (Kingma & Ba 2015) with decoupled-from-nothing L2 weight decay folded into the gradient
   * (`g ← grad + weightDecay · param`, as in the MAF paper's L2 regulariser), bias-corrected with the 1-based `step`:
   * `m ← β1 m + (1 − β1) g`, `v ← β2 v + (1 − β2) g²`, `param ← param − lr · m̂ / (sqrt(v̂) + eps)`.
   * The arrays are `[rows, cols]`; with a `staircase [rows]` only row r's entries `[0, staircase[r])` are updated
   * (a masked weight: the others have no gradient), else all of them.
   */
  adamStep(rows: number, cols: number, staircase: Int32Array | null, param: FloatArray, grad: FloatArray, m: FloatArray,
    v: FloatArray, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
}
