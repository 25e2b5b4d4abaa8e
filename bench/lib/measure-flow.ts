/**
 * maflow's side of the benchmark, mirroring `harness.bench_one` of the PyTorch peer step by step:
 * - train step: zero the gradients, `logProbTrain(batch)`, backward with `∂L/∂logProb = −1/B` (the loss is the mean
 *   negative log-likelihood), one Adam step; the minibatch is drawn outside the timed region, as in the harness;
 * - log-prob: `logProb` of `rows` rows in chunks of at most `chunk` rows (after warm-up calls on ≤ 256 rows);
 * - sampling: `sample(rows)` after warm-up draws of ≤ 64 rows.
 * Warm-ups may be timed (`warmupSeconds`): a JIT's optimised code arrives only after its baseline code ran a while.
 * Every timing is a median over repeats; p10/p90 of the train steps are kept for the JSON record.
 */
import { gatherRows, rowSlice, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { BenchAdam } from './bench-adam.ts';
import { median, quantile } from './median.ts';

export interface TrainTimingOptions {
  batch: number;
  /** Untimed steps first. @default 5 */
  warmup?: number;
  /**
   * Untimed steps continue until they have taken this long too: a JIT compiles in tiers (V8 runs WebAssembly on its
   * baseline compiler first and optimises the hot functions later), so a few steps time the baseline code. @default 0
   */
  warmupSeconds?: number;
  /** Timed steps. @default 30 */
  steps?: number;
  /** @default 1e-4 */
  lr?: number;
  /** Seeds the minibatch draws. @default 0 */
  seed?: number;
}

export interface TrainTiming {
  stepMs: number;
  /** Mean time of the untimed warm-up steps: what a user sees first (the first second, with `warmupSeconds: 1`). */
  warmupStepMs: number;
  warmupSteps: number;
  stepMsP10: number;
  stepMsP90: number;
  steps: number;
  lossFirst: number;
  lossLast: number;
  finite: boolean;
}

/** Median time of one full training step on minibatches of `data [N, D]`. */
export function timeTrainSteps(flow: TransformedDistribution, data: Matrix, options: TrainTimingOptions): TrainTiming {
  const warmup = options.warmup ?? 5;
  const warmupMs = 1e3 * (options.warmupSeconds ?? 0);
  const steps = options.steps ?? 30;
  const { batch } = options;
  const rng = new Rng(options.seed ?? 0);
  const adam = new BenchAdam(flow, { lr: options.lr });
  const dLogProb = new Float64Array(batch).fill(-1 / batch);
  const indices = new Int32Array(batch);
  const times: number[] = [];
  const losses: number[] = [];
  let warmupSteps = 0;
  let warmupTotal = 0;
  flow.train(true);
  for (let i = 0; warmupSteps < warmup || warmupTotal < warmupMs || times.length < steps; i++) {
    for (let b = 0; b < batch; b++) indices[b] = rng.int(data.rows);
    const xb = gatherRows(data, indices);
    const start = performance.now();
    adam.zeroGrad();
    const pass = flow.logProbTrain(xb);
    pass.backward(dLogProb);
    adam.step();
    const elapsed = performance.now() - start;
    let loss = 0;
    for (let b = 0; b < batch; b++) loss -= pass.logProb[b];
    losses.push(loss / batch);
    if (warmupSteps < warmup || warmupTotal < warmupMs) {
      warmupSteps += 1;
      warmupTotal += elapsed;
    } else {
      times.push(elapsed);
    }
  }
  flow.train(false);
  return {
    stepMs: median(times),
    warmupStepMs: warmupSteps === 0 ? NaN : warmupTotal / warmupSteps,
    warmupSteps,
    stepMsP10: quantile(times, 0.1),
    stepMsP90: quantile(times, 0.9),
    steps: times.length,
    lossFirst: losses[0],
    lossLast: losses[losses.length - 1],
    finite: losses.every(Number.isFinite),
  };
}

export interface ThroughputTiming {
  rows: number;
  /** Median seconds for all `rows`. */
  seconds: number;
  rowsPerSecond: number;
  finite: boolean;
}

/** Runs `fn` once, then again until `seconds` have passed since the first call began. */
function warmUp(fn: () => void, seconds: number): void {
  const start = performance.now();
  do fn(); while (performance.now() - start < 1e3 * seconds);
}

/**
 * Median throughput of `logProb` over `data` in chunks of `chunk` rows, `repeats` timed passes, after warm-up calls on
 * ≤ 256 rows for `warmupSeconds` (at least one).
 */
export function timeLogProb(flow: TransformedDistribution, data: Matrix, chunk: number, repeats: number, warmupSeconds = 0): ThroughputTiming {
  flow.train(false);
  const head = rowSlice(data, 0, Math.min(chunk, 256, data.rows));
  warmUp(() => flow.logProb(head), warmupSeconds);
  const times: number[] = [];
  let finite = true;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const outs: Float64Array[] = [];
    for (let row = 0; row < data.rows; row += chunk) outs.push(flow.logProb(rowSlice(data, row, Math.min(row + chunk, data.rows))));
    times.push((performance.now() - start) / 1e3);
    finite = finite && outs.every((lp) => lp.every(Number.isFinite));
  }
  const seconds = median(times);
  return { rows: data.rows, seconds, rowsPerSecond: data.rows / seconds, finite };
}

/** Median throughput of `sample(rows)` over `repeats` timed draws, after warm-up draws of ≤ 64 rows for `warmupSeconds` (at least one). */
export function timeSample(flow: TransformedDistribution, rows: number, repeats: number, seed: number, warmupSeconds = 0): ThroughputTiming {
  flow.train(false);
  const rng = new Rng(seed + 4);
  warmUp(() => flow.sample(Math.min(64, rows), { rng }), warmupSeconds);
  const times: number[] = [];
  let finite = true;
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(seed + 5 + r);
    const start = performance.now();
    const samples = flow.sample(rows, { rng });
    times.push((performance.now() - start) / 1e3);
    finite = finite && samples.data.every(Number.isFinite);
  }
  const seconds = median(times);
  return { rows, seconds, rowsPerSecond: rows / seconds, finite };
}
