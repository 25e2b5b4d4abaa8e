import { checkFinite } from '../core/check-finite.ts';
import { rowSlice, type Matrix } from '../core/matrix.ts';
import type { Distribution } from '../distributions/distribution.ts';

/** Options of `meanLogProb(flow, data, options)`. */
export interface MeanLogProbOptions {
  /** Context aligned with the rows of `data`. */
  context?: Matrix;
  /** Rows per evaluation. @default 4096 */
  chunkRows?: number;
  /**
   * Check the values (see `DistributionCallOptions.validateArgs`): a NaN or a non-finite context value throws a
   * `DataError` naming its row in `data`; a row with ±Infinity has log-density −∞, so the mean is −∞. @default true
   */
  validateArgs?: boolean;
}

/**
 * The mean log-density `(1/n) Σ_i log p(x_i | c_i)` of a data set in nats, evaluated in chunks of rows so that the
 * working memory stays bounded, and summed in float64.
 *
 * @example
 * import { Rng, createMaf, meanLogProb, twoMoons } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const { data: testData } = twoMoons(1000, { rng: new Rng(1) });
 * console.log(meanLogProb(flow, testData, { chunkRows: 256 })); // mean log-density, nats (untrained: about that of N(0, I))
 */
export function meanLogProb(flow: Distribution, data: Matrix, options: MeanLogProbOptions = {}): number {
  const chunk = options.chunkRows ?? 4096;
  if (!(Number.isInteger(chunk) && chunk > 0)) throw new RangeError(`meanLogProb: chunkRows must be a positive integer, got ${chunk}`);
  if (data.rows === 0) throw new RangeError('meanLogProb: expected data with at least 1 row, got 0');
  const validateArgs = options.validateArgs !== false;
  if (validateArgs) {
    // Once over the whole set, so that an error names the row in `data`, not in a chunk.
    checkFinite('meanLogProb', 'data', data, { dtype: flow.dtype, allowInfinity: true });
    if (options.context !== undefined) checkFinite('meanLogProb', 'context', options.context, { dtype: flow.dtype });
  }
  let sum = 0;
  for (let start = 0; start < data.rows; start += chunk) {
    const end = Math.min(data.rows, start + chunk);
    const context = options.context === undefined ? undefined : rowSlice(options.context, start, end);
    const lp = flow.logProb(rowSlice(data, start, end), context === undefined ? { validateArgs } : { context, validateArgs });
    for (let r = 0; r < lp.length; r++) sum += lp[r];
  }
  return sum / data.rows;
}
