import type { FloatArray } from '../core/matrix.ts';
import { circularSplineMath } from '../kernels/circular-spline-math.ts';
import type { CircularSplineTransformerKernel } from '../kernels/kernels.ts';
import { DescribedTransformer } from './described-transformer.ts';
import { RationalQuadraticSpline } from './rational-quadratic-spline.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new CircularSpline(options)`. */
export interface CircularSplineOptions {
  /**
   * Which features are angles (radians): one flag per feature the transformer sees (all D of a MAF layer; the
   * transformed ones of a coupling, in order).
   */
  circular: readonly boolean[];
  /** Spline bins K. @default 8 */
  bins?: number;
}

/**
 * Rational-quadratic splines for periodic features (Rezende et al. 2020, "Normalizing Flows on Tori and Spheres",
 * circular splines), usable per column: an angle column `c` (radians) gets a diffeomorphism of the circle,
 *
 *   x = wrap(τ(wrap(z)) + φ)   (base → data),   z = τ⁻¹(wrap(x − φ))   (data → base),
 *
 * with τ the monotone rational-quadratic spline of `RationalQuadraticSpline` on [−π, π] (its end knots are fixed at
 * ±π, and its boundary derivatives are equal — both 1 — so the map is C¹ across the seam) and φ a rotation, which moves
 * the seam; `wrap` takes a value into [−π, π). The log-determinant is the spline's (rotation and wrapping have slope 1).
 * Every other column gets the ordinary spline on [−π, π] with identity tails, and ignores φ. Parameters per feature:
 * `3K` — φ, then the spline's `3K − 1`. The angle columns' base values are angles too: follow the layer by something
 * for angles, e.g. a `Bounds([−π, π])` on those columns before a normal base (as in the example), so that the flow's
 * density is normalised on the torus. Give angles in [−π, π): the spline reads any angle modulo 2π, but the
 * conditioner (a MADE) sees the values as given. The arithmetic is the kernels' (`CircularSplineTransformerKernel`), so a
 * MAF with circular splines takes the fused passes.
 *
 * @example
 * import { Bounds, Chain, CircularSpline, MaskedAutoregressiveFlow, Rng, StandardNormal, TransformedDistribution, matrix }
 *   from 'maflow';
 * const circular = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [16], rng: new Rng(0),
 *   transformer: new CircularSpline({ circular: [true, false] }) });
 * const flow = new TransformedDistribution(new StandardNormal(2),
 *   new Chain([circular, new Bounds({ bounds: [[-Math.PI, Math.PI], [-Infinity, Infinity]] })]));
 * const samples = flow.sample(500, { rng: new Rng(1) });   // column 0 in [−π, π)
 * console.log(flow.logProb(matrix([[3.1, 0], [-3.1, 0]]))); // → Float64Array(2) [ …, … ] (either side of the seam)
 */
export class CircularSpline extends DescribedTransformer {
  declare readonly kernel: CircularSplineTransformerKernel;
  readonly circular: readonly boolean[];
  readonly bins: number;
  readonly constantJacobian = false;

  constructor(options: CircularSplineOptions) {
    if (!Array.isArray(options.circular) || options.circular.length < 1) {
      throw new RangeError('CircularSpline: circular needs one flag per feature');
    }
    // The spline's checks and defaults (minimum bin sizes and derivative), at the tail bound π.
    const spline = new RationalQuadraticSpline({ bins: options.bins, tailBound: Math.PI });
    const circular = options.circular.map((c) => c === true);
    super({ kind: 'circular-spline', bins: spline.bins, minBinWidth: spline.minBinWidth, minBinHeight: spline.minBinHeight,
      minDerivative: spline.minDerivative, circular: Int32Array.from(circular, (c) => (c ? 1 : 0)) });
    this.circular = circular;
    this.bins = spline.bins;
  }

  config(): TransformerConfig {
    return { type: 'circular-spline', circular: [...this.circular], bins: this.bins };
  }

  override inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    this.checkFeatures(features);
    super.inverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulate);
  }

  override forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    this.checkFeatures(features);
    super.forward(batch, features, dStart, dEnd, z, params, x, logDet, accumulate);
  }

  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    circularSplineMath(this.kernel).forwardDerivative(batch, features, z, params, out);
  }

  private checkFeatures(features: number): void {
    if (features !== this.circular.length) {
      throw new RangeError(`CircularSpline: built for ${this.circular.length} features (one flag each), used on ${features}`);
    }
  }
}
