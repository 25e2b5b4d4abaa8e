/**
 * The row-level half of CSV reading, shared by `parseCsv` (a whole text) and the streaming reader (a block at a time):
 * parsing the selected cells of one record into float64 rows, and the messages for a bad cell or a ragged row.
 */
import { allocate, type Dtype, type Matrix } from '../core/matrix.ts';
import { quote } from '../core/printable.ts';
import type { CsvScanner } from './csv-scanner.ts';
import { DataError } from './data-error.ts';
import { parseDecimal } from './parse-decimal.ts';

/** What the row parser needs to know about the file, for its messages. */
export interface RowContext {
  file: string;
  names: string[] | undefined;
  width: number;
  firstLine: number;
  hasHeader: boolean;
  delimiter: string;
}

/** Parses the selected cells of the scanner's current record into `sink` (the hot loop). */
export function scanRow(scanner: CsvScanner, target: Int32Array, sink: GrowableRows, context: RowContext): void {
  const line = scanner.recordLine;
  const base = sink.beginRow();
  const data = sink.data;
  const single = sink.single;
  let column = 0;
  do {
    scanner.scanField();
    const k = column < context.width ? target[column] : -1;
    if (k >= 0) {
      const quoted = scanner.quotedValue;
      const value = quoted === undefined
        ? parseDecimal(scanner.text, scanner.fieldStart, scanner.fieldEnd)
        : parseDecimal(quoted, 0, quoted.length);
      if (!storable(value, single)) {
        throw cellError(scanner.fieldText(), value, single, line, column, context);
      }
      data[base + k] = value;
    }
    column++;
  } while (!scanner.endOfRecord);
  if (column !== context.width) throw raggedError(column, line, context);
}

/** Stores an already-split record (the first row of a file without a header). */
export function storeRow(cells: string[], line: number, target: Int32Array, sink: GrowableRows, context: RowContext): void {
  const base = sink.beginRow();
  cells.forEach((cell, column) => {
    const k = target[column];
    if (k < 0) return;
    const value = parseDecimal(cell);
    if (!storable(value, sink.single)) {
      throw cellError(cell, value, sink.single, line, column, context);
    }
    sink.data[base + k] = value;
  });
}

/** Whether a parsed cell may be stored: a finite number, and finite in float32 when `single` (a float32 read). */
export function storable(value: number, single: boolean): boolean {
  return value - value === 0 && (!single || Number.isFinite(Math.fround(value)));
}

function cellError(cell: string, value: number, single: boolean, row: number, column: number,
  context: RowContext): DataError {
  const where = { file: context.file, row, column: column + 1, columnName: context.names?.[column] };
  const trimmed = cell.trim();
  let detail: string;
  let code: 'not-a-number' | 'non-finite' = 'non-finite';
  if (trimmed === '') {
    detail = 'expected a number, got an empty cell (missing values are not supported)';
    code = 'not-a-number';
  } else if (/^[+-]?nan$/i.test(trimmed)) detail = `expected a number, got ${quote(cell)} (missing values are not supported; remove or impute them)`;
  else if (/^[+-]?inf(inity)?$/i.test(trimmed)) detail = `expected a finite number, got ${quote(cell)}`;
  else if (!Number.isNaN(value)) {
    detail = single
      ? `${quote(cell)} is out of float32 range (use dtype float64)`
      : `${quote(cell)} is out of range for a double`;
  } else {
    detail = `expected a number, got ${quote(cell)}`;
    code = 'not-a-number';
    if (context.delimiter !== ',' && /^[+-]?\d*,\d+$/.test(trimmed)) detail += ' (decimal commas are not supported; use a period)';
  }
  return new DataError(detail, { ...where, code });
}

function raggedError(cells: number, row: number, context: RowContext): DataError {
  const reference = context.hasHeader ? `like the header on row ${context.firstLine}` : `like row ${context.firstLine}, the first row`;
  return new DataError(`has ${cells} cells, expected ${context.width} (${reference})`, { file: context.file, row });
}

/** Whether a header cell looks like a number (then the row is data, not a header). */
export function looksNumeric(cell: string): boolean {
  const trimmed = cell.trim();
  return trimmed === '' || !Number.isNaN(parseDecimal(trimmed)) || /^[+-]?(nan|inf|infinity)$/i.test(trimmed);
}

/** Row-major float64 storage that doubles its capacity as rows arrive. */
export class GrowableRows {
  rows = 0;
  data: Float64Array;
  readonly single: boolean;

  constructor(readonly cols: number, float64: boolean) {
    this.single = !float64;
    this.data = new Float64Array(Math.max(1, cols) * 1024);
  }

  /** Reserves one more row and returns its offset. */
  beginRow(): number {
    const base = this.rows * this.cols;
    if (base + this.cols > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.rows++;
    return base;
  }

  /** The rows so far as a float64 matrix (a view, no copy), leaving this store empty with a fresh buffer. */
  take(): Matrix {
    const out: Matrix = { rows: this.rows, cols: this.cols, data: this.data.subarray(0, this.rows * this.cols) };
    this.data = new Float64Array(this.data.length);   // the capacity a block needed, so the next rarely grows
    this.rows = 0;
    return out;
  }

  /** Forgets the last row (a record that turned out to be incomplete). */
  dropLastRow(): void {
    this.rows--;
  }

  /** The rows as a matrix of `dtype` (a copy). */
  toMatrix(dtype: Dtype): Matrix {
    const data = allocate(dtype, this.rows * this.cols);
    data.set(this.data.subarray(0, this.rows * this.cols));
    return { rows: this.rows, cols: this.cols, data };
  }
}
