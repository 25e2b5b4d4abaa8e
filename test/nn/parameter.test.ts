/**
 * Parameter: the `[rows, cols]` layout kernels see, and the staircase mask (validated; `zeroGrad` clears the live
 * entries only, which with the backward kernels never writing masked ones keeps the whole gradient zeroed). A MADE
 * layer's weight carries its layer's staircase, and training leaves masked weights exactly where they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MaskedLinear } from '../../src/nn/masked-linear.ts';
import { Parameter } from '../../src/nn/parameter.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { Adam } from '../../src/train/adam.ts';

describe('Parameter', () => {
  it('rows and cols: the last dimension is cols', () => {
    const p = new Parameter([3, 4, 5], 'float32');
    assert.equal(p.cols, 5);
    assert.equal(p.rows, 12);
    assert.equal(new Parameter([7], 'float64').rows, 1);
    assert.equal(new Parameter([], 'float64').cols, 1);
  });

  it('zeroGrad with a staircase clears the live entries and leaves the masked ones', () => {
    const p = new Parameter([3, 4], 'float64', undefined, { staircase: Int32Array.from([0, 2, 4]) });
    p.grad.fill(7);
    p.zeroGrad();
    assert.deepEqual(Array.from(p.grad), [7, 7, 7, 7, 0, 0, 7, 7, 0, 0, 0, 0]);
    const dense = new Parameter([2, 2], 'float32');
    dense.grad.fill(3);
    dense.zeroGrad();
    assert.deepEqual(Array.from(dense.grad), [0, 0, 0, 0]);
  });

  it('zeroGrad is lazy: a kernel may overwrite the stale buffer, any read sees zeros, accumulation resumes after', () => {
    const rng = new Rng(4);
    const layer = new MaskedLinear({ inDim: 4, outDim: 5, prefix: Int32Array.from([1, 2, 2, 3, 4]), contextFeatures: 2, rng });
    const batch = 3;
    const x = Float32Array.from({ length: batch * 4 }, () => rng.normal());
    const c = Float32Array.from({ length: batch * 2 }, () => rng.normal());
    const y = new Float32Array(batch * 5);
    layer.forward(batch, x, c, y, 'tanh');
    const grads = () => [layer.weight, layer.bias, layer.contextWeight as Parameter].map((p) => Array.from(p.grad));
    const backward = () => layer.backward(batch, x, y, Float32Array.from({ length: batch * 5 }, (_, k) => Math.sin(k)), 'tanh', null, c, null);
    const params = [layer.weight, layer.bias, layer.contextWeight as Parameter];
    const live = (p: Parameter, k: number) => p.staircase === null || k % p.cols < p.staircase[Math.floor(k / p.cols)];
    for (const p of params) p.grad.forEach((_, k) => { if (live(p, k)) p.grad[k] = 5; }); // stale values that must not leak
    for (const p of params) p.zeroGrad();
    assert.ok(params.every((p) => p.gradIsZero));
    backward(); // overwrites
    assert.ok(params.every((p) => !p.gradIsZero));
    const once = grads();
    assert.ok(once.every((g) => g.some((v) => v !== 0) && g.every((v) => v !== 5)), 'gradients written, nothing stale');
    assert.ok(layer.weight.grad.every((g, k) => live(layer.weight, k) || g === 0), 'masked entries still 0');
    for (const p of params) p.zeroGrad();
    for (const p of params) assert.ok(p.grad.every((g) => g === 0), 'a read after zeroGrad sees zeros');
    backward(); // accumulates onto the zeros it read
    assert.deepEqual(grads(), once);
    backward(); // accumulates: twice the gradient
    grads().forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - 2 * once[i][k]) <= 1e-6 * (1 + Math.abs(v)), `accumulated ${i}[${k}]`)));
    assert.throws(() => layer.weight.takeGradForOverwrite(), /holds values to accumulate into/);
  });

  it('rejects a staircase of the wrong length or out of range', () => {
    assert.throws(() => new Parameter([3, 4], 'float32', undefined, { staircase: Int32Array.from([1, 2]) }), /staircase has 2 entries, expected 3 rows/);
    assert.throws(() => new Parameter([2, 4], 'float32', undefined, { staircase: Int32Array.from([1, 5]) }), /staircase entries must lie in \[0, 4\], got 5/);
  });

  it('a masked layer weight carries its staircase; a dense one none', () => {
    const prefix = Int32Array.from([1, 1, 3]);
    assert.deepEqual(new MaskedLinear({ inDim: 3, outDim: 3, prefix, rng: new Rng(1) }).weight.staircase, prefix);
    assert.equal(new MaskedLinear({ inDim: 3, outDim: 3, rng: new Rng(1) }).weight.staircase, null);
  });

  it('training a MAF with Adam and weight decay never moves a masked weight', () => {
    const flow = createMaf({ features: 3, layers: 2, hiddenUnits: [8, 8], rng: new Rng(2) });
    const params = flow.namedParameters();
    const masked = params.filter(([, p]) => p.staircase !== null);
    assert.ok(masked.length >= 6, 'every MADE layer weight is masked');
    for (const [, p] of masked) p.value.forEach((_, k) => { if (k % p.cols >= (p.staircase as Int32Array)[Math.floor(k / p.cols)]) p.value[k] = 42; });
    const adam = new Adam(params, { learningRate: 1e-2, weightDecay: 1e-3 });
    const x = matrix([[0.1, -0.5, 1], [2, 0.3, -1], [-0.7, 0.8, 0.2]]);
    for (let step = 0; step < 3; step++) {
      for (const [, p] of params) p.zeroGrad();
      flow.logProbTrain(x).backward(new Float64Array(3).fill(-1 / 3));
      adam.step();
    }
    for (const [name, p] of masked) {
      const staircase = p.staircase as Int32Array;
      let moved = 0;
      p.value.forEach((v, k) => {
        const live = k % p.cols < staircase[Math.floor(k / p.cols)];
        if (!live) assert.equal(v, 42, `${name}: masked entry ${k} moved`);
        else if (v !== 42) moved++;
      });
      assert.ok(moved > 0, `${name}: live entries trained`);
      assert.ok(p.grad.every((g, k) => k % p.cols < staircase[Math.floor(k / p.cols)] || g === 0), `${name}: masked gradient is 0`);
    }
  });
});
