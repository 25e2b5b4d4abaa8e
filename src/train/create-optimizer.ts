import type { NamedParameters } from '../nn/parameter.ts';
import { Adam } from './adam.ts';
import type { Optimizer } from './optimizer.ts';
import { SgdMomentum } from './sgd-momentum.ts';

/** Optimisers `fit` can build. */
export type OptimizerName = 'adam' | 'sgd';

/** Options of `createOptimizer(name, parameters, options)`. */
export interface CreateOptimizerOptions {
  learningRate: number;
  weightDecay: number;
  /** SGD momentum. @default 0.9 */
  momentum?: number;
}

/**
 * An optimiser by name, as `fit` and `fitReverseKl` build it from their options.
 */
export function createOptimizer(name: OptimizerName, parameters: NamedParameters, options: CreateOptimizerOptions): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam(parameters, { learningRate: options.learningRate, weightDecay: options.weightDecay });
    case 'sgd':
      return new SgdMomentum(parameters, { learningRate: options.learningRate, weightDecay: options.weightDecay, momentum: options.momentum });
    default:
      throw new Error(`createOptimizer: unknown optimizer '${name as string}' (expected 'adam' or 'sgd')`);
  }
}
