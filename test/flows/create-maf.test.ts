import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { CircularSpline } from '../../src/bijectors/circular-spline.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { MixtureOfGaussians } from '../../src/distributions/mixture-of-gaussians.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { createBase } from '../../src/flows/create-base.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients } from '../distributions/distribution-checks.ts';

test('createMaf: K MADE layers with permutations between them over a standard normal', () => {
  const flow = createMaf({ features: 3, layers: 3, hiddenUnits: [8], rng: new Rng(1) });
  assert.ok(flow.base instanceof StandardNormal);
  const chain = flow.bijector as Chain;
  assert.ok(chain instanceof Chain);
  const mafs = chain.bijectors.filter((b) => b instanceof MaskedAutoregressiveFlow);
  const perms = chain.bijectors.filter((b) => b instanceof Permute) as Permute[];
  assert.equal(mafs.length, 3);
  assert.equal(perms.length, 2);
  assert.deepEqual(Array.from(perms[0].permutation), [2, 1, 0]);
  assert.throws(() => createMaf({ features: 2, layers: 0 }), /layers must be a positive integer, got 0/);
});

test("createMaf: base 'mog' is a trainable MixtureOfGaussians with the requested components", () => {
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], base: 'mog', components: 3, rng: new Rng(2) });
  assert.ok(flow.base instanceof MixtureOfGaussians);
  assert.equal((flow.base as MixtureOfGaussians).components, 3);
  assert.ok(flow.namedParameters().some(([name]) => name === 'base.means'));
  const x = randomMatrix(4, 2, new Rng(3));
  const { output: z, logDet } = flow.bijector.inverseAndLogDet(x);
  const lp = flow.logProb(x);
  const baseLp = flow.base.logProb(z);
  for (let r = 0; r < 4; r++) assert.ok(Math.abs(lp[r] - (baseLp[r] + logDet[r])) < 1e-5);
  assert.equal((createMaf({ features: 2, base: 'mog' }).base as MixtureOfGaussians).components, 10);
  assert.throws(() => createBase('student' as 'normal', { features: 2, dtype: 'float32', rng: new Rng(0) }),
    /unknown base 'student' \(expected 'normal' or 'mog'\)/);
});

test("createMaf: logProbTrain gradients through the layers and a 'mog' base match finite differences", () => {
  const rng = new Rng(4);
  const flow = createMaf({ features: 3, layers: 2, hiddenUnits: [7, 7], base: 'mog', components: 2, order: 'random',
    contextFeatures: 2, dtype: 'float64', rng });
  for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
  checkLogProbGradients(flow, randomMatrix(5, 3, rng), rng, randomMatrix(5, 2, rng));
});

test('createMaf circular: each layer\'s circular splines flag the angle columns in its own order; a Bounds maps them at the base end', () => {
  const circular = [true, false, false, true, false];
  const flow = createMaf({ features: 5, layers: 3, hiddenUnits: [12], order: 'random', circular, rng: new Rng(2) });
  const chain = (flow.bijector as Chain).bijectors;
  let columns = [0, 1, 2, 3, 4];
  for (const b of chain) {
    if (b instanceof Permute) {
      // Data → base, position i takes position inverse[i] (the permutation sends position dst to src).
      const inverse: number[] = [];
      b.permutation.forEach((src, dst) => { inverse[src] = dst; });
      columns = inverse.map((from) => columns[from]);
    } else if (b instanceof MaskedAutoregressiveFlow) {
      assert.deepEqual((b.transformer as CircularSpline).circular, columns.map((c) => circular[c]));
    }
  }
  const last = chain[chain.length - 1] as Bounds;
  assert.ok(last instanceof Bounds);
  assert.deepEqual(Array.from(last.upper), columns.map((c) => (circular[c] ? Math.PI : Infinity)));
  const samples = flow.sample(200, { rng: new Rng(3) });
  for (let r = 0; r < 200; r++) for (const d of [0, 3]) assert.ok(Math.abs(samples.data[r * 5 + d]) <= Math.PI);
  assert.throws(() => createMaf({ features: 5, order: 'lu', circular }), /circular columns need order 'reverse' or 'random'/);
  assert.throws(() => createMaf({ features: 4, circular }), /circular needs one flag per feature \(4\), got 5/);
});
