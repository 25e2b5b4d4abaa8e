import { cast, dtypeOf, type Dtype, type Matrix } from './matrix.ts';

/**
 * `m` in element type `dtype`: `m` itself when it already is, else a converted copy (never a view).
 * Shapes: `m [rows, cols]` → `[rows, cols]`.
 *
 * @example
 * import { matrix } from 'maflow';
 * import { toDtype } from './to-dtype.ts';
 * const m = matrix([1, 2], 1, 2, 'float64');   // [1, 2] float64
 * console.log(toDtype(m, 'float32').data, toDtype(m, 'float64') === m); // → Float32Array(2) [ 1, 2 ] true
 */
export function toDtype(m: Matrix, dtype: Dtype): Matrix {
  return dtypeOf(m.data) === dtype ? m : cast(m, dtype);
}
