/**
 * Variational inference with an inverse autoregressive flow: fit q(θ) to an unnormalised posterior p̃(θ) by
 * minimising the reverse KL divergence KL(q ‖ p) = E_q[log q(θ) − log p̃(θ)] + log Z, with reparameterised samples
 * (`fitReverseKl`; an IAF samples in one parallel pass, so each step is cheap). The model is a classic banana:
 * observations y_i ~ N(θ₁ + θ₂², 1) with prior θ ~ N(0, I) only pin down θ₁ + θ₂², so the posterior is curved. In 2-D
 * the exact answer is a grid sum away, so we can check q: its KL (via the grid's log Z), its means and spreads.
 *
 * Run: npx tsx examples/variational-inference.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIaf, fitReverseKl, matrix, Rng, type Matrix } from 'maflow';
import { densityPlot } from 'maflow/plots';
import { QUICK, figuresDir } from './support.ts';

// Ten observations of θ₁ + θ₂² + noise, simulated at θ = (0.5, 1).
const rng = new Rng(1);
const observations = Array.from({ length: 10 }, () => 0.5 + 1 ** 2 + rng.normal());
const sum = observations.reduce((a, b) => a + b, 0);
const sumOfSquares = observations.reduce((a, b) => a + b * b, 0);
const n = observations.length;

/** log p̃(θ) = log prior + log likelihood, up to a constant, per row of θ [m, 2]. */
function logPosterior(theta: Matrix): Float64Array {
  return Float64Array.from({ length: theta.rows }, (_, r) => {
    const [a, b] = [theta.data[2 * r], theta.data[2 * r + 1]];
    const mean = a + b * b;
    return -0.5 * (a * a + b * b) - 0.5 * (sumOfSquares - 2 * mean * sum + n * mean * mean);
  });
}

/** ∇ log p̃(θ) [m, 2]: fitReverseKl back-propagates through the samples with it. */
function gradLogPosterior(theta: Matrix): Matrix {
  const out = new Float64Array(2 * theta.rows);
  for (let r = 0; r < theta.rows; r++) {
    const [a, b] = [theta.data[2 * r], theta.data[2 * r + 1]];
    const residual = sum - n * (a + b * b); // Σ (y_i − θ₁ − θ₂²)
    out[2 * r] = -a + residual;
    out[2 * r + 1] = -b + 2 * b * residual;
  }
  return { rows: theta.rows, cols: 2, data: out };
}

const q = createIaf({ features: 2, layers: 5, hiddenUnits: [32, 32], dtype: 'float64', rng: new Rng(2) });
const result = fitReverseKl(q, logPosterior, gradLogPosterior, {
  steps: QUICK ? 300 : 2500, batchSize: 128, learningRate: 3e-3, schedule: 'cosine', rng: new Rng(3),
});
console.log(`fitReverseKl: ${result.stoppedBy} after ${result.steps} steps, E_q[log q − log p̃] = ${result.finalKl.toFixed(4)}`);

// The exact posterior on a fine grid: log Z, the means and the standard deviations.
const size = 400;
const xs = Float64Array.from({ length: size }, (_, i) => -4 + (8 * (i + 0.5)) / size);
const cell = (8 / size) ** 2;
const grid = matrix(Array.from({ length: size * size }, (_, k) => [xs[k % size], xs[Math.floor(k / size)]]), undefined, undefined, 'float64');
const logDensity = logPosterior(grid);
const peak = logDensity.reduce((a, b) => Math.max(a, b), -Infinity);
let mass = 0;
const moments = [0, 0, 0, 0];
for (let k = 0; k < logDensity.length; k++) {
  const w = Math.exp(logDensity[k] - peak);
  const [a, b] = [grid.data[2 * k], grid.data[2 * k + 1]];
  mass += w;
  moments[0] += w * a;
  moments[1] += w * b;
  moments[2] += w * a * a;
  moments[3] += w * b * b;
}
const logZ = peak + Math.log(mass * cell);
const exact = { mean: [moments[0] / mass, moments[1] / mass], std: [0, 0] };
exact.std = [Math.sqrt(moments[2] / mass - exact.mean[0] ** 2), Math.sqrt(moments[3] / mass - exact.mean[1] ** 2)];

const samples = q.sample(QUICK ? 4000 : 20000, { rng: new Rng(4) });
const column = (c: number): number[] => Array.from({ length: samples.rows }, (_, r) => samples.data[2 * r + c]);
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const stdOf = (v: number[]): number => Math.sqrt(meanOf(v.map((x) => (x - meanOf(v)) ** 2)));
console.log(`KL(q ‖ p) = ${(result.finalKl + logZ).toFixed(4)} nats (log Z = ${logZ.toFixed(4)} from a ${size}×${size} grid)`);
for (const c of [0, 1]) {
  console.log(`θ${c + 1}: q mean ${meanOf(column(c)).toFixed(3)}, std ${stdOf(column(c)).toFixed(3)}; `
    + `exact mean ${exact.mean[c].toFixed(3)}, std ${exact.std[c].toFixed(3)}`);
}

// The figure: the exact posterior (normalised with the grid's log Z) and q's samples, on a coarser grid.
const coarse = 120;
const cs = Float64Array.from({ length: coarse }, (_, i) => -3 + (6 * i) / (coarse - 1));
const shown = matrix(Array.from({ length: coarse * coarse }, (_, k) => [cs[k % coarse], cs[Math.floor(k / coarse)]]), undefined, undefined, 'float64');
const figure = densityPlot({
  grid: { xs: cs, ys: cs, logDensity: logPosterior(shown).map((v) => v - logZ) },
  samples: { rows: 3000, cols: 2, data: samples.data.subarray(0, 6000) },
  title: 'banana posterior: exact density and IAF samples fitted by reverse KL', labels: ['θ1', 'θ2'],
  panelTitles: ['exact posterior p(θ | y) (grid)', 'samples of q (IAF)'],
});
writeFileSync(join(figuresDir(), 'variational-inference.png'), figure.png);
console.log('wrote variational-inference.png');
