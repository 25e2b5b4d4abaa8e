import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { gaussianMixture2d } from '../../src/data/gaussian-mixture-2d.ts';

test('gaussianMixture2d samples lie near the ring and logProb is normalized', () => {
  const { data, logProb } = gaussianMixture2d(5000, { rng: new Rng(7), dtype: 'float64' });
  let radius = 0;
  for (let i = 0; i < data.rows; i++) radius += Math.hypot(data.data[2 * i], data.data[2 * i + 1]) / data.rows;
  assert.ok(Math.abs(radius - 2) < 0.03, `mean radius ${radius}`);
  const h = 0.02;
  const points: number[] = [];
  for (let x = -3.5; x < 3.5; x += h) for (let y = -3.5; y < 3.5; y += h) points.push(x, y);
  const lp = logProb!(matrix(points, points.length / 2, 2, 'float64'));
  const mass = lp.reduce((a, v) => a + Math.exp(v) * h * h, 0);
  assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
});

test('gaussianMixture2d logProb at a center matches the formula and is stable far away', () => {
  const { logProb } = gaussianMixture2d(1, { rng: new Rng(0), components: 4, radius: 10, std: 0.5 });
  const atCenter = logProb!(matrix([[10, 0]], undefined, undefined, 'float64'))[0];
  assert.ok(Math.abs(atCenter - (-Math.log(4) - Math.log(2 * Math.PI * 0.25))) < 1e-9);
  const far = logProb!(matrix([[1000, 1000]], undefined, undefined, 'float64'))[0];
  assert.ok(Number.isFinite(far) && far < -1e6);
  assert.throws(() => gaussianMixture2d(1, { rng: new Rng(0), components: 0 }), /components must be a positive integer/);
});
