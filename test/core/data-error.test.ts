import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/core/data-error.ts';

test('DataError formats file, row, column and column name', () => {
  const error = new DataError('expected a number, got "abc"', { file: 'data.csv', row: 17, column: 3, columnName: 'x2' });
  assert.equal(error.message, 'data.csv: row 17, column 3 ("x2"): expected a number, got "abc"');
  assert.equal(error.file, 'data.csv');
  assert.equal(error.row, 17);
  assert.equal(error.column, 3);
  assert.equal(error.columnName, 'x2');
  assert.equal(error.detail, 'expected a number, got "abc"');
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'DataError');
});

test('DataError omits the parts of the location it does not know', () => {
  assert.equal(new DataError('no such file', { file: 'x.csv' }).message, 'x.csv: no such file');
  assert.equal(new DataError('bad', { file: 'x.csv', row: 2 }).message, 'x.csv: row 2: bad');
  assert.equal(new DataError('bad', { file: 'x.csv', row: 2, column: 1 }).message, 'x.csv: row 2, column 1: bad');
  assert.equal(new DataError('bad', { file: 'x.csv', row: 2 }).column, undefined);
});

test('DataError locates an element of a tensor by 0-based row and column, and says so', () => {
  const error = new DataError('expected a finite number, got NaN', {
    file: 'TransformedDistribution.logProb', tensor: 'x', row: 4, column: 0, indexBase: 0, code: 'non-finite',
  });
  assert.equal(error.message, 'TransformedDistribution.logProb: x row 4, column 0 (0-based): expected a finite number, got NaN');
  assert.deepEqual([error.tensor, error.row, error.column, error.indexBase, error.code], ['x', 4, 0, 0, 'non-finite']);
  assert.equal(new DataError('bad', { file: 'data.npy', row: 3, column: 1, indexBase: 0 }).message, 'data.npy: row 3, column 1 (0-based): bad');
  assert.equal(new DataError('bad', { file: 'fit', tensor: 'data' }).message, 'fit: data: bad');
  assert.equal(new DataError('bad', { file: 'x.csv', row: 2 }).indexBase, 1);
  assert.equal(new DataError('bad', { file: 'x.csv' }).code, undefined);
});

test('DataError quotes a column name from a file printably and briefly', () => {
  const hostile = new DataError('bad', { file: 'x.csv', row: 2, column: 1, columnName: '\u001b]0;owned\u0007x' });
  assert.equal(hostile.message, 'x.csv: row 2, column 1 ("\\x1b]0;owned\\x07x"): bad');
  assert.equal(hostile.columnName, '\u001b]0;owned\u0007x', 'the field keeps the name as it is');
  const long = new DataError('bad', { file: 'x.csv', row: 2, column: 1, columnName: 'n'.repeat(4_000_000) });
  assert.ok(long.message.length < 120, `short message, got ${long.message.length} characters`);
  assert.match(long.message, /"n{60}…" \(4000000 characters\)/);
});
