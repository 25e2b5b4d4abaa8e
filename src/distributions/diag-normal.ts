import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { joinName, Parameter, type NamedParameters } from '../nn/parameter.ts';
import { Distribution, HALF_LOG_2PI, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from './distribution.ts';

/** Options of `new DiagNormal(options)`. */
export interface DiagNormalOptions {
  /** D, the number of features. */
  features: number;
  /** Initial mean, `[D]`. @default all 0 */
  loc?: readonly number[];
  /** Initial log standard deviation, `[D]`. @default all 0 */
  logScale?: readonly number[];
  /** Whether `loc` and `logScale` are parameters (listed by `namedParameters`, trained); fixed values otherwise. @default true */
  trainable?: boolean;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The JSON description of a `DiagNormal`; a fixed (non-trainable) one carries its values, as it has no tensors. */
export interface DiagNormalConfig extends DistributionConfig {
  type: 'DiagNormal';
  features: number;
  trainable: boolean;
  dtype: Dtype;
  loc?: number[];
  logScale?: number[];
}

/**
 * A normal distribution with diagonal covariance, `N(μ, diag(σ²))` with `σ = exp(logScale)`:
 * `log p(x) = Σ_d [−½ ((x_d − μ_d) / σ_d)² − log σ_d] − (D/2) log 2π`.
 * `loc [D]` and `logScale [D]` are parameters (trained by `logProbTrain` unless `trainable: false`).
 * Shapes: `x [n, D]` → `logProb [n]`; `sample(n)` → `[n, D]`.
 *
 * @example
 * import { DiagNormal, Rng, matrix } from 'maflow';
 * const normal = new DiagNormal({ features: 2, loc: [1, -1], logScale: [0, Math.log(2)] });
 * console.log(normal.logProb(matrix([[1, -1]])), -Math.log(2 * Math.PI) - Math.log(2)); // both ≈ −2.531
 * console.log(normal.sample(100, { rng: new Rng(0) }).rows); // → 100
 */
export class DiagNormal extends Distribution {
  readonly features: number;
  readonly contextFeatures = 0;
  readonly dtype: Dtype;
  readonly trainable: boolean;
  readonly loc: Parameter;
  readonly logScale: Parameter;

  constructor(options: DiagNormalOptions) {
    super();
    const D = options.features;
    if (!Number.isInteger(D) || D < 1) throw new RangeError(`DiagNormal: features must be a positive integer, got ${D}`);
    this.features = D;
    this.dtype = options.dtype ?? 'float32';
    this.trainable = options.trainable ?? true;
    this.loc = new Parameter([D], this.dtype);
    this.logScale = new Parameter([D], this.dtype);
    for (const [name, values, p] of [['loc', options.loc, this.loc], ['logScale', options.logScale, this.logScale]] as const) {
      if (values === undefined) continue;
      if (values.length !== D) throw new RangeError(`DiagNormal: expected ${name} [${D}], got [${values.length}]`);
      p.value.set(values);
    }
  }

  /** Rebuilds a `DiagNormal` from `config()` (trainable values are then loaded with the other weights). */
  static fromConfig(config: DiagNormalConfig): DiagNormal {
    return new DiagNormal(config);
  }

  config(): DiagNormalConfig {
    return {
      type: 'DiagNormal', features: this.features, trainable: this.trainable, dtype: this.dtype,
      ...(this.trainable ? {} : { loc: Array.from(this.loc.value), logScale: Array.from(this.logScale.value) }),
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    if (!this.trainable) return [];
    return [[joinName(prefix, 'loc'), this.loc], [joinName(prefix, 'logScale'), this.logScale]];
  }

  protected computeLogProb(x: Matrix): Float64Array {
    const D = this.features;
    const mu = this.loc.value;
    const ls = this.logScale.value;
    let constant = -D * HALF_LOG_2PI;
    for (let d = 0; d < D; d++) constant -= ls[d];
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let s = 0;
      for (let d = 0; d < D; d++) {
        const z = (x.data[r * D + d] - mu[d]) * Math.exp(-ls[d]);
        s += z * z;
      }
      out[r] = constant - 0.5 * s;
    }
    return out;
  }

  protected computeSample(n: number, _context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const D = this.features;
    const samples = zeros(n, D, this.dtype);
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < D; d++) samples.data[r * D + d] = this.loc.value[d] + Math.exp(this.logScale.value[d]) * rng.normal();
    }
    return { samples, logProb: this.computeLogProb(samples) };
  }

  /**
   * Gradients per row r with upstream g_r and z = (x − μ)/σ: `∂/∂x = −g z/σ`, `∂/∂μ = Σ_r g z/σ`,
   * `∂/∂logσ = Σ_r g (z² − 1)` (parameter gradients only when trainable).
   */
  protected override trainLogProb(x: Matrix): LogProbTrainPass {
    return {
      logProb: this.computeLogProb(x),
      backward: (dLogProb) => {
        const D = this.features;
        const dInput = zeros(x.rows, D, this.dtype);
        for (let r = 0; r < x.rows; r++) {
          const g = dLogProb[r];
          for (let d = 0; d < D; d++) {
            const inv = Math.exp(-this.logScale.value[d]);
            const z = (x.data[r * D + d] - this.loc.value[d]) * inv;
            dInput.data[r * D + d] = -g * z * inv;
            if (this.trainable) {
              this.loc.grad[d] += g * z * inv;
              this.logScale.grad[d] += g * (z * z - 1);
            }
          }
        }
        return { dInput, dContext: null };
      },
    };
  }
}
