import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parameter, type NamedParameters } from '../../src/nn/parameter.ts';
import { Adam } from '../../src/train/adam.ts';
import { Rng } from '../../src/core/rng.ts';

function quadratic(target: number[], dtype: 'float32' | 'float64' = 'float64'): { params: NamedParameters; grad: () => void } {
  const p = new Parameter([target.length], dtype);
  return {
    params: [['theta', p]],
    grad: () => { for (let k = 0; k < target.length; k++) p.grad[k] = p.value[k] - target[k]; },
  };
}

test('Adam: first step moves every coordinate by lr against the gradient sign (bias correction)', () => {
  const { params, grad } = quadratic([3, -2, 0.5]);
  const adam = new Adam(params, { learningRate: 0.1 });
  grad();
  adam.step();
  const v = params[0][1].value;
  assert.ok(Math.abs(v[0] - 0.1) < 1e-6 && Math.abs(v[1] + 0.1) < 1e-6 && Math.abs(v[2] - 0.1) < 1e-6, `got ${Array.from(v)}`);
  assert.equal(adam.stepCount, 1);
});

test('Adam: matches a scalar re-implementation over many steps and converges on a quadratic', () => {
  const target = [3, -2, 0.5];
  const { params, grad } = quadratic(target);
  const adam = new Adam(params, { learningRate: 0.05, beta1: 0.8, beta2: 0.99, weightDecay: 0.01 });
  const theta = [0, 0, 0];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  for (let t = 1; t <= 400; t++) {
    grad();
    adam.step();
    for (let k = 0; k < 3; k++) {
      const g = theta[k] - target[k] + 0.01 * theta[k];
      m[k] = 0.8 * m[k] + 0.2 * g;
      v[k] = 0.99 * v[k] + 0.01 * g * g;
      theta[k] -= (0.05 * m[k] / (1 - 0.8 ** t)) / (Math.sqrt(v[k] / (1 - 0.99 ** t)) + 1e-8);
    }
  }
  const value = params[0][1].value;
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(value[k] - theta[k]) < 1e-9, `coordinate ${k}: ${value[k]} vs ${theta[k]}`);
    // The L2 penalty pulls the optimum to target / 1.01.
    assert.ok(Math.abs(value[k] - target[k] / 1.01) < 1e-2, `coordinate ${k} did not converge: ${value[k]}`);
  }
});

test('Adam: state()/setState() continues bit for bit', () => {
  const rng = new Rng(4);
  const target = Array.from({ length: 20 }, () => rng.normal());
  const a = quadratic(target, 'float32');
  const adamA = new Adam(a.params, { learningRate: 0.01 });
  for (let t = 0; t < 10; t++) { a.grad(); adamA.step(); }
  const saved = adamA.state();
  const savedValue = a.params[0][1].value.slice();
  for (let t = 0; t < 10; t++) { a.grad(); adamA.step(); }

  const b = quadratic(target, 'float32');
  b.params[0][1].value.set(savedValue);
  const adamB = new Adam(b.params, { learningRate: 0.01 });
  adamB.setState(saved);
  assert.equal(adamB.stepCount, 10);
  for (let t = 0; t < 10; t++) { b.grad(); adamB.step(); }
  assert.deepEqual(Array.from(b.params[0][1].value), Array.from(a.params[0][1].value));
  assert.ok(saved.tensors['m.theta'] instanceof Float32Array && saved.tensors['v.theta'].length === 20);
});

test('Adam: rejects foreign or mismatched states and bad options', () => {
  const { params } = quadratic([1, 2]);
  const adam = new Adam(params);
  assert.throws(() => adam.setState({ type: 'sgd', step: 1, tensors: {} }), /Adam\.setState: expected a 'adam' state, got 'sgd'/);
  assert.throws(() => adam.setState({ type: 'adam', step: 1, tensors: {} }), /missing tensor 'm\.theta'/);
  assert.throws(() => adam.setState({ type: 'adam', step: 1, tensors: { 'm.theta': new Float64Array(3), 'v.theta': new Float64Array(2) } }),
    /'m\.theta' has 3 values, expected 2/);
  assert.throws(() => new Adam(params, { beta1: 1 }), /beta1 must be in \[0, 1\), got 1/);
  assert.throws(() => new Adam(params, { weightDecay: -1 }), /weightDecay must be a finite number ≥ 0/);
});
