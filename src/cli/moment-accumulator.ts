/**
 * `columnMoments` for rows that arrive a chunk at a time: each chunk's centred sums (`n`, mean, M₂, M₃, M₄ per
 * column, two-pass within the chunk) are merged into the running ones with Pébay's pairwise formulas (Pébay 2008,
 * "Formulas for robust, one-pass parallel computation of covariances and arbitrary-order statistical moments"),
 * which stay accurate where raw power sums would cancel. The result equals the whole-matrix two-pass moments to
 * rounding.
 */
import type { Matrix } from '../core/matrix.ts';
import type { ColumnMoments } from './column-moments.ts';

interface Sums {
  n: number;
  mean: number;
  m2: number;
  m3: number;
  m4: number;
}

/**
 * Accumulates per-column moments of chunks `[n, cols]`.
 *
 * @example
 * import { matrix } from 'maflow';
 * import { MomentAccumulator } from './moment-accumulator.ts';
 * const acc = new MomentAccumulator(1);
 * acc.add(matrix([[1], [2]]));
 * acc.add(matrix([[3]]));
 * console.log(acc.moments()[0]); // → { mean: 2, std: 1, skewness: 0, excessKurtosis: -1.5 }
 */
export class MomentAccumulator {
  private readonly sums: Sums[];

  constructor(readonly cols: number) {
    this.sums = Array.from({ length: cols }, () => ({ n: 0, mean: 0, m2: 0, m3: 0, m4: 0 }));
  }

  /** Rows added so far. */
  get rows(): number {
    return this.sums[0]?.n ?? 0;
  }

  /** Adds the rows of `chunk [n, cols]`. */
  add(chunk: Matrix): void {
    const { rows: n, cols, data } = chunk;
    if (n === 0) return;
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
      this.sums[c] = merge(this.sums[c], { n, mean, m2, m3, m4 });
    }
  }

  /** The moments of every row added (at least 2). */
  moments(): ColumnMoments[] {
    return this.sums.map(({ n, mean, m2, m3, m4 }) => {
      if (n < 2) throw new RangeError(`MomentAccumulator.moments: expected at least 2 rows, got ${n}`);
      const std = Math.sqrt(m2 / (n - 1));
      const c2 = m2 / n;
      return {
        mean, std,
        skewness: c2 > 0 ? m3 / n / c2 ** 1.5 : 0,
        excessKurtosis: c2 > 0 ? m4 / n / (c2 * c2) - 3 : 0,
      };
    });
  }
}

/** The centred sums of the union of two sets of values. */
function merge(a: Sums, b: Sums): Sums {
  if (a.n === 0) return b;
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  const d2 = delta * delta;
  const na = a.n;
  const nb = b.n;
  return {
    n,
    mean: a.mean + (delta * nb) / n,
    m2: a.m2 + b.m2 + (d2 * na * nb) / n,
    m3: a.m3 + b.m3 + (d2 * delta * na * nb * (na - nb)) / (n * n) + (3 * delta * (na * b.m2 - nb * a.m2)) / n,
    m4: a.m4 + b.m4 + (d2 * d2 * na * nb * (na * na - na * nb + nb * nb)) / (n * n * n)
      + (6 * d2 * (na * na * b.m2 + nb * nb * a.m2)) / (n * n) + (4 * delta * (na * b.m3 - nb * a.m3)) / n,
  };
}
