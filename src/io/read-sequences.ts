/**
 * Sequence data from files, in three layouts: a 3-D `.npy` `[sequences, steps, features]`; a long-format CSV (one row
 * per step, `sequenceColumn` naming the sequence, `timeColumn` ordering its rows; sequences may differ in length: they
 * are padded, with `lengths`); or one long series (a CSV or 2-D `.npy`, one row per step) cut into windows of `window`
 * steps every `stride` rows. Every mistake is one `DataError` naming the file and, for CSV, the line and column.
 */
import { extname } from 'node:path';
import { zeros, type Dtype, type Matrix } from '../core/matrix.ts';
import { quote } from '../core/printable.ts';
import { checkSequenceValues, type Sequences } from '../core/sequences.ts';
import { CsvScanner, detectDelimiter } from './csv-scanner.ts';
import { DataError } from './data-error.ts';
import { parseNpyArray } from './npy.ts';
import { parseDecimal } from './parse-decimal.ts';
import { readFileBytes, readFileText } from './read-file-bytes.ts';
import { readMatrix } from './read-matrix.ts';
import { resolveColumns, type ColumnSelection } from './resolve-columns.ts';

/** How a file holds its sequences (see the module doc); none set: a 3-D `.npy`. */
export interface SequenceLayout {
  /** The column naming each row's sequence (long-format CSV). */
  sequenceColumn?: string;
  /** The column ordering the rows within a sequence (long-format CSV). @default the file's row order */
  timeColumn?: string;
  /** Steps per window, cutting one long series into sequences. */
  window?: number;
  /** Rows between the starts of consecutive windows. @default window (non-overlapping) */
  stride?: number;
}

/** Options of `readSequences`. */
export interface ReadSequencesOptions extends SequenceLayout {
  /** The features of each step: names or 0-based indices. @default every column but the sequence, time and context columns */
  columns?: ColumnSelection;
  /** Static covariates (long-format CSV only): constant within each sequence. @default none */
  contextColumns?: ColumnSelection;
  /** @default 'float64' */
  dtype?: Dtype;
}

/** Sequences read by `readSequences`. */
export interface SequenceFile {
  data: Sequences;
  /** Names of the features. */
  columns: string[];
  /** Names of the static covariates. */
  contextColumns: string[];
  /** `[n, contextColumns]`, when there are covariates. */
  context?: Matrix;
  /** The sequence ids (long CSV), or the 0-based index of each sequence (windows: its first row). */
  ids: string[];
}

/**
 * Reads sequences from `path` in the layout `options` describes.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readSequences } from 'maflow';
 * writeFileSync('long.csv', 'id,t,x\na,2,0.5\na,1,0.1\nb,1,3\n');
 * const { data, ids } = readSequences('long.csv', { sequenceColumn: 'id', timeColumn: 't' });
 * console.log(ids, data.lengths, Array.from(data.data)); // → [ 'a', 'b' ] Int32Array(2) [ 2, 1 ] [ 0.1, 0.5, 3, 0 ]
 */
export function readSequences(path: string, options: ReadSequencesOptions = {}): SequenceFile {
  const dtype = options.dtype ?? 'float64';
  if (options.window !== undefined) {
    if (options.sequenceColumn !== undefined) throw new DataError('give --window or --sequence-column, not both', { file: path });
    return readWindows(path, options, dtype);
  }
  if (options.sequenceColumn !== undefined) return readLongCsv(path, options, dtype);
  if (options.timeColumn !== undefined) throw new DataError('a time column needs a sequence column (--sequence-column)', { file: path });
  return readNpySequences(path, options, dtype);
}

