import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveColumns } from '../../src/io/resolve-columns.ts';

test('resolveColumns takes names first, then 0-based indices', () => {
  assert.deepEqual(resolveColumns('x2, 0', ['x0', 'x1', 'x2'], 'd.csv'), [2, 0]);
  assert.deepEqual(resolveColumns(['1'], ['1', '0'], 'd.csv'), [0], 'a header named "1" wins over index 1');
  assert.deepEqual(resolveColumns([1, 'a'], ['a', 'b'], 'd.csv'), [1, 0]);
});

test('resolveColumns rejects empty, duplicate, ambiguous and unknown selections', () => {
  assert.throws(() => resolveColumns('', ['a'], 'd.csv'), { message: 'd.csv: the column selection is empty' });
  assert.throws(() => resolveColumns('a,a', ['a', 'b'], 'd.csv'), { message: 'd.csv: column "a" (0-based index 0) is selected twice' });
  assert.throws(() => resolveColumns('a', ['a', 'b', 'a'], 'd.csv'),
    { message: 'd.csv: column name "a" occurs twice in the header (0-based columns 0 and 2); select the column by its 0-based index instead' });
  assert.throws(() => resolveColumns([-1], ['a'], 'd.csv'), /d\.csv: column index -1 is out of range/);
  assert.throws(() => resolveColumns([0.5], ['a'], 'd.csv'), /d\.csv: column index 0\.5 is out of range/);
});
