import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../src/io/data-error.ts';

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
