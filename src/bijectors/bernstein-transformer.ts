import type { FloatArray } from '../core/matrix.ts';
import { MonotoneTransformer } from './monotone-transformer.ts';
import { sigmoid, softplus } from './scalar-bijections.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new BernsteinTransformer(options)`. */
export interface BernsteinTransformerOptions {
  /** Polynomial degree M (M + 1 coefficients). @default 8 */
  degree?: number;
  /** The polynomial acts on `[−B, B]`; linear outside. @default 3 */
  bound?: number;
}

/**
 * The Bernstein polynomial transformer (Ramasinghe et al. 2021; Sick, Hothorn & Dürr 2021; zuko's BPF), data → base,
 * per entry: on `[−B, B]`, with `t = (x + B) / 2B`,
 *
 *   z = Σ_{k=0}^{M} θ_k C(M, k) t^k (1 − t)^{M−k},   θ_0 = −B + θ̂_0,   θ_k = θ_{k−1} + 10⁻³·2B/M + softplus(θ̂_k + c)
 *
 * increasing because its coefficients are (`∂z/∂t = M Σ_k (θ_{k+1} − θ_k) b_{k,M−1}(t) > 0`); outside `[−B, B]` it
 * extrapolates linearly with the end slopes (`M(θ_1 − θ_0)/2B` and `M(θ_M − θ_{M−1})/2B`), so it maps ℝ onto ℝ with a
 * continuous derivative. c makes all-zero raw parameters the identity. Parameters per feature: `M + 1`.
 * Base → data (sampling) is numerical (`MonotoneTransformer`).
 *
 * @example
 * import { BernsteinTransformer, MaskedAutoregressiveFlow, Rng, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0),
 *   transformer: new BernsteinTransformer({ degree: 6 }) });
 * const u = maf.inverse(matrix([[0.5, -4]]));   // -4 is in the linear tail
 * console.log(toArrays(maf.forward(u))); // ≈ [ [ 0.5, -4 ] ]
 */
export class BernsteinTransformer extends MonotoneTransformer {
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

  constructor(options: BernsteinTransformerOptions = {}) {
    super();
    const M = options.degree ?? 8;
    const B = options.bound ?? 3;
    if (!Number.isInteger(M) || M < 1) throw new RangeError(`BernsteinTransformer: degree must be a positive integer, got ${M}`);
    if (!(B > 0 && Number.isFinite(B))) throw new RangeError(`BernsteinTransformer: bound must be a positive finite number, got ${B}`);
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

  config(): TransformerConfig {
    return { type: 'bernstein', degree: this.degree, bound: this.bound };
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

  protected evaluate(x: number, params: FloatArray, base: number, out: { z: number; logDerivative: number }): void {
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
  protected backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
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
