import type { OptimizerName } from './create-optimizer.ts';
import type { ScheduleOption } from './schedule.ts';

/**
 * The options of how a gradient step is taken that `fit` and `fitReverseKl` share, with the same defaults in both:
 * the optimiser, its momentum, gradient-norm clipping and the learning-rate schedule (`'cosine'` decays over the
 * whole run: all epochs for `fit`, all steps for `fitReverseKl`). Batch size, learning rate and weight decay are
 * each function's own (their defaults differ: the MAF paper's for `fit`).
 *
 * @example
 * import { Rng, createMaf, fit, twoMoons } from 'maflow';
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const result = fit(flow, data, { epochs: 3, optimizer: 'sgd', momentum: 0.95, clipGradNorm: 5, schedule: 'cosine', rng: new Rng(2) });
 * console.log(result.stoppedBy, result.steps); // → epochs 3
 */
export interface GradientStepOptions {
  /** @default 'adam' */
  optimizer?: OptimizerName;
  /** Momentum of `'sgd'`. @default 0.9 */
  momentum?: number;
  /** Learning-rate multiplier per step; `'cosine'` decays to 0 over the whole run. @default 'constant' */
  schedule?: ScheduleOption;
  /** Clip the global gradient norm to this value. @default Infinity (off) */
  clipGradNorm?: number;
}
