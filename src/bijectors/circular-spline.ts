import { allocate, dtypeOf, type FloatArray } from '../core/matrix.ts';
import { RationalQuadraticSpline } from './rational-quadratic-spline.ts';
import type { Transformer, TransformerConfig } from './transformer.ts';

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

const TWO_PI = 2 * Math.PI;

/** `v` wrapped into [−π, π). */
function wrap(v: number): number {
  return v - TWO_PI * Math.floor((v + Math.PI) / TWO_PI);
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
 * conditioner (a MADE) sees the values as given.
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
export class CircularSpline implements Transformer {
  readonly circular: readonly boolean[];
  readonly bins: number;
  readonly paramsPerFeature: number;
  readonly constantJacobian = false;
  private readonly spline: RationalQuadraticSpline;

  constructor(options: CircularSplineOptions) {
    if (!Array.isArray(options.circular) || options.circular.length < 1) {
      throw new RangeError('CircularSpline: circular needs one flag per feature');
    }
    this.circular = options.circular.map((c) => c === true);
    this.spline = new RationalQuadraticSpline({ bins: options.bins, tailBound: Math.PI });
    this.bins = this.spline.bins;
    this.paramsPerFeature = this.spline.paramsPerFeature + 1;
  }

  config(): TransformerConfig {
    return { type: 'circular-spline', circular: [...this.circular], bins: this.bins };
  }

  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    this.checkFeatures(features);
    const { inner, rotated } = this.unpack(batch, features, dStart, dEnd, x, params, -1);
    this.spline.inverse(batch, features, dStart, dEnd, rotated, inner, z, logDet, accumulate);
  }

  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array, accumulate: boolean): void {
    this.checkFeatures(features);
    const { inner, rotated: wrapped } = this.unpack(batch, features, dStart, dEnd, z, params, 0);
    this.spline.forward(batch, features, dStart, dEnd, wrapped, inner, x, logDet, accumulate);
    for (let b = 0; b < batch; b++) {
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        if (this.circular[d]) x[i] = wrap(x[i] + params[i * this.paramsPerFeature]);
      }
    }
  }

  /** `z = τ⁻¹(wrap(x − φ))`: the spline's backward at the wrapped input, and `∂L/∂φ = −∂L/∂(wrapped input)`. */
  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    const { inner, rotated } = this.unpack(batch, features, 0, features, x, params, -1);
    const dInner = allocate(dtypeOf(dParams), inner.length);
    this.spline.inverseBackward(batch, features, rotated, inner, z, dZ, dLogDet, dX, dInner);
    this.pack(batch, features, dInner, dX, -1, dParams);
  }

  /** `x = wrap(τ(wrap(z)) + φ)`: the spline's backward, and `∂L/∂φ = ∂L/∂x`. */
  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    const { inner, rotated: wrapped } = this.unpack(batch, features, 0, features, z, params, 0);
    const dInner = allocate(dtypeOf(dParams), inner.length);
    this.spline.forwardBackward(batch, features, wrapped, inner, x, dX, dLogDet, dZ, dInner);
    this.pack(batch, features, dInner, dX, 1, dParams);
  }

  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    const { inner, rotated: wrapped } = this.unpack(batch, features, 0, features, z, params, 0);
    this.spline.forwardDerivative(batch, features, wrapped, inner, out);
  }

  private checkFeatures(features: number): void {
    if (features !== this.circular.length) {
      throw new RangeError(`CircularSpline: built for ${this.circular.length} features (one flag each), used on ${features}`);
    }
  }

  /**
   * The spline's own parameters `[batch, features · (3K − 1)]` (φ dropped) and the input with the angle columns
   * wrapped into [−π, π) after adding `sign · φ` (−1: `x − φ` for the inverse; 0: no rotation, for the forward).
   */
  private unpack(batch: number, features: number, dStart: number, dEnd: number, input: FloatArray, params: FloatArray,
    sign: number): { inner: FloatArray; rotated: FloatArray } {
    const P = this.paramsPerFeature;
    const Q = P - 1;
    const inner = allocate(dtypeOf(params), batch * features * Q);
    const rotated = allocate(dtypeOf(input), input.length);
    rotated.set(input);
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        inner.set(params.subarray(i * P + 1, (i + 1) * P), i * Q);
        if (d >= dStart && d < dEnd && this.circular[d]) rotated[i] = wrap(input[i] + sign * params[i * P]);
      }
    }
    return { inner, rotated };
  }

  /** The spline's parameter gradients back into the `3K` layout, with `∂L/∂φ = phiSign · gradient` for angle columns. */
  private pack(batch: number, features: number, dInner: FloatArray, gradient: FloatArray, phiSign: number, dParams: FloatArray): void {
    const P = this.paramsPerFeature;
    const Q = P - 1;
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        dParams.set(dInner.subarray(i * Q, (i + 1) * Q), i * P + 1);
        dParams[i * P] = this.circular[d] ? phiSign * gradient[i] : 0;
      }
    }
  }
}
