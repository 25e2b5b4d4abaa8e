/**
 * What `maflow train --json` prints and `--summary FILE` writes: one object in the convention of `json-summary.ts`,
 * built from the job and its result, and the one-line stop reason that the text output shows too.
 */
import type { FitStopReason } from '../train/fit.ts';
import type { FlowKind } from './flow-from-options.ts';
import type { RunInfo } from './json-summary.ts';
import { formatDuration } from './progress-reporter.ts';
import type { TrainJob, TrainJobResult } from './train-job.ts';

/** One epoch of the summary's `history` (nats per row, original units). */
export interface TrainSummaryEpoch {
  epoch: number;
  /** Mean log-likelihood of the epoch's training minibatches (minus the training loss), as they were trained. */
  trainingLogLikelihood: number;
  validationLogLikelihood: number;
}

/** The summary of a `maflow train` run (see `json-summary.ts` for the conventions). */
export interface TrainSummary extends RunInfo {
  command: 'train';
  /** The model file written, `null` when a failed run wrote none (see `failed`). */
  model: string | null;
  /** The training data file. */
  data: string;
  /** The `--validation-data` file, `null` when the validation rows were held out of `data`. */
  validationData: string | null;
  flow: FlowKind;
  /** Rows of `data`, data columns and context columns. */
  rows: number;
  dimensions: number;
  contextDimensions: number;
  trainingRows: number;
  validationRows: number;
  /** Epochs completed (counting those before a `--resume`). */
  epochs: number;
  /** The `--epochs` limit. */
  maxEpochs: number;
  /** The epoch whose parameters the model holds (0: the initial parameters). */
  bestEpoch: number;
  stoppedBy: FitStopReason;
  /** The stop reason as the text output words it (`no improvement for 30 epochs`). */
  stopReason: string;
  /** Whether training failed (diverged, exploded, never improved): then the command exits with status 3. */
  failed: boolean;
  /** Mean validation log-likelihood of the best epoch, nats. */
  validationLogLikelihood: number;
  /** The best epoch's `trainingLogLikelihood` (see `history`; `null` for epoch 0). */
  trainingLogLikelihood: number;
  /** Mean validation log-likelihood of the initial parameters, nats. */
  initialValidationLogLikelihood: number;
  /** The `--max-time` budget, seconds (`null`: none). */
  maxTimeSeconds: number | null;
  /** Wall time of the training itself (`fit`), seconds; `wallSeconds` adds reading the data and writing the model. */
  trainingSeconds: number;
  history: TrainSummaryEpoch[];
}

/** How many rows train and how many validate: all of `data` with `--validation-data`, else `round(fraction · n)` held out. */
export function splitSizes(job: TrainJob): { trainingRows: number; validationRows: number } {
  if (job.validation !== undefined) return { trainingRows: job.x.rows, validationRows: job.validation.x.rows };
  const held = Math.max(1, Math.round(job.validationFraction * job.x.rows));
  return { trainingRows: job.x.rows - held, validationRows: held };
}

/**
 * Why the run stopped, in the words of the text output.
 *
 * @example
 * import { stopReasonText } from './train-summary.ts';
 * console.log(stopReasonText({ patience: 30, maxSeconds: 600 }, { stoppedBy: 'time', failed: false })); // → time budget spent (--max-time 10:00)
 */
export function stopReasonText(job: Pick<TrainJob, 'patience' | 'maxSeconds'>,
  { stoppedBy, failed }: { stoppedBy: FitStopReason; failed: boolean }): string {
  if (failed) return `training failed (${stoppedBy})`;
  switch (stoppedBy) {
    case 'epochs': return 'reached --epochs';
    case 'patience': return `no improvement for ${job.patience} epochs`;
    case 'time': return `time budget spent (--max-time ${formatDuration(job.maxSeconds ?? NaN)})`;
    case 'abort': return 'interrupted';
    case 'exploded': return 'the validation log-likelihood exploded; the best epoch before it is kept';
    case 'divergence': case 'no-improvement': return `training failed (${stoppedBy})`;
  }
}

/** The summary of `job`'s run. */
export function trainSummary(job: TrainJob, result: TrainJobResult, info: RunInfo, validationData: string | undefined): TrainSummary {
  const history = result.history.map((h) => ({
    epoch: h.epoch, trainingLogLikelihood: -h.trainLoss, validationLogLikelihood: h.validationLogLik,
  }));
  const best = history.find((h) => h.epoch === result.bestEpoch);
  return {
    ...info, command: 'train', model: result.savedTo, data: job.dataPath, validationData: validationData ?? null,
    flow: job.spec.kind, rows: job.x.rows, dimensions: job.x.cols, contextDimensions: job.context?.cols ?? 0,
    ...splitSizes(job),
    epochs: history.length === 0 ? 0 : history[history.length - 1].epoch, maxEpochs: job.epochs, bestEpoch: result.bestEpoch,
    stoppedBy: result.stoppedBy, stopReason: stopReasonText(job, result), failed: result.failed,
    validationLogLikelihood: result.bestValidationLogLik, trainingLogLikelihood: best?.trainingLogLikelihood ?? NaN,
    initialValidationLogLikelihood: result.initialValidationLogLik, maxTimeSeconds: job.maxSeconds ?? null,
    trainingSeconds: result.seconds, history,
  };
}
