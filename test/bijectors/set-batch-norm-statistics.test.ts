import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Chain } from '../../src/bijectors/chain.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { randomMatrix } from '../helpers/numeric.ts';

test('setBatchNormStatistics: the first BatchNormalization gets the moments of its input, training mode is restored', () => {
  const rng = new Rng(0);
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [4], batchNorm: true, rng });
  const data = randomMatrix(40, 2, rng, 2, 'float32');
  flow.train(true);
  assert.equal(setBatchNormStatistics(flow, data), 2);
  assert.equal(flow.bijector.isTraining, true);
  const u = (flow.bijector as Chain).bijectors[0].inverse(data);
  const [, mean] = collectBuffers(flow)[0];
  for (let d = 0; d < 2; d++) {
    let m = 0;
    for (let r = 0; r < u.rows; r++) m += u.data[r * 2 + d] / u.rows;
    assert.ok(Math.abs(mean[d] - m) < 1e-5, `mean ${d}: ${mean[d]} vs ${m}`);
  }
});

test('setBatchNormStatistics: a distribution without a bijector has no batch normalisation to set', () => {
  const rng = new Rng(1);
  const mog = createMadeMog({ features: 2, components: 2, hiddenUnits: [4], rng });
  assert.equal(setBatchNormStatistics(mog, randomMatrix(5, 2, rng)), 0);
});
