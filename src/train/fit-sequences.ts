import { checkShape, zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { checkSequences, checkSequenceValues, sequenceLength, type Sequences } from '../core/sequences.ts';
import { Distribution, type DistributionConfig, type LogProbTrainPass, type SamplesWithLogProb } from '../distributions/distribution.ts';
import type { TemporalMaf } from '../flows/temporal-maf.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { fit, type FitOptions, type FitResult } from './fit.ts';

/** `fit`'s options, with sequences for the validation set and static covariates for the context. */
export interface FitSequencesOptions extends Omit<FitOptions, 'context' | 'validationData' | 'validationContext'> {
  /** Static covariates `[n, contextFeatures]`, one row per sequence. */
  context?: Matrix;
  /** An explicit validation set (then `data` is used whole for training). */
  validationData?: Sequences;
  /** Static covariates of `validationData`. */
  validationContext?: Matrix;
}

/**
 * Maximum-likelihood training of a sequence model with `fit`'s machinery, unchanged: shuffled minibatches of
 * sequences (`batchSize` counts sequences), Adam, the validation split **by sequence** (`validationFraction` of the
 * sequences, seeded), early stopping on the mean validation log-likelihood per sequence, divergence guard,
 * checkpoints, progress events (`rowsPerSecond` counts sequences). The loss is `−(1/B) Σ_i log p(x_i)`, summed over each
 * sequence's steps; `explosionMargin` and `noImprovementTolerance` default to 100 and 0.05 nats per step and feature.
 * Values are checked first, and a bad one is named by sequence, step and feature. Shapes: `data [n, T, F]`,
 * `context [n, contextFeatures]`.
 *
 * @example
 * import { Rng, createTemporalMaf, fitSequences, sequences } from 'maflow';
 * const rng = new Rng(3);
 * const series = Array.from({ length: 40 }, () => { let x = 0; return Array.from({ length: 8 }, () => [x = 0.8 * x + rng.normal()]); });
 * const model = createTemporalMaf({ features: 1, layers: 1, hiddenUnits: [8], encoderUnits: 4, rng: new Rng(0) });
 * const result = fitSequences(model, sequences(series), { epochs: 3, batchSize: 10, learningRate: 1e-2, rng: new Rng(1) });
 * console.log(result.history.length, result.failed); // → 3 false
 */
export function fitSequences(model: TemporalMaf, data: Sequences, options: FitSequencesOptions = {}): FitResult {
  checkSequences('fitSequences', 'data', data, model.features);
  checkSequenceValues('fitSequences', 'data', data, model.dtype);
  if (options.validationData !== undefined) {
    checkSequences('fitSequences', 'validationData', options.validationData, model.features);
    checkSequenceValues('fitSequences', 'validationData', options.validationData, model.dtype);
  }
  const steps = Math.max(data.steps, options.validationData?.steps ?? 0);
  const rows = new SequenceRows(model, steps);
  const { context, validationData, validationContext, ...rest } = options;
  const fitOptions: FitOptions = {
    ...rest,
    context: rows.rowContext('context', data, context),
    explosionMargin: options.explosionMargin ?? 100 * steps * model.features,
    noImprovementTolerance: options.noImprovementTolerance ?? 0.05 * steps * model.features,
  };
  if (validationData !== undefined) {
    fitOptions.validationData = rows.rowData(validationData);
    fitOptions.validationContext = rows.rowContext('validationContext', validationData, validationContext);
  }
  return fit(rows, rows.rowData(data), fitOptions);
}

/**
 * The sequence model as `fit` sees it: a distribution over rows of `T · F` values (one padded sequence per row, step
 * major) whose context row is the static covariates followed by the sequence's length. Internal to `fitSequences`.
 */
class SequenceRows extends Distribution {
  readonly features: number;
  readonly contextFeatures: number;
  readonly dtype: Dtype;

  constructor(private readonly model: TemporalMaf, private readonly steps: number) {
    super();
    this.features = steps * model.features;
    this.contextFeatures = model.contextFeatures + 1;
    this.dtype = model.dtype;
  }

  /** `s` padded to `steps` steps, as rows `[n, steps · F]`. */
  rowData(s: Sequences): Matrix {
    const F = this.model.features;
    const out = zeros(s.count, this.features, this.dtype);
    for (let i = 0; i < s.count; i++) {
      out.data.set(s.data.subarray(i * s.steps * F, (i * s.steps + sequenceLength(s, i)) * F), i * this.features);
    }
    return out;
  }

  /** The covariates of `s` (checked) with each sequence's length as the last column. */
  rowContext(name: string, s: Sequences, context: Matrix | undefined): Matrix {
    const C = this.model.contextFeatures;
    if (C === 0 && context !== undefined) throw new Error(`fitSequences: ${name} given, but the model takes no context (contextFeatures = 0)`);
    if (C > 0) {
      if (context === undefined) throw new Error(`fitSequences: expected ${name} [${s.count}, ${C}], got none`);
      checkShape('fitSequences', name, context, C, s.count);
    }
    const out = zeros(s.count, C + 1, this.dtype);
    for (let i = 0; i < s.count; i++) {
      if (context !== undefined) out.data.set(context.data.subarray(i * C, (i + 1) * C), i * (C + 1));
      out.data[i * (C + 1) + C] = sequenceLength(s, i);
    }
    return out;
  }

  override namedParameters(prefix?: string): NamedParameters {
    return this.model.namedParameters(prefix);
  }

  override train(mode = true): this {
    super.train(mode);
    this.model.train(mode);
    return this;
  }

  config(): DistributionConfig {
    return this.model.config() as unknown as DistributionConfig;
  }

  protected computeLogProb(x: Matrix, context: Matrix | null): Float64Array {
    const [s, covariates] = this.split(x, context as Matrix);
    return this.model.logProb(s, { ...covariates, validateArgs: false });
  }

  protected computeSample(_n: number, _context: Matrix | null, _rng: Rng): SamplesWithLogProb {
    throw new Error('fitSequences: sample the model itself (TemporalMaf.sample)');
  }

  protected override trainLogProb(x: Matrix, context: Matrix | null): LogProbTrainPass {
    const [s, covariates] = this.split(x, context as Matrix);
    const pass = this.model.logProbTrain(s, covariates);
    return {
      logProb: pass.logProb,
      backward: (dLogProb) => {
        const { dInput } = pass.backward(dLogProb);
        return { dInput: { rows: x.rows, cols: this.features, data: dInput.data }, dContext: null };
      },
    };
  }

  /** Rows back to sequences (a view) with their lengths, and the covariates. */
  private split(x: Matrix, context: Matrix): [Sequences, { context?: Matrix }] {
    const C = this.model.contextFeatures;
    const lengths = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) lengths[i] = context.data[i * (C + 1) + C];
    const s: Sequences = { count: x.rows, steps: this.steps, features: this.model.features, data: x.data, lengths };
    if (C === 0) return [s, {}];
    const covariates = zeros(x.rows, C, this.dtype);
    for (let i = 0; i < x.rows; i++) covariates.data.set(context.data.subarray(i * (C + 1), i * (C + 1) + C), i * C);
    return [s, { context: covariates }];
  }
}
