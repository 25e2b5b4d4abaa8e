/**
 * Learning tests: small flows trained with fixed seeds must reach known log-likelihoods. Small nets and few epochs
 * keep them fast; the thresholds leave room for the float differences between kernel backends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { conditionalSine } from '../../src/data/conditional-sine.ts';
import { figure1Density, FIGURE1_ENTROPY } from '../../src/data/figure1-density.ts';
import { gaussianMixture2d } from '../../src/data/gaussian-mixture-2d.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { createMade } from '../../src/flows/create-made.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';

/** Mean test log-likelihood of the maximum-likelihood Gaussian (mean and covariance) of 2-D training data. */
function gaussianBaseline(train: Matrix, test: Matrix): number {
  const n = train.rows;
  const m = [0, 0];
  for (let r = 0; r < n; r++) for (let d = 0; d < 2; d++) m[d] += train.data[2 * r + d] / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let r = 0; r < n; r++) {
    const a = train.data[2 * r] - m[0];
    const b = train.data[2 * r + 1] - m[1];
    sxx += (a * a) / n;
    sxy += (a * b) / n;
    syy += (b * b) / n;
  }
  const det = sxx * syy - sxy * sxy;
  let sum = 0;
  for (let r = 0; r < test.rows; r++) {
    const a = test.data[2 * r] - m[0];
    const b = test.data[2 * r + 1] - m[1];
    sum += (-0.5 * (syy * a * a - 2 * sxy * a * b + sxx * b * b)) / det - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  }
  return sum / test.rows;
}

test('learning: a 5-layer MAF learns the Figure-1 density to within 0.05 nats; a Gaussian MADE (x1, x2) cannot', (t) => {
  const train = figure1Density(10000, new Rng(1)).data;
  const test = figure1Density(20000, new Rng(2)).data;
  const options = { epochs: 15, learningRate: 1e-3, rng: new Rng(3) };
  const maf = createMaf({ features: 2, layers: 5, hiddenUnits: [16, 16], rng: new Rng(2) });
  fit(maf, train, options);
  const made = createMade({ features: 2, hiddenUnits: [16, 16], rng: new Rng(2) });
  fit(made, train, options);
  const mafLl = meanLogProb(maf, test);
  const madeLl = meanLogProb(made, test);
  t.diagnostic(`MAF ${mafLl.toFixed(4)}, MADE ${madeLl.toFixed(4)}, truth ${(-FIGURE1_ENTROPY).toFixed(4)}`);
  assert.ok(Math.abs(mafLl + FIGURE1_ENTROPY) < 0.05, `MAF test log-likelihood ${mafLl}, expected ≈ ${-FIGURE1_ENTROPY}`);
  assert.ok(madeLl < mafLl - 0.2, `MADE ${madeLl} should be clearly worse than MAF ${mafLl}`);
});

const flows: Array<[string, (rng: Rng) => Distribution]> = [
  ['MAF', (rng) => createMaf({ features: 2, layers: 3, hiddenUnits: [16, 16], rng })],
  ['Real NVP', (rng) => createRealNvp({ features: 2, layers: 3, hiddenUnits: [16, 16], rng })],
  ['MAF-MoG', (rng) => createMafMog({ features: 2, layers: 3, hiddenUnits: [16, 16], components: 5, rng })],
];
const datasets: Array<[string, (n: number, rng: Rng) => Matrix]> = [
  ['two moons', (n, rng) => twoMoons(n, rng).data],
  ['2-D Gaussian mixture', (n, rng) => gaussianMixture2d(n, rng).data],
];

for (const [dataName, generate] of datasets) {
  test(`learning: MAF, Real NVP and MAF-MoG beat a fitted Gaussian on ${dataName} by > 0.3 nats`, (t) => {
    const train = generate(3000, new Rng(1));
    const test = generate(10000, new Rng(2));
    const baseline = gaussianBaseline(train, test);
    for (const [flowName, make] of flows) {
      const flow = make(new Rng(2));
      fit(flow, train, { epochs: 40, learningRate: 1e-3, rng: new Rng(3) });
      const ll = meanLogProb(flow, test);
      t.diagnostic(`${flowName}: ${ll.toFixed(4)} vs Gaussian ${baseline.toFixed(4)}`);
      assert.ok(ll > baseline + 0.3, `${flowName} on ${dataName}: ${ll} vs Gaussian ${baseline}`);
    }
  });
}

test('learning: a conditional MAF learns p(x | y) of the sine data to within 0.05 nats of the true entropy', (t) => {
  const train = conditionalSine(5000, new Rng(1));
  const test = conditionalSine(10000, new Rng(2));
  const flow = createMaf({ features: 1, layers: 2, hiddenUnits: [16, 16], contextFeatures: 1, rng: new Rng(2) });
  fit(flow, train.data, { context: train.context, epochs: 40, learningRate: 1e-3, rng: new Rng(3) });
  const ll = meanLogProb(flow, test.data, { context: test.context });
  const truth = -0.5 * Math.log(2 * Math.PI * Math.E * 0.01);
  t.diagnostic(`conditional MAF ${ll.toFixed(4)}, truth ${truth.toFixed(4)}`);
  assert.ok(Math.abs(ll - truth) < 0.05, `conditional log-likelihood ${ll}, expected ≈ ${truth}`);
});
