/**
 * The fast path of CSV reading: lines of plain numbers parsed straight from their bytes, in one pass that finds each
 * field's end while it reads its digits, without decoding the text to a string first. Most data files are nothing
 * else (`numpy.savetxt`, pandas' `to_csv` without an index, R's `write.csv` of a numeric frame without row names). A
 * piece with anything more — a quote, a comment or blank line, spaces, `nan`, a ragged row, a cell that is not a
 * number — is left to the general scanner, which reads it from the start with every rule and message; so are a
 * number's digits beyond the fast cases (more than 15 significant digits or a decimal exponent beyond ±22), which are
 * handed to `parseDecimal` one cell at a time. The values are the ones `parseDecimal` gives, bit for bit.
 */
import { storable, type GrowableRows, type RowContext } from './csv-rows.ts';
import { decimalValue, parseDecimal } from './parse-decimal.ts';

const NEWLINE = 10;
const RETURN = 13;
const MINUS = 45;
const PLUS = 43;
const PERIOD = 46;
const ZERO = 48;
const LOWER_E = 101;

/**
 * Parses the lines `bytes[start, end)` (complete lines, the last one's line end optional) into `sink`, when every
 * line is `width` plain numbers: returns how many lines it parsed, or -1 with `sink` as it was (then the general
 * scanner reads the piece).
 *
 * @example
 * import { GrowableRows } from './csv-rows.ts';
 * import { parsePlainLines } from './csv-plain.ts';
 * const sink = new GrowableRows(2, true);
 * const context = { file: 'a.csv', names: undefined, width: 2, firstLine: 1, hasHeader: false, delimiter: ',' };
 * const bytes = Buffer.from('1.5,-2e3\n0.25,7\n');
 * console.log(parsePlainLines(bytes, 0, bytes.length, Int32Array.of(0, 1), sink, context), sink.take().data);
 * // → 2 Float64Array(4) [1.5, -2000, 0.25, 7]
 * console.log(parsePlainLines(Buffer.from('1,"2"\n'), 0, 6, Int32Array.of(0, 1), sink, context)); // → -1 (a quote)
 */
export function parsePlainLines(bytes: Uint8Array, start: number, end: number, target: Int32Array, sink: GrowableRows,
  context: RowContext): number {
  const rowsBefore = sink.rows;
  const width = context.width;
  const delimiter = context.delimiter.charCodeAt(0);
  const single = sink.single;
  let lines = 0;
  let i = start;
  while (i < end) {
    const base = sink.beginRow();
    const data = sink.data;
    let column = 0;
    for (;;) {
      // One number: [+-]digits[.digits][(e|E)[+-]digits], ending at the delimiter, a line end or the end.
      const cellStart = i;
      let c = bytes[i];
      const negative = c === MINUS;
      if (negative || c === PLUS) c = bytes[++i];
      // The first 15 significant digits in `mantissa` (exact), up to 4 more in `low`, as parseDecimal keeps them.
      let mantissa = 0;
      let low = 0;
      let significant = 0;
      let exponent = 0;
      let digits = 0;
      for (; c >= ZERO && c <= ZERO + 9; c = bytes[++i], digits++) {
        if (significant > 0 || c !== ZERO) significant++;
        if (significant <= 15) mantissa = mantissa * 10 + (c - ZERO);
        else low = low * 10 + (c - ZERO);
      }
      if (c === PERIOD) {
        for (c = bytes[++i]; c >= ZERO && c <= ZERO + 9; c = bytes[++i], digits++) {
          if (significant > 0 || c !== ZERO) significant++;
          if (significant <= 15) mantissa = mantissa * 10 + (c - ZERO);
          else low = low * 10 + (c - ZERO);
          exponent--;
        }
      }
      if (digits === 0) return fallBack(sink, rowsBefore);
      if ((c | 32) === LOWER_E) {
        c = bytes[++i];
        const exponentNegative = c === MINUS;
        if (exponentNegative || c === PLUS) c = bytes[++i];
        const exponentStart = i;
        let written = 0;
        for (; c >= ZERO && c <= ZERO + 9; c = bytes[++i]) if (written < 100000) written = written * 10 + (c - ZERO);
        if (i === exponentStart) return fallBack(sink, rowsBefore);
        exponent += exponentNegative ? -written : written;
      }
      let value = decimalValue(negative, mantissa, significant, low, exponent);
      // Beyond the fast cases: parseDecimal, from the cell's text.
      if (Number.isNaN(value)) value = parseDecimal(String.fromCharCode.apply(null, bytes.subarray(cellStart, i) as unknown as number[]));
      if (!storable(value, single)) return fallBack(sink, rowsBefore);
      const k = column < width ? target[column] : -1;
      if (k >= 0) data[base + k] = value;
      column++;
      if (i >= end) break;
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === NEWLINE) {
        i++;
        break;
      }
      if (c === RETURN && bytes[i + 1] === NEWLINE) {
        i += 2;
        break;
      }
      return fallBack(sink, rowsBefore);
    }
    if (column !== width) return fallBack(sink, rowsBefore);
    lines++;
  }
  return lines;
}

function fallBack(sink: GrowableRows, rows: number): -1 {
  sink.rows = rows;
  return -1;
}
