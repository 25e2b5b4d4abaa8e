/**
 * Maximum-likelihood training that can be run a few milliseconds at a time, so that a page stays responsive:
 * `run(budgetMs)` takes Adam steps on shuffled minibatches until the time budget is spent, and evaluates the
 * validation log-likelihood at every epoch boundary. It is `fit`'s inner loop (minimise `−(1/B) Σ log p(x_b)`)
 * with one optimiser kept across calls; `fit` itself resumes only at epoch boundaries, which at browser speed
 * would freeze the page for a whole epoch.
 *
 * The flow is trained with a `Standardize` fitted to the training rows at its data end (`withStandardization`: the
 * layers see `x̃ = (x − mean)/std`, so one flow configuration fits every dataset and spline flows see data inside
 * their tail bound), on the raw rows, so every log-likelihood, density and sample is the flow's own and in the data's
 * units, `log p(x) = log p̃(x̃) − Σ_d log std_d`, with nothing added here. Shapes: `data [n, 2]`, `points [m, 2]`.
 *
 * @example
 * const trainer = new LiveTrainer(flow, data, { rng: new Rng(1) });
 * trainer.run(25);                 // ~25 ms of training
 * trainer.history.at(-1);          // { epoch, trainLogLik, validationLogLik }
 */
import {
  Adam, clipGradNorm, decodeModel, encodeModel, meanLogProb, rowSlice, splitValidation, Standardize, withStandardization, zeroGrad, zeros,
  type Distribution, type Matrix, type Rng, type TransformedDistribution,
} from '../../src/index.ts';

export interface LiveTrainerOptions {
  /** Seeds the validation split and the shuffles. */
  rng: Rng;
  /** Share of the data held out for validation. @default 0.2 */
  validationFraction?: number;
  /** Rows per minibatch. @default 100 */
  batchSize?: number;
  /** Adam step size. @default 3e-3 */
  learningRate?: number;
  /** Global gradient-norm bound. @default 10 */
  clipGradNorm?: number;
  /** Validation rows evaluated per slice at an epoch's end, so that validating never holds a frame long. @default 100 */
  validationChunkRows?: number;
  /** The clock, in milliseconds. @default () => performance.now() */
  now?: () => number;
}

export interface LiveEpoch {
  epoch: number;
  /** Mean training log-likelihood over the epoch's steps, nats (original units). */
  trainLogLik: number;
  /** Mean validation log-likelihood after the epoch, nats (original units). */
  validationLogLik: number;
}

export class LiveTrainer {
  /** The flow being trained: the given one behind a `Standardize` fitted to the training rows. */
  readonly flow: TransformedDistribution;
  /** The data-end standardization (fitted once, never trained). */
  readonly standardize: Standardize;
  /** Training and validation rows, in the data's units. */
  readonly train: Matrix;
  readonly validation: Matrix;
  readonly history: LiveEpoch[] = [];
  step = 0;
  /** Training rows processed and milliseconds spent in `run`, for the throughput. */
  private rows = 0;
  private busyMs = 0;
  private readonly optimizer: Adam;
  private readonly batch: Matrix;
  private readonly dLogProb: Float64Array;
  private readonly stepsPerEpoch: number;
  private readonly maxNorm: number;
  private readonly now: () => number;
  private order: Int32Array;
  private batchInEpoch = 0;
  private epochLogLikSum = 0;
  /** Validation rows scored so far at the current epoch's end, and their log-likelihood sum. */
  private validated = 0;
  private validationSum = 0;
  private readonly validationChunkRows: number;

  constructor(flow: Distribution, data: Matrix, private readonly options: LiveTrainerOptions) {
    if (data.cols !== flow.features) throw new RangeError(`LiveTrainer: expected data [n, ${flow.features}], got [${data.rows}, ${data.cols}]`);
    const split = splitValidation(data, { fraction: options.validationFraction ?? 0.2, rng: options.rng });
    this.standardize = Standardize.fit(split.train);
    this.flow = withStandardization(flow, { data: this.standardize });
    this.train = split.train;
    this.validation = split.validation;
    const batchSize = Math.min(options.batchSize ?? 100, this.train.rows);
    this.stepsPerEpoch = Math.max(1, Math.floor(this.train.rows / batchSize));
    this.batch = zeros(batchSize, flow.features, this.flow.dtype);
    this.dLogProb = new Float64Array(batchSize).fill(-1 / batchSize);
    this.optimizer = new Adam(this.flow.namedParameters(), { learningRate: options.learningRate ?? 3e-3 });
    this.maxNorm = options.clipGradNorm ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.order = options.rng.permutation(this.train.rows);
    this.validationChunkRows = options.validationChunkRows ?? 100;
  }

