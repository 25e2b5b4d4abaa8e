import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { conditionalSine } from '../../src/data/conditional-sine.ts';

test('conditionalSine draws y uniform on [-3, 3] and x near sin(y)', () => {
  const { data, context, logProb } = conditionalSine(20000, { rng: new Rng(9), dtype: 'float64' });
  assert.deepEqual([data.rows, data.cols, context!.rows, context!.cols], [20000, 1, 20000, 1]);
  let residual = 0;
  for (let i = 0; i < data.rows; i++) {
    assert.ok(context!.data[i] >= -3 && context!.data[i] < 3);
    residual += (data.data[i] - Math.sin(context!.data[i])) ** 2 / data.rows;
  }
  assert.ok(Math.abs(Math.sqrt(residual) - 0.1) < 0.003, `residual std ${Math.sqrt(residual)}`);
  const lp = logProb!(data, context);
  const meanNll = -lp.reduce((a, b) => a + b, 0) / lp.length;
  const entropy = 0.5 * Math.log(2 * Math.PI * Math.E * 0.01);
  assert.ok(Math.abs(meanNll - entropy) < 0.03, `${meanNll} vs ${entropy}`);
});

test('conditionalSine logProb is exact at a point and checks its context', () => {
  const { logProb } = conditionalSine(1, new Rng(0));
  const value = logProb!(matrix([[1]], undefined, undefined, 'float64'), matrix([[Math.PI / 2]], undefined, undefined, 'float64'))[0];
  assert.ok(Math.abs(value - (-Math.log(0.1) - 0.5 * Math.log(2 * Math.PI))) < 1e-9);
  assert.throws(() => logProb!(matrix([[1]])), /expected context to be a matrix/);
  assert.throws(() => logProb!(matrix([[1]]), matrix([[1], [2]])), /expected context \[1, 1\], got \[2, 1\]/);
});
