/**
 * Standardization inside the flow: a `Standardize` at the data end and a context pre-map on `TransformedDistribution`
 * give densities, samples and base-space values in the user's units with no correction outside the flow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { createDistribution } from '../../src/distributions/create-distribution.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import { randomMatrix } from '../helpers/numeric.ts';

/** Columns with means [10, −300] and stds about [2, 50]: far from standardized. */
function rawData(rows: number, rng: Rng): Matrix {
  const x = randomMatrix(rows, 2, rng);
  for (let r = 0; r < rows; r++) {
    x.data[2 * r] = 10 + 2 * x.data[2 * r];
    x.data[2 * r + 1] = -300 + 50 * x.data[2 * r + 1] + 20 * x.data[2 * r];
  }
  return x;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) <= tolerance * (1 + Math.abs(b[k])), `${what}[${k}]: ${a[k]} vs ${b[k]}`);
};

test('withStandardization: log-densities and samples are the inner flow\'s, mapped to the data\'s units', () => {
  const rng = new Rng(1);
  const x = rawData(40, rng);
  const inner = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(2) });
  const data = Standardize.fit(x);
  const flow = withStandardization(inner, { data });
  assert.ok(flow.bijector instanceof Chain);
  assert.equal((flow.bijector as Chain).bijectors[0], data, 'the Standardize is the data end (bijectors.0)');
  assert.equal((flow.bijector as Chain).bijectors.length, 4, 'the chain is flattened: Standardize, MAF, Permute, MAF');
  const logStd = Math.log(data.std[0]) + Math.log(data.std[1]);
  close(flow.logProb(x), Array.from(inner.logProb(data.inverse(x))).map((v) => v - logStd), 1e-12, 'logProb');
  const samples = flow.sample(5, { rng: new Rng(3) });
  close(samples.data, data.forward(inner.sample(5, { rng: new Rng(3) })).data, 1e-6, 'samples');
  close(flow.toBase(x).data, inner.bijector.inverse(data.inverse(x)).data, 1e-6, 'toBase');
});

test('the context pre-map standardizes the context before it reaches the layers; its gradient is in raw units', () => {
  const rng = new Rng(4);
  const x = rawData(30, rng);
  const context = randomMatrix(30, 2, rng, 100);
  const inner = createMaf({ features: 2, layers: 2, hiddenUnits: [8], contextFeatures: 2, dtype: 'float64', rng: new Rng(5) });
  const pre = Standardize.fit(context);
  const flow = withStandardization(inner, { data: Standardize.fit(x), context: pre });
  const expected = withStandardization(inner, { data: Standardize.fit(x) }).logProb(x, { context: pre.inverse(context) });
  close(flow.logProb(x, { context }), expected, 1e-12, 'logProb with the raw context');
  const one = matrix([[150, -20]], undefined, undefined, 'float64');
  close(flow.sample(4, { context: one, rng: new Rng(6) }).data,
    withStandardization(inner, { data: Standardize.fit(x) }).sample(4, { context: pre.inverse(one), rng: new Rng(6) }).data, 1e-12, 'samples');
  // dContext by finite differences of Σ logProb over the raw context.
  const pass = flow.logProbTrain(x, { context });
  const { dContext } = pass.backward(new Float64Array(x.rows).fill(1));
  const h = 1e-4;
  for (const k of [0, 7, 33]) {
    const plus = { ...context, data: Float64Array.from(context.data) };
    const minus = { ...context, data: Float64Array.from(context.data) };
    plus.data[k] += h;
    minus.data[k] -= h;
    const sum = (c: Matrix) => flow.logProb(x, { context: c }).reduce((a, b) => a + b, 0);
    const numeric = (sum(plus) - sum(minus)) / (2 * h);
    assert.ok(Math.abs(dContext!.data[k] - numeric) < 1e-5 * (1 + Math.abs(numeric)), `dContext[${k}]: ${dContext!.data[k]} vs ${numeric}`);
  }
});

