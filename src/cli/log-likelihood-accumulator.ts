/**
 * `summarizeLogLikelihood` for log-densities that arrive a chunk at a time (a streamed file of any size), in bounded
 * memory and exactly: the mean is the same sequential float64 sum; the standard error comes from sums shifted by the
 * first value (`Σ(x−K)² − (Σ(x−K))²/n`, accurate to rounding when K lies within the data); the worst row is tracked;
 * the median is the exact order statistic, read from a `SortedValues` (in memory up to 1M rows, from sorted runs on
 * disk beyond). Rows below a threshold (the training minimum) are counted, the first few kept by row.
 */
import type { LogLikelihoodSummary } from './log-likelihood-summary.ts';
import { SortedValues, type SortedValuesOptions } from './sorted-values.ts';

/** How many rows below the threshold are kept by index (the rest are only counted). */
const ROWS_KEPT = 8;

/** Rows whose log-density is below the threshold. */
export interface RowsBelow {
  count: number;
  /** The first `ROWS_KEPT` of them, 0-based. */
  first: number[];
}

/**
 * Accumulates per-row log-densities of `dimensions`-dimensional data.
 *
 * @example
 * import { LogLikelihoodAccumulator } from './log-likelihood-accumulator.ts';
 * const acc = new LogLikelihoodAccumulator(2, -2.5);
 * acc.add(Float64Array.of(-1), 0);
 * acc.add(Float64Array.of(-3), 1);
 * console.log(acc.summary().median, acc.below); // → -2 { count: 1, first: [ 1 ] }
 * acc.dispose();
 */
export class LogLikelihoodAccumulator {
  private n = 0;
  private sum = 0;
  private shift = 0;
  private shiftedSum = 0;
  private shiftedSquares = 0;
  private worst = Infinity;
  private worstRow = 0;
  private readonly values: SortedValues;
  /** Rows below `threshold` (none counted without one). */
  readonly below: RowsBelow = { count: 0, first: [] };

  constructor(private readonly dimensions: number, private readonly threshold?: number, options: SortedValuesOptions = {}) {
    this.values = new SortedValues(options);
  }

  /** Adds the log-densities of the rows `firstRow`, `firstRow + 1`, … */
  add(logProb: Float64Array, firstRow: number): void {
    if (this.n === 0 && logProb.length > 0) this.shift = logProb[0];
    const { shift, threshold } = this;
    for (let i = 0; i < logProb.length; i++) {
      const v = logProb[i];
      this.sum += v;
      const d = v - shift;
      this.shiftedSum += d;
      this.shiftedSquares += d * d;
      if (v < this.worst) {
        this.worst = v;
        this.worstRow = firstRow + i;
      }
      if (threshold !== undefined && v < threshold) {
        if (this.below.first.length < ROWS_KEPT) this.below.first.push(firstRow + i);
        this.below.count++;
      }
    }
    this.n += logProb.length;
    this.values.add(logProb);
  }

  /** The summary of every row added (at least one). */
  summary(): LogLikelihoodSummary {
    const n = this.n;
    if (n === 0) throw new RangeError('LogLikelihoodAccumulator.summary: expected at least one log-density, got none');
    const mean = this.sum / n;
    const squares = Math.max(0, this.shiftedSquares - (this.shiftedSum * this.shiftedSum) / n);
    const ranks = n % 2 === 1 ? [(n - 1) / 2] : [n / 2 - 1, n / 2];
    const middle = this.values.atRanks(ranks);
    const median = middle.length === 1 ? middle[0] : (middle[0] + middle[1]) / 2;
    return {
      mean, twoStandardErrors: n > 1 ? 2 * Math.sqrt(squares / (n - 1) / n) : 0,
      bitsPerDimension: -mean / (this.dimensions * Math.LN2), rows: n, dimensions: this.dimensions,
      median, worst: this.worst, worstRow: this.worstRow,
    };
  }

  /** Removes the temporary files of the median. */
  dispose(): void {
    this.values.dispose();
  }
}
