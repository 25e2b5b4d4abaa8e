import type { FloatArray } from '../core/matrix.ts';
import type { UmnnTransformerKernel } from './kernels.ts';
import type { MonotoneEntryMath, MonotoneValue } from './monotone-math.ts';
import { POSITIVE_FLOOR, POSITIVE_SHIFT, sigmoid, softplus, spreadOffsets } from './scalar-functions.ts';

/** Half-width of the spread of the units' fixed offsets (see `spreadOffsets`). */
const OFFSET = 2;

/**
 * The UMNN transformer's per-entry arithmetic (`UmnnTransformer` gives the formula): `z = β + x Σ_j ω_j f(x s_j)` by
 * Clenshaw–Curtis quadrature on [0, x], `log g' = log f(x)`; the backward pass differentiates the quadrature itself.
 */
export class UmnnMath implements MonotoneEntryMath {
  readonly hiddenUnits: number;
  readonly intervals: number;
  readonly paramsPerFeature: number;
  /** Nodes `s_j ∈ [0, 1]` and weights `ω_j` of Clenshaw–Curtis on [0, 1]. */
  private readonly nodes: Float64Array;
  private readonly weights: Float64Array;
  private readonly tanhs: Float64Array;
  private readonly integrand = { f: 0, u: 0, du: 0 };
  private readonly offsets: Float64Array;

  constructor(description: UmnnTransformerKernel) {
    const K = description.hiddenUnits;
    const N = description.intervals;
    this.hiddenUnits = K;
    this.intervals = N;
    this.paramsPerFeature = 3 * K + 2;
    [this.nodes, this.weights] = clenshawCurtis(N);
    this.tanhs = new Float64Array(K);
    this.offsets = spreadOffsets(K, OFFSET);
  }

  evaluate(x: number, params: FloatArray, base: number, out: MonotoneValue): void {
    let integral = 0;
    for (let j = 0; j < this.nodes.length; j++) integral += this.weights[j] * this.integrandAt(x * this.nodes[j], params, base).f;
    out.z = params[base] + x * integral;
    out.logDerivative = Math.log(this.integrandAt(x, params, base).f);
  }

  /**
   * With `Q = x Σ_j ω_j f(x s_j)`: `∂Q/∂x = Σ_j ω_j [f(x s_j) + x s_j f'(x s_j)]`, `∂Q/∂θ = x Σ_j ω_j ∂f(x s_j)/∂θ`;
   * `∂log f(x)/∂· = (∂f(x)/∂·) / f(x)`; f's own derivatives through softplus and tanh.
   */
  backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
    dBase: number): number {
    dParams[dBase] += gz;
    let dx = 0;
    for (let j = 0; gz !== 0 && j < this.nodes.length; j++) {
      const t = x * this.nodes[j];
      const { f, du } = this.integrandAt(t, params, base);
      const scale = gz * x * this.weights[j];
      this.accumulateIntegrand(t, params, base, scale, dParams, dBase);
      dx += gz * this.weights[j] * (f + t * du);
    }
    if (gl !== 0) {
      const { f, du } = this.integrandAt(x, params, base);
      this.accumulateIntegrand(x, params, base, gl / f, dParams, dBase);
      dx += (gl * du) / f;
    }
    return dx;
  }

  /** `f(t)`, its pre-activation u and `∂f/∂t` (into `integrand`); leaves the tanh values in `tanhs`. */
  private integrandAt(t: number, params: FloatArray, base: number): { f: number; u: number; du: number } {
    const K = this.hiddenUnits;
    let u = params[base + 1] + POSITIVE_SHIFT;
    let slope = 0;
    for (let k = 0; k < K; k++) {
      const o = base + 2 + 3 * k;
      const th = Math.tanh((1 + params[o]) * t + params[o + 1] + this.offsets[k]);
      this.tanhs[k] = th;
      u += params[o + 2] * th;
      slope += params[o + 2] * (1 + params[o]) * (1 - th * th);
    }
    const e = this.integrand;
    e.u = u;
    e.f = POSITIVE_FLOOR + softplus(u);
    e.du = sigmoid(u) * slope;
    return e;
  }

  /** `dParams += scale · ∂f(t)/∂θ` (θ: v₀ and every unit's w, b, v; β excluded), right after `integrandAt(t)`. */
  private accumulateIntegrand(t: number, params: FloatArray, base: number, scale: number, dParams: FloatArray, dBase: number): void {
    const g = scale * sigmoid(this.integrand.u);
    dParams[dBase + 1] += g;
    for (let k = 0; k < this.hiddenUnits; k++) {
      const o = 2 + 3 * k;
      const th = this.tanhs[k];
      const gPre = g * params[base + o + 2] * (1 - th * th);
      dParams[dBase + o] += gPre * t;
      dParams[dBase + o + 1] += gPre;
      dParams[dBase + o + 2] += g * th;
    }
  }
}

/**
 * Clenshaw–Curtis nodes and weights on [0, 1] for N (even) intervals: `s_j = (1 − cos(jπ/N)) / 2` and the classical
 * weights `w_j = (c_j / N)(1 − Σ_{k=1}^{N/2} b_k cos(2kjπ/N) / (4k² − 1))` of [−1, 1], halved
 * (`c_0 = c_N = 1`, else 2; `b_{N/2} = 1`, else 2).
 */
export function clenshawCurtis(N: number): [Float64Array, Float64Array] {
  const nodes = new Float64Array(N + 1);
  const weights = new Float64Array(N + 1);
  for (let j = 0; j <= N; j++) {
    nodes[j] = (1 - Math.cos((j * Math.PI) / N)) / 2;
    let sum = 0;
    for (let k = 1; k <= N / 2; k++) sum += ((k === N / 2 ? 1 : 2) * Math.cos((2 * k * j * Math.PI) / N)) / (4 * k * k - 1);
    weights[j] = (((j === 0 || j === N ? 1 : 2) / N) * (1 - sum)) / 2;
  }
  return [nodes, weights];
}
