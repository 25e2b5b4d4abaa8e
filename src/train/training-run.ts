import { checkShape, zeros, type FloatArray, type Matrix } from '../core/matrix.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { zeroGrad, type NamedParameters } from '../nn/parameter.ts';
import { clippedStep } from './clip-grad-norm.ts';
import { createOptimizer } from './create-optimizer.ts';
import { findNonFinite } from './find-non-finite.ts';
import type { FitResult, FitSettings, FitStopReason, NonFiniteInput } from './fit.ts';
import { flowBuffers, setPopulationStatistics } from './flow-buffers.ts';
import { meanLogProb } from './mean-log-prob.ts';
import type { Optimizer, OptimizerState } from './optimizer.ts';
import { ParameterList } from './parameter-list.ts';
import { remainingTime, type RemainingTime } from './remaining-time.ts';
import { restoreTensors, snapshotTensors, type NamedTensors } from './tensor-snapshot.ts';
import { WeightAverage, type WeightAverageState } from './weight-average.ts';
import type { BestState, EpochRecord, TrainingState } from './training-state.ts';

/** Why an epoch (or the initial evaluation) failed: a non-finite loss or gradient, or an exploded validation score. */
interface Failure {
  kind: 'divergence' | 'exploded';
  message: string;
  nonFiniteInput?: NonFiniteInput;
}

type EpochOutcome = { kind: 'done'; trainLoss: number } | { kind: 'abort' } | { kind: 'time' } | Failure;

/** A completed epoch with its scores. */
interface ScoredEpoch {
  kind: 'scored';
  trainLoss: number;
  validationLogLik: number;
}

interface Snapshot {
  parameters: Record<string, FloatArray>;
  buffers: Record<string, FloatArray>;
  optimizer: OptimizerState;
  average: WeightAverageState | null;
}

/**
 * One call of `fit`: the epoch loop with its reusable minibatch buffers, validation, early stopping, the divergence
 * guard, progress events and checkpoints. Kept apart from `fit.ts`, which resolves the options.
 */
export class TrainingRun {
  private readonly parameters: NamedParameters;
  /** The parameters as the multi-tensor kernels take them (the gradient norm and clipping). */
  private readonly parameterList: ParameterList;
  private readonly buffers: NamedTensors;
  private readonly optimizer: Optimizer;
  private readonly stepsPerEpoch: number;
  private readonly batch: Matrix;
  private readonly batchContext: Matrix | undefined;
  private readonly dLogProb: Float64Array;
  private epoch = 0;
  private step = 0;
  private best: BestState | null = null;
  private patienceCounter = 0;
  private learningRateScale = 1;
  private initialValidationLogLik = NaN;
  private history: EpochRecord[] = [];
  private readonly started = performance.now();
  private stepsThisCall = 0;
  /** The moving average of the parameters (`emaDecay` > 0): what validation scores and early stopping keeps. */
  private readonly average: WeightAverage | null;

  constructor(private readonly flow: Distribution, private readonly s: FitSettings) {
    this.parameters = flow.namedParameters();
    if (this.parameters.length === 0) throw new Error('fit: the flow has no trainable parameters');
    this.parameterList = new ParameterList(this.parameters.map(([, p]) => p));
    this.buffers = flowBuffers(flow);
    this.optimizer = createOptimizer(s.optimizer, this.parameters, { learningRate: s.learningRate, weightDecay: s.weightDecay, momentum: s.momentum });
    this.stepsPerEpoch = Math.max(1, Math.floor(s.train.rows / s.batchSize));
    this.batch = zeros(s.batchSize, flow.features, flow.dtype);
    this.batchContext = s.trainContext === undefined ? undefined : zeros(s.batchSize, flow.contextFeatures, flow.dtype);
    this.dLogProb = new Float64Array(s.batchSize).fill(-1 / s.batchSize);
    this.average = s.emaDecay > 0 ? new WeightAverage(this.parameters, s.emaDecay) : null;
  }

