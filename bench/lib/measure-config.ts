/**
 * One measurement of one paper config on the active backend: a fresh `createMaf` (float32, reverse order, ReLU,
 * seed 0 like the peer's `torch.manual_seed(0)`), its train step and, unless the plan says otherwise, log-prob and
 * sampling throughput.
 */
import { rowSlice, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import type { BenchConfig } from './configs.ts';
import { timeLogProb, timeSample, timeTrainSteps, type ThroughputTiming, type TrainTiming } from './measure-flow.ts';
import type { RunPlan } from './run-plan.ts';

export interface ConfigMeasurement {
  train: TrainTiming;
  logProb: ThroughputTiming | null;
  sample: ThroughputTiming | null;
}

/** The paper architecture for `config`. */
export function createPaperMaf(config: BenchConfig, seed: number): TransformedDistribution {
  return createMaf({
    features: config.features, layers: config.layers, hiddenUnits: [config.hidden, config.hidden],
    activation: 'relu', order: 'reverse', dtype: 'float32', rng: new Rng(seed),
  });
}

/** `trainData` is drawn from in minibatches; the first `plan.logprobRows` rows of `evalData` are scored. */
export function measureConfig(config: BenchConfig, plan: RunPlan, trainData: Matrix, evalData: Matrix,
  seed: number): ConfigMeasurement {
  const flow = createPaperMaf(config, seed);
  const train = timeTrainSteps(flow, trainData, {
    batch: config.batch, warmup: plan.warmup, steps: plan.steps, seed: seed + 2,
  });
  if (!plan.throughput) return { train, logProb: null, sample: null };
  const logProb = timeLogProb(flow, rowSlice(evalData, 0, Math.min(plan.logprobRows, evalData.rows)), plan.chunk, plan.repeats);
  const sample = timeSample(flow, plan.sampleRows, plan.sampleRepeats, seed);
  return { train, logProb, sample };
}
