import { zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import { MlpEncoder, type MlpEncoderConfig } from '../nn/mlp-encoder.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { Distribution, HALF_LOG_2PI, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from './distribution.ts';

/** Options of `new ConditionalNormal(options)`. */
export interface ConditionalNormalOptions {
  /** D, the number of features. */
  features: number;
  /** C, the width of the context (at least 1). */
  contextFeatures: number;
  /** Hidden widths of the network that maps the context to the mean and log-std. @default [32] */
  hiddenUnits?: readonly number[];
  /** @default 'relu' */
  activation?: Activation;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the network. @default new Rng(0) */
  rng?: Rng;
}

/** The JSON description of a `ConditionalNormal`. */
export interface ConditionalNormalConfig extends DistributionConfig {
  type: 'ConditionalNormal';
  features: number;
  contextFeatures: number;
  network: MlpEncoderConfig;
}

/**
 * A conditional Gaussian base `N(μ(c), diag(σ(c)²))` whose mean and log standard deviation a small trainable network
 * computes from the context: `[μ, log σ] = MLP(c)` (`[n, 2D]`, means first), and
 * `log p(x | c) = Σ_d [−½ ((x_d − μ_d) / σ_d)² − log σ_d] − (D/2) log 2π`. The network's output layer starts near 0, so a
 * fresh base is close to N(0, I) for every context. Shapes: `x [n, D]`, `context [n, C]` → `[n]`.
 *
 * @example
 * import { ConditionalNormal, Rng, matrix } from 'maflow';
 * const base = new ConditionalNormal({ features: 2, contextFeatures: 1, rng: new Rng(0) });
 * const lp = base.logProb(matrix([[0, 0]]), { context: matrix([[1]]) });
 * console.log(Math.abs(lp[0] + Math.log(2 * Math.PI)) < 0.1); // → true (close to N(0, I) at first)
 */
export class ConditionalNormal extends Distribution {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly network: MlpEncoder;

  constructor(options: ConditionalNormalOptions, network?: MlpEncoder) {
    super();
    const { features, contextFeatures } = options;
    if (!Number.isInteger(features) || features < 1) throw new RangeError(`ConditionalNormal: features must be a positive integer, got ${features}`);
    if (!Number.isInteger(contextFeatures) || contextFeatures < 1) {
      throw new RangeError(`ConditionalNormal: contextFeatures must be a positive integer, got ${contextFeatures}`);
    }
    this.features = features;
    this.contextFeatures = contextFeatures;
    this.dtype = options.dtype ?? 'float32';
    this.network = network ?? new MlpEncoder({
      inputFeatures: contextFeatures, outputFeatures: 2 * features, hiddenUnits: options.hiddenUnits ?? [32],
      activation: options.activation, outputInitScale: 0.01, dtype: this.dtype, rng: options.rng,
    });
    if (this.network.inputFeatures !== contextFeatures || this.network.outputFeatures !== 2 * features) {
      throw new RangeError(`ConditionalNormal: the network maps ${this.network.inputFeatures} → ${this.network.outputFeatures}, expected ${contextFeatures} → ${2 * features}`);
    }
  }

  /** Rebuilds a `ConditionalNormal` from `config()` (weights are loaded afterwards by name). */
  static fromConfig(config: ConditionalNormalConfig, rng: Rng = new Rng(0)): ConditionalNormal {
    return new ConditionalNormal({ features: config.features, contextFeatures: config.contextFeatures, dtype: config.network?.dtype },
      MlpEncoder.fromConfig(config.network, rng));
  }

  config(): ConditionalNormalConfig {
    return { type: 'ConditionalNormal', features: this.features, contextFeatures: this.contextFeatures, network: this.network.config() };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.network.namedParameters(joinName(prefix, 'network'));
  }

  protected computeLogProb(x: Matrix, context: Matrix | null): Float64Array {
    return this.logDensity(x, this.network.forward(x.rows, (context as Matrix).data));
  }

  protected computeSample(n: number, context: Matrix | null, rng: Rng): SamplesWithLogProb {
    const D = this.features;
    const params = this.network.forward(n, (context as Matrix).data);
    const samples = zeros(n, D, this.dtype);
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < D; d++) samples.data[r * D + d] = params[r * 2 * D + d] + Math.exp(params[r * 2 * D + D + d]) * rng.normal();
    }
    return { samples, logProb: this.logDensity(samples, params) };
  }

  /**
   * Gradients per row with upstream g and `z = (x − μ)/σ`: `∂/∂x = −g z/σ`, `∂/∂μ = g z/σ`, `∂/∂log σ = g (z² − 1)`,
   * then through the network to its parameters and the context.
   */
  protected override trainLogProb(x: Matrix, context: Matrix | null): LogProbTrainPass {
    const D = this.features;
    const n = x.rows;
    const c = context as Matrix;
    const pass = this.network.forwardTrain(n, c.data);
    const params = pass.output;
    return {
      logProb: this.logDensity(x, params),
      backward: (dLogProb) => {
        const dInput = zeros(n, D, this.dtype);
        const dParams = new (params.constructor as Float32ArrayConstructor)(params.length);
        for (let r = 0; r < n; r++) {
          const g = dLogProb[r];
          for (let d = 0; d < D; d++) {
            const inv = Math.exp(-params[r * 2 * D + D + d]);
            const z = (x.data[r * D + d] - params[r * 2 * D + d]) * inv;
            dInput.data[r * D + d] = -g * z * inv;
            dParams[r * 2 * D + d] = g * z * inv;
            dParams[r * 2 * D + D + d] = g * (z * z - 1);
          }
        }
        const dContext = pass.backward(dParams);
        return { dInput, dContext: { rows: n, cols: this.contextFeatures, data: dContext.slice() } };
      },
    };
  }

  private logDensity(x: Matrix, params: FloatArray): Float64Array {
    const D = this.features;
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let s = -D * HALF_LOG_2PI;
      for (let d = 0; d < D; d++) {
        const logStd = params[r * 2 * D + D + d];
        const z = (x.data[r * D + d] - params[r * 2 * D + d]) * Math.exp(-logStd);
        s -= 0.5 * z * z + logStd;
      }
      out[r] = s;
    }
    return out;
  }
}
