import type { FloatArray } from '../core/matrix.ts';
import type { MonotoneTransformerKernel } from './kernels.ts';
import { BernsteinMath } from './bernstein-math.ts';
import { NafMath } from './naf-math.ts';
import { UmnnMath } from './umnn-math.ts';

/** `g(x)` and `log g'(x)` of one entry. */
export interface MonotoneValue {
  z: number;
  logDerivative: number;
}

/**
 * The per-entry arithmetic of a monotone transformer whose closed form is the data → base direction `z = g(x; θ)`,
 * strictly increasing in x. Instances hold work arrays: one serves one call at a time.
 */
export interface MonotoneEntryMath {
  readonly paramsPerFeature: number;
  /** `g(x)` and `log g'(x)` for the entry whose parameters start at `params[base]`, into `out`. */
  evaluate(x: number, params: FloatArray, base: number, out: MonotoneValue): void;
  /**
   * Accumulates `gz·∂g/∂θ + gl·∂log g'/∂θ` into `dParams[dBase + p]` and returns `gz·g'(x) + gl·∂log g'/∂x`.
   */
  backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray, dBase: number): number;
}

/** Root-finding steps per entry before the numerical inverse gives up (and reports the entry unconverged). */
export const MAX_INVERSION_ITERATIONS = 200;

/** `1e-10·max(1, |z|)` in float64, `1e-4·max(1, |z|)` in float32: the residual a solved entry must reach. */
export function inversionTolerance(single: boolean, z: number): number {
  return (single ? 1e-4 : 1e-10) * Math.max(1, Math.abs(z));
}

/**
 * The reference backend's kernels of the monotone transformers (`MonotoneTransformerKernel`), in double precision:
 * the closed-form inverse (data → base) and its backward pass, and the forward (base → data) by a bracketed,
 * safeguarded-Newton root solve per entry (`solve`), whose backward is implicit differentiation of `g(x; θ) = z`.
 * The native backend (native/monotone.cc) runs the same steps.
 */
export class MonotoneMath {
  private readonly value: MonotoneValue = { z: 0, logDerivative: 0 };
  private scratch: Float64Array;

  constructor(readonly entry: MonotoneEntryMath) {
    this.scratch = new Float64Array(entry.paramsPerFeature);
  }

