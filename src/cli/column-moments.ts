/**
 * Per-column summary moments of a matrix, accumulated in float64 with a two-pass (centred) algorithm:
 * mean, standard deviation (n − 1 denominator), skewness `g₁ = m₃ / m₂^(3/2)` and excess kurtosis `g₂ = m₄ / m₂² − 3`,
 * where `m_k = (1/n) Σ (x − mean)^k`. For N(0, 1) data all four approach 0, 1, 0, 0.
 */
import type { Matrix } from '../core/matrix.ts';

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
  const { rows: n, cols, data } = x;
  if (n < 2) throw new RangeError(`columnMoments: expected x [n, ${cols}] with n >= 2, got [${n}, ${cols}]`);
  const out: ColumnMoments[] = [];
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < n; r++) sum += data[r * cols + c];
    const mean = sum / n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (let r = 0; r < n; r++) {
      const d = data[r * cols + c] - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    const std = Math.sqrt(m2 / (n - 1));
    m2 /= n;
    m3 /= n;
    m4 /= n;
    out.push({
      mean,
      std,
      skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0,
      excessKurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : 0,
    });
  }
  return out;
}
