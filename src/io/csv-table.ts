/**
 * CSV / TSV as a chunked table: the text is decoded a block of lines at a time and parsed with the same scanner and row parser
 * as `parseCsv`, so a streamed file gives exactly the numbers and the messages (1-based lines) of a whole-file read.
 * A block is cut after its last line end; a record that a quoted line break carries past the cut is parsed again
 * with the next block. A file of several blocks is parsed on worker threads (`CsvParsePool`) up to its first quote,
 * a few blocks ahead of the caller, so that parsing overlaps whatever the caller does with the rows (scoring them).
 */
import type { ByteReader } from './byte-reader.ts';
import type { Matrix } from '../core/matrix.ts';
import { parseLines } from './csv-lines.ts';
import { blockError, CsvParsePool, type ParsedBlock } from './csv-parse-pool.ts';
import { GrowableRows, looksNumeric, storeRow, type RowContext } from './csv-rows.ts';
import { CsvScanner, detectDelimiter } from './csv-scanner.ts';
import { DataError } from './data-error.ts';
import { noRowsError, type TableReader } from './table-reader.ts';

/** A record (with its quoted line breaks) longer than this is refused: it is a runaway quote, not data. */
const MAX_RECORD_CHARS = 64 << 20;

/** The byte of a line end (`\n`; also ends a CRLF line). */
const NEWLINE = 10;

/** The byte of a quote. */
const QUOTE = 34;

/** Parse workers start for a file of at least this many blocks (or of unknown length: standard input, gzip). */
const PARALLEL_BLOCKS = 4;

/** Blocks sent to the parse workers ahead of the one the reader waits for, per worker. */
const AHEAD_PER_THREAD = 2;

/** Reads the header (or first row) of a CSV stream and returns the table. */
export async function openCsvTable(bytes: ByteReader, format: 'csv' | 'tsv', parseThreads: number): Promise<TableReader> {
  const file = bytes.file;
  // The first record: read blocks until a scan of the complete lines holds one (a header may quote line breaks).
  let head = Buffer.alloc(0);
  let ended = false;
  for (;;) {
    const block = await bytes.read();
    if (block === undefined) ended = true;
    else head = Buffer.concat([head, block]);
    const cut = ended ? head.length : head.lastIndexOf(NEWLINE) + 1;
    // An empty file ends with nothing to scan (it looped here for ever).
    if (ended && cut === 0) throw new DataError('the file is empty (no header and no data rows)', { file });
    if (cut > 0) {
      let text = head.toString('utf8', 0, cut);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const delimiter = format === 'tsv' ? '\t' : detectDelimiter(text);
      const scanner = new CsvScanner(text, delimiter.charCodeAt(0), file);
      let first: string[] | undefined;
      try {
        if (!scanner.nextRecord()) {
          if (ended) throw new DataError('the file is empty (no header and no data rows)', { file });
          continue;
        }
        first = scanner.readRecord();
      } catch (error) {
        if (ended || !(error instanceof DataError)) throw error;
        continue;
      }
      const rest = Buffer.concat([Buffer.from(text.slice(scanner.position), 'utf8'), head.subarray(cut)]);
      return csvTable(bytes, { head: rest, line: scanner.currentLine, firstLine: scanner.recordLine, first, delimiter, file, ended }, parseThreads);
    }
    if (head.length > MAX_RECORD_CHARS) throw runaway(file, 1);
  }
}

interface CsvStart {
  /** The bytes after the first record. */
  head: Buffer;
  line: number;
  firstLine: number;
  first: string[];
  delimiter: ',' | ';' | '\t';
  file: string;
  ended: boolean;
}

function csvTable(bytes: ByteReader, start: CsvStart, parseThreads: number): TableReader {
  const { first, file, firstLine, delimiter } = start;
  const hasHeader = first.some((cell) => !looksNumeric(cell));
  const columns = hasHeader ? first.map((cell) => cell.trim()) : first.map((_, i) => `col${i}`);
  return {
    file, format: delimiter === '\t' ? 'tsv' : 'csv', columns, named: hasHeader, rows: undefined,
    async *chunks(selected) {
      const width = first.length;
      const target = new Int32Array(width).fill(-1);
      selected.forEach((column, k) => { target[column] = k; });
      const context: RowContext = { file, names: hasHeader ? columns : undefined, width, firstLine, hasHeader, delimiter };
      const sink = new GrowableRows(selected.length, true);
      if (!hasHeader) storeRow(first, firstLine, target, sink, context);
      let firstRow = 0;
      let state: ScanState = { carry: start.head, line: start.line, ended: start.ended };
      // A file of several blocks is parsed by workers while this thread uses the rows before (a smaller one is done
      // before they would have started).
      const remaining = bytes.size === undefined ? Infinity : bytes.size - bytes.offset;
      const pool = parseThreads > 0 && !state.ended && remaining >= PARALLEL_BLOCKS * bytes.blockBytes
        ? new CsvParsePool(parseThreads, { selected, context }) : undefined;
      try {
        if (sink.rows > 0) {
          firstRow = sink.rows;
          yield { rows: sink.take(), firstRow: 0 };
        }
        const phases = pool === undefined ? [] : [parseInParallel(bytes, state, pool, file, (next) => { state = next; })];
        phases.push(parseInThisThread(bytes, () => state, target, sink, context));
        for (const phase of phases) {
          for await (const rows of phase) {
            yield { rows, firstRow };
            firstRow += rows.rows;
          }
        }
      } finally {
        await pool?.close();
      }
      if (firstRow === 0) throw noRowsError(file, hasHeader ? `only the header on row ${firstLine}` : 'the file is empty');
    },
  };
}

