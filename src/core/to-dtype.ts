/**
 * `m` in element type `dtype`: `m` itself when it already is, else a converted copy (never a view).
 * Shapes: `m [rows, cols]` → `[rows, cols]`.
 *
 * @example
 * toDtype(matrix([[1, 2]], 'float64'), 'float32').data; // Float32Array [1, 2]
 */
import { cast, dtypeOf, type Dtype, type Matrix } from './matrix.ts';

export function toDtype(m: Matrix, dtype: Dtype): Matrix {
  return dtypeOf(m.data) === dtype ? m : cast(m, dtype);
}
