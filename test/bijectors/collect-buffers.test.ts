import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { Rng } from '../../src/core/rng.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';

test('collectBuffers: the live batch-norm buffers of a flow, named under its bijector', () => {
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [4], batchNorm: true, rng: new Rng(0) });
  const buffers = collectBuffers(flow);
  assert.deepEqual(buffers.map(([n]) => n), ['bijector.bijectors.1.runningMean', 'bijector.bijectors.1.runningVariance',
    'bijector.bijectors.4.runningMean', 'bijector.bijectors.4.runningVariance']);
  buffers[0][1][0] = 7;
  assert.equal(collectBuffers(flow)[0][1][0], 7, 'the arrays are the live buffers');
  assert.deepEqual(collectBuffers(flow.bijector, 'x').map(([n]) => n)[0], 'x.bijectors.1.runningMean');
});

test('collectBuffers: a distribution without a bijector (MadeMog, StandardNormal) has none instead of throwing', () => {
  const mog = createMadeMog({ features: 2, components: 2, hiddenUnits: [4], rng: new Rng(1) });
  assert.deepEqual(collectBuffers(mog), []);
  assert.deepEqual(collectBuffers(new StandardNormal(2), 'flow'), []);
  assert.deepEqual(collectBuffers(createMaf({ features: 2, layers: 2, hiddenUnits: [4], rng: new Rng(2) })), []);
});
