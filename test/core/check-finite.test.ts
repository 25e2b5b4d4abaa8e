import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFinite, firstNonFinite, FLOAT32_OVERFLOW } from '../../src/core/check-finite.ts';
import { DataError } from '../../src/core/data-error.ts';
import { matrix } from '../../src/core/matrix.ts';

test('FLOAT32_OVERFLOW is exactly where the cast to float32 starts giving Infinity', () => {
  assert.equal(Math.fround(FLOAT32_OVERFLOW), Infinity);
  const below = FLOAT32_OVERFLOW - 2 ** 75; // the next double down (ulp 2^75 at this magnitude)
  assert.ok(below < FLOAT32_OVERFLOW);
  assert.equal(Math.fround(below), 3.4028234663852886e38, 'the largest float32');
});

test('firstNonFinite finds NaN, ±Infinity and float32 overflow, and passes -0, subnormals and the extremes', () => {
  assert.equal(firstNonFinite(new Float64Array([0, -0, 5e-324, -2.2e-308, 1.7976931348623157e308])), -1);
  assert.equal(firstNonFinite(new Float32Array([0, -0, 1e-45, 3.4028234663852886e38, -1.17e-38])), -1);
  assert.equal(firstNonFinite(new Float64Array([1, 2, NaN])), 2);
  assert.equal(firstNonFinite(new Float32Array([Infinity])), 0);
  assert.equal(firstNonFinite(new Float64Array([1, -Infinity])), 1);
  assert.equal(firstNonFinite(new Float64Array([1, 1e300]), 'float32'), 1, 'overflows on the cast');
  assert.equal(firstNonFinite(new Float64Array([1, -3.5e38]), 'float32'), 1);
  assert.equal(firstNonFinite(new Float64Array([3.4e38, 1e-320]), 'float32'), -1, 'fits float32 (the subnormal flushes to 0, finite)');
  assert.equal(firstNonFinite(new Float64Array([NaN, 1, NaN]), 'float64', 1), 2, 'from start');
});

test('checkFinite names the method, the tensor and the 0-based row and column', () => {
  const x = matrix([[1, 2, 3], [4, 5, 6], [7, NaN, 9]]);
  assert.throws(() => checkFinite('MaskedAutoregressiveFlow.inverse', 'x', x), (error: unknown) => {
    assert.ok(error instanceof DataError);
    assert.equal(error.message, 'MaskedAutoregressiveFlow.inverse: x row 2, column 1 (0-based): expected a finite number, ' +
      'got NaN (missing values are not supported; remove or impute them)');
    assert.deepEqual([error.file, error.tensor, error.row, error.column, error.indexBase, error.code],
      ['MaskedAutoregressiveFlow.inverse', 'x', 2, 1, 0, 'non-finite']);
    return true;
  });
  assert.throws(() => checkFinite('f', 'context', matrix([[1], [-Infinity]])), /^DataError: f: context row 1, column 0 \(0-based\): expected a finite number, got -Infinity$/);
  assert.throws(() => checkFinite('data.npy', undefined, matrix([[1, 1e300]], undefined, undefined, 'float64'), { dtype: 'float32' }),
    /^DataError: data\.npy: row 0, column 1 \(0-based\): 1e\+300 overflows float32/);
  assert.equal(checkFinite('f', 'x', matrix([[1e300]], undefined, undefined, 'float64')), false, 'float64 keeps 1e300');
});

test('checkFinite lets ±Infinity through with allowInfinity and reports it; NaN after an Infinity is still found', () => {
  assert.equal(checkFinite('f', 'x', matrix([[1, Infinity], [-Infinity, 2]]), { allowInfinity: true }), true);
  assert.equal(checkFinite('f', 'x', matrix([[1, 2]]), { allowInfinity: true }), false);
  assert.throws(() => checkFinite('f', 'x', matrix([[Infinity, 1], [2, NaN]]), { allowInfinity: true }), /x row 1, column 1 \(0-based\): .*NaN/);
  assert.throws(() => checkFinite('f', 'x', matrix([[Infinity, 1e300]], undefined, undefined, 'float64'), { allowInfinity: true, dtype: 'float32' }),
    /x row 0, column 1 \(0-based\): 1e\+300 overflows float32/);
});

test('checkFinite numbers rows and columns in the caller\'s terms (a chunk, a column selection)', () => {
  assert.throws(() => checkFinite('f', 'x', matrix([[1, 2], [3, NaN]]), { firstRow: 8192, columnIndices: [4, 7] }), /x row 8193, column 7 \(0-based\)/);
});

test('a NaN in the middle of a 100,000-row matrix is named by its row', () => {
  const data = new Float64Array(100_000 * 3).map((_, i) => Math.sin(i));
  data[54_321 * 3 + 2] = NaN;
  assert.throws(() => checkFinite('data.npy', undefined, { rows: 100_000, cols: 3, data }), /^DataError: data\.npy: row 54321, column 2 \(0-based\)/);
});

test('checkFinite with allowInfinity and allowNaN refuses only an overflow on the cast', () => {
  const m = matrix([[NaN, Infinity], [-Infinity, 1], [2, 1e300]], undefined, undefined, 'float64');
  assert.throws(() => checkFinite('f', 'x', m, { dtype: 'float32', allowInfinity: true, allowNaN: true }), /x row 2, column 1 \(0-based\): 1e\+300 overflows/);
  assert.equal(checkFinite('f', 'x', matrix([[NaN, Infinity]]), { allowInfinity: true, allowNaN: true }), true);
});
