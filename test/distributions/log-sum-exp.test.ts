import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { logSumExp } from '../../src/distributions/log-sum-exp.ts';

test('logSumExp: matches log Σ exp on a slice, and stays finite where exp over- or underflows', () => {
  const rng = new Rng(0);
  const v = Array.from({ length: 6 }, () => rng.normal());
  const direct = Math.log(v.slice(1, 5).reduce((s, x) => s + Math.exp(x), 0));
  assert.ok(Math.abs(logSumExp(v, 1, 5) - direct) < 1e-12);
  assert.ok(Math.abs(logSumExp([1000, 1000], 0, 2) - (1000 + Math.log(2))) < 1e-9);
  assert.ok(Math.abs(logSumExp([-1000, -1000 + Math.log(3)], 0, 2) - (-1000 + Math.log(4))) < 1e-9);
  assert.equal(logSumExp([-Infinity, -Infinity], 0, 2), -Infinity);
  assert.equal(logSumExp(v, 3, 3), -Infinity);
});
