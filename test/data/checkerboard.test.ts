import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { checkerboard, checkerboardLogProb } from '../../src/data/checkerboard.ts';

test('checkerboard samples only the black squares, all eight of them', () => {
  const { data, logProb } = checkerboard(8000, { rng: new Rng(4), dtype: 'float64' });
  const lp = logProb!(data);
  assert.ok(lp.every((v) => v === -Math.log(8)));
  const cells = new Set<string>();
  for (let i = 0; i < data.rows; i++) cells.add(`${Math.floor(data.data[2 * i])},${Math.floor(data.data[2 * i + 1])}`);
  assert.equal(cells.size, 8);
});

test('checkerboardLogProb is -inf on white squares and outside', () => {
  const lp = checkerboardLogProb(matrix([[0.5, 0.5], [0.5, 1.5], [-1.5, -1.5], [2.5, 0.5], [-0.5, -0.5]], undefined, undefined, 'float64'));
  assert.deepEqual(Array.from(lp), [-Math.log(8), -Infinity, -Math.log(8), -Infinity, -Math.log(8)]);
});