  run(): FitResult {
    if (this.s.options.resume !== undefined) {
      this.restore(this.s.options.resume);
    } else {
      const failure = this.scoreInitialParameters();
      if (failure !== undefined) return this.finish('divergence', failure);
    }
    let stoppedBy: FitStopReason = 'epochs';
    let failure: Failure | undefined;
    let retries = 0;
    while (this.epoch < this.s.epochs) {
      const good = this.snapshot();
      const outcome = this.trainEpoch();
      if (outcome.kind === 'abort' || outcome.kind === 'time') {
        stoppedBy = outcome.kind;
        break;
      }
      this.average?.useAverage();
      const scored = outcome.kind === 'done' ? this.scoreEpoch(outcome.trainLoss) : outcome;
      if (scored.kind !== 'scored') {
        this.average?.useLive();
        this.restoreSnapshot(good);
        const retry = scored.nonFiniteInput === undefined && this.s.onDivergence === 'halve-learning-rate';
        if (retry && retries < this.s.maxDivergenceRetries) {
          retries++;
          this.learningRateScale *= 0.5;
          continue;
        }
        stoppedBy = scored.kind;
        failure = scored;
        break;
      }
      this.epoch++;
      this.endEpoch(scored.trainLoss, scored.validationLogLik);
      this.average?.useLive();
      const { checkpoint } = this.s.options;
      if (checkpoint !== undefined && this.epoch % checkpoint.every === 0) checkpoint.save(this.state());
      if (this.best !== null && this.patienceCounter >= this.s.patience) {
        stoppedBy = 'patience';
        break;
      }
      if (this.s.options.signal?.aborted === true) {
        stoppedBy = 'abort';
        break;
      }
      if (this.epoch < this.s.epochs && this.secondsElapsed() >= this.s.maxSeconds) {
        stoppedBy = 'time';
        break;
      }
    }
    return this.finish(stoppedBy, failure);
  }

  /**
   * Evaluates the starting parameters and makes them the champion to beat ("epoch 0"); a non-finite score ends the
   * run before any step.
   */
  private scoreInitialParameters(): Failure | undefined {
    if (this.s.validation === undefined) return undefined;
    const score = this.evaluate();
    this.initialValidationLogLik = score;
    if (!Number.isFinite(score)) {
      return this.failure('divergence', `fit: the validation log-likelihood of the initial parameters is ${score}`);
    }
    this.best = { epoch: 0, validationLogLik: score, ...this.championTensors() };
    return undefined;
  }

  /** The validation score after an epoch, or the failure it shows (non-finite, or far below the initial score). */
  private scoreEpoch(trainLoss: number): ScoredEpoch | Failure {
    const score = this.evaluate();
    if (this.s.validation === undefined) return { kind: 'scored', trainLoss, validationLogLik: score };
    const epoch = this.epoch + 1;
    if (!Number.isFinite(score)) return this.failure('exploded', `fit: the validation log-likelihood became ${score} at epoch ${epoch}`);
    const initial = this.initialValidationLogLik;
    if (score < initial - this.s.explosionMargin) {
      return this.failure('exploded', `fit: the validation log-likelihood fell ${short(initial - score)} nats below the ` +
        `initial parameters' at epoch ${epoch} (more than the explosion margin of ${short(this.s.explosionMargin)})`);
    }
    return { kind: 'scored', trainLoss, validationLogLik: score };
  }

  /** A failure; when a non-finite input explains it, a divergence that names the row (retrying cannot help). */
  private failure(kind: Failure['kind'], message: string): Failure {
    const { s } = this;
    const bad = findNonFinite([['data', s.data], ['context', s.options.context], ['validationData', s.options.validationData],
      ['validationContext', s.options.validationContext]]);
    if (bad === undefined) return { kind, message };
    return {
      kind: 'divergence', nonFiniteInput: bad,
      message: `fit: ${bad.input} row ${bad.row}, column ${bad.column} (0-based) is ${bad.value}, expected finite values ` +
        `(${message.replace(/^fit: /, '')})`,
    };
  }

  /** One pass over a fresh permutation of the training rows. */
  private trainEpoch(): EpochOutcome {
    const { flow, s } = this;
    flow.train(true);
    const order = s.rng.permutation(s.train.rows);
    let lossSum = 0;
    for (let b = 0; b < this.stepsPerEpoch; b++) {
      this.gather(order, b * s.batchSize);
      zeroGrad(flow);
      const pass = flow.logProbTrain(this.batch, this.batchContext === undefined ? {} : { context: this.batchContext });
      let sum = 0;
      for (let r = 0; r < pass.logProb.length; r++) sum += pass.logProb[r];
      const loss = -sum / pass.logProb.length;
      const where = `epoch ${this.epoch + 1}, step ${this.step + 1}`;
      if (!Number.isFinite(loss)) return this.failure('divergence', `fit: the training loss became ${loss} at ${where}`);
      pass.backward(this.dLogProb);
      const learningRate = s.learningRate * this.learningRateScale * s.schedule(this.step);
      this.optimizer.learningRate = learningRate;
      // Norm, clipping, update and moving average in one or two passes; a failure restores the epoch's snapshot.
      const { average } = this;
      const norm = clippedStep(this.optimizer, this.parameterList, s.clipGradNorm, average === null ? undefined : () => average.stepTarget());
      if (!Number.isFinite(norm)) return this.failure('divergence', `fit: the gradient norm became ${norm} at ${where}`);
      this.step++;
      this.stepsThisCall++;
      lossSum += loss;
      const remaining = this.remaining(b + 1);
      s.options.onStep?.({
        epoch: this.epoch + 1, step: this.step, loss, gradNorm: norm, learningRate,
        rowsPerSecond: this.rowsPerSecond(), etaSeconds: remaining.latestSeconds, remaining,
      });
      if (s.options.signal?.aborted === true) return { kind: 'abort' };
      if (this.secondsElapsed() >= s.maxSeconds) return { kind: 'time' };
    }
    return { kind: 'done', trainLoss: lossSum / this.stepsPerEpoch };
  }

