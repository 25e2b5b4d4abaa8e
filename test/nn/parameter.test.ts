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
