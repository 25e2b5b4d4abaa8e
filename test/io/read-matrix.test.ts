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
