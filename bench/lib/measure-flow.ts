/**
 * maflow's side of the benchmark, mirroring `harness.bench_one` of the PyTorch peer step by step:
 * - train step: zero the gradients, `logProbTrain(batch)`, backward with `∂L/∂logProb = −1/B` (the loss is the mean
 *   negative log-likelihood), one Adam step; the minibatch is drawn outside the timed region, as in the harness;
 * - log-prob: `logProb` of `rows` rows in chunks of at most `chunk` rows (after a warm-up call on ≤ 256 rows);
 * - sampling: `sample(rows)` after a warm-up draw of ≤ 64 rows.
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
  /** Timed steps. @default 30 */
  steps?: number;
  /** @default 1e-4 */
  lr?: number;
  /** Seeds the minibatch draws. @default 0 */
  seed?: number;
}

export interface TrainTiming {
  stepMs: number;
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
  const steps = options.steps ?? 30;
  const { batch } = options;
  const rng = new Rng(options.seed ?? 0);
  const adam = new BenchAdam(flow, { lr: options.lr });
  const dLogProb = new Float64Array(batch).fill(-1 / batch);
  const indices = new Int32Array(batch);
  const times: number[] = [];
  const losses: number[] = [];
  flow.train(true);
  for (let i = 0; i < warmup + steps; i++) {
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
    if (i >= warmup) times.push(elapsed);
  }
  flow.train(false);
  return {
    stepMs: median(times),
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

/** Median throughput of `logProb` over `data` in chunks of `chunk` rows, `repeats` timed passes. */
export function timeLogProb(flow: TransformedDistribution, data: Matrix, chunk: number, repeats: number): ThroughputTiming {
  flow.train(false);
  flow.logProb(rowSlice(data, 0, Math.min(chunk, 256, data.rows)));
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

/** Median throughput of `sample(rows)` over `repeats` timed draws. */
export function timeSample(flow: TransformedDistribution, rows: number, repeats: number, seed: number): ThroughputTiming {
  flow.train(false);
  flow.sample(Math.min(64, rows), { rng: new Rng(seed + 4) });
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
