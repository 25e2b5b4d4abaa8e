import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parameter } from '../../src/nn/parameter.ts';
import { clipGradNorm } from '../../src/train/clip-grad-norm.ts';

test('clipGradNorm: scales all gradients to the global max norm and returns the pre-clip norm', () => {
  const a = new Parameter([2], 'float32');
  const b = new Parameter([1], 'float64');
  a.grad.set([3, 0]);
  b.grad.set([4]);
  const norm = clipGradNorm([['a', a], ['b', b]], 1);
  assert.equal(norm, 5);
  assert.ok(Math.abs(a.grad[0] - 0.6) < 1e-7 && Math.abs(b.grad[0] - 0.8) < 1e-12);
  assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-7, 'below the limit: unchanged');
  assert.ok(Math.abs(a.grad[0] - 0.6) < 1e-7);
});

test('clipGradNorm: non-finite norms are returned without touching the gradients', () => {
  const a = new Parameter([2], 'float64');
  a.grad.set([NaN, 1]);
  assert.ok(Number.isNaN(clipGradNorm([a], 1)));
  assert.equal(a.grad[1], 1);
  assert.throws(() => clipGradNorm([a], 0), /maxNorm must be > 0, got 0/);
});