  /** Completed epochs. */
  get epoch(): number {
    return this.history.length;
  }

  /** Training rows per second of time spent in `run`. */
  get rowsPerSecond(): number {
    return this.busyMs > 0 ? (1000 * this.rows) / this.busyMs : 0;
  }

  /**
   * Trains until `budgetMs` have passed (at least one unit of work: an optimiser step, or at an epoch's end a chunk of
   * the validation rows, scored before the next step changes the parameters); returns the epochs completed during
   * this call.
   * @throws when the loss or the gradient becomes non-finite (the step is not applied).
   */
  run(budgetMs: number): LiveEpoch[] {
    const start = this.now();
    const completed: LiveEpoch[] = [];
    do {
      if (this.batchInEpoch < this.stepsPerEpoch) this.trainStep();
      else if (this.validateChunk()) completed.push(this.endEpoch());
    } while (this.now() - start < budgetMs);
    this.busyMs += this.now() - start;
    return completed;
  }

  /** `log p(x)` per row of `points [m, 2]` in original units (evaluation mode). */
  logDensity(points: Matrix): Float64Array {
    this.flow.train(false);
    return this.flow.logProb(points);
  }

  /** `n` model samples `[n, 2]` in original units. */
  sample(n: number, rng: Rng): Matrix {
    this.flow.train(false);
    return this.flow.sample(n, { rng });
  }

  /**
   * A frozen copy of the flow as it is now (parameters and buffers, through the model format's bytes), in evaluation
   * mode: evaluations spread over several frames (the heatmap, a set of samples) then show one model, not the bands
   * of several optimiser steps.
   */
  snapshot(): Distribution {
    return decodeModel(encodeModel(this.flow), 'snapshot').flow;
  }

  /** The validation rows in original units. */
  validationData(): Matrix {
    return this.validation;
  }

  private trainStep(): void {
    const { flow, batch } = this;
    const cols = flow.features;
    const offset = this.batchInEpoch * batch.rows;
    for (let i = 0; i < batch.rows; i++) {
      const r = this.order[offset + i];
      batch.data.set(this.train.data.subarray(r * cols, (r + 1) * cols), i * cols);
    }
    flow.train(true);
    zeroGrad(flow);
    const pass = flow.logProbTrain(batch);
    let sum = 0;
    for (const v of pass.logProb) sum += v;
    const logLik = sum / batch.rows;
    if (!Number.isFinite(logLik)) throw new Error(`LiveTrainer.run: the training log-likelihood became ${logLik} at step ${this.step + 1}`);
    pass.backward(this.dLogProb);
    const norm = clipGradNorm(this.optimizer.parameters, this.maxNorm);
    if (!Number.isFinite(norm)) throw new Error(`LiveTrainer.run: the gradient norm became ${norm} at step ${this.step + 1}`);
    this.optimizer.step();
    this.step++;
    this.rows += batch.rows;
    this.batchInEpoch++;
    this.epochLogLikSum += logLik;
  }

  /** Scores the next chunk of validation rows; true when all are scored. */
  private validateChunk(): boolean {
    const end = Math.min(this.validation.rows, this.validated + this.validationChunkRows);
    const rows = rowSlice(this.validation, this.validated, end);
    this.flow.train(false);
    this.validationSum += meanLogProb(this.flow, rows) * rows.rows;
    this.validated = end;
    return end === this.validation.rows;
  }

  private endEpoch(): LiveEpoch {
    const record: LiveEpoch = {
      epoch: this.history.length + 1,
      trainLogLik: this.epochLogLikSum / this.stepsPerEpoch,
      validationLogLik: this.validationSum / this.validation.rows,
    };
    this.validated = 0;
    this.validationSum = 0;
    this.history.push(record);
    this.order = this.options.rng.permutation(this.train.rows);
    this.batchInEpoch = 0;
    this.epochLogLikSum = 0;
    return record;
  }
}

/** The mean of `logProb` over `data` (e.g. a dataset's exact density on the validation rows), or NaN without one. */
export function referenceLogLik(logProb: ((x: Matrix) => Float64Array) | undefined, data: Matrix): number {
  if (logProb === undefined) return NaN;
  const values = logProb(data);
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