function readNpySequences(path: string, options: ReadSequencesOptions, dtype: Dtype): SequenceFile {
  if (extname(path).toLowerCase() !== '.npy') {
    throw new DataError('sequences need a layout: a 3-D .npy [sequences, steps, features], a long-format CSV with ' +
      '--sequence-column (and --time-column), or one long series cut with --window', { file: path });
  }
  const { shape, data } = parseNpyArray(readFileBytes(path), path);
  if (shape.length !== 3) {
    throw new DataError(`expected a 3-D array [sequences, steps, features], got shape (${shape.join(', ')})` +
      (shape.length <= 2 ? ': for one long series (a row per step) give --window' : ''), { file: path });
  }
  const [count, steps, width] = shape;
  if (count === 0 || steps === 0 || width === 0) {
    throw new DataError(`no data: the array has shape (${shape.join(', ')})`, { file: path, code: 'no-rows' });
  }
  if (options.contextColumns !== undefined) throw new DataError('a 3-D .npy has no context columns (use a long-format CSV)', { file: path });
  const names = Array.from({ length: width }, (_, i) => `col${i}`);
  const selected = options.columns === undefined ? names.map((_, i) => i) : resolveColumns(options.columns, names, path);
  const F = selected.length;
  const out = dtype === 'float64' ? new Float64Array(count * steps * F) : new Float32Array(count * steps * F);
  for (let r = 0; r < count * steps; r++) for (let k = 0; k < F; k++) out[r * F + k] = data[r * width + selected[k]];
  const s: Sequences = { count, steps, features: F, data: out, lengths: null };
  checkSequenceValues(path, 'array', { count, steps, features: width, data, lengths: null }, dtype);
  return { data: s, columns: selected.map((i) => names[i]), contextColumns: [], ids: Array.from({ length: count }, (_, i) => String(i)) };
}

function readWindows(path: string, options: ReadSequencesOptions, dtype: Dtype): SequenceFile {
  const T = options.window as number;
  const S = options.stride ?? T;
  if (!Number.isInteger(T) || T < 1) throw new DataError(`--window must be a positive integer, got ${T}`, { file: path });
  if (!Number.isInteger(S) || S < 1) throw new DataError(`--stride must be a positive integer, got ${S}`, { file: path });
  if (options.contextColumns !== undefined) throw new DataError('windows of one series have no context columns', { file: path });
  const { matrix: series, columns } = readMatrix(path, { columns: options.columns, dtype });
  if (series.rows < T) {
    throw new DataError(`the series has ${series.rows} row${series.rows === 1 ? '' : 's'}, shorter than the window of ${T} steps (--window)`, { file: path });
  }
  const count = Math.floor((series.rows - T) / S) + 1;
  const F = series.cols;
  const data = dtype === 'float64' ? new Float64Array(count * T * F) : new Float32Array(count * T * F);
  for (let i = 0; i < count; i++) data.set(series.data.subarray(i * S * F, (i * S + T) * F), i * T * F);
  return { data: { count, steps: T, features: F, data, lengths: null }, columns, contextColumns: [], ids: Array.from({ length: count }, (_, i) => String(i * S)) };
}

/** One row of a long-format CSV. */
interface LongRow {
  line: number;
  time: number;
  values: number[];
  context: number[];
}

