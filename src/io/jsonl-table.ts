/**
 * JSON lines as a chunked table: one JSON object (`{"x1": 0.5, "x2": -1}`, columns named by the first object's keys)
 * or one array (`[0.5, -1]`, columns by position) per line; blank lines are skipped. A value must be a finite JSON
 * number; messages name the 1-based line and the key.
 */
import { quote } from '../core/printable.ts';
import type { ByteReader } from './byte-reader.ts';
import { DataError } from './data-error.ts';
import { noRowsError, type TableReader } from './table-reader.ts';

/** Reads JSON lines up to the first record and returns the table. */
export async function openJsonlTable(bytes: ByteReader): Promise<TableReader> {
  const file = bytes.file;
  const lines = new LineStream(bytes);
  let first: { value: unknown; line: number } | undefined;
  for (let next = await lines.next(); next !== undefined; next = await lines.next()) {
    if (next.text.trim() === '') continue;
    first = { value: parseLine(next.text, next.line, file), line: next.line };
    break;
  }
  if (first === undefined) throw new DataError('the file is empty (no JSON lines)', { file });
  const isObject = !Array.isArray(first.value);
  const columns = isObject ? Object.keys(first.value as object) : (first.value as unknown[]).map((_, i) => `col${i}`);
  const start = first;
  return {
    file, format: 'jsonl', columns, named: isObject, rows: undefined,
    async *chunks(selected) {
      const k = selected.length;
      const names = selected.map((i) => columns[i]);
      let data = new Float64Array(8192 * Math.max(1, k));
      let n = 0;
      let firstRow = 0;
      const store = (value: unknown, line: number): void => {
        if ((n + 1) * k > data.length) {
          const grown = new Float64Array(data.length * 2);
          grown.set(data);
          data = grown;
        }
        for (let j = 0; j < k; j++) {
          const cell = isObject ? (value as Record<string, unknown>)[names[j]] : (value as unknown[])[selected[j]];
          if (typeof cell !== 'number' || !Number.isFinite(cell)) throw cellError(cell, line, selected[j], names[j], isObject, file);
          data[n * k + j] = cell;
        }
        n++;
      };
      const take = (): { rows: { rows: number; cols: number; data: Float64Array }; firstRow: number } => {
        const chunk = { rows: { rows: n, cols: k, data: data.subarray(0, n * k) }, firstRow };
        firstRow += n;
        data = new Float64Array(data.length);
        n = 0;
        return chunk;
      };
      try {
        store(checkShape(start.value, isObject, columns.length, start.line, file), start.line);
        for (let next = await lines.next(); next !== undefined; next = await lines.next()) {
          if (next.text.trim() === '') continue;
          store(checkShape(parseLine(next.text, next.line, file), isObject, columns.length, next.line, file), next.line);
          if (n >= 65536) yield take();
        }
      } catch (error) {
        if (n > 0) yield take();
        throw error;
      }
      if (n > 0) yield take();
      if (firstRow === 0) throw noRowsError(file, 'no JSON lines');
    },
  };
}

function parseLine(text: string, line: number, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`not valid JSON (${(error as Error).message}): ${quote(text.trim(), { maxLength: 40 })}`, { file, row: line });
  }
  if (value === null || typeof value !== 'object') {
    throw new DataError(`expected a JSON object or array, got ${quote(text.trim(), { maxLength: 40 })}`, { file, row: line });
  }
  return value;
}

function checkShape(value: unknown, isObject: boolean, width: number, line: number, file: string): unknown {
  if (isObject === Array.isArray(value)) {
    throw new DataError(`expected a JSON ${isObject ? 'object' : 'array'} like the first line, got ${isObject ? 'an array' : 'an object'}`, { file, row: line });
  }
  if (!isObject && (value as unknown[]).length !== width) {
    throw new DataError(`has ${(value as unknown[]).length} values, expected ${width} (like the first line)`, { file, row: line });
  }
  return value;
}

function cellError(cell: unknown, line: number, column: number, name: string, isObject: boolean, file: string): DataError {
  const where = { file, row: line, column: column + 1, ...(isObject ? { columnName: name } : {}) };
  if (cell === undefined) return new DataError(isObject ? `the key ${quote(name)} is missing` : 'the value is missing', { ...where, code: 'not-a-number' });
  if (cell === null) return new DataError('expected a number, got null (missing values are not supported; remove or impute them)', { ...where, code: 'not-a-number' });
  const shown = typeof cell === 'string' ? quote(cell) : quote(JSON.stringify(cell), { maxLength: 40 });
  return new DataError(`expected a number, got ${shown}`, { ...where, code: 'not-a-number' });
}

/** The lines of a UTF-8 byte stream with their 1-based numbers. */
class LineStream {
  private readonly decoder = new TextDecoder('utf-8');
  private buffered: string[] = [];
  private carry = '';
  private line = 0;
  private done = false;

  constructor(private readonly bytes: ByteReader) {}

  async next(): Promise<{ text: string; line: number } | undefined> {
    while (this.buffered.length === 0) {
      if (this.done) return undefined;
      const block = await this.bytes.read();
      const text = block === undefined ? this.decoder.decode() : this.decoder.decode(block, { stream: true });
      const parts = (this.carry + text).split('\n');
      if (block === undefined) {
        this.done = true;
        this.carry = '';
      } else {
        this.carry = parts.pop() ?? '';
      }
      if (this.line === 0 && parts.length > 0 && parts[0].charCodeAt(0) === 0xfeff) parts[0] = parts[0].slice(1);
      this.buffered = parts.reverse();
    }
    this.line++;
    return { text: this.buffered.pop() as string, line: this.line };
  }
}
