/**
 * Numeric CSV files: `readCsv` / `parseCsv` to a `Matrix`, `writeCsv` from one.
 *
 * Reading handles a header row (auto-detected), comma / semicolon / tab delimiters (auto-detected), RFC 4180
 * quoting, CRLF line ends, a UTF-8 byte-order mark, blank lines and `#` comment lines (skipped; a numpy `savetxt`
 * header `# x1,x2` is therefore a comment). Only the selected columns must be numeric, so a file may carry label
 * columns. Every mistake is a `DataError` that names the file, the 1-based line as an editor shows it and the
 * 1-based column with its header name:
 *
 * `data.csv: row 17, column 3 ("x2"): expected a number, got "abc"`
 */
import { rowSlice, type Dtype, type Matrix } from '../core/matrix.ts';
import { printable } from '../core/printable.ts';
import { writeAtomically, type AtomicWriteOptions } from './atomic-write.ts';
import { parseLines } from './csv-lines.ts';
import { GrowableRows, looksNumeric, storeRow, type RowContext } from './csv-rows.ts';
import { CsvScanner, detectDelimiter } from './csv-scanner.ts';
import { DataError } from './data-error.ts';
import { formatNumber } from './format-number.ts';
import { readFileText } from './read-file-bytes.ts';
import { resolveColumns, type ColumnSelection } from './resolve-columns.ts';

/** Options of `readCsv` and `parseCsv`. */
export interface CsvReadOptions {
  /**
   * Whether the first row is a header. `'auto'`: it is a header when any of its cells is not a number
   * (cells like `nan` or `inf` count as numbers here, so that they are reported as bad values, not taken as names).
   * A headerless file whose first row holds a text label is mistaken for one with a header: pass `false` there.
   * @default 'auto'
   */
  header?: boolean | 'auto';
  /** Field delimiter; `'auto'` picks whichever of `,` `;` tab occurs most on the first row. @default 'auto' */
  delimiter?: ',' | ';' | '\t' | 'auto';
  /**
   * Columns to keep, in this order: header names or **0-based** indices, as an array or a comma-separated string
   * (`"x1,x2"`, `"0,3"`). Unselected columns may hold anything. @default all columns
   */
  columns?: ColumnSelection;
  /** Element type of the returned matrix. @default 'float32' */
  dtype?: Dtype;
}

/** Options of `parseCsv`: those of `readCsv` plus the name used in error messages. */
export interface CsvParseOptions extends CsvReadOptions {
  /** The file name that error messages start with. @default '<csv>' */
  file?: string;
}

/** A parsed numeric table. */
export interface CsvTable {
  /** `[rows, selected columns]` in the requested dtype. */
  matrix: Matrix;
  /** Names of the selected columns: from the header, else `col0`, `col1`, … after their 0-based index. */
  columns: string[];
}

/** Options of `writeCsv`. */
export interface CsvWriteOptions {
  /** Header names, one per matrix column. @default no header row */
  columns?: readonly string[];
  /** Field delimiter. @default ',' */
  delimiter?: ',' | ';' | '\t';
}

/**
 * Reads a numeric CSV file. The path is used verbatim as the prefix of error messages.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readCsv } from 'maflow';
 * writeFileSync('data.csv', 'x1,x2,y\n1,2,0\n3,4,1\n');
 * const { matrix, columns } = readCsv('data.csv', { columns: 'x1,x2', dtype: 'float64' });
 * console.log(columns, matrix.data); // → [ 'x1', 'x2' ] Float64Array(4) [ 1, 2, 3, 4 ]
 */
export function readCsv(path: string, options: CsvReadOptions = {}): CsvTable {
  return parseCsv(readFileText(path), { ...options, file: path });
}

