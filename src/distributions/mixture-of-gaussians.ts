import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { logSumExp } from './log-sum-exp.ts';
import { pickComponent } from './pick-component.ts';
import { Distribution, HALF_LOG_2PI, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from './distribution.ts';

/** Options of `new MixtureOfGaussians(options)`. */
export interface MixtureOfGaussiansOptions {
  /** D, the number of features. */
  features: number;
  /** K, the number of mixture components. @default 10 */
  components?: number;
  /** Seeds the initial means. @default new Rng(0) */
  rng?: Rng;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `MixtureOfGaussians` (`config()`). */
export interface MixtureOfGaussiansConfig extends DistributionConfig {
  type: 'MixtureOfGaussians';
  features: number;
  components: number;
  dtype: Dtype;
}

/**
 * A mixture of K Gaussians with diagonal covariances:
 * `p(x) = Σ_k π_k Π_d N(x_d; μ_kd, σ_kd²)`, `π = softmax(logits)`, `σ_kd = exp(logScale_kd)`.
 * Parameters: `logits [K]`, `means [K, D]`, `logScales [K, D]`, all trainable. `logProb` sums the components with a
 * log-sum-exp (stable for far-out points, where every component underflows in linear space).
 * Shapes: `x [n, D]` → `logProb [n]`; `sample(n)` → `[n, D]`.
 *
 * Initialisation: equal weights, means drawn from N(0, 1), unit scales.
 *
 * @example
 * import { MixtureOfGaussians, Rng, matrix } from 'maflow';
 * const mog = new MixtureOfGaussians({ features: 2, components: 5, rng: new Rng(0) });
 * const samples = mog.sample(10, { rng: new Rng(1) });   // [10, 2]
 * console.log(mog.logProb(matrix([[0, 1]])), samples.rows); // → Float64Array(1) [ … ] 10
 */
export class MixtureOfGaussians extends Distribution {
  readonly features: number;
  readonly components: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  /** Unnormalised log mixture weights `[K]`. */
  readonly logits: Parameter;
  /** Component means `[K, D]`. */
  readonly means: Parameter;
  /** Component log standard deviations `[K, D]`. */
  readonly logScales: Parameter;

  constructor(options: MixtureOfGaussiansOptions) {
    super();
    const D = options.features;
    const K = options.components ?? 10;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`MixtureOfGaussians: features must be a positive integer, got ${D}`);
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`MixtureOfGaussians: components must be a positive integer, got ${K}`);
    this.features = D;
    this.components = K;
    this.dtype = options.dtype ?? 'float32';
    this.logits = new Parameter([K], this.dtype);
    this.means = new Parameter([K, D], this.dtype);
    this.logScales = new Parameter([K, D], this.dtype);
    (options.rng ?? new Rng(0)).fillNormal(this.means.value);
  }

  static fromConfig(config: MixtureOfGaussiansConfig, rng?: Rng): MixtureOfGaussians {
    return new MixtureOfGaussians({ ...config, rng });
  }

  config(): MixtureOfGaussiansConfig {
    return { type: 'MixtureOfGaussians', features: this.features, components: this.components, dtype: this.dtype };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [
      [joinName(prefix, 'logits'), this.logits],
      [joinName(prefix, 'means'), this.means],
      [joinName(prefix, 'logScales'), this.logScales],
    ];
  }

  protected computeLogProb(x: Matrix): Float64Array {
    const out = new Float64Array(x.rows);
    const a = new Float64Array(this.components);
    const logWeights = this.logWeights();
    for (let r = 0; r < x.rows; r++) out[r] = this.componentLogDensities(x, r, logWeights, a);
    return out;
  }

  protected computeSample(n: number, _context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const D = this.features;
    const logWeights = this.logWeights();
    const samples = zeros(n, D, this.dtype);
    for (let r = 0; r < n; r++) {
      const k = pickComponent(logWeights, 0, this.components, rng);
      for (let d = 0; d < D; d++) {
        samples.data[r * D + d] = this.means.value[k * D + d] + Math.exp(this.logScales.value[k * D + d]) * rng.normal();
      }
    }
    return { samples, logProb: this.computeLogProb(samples) };
  }

  /**
   * With responsibilities `ρ_k = softmax_k(log π_k + log N_k(x))` and upstream g per row:
   * `∂/∂logits_k = g (ρ_k − π_k)`, `∂/∂μ_kd = g ρ_k z_kd / σ_kd`, `∂/∂logσ_kd = g ρ_k (z_kd² − 1)`,
   * `∂/∂x_d = −g Σ_k ρ_k z_kd / σ_kd` where `z_kd = (x_d − μ_kd) / σ_kd`.
   */
  protected override trainLogProb(x: Matrix): LogProbTrainPass {
    const K = this.components;
    const logWeights = this.logWeights();
    const responsibilities = new Float64Array(x.rows * K);
    const logProb = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      const a = responsibilities.subarray(r * K, (r + 1) * K);
      logProb[r] = this.componentLogDensities(x, r, logWeights, a);
      for (let k = 0; k < K; k++) a[k] = Math.exp(a[k] - logProb[r]);
    }
    return {
      logProb,
      backward: (dLogProb) => {
        const D = this.features;
        const dInput = zeros(x.rows, D, this.dtype);
        for (let r = 0; r < x.rows; r++) {
          const g = dLogProb[r];
          for (let k = 0; k < K; k++) {
            const rho = responsibilities[r * K + k];
            this.logits.grad[k] += g * (rho - Math.exp(logWeights[k]));
            for (let d = 0; d < D; d++) {
              const inv = Math.exp(-this.logScales.value[k * D + d]);
              const z = (x.data[r * D + d] - this.means.value[k * D + d]) * inv;
              this.means.grad[k * D + d] += g * rho * z * inv;
              this.logScales.grad[k * D + d] += g * rho * (z * z - 1);
              dInput.data[r * D + d] -= g * rho * z * inv;
            }
          }
        }
        return { dInput, dContext: null };
      },
    };
  }

  /** `log π` from the logits (float64). */
  private logWeights(): Float64Array {
    const w = Float64Array.from(this.logits.value);
    const lse = logSumExp(w, 0, w.length);
    for (let k = 0; k < w.length; k++) w[k] -= lse;
    return w;
  }

  /** Writes `a_k = log π_k + log N_k(x_r)` into `a [K]` and returns `log p(x_r) = logsumexp(a)`. */
  private componentLogDensities(x: Matrix, r: number, logWeights: Float64Array, a: Float64Array): number {
    const D = this.features;
    for (let k = 0; k < this.components; k++) {
      let s = logWeights[k] - D * HALF_LOG_2PI;
      for (let d = 0; d < D; d++) {
        const ls = this.logScales.value[k * D + d];
        const z = (x.data[r * D + d] - this.means.value[k * D + d]) * Math.exp(-ls);
        s -= 0.5 * z * z + ls;
      }
      a[k] = s;
    }
    return logSumExp(a, 0, this.components);
  }
}
