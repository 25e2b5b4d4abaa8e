/**
 * One entry point for data files, dispatching on the extension: `.csv` `.tsv` `.txt` → CSV, `.npy` → NumPy.
 */
import { extname } from 'node:path';
import { checkFinite } from '../core/check-finite.ts';
import { allocate, cast, dtypeOf, type Dtype, type Matrix } from '../core/matrix.ts';
import { readCsv, writeCsv } from './csv.ts';
import { DataError } from './data-error.ts';
import { readNpy, writeNpy } from './npy.ts';
import { resolveColumns, type ColumnSelection } from './resolve-columns.ts';

/** The extensions `readMatrix` and `writeMatrix` understand. */
export const MATRIX_FILE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.npy'] as const;

/** Options of `readMatrix`. */
export interface ReadMatrixOptions {
  /**
   * Columns to keep: header names (CSV only) or **0-based** indices, as an array or a comma-separated string.
   * For `.npy` files only indices apply (the columns are named `col0`, `col1`, …). @default all columns
   */
  columns?: ColumnSelection;
  /** Element type of the result (a `.npy` file of the other precision is converted). @default 'float32' */
  dtype?: Dtype;
}

/** A matrix read from a file, with its column names. */
export interface MatrixFile {
  matrix: Matrix;
  /** Header names for CSV files with a header, else `col0`, `col1`, … by 0-based index. */
  columns: string[];
}

/** Options of `writeMatrix`. */
export interface WriteMatrixOptions {
  /** Header names for CSV output (ignored for `.npy`). @default no header */
  columns?: readonly string[];
}

/**
 * Reads a data matrix from a CSV or `.npy` file, chosen by extension. Data are validated alike in both: a NaN,
 * ±Infinity or a value out of range for `dtype` is a `DataError` (code `'non-finite'`) naming the file, row and
 * column (a CSV's 1-based line, an array's 0-based index), and a file without data rows is one too (`'no-rows'`).
 *
 * @example
 * import { matrix, readMatrix, writeNpy } from 'maflow';
 * writeNpy('train.npy', matrix([[1, 2], [3, 4]]));
 * const { matrix: train, columns } = readMatrix('train.npy', { dtype: 'float64' });
 * console.log(columns, train.data); // → [ 'col0', 'col1' ] Float64Array(4) [ 1, 2, 3, 4 ]
 */
export function readMatrix(path: string, options: ReadMatrixOptions = {}): MatrixFile {
  const dtype = options.dtype ?? 'float32';
  const kind = fileKind(path, 'read');
  if (kind === 'csv') {
    return readCsv(path, { columns: options.columns, dtype, delimiter: extname(path).toLowerCase() === '.tsv' ? '\t' : 'auto' });
  }
  const full = readNpy(path);
  if (full.rows === 0 || full.cols === 0) {
    throw new DataError(`no data: the array has shape (${full.rows}, ${full.cols}); expected at least one row and one column`,
      { file: path, code: 'no-rows' });
  }
  const names = Array.from({ length: full.cols }, (_, i) => `col${i}`);
  const selected = options.columns === undefined ? null : resolveColumns(options.columns, names, path);
  const kept = selected === null ? full : selectColumns(full, selected);
  // The file's values are checked like a CSV's cells, in the dtype they are read as (a float64 1e300 read as float32
  // would become Infinity), naming the array's 0-based row and column.
  checkFinite(path, undefined, kept, { dtype, ...(selected === null ? {} : { columnIndices: selected }) });
  const matrix = dtypeOf(kept.data) === dtype ? kept : cast(kept, dtype);
  return { matrix, columns: selected === null ? names : selected.map((i) => names[i]) };
}

/** The columns `selected` of `m`, in its own dtype. */
function selectColumns(m: Matrix, selected: readonly number[]): Matrix {
  const out: Matrix = { rows: m.rows, cols: selected.length, data: allocate(dtypeOf(m.data), m.rows * selected.length) };
  for (let r = 0; r < m.rows; r++) {
    for (let k = 0; k < selected.length; k++) out.data[r * selected.length + k] = m.data[r * m.cols + selected[k]];
  }
  return out;
}

/**
 * Writes a matrix as CSV or `.npy`, chosen by extension, atomically.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { matrix, writeMatrix } from 'maflow';
 * writeMatrix('samples.csv', matrix([[1, 2], [3, 4]]), { columns: ['x1', 'x2'] });
 * console.log(readFileSync('samples.csv', 'utf8')); // → x1,x2 / 1,2 / 3,4 (three lines)
 */
export function writeMatrix(path: string, m: Matrix, options: WriteMatrixOptions = {}): void {
  const kind = fileKind(path, 'write');
  if (kind === 'npy') writeNpy(path, m);
  else writeCsv(path, m, { columns: options.columns, delimiter: extname(path).toLowerCase() === '.tsv' ? '\t' : ',' });
}

function fileKind(path: string, verb: 'read' | 'write'): 'csv' | 'npy' {
  const extension = extname(path).toLowerCase();
  if (extension === '.npy') return 'npy';
  if (extension === '.csv' || extension === '.tsv' || extension === '.txt') return 'csv';
  throw new DataError(`cannot ${verb} ${extension === '' ? 'a file without an extension' : `"${extension}" files`}; ` +
    `supported: ${MATRIX_FILE_EXTENSIONS.join(', ')}`, { file: path });
}
