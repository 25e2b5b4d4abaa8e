import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import type { AffineCoupling } from '../../src/bijectors/affine-coupling.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { maxAbsDiff, randomMatrix } from '../helpers/numeric.ts';

test('createRealNvp: coupling layers with alternating masks, optional batch norm after each', () => {
  const flow = createRealNvp({ features: 3, layers: 3, hiddenUnits: [8], batchNorm: true });
  const chain = flow.bijector as Chain;
  assert.deepEqual(chain.bijectors.map((b) => b.constructor.name),
    ['AffineCoupling', 'BatchNormalization', 'AffineCoupling', 'BatchNormalization', 'AffineCoupling', 'BatchNormalization']);
  const masks = [0, 2, 4].map((i) => (chain.bijectors[i] as AffineCoupling).mask);
  assert.deepEqual(masks, [[true, false, true], [false, true, false], [true, false, true]]);
  assert.equal(flow.bijector.forwardIsParallel && flow.bijector.inverseIsParallel, true);
  assert.throws(() => createRealNvp({ features: 1 }), /createRealNvp: features must be an integer >= 2/);
});

test('createRealNvp: sample → logProb and data → base → data round trips (with context)', () => {
  const flow = createRealNvp({ features: 4, layers: 4, hiddenUnits: [10], contextFeatures: 2, dtype: 'float64', rng: new Rng(1) });
  const rng = new Rng(2);
  for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
  const x = randomMatrix(8, 4, rng);
  const context = randomMatrix(8, 2, rng);
  const u = flow.bijector.inverse(x, { context });
  assert.ok(maxAbsDiff(flow.bijector.forward(u, { context }).data, x.data) < 1e-10);
  const { samples, logProb } = flow.sampleAndLogProb(8, { rng, context });
  assert.ok(maxAbsDiff(flow.logProb(samples, { context }), logProb) < 1e-10);
});

test('createRealNvp: config round trip (with batch-norm buffers) gives identical densities', () => {
  const flow = createRealNvp({ features: 3, layers: 2, hiddenUnits: [6], batchNorm: true, mask: 'half', dtype: 'float64', rng: new Rng(3) });
  setBatchNormStatistics(flow, randomMatrix(30, 3, new Rng(4), 2));
  const copy = new TransformedDistribution(flow.base, createBijector(JSON.parse(JSON.stringify(flow.bijector.config()))));
  const params = new Map(flow.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(params.get(name)!.value);
  const buffers = new Map(collectBuffers(flow));
  for (const [name, b] of collectBuffers(copy)) b.set(buffers.get(name)!);
  const x = randomMatrix(5, 3, new Rng(5));
  assert.deepEqual(Array.from(copy.logProb(x)), Array.from(flow.logProb(x)));
});

test('createRealNvp with batch norm trains: gradient ascent on log-likelihood raises it', () => {
  const rng = new Rng(6);
  const data = randomMatrix(64, 2, rng, 1);
  for (let r = 0; r < 64; r++) data.data[r * 2 + 1] = 0.5 * data.data[r * 2] ** 2 + 0.3 * data.data[r * 2 + 1] + 1;
  const flow = createRealNvp({ features: 2, layers: 4, hiddenUnits: [16], batchNorm: true, dtype: 'float64', rng: new Rng(7) });
  const meanLogProb = () => {
    setBatchNormStatistics(flow, data);
    flow.train(false);
    return flow.logProb(data).reduce((a, b) => a + b, 0) / 64;
  };
  const before = meanLogProb();
  const params = parametersOf(flow);
  for (let step = 0; step < 60; step++) {
    flow.train();
    for (const p of params) p.zeroGrad();
    const pass = flow.logProbTrain(data);
    pass.backward(new Float64Array(64).fill(1 / 64));
    for (const p of params) for (let k = 0; k < p.size; k++) p.value[k] += 0.05 * p.grad[k];
  }
  const after = meanLogProb();
  assert.ok(Number.isFinite(after) && after > before + 0.3, `mean log-likelihood ${before} → ${after}`);
});
