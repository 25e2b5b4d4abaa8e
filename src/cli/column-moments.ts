/**
 * Per-column summary moments of a matrix, accumulated in float64 with a two-pass (centred) algorithm:
 * mean, standard deviation (n − 1 denominator), skewness `g₁ = m₃ / m₂^(3/2)` and excess kurtosis `g₂ = m₄ / m₂² − 3`,
 * where `m_k = (1/n) Σ (x − mean)^k`. For N(0, 1) data all four approach 0, 1, 0, 0.
 */
import type { Matrix } from '../core/matrix.ts';
import { MomentAccumulator } from './moment-accumulator.ts';

/** Moments of one column. */
export interface ColumnMoments {
  mean: number;
  std: number;
  skewness: number;
  excessKurtosis: number;
}

/**
 * Moments of each column of `x [n, D]` (n ≥ 2).
 *
 * @example
 * import { matrix } from 'maflow';
 * import { columnMoments } from './column-moments.ts';
 * console.log(columnMoments(matrix([[1], [2], [3]]))[0]); // → { mean: 2, std: 1, skewness: 0, excessKurtosis: -1.5 }
 */
export function columnMoments(x: Matrix): ColumnMoments[] {
  if (x.rows < 2) throw new RangeError(`columnMoments: expected x [n, ${x.cols}] with n >= 2, got [${x.rows}, ${x.cols}]`);
  // The whole matrix is one chunk: the accumulator's two-pass centred sums.
  const moments = new MomentAccumulator(x.cols);
  moments.add(x);
  return moments.moments();
}
