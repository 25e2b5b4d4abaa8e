/**
 * `maflow train <data> --flow temporal-maf --encoder lstm|gru --encoder-units N …`: a temporal MAF trained on
 * sequences (a 3-D .npy, a long-format CSV, or windows of one series) with `fitSequences` on the training worker
 * (Ctrl-C writes the best model so far); the data's standardization and the covariates' are stored inside the model,
 * with the data layout, so that `eval`, `logprob`, `forecast` read their files the same way.
 */
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import { Rng } from '../../core/rng.ts';
import { sequenceLength, type Sequences } from '../../core/sequences.ts';
import { zeros, type Matrix } from '../../core/matrix.ts';
import { Standardize } from '../../bijectors/standardize.ts';
import { createTemporalMaf, ENCODER_KINDS, type EncoderKind } from '../../flows/create-temporal-maf.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { fileCheckpointer } from '../../io/checkpoint-file.ts';
import { readSequences, type SequenceFile, type SequenceLayout } from '../../io/read-sequences.ts';
import { saveSequenceModel } from '../../io/sequence-model-file.ts';
import type { FitResult } from '../../train/fit.ts';
import { fitSequences } from '../../train/fit-sequences.ts';
import type { CliIo } from '../cli-io.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { InterruptedError } from '../interrupted-error.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { parsePositiveInteger } from '../parse-list.ts';
import { createProgressReporter } from '../progress-reporter.ts';
import { runSequenceTrainWorker } from '../run-train-worker.ts';
import type { TrainJobHooks } from '../train-job.ts';
import { trainingCurve } from '../training-curve.ts';
import { TrainingFailedError } from '../training-failed-error.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';
import type { CommonTrainOptions } from '../train-options.ts';
import { addSequenceLayoutOptions, SEQUENCE_LAYOUT_KEY, sequenceLayout, type SequenceLayoutOptions } from './sequence-options.ts';

/** The `train` options a temporal MAF uses. */
export interface SequenceTrainOptions extends SequenceLayoutOptions, CommonTrainOptions {
  encoder: EncoderKind;
  encoderUnits: number;
  truncation?: number;
}

/**
 * What the training worker needs to build, fit and write a temporal MAF: the options and the sequences, read and
 * checked on the main thread (so that a bad file is reported before the worker starts).
 */
export interface SequenceTrainJob {
  dataPath: string;
  options: SequenceTrainOptions;
  /** Whether --hidden was given (a temporal MAF's default widths are [64, 64], not train's 512,512). */
  hiddenGiven: boolean;
  layout: SequenceLayout;
  train: SequenceFile;
  validation?: SequenceFile;
}

/** `fitSequences`'s result, and where the model was written (null after a failed run: nothing is written). */
export interface SequenceTrainResult extends FitResult {
  savedTo: string | null;
}

/**
 * Builds the model of `job`, fits it (until `hooks.signal` aborts, after the current step) and, unless the fit failed,
 * writes it to `--out`. Runs on the training worker.
 */
export function runSequenceTrainJob(job: SequenceTrainJob, hooks: TrainJobHooks = {}): SequenceTrainResult {
  const { options, train, validation, layout } = job;
  const model = createTemporalMaf({
    features: train.data.features, layers: options.layers, hiddenUnits: job.hiddenGiven ? options.hidden : [64, 64],
    activation: options.activation, encoder: options.encoder, encoderUnits: options.encoderUnits,
    contextFeatures: train.contextColumns.length, truncation: options.truncation, rng: new Rng(options.seed),
    ...(options.standardize ? { dataStandardize: Standardize.fit(stepRows(train.data)) } : {}),
    ...(options.standardize && train.context !== undefined ? { contextStandardize: Standardize.fit(train.context) } : {}),
  });
  const checkpointer = options.checkpoint === undefined ? undefined : fileCheckpointer(options.checkpoint);
  const result = fitSequences(model, train.data, {
    ...(train.context === undefined ? {} : { context: train.context }),
    ...(validation === undefined ? { validationFraction: options.validation }
      : { validationData: validation.data, ...(validation.context === undefined ? {} : { validationContext: validation.context }) }),
    epochs: options.epochs, batchSize: Math.min(options.batchSize, train.data.count), learningRate: options.lr,
    weightDecay: options.weightDecay, patience: options.patience, emaDecay: options.emaDecay, rng: new Rng(options.seed + 1),
    ...(options.maxTime === undefined ? {} : { maxSeconds: options.maxTime }),
    ...(checkpointer === undefined ? {} : { checkpoint: { every: options.checkpointEvery, save: checkpointer.save } }),
    ...(options.resume === undefined ? {} : { resume: fileCheckpointer(options.resume).load() }),
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    ...(hooks.onStep === undefined ? {} : { onStep: hooks.onStep }),
    ...(hooks.onEpoch === undefined ? {} : { onEpoch: hooks.onEpoch }),
  });
  if (result.failed) return { ...result, savedTo: null };
  saveSequenceModel(options.out, model, {
    columns: train.columns, contextColumns: train.contextColumns,
    metadata: { trainedOn: job.dataPath, [SEQUENCE_LAYOUT_KEY]: JSON.stringify(layout) },
  });
  return { ...result, savedTo: options.out };
}

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

