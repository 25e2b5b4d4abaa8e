import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { LuLinear } from '../../src/bijectors/lu-linear.ts';
import { logAbsDet, maxAbsDiff, randomMatrix } from '../helpers/numeric.ts';

test('LuLinear computes x = P L U u + b with the dense matrix it describes, and log|det W| = Σ logDiagonal', () => {
  const rng = new Rng(4);
  const D = 4;
  const lu = new LuLinear({ features: D, permutation: [2, 0, 3, 1], dtype: 'float64' });
  for (const p of [lu.lower, lu.upper, lu.logDiagonal, lu.bias]) for (let k = 0; k < p.value.length; k++) p.value[k] = rng.normal();
  const L: number[][] = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0)));
  const U = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? Math.exp(lu.logDiagonal.value[i]) : 0)));
  let lower = 0;
  let upper = 0;
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) L[i][j] = lu.lower.value[lower++];
  for (let i = 0; i < D; i++) for (let j = i + 1; j < D; j++) U[i][j] = lu.upper.value[upper++];
  const LU = L.map((row) => U[0].map((_, j) => row.reduce((s, l, k) => s + l * U[k][j], 0)));
  const W = Array.from(lu.permutation, (src) => LU[src]);
  const u = randomMatrix(5, D, rng);
  const x = lu.forward(u);
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < D; i++) {
      const expected = W[i].reduce((s, w, j) => s + w * u.data[r * D + j], lu.bias.value[i]);
      assert.ok(Math.abs(x.data[r * D + i] - expected) < 1e-12);
    }
  }
  const logDet = lu.forwardLogDetJacobian(u);
  assert.ok(Math.abs(logDet[0] - logAbsDet(W)) < 1e-12);
  assert.ok(maxAbsDiff(lu.inverse(x).data, u.data) < 1e-12);
});

test('LuLinear starts as its permutation, and refuses bad options', () => {
  const lu = new LuLinear({ features: 3, permutation: 'reverse', dtype: 'float64' });
  const u = randomMatrix(2, 3, new Rng(1));
  const x = lu.forward(u);
  for (let r = 0; r < 2; r++) for (let i = 0; i < 3; i++) assert.equal(x.data[r * 3 + i], u.data[r * 3 + 2 - i]);
  assert.throws(() => new LuLinear({ features: 0 }), /features must be a positive integer/);
  assert.throws(() => new LuLinear({ features: 2, permutation: [0, 0] }), /not a permutation/);
});
