/**
 * Kernel calls made by one piece of work: `fn` runs with the active backend wrapped in a counter (the same kernels,
 * each call counted by name), so the bench can say how many calls a training step makes.
 */
import type { Matrix } from '../../src/core/matrix.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { kernels, withBackend } from '../../src/kernels/backend.ts';
import { KERNEL_NAMES, type Kernels } from '../../src/kernels/kernels.ts';
import { BenchAdam } from './bench-adam.ts';

export interface KernelCallCount {
  total: number;
  byKernel: Record<string, number>;
}

/** Runs `fn` once and counts the kernel calls it makes through `kernels()`. */
export function countKernelCalls(fn: () => void): KernelCallCount {
  const inner = kernels();
  const byKernel: Record<string, number> = {};
  const counting: Record<string, unknown> = { ...inner };
  for (const name of KERNEL_NAMES) {
    const call = (inner[name] as (op: unknown) => void).bind(inner);
    counting[name] = (op: unknown) => {
      byKernel[name] = (byKernel[name] ?? 0) + 1;
      call(op);
    };
  }
  withBackend(counting as unknown as Kernels, fn);
  return { total: Object.values(byKernel).reduce((a, b) => a + b, 0), byKernel };
}

/**
 * Kernel calls of one training step of `flow` on the active backend, as `timeTrainSteps` takes it (zeroed
 * gradients, `logProbTrain` on `batch [B, D]`, its backward, one Adam step), after one untimed step.
 */
export function trainStepKernelCalls(flow: TransformedDistribution, batch: Matrix): KernelCallCount {
  const adam = new BenchAdam(flow);
  const dLogProb = new Float64Array(batch.rows).fill(-1 / batch.rows);
  const step = (): void => {
    adam.zeroGrad();
    flow.logProbTrain(batch).backward(dLogProb);
    adam.step();
  };
  flow.train(true);
  step();
  const count = countKernelCalls(step);
  flow.train(false);
  return count;
}
