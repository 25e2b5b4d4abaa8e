/**
 * Reads the columns a model was trained on from a user's file. The model remembers its data and context column
 * names; a file that has those names (in any order, with other columns besides) is read by name, and a file without
 * them (no header, or other names) is read by position when it has exactly as many columns as the model needs; so is
 * every file for a model whose names repeat (trained on a header like `x,x`), and a file whose header repeats a name
 * the model needs.
 * Anything else is a `DataError` naming the file, the expected columns and what the file has.
 */
import { rowSlice, type Matrix } from '../core/matrix.ts';
import { quoteList } from '../core/printable.ts';
import { DataError } from '../io/data-error.ts';
import { readMatrix } from '../io/read-matrix.ts';
import { resolveColumns } from '../io/resolve-columns.ts';

/** The columns of a model's training file: its data columns, then its context columns. */
export interface ColumnLayout {
  columns: readonly string[];
  contextColumns: readonly string[];
}

/** Data and context read from one file, float64, in the model's column order. */
export interface ModelData {
  x: Matrix;
  /** `[n, contextColumns]`, or undefined for an unconditional layout. */
  context: Matrix | undefined;
}

/**
 * Reads `layout.columns` (and `layout.contextColumns`) from `path`.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readModelData } from './read-model-data.ts';
 * writeFileSync('test.csv', 'y,x2,x1\n0,2,1\n1,4,3\n');
 * const { x, context } = readModelData('test.csv', { columns: ['x1', 'x2'], contextColumns: ['y'] });
 * console.log(x.data, context?.data); // → Float64Array(4) [ 1, 2, 3, 4 ] Float64Array(2) [ 0, 1 ]
 */
export function readModelData(path: string, layout: ColumnLayout): ModelData {
  const wanted = [...layout.columns, ...layout.contextColumns];
  const all = readByNameOrPosition(path, wanted);
  const d = layout.columns.length;
  if (layout.contextColumns.length === 0) return { x: all, context: undefined };
  return { x: pick(all, 0, d), context: pick(all, d, all.cols) };
}

/** Reads only context columns (for `sample --context`). */
export function readContext(path: string, contextColumns: readonly string[]): Matrix {
  return readByNameOrPosition(path, contextColumns);
}

/**
 * The 0-based columns of a file with the column `names` that hold `wanted`, by the rules of `readModelData`: by name
 * when the file has all of them (and neither list repeats a needed name), else by position when it has exactly as
 * many columns. Used by the streaming readers, which know a file's names before its rows.
 */
export function modelColumnIndices(names: readonly string[], wanted: readonly string[], file: string): number[] {
  const repeats = new Set(wanted).size !== wanted.length;
  let headerRepeats = false;
  if (!repeats) {
    try {
      return resolveColumns([...wanted], names, file);
    } catch (error) {
      if (!(error instanceof DataError) || (error.code !== 'unknown-column' && error.code !== 'duplicate-column')) throw error;
      headerRepeats = error.code === 'duplicate-column';
    }
  }
  if (names.length !== wanted.length) throw columnCountError(wanted, names, repeats, headerRepeats, file);
  return names.map((_, i) => i);
}

function columnCountError(wanted: readonly string[], names: readonly string[], repeats: boolean, headerRepeats: boolean, file: string): DataError {
  const why = repeats ? '; the model\'s column names repeat, so the file is read by position'
    : headerRepeats ? '; the file\'s header repeats a name the model needs, so it is read by position' : '';
  return new DataError(`expected ${wanted.length} column${wanted.length === 1 ? '' : 's'} for this model ` +
    `(${quoteList(wanted)}), got ${names.length} (${quoteList(names)})${why}`, { file });
}

function readByNameOrPosition(path: string, wanted: readonly string[]): Matrix {
  // Names that repeat (a model trained on a header `x,x`) cannot select columns: such a model reads by position.
  const repeats = new Set(wanted).size !== wanted.length;
  let headerRepeats = false;
  if (!repeats) {
    try {
      return readMatrix(path, { columns: [...wanted], dtype: 'float64' }).matrix;
    } catch (error) {
      if (!(error instanceof DataError) || (error.code !== 'unknown-column' && error.code !== 'duplicate-column')) throw error;
      headerRepeats = error.code === 'duplicate-column';
    }
  }
  const { matrix, columns } = readMatrix(path, { dtype: 'float64' });
  if (matrix.cols !== wanted.length) throw columnCountError(wanted, columns, repeats, headerRepeats, path);
  return matrix;
}

/** Columns `[from, to)` of `m`, as a new matrix. */
export function pick(m: Matrix, from: number, to: number): Matrix {
  const width = to - from;
  const out: Matrix = { rows: m.rows, cols: width, data: new Float64Array(m.rows * width) };
  for (let r = 0; r < m.rows; r++) {
    out.data.set(rowSlice(m, r, r + 1).data.subarray(from, to), r * width);
  }
  return out;
}

/** The rows of `parts` (float64, one width) one after another in one matrix (the one part itself if alone). */
export function concatRows(parts: readonly Matrix[]): Matrix {
  if (parts.length === 1) return parts[0];
  const cols = parts[0].cols;
  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const data = new Float64Array(rows * cols);
  let at = 0;
  for (const part of parts) {
    data.set(part.data, at);
    at += part.data.length;
  }
  return { rows, cols, data };
}
