import type { FloatArray } from '../core/matrix.ts';
import type { NafTransformerKernel } from './kernels.ts';
import type { MonotoneEntryMath, MonotoneValue } from './monotone-math.ts';
import { logSumExp, POSITIVE_FLOOR, POSITIVE_SHIFT, sigmoid, softplus, spreadOffsets } from './scalar-functions.ts';

/** The units' fixed offsets `β_k` spread over [−2, 2] (see `spreadOffsets`). */
const OFFSET = 2;

/**
 * The deep sigmoidal transformer's per-entry arithmetic (`NeuralAutoregressiveTransformer` gives the formula), in log
 * space: per block `z = σ⁻¹(Σ_k w_k σ(a_k x + b_k + β_k))`, blocks composed.
 */
export class NafMath implements MonotoneEntryMath {
  readonly hiddenUnits: number;
  readonly blocks: number;
  readonly paramsPerFeature: number;
  private readonly logW: Float64Array;
  private readonly a: Float64Array;
  private readonly h: Float64Array;
  private readonly gradLogW: Float64Array;
  /** Per unit, the log-space terms of `log S`, `log(1 − S)` and `log S'` (of the last `evaluateBlock`). */
  private readonly termS: Float64Array;
  private readonly termC: Float64Array;
  private readonly termSlope: Float64Array;
  private readonly sums = { logS: 0, log1mS: 0, logSlope: 0 };
  private readonly values: Float64Array;
  private readonly block = { z: 0, logDerivative: 0 };
  private readonly offsets: Float64Array;

  constructor(description: NafTransformerKernel) {
    const K = description.hiddenUnits;
    const L = description.blocks;
    this.hiddenUnits = K;
    this.blocks = L;
    this.paramsPerFeature = 3 * K * L;
    [this.logW, this.a, this.h, this.gradLogW, this.termS, this.termC, this.termSlope] = [0, 0, 0, 0, 0, 0, 0].map(() => new Float64Array(K));
    this.values = new Float64Array(L + 1);
    this.offsets = spreadOffsets(K, OFFSET);
  }

  evaluate(x: number, params: FloatArray, base: number, out: MonotoneValue): void {
    let v = x;
    let sum = 0;
    for (let l = 0; l < this.blocks; l++) {
      this.evaluateBlock(v, params, base + 3 * this.hiddenUnits * l);
      v = this.block.z;
      sum += this.block.logDerivative;
    }
    out.z = v;
    out.logDerivative = sum;
  }

  backwardEntry(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
    dBase: number): number {
    const { values } = this;
    values[0] = x;
    for (let l = 0; l < this.blocks; l++) {
      this.evaluateBlock(values[l], params, base + 3 * this.hiddenUnits * l);
      values[l + 1] = this.block.z;
    }
    let g = gz;
    for (let l = this.blocks - 1; l >= 0; l--) {
      const offset = 3 * this.hiddenUnits * l;
      g = this.backwardBlock(values[l], params, base + offset, g, gl, dParams, dBase + offset);
    }
    return g;
  }

  /**
   * One block at x: fills `a`, `logW`, `h`, the log-space terms (`log w_k + log σ(h_k)`, `log w_k + log σ(−h_k)`,
   * `log w_k + log a_k + log σ(h_k) + log σ(−h_k)`), their log-sum-exps and `block` (z and log g'). One softplus per
   * unit gives both log-sigmoids: `log σ(h) = h − softplus(h)`, `log σ(−h) = −softplus(h)`.
   */
  private evaluateBlock(x: number, params: FloatArray, base: number): void {
    const K = this.hiddenUnits;
    const { a, logW, h, termS, termC, termSlope } = this;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, params[base + 2 * K + k]);
    let total = 0;
    for (let k = 0; k < K; k++) total += Math.exp(params[base + 2 * K + k] - max);
    const logTotal = max + Math.log(total);
    for (let k = 0; k < K; k++) {
      logW[k] = params[base + 2 * K + k] - logTotal;
      a[k] = POSITIVE_FLOOR + softplus(params[base + k] + POSITIVE_SHIFT);
      h[k] = a[k] * x + params[base + K + k] + this.offsets[k];
      const sp = softplus(h[k]);
      termS[k] = logW[k] + h[k] - sp;
      termC[k] = logW[k] - sp;
      termSlope[k] = logW[k] + Math.log(a[k]) + h[k] - 2 * sp;
    }
    const { sums } = this;
    sums.logS = logSumExp(termS, K);
    sums.log1mS = logSumExp(termC, K);
    sums.logSlope = logSumExp(termSlope, K);
    this.block.z = sums.logS - sums.log1mS;
    this.block.logDerivative = sums.logSlope - sums.logS - sums.log1mS;
  }

  /**
   * Backward of one block at x (recomputed): with `p_k = w_k σ_k / S`, `q_k = w_k (1 − σ_k)/(1 − S)` and
   * `r_k = w_k a_k σ_k (1 − σ_k) / S'`, `∂z/∂h_k = p_k(1 − σ_k) + q_k σ_k`, `∂z/∂log w_k = p_k − q_k`,
   * `∂log g'/∂h_k = r_k(1 − 2σ_k) − p_k(1 − σ_k) + q_k σ_k`, `∂log g'/∂log w_k = r_k − p_k − q_k`, `∂log g'/∂log a_k = r_k`;
   * then `h_k = a_k x + b_k`, the softmax and the softplus.
   */
  private backwardBlock(x: number, params: FloatArray, base: number, gz: number, gl: number, dParams: FloatArray,
    dBase: number): number {
    const K = this.hiddenUnits;
    this.evaluateBlock(x, params, base);
    const { a, logW, h, gradLogW, termS, termC, termSlope } = this;
    const { logS, log1mS, logSlope } = this.sums;
    let dx = 0;
    let gradSum = 0;
    for (let k = 0; k < K; k++) {
      const s = sigmoid(h[k]);
      const p = Math.exp(termS[k] - logS);
      const q = Math.exp(termC[k] - log1mS);
      const r = Math.exp(termSlope[k] - logSlope);
      const gh = gz * (p * (1 - s) + q * s) + gl * (r * (1 - 2 * s) - p * (1 - s) + q * s);
      gradLogW[k] = gz * (p - q) + gl * (r - p - q);
      gradSum += gradLogW[k];
      const gLogA = gl * r;
      dx += gh * a[k];
      dParams[dBase + K + k] += gh;
      dParams[dBase + k] += (gh * x + gLogA / a[k]) * sigmoid(params[base + k] + POSITIVE_SHIFT);
    }
    for (let k = 0; k < K; k++) dParams[dBase + 2 * K + k] += gradLogW[k] - Math.exp(logW[k]) * gradSum;
    return dx;
  }
}
