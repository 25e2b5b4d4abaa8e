import { checkShape, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Distribution } from '../distributions/distribution.ts';
import type { OptimizerName } from './create-optimizer.ts';
import type { EpochEvent, StepEvent } from './progress-event.ts';
import type { GradientStepOptions } from './gradient-step-options.ts';
import { resolveSchedule, type Schedule } from './schedule.ts';
import type { EpochRecord, TrainingState } from './training-state.ts';
import { TrainingRun } from './training-run.ts';
import { splitValidation } from './validation-split.ts';

/** When and where `fit` saves checkpoints. */
export interface FitCheckpoint {
  /** Save after every `every` completed epochs. */
  every: number;
  /** Receives a deep copy of the training state (e.g. `fileCheckpointer(path).save`). */
  save(state: TrainingState): void;
}

/** With `GradientStepOptions` (`optimizer`, `momentum`, `schedule` over all `epochs`, `clipGradNorm`). */
export interface FitOptions extends GradientStepOptions {
  /** Conditioning values aligned with the rows of `data` (conditional flows). */
  context?: Matrix;
  /** Share of `data` held out (seeded by `rng`) when no `validationData` is given; 0 = no validation. @default 0.1 */
  validationFraction?: number;
  /** An explicit validation set (then `data` is used whole for training). */
  validationData?: Matrix;
  /** Context aligned with `validationData`. */
  validationContext?: Matrix;
  /** Maximum number of epochs (in total, counting those before a `resume`). @default 1000 */
  epochs?: number;
  /** Rows per minibatch. @default 100 */
  batchSize?: number;
  /** @default 1e-4 */
  learningRate?: number;
  /** L2 penalty coefficient. @default 1e-6 */
  weightDecay?: number;
  /** Epochs without improvement of the validation log-likelihood before stopping. @default 30 */
  patience?: number;
  /** Seeds the validation split and the shuffles. @default new Rng(0) */
  rng?: Rng;
  onStep?: (event: StepEvent) => void;
  onEpoch?: (event: EpochEvent) => void;
  /** Stops cleanly after the current step (the best parameters are restored). */
  signal?: AbortSignal;
  /**
   * Wall-time budget of this call, seconds: checked after every step, and once spent the run stops like early
   * stopping (`stoppedBy: 'time'`, the best parameters restored). @default Infinity
   */
  maxSeconds?: number;
  /** What a non-finite loss or gradient does (see above). @default 'stop' */
  onDivergence?: 'stop' | 'halve-learning-rate';
  /** Retries of `'halve-learning-rate'` before giving up. @default 3 */
  maxDivergenceRetries?: number;
  /**
   * Nats per row by which an epoch's validation log-likelihood may fall below that of the initial parameters before
   * the run counts as exploded (`stoppedBy: 'exploded'`). @default 100 × features
   */
  explosionMargin?: number;
  /**
   * Nats per row by which the best epoch may fall short of the initial parameters' validation log-likelihood and the
   * run still not count as failed: the noise of a run that barely moves (few steps, or data the initial flow already
   * fits), which then ends as usual with the initial parameters restored (`bestEpoch` 0). @default 0.05 × features
   */
  noImprovementTolerance?: number;
  /**
   * Decay of an exponential moving average of the parameters, updated after every step
   * (`average ← emaDecay · average + (1 − emaDecay) · θ`; Polyak averaging): with a decay > 0, validation scores the
   * average, early stopping keeps the best average and a run without validation ends on the average. Averaging
   * removes the step-to-step noise of the last updates, which on small data decides which epoch early stopping keeps.
   * 0 turns it off. @default 0
   */
  emaDecay?: number;
  checkpoint?: FitCheckpoint;
  /** A state saved by `checkpoint` to continue from (use the same data, options and seed). */
  resume?: TrainingState;
}

/**
 * Why `fit` stopped. Success: `'epochs'` (all epochs ran), `'patience'` (early stopping), `'time'` (the `maxSeconds`
 * budget was spent), `'abort'` (the signal).
 * Failure (`FitResult.failed`, with a `message`):
 * - `'divergence'`: a training loss or gradient norm became non-finite (the data may be the cause:
 *   `nonFiniteInput`), or the initial parameters already had a non-finite validation log-likelihood;
 * - `'exploded'`: an epoch's validation log-likelihood became non-finite or fell more than `explosionMargin` below
 *   the initial parameters' (training stops at once), before any epoch had beaten the initial parameters. After such
 *   an epoch, an explosion ends the run like early stopping instead (`stoppedBy: 'exploded'`, `failed: false`, the
 *   best epoch restored, `message` saying where it exploded);
 * - `'no-improvement'`: no epoch beat the validation log-likelihood of the initial parameters, the best falling more
 *   than `noImprovementTolerance` short of it (the initial parameters are restored).
 */
