/**
 * What `maflow train` does when it runs (its arguments, options and help: `commands/train.ts`).
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { quote } from '../../core/printable.ts';
import type { CliIo, TextSink } from '../cli-io.ts';
import type { FlowSpec } from '../flow-from-options.ts';
import { appliesTo, checkFlowOptions, type FlowKind } from '../flow-kinds.ts';
import { InterruptedError } from '../interrupted-error.ts';
import { TrainingFailedError } from '../training-failed-error.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { createProgressReporter } from '../progress-reporter.ts';
import { readTrainingData, readValidationData } from '../read-training-data.ts';
import { startTrainWorker } from '../run-train-worker.ts';
import { bestBeforeFailurePath } from '../best-before-failure-path.ts';
import type { TrainJob, TrainJobResult } from '../train-job.ts';
import { splitSizes, stopReasonText, trainSummary } from '../train-summary.ts';
import { trainingCurve } from '../training-curve.ts';
import { UsageError } from '../usage-error.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { DataError } from '../../io/data-error.ts';
import { describeBackend } from '../../kernels/select.ts';
import { useBackend } from '../use-backend.ts';
import { checkAngles, checkInsideBounds, transformSpec, type TransformOptionValues } from '../transform-cli-options.ts';
import type { CommonTrainOptions } from '../train-options.ts';
import type { SequenceTrainOptions } from '../sequences/sequence-train-job.ts';
import { refuseSequenceOptions } from '../sequences/sequence-train-options.ts';

interface TrainOptions extends TransformOptionValues, CommonTrainOptions {
  flow: FlowKind;
  batchNorm?: boolean;
  residual?: boolean;
  order: 'reverse' | 'random' | 'lu';
  components: number;
  backend?: string;
}

/** Runs `maflow train` with its parsed arguments and options. */
export async function trainAction(io: CliIo, dataPath: string, options: TrainOptions, command: Command): Promise<void> {
  const started = performance.now();
  const givenOptions = command.options.map((o) => o.attributeName()).filter((name) => command.getOptionValueSource(name) === 'cli');
  if ((options.flow as string) === 'temporal-maf') {
    // A temporal MAF's training (sequence files, its own worker task) loads only when asked for.
    const { runSequenceTraining } = await import('../sequences/train-sequence-model.ts');
    return runSequenceTraining(io, dataPath, options as unknown as SequenceTrainOptions, givenOptions, started);
  }
  refuseSequenceOptions(givenOptions);
  if (options.flow === 'iaf') {
    throw new UsageError('--flow iaf cannot be trained by maximum likelihood: an IAF evaluates densities with a ' +
      'sequential (non-differentiable) pass. Use --flow maf, or train an IAF by reverse KL with the library\'s fitReverseKl.');
  }
  // --no-batch-norm asks for what every flow without batch norm has, so only --batch-norm is checked.
  const given = (['layers', 'batchNorm', 'residual', 'order', 'components'] as const)
    .filter((name) => command.getOptionValueSource(name) === 'cli' && (name !== 'batchNorm' || options.batchNorm === true));
  checkFlowOptions(options.flow, given);
  guardTrainFiles(dataPath, options);
  const env = useBackend(io, options.backend);
  // The worker starts (modules, backend) while this thread reads the data.
  const worker = startTrainWorker(env, 'table');
  let job: TrainJob;
  try {
    job = await buildJob(io, dataPath, options, givenOptions);
  } catch (error) {
    await worker.cancel();
    throw error;
  }
  const progress = createProgressReporter(io, { epochs: options.epochs, patience: options.patience, stepsPerEpoch: stepsPerEpoch(job) });
  const trap = io.trapInterrupts?.();
  let result: TrainJobResult;
  try {
    result = await worker.run({ kind: 'table', job }, {
      onStep: (e) => progress.onStep(e), onEpoch: (e) => progress.onEpoch(e), ...(trap === undefined ? {} : { signal: trap.signal }),
    }) as TrainJobResult;
  } finally {
    trap?.release();
    progress.stop();
  }
  for (const column of result.constantColumns) {
    io.stderr.write(`maflow: warning: column ${quote(column)} is constant in the training data; its density is degenerate\n`);
  }
  if (options.plotLoss !== undefined) await writeLossPlot(io, job, result, options.plotLoss);
  if (options.json === true || options.summary !== undefined) {
    writeJsonSummary(io, trainSummary(job, result, runInfo('train', started), options.validationData), options);
  }
  report(io, job, result, options.validationData, options.json === true ? io.stderr : io.stdout);
}

