/**
 * Parsing a run of complete CSV lines into float64 rows: the step that the streaming CSV reader repeats for every
 * block, on its own thread or on a parse worker (`csv-parse-worker.ts`), with the same scanner and row parser as
 * `parseCsv`, so that both give exactly the numbers and the messages of a whole-file read.
 */
import { parsePlainLines } from './csv-plain.ts';
import { scanRow, type GrowableRows, type RowContext } from './csv-rows.ts';
import { CsvScanner } from './csv-scanner.ts';
import { DataError } from './data-error.ts';

/** The byte of a line end (`\n`; also ends a CRLF line). */
const NEWLINE = 10;

/** Bytes of text decoded and parsed at once (a string this short is allocated in the young generation). */
const PIECE_BYTES = 64 << 10;

/**
 * Parses the complete lines `carry[0, cut)` (starting on `line`) into `sink`, in pieces of about 64 KB: each straight
 * from its bytes when it is plain numbers (`parsePlainLines`), else decoded and scanned with every rule. Short
 * strings die young (a scavenge frees them), where a 1 MB string per block would go to the large-object space and
 * wake the major collector for every block. Returns the bytes left unparsed (a record that a quoted line break
 * carries past `cut`, to be parsed again with more data, then the bytes after `cut`) and their line.
 */
export function parseLines(carry: Buffer, cut: number, last: boolean, line: number, target: Int32Array, sink: GrowableRows,
  context: RowContext): { carry: Buffer; line: number } {
  for (let offset = 0; offset < cut;) {
    let end = cut;
    if (cut - offset > PIECE_BYTES) {
      const lineEnd = carry.lastIndexOf(NEWLINE, offset + PIECE_BYTES - 1);
      // A line longer than a piece is parsed whole (up to its line end, or the end of the data).
      end = lineEnd >= offset ? lineEnd + 1 : (carry.indexOf(NEWLINE, offset + PIECE_BYTES) + 1 || cut);
    }
    const plain = parsePlainLines(carry, offset, end, target, sink, context);
    if (plain >= 0) {
      line += plain;
      offset = end;
      continue;
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