/** Every real step of `s` as a row `[Σ lengths, features]` (the standardization's statistics). */
function stepRows(s: Sequences): Matrix {
  let rows = 0;
  for (let i = 0; i < s.count; i++) rows += sequenceLength(s, i);
  const out = zeros(rows, s.features, 'float64');
  let r = 0;
  for (let i = 0; i < s.count; i++) {
    const length = sequenceLength(s, i);
    out.data.set(s.data.subarray(i * s.steps * s.features, (i * s.steps + length) * s.features), r * s.features);
    r += length;
  }
  return out;
}

/** The mean real length of the sequences of `s`. */
export function meanLength(s: Sequences): number {
  let total = 0;
  for (let i = 0; i < s.count; i++) total += sequenceLength(s, i);
  return total / s.count;
}

/** Adds the options of `train --flow temporal-maf` to the `train` command. */
export function addSequenceTrainOptions(command: Command): Command {
  addSequenceLayoutOptions(command);
  return command
    .addOption(new Option('--encoder <kind>', 'temporal-maf: the recurrent encoder reading the history').choices([...ENCODER_KINDS]).default('lstm'))
    .option('--encoder-units <n>', 'temporal-maf: width of the encoder\'s state', parsePositiveInteger, 64)
    .option('--truncation <steps>', 'temporal-maf: truncated backpropagation through time (default: full)', parsePositiveInteger);
}

/** The `train` options (commander's names) that a temporal MAF's training reads; any other given is refused. */
export const TEMPORAL_MAF_OPTIONS: readonly string[] = [
  'out', 'flow', 'layers', 'hidden', 'activation', 'encoder', 'encoderUnits', 'truncation', 'columns', 'contextColumns',
  'validation', 'validationData', 'epochs', 'batchSize', 'lr', 'weightDecay', 'patience', 'emaDecay', 'maxTime', 'plotLoss', 'json', 'summary',
  'seed', 'checkpoint', 'checkpointEvery', 'resume', 'standardize', 'backend', 'sequenceColumn', 'timeColumn', 'window', 'stride',
];

/** The `train` options only a temporal MAF reads. */
const SEQUENCE_ONLY_OPTIONS: readonly string[] = ['encoder', 'encoderUnits', 'truncation', 'sequenceColumn', 'timeColumn', 'window', 'stride'];

/** `--encoder-units` for commander's `encoderUnits`. */
function flag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Throws a usage error when an option only a temporal MAF reads was given for another flow. */
export function refuseSequenceOptions(given: readonly string[]): void {
  const wrong = SEQUENCE_ONLY_OPTIONS.find((name) => given.includes(name));
  if (wrong !== undefined) throw new UsageError(`${flag(wrong)} applies to --flow temporal-maf only`);
}

/**
 * `train --flow temporal-maf`: guards the files, selects the backend and trains (see `trainSequenceModel`).
 * `given` lists the options given on the command line (by commander's name).
 */
export async function runSequenceTraining(io: CliIo, dataPath: string, options: SequenceTrainOptions & { backend?: string },
  given: readonly string[], started = performance.now()): Promise<void> {
  const wrong = given.find((name) => !TEMPORAL_MAF_OPTIONS.includes(name));
  if (wrong !== undefined) throw new UsageError(`${flag(wrong)} does not apply to --flow temporal-maf`);
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
