import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { FIGURE1_ENTROPY, figure1Density, figure1LogProb } from '../../src/data/figure1-density.ts';

test('FIGURE1_ENTROPY is H(N(0,4)) + H(N(0,1)) = 3.531 nats', () => {
  const h = 0.5 * Math.log(2 * Math.PI * Math.E * 4) + 0.5 * Math.log(2 * Math.PI * Math.E);
  assert.ok(Math.abs(FIGURE1_ENTROPY - h) < 1e-12);
  assert.equal(FIGURE1_ENTROPY.toFixed(3), '3.531');
});

test('figure1Density samples have the right moments and their mean negative log density is the entropy', () => {
  const n = 200_000;
  const { data, logProb } = figure1Density(n, { rng: new Rng(42), dtype: 'float64' });
  assert.deepEqual([data.rows, data.cols], [n, 2]);
  let meanX2 = 0;
  let varX2 = 0;
  let meanX1 = 0;
  for (let i = 0; i < n; i++) {
    meanX1 += data.data[2 * i] / n;
    meanX2 += data.data[2 * i + 1] / n;
    varX2 += data.data[2 * i + 1] ** 2 / n;
  }
  assert.ok(Math.abs(meanX2) < 0.03, `mean x2 ${meanX2}`);
  assert.ok(Math.abs(varX2 - 4) < 0.06, `var x2 ${varX2}`);
  assert.ok(Math.abs(meanX1 - 1) < 0.03, `E[x1] = E[x2²]/4 = 1, got ${meanX1}`);
  const lp = logProb!(data);
  let sum = 0;
  let square = 0;
  for (const v of lp) {
    sum += v;
    square += v * v;
  }
  const mean = sum / n;
  const standardError = Math.sqrt((square / n - mean * mean) / n);
  assert.ok(Math.abs(-mean - FIGURE1_ENTROPY) < 4 * standardError, `${-mean} vs ${FIGURE1_ENTROPY} ± ${standardError}`);
});

test('figure1LogProb matches the formula at a point and is normalized on a grid', () => {
  const value = figure1LogProb(matrix([[2, 2]], undefined, undefined, 'float64'))[0];
  const expected = -0.5 * (2 / 2) ** 2 - Math.log(2) - 0.5 * Math.log(2 * Math.PI) - 0.5 * (2 - 1) ** 2 - 0.5 * Math.log(2 * Math.PI);
  assert.ok(Math.abs(value - expected) < 1e-12);
  const h = 0.05;
  const points: number[] = [];
  for (let x1 = -6; x1 < 40; x1 += h) for (let x2 = -12; x2 < 12; x2 += h) points.push(x1, x2);
  const lp = figure1LogProb(matrix(points, points.length / 2, 2, 'float64'));
  const mass = lp.reduce((a, v) => a + Math.exp(v) * h * h, 0);
  assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
});

test('figure1Density is reproducible from the seed and needs an rng', () => {
  assert.deepEqual(figure1Density(10, new Rng(5)).data.data, figure1Density(10, { rng: new Rng(5) }).data.data);
  assert.notDeepEqual(figure1Density(10, new Rng(5)).data.data, figure1Density(10, new Rng(6)).data.data);
  assert.throws(() => figure1Density(10, {} as never), /explicit seeded rng/);
  assert.throws(() => figure1Density(-1, new Rng(0)), /n must be a non-negative integer/);
});