/** Where a scan stands: the bytes read but not parsed, the line they start on, and whether the input has ended. */
interface ScanState {
  carry: Buffer;
  line: number;
  ended: boolean;
}

/**
 * The rows of the blocks that workers can parse: complete lines without a quote, sent out a few blocks ahead and
 * handed out in file order. Stops at the end of the input, or at the first block with a quote (a quoted line break
 * can carry a record across a cut), leaving the rest to `parseInThisThread` through `done(state)`.
 */
async function* parseInParallel(bytes: ByteReader, from: ScanState, pool: CsvParsePool, file: string,
  done: (state: ScanState) => void): AsyncGenerator<Matrix, void, undefined> {
  let { carry, line, ended } = from;
  let quoted = false;
  const pending: Promise<ParsedBlock>[] = [];
  for (;;) {
    while (!ended && !quoted && pending.length < AHEAD_PER_THREAD * pool.threads) {
      const block = await bytes.read();
      if (block === undefined) {
        ended = true;
        break;
      }
      carry = carry.length === 0 ? Buffer.from(block.buffer, block.byteOffset, block.byteLength) : Buffer.concat([carry, block]);
      if (carry.indexOf(QUOTE) >= 0) {
        quoted = true;
        break;
      }
      const cut = carry.lastIndexOf(NEWLINE) + 1;
      if (cut === 0) {
        if (carry.length > MAX_RECORD_CHARS) throw runaway(file, line);
        continue;
      }
      // A copy of its own, which the worker takes over. A block behind a failed one is never awaited: its rejection
      // is handled here.
      const parsed = pool.parse(new Uint8Array(carry.subarray(0, cut)));
      parsed.catch(() => {});
      pending.push(parsed);
      carry = carry.subarray(cut);
    }
    const next = pending.shift();
    if (next === undefined) break;
    const parsed = await next;
    if (parsed.rows.rows > 0) yield parsed.rows;
    if (parsed.failure !== undefined) throw blockError(parsed.failure, file, line);
    line += parsed.lines;
  }
  done({ carry, line, ended });
}

/** The rest of the rows, parsed here a block at a time from `state()` on. */
async function* parseInThisThread(bytes: ByteReader, state: () => ScanState, target: Int32Array, sink: GrowableRows,
  context: RowContext): AsyncGenerator<Matrix, void, undefined> {
  let { carry, line, ended } = state();
  const file = context.file;
  // Unparsed bytes: the text of each block is decoded from its complete lines at once (a flat string, which the
  // scanner reads fastest), and a line end byte never falls inside a UTF-8 sequence.
  while (carry.length > 0 || !ended) {
    if (!ended) {
      const block = await bytes.read();
      if (block === undefined) ended = true;
      else carry = carry.length === 0 ? Buffer.from(block.buffer, block.byteOffset, block.byteLength) : Buffer.concat([carry, block]);
    }
    const cut = ended ? carry.length : carry.lastIndexOf(NEWLINE) + 1;
    if (cut === 0) {
      if (carry.length > MAX_RECORD_CHARS) throw runaway(file, line);
      continue;
    }
    let parsed: { carry: Buffer; line: number };
    try {
      parsed = parseLines(carry, cut, ended, line, target, sink, context);
    } catch (error) {
      if (sink.rows > 0) yield sink.take();
      throw error;
    }
    const done = ended && parsed.carry.length === 0;
    carry = parsed.carry;
    line = parsed.line;
    if (carry.length > MAX_RECORD_CHARS) throw runaway(file, line);
    if (sink.rows > 0) yield sink.take();
    if (done) break;
  }
}

function runaway(file: string, line: number): DataError {
  return new DataError(`a record longer than ${MAX_RECORD_CHARS >> 20} M characters starts here (an unterminated quote?)`, { file, row: line });
}
