import type { FloatArray } from '../core/matrix.ts';
import type { SplineTransformerKernel } from '../kernels/kernels.ts';
import { splineMath } from '../kernels/spline-math.ts';
import { DescribedTransformer } from './described-transformer.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new RationalQuadraticSpline(options)`. */
export interface RationalQuadraticSplineOptions {
  /** Number of bins K. @default 8 */
  bins?: number;
  /** The spline acts on `[−B, B]`; identity outside. @default 3 */
  tailBound?: number;
  /** Smallest bin width, as a fraction of `2B`. @default 1e-3 */
  minBinWidth?: number;
  /** Smallest bin height, as a fraction of `2B`. @default 1e-3 */
  minBinHeight?: number;
  /** Smallest knot derivative. @default 1e-3 */
  minDerivative?: number;
}

/**
 * The monotone rational-quadratic spline transformer of neural spline flows (Durkan, Bekasov, Murray & Papamakarios
 * 2019, "Neural Spline Flows", §3.1), with linear (identity) tails.
 *
 * On `[−B, B]` the spline has K bins with knots `(x_k, y_k)` and knot derivatives `δ_k`. In bin k, with
 * `w = x_{k+1} − x_k`, `h = y_{k+1} − y_k`, `s = h / w`, `ξ = (z − x_k) / w`:
 *
 *   x = τ(z) = y_k + h · [s ξ² + δ_k ξ(1−ξ)] / [s + (δ_{k+1} + δ_k − 2s) ξ(1−ξ)]
 *   τ'(z) = s² [δ_{k+1} ξ² + 2s ξ(1−ξ) + δ_k (1−ξ)²] / [s + (δ_{k+1} + δ_k − 2s) ξ(1−ξ)]²
 *
 * and `τ⁻¹` is the root of a quadratic in ξ, taken in the cancellation-free form `ξ = 2c / (−b − √(b² − 4ac))`.
 * Outside `[−B, B]` the transform is the identity (log-det 0); the boundary derivatives are fixed to 1 so that the
 * spline joins the tails with a continuous first derivative.
 *
 * Parameters per feature: `P = 3K − 1`, feature-major (`params[b, d·P + p]`): K raw widths, K raw heights, K − 1 raw
 * interior derivatives. Widths and heights are `minBin + (1 − K·minBin) · softmax(raw)` of `2B`; derivatives are
 * `minDerivative + softplus(raw + c)` with c chosen so that raw = 0 gives δ = 1: all-zero raw parameters are the
 * identity, which is where a MADE with a small output layer starts.
 * `forward` (base → data) uses the direct formula and `inverse` (data → base) the quadratic root; both are exact.
 *
 * @example
 * import { MaskedAutoregressiveFlow, RationalQuadraticSpline, Rng, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0),
 *   transformer: new RationalQuadraticSpline({ bins: 8, tailBound: 3 }) });
 * const u = maf.inverse(matrix([[0.5, -1]]));
 * console.log(toArrays(maf.forward(u))); // ≈ [ [ 0.5, -1 ] ]
 */
export class RationalQuadraticSpline extends DescribedTransformer {
  declare readonly kernel: SplineTransformerKernel;
  readonly bins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  readonly constantJacobian = false;

  constructor(options: RationalQuadraticSplineOptions = {}) {
    const spline: SplineTransformerKernel = {
      kind: 'spline', bins: options.bins ?? 8, tailBound: options.tailBound ?? 3,
      minBinWidth: options.minBinWidth ?? 1e-3, minBinHeight: options.minBinHeight ?? 1e-3,
      minDerivative: options.minDerivative ?? 1e-3,
    };
    const K = spline.bins;
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`RationalQuadraticSpline: bins must be a positive integer, got ${K}`);
    if (!(spline.tailBound > 0 && Number.isFinite(spline.tailBound))) {
      throw new RangeError(`RationalQuadraticSpline: tailBound must be a positive finite number, got ${spline.tailBound}`);
    }
    for (const [name, v] of [['minBinWidth', spline.minBinWidth], ['minBinHeight', spline.minBinHeight]] as const) {
      if (!(v >= 0 && v * K < 1)) throw new RangeError(`RationalQuadraticSpline: ${name} must be in [0, 1/bins), got ${v}`);
    }
    if (!(spline.minDerivative >= 0 && spline.minDerivative < 1)) {
      throw new RangeError(`RationalQuadraticSpline: minDerivative must be in [0, 1), got ${spline.minDerivative}`);
    }
    super(spline);
    ({ bins: this.bins, tailBound: this.tailBound, minBinWidth: this.minBinWidth, minBinHeight: this.minBinHeight,
      minDerivative: this.minDerivative } = spline);
  }

  override config(): TransformerConfig {
    return {
      type: 'spline', bins: this.bins, tailBound: this.tailBound, minBinWidth: this.minBinWidth,
      minBinHeight: this.minBinHeight, minDerivative: this.minDerivative,
    };
  }

  override forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    splineMath(this.kernel).forwardDerivative(batch, features, z, params, out);
  }
}
