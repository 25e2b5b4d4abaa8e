/** Bounded columns in the factories, with the standardization inside the flow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { fitDataStandardize } from '../../src/flows/fit-data-standardize.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { fit } from '../../src/train/fit.ts';

const bounds: [number, number][] = [[0, 1], [10, Infinity], [-Infinity, Infinity]];

function boundedData(n: number, rng: Rng) {
  const x = zeros(n, 3, 'float64');
  for (let r = 0; r < n; r++) {
    x.data[r * 3] = rng.uniform() ** 3;
    x.data[r * 3 + 1] = 10 + Math.exp(2 * rng.normal());
    x.data[r * 3 + 2] = 100 + 20 * rng.normal();
  }
  return x;
}

test('createMaf({ bounds }) puts a Bounds first; withStandardization keeps it in front of the Standardize, fitted on the unbounded values', () => {
  const rng = new Rng(0);
  const x = boundedData(300, rng);
  const layers = createMaf({ features: 3, layers: 2, hiddenUnits: [8], bounds, rng: new Rng(1) });
  assert.ok((layers.bijector as Chain).bijectors[0] instanceof Bounds);
  const standardize = fitDataStandardize(layers, x);
  const flow = withStandardization(layers, { data: standardize });
  const members = (flow.bijector as Chain).bijectors;
  assert.ok(members[0] instanceof Bounds && members[1] === standardize);
  // Statistics of logit(x0), log(x1 − 10), x2.
  const u = (members[0] as Bounds).inverse(x);
  const mean = [0, 1, 2].map((d) => Array.from({ length: 300 }, (_, r) => u.data[r * 3 + d]).reduce((a, b) => a + b) / 300);
  for (let d = 0; d < 3; d++) assert.ok(Math.abs(standardize.mean[d] - mean[d]) < 1e-9);
  assert.throws(() => fitDataStandardize(layers, matrix([[0.5, 9, 0]], undefined, undefined, 'float64')), /x\[0, 1\] = 9 is not inside the column's bounds \(10, Infinity\)/);
});

test('a bounded flow trains on raw bounded data; its samples respect the bounds; a point outside has log-density −Infinity', () => {
  const x = boundedData(400, new Rng(2));
  for (const make of [createMaf, createNsf]) {
    const layers = make({ features: 3, layers: 2, hiddenUnits: [16], bounds, rng: new Rng(3) }) as TransformedDistribution;
    const flow = withStandardization(layers, { data: fitDataStandardize(layers, x) });
    const result = fit(flow, x, { epochs: 3, batchSize: 50, learningRate: 3e-3, validationFraction: 0.2, rng: new Rng(4) });
    assert.ok(Number.isFinite(result.bestValidationLogLik));
    const samples = flow.sample(2000, { rng: new Rng(5) });
    for (let r = 0; r < samples.rows; r++) {
      const [a, b] = [samples.data[r * 3], samples.data[r * 3 + 1]];
      assert.ok(a > 0 && a < 1 && b > 10, `sample row ${r}: ${a}, ${b}`);
    }
    const lp = flow.logProb(matrix([[1.2, 11, 0], [0.5, 10, 0], [0.5, 11, 0]], undefined, undefined, 'float64'));
    assert.deepEqual([lp[0], lp[1]], [-Infinity, -Infinity]);
    assert.ok(Number.isFinite(lp[2]));
  }
});

test('bounds of the wrong length are refused', () => {
  assert.throws(() => createMaf({ features: 2, bounds: [[0, 1]] }), /expected 2 \[low, high\] pairs/);
});
