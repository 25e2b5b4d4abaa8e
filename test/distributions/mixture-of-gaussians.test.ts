import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MixtureOfGaussians } from '../../src/distributions/mixture-of-gaussians.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients, integrate2d } from './distribution-checks.ts';

function perturbed(seed: number, components = 4): MixtureOfGaussians {
  const rng = new Rng(seed);
  const mog = new MixtureOfGaussians({ features: 2, components, rng, dtype: 'float64' });
  for (const p of [mog.logits, mog.logScales]) for (let k = 0; k < p.size; k++) p.value[k] = 0.4 * rng.normal();
  return mog;
}

test('MixtureOfGaussians: logProb equals the direct mixture sum', () => {
  const mog = perturbed(1);
  const x = randomMatrix(5, 2, new Rng(2));
  const lp = mog.logProb(x);
  const w = Array.from(mog.logits.value, Math.exp);
  const total = w.reduce((a, b) => a + b, 0);
  for (let r = 0; r < x.rows; r++) {
    let p = 0;
    for (let k = 0; k < mog.components; k++) {
      let density = w[k] / total;
      for (let d = 0; d < 2; d++) {
        const s = Math.exp(mog.logScales.value[k * 2 + d]);
        const z = (x.data[r * 2 + d] - mog.means.value[k * 2 + d]) / s;
        density *= Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI));
      }
      p += density;
    }
    assert.ok(Math.abs(Math.log(p) - lp[r]) < 1e-12, `row ${r}: ${lp[r]} vs ${Math.log(p)}`);
  }
});

test('MixtureOfGaussians: log-sum-exp keeps far-away points finite', () => {
  const mog = perturbed(3);
  const [lp] = mog.logProb(matrix([[80, -90]]));
  assert.ok(Number.isFinite(lp) && lp < -1000, `${lp}`);
});

test('MixtureOfGaussians: integrates to 1; sampleAndLogProb agrees with logProb; component frequencies follow π', () => {
  const mog = perturbed(4);
  assert.ok(Math.abs(integrate2d((x) => mog.logProb(x)) - 1) < 1e-3);
  // Separate the components widely so that each sample's component is recognisable.
  mog.logits.value.set([0, Math.log(3), 0, 0]);
  mog.means.value.set([-20, -20, 20, 20, -20, 20, 20, -20]);
  mog.logScales.value.fill(0);
  const { samples, logProb } = mog.sampleAndLogProb(4000, { rng: new Rng(7) });
  const plain = mog.logProb(samples);
  for (let r = 0; r < 20; r++) assert.ok(Math.abs(plain[r] - logProb[r]) < 1e-12);
  let second = 0;
  for (let r = 0; r < samples.rows; r++) if (samples.data[2 * r] > 0 && samples.data[2 * r + 1] > 0) second++;
  const p = 0.5;
  assert.ok(Math.abs(second / samples.rows - p) < 4 * Math.sqrt(p * (1 - p) / samples.rows), `fraction ${second / samples.rows}`);
});

test('MixtureOfGaussians: logProbTrain gradients (logits, means, logScales, x) match finite differences', () => {
  const rng = new Rng(8);
  const mog = perturbed(9, 3);
  checkLogProbGradients(mog, randomMatrix(6, 2, rng, 1.5), rng);
});

test('MixtureOfGaussians: config rebuilds the same structure; bad options throw', () => {
  const mog = new MixtureOfGaussians({ features: 3, components: 2, rng: new Rng(1) });
  assert.deepEqual(mog.config(), { type: 'MixtureOfGaussians', features: 3, components: 2, dtype: 'float32' });
  assert.deepEqual(MixtureOfGaussians.fromConfig(mog.config()).namedParameters('b').map(([n, p]) => [n, p.shape]),
    [['b.logits', [2]], ['b.means', [2, 3]], ['b.logScales', [2, 3]]]);
  assert.equal(new MixtureOfGaussians({ features: 1 }).components, 10);
  assert.throws(() => new MixtureOfGaussians({ features: 2, components: 0 }), /components must be a positive integer, got 0/);
  assert.throws(() => mog.logProb(matrix([[1, 2]])), /MixtureOfGaussians\.logProb: expected x \[n, 3\], got \[n, 2\]/);
});
