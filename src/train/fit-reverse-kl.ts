import { checkShape, zeros, type Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { zeroGrad } from '../nn/parameter.ts';
import { clippedStep } from './clip-grad-norm.ts';
import { createOptimizer } from './create-optimizer.ts';
import type { GradientStepOptions } from './gradient-step-options.ts';
import { ParameterList } from './parameter-list.ts';
import { resolveSchedule } from './schedule.ts';
import { restoreTensors, snapshotTensors } from './tensor-snapshot.ts';

/** What `fitReverseKl` reports to `onStep` after each step. */
export interface ReverseKlStepEvent {
  step: number;
  /** This step's estimate `mean(log q − log p̃)`, nats. */
  kl: number;
  gradNorm: number;
  learningRate: number;
  etaSeconds: number;
}

/** With `GradientStepOptions` (`optimizer`, `momentum`, `schedule` over `steps`, `clipGradNorm`). */
export interface FitReverseKlOptions extends GradientStepOptions {
  /** Optimiser steps. @default 1000 */
  steps?: number;
  /** Samples per step. @default 100 */
  batchSize?: number;
  /** @default 1e-3 */
  learningRate?: number;
  /** L2 penalty coefficient. @default 0 */
  weightDecay?: number;
  /** Draws the base samples. @default new Rng(0) */
  rng?: Rng;
  onStep?: (event: ReverseKlStepEvent) => void;
  /** Stops cleanly after the current step. */
  signal?: AbortSignal;
}

/** The result of `fitReverseKl`. */
export interface FitReverseKlResult {
  /** The KL estimate of every step, nats. */
  history: number[];
  /** Mean of the estimates over the last min(50, steps) steps: a less noisy final value. */
  finalKl: number;
  stoppedBy: 'steps' | 'abort' | 'divergence';
  message?: string;
  steps: number;
  seconds: number;
}

const SNAPSHOT_EVERY = 50;

/**
 * Variational fitting of a flow to an unnormalised target density by minimising the reverse KL divergence
 * (Kingma et al. 2016; Papamakarios et al. 2017, §2.3 on IAF):
 * `KL(q‖p) = E_q[log q(x) − log p̃(x)] + log Z`, estimated from `x = f(u)`, `u ~ base`, with the reparameterisation
 * gradient. Each step draws `batchSize` samples through `flow.sampleTrain` (the bijector's differentiable forward,
 * parallel for an IAF) and back-propagates `∂L/∂x = −∇log p̃(x) / n`, `∂L/∂log q = 1/n`.
 * The reported `kl` is the estimate `mean(log q − log p̃)`, i.e. KL up to the unknown `log Z` of the target
 * (exactly KL when `targetLogProb` is normalised).
 * Shapes: `targetLogProb(x [n, D]) → [n]`, `targetGrad(x [n, D]) → [n, D]`.
 *
 * Divergence guard: a non-finite estimate or gradient restores the parameters and optimiser state saved at the last
 * multiple of 50 steps and stops with `stoppedBy: 'divergence'`.
 *
 * @example
 * import { Rng, createIaf, fitReverseKl, matrix, type Matrix } from 'maflow';
 * const mean = [1, -1];   // target: an unnormalised N(mean, I), log p̃(x) = −½‖x − mean‖², log Z = log 2π
 * const logDensity = (x: Matrix) => Float64Array.from({ length: x.rows }, (_, r) => -0.5 * ((x.data[2 * r] - 1) ** 2 + (x.data[2 * r + 1] + 1) ** 2));
 * const gradLogDensity = (x: Matrix) => matrix(Array.from(x.data, (v, k) => mean[k % 2] - v), x.rows, 2);
 * const q = createIaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const r = fitReverseKl(q, logDensity, gradLogDensity, { steps: 200, learningRate: 1e-2, rng: new Rng(1) });
 * console.log(r.finalKl); // ≈ KL(q‖p) − log Z, approaching −log 2π ≈ −1.84
 */
export function fitReverseKl(flow: TransformedDistribution, targetLogProb: (x: Matrix) => Float64Array,
  targetGrad: (x: Matrix) => Matrix, options: FitReverseKlOptions = {}): FitReverseKlResult {
  const steps = options.steps ?? 1000;
  const n = options.batchSize ?? 100;
  if (!(Number.isInteger(steps) && steps > 0)) throw new RangeError(`fitReverseKl: steps must be a positive integer, got ${steps}`);
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`fitReverseKl: batchSize must be a positive integer, got ${n}`);
  if (!flow.bijector.forwardIsParallel) {
    throw new Error(`fitReverseKl: the flow's forward (sampling) direction is sequential; use an IAF-type flow (e.g. createIaf)`);
  }
  const rng = options.rng ?? new Rng(0);
  const learningRate = options.learningRate ?? 1e-3;
  const schedule = resolveSchedule('fitReverseKl', options.schedule ?? 'constant', steps);
  const clip = options.clipGradNorm ?? Infinity;
  const parameters = flow.namedParameters();
  const parameterList = new ParameterList(parameters.map(([, p]) => p));
  const values = parameters.map(([name, p]) => [name, p.value] as [string, typeof p.value]);
  const optimizer = createOptimizer(options.optimizer ?? 'adam', parameters, { learningRate, weightDecay: options.weightDecay ?? 0, momentum: options.momentum });
  const dSamples = zeros(n, flow.features, flow.dtype);
  const dLogProb = new Float64Array(n).fill(1 / n);
  const history: number[] = [];
  const started = performance.now();
  let good = { parameters: snapshotTensors(values), optimizer: optimizer.state() };
  let stoppedBy: FitReverseKlResult['stoppedBy'] = 'steps';
  let message: string | undefined;
  flow.train(true);
  for (let step = 0; step < steps; step++) {
    if (step % SNAPSHOT_EVERY === 0 && step > 0) good = { parameters: snapshotTensors(values), optimizer: optimizer.state() };
    zeroGrad(flow);
    const kl = accumulateGradient(flow, n, rng, targetLogProb, targetGrad, dSamples, dLogProb);
    optimizer.learningRate = learningRate * schedule(step);
    const norm = Number.isFinite(kl) ? clippedStep(optimizer, parameterList, clip) : NaN;
    if (!Number.isFinite(kl) || !Number.isFinite(norm)) {
      restoreTensors('fitReverseKl', values, good.parameters);
      optimizer.setState(good.optimizer);
      stoppedBy = 'divergence';
      message = `fitReverseKl: the ${Number.isFinite(kl) ? 'gradient norm' : 'KL estimate'} became ${Number.isFinite(kl) ? norm : kl} at step ${step + 1}`;
      break;
    }
    history.push(kl);
    const elapsed = (performance.now() - started) / 1000;
    options.onStep?.({ step: step + 1, kl, gradNorm: norm, learningRate: optimizer.learningRate, etaSeconds: (elapsed / (step + 1)) * (steps - step - 1) });
    if (options.signal?.aborted === true) {
      stoppedBy = 'abort';
      break;
    }
  }
  flow.train(false);
  const tail = history.slice(-SNAPSHOT_EVERY);
  return {
    history,
    finalKl: tail.length === 0 ? NaN : tail.reduce((a, b) => a + b, 0) / tail.length,
    stoppedBy,
    ...(message === undefined ? {} : { message }),
    steps: history.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Draws `n` samples, accumulates the gradient of `mean(log q(x) − log p̃(x))` into the flow's parameters and returns
 * that estimate. `dSamples [n, D]` and `dLogProb = 1/n` are reused buffers.
 */
function accumulateGradient(flow: TransformedDistribution, n: number, rng: Rng, targetLogProb: (x: Matrix) => Float64Array,
  targetGrad: (x: Matrix) => Matrix, dSamples: Matrix, dLogProb: Float64Array): number {
  const pass = flow.sampleTrain(n, { rng });
  const logP = targetLogProb(pass.samples);
  const grad = targetGrad(pass.samples);
  checkShape('fitReverseKl: targetGrad', 'result', grad, flow.features, n);
  if (logP.length !== n) throw new RangeError(`fitReverseKl: targetLogProb returned ${logP.length} values for ${n} samples`);
  let kl = 0;
  for (let r = 0; r < n; r++) kl += pass.logProb[r] - logP[r];
  for (let k = 0; k < dSamples.data.length; k++) dSamples.data[k] = -grad.data[k] / n;
  pass.backward(dSamples, dLogProb);
  return kl / n;
}