  /** Copies the rows `order[start … start + batchSize)` into the reusable batch buffers (converting the dtype). */
  private gather(order: Int32Array, start: number): void {
    const { train, trainContext, batchSize } = this.s;
    copyRows(train, order, start, batchSize, this.batch);
    if (trainContext !== undefined && this.batchContext !== undefined) copyRows(trainContext, order, start, batchSize, this.batchContext);
  }

  private endEpoch(trainLoss: number, validationLogLik: number): void {
    this.history.push({ epoch: this.epoch, trainLoss, validationLogLik });
    if (this.s.validation !== undefined) {
      if (this.best === null || validationLogLik > this.best.validationLogLik) {
        this.best = { epoch: this.epoch, validationLogLik, ...this.championTensors() };
        this.patienceCounter = 0;
      } else {
        this.patienceCounter++;
      }
    }
    const seconds = this.secondsElapsed();
    const remaining = this.remaining(0);
    this.s.options.onEpoch?.({
      epoch: this.epoch, step: this.step, trainLoss, validationLogLik,
      bestEpoch: this.best?.epoch ?? this.epoch, bestValidationLogLik: this.best?.validationLogLik ?? NaN,
      patienceCounter: this.patienceCounter, rowsPerSecond: this.rowsPerSecond(),
      etaSeconds: remaining.latestSeconds, remaining, seconds,
    });
  }

  /** Mean validation log-likelihood in evaluation mode, after setting batch-norm statistics from the training data. */
  private evaluate(): number {
    const { flow, s } = this;
    flow.train(false);
    if (this.buffers.length > 0) setPopulationStatistics(flow, s.train, s.trainContext);
    if (s.validation === undefined) return NaN;
    // fit names bad input values itself (a non-finite score is diagnosed, not thrown), so no value check here.
    return meanLogProb(flow, s.validation, s.validationContext === undefined
      ? { validateArgs: false } : { context: s.validationContext, validateArgs: false });
  }

  private finish(stoppedBy: FitStopReason, failure: Failure | undefined): FitResult {
    this.flow.train(false);
    let message = failure?.message;
    if ((stoppedBy === 'epochs' || stoppedBy === 'patience') && this.best?.epoch === 0 && this.history.length > 0
      && this.shortfall() > this.s.noImprovementTolerance) {
      stoppedBy = 'no-improvement';
      message = this.noImprovementMessage();
    }
    // An abort or a spent budget before the first epoch ends keeps the partly trained parameters: none of them has
    // been scored yet.
    const early = (stoppedBy === 'abort' || stoppedBy === 'time') && this.history.length === 0;
    const champion = early ? null : this.best;
    if (champion !== null) {
      restoreTensors('fit', this.parameters.map(([n, p]) => [n, p.value]), champion.parameters);
      restoreTensors('fit', this.buffers, champion.buffers);
    } else {
      // Without a champion (no validation set, or stopped before one was scored) the run ends on its moving average.
      this.average?.useAverage();
      if (this.buffers.length > 0) setPopulationStatistics(this.flow, this.s.train, this.s.trainContext);
    }
    const last = this.history[this.history.length - 1];
    // An explosion after an epoch that beat the initial parameters ends the run like early stopping: that epoch is a
    // model (a few validation rows far in the tail can drop the mean by thousands of nats in one epoch).
    const failed = stoppedBy === 'divergence' || stoppedBy === 'no-improvement'
      || (stoppedBy === 'exploded' && (champion === null || champion.epoch === 0));
    return {
      history: this.history,
      bestEpoch: champion?.epoch ?? last?.epoch ?? 0,
      bestValidationLogLik: champion?.validationLogLik ?? NaN,
      initialValidationLogLik: this.initialValidationLogLik,
      stoppedBy,
      failed,
      ...(message === undefined ? {} : { message }),
      ...(failure?.nonFiniteInput === undefined ? {} : { nonFiniteInput: failure.nonFiniteInput }),
      steps: this.step,
      seconds: this.secondsElapsed(),
    };
  }

