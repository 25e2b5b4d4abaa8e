import type { FloatArray } from '../core/matrix.ts';
import type { TransformerKernel } from '../kernels/kernels.ts';

/** The serialised form of a transformer (`config()`), keyed by its `type`. */
export interface TransformerConfig {
  type: string;
  [key: string]: unknown;
}

/**
 * Elementwise monotone transformers: the per-feature bijection `x_d = τ(z_d; θ_d)` inside an autoregressive or
 * coupling layer, whose parameters `θ_d` come from a conditioner network (a MADE, or the coupling net).
 * Parameters are laid out feature-major, `params [batch, features · paramsPerFeature]`.
 * Methods over a feature range `[dStart, dEnd)` let the sequential pass transform one feature at a time.
 */
export interface Transformer {
  /** Parameters per feature (2 for affine: shift and raw log-scale). */
  readonly paramsPerFeature: number;
  /** Whether the log-determinant is independent of the input (volume preserving or constant scale). */
  readonly constantJacobian: boolean;
  /**
   * The transformer's kernel path: a description the backends' kernels run, which gives a MAF with this transformer
   * its fused density and sampling passes (`Kernels.staircaseParallel` / `staircaseSequential`). Absent or `null`: the
   * transformer has no kernel path, and a MAF evaluates the MADE layer by layer and calls the methods below
   * (`MaskedAutoregressiveFlow.kernelPath` says which path a flow takes).
   */
  readonly kernel?: TransformerKernel | null;
  /**
   * For a transformer whose base → data direction is a numerical inversion: takes the inversion report a fused
   * sampling pass filled (`StaircasePassOp.inversion`), keeps it and throws, naming `method`, when an entry did not
   * converge. A MAF calls it after every fused sequential pass.
   */
  recordInversion?(inversion: Float64Array, method: string): void;

  /** Data → base over `[dStart, dEnd)`: `z = τ⁻¹(x)`, `logDet[b] (+)= Σ_d log|∂z_d/∂x_d|`. */
  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void;

  /** Base → data over `[dStart, dEnd)`: `x = τ(z)`, `logDet[b] (+)= Σ_d log|∂x_d/∂z_d|`. */
  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void;

  /** Backward of `inverse` over all features: overwrites `dX` and `dParams` given `dZ` and `dLogDet`. */
  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void;

  /** Backward of `forward` over all features: overwrites `dZ` and `dParams` given `dX` and `dLogDet`. */
  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void;

  /**
   * `∂x_d/∂z_d` of `forward` at `z` (one value per entry, `[batch, features]`): the diagonal of the transformer's
   * Jacobian, which Newton inversion uses.
   */
  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void;

  config(): TransformerConfig;
}
