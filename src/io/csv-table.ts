/**
 * CSV / TSV as a chunked table: the text is decoded a block of lines at a time and parsed with the same scanner and row parser
 * as `parseCsv`, so a streamed file gives exactly the numbers and the messages (1-based lines) of a whole-file read.
 * A block is cut after its last line end; a record that a quoted line break carries past the cut is parsed again
 * with the next block.
 */
import type { ByteReader } from './byte-reader.ts';
import { GrowableRows, looksNumeric, scanRow, storeRow, type RowContext } from './csv-rows.ts';
import { CsvScanner, detectDelimiter } from './csv-scanner.ts';
import { DataError } from './data-error.ts';
import { noRowsError, type RowChunk, type TableReader } from './table-reader.ts';

/** A record (with its quoted line breaks) longer than this is refused: it is a runaway quote, not data. */
const MAX_RECORD_CHARS = 64 << 20;

/** The byte of a line end (`\n`; also ends a CRLF line). */
const NEWLINE = 10;

/** Bytes of text decoded and parsed at once (a string this short is allocated in the young generation). */
const PIECE_BYTES = 64 << 10;

/** Reads the header (or first row) of a CSV stream and returns the table. */
export async function openCsvTable(bytes: ByteReader, format: 'csv' | 'tsv'): Promise<TableReader> {
  const file = bytes.file;
  // The first record: read blocks until a scan of the complete lines holds one (a header may quote line breaks).
  let head = Buffer.alloc(0);
  let ended = false;
  for (;;) {
    const block = await bytes.read();
    if (block === undefined) ended = true;
    else head = Buffer.concat([head, block]);
    const cut = ended ? head.length : head.lastIndexOf(NEWLINE) + 1;
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
      return csvTable(bytes, { head: rest, line: scanner.currentLine, firstLine: scanner.recordLine, first, delimiter, file, ended });
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

function csvTable(bytes: ByteReader, start: CsvStart): TableReader {
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
      let firstRow = 0;
      const emit = (): RowChunk => {
        const chunk = { rows: sink.take(), firstRow };
        firstRow += chunk.rows.rows;
        return chunk;
      };
      if (!hasHeader) storeRow(first, firstLine, target, sink, context);
      // Unparsed bytes: the text of each block is decoded from its complete lines at once (a flat string, which the
      // scanner reads fastest), and a line end byte never falls inside a UTF-8 sequence.
      let carry = start.head;
      let line = start.line;
      let ended = start.ended;
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
          if (sink.rows > 0) yield emit();
          throw error;
        }
        const done = ended && parsed.carry.length === 0;
        carry = parsed.carry;
        line = parsed.line;
        if (carry.length > MAX_RECORD_CHARS) throw runaway(file, line);
        if (sink.rows > 0) yield emit();
        if (done) break;
      }
      if (firstRow === 0) throw noRowsError(file, hasHeader ? `only the header on row ${firstLine}` : 'the file is empty');
    },
  };
}

/**
 * Parses the complete lines `carry[0, cut)` (starting on `line`) into `sink`, decoded in pieces of about 64 KB: short
 * strings die young (a scavenge frees them), where a 1 MB string per block would go to the large-object space and
 * wake the major collector for every block. Returns the bytes left unparsed (a record that a quoted line break
 * carries past `cut`, to be parsed again with more data, then the bytes after `cut`) and their line.
 */
function parseLines(carry: Buffer, cut: number, last: boolean, line: number, target: Int32Array, sink: GrowableRows,
  context: RowContext): { carry: Buffer; line: number } {
  for (let offset = 0; offset < cut;) {
    let end = cut;
    if (cut - offset > PIECE_BYTES) {
      const lineEnd = carry.lastIndexOf(NEWLINE, offset + PIECE_BYTES - 1);
      // A line longer than a piece is parsed whole (up to its line end, or the end of the data).
      end = lineEnd >= offset ? lineEnd + 1 : (carry.indexOf(NEWLINE, offset + PIECE_BYTES) + 1 || cut);
    }
    let text = carry.toString('utf8', offset, end);
    let parsed = parseBlock(text, line, last && end === cut, target, sink, context);
    if (parsed.rest < text.length && end < cut) {
      // A quoted line break carries a record past the piece: parse from that record with every line there is.
      offset += Buffer.byteLength(text.slice(0, parsed.rest), 'utf8');
      end = cut;
      text = carry.toString('utf8', offset, end);
      parsed = parseBlock(text, parsed.line, last, target, sink, context);
    }
    line = parsed.line;
    if (parsed.rest < text.length) return { carry: Buffer.concat([Buffer.from(text.slice(parsed.rest), 'utf8'), carry.subarray(end)]), line };
    offset = end;
  }
  return { carry: carry.subarray(cut), line };
}

/**
 * Parses the complete lines `block` (starting on `line`) into `sink`; returns where unparsed text starts (a record a
 * quoted line break carries past the block, parsed again with more text) and its line.
 */
function parseBlock(block: string, line: number, last: boolean, target: Int32Array, sink: GrowableRows,
  context: RowContext): { rest: number; line: number } {
  const scanner = new CsvScanner(block, context.delimiter.charCodeAt(0), context.file, line);
  for (;;) {
    if (!scanner.nextRecord()) return { rest: block.length, line: scanner.currentLine };
    const recordStart = scanner.position;
    const recordLine = scanner.recordLine;
    const rows = sink.rows;
    try {
      scanRow(scanner, target, sink, context);
    } catch (error) {
      if (sink.rows > rows) sink.dropLastRow();
      // A block cut inside a quoted field (an odd number of quotes from the record to the cut) leaves it unterminated:
      // parse it again with the next block.
      if (last || !(error instanceof DataError) || !oddQuotes(block, recordStart)) throw error;
      return { rest: recordStart, line: recordLine };
    }
  }
}

function oddQuotes(text: string, from: number): boolean {
  let odd = false;
  for (let i = text.indexOf('"', from); i >= 0; i = text.indexOf('"', i + 1)) odd = !odd;
  return odd;
}

function runaway(file: string, line: number): DataError {
  return new DataError(`a record longer than ${MAX_RECORD_CHARS >> 20} M characters starts here (an unterminated quote?)`, { file, row: line });
}
