/**
 * One training run of `maflow train` (and of the demo), as plain data in and plain data out, so that it can run on
 * a worker thread: build the flow with its standardization inside (a `Standardize` fitted to the data at its data
 * end, a context pre-map), `fit` it on the raw data, write the model. Losses and log-likelihoods in the events and the
 * result are the flow's own, so they are in the data's **original units**, as `maflow eval` reports them.
 */
import type { Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { Standardize } from '../bijectors/standardize.ts';
import { fitDataStandardize } from '../flows/fit-data-standardize.ts';
import { withStandardization } from '../flows/with-standardization.ts';
import { fileCheckpointer } from '../io/checkpoint-file.ts';
import { findNonFinite } from '../train/find-non-finite.ts';
import { fit, type FitOptions, type FitResult, type NonFiniteInput } from '../train/fit.ts';
import type { EpochEvent, StepEvent } from '../train/progress-event.ts';
import type { TrainingState } from '../train/training-state.ts';
import { saveCliModel, type CliModel, type TrainingLogProb } from './cli-model.ts';
import { summarizeLogLikelihood } from './log-likelihood-summary.ts';
import { logDensities } from './model-space.ts';
import { flowFromOptions, type FlowSpec } from './flow-from-options.ts';
import { annotateSystemError, saveWithRescue } from './save-with-rescue.ts';
import { bestBeforeFailurePath } from './best-before-failure-path.ts';
import { UsageError } from './usage-error.ts';

/** Everything a training run needs (structured-cloneable). */
export interface TrainJob {
  spec: FlowSpec;
  /** Training data `[n, D]` and context `[n, C]`, original units. */
  x: Matrix;
  context?: Matrix;
  columns: string[];
  contextColumns: string[];
  /** An explicit validation set (else `validationFraction` of the data is held out). */
  validation?: { x: Matrix; context?: Matrix };
  /** @default true */
  standardize: boolean;
  validationFraction: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  patience: number;
  /** Learning-rate schedule over all epochs (`fit`'s `schedule`). @default 'constant' */
  schedule?: 'constant' | 'cosine';
  /** Global gradient-norm clip per step (`fit`'s `clipGradNorm`). @default none */
  clipGradNorm?: number;
  /** Decay of the moving average of the weights that validation scores and the model keeps (`fit`'s `emaDecay`). @default 0 */
  emaDecay?: number;
  /** Wall-time budget of the training, seconds (`fit`'s `maxSeconds`): when spent, the best model so far is written. */
  maxSeconds?: number;
  /** Seeds the validation split and the shuffles (the weights are seeded by `spec.seed`). */
  seed: number;
  /** The model file to write. */
  out: string;
  /** The training file (recorded in the model). */
  dataPath: string;
  checkpoint?: { path: string; every: number };
  /** A checkpoint file to continue from. */
  resume?: string;
}

/**
 * What a run reports back: `fit`'s result, with the training losses and validation log-likelihoods (`history`,
 * `bestValidationLogLik`) in original units (NaN without validation), and the constant columns.
 */
export interface TrainJobResult extends FitResult {
  /** Columns that were constant in the training data (modelled as centred, not scaled). */
  constantColumns: string[];
  /**
   * Where the model was written: `out` after a successful (or interrupted) run; after a failed run nothing is written
   * over `out`, and with a checkpoint the best epoch that beat the initial model goes to `bestBeforeFailurePath(out)`.
   */
  savedTo: string | null;
}

/** Progress hooks (events in original units). */
export interface TrainJobHooks {
  onStep?: (event: StepEvent) => void;
  onEpoch?: (event: EpochEvent) => void;
  signal?: AbortSignal;
  /**
   * Writes the trained model to a path (a failure to write `out` is retried in os.tmpdir(): `saveWithRescue`).
   * @default saveCliModel with `trainedOn: job.dataPath`
   */
  save?: (path: string, model: CliModel) => void;
}

/**
 * Runs `job` to completion (or until `hooks.signal` aborts, after the current step) and writes the best model; a failed
 * run (`result.failed`) writes nothing over `job.out` (see `TrainJobResult.savedTo`).
 *
 * @example
 * import { Rng, twoMoons } from 'maflow';
 * import { runTrainJob, type TrainJob } from './train-job.ts';
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const job: TrainJob = { spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 2, hiddenUnits: [8] }, x: data,
 *   columns: ['x1', 'x2'], contextColumns: [], standardize: true, validationFraction: 0.1, epochs: 3, batchSize: 50,
 *   learningRate: 1e-3, weightDecay: 0, patience: 30, seed: 0, out: 'model.safetensors', dataPath: 'moons.csv' };
 * const result = runTrainJob(job, { onEpoch: (e) => console.log(e.epoch, e.validationLogLik) });   // and writes model.safetensors
 * console.log(result.stoppedBy); // → epochs
 */
export function runTrainJob(job: TrainJob, hooks: TrainJobHooks = {}): TrainJobResult {
  const layers = flowFromOptions(job.spec);
  // A bounded flow standardizes the unbounded values (after its Bounds).
  const data = job.standardize ? keepAngles(fitDataStandardize(layers, job.x), job.spec.circular) : undefined;
  const context = job.standardize && job.context !== undefined ? Standardize.fit(job.context) : undefined;
  const flow = data === undefined ? layers : withStandardization(layers, { data, ...(context === undefined ? {} : { context }) });
  // A checkpoint that cannot be written (a full disk) stops training after its epoch; the model is still saved.
  const stop = new AbortController();
  if (hooks.signal?.aborted === true) stop.abort();
  hooks.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let checkpointError: unknown;
  const checkpointer = job.checkpoint === undefined ? undefined : fileCheckpointer(job.checkpoint.path);
  const saveCheckpoint = (state: TrainingState): void => {
    try {
      checkpointer?.save(state);
    } catch (error) {
      checkpointError = error;
      stop.abort();
    }
  };
  const options: FitOptions = {
    epochs: job.epochs,
    batchSize: job.batchSize,
    learningRate: job.learningRate,
    weightDecay: job.weightDecay,
    patience: job.patience,
    ...(job.schedule === undefined ? {} : { schedule: job.schedule }),
    ...(job.clipGradNorm === undefined ? {} : { clipGradNorm: job.clipGradNorm }),
    ...(job.emaDecay === undefined ? {} : { emaDecay: job.emaDecay }),
    ...(job.maxSeconds === undefined ? {} : { maxSeconds: job.maxSeconds }),
    rng: new Rng(job.seed),
    ...(job.context === undefined ? {} : { context: job.context }),
    ...(job.validation === undefined
      ? { validationFraction: job.validationFraction }
      : {
        validationData: job.validation.x,
        ...(job.validation.context === undefined ? {} : { validationContext: job.validation.context }),
      }),
    ...(hooks.onStep === undefined ? {} : { onStep: hooks.onStep }),
    ...(hooks.onEpoch === undefined ? {} : { onEpoch: hooks.onEpoch }),
    signal: stop.signal,
    ...(job.checkpoint === undefined ? {} : { checkpoint: { every: job.checkpoint.every, save: saveCheckpoint } }),
    ...(job.resume === undefined ? {} : { resume: fileCheckpointer(job.resume).load() }),
  };
  const result = fitResumable(job, () => fit(flow, job.x, options));
  const model: CliModel = { flow, columns: job.columns, contextColumns: job.contextColumns };
  const savedTo = !result.failed ? job.out : job.checkpoint !== undefined && result.bestEpoch > 0 ? bestBeforeFailurePath(job.out) : null;
  const save = hooks.save ?? ((path: string, trained: CliModel) => saveCliModel(path, trained, {
    trainedOn: job.dataPath, trainingLogProb: trainingLogProb(trained, job),
  }));
  if (savedTo !== null) saveWithRescue(savedTo, (path) => save(path, model));
  if (checkpointError !== undefined) throw checkpointFailure(checkpointError, result, savedTo);
  return {
    history: result.history,
    bestEpoch: result.bestEpoch,
    bestValidationLogLik: result.bestValidationLogLik,
    initialValidationLogLik: result.initialValidationLogLik,
    stoppedBy: result.stoppedBy,
    failed: result.failed,
    ...(result.message === undefined ? {} : { message: result.message }),
    // fit names the row of its own shuffled split: name the value by its row in the user's data.
    ...(result.nonFiniteInput === undefined ? {} : { nonFiniteInput: nonFiniteInJob(job) ?? result.nonFiniteInput }),
    steps: result.steps,
    seconds: result.seconds,
    constantColumns: (data?.constantColumns ?? []).map((c) => job.columns[c]),
    savedTo,
  };
}

/** The checkpoint's write error (code and file kept), saying where training stopped and what was saved. */
function checkpointFailure(error: unknown, result: FitResult, savedTo: string | null): unknown {
  const system = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof system.code !== 'string') return error;
  const epochs = result.history.length === 0 ? 0 : result.history[result.history.length - 1].epoch;
  return annotateSystemError(system, `; training stopped after epoch ${epochs}, ` + (savedTo === null
    ? `and no model was written (the run had failed: ${result.stoppedBy})`
    : `and the best model so far (epoch ${result.bestEpoch}) was written to ${savedTo}`));
}

