/**
 * The training loop's view of a flow's non-trained buffers (batch-norm running statistics): their names and live
 * arrays (`collectBuffers`), and setting them to the population statistics of the training data before every
 * evaluation (`setBatchNormStatistics`), as the MAF paper does. Distributions without a bijector have none.
 */
import type { Matrix } from '../core/matrix.ts';
import { collectBuffers } from '../bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../bijectors/set-batch-norm-statistics.ts';
import type { Distribution } from '../distributions/distribution.ts';
import type { NamedTensors } from './tensor-snapshot.ts';

/** Named live buffers of `flow`, e.g. `bijector.bijectors.1.runningMean` (empty without batch normalisation). */
export function flowBuffers(flow: Distribution): NamedTensors {
  return collectBuffers(flow);
}

/** Sets every batch-norm layer's statistics from `data [n, D]` pushed through the layers before it. */
export function setPopulationStatistics(flow: Distribution, data: Matrix, context: Matrix | undefined): void {
  setBatchNormStatistics(flow, data, context === undefined ? {} : { context });
}
