/**
 * A hand-written CSV tokenizer over a string: one field at a time, no per-line `split`, so that a million-row file
 * parses in about a second. Handles RFC 4180 quoting (`"a, b"`, `""` for a quote, newlines inside quotes), CRLF,
 * blank lines and `#` comment lines (both skipped), and tracks the 1-based line number for error messages.
 */
import { quote } from '../core/printable.ts';
import { DataError } from './data-error.ts';

const QUOTE = 34;
const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;

/** Cursor state of a CSV scan; read one record with `nextRecord()` then `scanField()` until `endOfRecord`. */
export class CsvScanner {
  /** The 1-based line on which the current record starts. */
  recordLine = 0;
  /** After `scanField()`: the raw field is `text.slice(fieldStart, fieldEnd)` unless `quotedValue` is set. */
  fieldStart = 0;
  fieldEnd = 0;
  /** After `scanField()`: the unescaped content of a quoted field, else `undefined`. */
  quotedValue: string | undefined = undefined;
  /** After `scanField()`: whether that field was the last of its record. */
  endOfRecord = false;
  private pos = 0;
  private line: number;

  /** `firstLine`: the 1-based line on which `text` starts (a block of a larger file). */
  constructor(readonly text: string, readonly delimiter: number, readonly file: string, firstLine = 1) {
    this.line = firstLine;
  }

  /** The 1-based line at the scan position. */
  get currentLine(): number {
    return this.line;
  }

  /** Skips blank and comment lines; returns false at the end of the text. */
  nextRecord(): boolean {
    const text = this.text;
    const length = text.length;
    while (this.pos < length) {
      let i = this.pos;
      let c = text.charCodeAt(i);
      while ((c === SPACE || (c === TAB && this.delimiter !== TAB)) && i < length) c = text.charCodeAt(++i);
      if (i >= length) {
        this.pos = length;
        return false;
      }
      if (c === HASH) {
        while (i < length && c !== NEWLINE && c !== RETURN) c = text.charCodeAt(++i);
      }
      if (c === NEWLINE || c === RETURN) {
        this.pos = skipLineEnd(text, i);
        this.line++;
        continue;
      }
      if (i >= length) {
        this.pos = length;
        return false;
      }
      this.recordLine = this.line;
      return true;
    }
    return false;
  }

  /** The offset in `text` where scanning continues. */
  get position(): number {
    return this.pos;
  }

  /** Reads the next field of the current record. */
  scanField(): void {
    const text = this.text;
    const length = text.length;
    const delimiter = this.delimiter;
    let i = this.pos;
    let c = text.charCodeAt(i);
    if (c === SPACE) {
      let j = i;
      while (c === SPACE) c = text.charCodeAt(++j);
      if (c === QUOTE) i = j;
    }
    if (c === QUOTE) {
      this.scanQuoted(i);
      return;
    }
    this.quotedValue = undefined;
    this.fieldStart = i;
    while (i < length && c !== delimiter && c !== NEWLINE && c !== RETURN) c = text.charCodeAt(++i);
    this.fieldEnd = i;
    this.finishField(i, c);
  }

  /** The current field's text (raw for unquoted fields). */
  fieldText(): string {
    return this.quotedValue ?? this.text.slice(this.fieldStart, this.fieldEnd);
  }

  /** Reads all remaining fields of the current record as strings. */
  readRecord(): string[] {
    const fields: string[] = [];
    do {
      this.scanField();
      fields.push(this.fieldText());
    } while (!this.endOfRecord);
    return fields;
  }

  private scanQuoted(openAt: number): void {
    const text = this.text;
    const startLine = this.line;
    let value = '';
    let i = openAt + 1;
    for (;;) {
      const close = text.indexOf('"', i);
      if (close < 0) {
        throw new DataError('unterminated quoted field (a " is never closed)', { file: this.file, row: startLine });
      }
      value += text.slice(i, close);
      if (text.charCodeAt(close + 1) === QUOTE) {
        value += '"';
        i = close + 2;
        continue;
      }
      this.line += countNewlines(text, openAt, close);
      i = close + 1;
      break;
    }
    let c = text.charCodeAt(i);
    while (c === SPACE || (c === TAB && this.delimiter !== TAB)) c = text.charCodeAt(++i);
    if (i < text.length && c !== this.delimiter && c !== NEWLINE && c !== RETURN) {
      throw new DataError(`unexpected text after a closing quote: ${quote(text.slice(i, i + 10))}`,
        { file: this.file, row: startLine });
    }
    this.quotedValue = value;
    this.finishField(i, c);
  }

  private finishField(i: number, c: number): void {
    if (i >= this.text.length) {
      this.pos = i;
      this.endOfRecord = true;
    } else if (c === this.delimiter) {
      this.pos = i + 1;
      this.endOfRecord = false;
    } else {
      this.pos = skipLineEnd(this.text, i);
      this.line++;
      this.endOfRecord = true;
    }
  }
}

/** Picks the delimiter (comma, semicolon or tab) that occurs most often, outside quotes, on the first data line. */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  const scanner = new CsvScanner(text, -1, '');
  if (!scanner.nextRecord()) return ',';
  const counts = { ',': 0, '\t': 0, ';': 0 };
  let inQuotes = false;
  for (let i = scanner.position, c = text.charCodeAt(i); i < text.length; c = text.charCodeAt(++i)) {
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && (c === NEWLINE || c === RETURN)) break;
    else if (!inQuotes && (c === 44 || c === 59 || c === TAB)) counts[String.fromCharCode(c) as ',' | ';' | '\t']++;
  }
  let best: ',' | ';' | '\t' = ',';
  for (const candidate of [',', '\t', ';'] as const) if (counts[candidate] > counts[best]) best = candidate;
  return best;
}

function skipLineEnd(text: string, i: number): number {
  return text.charCodeAt(i) === RETURN && text.charCodeAt(i + 1) === NEWLINE ? i + 2 : i + 1;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE || (c === RETURN && text.charCodeAt(i + 1) !== NEWLINE)) count++;
  }
  return count;
}
