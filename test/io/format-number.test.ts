import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { formatNumber } from '../../src/io/format-number.ts';

test('formatNumber writes short float32 text', () => {
  assert.equal(formatNumber(Math.fround(0.1), true), '0.1');
  assert.equal(formatNumber(1.5, true), '1.5');
  assert.equal(formatNumber(3, true), '3');
  assert.equal(formatNumber(Math.fround(1e10), true), '1e+10');
  assert.equal(formatNumber(16777216, true), '16777216');
  assert.equal(formatNumber(Math.fround(0.1), false), '0.10000000149011612');
});

test('formatNumber writes non-finite values numpy-style', () => {
  assert.equal(formatNumber(NaN, true), 'nan');
  assert.equal(formatNumber(Infinity, false), 'inf');
  assert.equal(formatNumber(-Infinity, true), '-inf');
});

test('formatNumber round-trips random float32 and float64 values exactly', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 20000; i++) {
    const magnitude = Math.pow(10, rng.int(80) - 42);
    const f64 = (rng.uniform() - 0.5) * magnitude;
    const f32 = Math.fround(f64);
    if (!Number.isFinite(f32)) continue;
    const single = formatNumber(f32, true);
    assert.equal(Math.fround(Number(single)), f32, single);
    assert.ok(single.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length <= 9, single);
    assert.equal(Number(formatNumber(f64, false)), f64);
  }
});
