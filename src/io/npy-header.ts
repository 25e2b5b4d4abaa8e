/**
 * The Python dict literal in a `.npy` header, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }`.
 */
import { quote } from '../core/printable.ts';
import { DataError } from './data-error.ts';

/** The three fields every `.npy` header has. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type Literal = string | boolean | number | Literal[] | { [key: string]: Literal } | null;

/**
 * Parses a `.npy` header (a tiny subset of Python literals: dicts, strings, True/False/None, ints, tuples, lists).
 *
 * @example
 * import { parseNpyHeader } from './npy-header.ts';
 * console.log(parseNpyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 'a.npy').shape); // → [ 5 ]
 */
export function parseNpyHeader(text: string, file: string): NpyHeader {
  const parser = new LiteralParser(text, file);
  const value = parser.parseValue();
  parser.expectEnd();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw parser.fail('the header is not a dict');
  }
  const { descr, fortran_order: fortranOrder, shape } = value;
  if (typeof descr !== 'string') throw parser.fail(`the header's 'descr' is ${describe(descr)}, expected a dtype string like '<f4'`);
  if (typeof fortranOrder !== 'boolean') throw parser.fail("the header has no boolean 'fortran_order'");
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw parser.fail("the header's 'shape' is not a tuple of non-negative integers");
  }
  return { descr, fortranOrder, shape: shape as number[] };
}

function describe(value: Literal | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string, private readonly file: string) {}

  fail(detail: string): DataError {
    return new DataError(`invalid .npy header: ${detail} (header: ${quote(this.text.trim(), { maxLength: 120 })})`, { file: this.file });
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) throw this.fail(`unexpected text at offset ${this.pos}`);
  }

  parseValue(): Literal {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.parseDict();
    if (c === '(' || c === '[') return this.parseSequence(c === '(' ? ')' : ']');
    if (c === "'" || c === '"') return this.parseString();
    const word = /^(True|False|None|-?\d+L?)/.exec(this.text.slice(this.pos));
    if (word === null) throw this.fail(`unexpected text at offset ${this.pos}`);
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number.parseInt(word[0], 10);
  }

  private parseDict(): { [key: string]: Literal } {
    const out: { [key: string]: Literal } = {};
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.parseValue();
      if (typeof key !== 'string') throw this.fail('a dict key is not a string');
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw this.fail(`expected ':' at offset ${this.pos}`);
      this.pos++;
      out[key] = this.parseValue();
      this.separator('}');
    }
  }

  private parseSequence(close: string): Literal[] {
    const out: Literal[] = [];
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.parseValue());
      this.separator(close);
    }
  }

  private separator(close: string): void {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === ',') this.pos++;
    else if (c !== close) throw this.fail(`expected ',' or '${close}' at offset ${this.pos}`);
  }

  private parseString(): string {
    const quote = this.text[this.pos];
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) throw this.fail('unterminated string');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
}
