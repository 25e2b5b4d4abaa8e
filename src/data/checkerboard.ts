/**
 * A uniform density on the 8 "black" unit squares of a 4×4 checkerboard over [−2, 2]²: those whose integer cell
 * coordinates `floor(x1) + floor(x2)` are even. Density 1/8 there, 0 elsewhere.
 */
import { allocate, checkShape, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { checkCount, generatorOptions, type GeneratorOptions, type SyntheticDataset } from './synthetic-dataset.ts';

/**
 * Draws `n` samples `[n, 2]`, with the exact `logProb` (−log 8 on the black squares, −∞ elsewhere).
 *
 * @example
 * import { Rng, checkerboard } from 'maflow';
 * const { data, logProb } = checkerboard(1000, new Rng(4));
 * console.log(data.rows, data.cols, -logProb!(data).reduce((a, b) => a + b) / 1000); // 1000 2, and an estimate of the entropy
 */
export function checkerboard(n: number, options: Rng | GeneratorOptions): SyntheticDataset {
  checkCount('checkerboard', n);
  const { rng, dtype = 'float32' } = generatorOptions(options, 'checkerboard');
  const data = allocate(dtype, 2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = -2 + 4 * rng.uniform();
    const column = Math.floor(x1);
    // Pick one of the two black squares in this column: rows whose parity matches the column's.
    const row = -2 + 2 * rng.int(2) + (((column % 2) + 2) % 2);
    data[2 * i] = x1;
    data[2 * i + 1] = row + rng.uniform();
  }
  return { data: { rows: n, cols: 2, data }, logProb: checkerboardLogProb };
}

/** Exact log density of the checkerboard for rows of `x` `[m, 2]`. */
export function checkerboardLogProb(x: Matrix): Float64Array {
  checkShape('checkerboardLogProb', 'x', x, 2);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const x1 = x.data[2 * i];
    const x2 = x.data[2 * i + 1];
    const inside = x1 >= -2 && x1 < 2 && x2 >= -2 && x2 < 2;
    out[i] = inside && (Math.floor(x1) + Math.floor(x2)) % 2 === 0 ? -Math.log(8) : -Infinity;
  }
  return out;
}
