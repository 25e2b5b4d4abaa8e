import assert from 'node:assert/strict';
import { test } from 'node:test';
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