test('fit on raw data trains the layers and leaves the standardization untouched; its numbers are in the data\'s units', () => {
  const rng = new Rng(7);
  const x = rawData(300, rng);
  const data = Standardize.fit(x);
  const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [16], rng: new Rng(8) }), { data });
  const before = { mean: Array.from(data.mean), std: Array.from(data.std) };
  const validation = rawData(100, rng);
  const result = fit(flow, x, { epochs: 3, batchSize: 50, learningRate: 3e-3, validationData: validation, rng: new Rng(9) });
  assert.deepEqual({ mean: Array.from(data.mean), std: Array.from(data.std) }, before);
  assert.deepEqual(flow.namedParameters().map(([name]) => name).filter((name) => name.startsWith('bijector.bijectors.0.')), []);
  assert.ok(Math.abs(result.bestValidationLogLik - meanLogProb(flow, validation)) < 1e-6,
    `fit's validation log-likelihood ${result.bestValidationLogLik} is the flow's own ${meanLogProb(flow, validation)}`);
  assert.ok(result.bestValidationLogLik < -5, 'in raw units the density of data with stds 2 and 50 is low (standardized it would be ≈ −2.8)');
});

test('a standardized conditional flow survives its config: createDistribution rebuilds the pre-map too', () => {
  const rng = new Rng(10);
  const x = rawData(20, rng);
  const context = randomMatrix(20, 1, rng, 30);
  const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [6], contextFeatures: 1, rng: new Rng(11) }),
    { data: Standardize.fit(x), context: Standardize.fit(context) });
  const config = JSON.parse(JSON.stringify(flow.config()));
  assert.equal(config.contextStandardize.type, 'Standardize');
  const copy = createDistribution(config) as TransformedDistribution;
  const byName = new Map(flow.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(byName.get(name)!.value);
  assert.deepEqual(Array.from(copy.logProb(x, { context })), Array.from(flow.logProb(x, { context })));
});

test('a MadeMog becomes the base of a standardized flow', () => {
  const rng = new Rng(12);
  const x = rawData(20, rng);
  const context = randomMatrix(20, 1, rng, 30);
  const mog = createMadeMog({ features: 2, hiddenUnits: [8], components: 2, contextFeatures: 1, dtype: 'float64', rng: new Rng(13) });
  const data = Standardize.fit(x);
  const pre = Standardize.fit(context);
  const flow = withStandardization(mog, { data, context: pre });
  const logStd = Math.log(data.std[0]) + Math.log(data.std[1]);
  close(flow.logProb(x, { context }), Array.from(mog.logProb(data.inverse(x), { context: pre.inverse(context) })).map((v) => v - logStd), 1e-12, 'logProb');
  const onlyContext = withStandardization(mog, { context: pre });
  close(onlyContext.logProb(x, { context }), mog.logProb(x, { context: pre.inverse(context) }), 1e-12, 'context pre-map alone');
});

test('withStandardization and the pre-map reject mismatched or doubled standardizations', () => {
  const flow = createMaf({ features: 2, layers: 1, hiddenUnits: [4], contextFeatures: 1, rng: new Rng(0) });
  const two = new Standardize({ mean: [0, 0], std: [1, 1] });
  const one = new Standardize({ mean: [0], std: [2] });
  assert.throws(() => withStandardization(flow, {}), /nothing to add/);
  assert.throws(() => withStandardization(flow, { data: one }), /data standardization has 1 columns but the flow has 2 features/);
  assert.throws(() => withStandardization(flow, { context: two }), /contextStandardize has 2 columns but the flow takes context of width 1/);
  assert.throws(() => withStandardization(withStandardization(flow, { context: one }), { context: one }), /already standardizes its context/);
  const unconditional = createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) });
  assert.throws(() => new TransformedDistribution(unconditional.base, unconditional.bijector, { contextStandardize: one }),
    /contextStandardize has 1 columns but the flow takes context of width 0/);
  const config = { ...withStandardization(flow, { context: one }).config(), contextStandardize: { type: 'Shift', features: 1 } };
  assert.throws(() => createDistribution(config), /'contextStandardize' must be a Standardize config/);
});

test('setBatchNormStatistics passes the context through the pre-map, as logProb does', () => {
  const rng = new Rng(14);
  const x = rawData(50, rng);
  const context = randomMatrix(50, 1, rng, 1000);
  const pre = Standardize.fit(context);
  const make = () => createMaf({ features: 2, layers: 2, hiddenUnits: [6], contextFeatures: 1, batchNorm: true, dtype: 'float64', rng: new Rng(15) });
  const inner = make();
  const flow = withStandardization(make(), { data: Standardize.fit(x), context: pre });
  setBatchNormStatistics(inner, Standardize.fit(x).inverse(x), { context: pre.inverse(context) });
  setBatchNormStatistics(flow, x, { context });
  const buffers = (d: TransformedDistribution) => collectBuffers(d).map(([, b]) => Array.from(b));
  const expected = buffers(inner);
  buffers(flow).forEach((b, i) => close(b, expected[i], 1e-9, `buffer ${i}`));
});
