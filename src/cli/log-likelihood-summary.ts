/**
 * The MAF paper's way of reporting a test log-likelihood: the mean over rows with an error bar of two standard
 * errors, `mean ± 2·s/√n` (s the sample standard deviation of the per-row log-densities), plus bits per dimension
 * `−mean / (D · ln 2)` of the continuous density (no dequantisation offset is applied); and, because a few rows far
 * outside the training data can ruin a mean, the median and the worst row.
 */

/** A summarised test log-likelihood (nats). */
export interface LogLikelihoodSummary {
  /** Mean log-density per row, nats. */
  mean: number;
  /** Two standard errors of the mean, nats (0 for a single row). */
  twoStandardErrors: number;
  /** `−mean / (D ln 2)`. */
  bitsPerDimension: number;
  rows: number;
  dimensions: number;
  /** Median log-density per row, nats. */
  median: number;
  /** The lowest log-density of any row, nats, and that row's 0-based index. */
  worst: number;
  worstRow: number;
}

/**
 * Summarises per-row log-densities `logProb [n]` of `dimensions`-dimensional data.
 *
 * @example
 * import { summarizeLogLikelihood } from './log-likelihood-summary.ts';
 * console.log(summarizeLogLikelihood(Float64Array.of(-1, -3), 2)); // → { mean: -2, twoStandardErrors: 2, bitsPerDimension: 1.4426950408889634, …, median: -2, worst: -3, worstRow: 1 }
 */
export function summarizeLogLikelihood(logProb: ArrayLike<number>, dimensions: number): LogLikelihoodSummary {
  const n = logProb.length;
  if (n === 0) throw new RangeError('summarizeLogLikelihood: expected at least one log-density, got none');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += logProb[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (logProb[i] - mean) ** 2;
  const twoStandardErrors = n > 1 ? 2 * Math.sqrt(squares / (n - 1) / n) : 0;
  let worstRow = 0;
  for (let i = 1; i < n; i++) if (logProb[i] < logProb[worstRow]) worstRow = i;
  const sorted = Float64Array.from(logProb).sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {
    mean, twoStandardErrors, bitsPerDimension: -mean / (dimensions * Math.LN2), rows: n, dimensions,
    median, worst: logProb[worstRow], worstRow,
  };
}
