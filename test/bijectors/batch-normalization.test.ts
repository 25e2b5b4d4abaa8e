import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, maxAbsDiff, paramTargets, randomMatrix } from '../helpers/numeric.ts';

function moments(m: Matrix): { mean: number[]; variance: number[] } {
  const mean = new Array(m.cols).fill(0);
  const variance = new Array(m.cols).fill(0);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) mean[c] += m.data[r * m.cols + c] / m.rows;
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) variance[c] += (m.data[r * m.cols + c] - mean[c]) ** 2 / m.rows;
  return { mean, variance };
}

function randomBn(rng: Rng, features = 3): BatchNormalization {
  const bn = new BatchNormalization({ features, dtype: 'float64' });
  for (const p of parametersOf(bn)) for (let k = 0; k < p.size; k++) p.value[k] = 0.3 * rng.normal();
  return bn;
}

test('BatchNormalization training mode: gradients (through the batch statistics) match finite differences', () => {
  const rng = new Rng(11);
  const bn = randomBn(rng).train();
  const x = randomMatrix(6, 3, rng, 1.5);
  for (let k = 0; k < x.data.length; k++) x.data[k] += k % 3;
  const weights = randomMatrix(6, 3, rng);
  const ldWeights = new Float64Array(6).map(() => rng.normal());
  const loss = () => {
    const pass = bn.inverseTrain(x);
    let s = 0;
    for (let k = 0; k < x.data.length; k++) s += weights.data[k] * pass.output.data[k];
    for (let r = 0; r < 6; r++) s += ldWeights[r] * pass.logDet[r];
    return s;
  };
  let dInput = x;
  const analytic = () => {
    for (const p of parametersOf(bn)) p.zeroGrad();
    dInput = bn.inverseTrain(x).backward(weights, ldWeights).dInput;
  };
  analytic();
  const inputTarget = { value: x.data as Float64Array, get grad() { return dInput.data; } };
  const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(bn)), inputTarget], rng, 18);
  assert.ok(worst < 1e-6, `worst relative gradient error ${worst}`);
});

test('BatchNormalization training mode normalises with batch moments and updates running averages', () => {
  const rng = new Rng(12);
  const bn = new BatchNormalization({ features: 2, momentum: 0.25, dtype: 'float64' }).train();
  const x = randomMatrix(40, 2, rng, 3);
  const { output, logDet } = bn.inverseAndLogDet(x);
  const m = moments(output);
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(m.mean[c]) < 1e-12, `mean ${m.mean[c]}`);
    assert.ok(Math.abs(m.variance[c] - 1) < 1e-4, `variance ${m.variance[c]}`);
  }
  const mx = moments(x);
  const expectedLogDet = -0.5 * (Math.log(mx.variance[0] + 1e-5) + Math.log(mx.variance[1] + 1e-5));
  for (const v of logDet) assert.ok(Math.abs(v - expectedLogDet) < 1e-12);
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(bn.runningMean[c] - 0.25 * mx.mean[c]) < 1e-12);
    assert.ok(Math.abs(bn.runningVariance[c] - (0.75 + 0.25 * mx.variance[c])) < 1e-12);
  }
  assert.throws(() => bn.inverse(randomMatrix(1, 2, rng)), /BatchNormalization\.inverse: training mode needs at least 2 rows/);
});

test('BatchNormalization: evaluation uses running statistics; forward inverts them even in training mode', () => {
  const rng = new Rng(13);
  const bn = randomBn(rng, 2);
  bn.setPopulationStatistics(matrix([[1, 2], [3, 6], [5, 4]], undefined, undefined, 'float64'));
  assert.deepEqual(Array.from(bn.runningMean), [3, 4]);
  assert.ok(maxAbsDiff(bn.runningVariance, [8 / 3, 8 / 3]) < 1e-12);
  const x = randomMatrix(5, 2, rng);
  const u = bn.inverse(x);
  const sigma = Math.sqrt(8 / 3 + 1e-5);
  const expected = Array.from(x.data, (v, k) => ((v - bn.runningMean[k % 2]) / sigma) * Math.exp(bn.logGamma.value[k % 2]) + bn.beta.value[k % 2]);
  assert.ok(maxAbsDiff(u.data, expected) < 1e-12);
  bn.train();
  const back = bn.forward(u);
  assert.ok(maxAbsDiff(back.data, x.data) < 1e-12, 'forward uses the running statistics in training mode');
});

test('BatchNormalization: buffers are named and collected through Chain and Invert', () => {
  const chain = new Chain([new BatchNormalization({ features: 2 }), new Invert(new BatchNormalization({ features: 2 }))]);
  assert.deepEqual(collectBuffers(chain, 'bijector').map(([n]) => n), [
    'bijector.bijectors.0.runningMean', 'bijector.bijectors.0.runningVariance',
    'bijector.bijectors.1.bijector.runningMean', 'bijector.bijectors.1.bijector.runningVariance',
  ]);
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [4], batchNorm: true });
  const names = collectBuffers(flow).map(([n]) => n);
  assert.deepEqual(names, ['bijector.bijectors.1.runningMean', 'bijector.bijectors.1.runningVariance',
    'bijector.bijectors.4.runningMean', 'bijector.bijectors.4.runningVariance']);
  const paramNames = new Set(flow.namedParameters().map(([n]) => n));
  assert.ok(paramNames.has('bijector.bijectors.1.logGamma'), 'buffers and parameters share prefixes');
});

test('setBatchNormStatistics: each BatchNormalization of a flow gets the moments of its actual input', () => {
  const rng = new Rng(14);
  for (const flow of [
    createMaf({ features: 3, layers: 3, hiddenUnits: [8], batchNorm: true, dtype: 'float64', rng }),
    createRealNvp({ features: 3, layers: 3, hiddenUnits: [8], batchNorm: true, dtype: 'float64', rng }),
  ]) {
    for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
    const data = randomMatrix(64, 3, rng, 2);
    flow.train();
    const count = setBatchNormStatistics(flow, data);
    assert.equal(count, 3);
    assert.equal(flow.bijector.isTraining, true, 'training mode restored');
    flow.train(false);
    let value = data;
    for (const b of (flow.bijector as Chain).bijectors) {
      if (b instanceof BatchNormalization) {
        const m = moments(value);
        assert.ok(maxAbsDiff(b.runningMean, m.mean) < 1e-10);
        assert.ok(maxAbsDiff(b.runningVariance, m.variance) < 1e-10);
      }
      value = b.inverse(value);
    }
  }
  const inside = new Invert(new Chain([new BatchNormalization({ features: 2 })]));
  assert.throws(() => setBatchNormStatistics(inside, randomMatrix(4, 2, rng)), /cannot set BatchNormalization statistics inside Invert/);
});
