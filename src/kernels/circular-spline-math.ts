import type { FloatArray } from '../core/matrix.ts';
import type { CircularSplineTransformerKernel, SplineTransformerKernel } from './kernels.ts';
import { splineMath, type SplineMath } from './spline-math.ts';

const TWO_PI = 2 * Math.PI;

/** `v` wrapped into [−π, π). */
export function wrapAngle(v: number): number {
  return v - TWO_PI * Math.floor((v + Math.PI) / TWO_PI);
}

function allocateLike(a: FloatArray, n: number): FloatArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * The reference backend's circular-spline kernels (`CircularSplineTransformerKernel`): the spline of `SplineMath` at
 * tail bound π on the wrapped, rotated angle columns, φ dropped from the parameters. The rotation and the wrap have
 * slope 1, so the log-determinant is the spline's and `∂L/∂φ = ∓∂L/∂(the spline's input or output)`.
 */
export class CircularSplineMath {
  readonly spline: SplineMath;
  readonly paramsPerFeature: number;

  constructor(readonly description: CircularSplineTransformerKernel) {
    const inner: SplineTransformerKernel = { kind: 'spline', bins: description.bins, tailBound: Math.PI,
      minBinWidth: description.minBinWidth, minBinHeight: description.minBinHeight, minDerivative: description.minDerivative };
    this.spline = splineMath(inner);
    this.paramsPerFeature = 3 * description.bins;
  }

  /** `z = τ⁻¹(wrap(x − φ))` on angle columns, `τ⁻¹(x)` on the others. */
  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array | null, accumulate: boolean): void {
    const { inner, rotated } = this.unpack(batch, features, dStart, dEnd, x, params, -1);
    this.spline.inverse(batch, features, dStart, dEnd, rotated, inner, z, logDet, accumulate);
  }

  /** `x = wrap(τ(wrap(z)) + φ)` on angle columns, `τ(z)` on the others. */
  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array | null, accumulate: boolean): void {
    const { inner, rotated: wrapped } = this.unpack(batch, features, dStart, dEnd, z, params, 0);
    this.spline.forward(batch, features, dStart, dEnd, wrapped, inner, x, logDet, accumulate);
    const P = this.paramsPerFeature;
    for (let b = 0; b < batch; b++) {
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        if (this.description.circular[d] !== 0) x[i] = wrapAngle(x[i] + params[i * P]);
      }
    }
  }

  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    const { inner, rotated } = this.unpack(batch, features, 0, features, x, params, -1);
    const dInner = allocateLike(dParams, inner.length);
    this.spline.inverseBackward(batch, features, rotated, inner, z, dZ, dLogDet, dX, dInner);
    this.pack(batch, features, dInner, dX, -1, dParams);
  }

  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    const { inner, rotated: wrapped } = this.unpack(batch, features, 0, features, z, params, 0);
    const dInner = allocateLike(dParams, inner.length);
    this.spline.forwardBackward(batch, features, wrapped, inner, x, dX, dLogDet, dZ, dInner);
    this.pack(batch, features, dInner, dX, 1, dParams);
  }

  /** `∂x/∂z`: the spline's slope at the wrapped input. */
  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    const { inner, rotated: wrapped } = this.unpack(batch, features, 0, features, z, params, 0);
    this.spline.forwardDerivative(batch, features, wrapped, inner, out);
  }

  /**
   * The spline's own parameters `[batch, features · (3K − 1)]` (φ dropped) and the input with the angle columns of
   * `[dStart, dEnd)` wrapped into [−π, π) after adding `sign · φ` (−1: `x − φ` for the inverse; 0: the forward).
   */
  private unpack(batch: number, features: number, dStart: number, dEnd: number, input: FloatArray, params: FloatArray,
    sign: number): { inner: FloatArray; rotated: FloatArray } {
    const { circular } = this.description;
    if (circular.length !== features) {
      throw new RangeError(`circular-spline kernel: circular has ${circular.length} flags, used on ${features} features`);
    }
    const P = this.paramsPerFeature;
    const Q = P - 1;
    const inner = allocateLike(params, batch * features * Q);
    const rotated = allocateLike(input, batch * features);
    rotated.set(input.subarray(0, batch * features));
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        inner.set(params.subarray(i * P + 1, (i + 1) * P), i * Q);
        if (d >= dStart && d < dEnd && circular[d] !== 0) rotated[i] = wrapAngle(input[i] + sign * params[i * P]);
      }
    }
    return { inner, rotated };
  }

  /** The spline's parameter gradients back into the `3K` layout, `∂L/∂φ = phiSign · gradient` on angle columns. */
  private pack(batch: number, features: number, dInner: FloatArray, gradient: FloatArray, phiSign: number, dParams: FloatArray): void {
    const P = this.paramsPerFeature;
    const Q = P - 1;
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        dParams.set(dInner.subarray(i * Q, (i + 1) * Q), i * P + 1);
        dParams[i * P] = this.description.circular[d] !== 0 ? phiSign * gradient[i] : 0;
      }
    }
  }
}

const cache = new WeakMap<CircularSplineTransformerKernel, CircularSplineMath>();

/** The `CircularSplineMath` of a description (one per description object). */
export function circularSplineMath(description: CircularSplineTransformerKernel): CircularSplineMath {
  let math = cache.get(description);
  if (math === undefined) {
    math = new CircularSplineMath(description);
    cache.set(description, math);
  }
  return math;
}
