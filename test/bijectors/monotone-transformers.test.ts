/** NAF, UMNN and Bernstein transformers: identity at zero parameters, monotone, finite tails, checked inversion. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import type { MonotoneTransformer } from '../../src/bijectors/monotone-transformer.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { UmnnTransformer } from '../../src/bijectors/umnn-transformer.ts';
import { createNaf } from '../../src/flows/create-naf.ts';
import { createUmnn } from '../../src/flows/create-umnn.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { matrix } from '../../src/core/matrix.ts';

const transformers: [string, () => MonotoneTransformer][] = [
  ['NAF', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 5 })],
  ['NAF 3 blocks', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 3, blocks: 3 })],
  ['UMNN', () => new UmnnTransformer({ hiddenUnits: 5 })],
  ['Bernstein', () => new BernsteinTransformer({ degree: 7, bound: 2 })],
];

/** g(x) and log g'(x) of one entry. */
function at(t: MonotoneTransformer, x: number, params: Float64Array): [number, number] {
  const z = new Float64Array(1);
  const logDet = new Float64Array(1);
  t.inverse(1, 1, 0, 1, Float64Array.of(x), params, z, logDet, false);
  return [z[0], logDet[0]];
}

const identities: [string, () => MonotoneTransformer][] = [
  ['NAF with one unit per block', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 1, blocks: 2 })],
  ...transformers.filter(([name]) => !name.startsWith('NAF')),
];

for (const [name, make] of identities) {
  test(`${name}: all-zero parameters are the identity, in the tails too`, () => {
    const t = make();
    const zero = new Float64Array(t.paramsPerFeature);
    for (const x of [-50, -3, -0.5, 0, 0.7, 2.5, 40]) {
      const [z, logDet] = at(t, x, zero);
      assert.ok(Math.abs(z - x) < 1e-9 * Math.max(1, Math.abs(x)) && Math.abs(logDet) < 1e-9, `${x} → ${z}, ${logDet}`);
    }
  });
}

for (const [name, make] of transformers) {
  test(`${name}: random parameters give a strictly increasing map with finite values far out, and a checked inverse`, () => {
    const t = make();
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const params = Float64Array.from({ length: t.paramsPerFeature }, () => 1.5 * rng.normal());
      let previous = -Infinity;
      for (let x = -8; x <= 8; x += 0.25) {
        const [z, logDet] = at(t, x, params);
        assert.ok(z > previous && Number.isFinite(logDet), `trial ${trial}: g(${x}) = ${z} after ${previous}`);
        previous = z;
      }
      for (const x of [-1e4, 1e4]) assert.ok(at(t, x, params).every(Number.isFinite), `g(${x})`);
      const targets = Float64Array.from({ length: 9 }, () => 3 * rng.normal());
      const stacked = new Float64Array(9 * t.paramsPerFeature);
      for (let b = 0; b < 9; b++) stacked.set(params, b * t.paramsPerFeature);
      const x = new Float64Array(9);
      t.forward(9, 1, 0, 1, targets, stacked, x, new Float64Array(9), false);
      for (let b = 0; b < 9; b++) assert.ok(Math.abs(at(t, x[b], params)[0] - targets[b]) < 1e-9 * Math.max(1, Math.abs(targets[b])));
      assert.equal(t.lastInversion?.entries, 9);
      assert.equal(t.lastInversion?.unconverged, 0);
    }
  });
}

test('an inversion that cannot converge throws instead of returning the value (a NAF that is almost flat)', () => {
  const t = new NeuralAutoregressiveTransformer({ hiddenUnits: 2 });
  const params = Float64Array.of(-3000, -3000, 0, 0, 0, 0);   // slopes at their 1e-3 floor: g(x) ≈ 1e-3·x
  assert.throws(() => t.forward(1, 1, 0, 1, Float64Array.of(1e300), params, new Float64Array(1), new Float64Array(1), false),
    /NeuralAutoregressiveTransformer\.forward: 1 of 1 values did not converge in the numerical inversion \(worst residual/);
  assert.equal(t.lastInversion?.unconverged, 1);
});

test('Bernstein: value and slope are continuous where the polynomial meets the linear tails', () => {
  const t = new BernsteinTransformer({ degree: 5, bound: 2 });
  const params = Float64Array.from({ length: 6 }, (_, k) => Math.sin(3 * k + 1));
  for (const edge of [-2, 2]) {
    const [inside, slopeInside] = at(t, edge * (1 - 1e-12), params);
    const [outside, slopeOutside] = at(t, edge * (1 + 1e-12), params);
    assert.ok(Math.abs(inside - outside) < 1e-9 && Math.abs(slopeInside - slopeOutside) < 1e-9);
  }
});

test('UMNN: 32 Clenshaw–Curtis intervals integrate as accurately as 256', () => {
  const coarse = new UmnnTransformer({ hiddenUnits: 4 });
  const fine = new UmnnTransformer({ hiddenUnits: 4, intervals: 256 });
  const rng = new Rng(3);
  const params = Float64Array.from({ length: coarse.paramsPerFeature }, () => rng.normal());
  for (const x of [-4, -1, 0.3, 2, 5]) assert.ok(Math.abs(at(coarse, x, params)[0] - at(fine, x, params)[0]) < 1e-10);
});

test('createNaf and createUmnn build MAFs with their transformers that sample and evaluate; createMaf takes any transformer', () => {
  for (const flow of [
    createNaf({ features: 3, layers: 2, hiddenUnits: [12], sigmoidUnits: 4, rng: new Rng(0) }),
    createUmnn({ features: 3, layers: 2, hiddenUnits: [12], integrandUnits: 3, rng: new Rng(0) }),
    createMaf({ features: 3, layers: 2, hiddenUnits: [12], transformer: new BernsteinTransformer(), rng: new Rng(0) }),
  ]) {
    const { samples, logProb } = flow.sampleAndLogProb(50, { rng: new Rng(1) });
    const again = flow.logProb(samples);
    for (let r = 0; r < 50; r++) assert.ok(Math.abs(again[r] - logProb[r]) < 1e-3, `row ${r}: ${again[r]} vs ${logProb[r]}`);
    assert.ok(Number.isFinite(flow.logProb(matrix([[0.1, 2, -3]]))[0]));
  }
});
