/** createNsf: structure, config round trip of its transformers, and a learning test against an affine MAF. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { invert } from '../../src/bijectors/inversion/invert.ts';
import { gaussianMixture2d } from '../../src/data/gaussian-mixture-2d.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { fit } from '../../src/train/fit.ts';
import { maxAbsDiff } from '../helpers/numeric.ts';

test('createNsf: spline MAF layers with permutations between, identity at initialisation, conditional', () => {
  const flow = createNsf({ features: 3, layers: 3, hiddenUnits: [16], bins: 5, tailBound: 2, contextFeatures: 2, dtype: 'float64', rng: new Rng(1) });
  const chain = flow.bijector as Chain;
  assert.equal(chain.bijectors.length, 5);
  const mafs = chain.bijectors.filter((b) => b instanceof MaskedAutoregressiveFlow) as MaskedAutoregressiveFlow[];
  assert.equal(mafs.length, 3);
  for (const m of mafs) {
    assert.ok(m.transformer instanceof RationalQuadraticSpline);
    assert.deepEqual([(m.transformer as RationalQuadraticSpline).bins, (m.transformer as RationalQuadraticSpline).tailBound], [5, 2]);
    assert.equal(m.made.paramsPerFeature, 14);
  }
  const x = matrix([[0.3, -1, 0.5], [1.5, 0.2, -0.7]], undefined, undefined, 'float64');
  const context = matrix([[1, 2], [0, -1]], undefined, undefined, 'float64');
  const u = flow.bijector.inverse(x, { context });
  // A fresh flow is close to the identity (small MADE output layer; zero raw spline parameters are the identity, and
  // two reversals between three layers restore the order).
  assert.ok(maxAbsDiff(u.data, x.data) < 0.1, `fresh flow moves x by ${maxAbsDiff(u.data, x.data)}`);
  assert.ok(maxAbsDiff(flow.bijector.forward(u, { context }).data, x.data) < 1e-10, 'sampling direction inverts density direction');
  assert.equal(flow.sample(4, { context: matrix([[0, 1]], undefined, undefined, 'float64'), rng: new Rng(2) }).rows, 4);
  const rebuilt = createBijector(flow.bijector.config(), new Rng(9)) as Chain;
  assert.deepEqual(rebuilt.config(), flow.bijector.config(), 'the spline configuration survives a config round trip');
  assert.throws(() => createNsf({ features: 2, layers: 0 }), /createNsf: layers must be a positive integer, got 0/);
});

test('createNsf: the sampling pass is recovered by invert() through the density direction', () => {
  const flow = createNsf({ features: 4, layers: 2, hiddenUnits: [16], dtype: 'float64', rng: new Rng(3) });
  const u = matrix([[0.5, -0.2, 1, 2], [-1, 0, 0.3, -2.5]], undefined, undefined, 'float64');
  const exact = flow.bijector.forward(u);
  const { x } = invert(flow.bijector, u, { method: 'bisection', strict: true });
  assert.ok(maxAbsDiff(x.data, exact.data) < 1e-8);
});

test('createNsf: on the 8-Gaussians ring a spline flow beats an affine MAF of the same size after the same training', (t) => {
  const train = gaussianMixture2d(1500, { rng: new Rng(10), dtype: 'float32' });
  const heldOut = gaussianMixture2d(1000, { rng: new Rng(11), dtype: 'float32' });
  const common = { features: 2, layers: 3, hiddenUnits: [32, 32] as const, dtype: 'float32' as const };
  const settings = { epochs: 12, batchSize: 100, learningRate: 3e-3, validationFraction: 0, rng: new Rng(12) };
  const score = (flow: ReturnType<typeof createMaf>) => {
    const lp = flow.logProb(heldOut.data);
    return lp.reduce((s, v) => s + v, 0) / lp.length;
  };
  const nsf = createNsf({ ...common, bins: 8, tailBound: 3.5, rng: new Rng(13) });
  const maf = createMaf({ ...common, rng: new Rng(13) });
  fit(nsf, train.data, settings);
  fit(maf, train.data, { ...settings, rng: new Rng(12) });
  assert.ok(heldOut.logProb !== undefined);
  const truth = heldOut.logProb(heldOut.data).reduce((s, v) => s + v, 0) / heldOut.data.rows;
  const [a, b] = [score(nsf), score(maf)];
  assert.ok(Number.isFinite(a) && Number.isFinite(b));
  t.diagnostic(`spline ${a.toFixed(3)}, affine ${b.toFixed(3)}, truth ${truth.toFixed(3)}`);
  assert.ok(a > b + 0.1, `spline flow ${a.toFixed(3)} nats vs affine MAF ${b.toFixed(3)} (true density ${truth.toFixed(3)})`);
});
