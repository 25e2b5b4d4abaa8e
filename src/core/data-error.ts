import { quote } from './printable.ts';

/**
 * What kind of data problem a `DataError` reports, for code that reacts to one kind (the CLI's fallbacks and hints)
 * without reading the message, whose wording may change.
 * - `'not-a-number'`: a cell that is not a number (`"abc"`, an empty cell);
 * - `'non-finite'`: NaN, ±Infinity, or a value beyond the range of the dtype it is cast into;
 * - `'unknown-column'`: a column selector or a model's column name that the file does not have;
 * - `'duplicate-column'`: a header name that occurs more than once where a column is selected by name;
 * - `'no-rows'`: a file or array without data rows.
 */
export type DataErrorCode = 'not-a-number' | 'non-finite' | 'unknown-column' | 'duplicate-column' | 'no-rows';

/** Where in a file (or in a tensor given to a library call) a problem was found. */
export interface DataErrorLocation {
  /** The file as the user named it, or the method for a library call (`TransformedDistribution.logProb`); the message prefix. */
  file: string;
  /** The tensor (argument) the row and column index, for library calls: `x`, `context`, `data`. */
  tensor?: string;
  /** The row: a 1-based line number as an editor shows it (text files), or a 0-based index when `indexBase` is 0. */
  row?: number;
  /** The column: 1-based, or 0-based when `indexBase` is 0. */
  column?: number;
  /** The column's name from the header, when the file has one. */
  columnName?: string;
  /**
   * 1: `row` is a line and `column` counts from 1 (text files); 0: both are 0-based indices into an array
   * (`.npy` files, matrices), and the message says so.
   * @default 1
   */
  indexBase?: 0 | 1;
}

/** A `DataError`'s location and, optionally, its kind. */
export interface DataErrorInit extends DataErrorLocation {
  /** The kind of problem, when callers may need to tell it apart. */
  code?: DataErrorCode;
}

/**
 * The one error type for a user's data mistake (bad CSV cell, ragged row, NaN in an array, corrupt .npy or model
 * file). Its message names the file (or the method) and, where known, the row and column, so that the CLI can print
 * it as one line and exit with status 2 without a stack trace. Names from the file are quoted with `quote`
 * (printable, at most 60 characters).
 *
 * @example
 * import { DataError } from 'maflow';
 * console.log(new DataError('expected a number, got "abc"', { file: 'data.csv', row: 17, column: 3, columnName: 'x2' }).message);
 * // → data.csv: row 17, column 3 ("x2"): expected a number, got "abc"
 * const error = new DataError('expected a finite number, got Infinity', { file: 'MaskedAutoregressiveFlow.inverse', tensor: 'x', row: 4, column: 0, indexBase: 0, code: 'non-finite' });
 * console.log(error.message, error.code); // → MaskedAutoregressiveFlow.inverse: x row 4, column 0 (0-based): expected a finite number, got Infinity non-finite
 */
export class DataError extends Error {
  readonly file: string;
  readonly tensor?: string;
  readonly row?: number;
  readonly column?: number;
  readonly columnName?: string;
  /** 1 for file lines and 1-based columns, 0 for array indices (see `DataErrorLocation`). */
  readonly indexBase: 0 | 1;
  /** The kind of problem, when it was classified. */
  readonly code?: DataErrorCode;
  /** The problem without the location prefix. */
  readonly detail: string;

  constructor(detail: string, init: DataErrorInit) {
    super(formatLocation(init) + ': ' + detail);
    this.name = 'DataError';
    this.file = init.file;
    this.detail = detail;
    this.indexBase = init.indexBase ?? 1;
    if (init.tensor !== undefined) this.tensor = init.tensor;
    if (init.row !== undefined) this.row = init.row;
    if (init.column !== undefined) this.column = init.column;
    if (init.columnName !== undefined) this.columnName = init.columnName;
    if (init.code !== undefined) this.code = init.code;
  }
}

function formatLocation({ file, tensor, row, column, columnName, indexBase }: DataErrorLocation): string {
  const parts: string[] = [];
  if (row !== undefined) parts.push(`row ${row}`);
  if (column !== undefined) parts.push(columnName === undefined ? `column ${column}` : `column ${column} (${quote(columnName)})`);
  if (parts.length === 0) return tensor === undefined ? file : `${file}: ${tensor}`;
  const where = parts.join(', ') + (indexBase === 0 ? ' (0-based)' : '');
  return `${file}: ${tensor === undefined ? '' : `${tensor} `}${where}`;
}
