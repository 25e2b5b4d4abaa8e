import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { parseDecimal } from '../../src/io/parse-decimal.ts';

test('parseDecimal accepts plain decimal forms', () => {
  const cases: [string, number][] = [['0', 0], ['-1', -1], ['+2.5', 2.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000],
    ['1E-3', 0.001], ['-2.5e+2', -250], ['  7 ', 7], ['\t8', 8], ['0.000123', 0.000123], ['00012', 12]];
  for (const [text, value] of cases) assert.equal(parseDecimal(text), value, text);
  assert.ok(Object.is(parseDecimal('-0'), -0));
});

test('parseDecimal rejects everything that is not a decimal number', () => {
  for (const text of ['', '  ', 'nan', 'NaN', 'inf', '-Infinity', 'abc', '0x10', '1_000', '1,5', '1e', 'e5', '.',
    '-', '+', '1.2.3', '1e5.5', '--1', '1 2', '0b1']) {
    assert.ok(Number.isNaN(parseDecimal(text)), `${JSON.stringify(text)} should be rejected`);
  }
});

test('parseDecimal returns Infinity for values beyond the double range', () => {
  assert.equal(parseDecimal('1e400'), Infinity);
  assert.equal(parseDecimal('-1e400'), -Infinity);
  assert.equal(parseDecimal('1e-400'), 0);
});

test('parseDecimal is bit-identical to Number on random decimal strings', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 20000; i++) {
    const digits = 1 + rng.int(19);
    let mantissa = '';
    for (let d = 0; d < digits; d++) mantissa += String(rng.int(10));
    const point = rng.int(digits + 1);
    let text = mantissa.slice(0, point) + '.' + mantissa.slice(point);
    if (rng.uniform() < 0.5) text += 'e' + String(rng.int(60) - 30);
    if (rng.uniform() < 0.3) text = '-' + text;
    assert.ok(Object.is(parseDecimal(text), Number(text)), text);
  }
});

test('parseDecimal parses a range of a longer string', () => {
  assert.equal(parseDecimal('a,12.5,b', 2, 6), 12.5);
});

test('parseDecimal is bit-identical to Number on 16–19-digit numbers (doubles as repr and pandas write them) and on ties', () => {
  const rng = new Rng(11);
  const same = (text: string): void => assert.ok(Object.is(parseDecimal(text), Number(text)), text);
  for (let i = 0; i < 20000; i++) {
    const x = (rng.uniform() - 0.5) * Math.pow(10, rng.int(40) - 20);
    for (const text of [String(x), x.toPrecision(16), x.toPrecision(18), x.toExponential(18)]) same(text);
  }
  // Exact midpoints between two doubles (2^53 + odd, 2^54 + 2 mod 4, 2^60 + 128 mod 256): round half to even.
  for (let k = 0n; k < 2000n; k++) {
    for (const m of [2n ** 53n + 2n * k + 1n, 2n ** 54n + 4n * k + 2n, 2n ** 60n + 256n * k + 128n]) {
      same(m.toString());
      same(`-${m}`);
    }
  }
});
