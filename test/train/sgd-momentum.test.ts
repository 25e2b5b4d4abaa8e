import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parameter } from '../../src/nn/parameter.ts';
import { SgdMomentum } from '../../src/train/sgd-momentum.ts';

test('SgdMomentum: heavy-ball updates match the closed recursion and converge', () => {
  const p = new Parameter([2], 'float64');
  const sgd = new SgdMomentum([['w', p]], { learningRate: 0.1, momentum: 0.5, weightDecay: 0.1 });
  const target = [2, -1];
  const w = [0, 0];
  const b = [0, 0];
  for (let t = 0; t < 200; t++) {
    for (let k = 0; k < 2; k++) p.grad[k] = p.value[k] - target[k];
    sgd.step();
    for (let k = 0; k < 2; k++) {
      b[k] = 0.5 * b[k] + (w[k] - target[k]) + 0.1 * w[k];
      w[k] -= 0.1 * b[k];
    }
  }
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(p.value[k] - w[k]) < 1e-12, `coordinate ${k}`);
    assert.ok(Math.abs(p.value[k] - target[k] / 1.1) < 1e-6, `coordinate ${k} converged to ${p.value[k]}`);
  }
});

test('SgdMomentum: state round trip and type check', () => {
  const p = new Parameter([3], 'float32');
  const sgd = new SgdMomentum([['w', p]]);
  p.grad.set([1, 2, 3]);
  sgd.step();
  const state = sgd.state();
  assert.equal(state.type, 'sgd');
  assert.deepEqual(Array.from(state.tensors['velocity.w']), [1, 2, 3]);
  const q = new Parameter([3], 'float32');
  const other = new SgdMomentum([['w', q]]);
  other.setState(state);
  assert.equal(other.stepCount, 1);
  assert.deepEqual(other.state().tensors['velocity.w'], state.tensors['velocity.w']);
  assert.throws(() => other.setState({ type: 'adam', step: 0, tensors: {} }), /SgdMomentum\.setState: expected a 'sgd' state/);
  assert.throws(() => new SgdMomentum([['w', q]], { momentum: 1.5 }), /momentum must be in \[0, 1\)/);
});
