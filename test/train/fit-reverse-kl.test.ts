import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fitReverseKl } from '../../src/train/fit-reverse-kl.ts';

// Target: N(μ, Σ) with μ = (1, −0.5), standard deviations (1, 0.5) and correlation 0.9.
const mu = [1, -0.5];
const sigma = [[1, 0.45], [0.45, 0.25]];
const det = sigma[0][0] * sigma[1][1] - sigma[0][1] * sigma[1][0];
const precision = [[sigma[1][1] / det, -sigma[0][1] / det], [-sigma[1][0] / det, sigma[0][0] / det]];

const logProb = (x: Matrix): Float64Array => {
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const a = x.data[2 * r] - mu[0];
    const b = x.data[2 * r + 1] - mu[1];
    const q = a * (precision[0][0] * a + precision[0][1] * b) + b * (precision[1][0] * a + precision[1][1] * b);
    out[r] = -0.5 * q - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  }
  return out;
};
const grad = (x: Matrix): Matrix => {
  const out = zeros(x.rows, 2, 'float64');
  for (let r = 0; r < x.rows; r++) {
    const a = x.data[2 * r] - mu[0];
    const b = x.data[2 * r + 1] - mu[1];
    out.data[2 * r] = -(precision[0][0] * a + precision[0][1] * b);
    out.data[2 * r + 1] = -(precision[1][0] * a + precision[1][1] * b);
  }
  return out;
};

test('fitReverseKl: an IAF fitted to a correlated Gaussian reaches KL ≈ 0 and matches its mean and covariance', () => {
  const flow = createIaf({ features: 2, layers: 2, hiddenUnits: [16, 16], rng: new Rng(50) });
  const result = fitReverseKl(flow, logProb, grad, { steps: 1500, batchSize: 64, learningRate: 3e-3, rng: new Rng(51) });
  assert.equal(result.stoppedBy, 'steps');
  assert.equal(result.history.length, 1500);
  assert.ok(result.history[0] > 0.5, `initial KL ${result.history[0]}`);
  assert.ok(Math.abs(result.finalKl) < 0.02, `final KL ${result.finalKl}`);
  const x = flow.sample(20000, { rng: new Rng(52) });
  const mean = [0, 0];
  for (let r = 0; r < x.rows; r++) for (let d = 0; d < 2; d++) mean[d] += x.data[2 * r + d] / x.rows;
  const cov = [[0, 0], [0, 0]];
  for (let r = 0; r < x.rows; r++) {
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) cov[i][j] += (x.data[2 * r + i] - mean[i]) * (x.data[2 * r + j] - mean[j]) / x.rows;
  }
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(mean[i] - mu[i]) < 0.05, `mean ${mean}`);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(cov[i][j] - sigma[i][j]) < 0.05, `covariance ${JSON.stringify(cov)}`);
  }
});

test('fitReverseKl: abort, divergence and a sequential flow are handled', () => {
  const controller = new AbortController();
  const flow = createIaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(1) });
  const aborted = fitReverseKl(flow, logProb, grad, {
    steps: 100, batchSize: 8, rng: new Rng(2), signal: controller.signal, onStep: (e) => { if (e.step === 5) controller.abort(); },
  });
  assert.deepEqual([aborted.stoppedBy, aborted.steps], ['abort', 5]);

  const initial = flow.namedParameters().map(([, p]) => Array.from(p.value));
  const diverged = fitReverseKl(flow, logProb, grad, { steps: 40, batchSize: 8, optimizer: 'sgd', learningRate: 1e3, rng: new Rng(3) });
  assert.equal(diverged.stoppedBy, 'divergence');
  assert.match(diverged.message ?? '', /fitReverseKl: the (KL estimate|gradient norm) became .* at step \d+/);
  assert.deepEqual(flow.namedParameters().map(([, p]) => Array.from(p.value)), initial, 'restored to the last snapshot');

  assert.throws(() => fitReverseKl(flow, logProb, (x) => zeros(x.rows, 3), { steps: 1 }), /fitReverseKl: targetGrad: expected result \[100, 2\], got \[100, 3\]/);
  assert.throws(() => fitReverseKl(flow, () => new Float64Array(1), grad, { steps: 1 }), /targetLogProb returned 1 values for 100 samples/);
  assert.throws(() => fitReverseKl(createMaf({ features: 2, layers: 1, hiddenUnits: [4] }), logProb, grad), /sequential; use an IAF-type flow/);
});
