import type { FloatArray } from '../core/matrix.ts';
import type { SplineTransformerKernel } from './kernels.ts';

/** Raw derivative parameters above this are clamped (δ ≤ ~1e6), so that no sum of derivatives can overflow. */
const RAW_DERIVATIVE_MAX = 1e6;

/** Local quantities of one evaluation inside a bin (reused; the object is not re-entrant). */
interface Local {
  k: number; w: number; h: number; s: number; xi: number; d0: number; d1: number;
  q: number; R: number; Dn: number; M: number;
}

/**
 * The arithmetic of the rational-quadratic spline transformer (`RationalQuadraticSpline` documents the formulas) for
 * one description: the reference backend's spline kernels, and the transformer's Jacobian diagonal. Every quantity is
 * computed in double precision. Holds work arrays, so one instance serves one call at a time.
 */
export class SplineMath {
  readonly bins: number;
  readonly tailBound: number;
  readonly minBinWidth: number;
  readonly minBinHeight: number;
  readonly minDerivative: number;
  readonly paramsPerFeature: number;
  private readonly derivativeShift: number;
  private readonly kx: Float64Array;
  private readonly ky: Float64Array;
  private readonly kd: Float64Array;
  private readonly sw: Float64Array;
  private readonly sh: Float64Array;
  private readonly sd: Float64Array;
  private readonly gx: Float64Array;
  private readonly gy: Float64Array;
  private readonly gd: Float64Array;
  private readonly local: Local = { k: 0, w: 0, h: 0, s: 0, xi: 0, d0: 0, d1: 0, q: 0, R: 0, Dn: 0, M: 0 };