export type FitStopReason = 'epochs' | 'patience' | 'time' | 'abort' | 'divergence' | 'exploded' | 'no-improvement';

/** The first non-finite number in `fit`'s inputs: the cause of a divergence. Indices are 0-based. */
export interface NonFiniteInput {
  input: 'data' | 'context' | 'validationData' | 'validationContext';
  row: number;
  column: number;
  value: number;
}

/** The result of `fit`: the per-epoch history and the restored best epoch. */
export interface FitResult {
  history: EpochRecord[];
  /**
   * The epoch whose parameters were restored: 0 for the initial parameters (`'no-improvement'`), the last epoch
   * without a validation set.
   */
  bestEpoch: number;
  /** Mean validation log-likelihood at `bestEpoch`, nats (`NaN` without a validation set). */
  bestValidationLogLik: number;
  /** Mean validation log-likelihood of the parameters training started from, nats (`NaN` without a validation set). */
  initialValidationLogLik: number;
  stoppedBy: FitStopReason;
  /** Whether training failed (`'divergence'`, `'no-improvement'`, or `'exploded'` before any epoch beat the initial parameters): never a success. */
  failed: boolean;
  /** Why training failed, in one line (with every failing `stoppedBy`), or where it exploded after a good epoch. */
  message?: string;
  /** The non-finite input value that made the loss non-finite, when the data are the cause. */
  nonFiniteInput?: NonFiniteInput;
  /** Optimiser steps taken in total. */
  steps: number;
  /** Wall time of this call. */
  seconds: number;
}

/** Options with defaults applied and the data split: what `TrainingRun` consumes. */
export interface FitSettings {
  /** `fit`'s `data` as given (before the validation split), to name a bad row. */
  data: Matrix;
  train: Matrix;
  trainContext?: Matrix;
  validation?: Matrix;
  validationContext?: Matrix;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  optimizer: OptimizerName;
  momentum: number;
  schedule: Schedule;
  clipGradNorm: number;
  patience: number;
  /** `Infinity` without a budget. */
  maxSeconds: number;
  rng: Rng;
  onDivergence: 'stop' | 'halve-learning-rate';
  maxDivergenceRetries: number;
  explosionMargin: number;
  noImprovementTolerance: number;
  emaDecay: number;
  options: FitOptions;
}

/**
 * Maximum-likelihood training of a flow (or any distribution with `logProbTrain`), following the MAF paper
 * (Papamakarios et al. 2017, §4): minimise `L(θ) = −(1/n) Σ_i log p_θ(x_i | c_i)` over shuffled minibatches with
 * Adam and an L2 penalty, evaluate the validation log-likelihood after every epoch (batch-norm population
 * statistics set from the training data first), stop early after `patience` epochs without improvement (or once
 * `maxSeconds` of wall time are spent, checked after every step) and restore the best parameters.
 * Shapes: `data [n, D]`, `context [n, C]` (conditional flows), `validationData [m, D]`, `validationContext [m, C]`.
 *
 * A failed run never looks like a success (`failed: true`, a one-line `message`). With a validation set, the
 * validation log-likelihood of the initial parameters is computed first (`initialValidationLogLik`) and competes as
 * "epoch 0": a run in which no epoch beats it (the best falling more than `noImprovementTolerance` short) ends with
 * `stoppedBy: 'no-improvement'` and the initial parameters restored, and an epoch whose score is non-finite or falls
 * more than `explosionMargin` below it ends the run with `'exploded'`.
 *
 * Divergence guard: a non-finite batch loss or gradient norm (`'divergence'`), or an exploded validation score,
 * aborts the epoch and restores the parameters, buffers and optimiser state from the start of that epoch. With
 * `onDivergence: 'stop'` (the default) training ends there (and the best parameters are restored as usual); with
 * `'halve-learning-rate'` the learning rate is halved and the epoch retried, up to `maxDivergenceRetries` times.
 * When a non-finite value in the inputs caused it, training stops at once and `nonFiniteInput` and the message
 * name its row and column.
 *
 * Each epoch takes `⌊n / batchSize⌋` full batches of a fresh permutation (the last partial batch is dropped, so every
 * step has the same shape and reuses the same buffers; over epochs every row is used).
 *
 * @example
 * import { Rng, createMaf, fit, twoMoons } from 'maflow';
 * const { data } = twoMoons(500, { rng: new Rng(2), noise: 0.05 });
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [16], rng: new Rng(0) });
 * const result = fit(flow, data, { epochs: 5, learningRate: 1e-2, rng: new Rng(1) });
 * console.log(result.bestEpoch, result.bestValidationLogLik); // the restored epoch and its mean validation log-likelihood, nats
 * const unstable = createMaf({ features: 2, layers: 2, hiddenUnits: [16], rng: new Rng(0) });
 * const failed = fit(unstable, data, { epochs: 5, learningRate: 10, rng: new Rng(1) });   // far too large a step
 * console.log(failed.failed, failed.stoppedBy, failed.bestEpoch); // → true exploded 0 (the initial parameters are kept)
 */
