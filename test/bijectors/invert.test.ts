import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { matrix } from '../../src/core/matrix.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import { maxAbsDiff, randomMatrix } from '../helpers/numeric.ts';

const makeMaf = (seed: number, contextFeatures = 0) => new MaskedAutoregressiveFlow({
  features: 3, hiddenUnits: [8, 8], contextFeatures, outputInitScale: 0.5, dtype: 'float64', rng: new Rng(seed),
});

test('Invert swaps the directions and log-determinants of the wrapped bijector', () => {
  const maf = makeMaf(1, 2);
  const iaf = new Invert(maf);
  const rng = new Rng(2);
  const x = randomMatrix(5, 3, rng);
  const context = randomMatrix(5, 2, rng);
  const a = iaf.forwardAndLogDet(x, { context });
  const b = maf.inverseAndLogDet(x, { context });
  assert.deepEqual(Array.from(a.output.data), Array.from(b.output.data));
  assert.deepEqual(Array.from(a.logDet), Array.from(b.logDet));
  const c = iaf.inverseAndLogDet(x, { context });
  const d = maf.forwardAndLogDet(x, { context });
  assert.ok(maxAbsDiff(c.output.data, d.output.data) === 0);
  assert.ok(maxAbsDiff(c.logDet, d.logDet) === 0);
});

test('Invert(MAF) is an IAF: parallel forward, sequential inverse, trainable forward only', () => {
  const iaf = new Invert(makeMaf(3));
  assert.equal(iaf.forwardIsParallel, true);
  assert.equal(iaf.inverseIsParallel, false);
  const u = matrix([[0.1, -0.2, 0.3]], undefined, undefined, 'float64');
  const pass = iaf.forwardTrain(u);
  assert.equal(pass.output.cols, 3);
  assert.throws(() => iaf.inverseTrain(u), /Invert\.inverseTrain: not differentiable here \(it is the sequential forward of the wrapped MaskedAutoregressiveFlow\)/);
});

test('Invert shares parameters with the wrapped bijector, names them under "bijector", and forwards train()', () => {
  const maf = makeMaf(4);
  const iaf = new Invert(maf);
  const names = iaf.namedParameters('layer').map(([n]) => n);
  assert.deepEqual(names, maf.namedParameters('layer.bijector').map(([n]) => n));
  assert.equal(iaf.namedParameters()[0][1], maf.namedParameters()[0][1]);
  const bn = new BatchNormalization({ features: 3 });
  const inverted = new Invert(bn);
  inverted.train();
  assert.equal(bn.isTraining, true);
  inverted.train(false);
  assert.equal(bn.isTraining, false);
  assert.deepEqual(inverted.config(), { type: 'Invert', bijector: bn.config() });
});