  constructor(spline: SplineTransformerKernel) {
    const K = spline.bins;
    this.bins = K;
    this.tailBound = spline.tailBound;
    this.minBinWidth = spline.minBinWidth;
    this.minBinHeight = spline.minBinHeight;
    this.minDerivative = spline.minDerivative;
    this.paramsPerFeature = 3 * K - 1;
    this.derivativeShift = Math.log(Math.expm1(1 - this.minDerivative));
    const n = () => new Float64Array(K + 1);
    [this.kx, this.ky, this.kd, this.sw, this.sh, this.sd, this.gx, this.gy, this.gd] = [n(), n(), n(), n(), n(), n(), n(), n(), n()];
  }

  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array | null, accumulate: boolean): void {
    const B = this.tailBound;
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        const t = z[i];
        if (!(t >= -B && t < B)) {
          x[i] = t;
          continue;
        }
        this.setKnots(params, (b * features + d) * this.paramsPerFeature);
        const L = this.evaluate(t, this.findBin(this.kx, t));
        x[i] = this.ky[L.k] + L.h * L.R;
        sum += logDerivative(L);
      }
      if (logDet !== null) logDet[b] = accumulate ? logDet[b] + sum : sum;
    }
  }

  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array | null, accumulate: boolean): void {
    const B = this.tailBound;
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        const y = x[i];
        if (!(y >= -B && y < B)) {
          z[i] = y;
          continue;
        }
        this.setKnots(params, (b * features + d) * this.paramsPerFeature);
        const t = this.root(y);
        z[i] = t;
        sum -= logDerivative(this.evaluate(t, this.findBin(this.kx, t)));
      }
      if (logDet !== null) logDet[b] = accumulate ? logDet[b] + sum : sum;
    }
  }

  forwardBackward(batch: number, features: number, z: FloatArray, params: FloatArray, _x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    dParams.fill(0);
    const B = this.tailBound;
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        const t = z[i];
        if (!(t >= -B && t < B)) {
          dZ[i] = dX[i];
          continue;
        }
        const base = i * this.paramsPerFeature;
        this.setKnots(params, base);
        const L = this.evaluate(t, this.findBin(this.kx, t));
        dZ[i] = this.backwardLocal(L, dX[i], gl, dParams, base);
      }
    }
  }

  inverseBackward(batch: number, features: number, _x: FloatArray, params: FloatArray, z: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    dParams.fill(0);
    const B = this.tailBound;
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        const t = z[i];
        if (!(t >= -B && t < B)) {
          dX[i] = dZ[i];
          continue;
        }
        const base = i * this.paramsPerFeature;
        this.setKnots(params, base);
        const L = this.evaluate(t, this.findBin(this.kx, t));
        // z = τ⁻¹(x; θ), log-det −log τ'(z): implicit differentiation of τ(z; θ) = x.
        const [, lXi] = logDerivativeGradients(L);
        const slope = Math.exp(logDerivative(L));
        const G = (dZ[i] - gl * lXi / L.w) / slope;
        dX[i] = G;
        this.backwardLocal(L, -G, -gl, dParams, base);
      }
    }
  }

  forwardDerivative(batch: number, features: number, z: FloatArray, params: FloatArray, out: FloatArray): void {
    const B = this.tailBound;
    for (let i = 0; i < batch * features; i++) {
      const t = z[i];
      if (!(t >= -B && t < B)) {
        out[i] = 1;
        continue;
      }
      this.setKnots(params, i * this.paramsPerFeature);
      out[i] = Math.exp(logDerivative(this.evaluate(t, this.findBin(this.kx, t))));
    }
  }

  /** Knots, derivatives and the softmax/sigmoid values backward needs, from one feature's raw parameters. */
  private setKnots(params: FloatArray, base: number): void {
    const K = this.bins;
    const B = this.tailBound;
    normalizedBins(params, base, K, this.minBinWidth, this.sw, this.kx, B);
    normalizedBins(params, base + K, K, this.minBinHeight, this.sh, this.ky, B);
    this.kd[0] = 1;
    this.kd[K] = 1;
    for (let j = 1; j < K; j++) {
      const a = params[base + 2 * K + j - 1] + this.derivativeShift;
      const clamped = a > RAW_DERIVATIVE_MAX;
      const v = clamped ? RAW_DERIVATIVE_MAX : a;
      this.kd[j] = this.minDerivative + (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
      this.sd[j] = clamped ? 0 : 1 / (1 + Math.exp(-v));
    }
  }

  /** The bin `k ∈ [0, K)` with `knots[k] ≤ v` (v is inside `[−B, B)`). */
  private findBin(knots: Float64Array, v: number): number {
    let k = 0;
    while (k < this.bins - 1 && v >= knots[k + 1]) k++;
    return k;
  }

  /** The spline at `t` in bin k: fills and returns the local quantities. */
  private evaluate(t: number, k: number): Local {
    const L = this.local;
    L.k = k;
    L.w = this.kx[k + 1] - this.kx[k];
    L.h = this.ky[k + 1] - this.ky[k];
    L.s = L.h / L.w;
    L.xi = Math.min(1, Math.max(0, (t - this.kx[k]) / L.w));
    L.d0 = this.kd[k];
    L.d1 = this.kd[k + 1];
    const xi = L.xi;
    L.q = xi * (1 - xi);
    L.Dn = L.s + (L.d0 + L.d1 - 2 * L.s) * L.q;
    L.R = (L.s * xi * xi + L.d0 * L.q) / L.Dn;
    L.M = L.d1 * xi * xi + 2 * L.s * L.q + L.d0 * (1 - xi) * (1 - xi);
    return L;
  }

  /** τ⁻¹(y) for y in `[−B, B)`, by the stable root of the bin's quadratic. */
  private root(y: number): number {
    const k = this.findBin(this.ky, y);
    const w = this.kx[k + 1] - this.kx[k];
    const h = this.ky[k + 1] - this.ky[k];
    const s = h / w;
    const d0 = this.kd[k];
    const d1 = this.kd[k + 1];
    const dy = y - this.ky[k];
    const sum = d0 + d1 - 2 * s;
    const a = h * (s - d0) + dy * sum;
    const b = h * d0 - dy * sum;
    const c = -s * dy;
    const den = -b - Math.sqrt(Math.max(0, b * b - 4 * a * c));
    const xi = den === 0 ? 0 : Math.min(1, Math.max(0, (2 * c) / den));
    const t = this.kx[k] + xi * w;
    // One Newton step on the direct formula removes the root's rounding (b² − 4ac can cancel), so that
    // τ(τ⁻¹(y)) = y to the last bits and finite differences through τ⁻¹ are as clean as through τ.
    const L = this.evaluate(t, k);
    const slope = Math.exp(logDerivative(L));
    const polished = t - (this.ky[k] + L.h * L.R - y) / slope;
    return polished >= this.kx[k] && polished <= this.kx[k + 1] ? polished : t;
  }

  /**
   * Accumulates `gy·∂τ/∂θ + gl·∂log τ'/∂θ` into the raw parameters at `base` and returns `gy·τ' + gl·∂log τ'/∂z`.
   * Chain: local (ξ, s, h, δ) → knots → softmax / softplus → raw parameters.
   */
  private backwardLocal(L: Local, gy: number, gl: number, dParams: FloatArray, base: number): number {
    const { k, w, h, s, xi, d0, d1, q, R, Dn } = L;
    const [lS, lXi, lD0, lD1] = logDerivativeGradients(L);
    const dXi = (d0 + d1 - 2 * s) * (1 - 2 * xi);
    const rXi = (2 * s * xi + d0 * (1 - 2 * xi) - R * dXi) / Dn;
    const rS = (xi * xi - R * (1 - 2 * q)) / Dn;
    const gXi = gy * h * rXi + gl * lXi;
    const gS = gy * h * rS + gl * lS;
    const gH = gy * R + gS / w;
    const gW = -(gXi * xi + gS * s) / w;
    const K = this.bins;
    const { gx, gy: gk, gd } = this;
    gx.fill(0);
    gk.fill(0);
    gd.fill(0);
    gx[k] += -gXi / w - gW;
    gx[k + 1] += gW;
    gk[k] += gy - gH;
    gk[k + 1] += gH;
    gd[k] += gy * h * (q * (1 - R) / Dn) + gl * lD0;
    gd[k + 1] += gy * h * (-R * q / Dn) + gl * lD1;
    binsBackward(gx, this.sw, K, this.minBinWidth, this.tailBound, dParams, base);
    binsBackward(gk, this.sh, K, this.minBinHeight, this.tailBound, dParams, base + K);
    for (let j = 1; j < K; j++) dParams[base + 2 * K + j - 1] += gd[j] * this.sd[j];
    return gXi / w;
  }
}


