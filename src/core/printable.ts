/** Options of `printable`. */
export interface PrintableOptions {
  /**
   * The most characters of output (escapes count); a longer text is cut there and ends in `…`.
   * @default Infinity
   */
  maxLength?: number;
}

/** Options of `quote`. */
export interface QuoteOptions {
  /** The most characters between the quotes; a longer text is cut, ends in `…` and its length follows. @default 60 */
  maxLength?: number;
}

/**
 * `text` made safe to print on a terminal: every control character — C0 (U+0000–U+001F, ESC and newlines included),
 * DEL, C1 (U+0080–U+009F, the 8-bit CSI among them), the line and paragraph separators, bidirectional overrides and
 * isolates, the byte-order mark and lone surrogates — is written as an escape (`\n`, `\t`, `\x1b`, `\u202e`), so that
 * a string from a file cannot retitle, clear or reorder the terminal, nor break a one-line message. Other characters
 * pass unchanged. With `maxLength`, the output is cut to that many characters (then `…`).
 *
 * @example
 * import { printable } from 'maflow';
 * console.log(printable('x\u001b]0;owned\u0007'), printable('a'.repeat(100), { maxLength: 5 })); // → x\x1b]0;owned\x07 aaaaa…
 */
export function printable(text: string, options: PrintableOptions = {}): string {
  return escapeText(text, options.maxLength ?? Infinity, false).text;
}

/**
 * `text` in double quotes for an error message or a notice: printable (see `printable`), with `"` and `\` escaped as
 * in JSON, and at most `maxLength` characters of it; a longer text is cut, ends in `…`, and its full length follows
 * the closing quote, so that a 4 MB cell is quoted as a short excerpt on one line.
 *
 * @example
 * import { quote } from 'maflow';
 * console.log(quote('x2'), quote('say "hi"\n'), quote('z'.repeat(5000), { maxLength: 8 })); // → "x2" "say \"hi\"\n" "zzzzzzzz…" (5000 characters)
 */
export function quote(text: string, options: QuoteOptions = {}): string {
  const { text: body, cut } = escapeText(text, options.maxLength ?? 60, true);
  return cut ? `"${body}" (${text.length} characters)` : `"${body}"`;
}

/**
 * The names as a comma-separated list of `quote`d names, at most `maxItems` of them (then how many more), for
 * messages that list a file's columns.
 *
 * @example
 * import { quoteList } from 'maflow';
 * console.log(quoteList(['a', 'b', 'c', 'd'], { maxItems: 2 })); // → "a", "b", … (2 more)
 */
export function quoteList(names: readonly string[], options: { maxItems?: number } = {}): string {
  const maxItems = options.maxItems ?? 10;
  const shown = names.slice(0, maxItems).map((name) => quote(name)).join(', ');
  return names.length > maxItems ? `${shown}, … (${names.length - maxItems} more)` : shown;
}

/**
 * `JSON.stringify(value)` safe to print on a terminal: JSON escapes C0 controls but leaves DEL, C1 (the 8-bit CSI),
 * the line separators and bidirectional controls raw; these are written as `\uXXXX` escapes too, which any JSON
 * parser reads back as the same string.
 *
 * @example
 * import { printableJson } from 'maflow';
 * console.log(printableJson({ column: 'x\u009b2J' })); // → {"column":"x\u009b2J"}
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A value from a file (a JSON metadata field, a header entry) as JSON text for a message: printable and at most
 * `maxLength` characters (then `…` and the full length), like `quote` for strings of any type.
 *
 * @example
 * import { jsonExcerpt } from 'maflow';
 * console.log(jsonExcerpt([1, 'two', null]), jsonExcerpt({ shape: Array(100).fill(7) }, { maxLength: 12 })); // → [1,"two",null] {"shape":[7,… (211 characters)
 */
export function jsonExcerpt(value: unknown, options: QuoteOptions = {}): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  const { text: body, cut } = escapeText(text, options.maxLength ?? 60, false);
  return cut ? `${body} (${text.length} characters)` : body;
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff"\\]/;

function escapeText(text: string, maxLength: number, quoted: boolean): { text: string; cut: boolean } {
  if (text.length <= maxLength && !UNSAFE.test(text)) return { text, cut: false };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = isSurrogatePair(text, i, c);
    let piece: string;
    if (pair) piece = text.slice(i, i + 2);
    else if (needsEscape(c)) piece = escapeOf(c);
    else if (quoted && (c === 34 || c === 92)) piece = c === 34 ? '\\"' : '\\\\';
    else piece = text[i];
    if (out.length + piece.length > maxLength) return { text: `${out}…`, cut: true };
    out += piece;
    if (pair) i++;
  }
  return { text: out, cut: false };
}

function isSurrogatePair(text: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdbff) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

function needsEscape(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x061c || c === 0x200e || c === 0x200f
    || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff);
}

function escapeOf(c: number): string {
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) return short;
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}
