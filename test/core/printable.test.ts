import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, quote, quoteList } from '../../src/core/printable.ts';

test('printable escapes C0, DEL, C1, separators, bidi controls, the BOM and lone surrogates', () => {
  assert.equal(printable('\u001b[2J\u001b]0;title\u0007'), '\\x1b[2J\\x1b]0;title\\x07');
  assert.equal(printable('a\nb\tc\rd\u0000e\u007ff'), 'a\\nb\\tc\\rd\\x00e\\x7ff');
  assert.equal(printable('\u009b31m\u0085'), '\\x9b31m\\x85', '8-bit CSI and NEL');
  assert.equal(printable('\u2028\u2029\u202e\u2066\u200f\u061c\ufeff'), '\\u2028\\u2029\\u202e\\u2066\\u200f\\u061c\\ufeff');
  assert.equal(printable('\ud800x\udc00'), '\\ud800x\\udc00', 'lone surrogates');
});

test('printable keeps ordinary text, accents, CJK and astral characters unchanged', () => {
  for (const text of ['x1', 'température', '温度', 'μ±σ', '😀 emoji', 'a"b\\c', '']) assert.equal(printable(text), text);
});

test('printable cuts at maxLength characters of output, escapes counted, without splitting a surrogate pair', () => {
  assert.equal(printable('abcdef', { maxLength: 3 }), 'abc…');
  assert.equal(printable('abc', { maxLength: 3 }), 'abc');
  assert.equal(printable('\u001b\u001b\u001b', { maxLength: 9 }), '\\x1b\\x1b…');
  assert.equal(printable('a😀b', { maxLength: 2 }), 'a…');
});

test('quote escapes quotes and backslashes like JSON and keeps at most 60 characters', () => {
  assert.equal(quote('x2'), '"x2"');
  assert.equal(quote('say "hi"\\'), '"say \\"hi\\"\\\\"');
  assert.equal(quote('\u001b]0;x\u0007'), '"\\x1b]0;x\\x07"');
  assert.equal(quote('z'.repeat(60)), `"${'z'.repeat(60)}"`);
  assert.equal(quote('z'.repeat(61)), `"${'z'.repeat(60)}…" (61 characters)`);
  const huge = quote('a'.repeat(4 * 1024 * 1024));
  assert.ok(huge.length < 90, `a 4 MB string is quoted as an excerpt, got ${huge.length} characters`);
  assert.equal(quote('abcdef', { maxLength: 2 }), '"ab…" (6 characters)');
});

test('quoteList lists at most maxItems quoted names, then how many more', () => {
  assert.equal(quoteList(['a', 'b']), '"a", "b"');
  assert.equal(quoteList(Array.from({ length: 12 }, (_, i) => `c${i}`)), '"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", … (2 more)');
  assert.equal(quoteList(['\u001b', 'b', 'c'], { maxItems: 1 }), '"\\x1b", … (2 more)');
  assert.equal(quoteList([]), '');
});
