/**
 * What the columnar readers (Arrow, Parquet) share: gathering the cells of the selected columns into row-major float64
 * rows, and the error for a cell that is not a finite number.
 */
import type { Matrix } from '../core/matrix.ts';
import { quote } from '../core/printable.ts';
import { DataError } from './data-error.ts';

/** Where the gathered rows come from, for the error messages (0-based rows and columns). */
export interface ColumnarSource {
  readonly file: string;
  /** The table row of the first gathered row. */
  readonly firstRow: number;
  /** The table column of each selected column. */
  readonly selected: readonly number[];
  /** The name of each selected column. */
  readonly names: readonly string[];
}

/**
 * `count` rows of the selected columns, `cell(r, j)` being row r's value in the j-th selected one (a number or a
 * bigint; null for a missing value). The first cell that is not a finite number ends the rows: they are those before
 * its row, with the error naming its row and column.
 */
export function gatherColumnarRows(count: number, cell: (row: number, column: number) => unknown, source: ColumnarSource):
  { rows: Matrix; error?: DataError } {
  const k = source.selected.length;
  const out = new Float64Array(count * k);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < k; j++) {
      const value = cell(r, j);
      const number = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : NaN;
      if (!Number.isFinite(number)) {
        return { rows: { rows: r, cols: k, data: out.subarray(0, r * k) }, error: cellError(value, r, j, source) };
      }
      out[r * k + j] = number;
    }
  }
  return { rows: { rows: count, cols: k, data: out } };
}

function cellError(cell: unknown, r: number, j: number, source: ColumnarSource): DataError {
  const where = { file: source.file, row: source.firstRow + r, column: source.selected[j], columnName: source.names[j], indexBase: 0 as const };
  if (cell === null || cell === undefined) {
    return new DataError('expected a number, got null (missing values are not supported; remove or impute them)', { ...where, code: 'not-a-number' });
  }
  if (typeof cell === 'number') return new DataError(`expected a finite number, got ${cell}`, { ...where, code: 'non-finite' });
  return new DataError(`expected a number, got ${quote(String(cell), { maxLength: 40 })} (the column is not numeric)`, { ...where, code: 'not-a-number' });
}
