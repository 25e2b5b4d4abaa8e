import type { Matrix } from '../core/matrix.ts';
import { BatchNormalization } from './batch-normalization.ts';
import { Bijector } from './bijector.ts';
import { Chain } from './chain.ts';
import { collectBuffers, type HasBijector } from './collect-buffers.ts';

/** Options of `setBatchNormStatistics(target, data, options)`. */
export interface SetBatchNormStatisticsOptions {
  /** Context `[n, contextFeatures]` for conditional layers before a batch normalisation. @default none */
  context?: Matrix;
}

/**
 * Sets the population statistics of every `BatchNormalization` in a flow from `data [n, features]` (the MAF paper
 * does this with the training data before evaluation): the data is pushed through the chain in data → base order in
 * evaluation mode, and each BatchNormalization takes the mean and variance of its actual input. Batch normalisations
 * must sit in `Chain`s (not inside an `Invert`, whose data side is its output). Training modes are restored after.
 * Returns the number of BatchNormalization layers set (0 for a model without a bijector, such as a `MadeMog`).
 * Shapes: `data [n, features]`, `context [n, contextFeatures]` (passed to the conditional layers, through the flow's
 * context pre-map when it has one).
 *
 * @example
 * import { Rng, createMaf, setBatchNormStatistics, twoMoons } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 3, hiddenUnits: [8], batchNorm: true, rng: new Rng(0) });
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * console.log(setBatchNormStatistics(flow, data)); // → 3
 */
export function setBatchNormStatistics(target: Bijector | HasBijector | object, data: Matrix, options: SetBatchNormStatisticsOptions = {}): number {
  const bijector = target instanceof Bijector ? target : (target as Partial<HasBijector>).bijector;
  if (!(bijector instanceof Bijector)) return 0;
  // The layers of a flow with a context pre-map see the context through it (as its logProb does).
  const owner = target instanceof Bijector ? undefined : (target as Partial<HasBijector>);
  const pre = owner?.contextStandardize;
  let context = options.context === undefined || pre === undefined ? options.context : pre.inverse(options.context);
  // A flow with a context encoder: the layers see its output (layerContext applies the pre-map itself).
  if (options.context !== undefined && typeof owner?.layerContext === 'function') context = owner.layerContext(options.context);
  const wasTraining = bijector.isTraining;
  bijector.train(false);
  try {
    const counter = { count: 0 };
    pushThrough(bijector, data, context ?? null, counter, false);
    return counter.count;
  } finally {
    bijector.train(wasTraining);
  }
}

/** Sets the statistics of the batch normalisations in `b` from its input `x`; returns `b.inverse(x)` when `needOutput`. */
function pushThrough(b: Bijector, x: Matrix, context: Matrix | null, counter: { count: number }, needOutput: boolean): Matrix {
  if (b instanceof BatchNormalization) {
    b.setPopulationStatistics(x);
    counter.count++;
    return needOutput ? b.inverse(x, { validateArgs: false }) : x;
  }
  if (b instanceof Chain) {
    // Layers after the last batch normalisation need not run unless the caller needs this chain's output.
    let last = b.bijectors.length - 1;
    if (!needOutput) while (last >= 0 && !hasBatchNorm(b.bijectors[last])) last--;
    let value = x;
    for (let i = 0; i <= last; i++) value = pushThrough(b.bijectors[i], value, context, counter, needOutput || i < last);
    return value;
  }
  if (hasBatchNorm(b)) {
    throw new Error(`setBatchNormStatistics: cannot set BatchNormalization statistics inside ${b.constructor.name} (only directly or inside Chain)`);
  }
  // Internal passes over values the caller gave (fit's training data): no value check per layer.
  return needOutput ? b.inverse(x, b.contextFeatures > 0 && context !== null ? { context, validateArgs: false } : { validateArgs: false }) : x;
}

/**
 * Whether `b` holds batch-normalisation statistics (buffers named `…runningMean` / `…runningVariance`, the contract of
 * `BatchNormalization`); other buffers, such as `ActNorm`'s initialisation flag, are not statistics to set.
 */
function hasBatchNorm(b: Bijector): boolean {
  return collectBuffers(b).some(([name]) => /(^|\.)running(Mean|Variance)$/.test(name));
}