/**
 * Parses numeric CSV text (see `readCsv`).
 *
 * @example
 * import { parseCsv } from 'maflow';
 * console.log(parseCsv('x1,x2\n1,2\n3,4\n').columns); // → [ 'x1', 'x2' ]
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvTable {
  const file = options.file ?? '<csv>';
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiterOption = options.delimiter ?? 'auto';
  const delimiter = delimiterOption === 'auto' ? detectDelimiter(text) : delimiterOption;
  const scanner = new CsvScanner(text, delimiter.charCodeAt(0), file);
  if (!scanner.nextRecord()) throw new DataError('the file is empty (no header and no data rows)', { file });
  const firstLine = scanner.recordLine;
  const first = scanner.readRecord();
  const headerOption = options.header ?? 'auto';
  const hasHeader = headerOption === 'auto' ? first.some((cell) => !looksNumeric(cell)) : headerOption;
  const width = first.length;
  const names = hasHeader ? first.map((cell) => cell.trim()) : first.map((_, i) => `col${i}`);
  const selected = options.columns === undefined ? names.map((_, i) => i) : resolveColumns(options.columns, names, file);
  const target = new Int32Array(width).fill(-1);
  selected.forEach((column, k) => { target[column] = k; });
  const context: RowContext = { file, names: hasHeader ? names : undefined, width, firstLine, hasHeader, delimiter };
  const sink = new GrowableRows(selected.length, options.dtype === 'float64');
  if (!hasHeader) storeRow(first, firstLine, target, sink, context);
  // The rest as the streaming reader parses it: pieces of plain numbers from their bytes, anything else scanned.
  const rest = Buffer.from(text.slice(scanner.position), 'utf8');
  parseLines(rest, rest.length, true, scanner.currentLine, target, sink, context);
  if (sink.rows === 0) {
    throw new DataError(`no data rows (only the header on row ${firstLine})`, { file, code: 'no-rows' });
  }
  return { matrix: sink.toMatrix(options.dtype ?? 'float32'), columns: selected.map((i) => names[i]) };
}

/**
 * Writes `matrix` as CSV, atomically. Each value is written with the fewest digits that read back to the same
 * number in the matrix's own precision (float32 values round-trip through `Math.fround`), so nothing is lost.
 * Non-finite values are written as `nan`, `inf`, `-inf` (which `readCsv` rejects, visibly). Control characters in
 * column names are escaped (`printable`), so a header cannot carry terminal escape sequences.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { matrix, writeCsv } from 'maflow';
 * writeCsv('samples.csv', matrix([[0.5, -1], [2, 0]]), { columns: ['x1', 'x2'] });
 * console.log(readFileSync('samples.csv', 'utf8')); // → x1,x2 / 0.5,-1 / 2,0 (three lines)
 */
export function writeCsv(path: string, matrix: Matrix, options: CsvWriteOptions & AtomicWriteOptions = {}): void {
  // Streamed 4096 rows at a time: a whole-file string of a few hundred MB exceeds V8's string limit.
  writeAtomically(path, (file) => {
    file.write(formatCsv({ rows: 0, cols: matrix.cols, data: matrix.data.subarray(0, 0) }, options));
    for (let start = 0; start < matrix.rows; start += 4096) {
      file.write(formatCsv(rowSlice(matrix, start, Math.min(matrix.rows, start + 4096)), { delimiter: options.delimiter }));
    }
  }, options);
}

/** The CSV text that `writeCsv` writes. */
export function formatCsv(matrix: Matrix, options: CsvWriteOptions = {}): string {
  const delimiter = options.delimiter ?? ',';
  const { rows, cols, data } = matrix;
  const single = data instanceof Float32Array;
  const lines: string[] = [];
  if (options.columns !== undefined) {
    if (options.columns.length !== cols) {
      throw new RangeError(`writeCsv: ${options.columns.length} column names for a matrix with ${cols} columns`);
    }
    // A header goes to terminals and spreadsheets: control characters in names (from a model file) are escaped.
    lines.push(options.columns.map((name) => quoteIfNeeded(printable(name), delimiter)).join(delimiter));
  }
  const cells: string[] = new Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cells[c] = formatNumber(data[r * cols + c], single);
    lines.push(cells.join(delimiter));
  }
  lines.push('');
  return lines.join('\n');
}

function quoteIfNeeded(name: string, delimiter: string): string {
  return name.includes(delimiter) || /["\r\n]/.test(name) || name.trimStart().startsWith('#')
    ? `"${name.replaceAll('"', '""')}"` : name;
}