export function fit(flow: Distribution, data: Matrix, options: FitOptions = {}): FitResult {
  return new TrainingRun(flow, resolveFitOptions(flow, data, options)).run();
}

function resolveFitOptions(flow: Distribution, data: Matrix, options: FitOptions): FitSettings {
  checkShape('fit', 'data', data, flow.features);
  checkContext('context', flow, data, options.context);
  const epochs = options.epochs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const patience = options.patience ?? 30;
  positiveInteger('epochs', epochs);
  positiveInteger('batchSize', batchSize);
  positiveInteger('patience', patience);
  const rng = options.rng ?? new Rng(0);
  const split = splitData(flow, data, options, rng);
  const steps = Math.max(1, Math.floor(split.train.rows / batchSize));
  const settings: FitSettings = {
    data,
    ...split,
    epochs,
    batchSize: Math.min(batchSize, split.train.rows),
    learningRate: options.learningRate ?? 1e-4,
    weightDecay: options.weightDecay ?? 1e-6,
    optimizer: options.optimizer ?? 'adam',
    momentum: options.momentum ?? 0.9,
    schedule: resolveSchedule('fit', options.schedule ?? 'constant', epochs * steps),
    clipGradNorm: options.clipGradNorm ?? Infinity,
    patience,
    maxSeconds: options.maxSeconds ?? Infinity,
    rng,
    onDivergence: options.onDivergence ?? 'stop',
    maxDivergenceRetries: options.maxDivergenceRetries ?? 3,
    explosionMargin: options.explosionMargin ?? 100 * flow.features,
    noImprovementTolerance: options.noImprovementTolerance ?? 0.05 * flow.features,
    emaDecay: options.emaDecay ?? 0,
    options,
  };
  if (!(settings.learningRate > 0)) throw new RangeError(`fit: learningRate must be > 0, got ${settings.learningRate}`);
  if (!(settings.maxSeconds > 0)) throw new RangeError(`fit: maxSeconds must be > 0, got ${settings.maxSeconds}`);
  if (!(settings.clipGradNorm > 0)) throw new RangeError(`fit: clipGradNorm must be > 0, got ${settings.clipGradNorm}`);
  if (!(settings.explosionMargin > 0)) throw new RangeError(`fit: explosionMargin must be > 0, got ${settings.explosionMargin}`);
  if (!(settings.noImprovementTolerance >= 0)) {
    throw new RangeError(`fit: noImprovementTolerance must be >= 0, got ${settings.noImprovementTolerance}`);
  }
  if (!(settings.emaDecay >= 0 && settings.emaDecay < 1)) throw new RangeError(`fit: emaDecay must be in [0, 1), got ${settings.emaDecay}`);
  if (options.checkpoint !== undefined) positiveInteger('checkpoint.every', options.checkpoint.every);
  return settings;
}

function splitData(flow: Distribution, data: Matrix, options: FitOptions, rng: Rng):
  Pick<FitSettings, 'train' | 'trainContext' | 'validation' | 'validationContext'> {
  if (options.validationData !== undefined) {
    checkShape('fit', 'validationData', options.validationData, flow.features);
    checkContext('validationContext', flow, options.validationData, options.validationContext);
    return { train: data, trainContext: options.context, validation: options.validationData, validationContext: options.validationContext };
  }
  const fraction = options.validationFraction ?? 0.1;
  if (fraction === 0) return { train: data, trainContext: options.context };
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fit: validationFraction must be in [0, 1), got ${fraction}`);
  return splitValidation(data, { fraction, context: options.context, rng });
}

function checkContext(name: string, flow: Distribution, data: Matrix, context: Matrix | undefined): void {
  if (flow.contextFeatures === 0) {
    if (context !== undefined) throw new Error(`fit: ${name} given, but the flow takes no context (contextFeatures = 0)`);
    return;
  }
  if (context === undefined) throw new Error(`fit: expected ${name} [${data.rows}, ${flow.contextFeatures}], got none`);
  checkShape('fit', name, context, flow.contextFeatures, data.rows);
}


function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`fit: ${name} must be a positive integer, got ${value}`);
}
