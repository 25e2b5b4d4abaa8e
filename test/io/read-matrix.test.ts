import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrix, toArrays } from '../../src/core/matrix.ts';
import { readMatrix, writeMatrix } from '../../src/io/read-matrix.ts';

test('readMatrix and writeMatrix dispatch on the extension', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-'));
  const m = matrix([[1, 2, 3], [4, 5, 6]]);
  for (const name of ['a.csv', 'a.tsv', 'a.txt', 'a.npy', 'UPPER.CSV']) {
    const path = join(dir, name);
    writeMatrix(path, m, { columns: ['p', 'q', 'r'] });
    const back = readMatrix(path);
    assert.deepEqual(toArrays(back.matrix), toArrays(m), name);
    assert.deepEqual(back.columns, name.endsWith('.npy') ? ['col0', 'col1', 'col2'] : ['p', 'q', 'r'], name);
  }
});

test('readMatrix selects columns and converts dtype for .npy files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-'));
  const path = join(dir, 'a.npy');
  writeMatrix(path, matrix([[1, 2, 3], [4, 5, 6]], undefined, undefined, 'float32'));
  const picked = readMatrix(path, { columns: '2,0', dtype: 'float64' });
  assert.ok(picked.matrix.data instanceof Float64Array);
  assert.deepEqual(toArrays(picked.matrix), [[3, 1], [6, 4]]);
  assert.deepEqual(picked.columns, ['col2', 'col0']);
  assert.ok(readMatrix(path, { dtype: 'float64' }).matrix.data instanceof Float64Array);
  assert.throws(() => readMatrix(path, { columns: 'x1' }), { message: `${path}: unknown column "x1"; the columns are "col0", "col1", "col2" (or 0-based indices 0..2)` });
});

test('readMatrix reads tab-separated .tsv files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-'));
  const path = join(dir, 'a.tsv');
  writeFileSync(path, 'a\tb\n1\t2\n');
  assert.deepEqual(toArrays(readMatrix(path, { columns: 'b' }).matrix), [[2]]);
});

test('readMatrix names the file for a missing file and an unknown extension', () => {
  assert.throws(() => readMatrix('x.csv'), { name: 'DataError', message: 'x.csv: no such file' });
  assert.throws(() => readMatrix('x.npy'), { name: 'DataError', message: 'x.npy: no such file' });
  assert.throws(() => readMatrix('data.parquet'),
    { name: 'DataError', message: 'data.parquet: cannot read ".parquet" files; supported: .csv, .tsv, .txt, .npy' });
  assert.throws(() => writeMatrix('out', matrix([[1]])),
    { name: 'DataError', message: 'out: cannot write a file without an extension; supported: .csv, .tsv, .txt, .npy' });
});

test('readMatrix refuses non-finite .npy values by the file\'s 0-based row and column, in the selected columns only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-'));
  const path = join(dir, 'a.npy');
  writeMatrix(path, matrix([[1, 2, NaN], [4, Infinity, 6], [7, 8, 9]], undefined, undefined, 'float64'));
  assert.throws(() => readMatrix(path), /^DataError: .*a\.npy: row 0, column 2 \(0-based\): expected a finite number, got NaN/);
  assert.throws(() => readMatrix(path, { columns: '1,0' }), /a\.npy: row 1, column 1 \(0-based\): expected a finite number, got Infinity/);
  assert.deepEqual(toArrays(readMatrix(path, { columns: [0] }).matrix), [[1], [4], [7]], 'an unselected column may hold anything');
  const big = join(dir, 'big.npy');
  writeMatrix(big, matrix([[1, 1e300]], undefined, undefined, 'float64'));
  assert.throws(() => readMatrix(big), /big\.npy: row 0, column 1 \(0-based\): 1e\+300 overflows float32/, 'the float32 default');
  assert.equal(readMatrix(big, { dtype: 'float64' }).matrix.data[1], 1e300);
});

test('readMatrix refuses an .npy with no rows or no columns (a CSV without data rows is refused too)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-matrix-'));
  for (const [rows, cols] of [[0, 3], [4, 0]]) {
    const path = join(dir, `empty-${rows}-${cols}.npy`);
    writeMatrix(path, { rows, cols, data: new Float64Array(0) });
    assert.throws(() => readMatrix(path), (error: unknown) => {
      assert.match((error as Error).message, new RegExp(`no data: the array has shape \\(${rows}, ${cols}\\)`));
      assert.equal((error as { code?: string }).code, 'no-rows');
      return true;
    });
  }
});
