/** The factories' layer assembly: order 'lu', actNorm and bounds, trained and saved through the model file. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { ActNorm } from '../../src/bijectors/act-norm.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import { LuLinear } from '../../src/bijectors/lu-linear.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { fitDataStandardize } from '../../src/flows/fit-data-standardize.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { decodeModel, encodeModel } from '../../src/io/model-codec.ts';
import { fit } from '../../src/train/fit.ts';

test("order 'lu' puts a LuLinear between layers, actNorm an ActNorm after each; the flow starts as the reversed-order MAF", () => {
  const lu = createMaf({ features: 3, layers: 3, hiddenUnits: [8], order: 'lu', actNorm: true, rng: new Rng(0) });
  const names = (lu.bijector as Chain).bijectors.map((b) => b.constructor.name);
  assert.deepEqual(names, ['MaskedAutoregressiveFlow', 'ActNorm', 'LuLinear', 'MaskedAutoregressiveFlow', 'ActNorm', 'LuLinear',
    'MaskedAutoregressiveFlow', 'ActNorm']);
  const reverse = createMaf({ features: 3, layers: 3, hiddenUnits: [8], rng: new Rng(0) });
  const x = matrix([[0.3, -1, 2]]);
  assert.ok(Math.abs(lu.logProb(x)[0] - reverse.logProb(x)[0]) < 1e-5);
  const nvp = createRealNvp({ features: 2, layers: 2, hiddenUnits: [8], actNorm: true, rng: new Rng(0) });
  assert.ok((nvp.bijector as Chain).bijectors[1] instanceof ActNorm);
});

test('a bounded MAF with LU mixing and ActNorm trains, and reads back from its model file with the same densities', () => {
  const rng = new Rng(1);
  const n = 300;
  const x = zeros(n, 3, 'float64');
  for (let r = 0; r < n; r++) {
    const z = rng.normal();
    x.data[r * 3] = 1 / (1 + Math.exp(-z - 0.3 * rng.normal()));
    x.data[r * 3 + 1] = Math.exp(z + 0.5 * rng.normal());
    x.data[r * 3 + 2] = 50 + 10 * z + rng.normal();
  }
  const layers = createMaf({ features: 3, layers: 2, hiddenUnits: [16], order: 'lu', actNorm: true, bounds: [[0, 1], [0, Infinity], [-Infinity, Infinity]], rng: new Rng(2) });
  const flow = withStandardization(layers, { data: fitDataStandardize(layers, x) });
  const before = flow.logProb(x).reduce((a, b) => a + b) / n;
  const result = fit(flow, x, { epochs: 15, batchSize: 50, learningRate: 3e-3, validationFraction: 0.2, rng: new Rng(3) });
  const after = flow.logProb(x).reduce((a, b) => a + b) / n;
  assert.ok(after > before + 0.2, `mean log-likelihood ${before} → ${after} (${result.stoppedBy})`);
  const members = (flow.bijector as Chain).bijectors;
  assert.ok(members[0] instanceof Bounds && members.some((b) => b instanceof LuLinear));
  const actNorms = members.filter((b): b is ActNorm => b instanceof ActNorm);
  assert.ok(actNorms.every((a) => a.initialized[0] === 1));
  const loaded = decodeModel(encodeModel(flow)).flow;
  assert.deepEqual(Array.from(loaded.logProb(x)), Array.from(flow.logProb(x)));
  const samples = loaded.sample(500, { rng: new Rng(4) });
  for (let r = 0; r < 500; r++) assert.ok(samples.data[r * 3] > 0 && samples.data[r * 3] < 1 && samples.data[r * 3 + 1] > 0);
});