/** The loss curves of the run (nothing to draw, and a notice, when no epoch completed). */
async function writeLossPlot(io: CliIo, job: TrainJob, result: TrainJobResult, path: string): Promise<void> {
  if (result.history.length === 0) {
    io.stderr.write(`maflow: --plot-loss ${path}: not written, no epoch completed\n`);
    return;
  }
  const plots = await import('../plots/index.ts');
  const title = `Training curve of ${basename(job.out)} on ${basename(job.dataPath)}`;
  writeFileAtomic(path, trainingCurve(plots, result.history, title).png);
}

/** No output may replace an input or another output; `--checkpoint` may continue the `--resume` file. */
function guardTrainFiles(dataPath: string, options: TrainOptions): void {
  const { validationData, resume, checkpoint } = options;
  guardOutputs({
    inputs: [
      { label: 'training data', path: dataPath },
      ...(validationData === undefined ? [] : [{ label: '--validation-data file', path: validationData }]),
      ...(resume === undefined ? [] : [{ label: '--resume checkpoint', path: resume, replacedBy: '--checkpoint' }]),
    ],
    outputs: [
      { option: '--out', path: options.out, kind: 'model' },
      ...(options.plotLoss === undefined ? [] : [{ option: '--plot-loss', path: options.plotLoss }]),
      ...(options.summary === undefined ? [] : [{ option: '--summary', path: options.summary }]),
      ...(checkpoint === undefined ? [] : [
        { option: '--checkpoint', path: checkpoint },
        { option: '--out', label: 'the best-before-failure model of --out', path: bestBeforeFailurePath(options.out), kind: 'model' as const },
      ]),
    ],
  });
}

async function buildJob(io: CliIo, dataPath: string, options: TrainOptions, given: readonly string[] = []): Promise<TrainJob> {
  const data = await readTrainingData(dataPath, { columns: options.columns, contextColumns: options.contextColumns }, io);
  const minimum = options.validationData === undefined ? 2 : 1;
  if (data.x.rows < minimum) throw new UsageError(`${dataPath}: need at least ${minimum} rows to train, got ${data.x.rows}`);
  const validation = options.validationData === undefined ? undefined
    : await readValidationData(options.validationData, { columns: data.columns, contextColumns: data.contextColumns }, io);
  const spec: FlowSpec = {
    kind: options.flow, features: data.x.cols, contextFeatures: data.contextColumns.length, layers: options.layers,
    hiddenUnits: options.hidden, activation: options.activation,
    // Batch norm would rescale --circular's angles: off by default with it.
    batchNorm: options.batchNorm ?? (appliesTo('batchNorm', options.flow) && options.circular === undefined),
    residual: options.residual === true, order: options.order, components: options.components, seed: options.seed,
    ...transformSpec(options.flow, options, given, data.columns),
  };
  checkInsideBounds(data.x, spec.bounds, data.columns, dataPath);
  checkAngles(data.x, spec.circular, data.columns, dataPath);
  if (validation !== undefined && options.validationData !== undefined) checkAngles(validation.x, spec.circular, data.columns, options.validationData);
  if (validation !== undefined && options.validationData !== undefined) checkInsideBounds(validation.x, spec.bounds, data.columns, options.validationData);
  return {
    spec, x: data.x, ...(data.context === undefined ? {} : { context: data.context }),
    columns: data.columns, contextColumns: data.contextColumns,
    ...(validation === undefined ? {} : { validation: { x: validation.x, ...(validation.context === undefined ? {} : { context: validation.context }) } }),
    standardize: options.standardize, validationFraction: options.validation, epochs: options.epochs,
    batchSize: options.batchSize, learningRate: options.lr, weightDecay: options.weightDecay, patience: options.patience,
    ...(options.lrSchedule === 'cosine' ? { schedule: 'cosine' as const } : {}),
    ...(options.clipGradNorm === undefined ? {} : { clipGradNorm: options.clipGradNorm }),
    emaDecay: options.emaDecay,
    ...(options.maxTime === undefined ? {} : { maxSeconds: options.maxTime }),
    seed: options.seed, out: options.out, dataPath,
    ...(options.checkpoint === undefined ? {} : { checkpoint: { path: options.checkpoint, every: options.checkpointEvery } }),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
  };
}

