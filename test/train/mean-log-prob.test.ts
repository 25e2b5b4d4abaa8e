import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import { randomMatrix } from '../helpers/numeric.ts';

test('meanLogProb: chunked evaluation equals the plain mean, with and without context', () => {
  const rng = new Rng(1);
  const flow = createMaf({ features: 3, layers: 2, hiddenUnits: [8], contextFeatures: 2, rng, dtype: 'float64' });
  const x = randomMatrix(103, 3, rng);
  const context = randomMatrix(103, 2, rng);
  const lp = flow.logProb(x, { context });
  const expected = lp.reduce((a, b) => a + b, 0) / lp.length;
  assert.ok(Math.abs(meanLogProb(flow, x, { context, chunkRows: 10 }) - expected) < 1e-12);
  assert.ok(Math.abs(meanLogProb(flow, x, { context }) - expected) < 1e-12);
  assert.throws(() => meanLogProb(flow, x, { context, chunkRows: 0 }), /chunkRows must be a positive integer/);
});

test('meanLogProb: a NaN is named by its row in the whole data set, not in a chunk; ±Infinity gives −Infinity', () => {
  const flow = createMaf({ features: 2, layers: 1, hiddenUnits: [8], rng: new Rng(0) });
  const data = randomMatrix(10, 2, new Rng(1), 1, 'float32');
  data.data[9 * 2 + 1] = NaN;
  assert.throws(() => meanLogProb(flow, data, { chunkRows: 4 }), /^DataError: meanLogProb: data row 9, column 1 \(0-based\): expected a finite number, got NaN/);
  assert.ok(Number.isNaN(meanLogProb(flow, data, { chunkRows: 4, validateArgs: false })), 'unchecked: NaN in, NaN out');
  data.data[9 * 2 + 1] = -Infinity;
  assert.equal(meanLogProb(flow, data, { chunkRows: 4 }), -Infinity);
  const conditional = createMaf({ features: 2, layers: 1, hiddenUnits: [8], contextFeatures: 1, rng: new Rng(0) });
  const context = matrix([[0], [1], [2], [3], [4], [Infinity]]);
  assert.throws(() => meanLogProb(conditional, randomMatrix(6, 2, new Rng(2)), { context, chunkRows: 4 }), /meanLogProb: context row 5, column 0 \(0-based\)/);
});
