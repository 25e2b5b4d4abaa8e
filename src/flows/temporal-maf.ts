import { checkShape, dtypeOf, rowSlice, zeros, type Dtype, type FloatArray, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { checkSequences, checkSequenceValues, sliceSequences, type Sequences } from '../core/sequences.ts';
import { checkFinite } from '../core/check-finite.ts';
import { collectBuffers } from '../bijectors/collect-buffers.ts';
import { Standardize, type StandardizeConfig } from '../bijectors/standardize.ts';
import { createDistribution } from '../distributions/create-distribution.ts';
import { broadcastRows, type Distribution, type DistributionConfig } from '../distributions/distribution.ts';
import { Gru } from '../nn/gru.ts';
import { Lstm } from '../nn/lstm.ts';
import { joinName, type NamedParameters } from '../nn/parameter.ts';
import { checkTruncation, type RecurrentEncoder, type RecurrentEncoderConfig, type RecurrentState } from '../nn/recurrent-encoder.ts';
import { Trainable } from '../nn/trainable.ts';
import { covariateGradient, packedFlowContext, packSequences, unpackInputGradient } from './pack-sequences.ts';

/** Options of `new TemporalMaf(options)` (`createTemporalMaf` builds them). */
export interface TemporalMafOptions {
  /** Reads the history: its `inputFeatures` is the data's features F. */
  encoder: RecurrentEncoder;
  /** The conditional density of one step, `[n, F]` with context `[n, encoder.units + contextFeatures]`. */
  flow: Distribution;
  /** Width of the static covariates per sequence (fed to every step after the encoder's state). @default 0 */
  contextFeatures?: number;
  /** A fixed standardization of the data (the encoder and the flow see `(x − mean) / std`). @default none */
  dataStandardize?: Standardize;
  /** A fixed standardization of the static covariates. @default none */
  contextStandardize?: Standardize;
  /** Truncated backpropagation through time in training (see `RecurrentTrainOptions`). @default Infinity */
  truncation?: number;
}

/** The JSON description of a `TemporalMaf`. */
export interface TemporalMafConfig {
  type: 'TemporalMaf';
  features: number;
  contextFeatures: number;
  encoder: RecurrentEncoderConfig;
  flow: DistributionConfig;
  /** Absent: full BPTT. */
  truncation?: number;
  dataStandardize?: StandardizeConfig;
  contextStandardize?: StandardizeConfig;
}

/** Options of `logProb`, `logProbSteps` and `logProbTrain`. */
export interface SequenceCallOptions {
  /** Static covariates `[n, contextFeatures]` (or `[1, contextFeatures]`, broadcast). */
  context?: Matrix;
  /** Check the values of the real steps and the context. @default true */
  validateArgs?: boolean;
}

/** Options of `sample`. */
export interface SequenceSampleOptions {
  /** T, the length of every sequence drawn. */
  steps: number;
  /** Static covariates `[n, contextFeatures]` or `[1, contextFeatures]`. */
  context?: Matrix;
  rng?: Rng;
}

/** Options of `forecast`. */
export interface ForecastOptions {
  /** H, the steps to draw after each history. */
  steps: number;
  /** K, the sample paths per history. @default 1 */
  samplesPerPrefix?: number;
  /** Static covariates of the histories, `[m, contextFeatures]` or `[1, contextFeatures]`. */
  context?: Matrix;
  rng?: Rng;
}

/** A differentiable `logProb` over sequences. */
export interface SequenceTrainPass {
  /** `[n]` log-likelihoods per sequence. */
  logProb: Float64Array;
  /** Accumulates the parameter gradients given `∂L/∂logProb [n]`; returns `∂L/∂x` (`[n, T, F]`, 0 on padding) and `∂L/∂context`. */
  backward(dLogProb: Float64Array): { dInput: Sequences; dContext: Matrix | null };
}

/** Sequences evaluated per chunk in `logProb`, so that the packed buffers stay bounded. */
const CHUNK_SEQUENCES = 512;

/**
 * A temporal MAF (the MAF tutorial's "MAF for time series"): a recurrent encoder reads the history and its state is
 * the context of a conditional flow for the next step,
 * `log p(x_1 … x_T | s) = Σ_t log p_flow(x_t | [h_{t−1}, s])` with `h_0 = 0`, `h_t = cell(x_t, h_{t−1})` and `s` the
 * static covariates of the sequence (if any). With a data standardization the encoder and the flow see
 * `x̃ = (x − mean)/std`, and every step adds `−Σ_d log std_d`. Training runs the encoder over the packed batch and
 * the flow over all (sequence, step) rows at once, then backpropagates through time.
 * Shapes: sequences `[n, T, F]` (`Sequences`, with lengths for ragged batches), context `[n, contextFeatures]`.
 *
 * @example
 * import { Rng, createTemporalMaf } from 'maflow';
 * const model = createTemporalMaf({ features: 2, layers: 2, hiddenUnits: [16], encoderUnits: 8, rng: new Rng(0) });
 * const paths = model.sample(3, { steps: 5, rng: new Rng(1) });   // [3, 5, 2]
 * console.log(model.logProb(paths).length, paths.steps); // → 3 5
 */
export class TemporalMaf extends Trainable {
  /** F, the values per step. */
  readonly features: number;
  /** Width of the static covariates (0 = none). */
  readonly contextFeatures: number;
  readonly dtype: Dtype;
  readonly encoder: RecurrentEncoder;
  readonly flow: Distribution;
  readonly dataStandardize: Standardize | undefined;
  readonly contextStandardize: Standardize | undefined;
  readonly truncation: number;
  private readonly logStdSum: number;

  constructor(options: TemporalMafOptions) {
    super();
    const { encoder, flow } = options;
    this.features = encoder.inputFeatures;
    this.contextFeatures = options.contextFeatures ?? 0;
    this.encoder = encoder;
    this.flow = flow;
    this.dtype = flow.dtype;
    this.truncation = checkTruncation('TemporalMaf', options.truncation);
    if (flow.features !== this.features) throw new RangeError(`TemporalMaf: the flow has ${flow.features} features, the encoder reads ${this.features}`);
    if (flow.contextFeatures !== encoder.units + this.contextFeatures) {
      throw new RangeError(`TemporalMaf: the flow takes context of width ${flow.contextFeatures}, expected ${encoder.units + this.contextFeatures} ` +
        `(${encoder.units} encoder units + ${this.contextFeatures} static covariates)`);
    }
    if (encoder.dtype !== flow.dtype) throw new RangeError(`TemporalMaf: the encoder computes in ${encoder.dtype}, the flow in ${flow.dtype}`);
    // Batch statistics over (sequence, step) rows are not set nor saved for sequence models.
    if (collectBuffers(flow).length > 0) throw new RangeError('TemporalMaf: a step flow with batch normalization is not supported');
    this.dataStandardize = options.dataStandardize;
    this.contextStandardize = options.contextStandardize;
    if (this.dataStandardize !== undefined && this.dataStandardize.features !== this.features) {
      throw new RangeError(`TemporalMaf: dataStandardize has ${this.dataStandardize.features} columns, expected ${this.features}`);
    }
    if (this.contextStandardize !== undefined && this.contextStandardize.features !== this.contextFeatures) {
      throw new RangeError(`TemporalMaf: contextStandardize has ${this.contextStandardize.features} columns, expected ${this.contextFeatures}`);
    }
    this.logStdSum = this.dataStandardize === undefined ? 0 : this.dataStandardize.std.reduce((a, v) => a + Math.log(v), 0);
  }

  /** Rebuilds a `TemporalMaf` from `config()` (weights are loaded afterwards by name). */
  static fromConfig(config: TemporalMafConfig, rng: Rng = new Rng(0)): TemporalMaf {
    const e = config.encoder;
    if (e === null || typeof e !== 'object' || (e.type !== 'Lstm' && e.type !== 'Gru')) {
      throw new Error(`TemporalMaf: encoder must be an Lstm or Gru config, got ${JSON.stringify(e)}`);
    }
    const encoder = e.type === 'Lstm' ? new Lstm({ ...e, rng }) : new Gru({ ...e, rng });
    return new TemporalMaf({
      encoder, flow: createDistribution(config.flow, rng), contextFeatures: config.contextFeatures, truncation: config.truncation,
      ...(config.dataStandardize === undefined ? {} : { dataStandardize: Standardize.fromConfig(config.dataStandardize) }),
      ...(config.contextStandardize === undefined ? {} : { contextStandardize: Standardize.fromConfig(config.contextStandardize) }),
    });
  }

  config(): TemporalMafConfig {
    return {
      type: 'TemporalMaf', features: this.features, contextFeatures: this.contextFeatures, encoder: this.encoder.config(),
      flow: this.flow.config(), ...(this.truncation === Infinity ? {} : { truncation: this.truncation }),
      ...(this.dataStandardize === undefined ? {} : { dataStandardize: this.dataStandardize.config() }),
      ...(this.contextStandardize === undefined ? {} : { contextStandardize: this.contextStandardize.config() }),
    };
  }

  override namedParameters(prefix?: string): NamedParameters {
    return [...this.encoder.namedParameters(joinName(prefix, 'encoder')), ...this.flow.namedParameters(joinName(prefix, 'flow'))];
  }

  override train(mode = true): this {
    super.train(mode);
    this.flow.train(mode);
    return this;
  }

  /** `log p(x_1 … x_{T_i})` per sequence, `[n]` (natural log; the sum of `logProbSteps` over each row). */
  logProb(s: Sequences, options: SequenceCallOptions = {}): Float64Array {
    const steps = this.logProbSteps(s, options);
    const out = new Float64Array(s.count);
    for (let i = 0; i < s.count; i++) {
      let sum = 0;
      for (let t = 0; t < s.steps; t++) sum += steps.data[i * s.steps + t];
      out[i] = sum;
    }
    return out;
  }

  /**
   * The per-step conditional log-densities `log p(x_t | x_{<t}, s)` as a float64 matrix `[n, T]`; entries of padded
   * steps are 0, so that each row sums to the sequence's log-likelihood.
   */
  logProbSteps(s: Sequences, options: SequenceCallOptions = {}): Matrix {
    const context = this.checkCall('TemporalMaf.logProb', s, options);
    const out = zeros(s.count, s.steps, 'float64');
    for (let start = 0; start < s.count; start += CHUNK_SEQUENCES) {
      const end = Math.min(s.count, start + CHUNK_SEQUENCES);
      const chunk = sliceSequences(s, start, end);
      const packed = packSequences(chunk, this.dtype, this.dataStandardize?.mean ?? null, this.dataStandardize?.std ?? null);
      const hidden = this.encoder.forwardTrain(packed.layout, packed.x).hidden;
      const total = packed.sequenceOfRow.length;
      const flowContext = packedFlowContext(packed, hidden, this.encoder.units, context === null ? null : rowSlice(context, start, end), this.dtype);
      const lp = this.flow.logProb({ rows: total, cols: this.features, data: packed.x },
        { context: flowContext, validateArgs: false });
      for (let row = 0; row < total; row++) {
        out.data[(start + packed.sequenceOfRow[row]) * s.steps + packed.stepOfRow[row]] = lp[row] - this.logStdSum;
      }
    }
    return out;
  }

  /** A differentiable `logProb` (maximum-likelihood training through the flow and the encoder). */
  logProbTrain(s: Sequences, options: SequenceCallOptions = {}): SequenceTrainPass {
    const context = this.checkCall('TemporalMaf.logProbTrain', s, { ...options, validateArgs: false });
    const packed = packSequences(s, this.dtype, this.dataStandardize?.mean ?? null, this.dataStandardize?.std ?? null);
    const encoderPass = this.encoder.forwardTrain(packed.layout, packed.x, { truncation: this.truncation });
    const total = packed.sequenceOfRow.length;
    const flowPass = this.flow.logProbTrain({ rows: total, cols: this.features, data: packed.x },
      { context: packedFlowContext(packed, encoderPass.hidden, this.encoder.units, context, this.dtype) });
    const logProb = new Float64Array(s.count);
    for (let row = 0; row < total; row++) logProb[packed.sequenceOfRow[row]] += flowPass.logProb[row] - this.logStdSum;
    return {
      logProb,
      backward: (dLogProb) => {
        const dRow = Float64Array.from(packed.sequenceOfRow, (i) => dLogProb[i]);
        const grads = flowPass.backward(dRow);
        const H = this.encoder.units;
        const width = H + this.contextFeatures;
        const dc = (grads.dContext as Matrix).data;
        let dHidden: FloatArray = dc;
        if (this.contextFeatures > 0) {
          dHidden = new (dc.constructor as Float64ArrayConstructor)(total * H);
          for (let row = 0; row < total; row++) dHidden.set(dc.subarray(row * width, row * width + H), row * H);
        }
        const dEncoder = encoderPass.backward(dHidden);
        return {
          dInput: unpackInputGradient(s, packed, grads.dInput.data, dEncoder, this.dataStandardize?.std),
          dContext: this.contextFeatures === 0 ? null : covariateGradient(s.count, packed, dc, H, this.contextFeatures, this.contextStandardize?.std),
        };
      },
    };
  }

  /** `n` sequences of `steps` steps drawn step by step (each step one sampling pass of the flow): `[n, steps, F]`. */
  sample(n: number, options: SequenceSampleOptions): Sequences {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`TemporalMaf.sample: n must be a non-negative integer, got ${n}`);
    const context = this.staticContext('TemporalMaf.sample', n, options.context);
    return this.rollout(this.encoder.initialState(n), n, context, options.steps, options.rng, 'TemporalMaf.sample');
  }

  /**
   * Continues each history `samplesPerPrefix` times: the encoder reads each prefix (to its own length), then `steps`
   * steps are drawn as in `sample`. Returns `[m · K, steps, F]`, the K paths of prefix j in rows `j·K … j·K + K − 1`.
   */
  forecast(prefixes: Sequences, options: ForecastOptions): Sequences {
    const where = 'TemporalMaf.forecast';
    checkSequences(where, 'prefixes', prefixes, this.features);
    checkSequenceValues(where, 'prefixes', prefixes, this.dtype);
    const K = options.samplesPerPrefix ?? 1;
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`${where}: samplesPerPrefix must be a positive integer, got ${K}`);
    const m = prefixes.count;
    const context = this.staticContext(where, m, options.context);
    const packed = packSequences(prefixes, this.dtype, this.dataStandardize?.mean ?? null, this.dataStandardize?.std ?? null);
    // The state after each whole prefix: the packed rows by decreasing length, so step t advances the first rows.
    const sorted = this.encoder.initialState(m);
    const F = this.features;
    for (let t = 0; t < packed.layout.steps; t++) {
      const b = packed.layout.batchSizes[t];
      const from = packed.layout.offsets[t] * F;
      this.encoder.step(b, packed.x.subarray(from, from + b * F), sorted);
    }
    const H = this.encoder.units;
    const state = this.encoder.initialState(m * K);
    for (let r = 0; r < m; r++) {
      const j = packed.order[r];
      for (let k = 0; k < K; k++) {
        state.h.set(sorted.h.subarray(r * H, (r + 1) * H), (j * K + k) * H);
        if (state.c !== null && sorted.c !== null) state.c.set(sorted.c.subarray(r * H, (r + 1) * H), (j * K + k) * H);
      }
    }
    const repeated = context === null ? null : repeatRows(context, K);
    return this.rollout(state, m * K, repeated, options.steps, options.rng, where);
  }

  /** Draws `steps` steps for `n` rows from `state` (advanced in place), with static context rows `context`. */
  private rollout(state: RecurrentState, n: number, context: Matrix | null, steps: number, rng: Rng | undefined, where: string): Sequences {
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${where}: steps must be a positive integer, got ${steps}`);
    const generator = rng ?? new Rng(Math.floor(Math.random() * 2 ** 32));
    const F = this.features;
    const H = this.encoder.units;
    const width = H + this.contextFeatures;
    const data = new (this.dtype === 'float64' ? Float64Array : Float32Array)(n * steps * F);
    const flowContext = zeros(n, width, this.dtype);
    const mean = this.dataStandardize?.mean;
    const std = this.dataStandardize?.std;
    for (let t = 0; t < steps; t++) {
      for (let r = 0; r < n; r++) {
        flowContext.data.set(state.h.subarray(r * H, (r + 1) * H), r * width);
        if (context !== null) flowContext.data.set(context.data.subarray(r * this.contextFeatures, (r + 1) * this.contextFeatures), r * width + H);
      }
      const x = this.flow.sample(n, { context: flowContext, rng: generator, validateArgs: false });
      for (let r = 0; r < n; r++) {
        for (let f = 0; f < F; f++) {
          const v = x.data[r * F + f];
          data[(r * steps + t) * F + f] = mean === undefined || std === undefined ? v : v * std[f] + mean[f];
        }
      }
      this.encoder.step(n, x.data, state);
    }
    return { count: n, steps, features: F, data, lengths: null };
  }

  /** Checks sequences and context and returns the standardized context (or null). */
  private checkCall(where: string, s: Sequences, options: SequenceCallOptions): Matrix | null {
    checkSequences(where, 'sequences', s, this.features);
    if (options.validateArgs !== false) checkSequenceValues(where, 'sequences', s, this.dtype);
    return this.staticContext(where, s.count, options.context, options.validateArgs !== false);
  }

  /** The static covariates `[n, C]` (a one-row context broadcast), standardized, in the model's dtype. */
  private staticContext(where: string, n: number, context: Matrix | undefined, validate = true): Matrix | null {
    if (this.contextFeatures === 0) {
      if (context !== undefined) throw new Error(`${where}: this model takes no context (contextFeatures = 0)`);
      return null;
    }
    if (context === undefined) throw new Error(`${where}: expected context [${n}, ${this.contextFeatures}], got none`);
    const full = broadcastRows(context, n) as Matrix;
    checkShape(where, 'context', full, this.contextFeatures, n);
    if (validate) checkFinite(where, 'context', full, { dtype: this.dtype });
    const standardized = this.contextStandardize === undefined ? full : this.contextStandardize.inverse(full, { validateArgs: false });
    const out = zeros(n, this.contextFeatures, this.dtype);
    out.data.set(standardized.data);
    return out;
  }

}

/** Each row of `m` repeated `k` times in place order: `[m.rows · k, cols]`. */
function repeatRows(m: Matrix, k: number): Matrix {
  const out = zeros(m.rows * k, m.cols, dtypeOf(m.data));
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < k; j++) out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), (r * k + j) * m.cols);
  return out;
}