function stepsPerEpoch(job: TrainJob): number {
  return Math.max(1, Math.floor(splitSizes(job).trainingRows / job.batchSize));
}

/** The text summary on `text` (stdout; stderr with --json), or the failure or interruption as an error. */
function report(io: CliIo, job: TrainJob, result: TrainJobResult, validationPath: string | undefined, text: TextSink): void {
  const { stoppedBy } = result;
  if (result.failed) throw failure(job, result, validationPath);
  if (stoppedBy === 'exploded') {
    io.stderr.write(`maflow: warning: ${result.message?.replace(/^fit: /, '') ?? 'the validation log-likelihood exploded'}; ` +
      `training stopped there and the best epoch (${result.bestEpoch}) is the model written\n`);
  }
  if (result.bestEpoch === 0 && result.history.length > 0) {
    io.stderr.write('maflow: warning: no epoch beat the initial (untrained) model on the validation data, so that is the model ' +
      `written (within the noise; try more --epochs or another --lr, now ${job.learningRate})\n`);
  }
  const epochsRun = result.history.length === 0 ? 0 : result.history[result.history.length - 1].epoch;
  const ll = Number.isNaN(result.bestValidationLogLik) ? 'n/a' : `${result.bestValidationLogLik.toFixed(4)} nats`;
  const why = stopReasonText(job, result);
  text.write(`validation log-likelihood: ${ll} (best epoch ${result.bestEpoch} of ${epochsRun}; stopped: ${why})\n` +
    `model written to ${job.out} (${job.spec.kind} trained on ${job.x.rows} rows × ${job.x.cols} columns; ` +
    `backend ${describeBackend()}, ${result.seconds.toFixed(1)} s)\n`);
  if (result.stoppedBy === 'abort') {
    throw new InterruptedError(result.bestEpoch > 0
      ? `interrupted: saved the best model so far (epoch ${result.bestEpoch}) to ${job.out}`
      : `interrupted before the first epoch ended: saved the partly trained model to ${job.out}`);
  }
}

/**
 * The one line a failed run ends with: a `DataError` naming the file and row when a non-finite value in the data
 * caused it, else a `TrainingFailedError` (exit status 3). Either says that `--out` was not written.
 */
function failure(job: TrainJob, result: TrainJobResult, validationPath: string | undefined): Error {
  const kept = `${job.out} was not written${existsSync(job.out) ? ' (the existing file is unchanged)' : ''}`;
  const saved = result.savedTo === null ? '' : `; the best model before the failure (epoch ${result.bestEpoch}, validation ` +
    `log-likelihood ${result.bestValidationLogLik.toFixed(4)} nats) was written to ${result.savedTo}`;
  const bad = result.nonFiniteInput;
  if (bad !== undefined) {
    const validation = bad.input === 'validationData' || bad.input === 'validationContext';
    const names = bad.input === 'context' || bad.input === 'validationContext' ? job.contextColumns : job.columns;
    return new DataError(`row index ${bad.row} (0-based, header not counted), column ${bad.column + 1} ` +
      `(${JSON.stringify(names[bad.column])}) is ${bad.value}: training needs finite values; ${kept}`,
    { file: validation && validationPath !== undefined ? validationPath : job.dataPath });
  }
  return new TrainingFailedError(`training failed (${result.stoppedBy}): ${(result.message ?? '').replace(/^fit: /, '')}; ` +
    `${kept}${saved}; try ${result.stoppedBy === 'no-improvement' ? 'another' : 'a lower'} --lr (now ${job.learningRate})` +
    `${result.stoppedBy === 'no-improvement' ? ', more --epochs or more data' : ''}`);
}