function readLongCsv(path: string, options: ReadSequencesOptions, dtype: Dtype): SequenceFile {
  let text = readFileText(path);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = extname(path).toLowerCase() === '.tsv' ? '\t' : detectDelimiter(text);
  const scanner = new CsvScanner(text, delimiter.charCodeAt(0), path);
  if (!scanner.nextRecord()) throw new DataError('the file is empty (a long-format CSV needs a header and rows)', { file: path });
  const names = scanner.readRecord().map((cell) => cell.trim());
  const one = (option: string, value: string) => {
    const [index] = resolveColumns(value, names, path);
    if (index === undefined) throw new DataError(`${option} names no column`, { file: path });
    return index;
  };
  const idColumn = one('--sequence-column', options.sequenceColumn as string);
  const timeColumn = options.timeColumn === undefined ? -1 : one('--time-column', options.timeColumn);
  const contextColumns = options.contextColumns === undefined ? [] : resolveColumns(options.contextColumns, names, path);
  const dataColumns = options.columns !== undefined ? resolveColumns(options.columns, names, path)
    : names.map((_, i) => i).filter((i) => i !== idColumn && i !== timeColumn && !contextColumns.includes(i));
  if (dataColumns.length === 0) throw new DataError('no feature columns left besides the sequence, time and context columns', { file: path });
  const groups = new Map<string, LongRow[]>();
  let order = 0;
  const number = (cells: string[], column: number, line: number, what: string): number => {
    const cell = (cells[column] ?? '').trim();
    const location = { file: path, row: line, column: column + 1, columnName: names[column] };
    if (cell === '') throw new DataError(`missing ${what}`, { ...location, code: 'not-a-number' });
    // The data files' strict decimal syntax (no hex, no `1_000`); nan and inf are named as non-finite values.
    const v = parseDecimal(cell);
    if (/^[+-]?(nan|inf|infinity)$/i.test(cell) || (Number.isNaN(v) === false && !Number.isFinite(v))) {
      throw new DataError(`expected a finite number, got ${quote(cell)}`, { ...location, code: 'non-finite' });
    }
    if (Number.isNaN(v)) throw new DataError(`expected a number, got ${quote(cell)}`, { ...location, code: 'not-a-number' });
    return v;
  };
  while (scanner.nextRecord()) {
    const line = scanner.recordLine;
    const cells = scanner.readRecord();
    const id = (cells[idColumn] ?? '').trim();
    if (id === '') throw new DataError('missing sequence id', { file: path, row: line, column: idColumn + 1, columnName: names[idColumn] });
    const row: LongRow = {
      line, time: timeColumn < 0 ? order : number(cells, timeColumn, line, 'time value'),
      values: dataColumns.map((c) => number(cells, c, line, 'value')), context: contextColumns.map((c) => number(cells, c, line, 'context value')),
    };
    order++;
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [row]);
    else group.push(row);
  }
  if (groups.size === 0) throw new DataError('no data rows (only the header)', { file: path, code: 'no-rows' });
  return assemble(path, groups, dataColumns.map((i) => names[i]), contextColumns.map((i) => names[i]), names, timeColumn, dtype);
}

/** The grouped rows as padded sequences, ordered by time, with the checks of duplicates and varying covariates. */
function assemble(path: string, groups: Map<string, LongRow[]>, columns: string[], contextColumns: string[], names: string[],
  timeColumn: number, dtype: Dtype): SequenceFile {
  const ids = [...groups.keys()];
  const steps = Math.max(...[...groups.values()].map((g) => g.length));
  const F = columns.length;
  const C = contextColumns.length;
  const data = dtype === 'float64' ? new Float64Array(ids.length * steps * F) : new Float32Array(ids.length * steps * F);
  const lengths = new Int32Array(ids.length);
  const context = C === 0 ? undefined : zeros(ids.length, C, dtype);
  ids.forEach((id, i) => {
    const rows = (groups.get(id) as LongRow[]).slice().sort((a, b) => a.time - b.time);
    for (let t = 1; t < rows.length; t++) {
      if (rows[t].time === rows[t - 1].time) {
        throw new DataError(`sequence ${quote(id)} has two rows at time ${rows[t].time} (rows ${rows[t - 1].line} and ${rows[t].line}); ` +
          'each time may occur once per sequence', { file: path, row: rows[t].line, column: timeColumn + 1, columnName: names[timeColumn] });
      }
    }
    lengths[i] = rows.length;
    rows.forEach((row, t) => data.set(row.values, (i * steps + t) * F));
    if (context !== undefined) {
      context.data.set(rows[0].context, i * C);
      const varying = rows.find((row) => row.context.some((v, c) => v !== rows[0].context[c]));
      if (varying !== undefined) {
        throw new DataError(`the context columns must be constant within a sequence, but sequence ${quote(id)} changes them on row ${varying.line} ` +
          `(first on row ${rows[0].line})`, { file: path });
      }
    }
  });
  const ragged = lengths.some((l) => l !== steps);
  return {
    data: { count: ids.length, steps, features: F, data, lengths: ragged ? lengths : null },
    columns, contextColumns, ...(context === undefined ? {} : { context }), ids,
  };
}
