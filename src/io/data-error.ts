/**
 * The one error type for a user's data mistake (bad CSV cell, ragged row, corrupt .npy or model file).
 * Its message names the file and, where known, the row and column, so that the CLI can print `err.message`
 * and exit with status 2 without a stack trace:
 *
 * `data.csv: row 17, column 3 ("x2"): expected a number, got "abc"`
 */

/** Where in a file a problem was found. */
export interface DataErrorLocation {
  /** The file as the user named it (used verbatim as the message prefix). */
  file: string;
  /** 1-based line number as an editor shows it, counting the header line and comment lines. */
  row?: number;
  /** 1-based column index. */
  column?: number;
  /** The column's name from the header, when the file has one. */
  columnName?: string;
}

/**
 * A user-facing error about the contents of a data or model file.
 *
 * @example
 * import { DataError } from 'maflow';
 * console.log(new DataError('expected a number, got "abc"', { file: 'data.csv', row: 17, column: 3, columnName: 'x2' }).message);
 * // → data.csv: row 17, column 3 ("x2"): expected a number, got "abc"
 */
export class DataError extends Error {
  readonly file: string;
  readonly row?: number;
  readonly column?: number;
  readonly columnName?: string;
  /** The problem without the location prefix. */
  readonly detail: string;

  constructor(detail: string, location: DataErrorLocation) {
    super(formatLocation(location) + ': ' + detail);
    this.name = 'DataError';
    this.file = location.file;
    this.detail = detail;
    if (location.row !== undefined) this.row = location.row;
    if (location.column !== undefined) this.column = location.column;
    if (location.columnName !== undefined) this.columnName = location.columnName;
  }
}

function formatLocation({ file, row, column, columnName }: DataErrorLocation): string {
  const parts: string[] = [];
  if (row !== undefined) parts.push(`row ${row}`);
  if (column !== undefined) parts.push(columnName === undefined ? `column ${column}` : `column ${column} (${JSON.stringify(columnName)})`);
  return parts.length === 0 ? file : `${file}: ${parts.join(', ')}`;
}
