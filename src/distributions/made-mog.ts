import { zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { Made, type MadeConfig, type MadeOptions } from '../nn/made.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Distribution, HALF_LOG_2PI, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from './distribution.ts';
import { logSumExp } from './log-sum-exp.ts';
import { pickComponent } from './pick-component.ts';

/** Options of `new MadeMog(options)`: the MADE's options plus the mixture's. */
export interface MadeMogOptions extends Omit<MadeOptions, 'paramsPerFeature'> {
  /** k, mixture components per conditional. @default 10 */
  components?: number;
  /** Bound b of the soft clip `log σ = b·tanh(r/b)`. @default 5 */
  logScaleBound?: number;
}

/** The serialised form of a `MadeMog` (`config()`). */
export interface MadeMogConfig extends DistributionConfig {
  type: 'MadeMog';
  made: MadeConfig;
  components: number;
  logScaleBound: number;
  dtype: Dtype;
}

/**
 * MADE MoG (Papamakarios et al. 2017, §3.3 and §4): an autoregressive density whose conditionals are k-component
 * one-dimensional Gaussian mixtures computed by one MADE,
 * `log p(x | c) = Σ_d log Σ_j π_dj N(x_d; μ_dj, σ_dj²)` with `(π_d, μ_d, σ_d) = made(x_{<d}, c)`.
 *
 * Parameter layout: the MADE has `paramsPerFeature = 3k`; for feature d, columns `d·3k + [0, k)` are the mixture
 * logits (`π_d = softmax`), `d·3k + [k, 2k)` the means and `d·3k + [2k, 3k)` the raw log-scales r. The log-scale is
 * soft-clipped, `log σ = b·tanh(r / b)` with `b = logScaleBound`, so that σ ∈ [e^−b, e^b]: a collapsing component
 * cannot send the likelihood (and the gradients) to infinity, the usual failure of mixture density networks.
 *
 * `logProb` is one parallel MADE pass; `sample` is the staircase `Made.sequential`, drawing a component and then the
 * value of feature d inside step d, so that sampling costs about one network evaluation. The context feeds every
 * MADE layer. Shapes: `x [n, D]`, `context [n, C]` → `logProb [n]`.
 *
 * @example
 * import { MadeMog, Rng, matrix } from 'maflow';
 * const mog = new MadeMog({ features: 2, components: 3, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = mog.sample(100, { rng: new Rng(1) });   // [100, 2]
 * console.log(mog.logProb(matrix([[0.1, -0.3]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export class MadeMog extends Distribution {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly components: number;
  readonly logScaleBound: number;
  readonly made: Made;

  constructor(options: MadeMogOptions) {
    super();
    const k = options.components ?? 10;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`MadeMog: components must be a positive integer, got ${k}`);
    this.components = k;
    this.logScaleBound = options.logScaleBound ?? 5;
    if (!(this.logScaleBound > 0 && Number.isFinite(this.logScaleBound))) {
      throw new RangeError(`MadeMog: logScaleBound must be a positive finite number, got ${this.logScaleBound}`);
    }
    this.made = new Made({ ...options, paramsPerFeature: 3 * k });
    this.spreadComponentMeans();
    this.features = this.made.features;
    this.contextFeatures = this.made.contextFeatures;
    this.dtype = this.made.dtype;
  }

  /** Rebuilds a MADE MoG from `config()` (weights are then loaded separately). */
  static fromConfig(config: MadeMogConfig, rng: Rng): MadeMog {
    return new MadeMog({ ...config.made, components: config.components, logScaleBound: config.logScaleBound, dtype: config.dtype, rng });
  }

  config(): MadeMogConfig {
    return { type: 'MadeMog', made: this.made.config(), components: this.components, logScaleBound: this.logScaleBound, dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.made.namedParameters(joinName(prefix, 'made'));
  }

  protected computeLogProb(x: Matrix, context: Matrix | null): Float64Array {
    const n = x.rows;
    const params = this.made.forward(n, x.data, context?.data ?? null);
    const out = new Float64Array(n);
    const a = new Float64Array(this.components);
    for (let b = 0; b < n; b++) {
      for (let d = 0; d < this.features; d++) out[b] += this.conditional(params, x.data, b, d, a);
    }
    return out;
  }

  protected computeSample(n: number, context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const D = this.features;
    const k = this.components;
    const P = 3 * k;
    const samples = zeros(n, D, this.dtype);
    const logProb = new Float64Array(n);
    const a = new Float64Array(k);
    this.made.sequential(n, samples.data, context?.data ?? null, (d, params) => {
      for (let b = 0; b < n; b++) {
        const o = (b * D + d) * P;
        const j = pickComponent(params, o, o + k, rng);
        samples.data[b * D + d] = params[o + k + j] + Math.exp(this.logScale(params[o + 2 * k + j])) * rng.normal();
        // The stored (possibly float32-rounded) value is what logProb will see, so score that one.
        logProb[b] += this.conditional(params, samples.data, b, d, a);
      }
    });
    return { samples, logProb };
  }

  /**
   * Differentiable log-density. With responsibilities ρ_j of feature d, weights π_j, z_j = (x_d − μ_j)/σ_j and
   * upstream g: `∂/∂logit_j = g(ρ_j − π_j)`, `∂/∂μ_j = g ρ_j z_j/σ_j`, `∂/∂r_j = g ρ_j (z_j² − 1)(1 − (log σ_j / b)²)`,
   * and x_d also enters directly: `∂/∂x_d += −g Σ_j ρ_j z_j/σ_j` (added to the gradient through the MADE).
   */
  protected override trainLogProb(x: Matrix, context: Matrix | null): LogProbTrainPass {
    const n = x.rows;
    const D = this.features;
    const k = this.components;
    const P = 3 * k;
    const pass = this.made.forwardTrain(n, x.data, context?.data ?? null);
    const params = pass.output;
    const logProb = new Float64Array(n);
    const rho = new Float64Array(n * D * k);
    for (let b = 0; b < n; b++) {
      for (let d = 0; d < D; d++) {
        const a = rho.subarray((b * D + d) * k, (b * D + d + 1) * k);
        const lp = this.conditional(params, x.data, b, d, a);
        logProb[b] += lp;
        for (let j = 0; j < k; j++) a[j] = Math.exp(a[j] - lp);
      }
    }
    return {
      logProb,
      backward: (dLogProb) => {
        const dParams = zeros(n, this.made.outputWidth, this.dtype).data;
        const direct = new Float64Array(n * D);
        for (let b = 0; b < n; b++) {
          const g = dLogProb[b];
          for (let d = 0; d < D; d++) {
            const o = (b * D + d) * P;
            const lse = logSumExp(params, o, o + k);
            let dx = 0;
            for (let j = 0; j < k; j++) {
              const r = rho[(b * D + d) * k + j];
              const s = this.logScale(params[o + 2 * k + j]);
              const inv = Math.exp(-s);
              const z = (x.data[b * D + d] - params[o + k + j]) * inv;
              const clip = s / this.logScaleBound;
              dParams[o + j] = g * (r - Math.exp(params[o + j] - lse));
              dParams[o + k + j] = g * r * z * inv;
              dParams[o + 2 * k + j] = g * r * (z * z - 1) * (1 - clip * clip);
              dx -= g * r * z * inv;
            }
            direct[b * D + d] = dx;
          }
        }
        const through = pass.backward(dParams);
        const dInput = zeros(n, D, this.dtype);
        for (let i = 0; i < dInput.data.length; i++) dInput.data[i] = direct[i] + through.dInput[i];
        const dContext = through.dContext === null ? null : { rows: n, cols: this.contextFeatures, data: through.dContext };
        return { dInput, dContext };
      },
    };
  }

  /**
   * Starts the component means of every conditional evenly spaced over [−2, 2] (output biases). With the small
   * output-layer initialisation the k components would otherwise be near-identical copies, and gradients — which
   * treat exchangeable components alike — would hardly ever pull them apart.
   */
  private spreadComponentMeans(): void {
    const k = this.components;
    if (k === 1) return;
    const bias = this.made.output.bias.value;
    for (let d = 0; d < this.made.features; d++) {
      for (let j = 0; j < k; j++) bias[d * 3 * k + k + j] = -2 + (4 * j) / (k - 1);
    }
  }

  /** The soft-clipped log-scale from a raw MADE output. */
  private logScale(raw: number): number {
    return this.logScaleBound * Math.tanh(raw / this.logScaleBound);
  }

  /**
   * `log Σ_j π_dj N(x_d; μ_dj, σ_dj²)` for row b, feature d, writing the per-component terms
   * `log π_dj + log N_j` into `a [k]`.
   */
  private conditional(params: FloatArray, x: FloatArray, b: number, d: number, a: Float64Array): number {
    const k = this.components;
    const o = (b * this.features + d) * 3 * k;
    const lse = logSumExp(params, o, o + k);
    const xd = x[b * this.features + d];
    for (let j = 0; j < k; j++) {
      const s = this.logScale(params[o + 2 * k + j]);
      const z = (xd - params[o + k + j]) * Math.exp(-s);
      a[j] = params[o + j] - lse - 0.5 * z * z - s - HALF_LOG_2PI;
    }
    return logSumExp(a, 0, k);
  }
}