function nonFiniteInJob(job: TrainJob): NonFiniteInput | undefined {
  return findNonFinite([['data', job.x], ['context', job.context], ['validationData', job.validation?.x],
    ['validationContext', job.validation?.context]]);
}

/** A checkpoint from a run with other options does not fit this flow: that is the user's mistake, not a crash. */
function fitResumable<T>(job: TrainJob, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (job.resume !== undefined && error instanceof Error && error.message.startsWith('fit (resume)')) {
      throw new UsageError(`--resume ${job.resume}: the checkpoint does not match this flow (${error.message}); ` +
        'resume with the same data and options as the run that wrote it');
    }
    throw error;
  }
}

/** What the trained model gives its own training rows (for `maflow eval`'s tail warning). */
function trainingLogProb(model: CliModel, job: TrainJob): TrainingLogProb {
  const { worst, median, rows } = summarizeLogLikelihood(logDensities(model, job.x, job.context), job.x.cols);
  return { min: worst, median, rows };
}

/** `standardize` with the angle columns (`--circular`) left as they are: a shift or scale would break their period. */
function keepAngles(standardize: Standardize, circular: readonly boolean[] | undefined): Standardize {
  if (circular === undefined) return standardize;
  return new Standardize({
    mean: standardize.mean.map((m, d) => (circular[d] ? 0 : m)),
    std: standardize.std.map((s, d) => (circular[d] ? 1 : s)),
    constantColumns: standardize.constantColumns.filter((d) => !circular[d]),
    dtype: standardize.dtype,
  });
}
