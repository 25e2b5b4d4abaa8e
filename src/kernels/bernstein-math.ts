import type { FloatArray } from '../core/matrix.ts';
import type { BernsteinTransformerKernel } from './kernels.ts';
import type { MonotoneEntryMath, MonotoneValue } from './monotone-math.ts';
import { sigmoid, softplus } from './scalar-functions.ts';

/**
 * The Bernstein polynomial transformer's per-entry arithmetic (`BernsteinTransformer` gives the formula): on
 * `[−B, B]` with `t = (x + B)/2B`, `z = Σ_k θ_k C(M, k) t^k (1 − t)^{M−k}` with increasing coefficients from softplus
 * steps; linear outside with the end slopes.
 */
export class BernsteinMath implements MonotoneEntryMath {
  readonly degree: number;
  readonly bound: number;
  readonly paramsPerFeature: number;
  private readonly minStep: number;
  private readonly stepShift: number;
  private readonly theta: Float64Array;
  private readonly gTheta: Float64Array;
  private readonly gDelta: Float64Array;
  private readonly binomial: Float64Array[];
  /** `t^k` and `(1 − t)^k`, k = 0..M, of the last `setPowers`. */
  private readonly tPower: Float64Array;
  private readonly sPower: Float64Array;

  constructor(description: BernsteinTransformerKernel) {
    const M = description.degree;
    const B = description.bound;
    this.degree = M;
    this.bound = B;
    this.paramsPerFeature = M + 1;
    const step = (2 * B) / M;
    this.minStep = 1e-3 * step;
    this.stepShift = Math.log(Math.expm1(step - this.minStep));
    this.theta = new Float64Array(M + 1);
    this.gTheta = new Float64Array(M + 1);
    this.gDelta = new Float64Array(M);
    this.tPower = new Float64Array(M + 1);
    this.sPower = new Float64Array(M + 1);
    this.binomial = Array.from({ length: M + 1 }, (_, n) => {
      const row = new Float64Array(n + 1);
      row[0] = 1;
      for (let k = 1; k <= n; k++) row[k] = (row[k - 1] * (n - k + 1)) / k;
      return row;
    });
  }

  /** The coefficients θ from one entry's raw parameters. */
  private setCoefficients(params: FloatArray, base: number): void {
    const { theta } = this;
    theta[0] = -this.bound + params[base];
    for (let k = 1; k <= this.degree; k++) theta[k] = theta[k - 1] + this.minStep + softplus(params[base + k] + this.stepShift);
  }

  /** The powers of t and 1 − t that every basis polynomial `b_{k,n}(t) = C(n,k) t^k (1 − t)^{n−k}` needs. */
  private setPowers(t: number): void {
    const { tPower, sPower } = this;
    tPower[0] = 1;
    sPower[0] = 1;
    for (let k = 1; k <= this.degree; k++) {
      tPower[k] = tPower[k - 1] * t;
      sPower[k] = sPower[k - 1] * (1 - t);
    }
  }

  /** `b_{k,n}(t)` at the t of the last `setPowers`. */
  private basis(n: number, k: number): number {
    return this.binomial[n][k] * this.tPower[k] * this.sPower[n - k];
  }

  /** `z = Σ θ_k b_{k,M}`, `D = M Σ Δ_k b_{k,M−1}` (= ∂z/∂t) and `D' = M(M − 1) Σ (Δ_{k+1} − Δ_k) b_{k,M−2}`. */
  private polynomial(): [number, number, number] {
    const M = this.degree;
    const { theta } = this;
    let z = 0;
    let D = 0;
    let dD = 0;
    for (let k = 0; k <= M; k++) z += theta[k] * this.basis(M, k);
    for (let k = 0; k < M; k++) D += (theta[k + 1] - theta[k]) * this.basis(M - 1, k);
    for (let k = 0; k + 2 <= M; k++) dD += (theta[k + 2] - 2 * theta[k + 1] + theta[k]) * this.basis(M - 2, k);
    return [z, M * D, M * (M - 1) * dD];
  }

  evaluate(x: number, params: FloatArray, base: number, out: MonotoneValue): void {
    this.setCoefficients(params, base);
    const M = this.degree;
    const B = this.bound;
    const { theta } = this;
    if (x < -B || x > B) {
      const k = x < -B ? 0 : M - 1;
      const slope = (M * (theta[k + 1] - theta[k])) / (2 * B);
      out.z = x < -B ? theta[0] + slope * (x + B) : theta[M] + slope * (x - B);
      out.logDerivative = Math.log(slope);
      return;
    }
    this.setPowers((x + B) / (2 * B));
    const [z, D] = this.polynomial();
    out.z = z;
    out.logDerivative = Math.log(D / (2 * B));
  }

  /**
   * Inside: `∂z/∂θ_k = b_{k,M}(t)`, `∂z/∂x = D(t)/2B` with `D = M Σ Δ_k b_{k,M−1}`; `∂log g'/∂Δ_k = M b_{k,M−1}(t)/D`,
   * `∂log g'/∂x = D'(t)/(2B·D)`. Outside: the line through the end coefficient with the end slope. Then θ → Δ → raw.
   */
  backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
    dBase: number): number {
    this.setCoefficients(params, base);
    const M = this.degree;
    const B = this.bound;
    const { theta, gTheta, gDelta } = this;
    gTheta.fill(0);
    // gDelta[k] accumulates ∂/∂Δ_k directly; gTheta[k] the θ_k gradient (later passed to the Δ below it).
    gDelta.fill(0);
    let dx: number;
    if (x < -B || x > B) {
      const low = x < -B;
      const k = low ? 0 : M - 1;
      const delta = theta[k + 1] - theta[k];
      const slope = (M * delta) / (2 * B);
      gTheta[low ? 0 : M] += gz;
      gDelta[k] += (gz * M * (low ? x + B : x - B)) / (2 * B) + gl / delta;
      dx = gz * slope;
    } else {
      this.setPowers((x + B) / (2 * B));
      const [, D, dD] = this.polynomial();
      for (let k = 0; k <= M; k++) gTheta[k] += gz * this.basis(M, k);
      for (let k = 0; k < M; k++) gDelta[k] += (gl * M * this.basis(M - 1, k)) / D;
      dx = (gz * D + (gl * dD) / D) / (2 * B);
    }
    // θ_k = θ_0 + Σ_{j<k} Δ_j: ∂/∂θ_0 = Σ_k gθ_k, ∂/∂Δ_j += Σ_{k>j} gθ_k.
    let suffix = 0;
    for (let k = M; k >= 1; k--) {
      suffix += gTheta[k];
      gDelta[k - 1] += suffix;
    }
    dParams[dBase] += suffix + gTheta[0];
    for (let k = 1; k <= M; k++) dParams[dBase + k] += gDelta[k - 1] * sigmoid(params[base + k] + this.stepShift);
    return dx;
  }
}