  /** How far the best epoch falls short of the initial validation score (nats per row). */
  private shortfall(): number {
    return this.initialValidationLogLik - Math.max(...this.history.map((h) => h.validationLogLik));
  }

  private noImprovementMessage(): string {
    const scores = this.history.map((h) => h.validationLogLik);
    const bestScore = Math.max(...scores);
    return 'fit: no epoch improved on the validation log-likelihood of the initial parameters (the best, epoch ' +
      `${this.history[scores.indexOf(bestScore)].epoch}, fell ${short(this.shortfall())} nats short), so they are restored`;
  }

  /** Copies of the parameters and buffers, for `best`. */
  private championTensors(): Pick<BestState, 'parameters' | 'buffers'> {
    return { parameters: snapshotTensors(this.parameters.map(([n, p]) => [n, p.value])), buffers: snapshotTensors(this.buffers) };
  }

  private snapshot(): Snapshot {
    return {
      parameters: snapshotTensors(this.parameters.map(([n, p]) => [n, p.value])),
      buffers: snapshotTensors(this.buffers),
      optimizer: this.optimizer.state(),
      average: this.average?.state() ?? null,
    };
  }

  private restoreSnapshot(snapshot: Snapshot): void {
    restoreTensors('fit', this.parameters.map(([n, p]) => [n, p.value]), snapshot.parameters);
    restoreTensors('fit', this.buffers, snapshot.buffers);
    this.optimizer.setState(snapshot.optimizer);
    if (snapshot.average !== null) this.average?.restore('fit', snapshot.average);
  }

  /** A deep copy of everything needed to resume after the current epoch. */
  private state(): TrainingState {
    const { parameters, buffers, optimizer, average } = this.snapshot();
    const best = this.best === null ? null : {
      ...this.best, parameters: { ...this.best.parameters }, buffers: { ...this.best.buffers },
    };
    return {
      epoch: this.epoch, step: this.step, parameters, buffers, optimizer, rng: this.s.rng.state(), best,
      patienceCounter: this.patienceCounter, learningRateScale: this.learningRateScale,
      initialValidationLogLik: this.initialValidationLogLik, history: this.history.map((h) => ({ ...h })),
      ...(average === null ? {} : { average }),
    };
  }

  private restore(state: TrainingState): void {
    restoreTensors('fit (resume)', this.parameters.map(([n, p]) => [n, p.value]), state.parameters);
    restoreTensors('fit (resume)', this.buffers, state.buffers);
    this.optimizer.setState(state.optimizer);
    // A checkpoint of a run without the average (or from before it was kept) starts one afresh.
    this.average?.restore('fit (resume)', state.average);
    this.s.rng.setState(state.rng);
    this.epoch = state.epoch;
    this.step = state.step;
    this.best = state.best === null ? null : { ...state.best, parameters: { ...state.best.parameters }, buffers: { ...state.best.buffers } };
    this.patienceCounter = state.patienceCounter;
    this.learningRateScale = state.learningRateScale;
    this.initialValidationLogLik = state.initialValidationLogLik;
    this.history = state.history.map((h) => ({ ...h }));
  }

  private rowsPerSecond(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? (this.stepsThisCall * this.s.batchSize) / seconds : 0;
  }

  private secondsElapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** When the run will end, `stepInEpoch` steps into the epoch after the completed ones. */
  private remaining(stepInEpoch: number): RemainingTime {
    const seconds = this.secondsElapsed();
    return remainingTime({
      epoch: this.epoch, stepInEpoch, stepsPerEpoch: this.stepsPerEpoch, epochs: this.s.epochs,
      patience: this.s.validation === undefined ? Infinity : this.s.patience, epochsSinceBest: this.patienceCounter,
      secondsPerStep: this.stepsThisCall === 0 ? NaN : seconds / this.stepsThisCall, budgetSeconds: this.s.maxSeconds - seconds,
    });
  }
}

/** A score for a one-line message: 6 significant digits. */
function short(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** `out[i, :] = m[order[start + i], :]` for `i < rows`. */
function copyRows(m: Matrix, order: Int32Array, start: number, rows: number, out: Matrix): void {
  checkShape('fit', 'batch', out, m.cols, rows);
  const c = m.cols;
  for (let i = 0; i < rows; i++) {
    const r = order[start + i];
    out.data.set(m.data.subarray(r * c, (r + 1) * c), i * c);
  }
}
