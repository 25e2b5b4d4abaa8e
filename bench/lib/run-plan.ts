/**
 * How much work one measurement does, per suite, speed (`--quick`) and backend. The PyTorch peer always gets the
 * plan of maflow's first backend so that batch sizes match; the reference backend (plain JS loops, ~50× slower than
 * native) gets fewer steps, rows and repeats, which changes the noise of its medians but not what they measure.
 */
import type { BenchConfig } from './configs.ts';

export interface RunPlan {
  warmup: number;
  steps: number;
  /** Rows of the log-prob pass and the largest chunk per call. */
  logprobRows: number;
  chunk: number;
  repeats: number;
  /** Rows per sampling call (sampling a big MAF is slow for the dense peer: fewer rows for big configs). */
  sampleRows: number;
  sampleRepeats: number;
  /** Whether log-prob and sampling are measured (the `train` suite measures train steps only). */
  throughput: boolean;
}

/** Sampling rows that keep the dense peer's D sequential passes per layer to a few seconds. */
export function sampleRowsFor(config: BenchConfig): number {
  if (config.hidden <= 128) return 10_000;
  if (config.features <= 21) return 2_000;
  if (config.features <= 43) return 1_000;
  return 500;
}

export function runPlan(config: BenchConfig, options: { trainOnly: boolean; quick: boolean; reference: boolean }): RunPlan {
  const { quick, reference } = options;
  let plan: RunPlan = {
    warmup: 5, steps: 30, logprobRows: 10_000, chunk: 10_000, repeats: 5,
    sampleRows: sampleRowsFor(config), sampleRepeats: 1, throughput: !options.trainOnly,
  };
  if (quick) plan = { ...plan, warmup: 2, steps: 10, logprobRows: 2_000, chunk: 2_000, repeats: 2, sampleRows: Math.ceil(plan.sampleRows / 5) };
  if (reference) {
    plan = {
      ...plan, warmup: 1, steps: quick ? 3 : 5, logprobRows: Math.min(plan.logprobRows, quick ? 200 : 1_000),
      chunk: Math.min(plan.chunk, quick ? 200 : 1_000), repeats: 1, sampleRows: Math.max(20, Math.ceil(plan.sampleRows / 20)),
    };
  }
  return plan;
}
