import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { Parameter, type NamedParameters } from '../../src/nn/parameter.ts';
import { Adam } from '../../src/train/adam.ts';
import { clipGradNorm, clippedStep, listGradNorm } from '../../src/train/clip-grad-norm.ts';
import { ParameterList } from '../../src/train/parameter-list.ts';
import { SgdMomentum } from '../../src/train/sgd-momentum.ts';

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

test('clippedStep: one fused pass (no clipping) or two (clipping) give exactly the separate norm, clip, step and average', () => {
  const { data } = twoMoons(64, { rng: new Rng(1) });
  for (const make of [(p: NamedParameters) => new Adam(p, { learningRate: 1e-2, weightDecay: 1e-3 }),
    (p: NamedParameters) => new SgdMomentum(p, { learningRate: 1e-2, weightDecay: 1e-3 })]) {
    for (const maxNorm of [Infinity, 0.5]) {
      // Two identical flows: one steps by the separate passes, the other by clippedStep.
      const [a, b] = [0, 1].map(() => createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }));
      const [pa, pb] = [a.namedParameters(), b.namedParameters()];
      const [oa, ob] = [make(pa), make(pb)];
      const [la, lb] = [new ParameterList(pa.map(([, p]) => p)), new ParameterList(pb.map(([, p]) => p))];
      const [sa, sb] = [pa.map(([, p]) => p.value.map(() => 0)), pb.map(([, p]) => p.value.map(() => 0))];
      for (let step = 0; step < 3; step++) {
        for (const flow of [a, b]) {
          for (const [, p] of flow.namedParameters()) p.zeroGrad();
          flow.logProbTrain(data).backward(new Float64Array(data.rows).fill(-1 / data.rows));
        }
        const expected = Number.isFinite(maxNorm) ? clipGradNorm(pa, maxNorm) : listGradNorm(la);
        oa.step();
        pa.forEach(([, p], i) => p.value.forEach((v, k) => { sa[i][k] = 0.9 * sa[i][k] + (1 - 0.9) * v; }));
        const norm = clippedStep(ob, lb, maxNorm, () => ({ sums: sb, decay: 0.9 }));
        assert.equal(norm, expected, `${ob.constructor.name} maxNorm ${maxNorm} step ${step}: norm`);
        if (Number.isFinite(maxNorm)) assert.ok(norm > maxNorm, 'the clipping case clips');
        pa.forEach(([name, p], i) => {
          assert.deepEqual(pb[i][1].value, p.value, `${ob.constructor.name} maxNorm ${maxNorm} step ${step}: ${name}`);
          assert.deepEqual(sb[i], Float32Array.from(sa[i]), `${ob.constructor.name} maxNorm ${maxNorm} step ${step}: average of ${name}`);
        });
      }
    }
  }
});

test('clippedStep: a non-finite norm is returned; with clipping no step is taken', () => {
  const a = new Parameter([2], 'float32');
  a.grad.set([NaN, 1]);
  const adam = new Adam([['a', a]]);
  assert.ok(Number.isNaN(clippedStep(adam, new ParameterList([a]), 1)));
  assert.equal(adam.stepCount, 0);
  assert.ok(Number.isNaN(clippedStep(adam, new ParameterList([a]), Infinity)));
  assert.equal(adam.stepCount, 1, 'without clipping the norm comes from the step itself');
});