/** `log τ'` in a bin: `2 log s + log M − 2 log Dn`. */
function logDerivative(L: Local): number {
  return 2 * Math.log(L.s) + Math.log(L.M) - 2 * Math.log(L.Dn);
}

/** Partial derivatives of `log τ'` with respect to `s`, `ξ`, `δ_k`, `δ_{k+1}`. */
function logDerivativeGradients(L: Local): [number, number, number, number] {
  const { s, xi, d0, d1, q, Dn, M } = L;
  const dXi = (d0 + d1 - 2 * s) * (1 - 2 * xi);
  const mXi = 2 * d1 * xi + 2 * s * (1 - 2 * xi) - 2 * d0 * (1 - xi);
  return [
    2 / s + (2 * q) / M - (2 * (1 - 2 * q)) / Dn,
    mXi / M - (2 * dXi) / Dn,
    ((1 - xi) * (1 - xi)) / M - (2 * q) / Dn,
    (xi * xi) / M - (2 * q) / Dn,
  ];
}

/** Softmax bins with a minimum size: knots `[−B, …, B]` into `knots` and the softmax into `soft`. */
function normalizedBins(params: FloatArray, base: number, K: number, minBin: number, soft: Float64Array,
  knots: Float64Array, B: number): void {
  let max = -Infinity;
  for (let j = 0; j < K; j++) max = Math.max(max, params[base + j]);
  let total = 0;
  for (let j = 0; j < K; j++) {
    soft[j] = Math.exp(params[base + j] - max);
    total += soft[j];
  }
  knots[0] = -B;
  let cumulative = 0;
  for (let j = 0; j < K; j++) {
    soft[j] /= total;
    cumulative += minBin + (1 - K * minBin) * soft[j];
    knots[j + 1] = -B + 2 * B * cumulative;
  }
  knots[K] = B;
}

/**
 * Backward of `normalizedBins`: knot gradients `gKnots [K+1]` into the raw parameters at `base` (accumulated);
 * `gKnots` is overwritten with the gradients of the softmax values.
 */
function binsBackward(gKnots: Float64Array, soft: Float64Array, K: number, minBin: number, B: number,
  dParams: FloatArray, base: number): void {
  // knots[j] = −B + 2B Σ_{i<j} ŵ_i for 0 < j < K (the end knots are constants): ∂/∂ŵ_i = 2B Σ_{i<j<K} g_j.
  const scale = 2 * B * (1 - K * minBin);
  let suffix = 0;
  for (let i = K - 1; i >= 0; i--) {
    const own = gKnots[i];
    gKnots[i] = suffix * scale;
    if (i > 0) suffix += own;
  }
  let dot = 0;
  for (let i = 0; i < K; i++) dot += soft[i] * gKnots[i];
  for (let i = 0; i < K; i++) dParams[base + i] += soft[i] * (gKnots[i] - dot);
}

const cache = new WeakMap<SplineTransformerKernel, SplineMath>();

/** The `SplineMath` of a description (one per description object). */
export function splineMath(spline: SplineTransformerKernel): SplineMath {
  let math = cache.get(spline);
  if (math === undefined) {
    math = new SplineMath(spline);
    cache.set(spline, math);
  }
  return math;
}
