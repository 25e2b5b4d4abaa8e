import { checkShape, zeros, type FloatArray, type Matrix } from '../core/matrix.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { zeroGrad, type NamedParameters, type Parameter } from '../nn/parameter.ts';
import { clipGradNorm, gradNorm } from './clip-grad-norm.ts';
import { createOptimizer } from './create-optimizer.ts';
import type { FitResult, FitSettings } from './fit.ts';
import { flowBuffers, setPopulationStatistics } from './flow-buffers.ts';
import { meanLogProb } from './mean-log-prob.ts';
import type { Optimizer, OptimizerState } from './optimizer.ts';
import { restoreTensors, snapshotTensors, type NamedTensors } from './tensor-snapshot.ts';
import type { BestState, EpochRecord, TrainingState } from './training-state.ts';

type EpochOutcome = { kind: 'done'; trainLoss: number } | { kind: 'abort' } | { kind: 'divergence'; message: string };

interface Snapshot {
  parameters: Record<string, FloatArray>;
  buffers: Record<string, FloatArray>;
  optimizer: OptimizerState;
}

/**
 * One call of `fit`: the epoch loop with its reusable minibatch buffers, validation, early stopping, the divergence
 * guard, progress events and checkpoints. Kept apart from `fit.ts`, which resolves the options.
 */
export class TrainingRun {
  private readonly parameters: NamedParameters;
  private readonly parameterList: Parameter[];
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
  private history: EpochRecord[] = [];
  private readonly started = performance.now();
  private stepsThisCall = 0;

  constructor(private readonly flow: Distribution, private readonly s: FitSettings) {
    this.parameters = flow.namedParameters();
    if (this.parameters.length === 0) throw new Error('fit: the flow has no trainable parameters');
    this.parameterList = this.parameters.map(([, p]) => p);
    this.buffers = flowBuffers(flow);
    this.optimizer = createOptimizer(s.optimizer, this.parameters, { learningRate: s.learningRate, weightDecay: s.weightDecay, momentum: s.momentum });
    this.stepsPerEpoch = Math.max(1, Math.floor(s.train.rows / s.batchSize));
    this.batch = zeros(s.batchSize, flow.features, flow.dtype);
    this.batchContext = s.trainContext === undefined ? undefined : zeros(s.batchSize, flow.contextFeatures, flow.dtype);
    this.dLogProb = new Float64Array(s.batchSize).fill(-1 / s.batchSize);
  }