  /** `z = g(x)`, `logDet[b] (+)= Σ_d log g'(x)` over `[dStart, dEnd)`. */
  inverse(batch: number, features: number, dStart: number, dEnd: number, x: FloatArray, params: FloatArray,
    z: FloatArray, logDet: Float64Array | null, accumulate: boolean): void {
    const P = this.entry.paramsPerFeature;
    const e = this.value;
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        this.entry.evaluate(x[i], params, i * P, e);
        z[i] = e.z;
        sum += e.logDerivative;
      }
      if (logDet !== null) logDet[b] = accumulate ? logDet[b] + sum : sum;
    }
  }

  /** `x = g⁻¹(z)` by `solve`, `logDet[b] (+)= −Σ_d log g'(x)`; the report (if any) accumulates every entry. */
  forward(batch: number, features: number, dStart: number, dEnd: number, z: FloatArray, params: FloatArray,
    x: FloatArray, logDet: Float64Array | null, accumulate: boolean, inversion: Float64Array | null): void {
    const P = this.entry.paramsPerFeature;
    const single = x instanceof Float32Array;
    const e = this.value;
    let [entries, iterations, maxResidual, unconverged] = [0, 0, 0, 0];
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let d = dStart; d < dEnd; d++) {
        const i = b * features + d;
        const target = z[i];
        const tolerance = inversionTolerance(single, target);
        const solved = this.solve(target, params, i * P, tolerance / 4);
        iterations += this.iterations;
        x[i] = solved;
        const stored = x[i];
        this.entry.evaluate(stored, params, i * P, e);
        sum -= e.logDerivative;
        const residual = Math.abs(e.z - target);
        // A residual at the rounding level of x (the slope times half an ulp of x) is the best the precision allows.
        const rounding = Math.exp(e.logDerivative) * Math.abs(stored) * (single ? 6e-8 : 1.2e-16) * 4;
        maxResidual = Math.max(maxResidual, Number.isNaN(residual) ? Infinity : residual);
        entries++;
        if (!(residual <= tolerance + rounding)) unconverged++;
      }
      if (logDet !== null) logDet[b] = accumulate ? logDet[b] + sum : sum;
    }
    if (inversion !== null) {
      inversion[0] += entries;
      inversion[1] += iterations;
      inversion[2] = Math.max(inversion[2], maxResidual);
      inversion[3] += unconverged;
    }
  }

  /** Steps taken by the last `solve`. */
  private iterations = 0;

  /**
   * The x with `|g(x) − target| ≤ tolerance`, from x = target (the transformers start near the identity): Newton
   * steps while they stay strictly inside the bracket known to hold the root and halve |g|, bisection otherwise;
   * before a bracket exists, steps of doubling width towards the root. Stops when the bracket is a few ulps wide.
   */
  solve(target: number, params: FloatArray, base: number, tolerance: number): number {
    const e = this.value;
    let v = target;
    let lo = -Infinity;
    let hi = Infinity;
    let width = 1;
    let lastAbs = Infinity;
    let it = 0;
    for (; it < MAX_INVERSION_ITERATIONS; it++) {
      this.entry.evaluate(v, params, base, e);
      const g = e.z - target;
      if (Number.isNaN(g)) {
        if (!(Number.isFinite(lo) || Number.isFinite(hi)) || Number.isNaN(target)) break;
        // Outside where g is representable: retreat towards the finite end of the bracket.
        v = Number.isFinite(lo) && Number.isFinite(hi) ? 0.5 * (lo + hi) : 0.5 * (v + (Number.isFinite(lo) ? lo : hi));
        continue;
      }
      if (Math.abs(g) <= tolerance) break;
      if (g < 0) lo = v;
      else hi = v;
      const slope = Math.exp(e.logDerivative);
      let c = slope > 0 && Number.isFinite(slope) ? v - g / slope : NaN;
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        if (hi - lo <= 4 * Number.EPSILON * Math.max(1, Math.abs(v))) break;
        if (!(c > lo && c < hi) || Math.abs(g) > 0.5 * lastAbs) c = 0.5 * (lo + hi);
      } else if (!Number.isFinite(c) || (g < 0 ? c <= v : c >= v)) {
        c = v + (g < 0 ? width : -width);
        width *= 2;
      }
      lastAbs = Math.abs(g);
      v = c;
    }
    this.iterations = it;
    return v;
  }

  /** Backward of `inverse` over all features: overwrites `dX` and `dParams`. */
  inverseBackward(batch: number, features: number, x: FloatArray, params: FloatArray, dZ: FloatArray,
    dLogDet: Float64Array | null, dX: FloatArray, dParams: FloatArray): void {
    dParams.fill(0, 0, batch * features * this.entry.paramsPerFeature);
    const P = this.entry.paramsPerFeature;
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        dX[i] = this.entry.backwardEntry(x[i], params, i * P, dZ[i], gl, dParams, i * P);
      }
    }
  }

  /**
   * Backward of `forward` (`x = g⁻¹(z)`, log-det `−log g'(x)`) at the solved x: with
   * `G = (∂L/∂x − gl·∂log g'/∂x) / ∂g/∂x`, `∂L/∂z = G` and `∂L/∂θ = −G·∂g/∂θ − gl·∂log g'/∂θ`. `∂g/∂x` is the slope of
   * the g computed (UMNN's quadrature differs from its exact `log g' = log f(x)` by the quadrature error).
   */
  forwardBackward(batch: number, features: number, params: FloatArray, x: FloatArray, dX: FloatArray,
    dLogDet: Float64Array | null, dZ: FloatArray, dParams: FloatArray): void {
    const P = this.entry.paramsPerFeature;
    dParams.fill(0, 0, batch * features * P);
    if (this.scratch.length < P) this.scratch = new Float64Array(P);
    for (let b = 0; b < batch; b++) {
      const gl = dLogDet === null ? 0 : dLogDet[b];
      for (let d = 0; d < features; d++) {
        const i = b * features + d;
        const slopeOfLog = gl === 0 ? 0 : this.entry.backwardEntry(x[i], params, i * P, 0, 1, this.scratch, 0);
        const slope = this.entry.backwardEntry(x[i], params, i * P, 1, 0, this.scratch, 0);
        const G = (dX[i] - gl * slopeOfLog) / slope;
        dZ[i] = G;
        this.entry.backwardEntry(x[i], params, i * P, -G, -gl, dParams, i * P);
      }
    }
  }
}

const cache = new WeakMap<MonotoneTransformerKernel, MonotoneMath>();

/** The `MonotoneMath` of a description (one per description object). */
export function monotoneMath(transformer: MonotoneTransformerKernel): MonotoneMath {
  let math = cache.get(transformer);
  if (math === undefined) {
    const entry = transformer.kind === 'bernstein' ? new BernsteinMath(transformer)
      : transformer.kind === 'naf' ? new NafMath(transformer) : new UmnnMath(transformer);
    math = new MonotoneMath(entry);
    cache.set(transformer, math);
  }
  return math;
}
