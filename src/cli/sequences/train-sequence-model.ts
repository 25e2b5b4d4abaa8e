/**
 * `maflow train <data> --flow temporal-maf --encoder lstm|gru --encoder-units N …`: a temporal MAF trained on
 * sequences (a 3-D .npy, a long-format CSV, or windows of one series) with `fitSequences` on the training worker
 * (Ctrl-C writes the best model so far; the worker runs `sequence-train-job.ts`); the data's standardization and the
 * covariates' are stored inside the model, with the data layout, so that `eval`, `logprob`, `forecast` read their
 * files the same way. The options are defined in `sequence-train-options.ts`.
 */
import { basename } from 'node:path';
import { sequenceLength, type Sequences } from '../../core/sequences.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { readSequences } from '../../io/read-sequences.ts';
import type { CliIo } from '../cli-io.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { InterruptedError } from '../interrupted-error.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { createProgressReporter } from '../progress-reporter.ts';
import { runSequenceTrainWorker } from '../run-train-worker.ts';
import { trainingCurve } from '../training-curve.ts';
import { TrainingFailedError } from '../training-failed-error.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';
import { sequenceLayout } from './sequence-options.ts';
import { optionFlag, TEMPORAL_MAF_OPTIONS } from './sequence-train-options.ts';
import type { SequenceTrainJob, SequenceTrainOptions, SequenceTrainResult } from './sequence-train-job.ts';

/**
 * Reads the sequences, trains on the worker thread (Ctrl-C stops it after the current step and writes the best model
 * so far) and reports; a failed training throws `TrainingFailedError` and writes nothing over `--out`.
 */
export async function trainSequenceModel(io: CliIo, dataPath: string, options: SequenceTrainOptions, hiddenGiven: boolean,
  env: Readonly<Record<string, string | undefined>>, started = performance.now()): Promise<void> {
  const layout = sequenceLayout(options);
  const read = (path: string) => readSequences(path, { ...layout, columns: options.columns, contextColumns: options.contextColumns });
  const train = read(dataPath);
  const validation = options.validationData === undefined ? undefined : read(options.validationData);
  if (train.data.count < (validation === undefined ? 2 : 1)) {
    throw new UsageError(`${dataPath}: need at least ${validation === undefined ? 2 : 1} sequences to train, got ${train.data.count}`);
  }
  const steps = Math.max(1, Math.floor(train.data.count * (validation === undefined ? 1 - options.validation : 1) / options.batchSize));
  const progress = createProgressReporter(io, { epochs: options.epochs, patience: options.patience, stepsPerEpoch: steps });
  const trap = io.trapInterrupts?.();
  let result: SequenceTrainResult;
  try {
    const job: SequenceTrainJob = { dataPath, options, hiddenGiven, layout, train, ...(validation === undefined ? {} : { validation }) };
    result = await runSequenceTrainWorker(job, {
      onStep: (e) => progress.onStep(e), onEpoch: (e) => progress.onEpoch(e), ...(trap === undefined ? {} : { signal: trap.signal }),
    }, env);
  } finally {
    trap?.release();
    progress.stop();
  }
  if (options.plotLoss !== undefined && result.history.length > 0) {
    const plots = await import('../plots/index.ts');
    writeFileAtomic(options.plotLoss, trainingCurve(plots, result.history, `Training curve of ${basename(options.out)} on ${basename(dataPath)}`).png);
  }
  const summary = {
    ...runInfo('train', started), model: options.out, data: dataPath, flow: 'temporal-maf', encoder: options.encoder, encoderUnits: options.encoderUnits,
    sequences: train.data.count, steps: train.data.steps, features: train.data.features, epochs: result.history.length,
    bestEpoch: result.bestEpoch, validationLogLikelihood: result.bestValidationLogLik,
    validationLogLikelihoodPerStep: result.bestValidationLogLik / meanLength(validation?.data ?? train.data),
    stoppedBy: result.stoppedBy, failed: result.failed, seconds: result.seconds,
  };
  if (result.failed) {
    writeJsonSummary(io, summary, options);
    throw new TrainingFailedError(`training failed (${result.stoppedBy}): ${result.message ?? ''}; ${options.out} was not written`);
  }
  writeJsonSummary(io, summary, options);
  if (options.json === true) return;
  io.stdout.write(`trained a temporal MAF (${options.encoder}, ${options.encoderUnits} units) on ${summary.sequences} sequences of up to ` +
    `${summary.steps} steps × ${summary.features} features: best epoch ${summary.bestEpoch} of ${summary.epochs} (${result.stoppedBy}), ` +
    `validation log-likelihood ${summary.validationLogLikelihood.toFixed(4)} nats per sequence ` +
    `(${summary.validationLogLikelihoodPerStep.toFixed(4)} per step); wrote ${options.out}\n`);
  if (result.stoppedBy === 'abort') {
    throw new InterruptedError(result.bestEpoch > 0
      ? `interrupted: saved the best model so far (epoch ${result.bestEpoch}) to ${options.out}`
      : `interrupted before the first epoch ended: saved the partly trained model to ${options.out}`);
  }
}

/** The mean real length of the sequences of `s`. */
export function meanLength(s: Sequences): number {
  let total = 0;
  for (let i = 0; i < s.count; i++) total += sequenceLength(s, i);
  return total / s.count;
}

/**
 * `train --flow temporal-maf`: guards the files, selects the backend and trains (see `trainSequenceModel`).
 * `given` lists the options given on the command line (by commander's name).
 */
export async function runSequenceTraining(io: CliIo, dataPath: string, options: SequenceTrainOptions & { backend?: string },
  given: readonly string[], started = performance.now()): Promise<void> {
  const wrong = given.find((name) => !TEMPORAL_MAF_OPTIONS.includes(name));
  if (wrong !== undefined) throw new UsageError(`${optionFlag(wrong)} does not apply to --flow temporal-maf`);
  guardOutputs({
    inputs: [{ label: 'training data', path: dataPath },
      ...(options.validationData === undefined ? [] : [{ label: '--validation-data file', path: options.validationData }]),
      ...(options.resume === undefined ? [] : [{ label: '--resume checkpoint', path: options.resume, replacedBy: '--checkpoint' }])],
    outputs: [{ option: '--out', path: options.out, kind: 'model' },
      ...(options.checkpoint === undefined ? [] : [{ option: '--checkpoint', path: options.checkpoint }]),
      ...(options.plotLoss === undefined ? [] : [{ option: '--plot-loss', path: options.plotLoss }]),
      ...(options.summary === undefined ? [] : [{ option: '--summary', path: options.summary }])],
  });
  const env = useBackend(io, options.backend);
  await trainSequenceModel(io, dataPath, options, given.includes('hidden'), env, started);
}