  run(): FitResult {
    if (this.s.options.resume !== undefined) this.restore(this.s.options.resume);
    let stoppedBy: FitResult['stoppedBy'] = 'epochs';
    let message: string | undefined;
    let retries = 0;
    while (this.epoch < this.s.epochs) {
      const good = this.snapshot();
      const outcome = this.trainEpoch();
      if (outcome.kind === 'divergence') {
        this.restoreSnapshot(good);
        if (this.s.onDivergence === 'halve-learning-rate' && retries < this.s.maxDivergenceRetries) {
          retries++;
          this.learningRateScale *= 0.5;
          continue;
        }
        stoppedBy = 'divergence';
        message = outcome.message;
        break;
      }
      if (outcome.kind === 'abort') {
        stoppedBy = 'abort';
        break;
      }
      this.epoch++;
      this.endEpoch(outcome.trainLoss);
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
    }
    return this.finish(stoppedBy, message);
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
      if (!Number.isFinite(loss)) return { kind: 'divergence', message: `fit: the training loss became ${loss} at ${where}` };
      pass.backward(this.dLogProb);
      const norm = Number.isFinite(s.clipGradNorm) ? clipGradNorm(this.parameters, s.clipGradNorm) : gradNorm(this.parameterList);
      if (!Number.isFinite(norm)) return { kind: 'divergence', message: `fit: the gradient norm became ${norm} at ${where}` };
      const learningRate = s.learningRate * this.learningRateScale * s.schedule(this.step);
      this.optimizer.learningRate = learningRate;
      this.optimizer.step();
      this.step++;
      this.stepsThisCall++;
      lossSum += loss;
      s.options.onStep?.({
        epoch: this.epoch + 1, step: this.step, loss, gradNorm: norm, learningRate,
        rowsPerSecond: this.rowsPerSecond(), etaSeconds: this.eta((s.epochs - this.epoch) * this.stepsPerEpoch - b - 1),
      });
      if (s.options.signal?.aborted === true) return { kind: 'abort' };
    }
    return { kind: 'done', trainLoss: lossSum / this.stepsPerEpoch };
  }

  /** Copies the rows `order[start … start + batchSize)` into the reusable batch buffers (converting the dtype). */
  private gather(order: Int32Array, start: number): void {
    const { train, trainContext, batchSize } = this.s;
    copyRows(train, order, start, batchSize, this.batch);
    if (trainContext !== undefined && this.batchContext !== undefined) copyRows(trainContext, order, start, batchSize, this.batchContext);
  }

  private endEpoch(trainLoss: number): void {
    const validationLogLik = this.evaluate();
    this.history.push({ epoch: this.epoch, trainLoss, validationLogLik });
    if (this.s.validation !== undefined) {
      if (this.best === null || validationLogLik > this.best.validationLogLik) {
        this.best = {
          epoch: this.epoch, validationLogLik, parameters: snapshotTensors(this.parameters.map(([n, p]) => [n, p.value])),
          buffers: snapshotTensors(this.buffers),
        };
        this.patienceCounter = 0;
      } else {
        this.patienceCounter++;
      }
    }
    const seconds = (performance.now() - this.started) / 1000;
    this.s.options.onEpoch?.({
      epoch: this.epoch, step: this.step, trainLoss, validationLogLik,
      bestEpoch: this.best?.epoch ?? this.epoch, bestValidationLogLik: this.best?.validationLogLik ?? NaN,
      patienceCounter: this.patienceCounter, rowsPerSecond: this.rowsPerSecond(),
      etaSeconds: this.eta((this.s.epochs - this.epoch) * this.stepsPerEpoch), seconds,
    });
  }

  /** Mean validation log-likelihood in evaluation mode, after setting batch-norm statistics from the training data. */
  private evaluate(): number {
    const { flow, s } = this;
    flow.train(false);
    if (this.buffers.length > 0) setPopulationStatistics(flow, s.train, s.trainContext);
    if (s.validation === undefined) return NaN;
    return meanLogProb(flow, s.validation, s.validationContext === undefined ? {} : { context: s.validationContext });
  }

  private finish(stoppedBy: FitResult['stoppedBy'], message: string | undefined): FitResult {
    this.flow.train(false);
    if (this.best !== null) {
      restoreTensors('fit', this.parameters.map(([n, p]) => [n, p.value]), this.best.parameters);
      restoreTensors('fit', this.buffers, this.best.buffers);
    } else if (this.buffers.length > 0) {
      setPopulationStatistics(this.flow, this.s.train, this.s.trainContext);
    }
    const last = this.history[this.history.length - 1];
    return {
      history: this.history,
      bestEpoch: this.best?.epoch ?? last?.epoch ?? 0,
      bestValidationLogLik: this.best?.validationLogLik ?? NaN,
      stoppedBy,
      ...(message === undefined ? {} : { message }),
      steps: this.step,
      seconds: (performance.now() - this.started) / 1000,
    };
  }

  private snapshot(): Snapshot {
    return {
      parameters: snapshotTensors(this.parameters.map(([n, p]) => [n, p.value])),
      buffers: snapshotTensors(this.buffers),
      optimizer: this.optimizer.state(),
    };
  }

  private restoreSnapshot(snapshot: Snapshot): void {
    restoreTensors('fit', this.parameters.map(([n, p]) => [n, p.value]), snapshot.parameters);
    restoreTensors('fit', this.buffers, snapshot.buffers);
    this.optimizer.setState(snapshot.optimizer);
  }

  /** A deep copy of everything needed to resume after the current epoch. */
  private state(): TrainingState {
    const { parameters, buffers, optimizer } = this.snapshot();
    const best = this.best === null ? null : {
      ...this.best, parameters: { ...this.best.parameters }, buffers: { ...this.best.buffers },
    };
    return {
      epoch: this.epoch, step: this.step, parameters, buffers, optimizer, rng: this.s.rng.state(), best,
      patienceCounter: this.patienceCounter, learningRateScale: this.learningRateScale,
      history: this.history.map((h) => ({ ...h })),
    };
  }

  private restore(state: TrainingState): void {
    restoreTensors('fit (resume)', this.parameters.map(([n, p]) => [n, p.value]), state.parameters);
    restoreTensors('fit (resume)', this.buffers, state.buffers);
    this.optimizer.setState(state.optimizer);
    this.s.rng.setState(state.rng);
    this.epoch = state.epoch;
    this.step = state.step;
    this.best = state.best === null ? null : { ...state.best, parameters: { ...state.best.parameters }, buffers: { ...state.best.buffers } };
    this.patienceCounter = state.patienceCounter;
    this.learningRateScale = state.learningRateScale;
    this.history = state.history.map((h) => ({ ...h }));
  }

  private rowsPerSecond(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? (this.stepsThisCall * this.s.batchSize) / seconds : 0;
  }

  private eta(remainingSteps: number): number {
    if (this.stepsThisCall === 0) return NaN;
    return (((performance.now() - this.started) / 1000) / this.stepsThisCall) * Math.max(0, remainingSteps);
  }
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
