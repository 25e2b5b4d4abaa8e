import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MadeMog, type MadeMogOptions } from '../../src/distributions/made-mog.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients, integrate2d } from './distribution-checks.ts';

function make(seed: number, extra: Partial<MadeMogOptions> = {}, perturb = 0.3): MadeMog {
  const rng = new Rng(seed);
  const mog = new MadeMog({ features: 3, components: 3, hiddenUnits: [10, 8], dtype: 'float64', rng, ...extra });
  for (const p of parametersOf(mog)) for (let k = 0; k < p.size; k++) p.value[k] += perturb * rng.normal();
  return mog;
}

/** log p(x) from the layout, one feature at a time, with the MADE run on x (independent of MadeMog's own loop). */
function directLogProb(mog: MadeMog, x: Matrix, context: Matrix | null): Float64Array {
  const k = mog.components;
  const D = mog.features;
  const params = mog.made.forward(x.rows, x.data, context?.data ?? null);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    for (let d = 0; d < D; d++) {
      const o = (r * D + d) * 3 * k;
      let total = 0;
      let weightSum = 0;
      for (let j = 0; j < k; j++) weightSum += Math.exp(params[o + j]);
      for (let j = 0; j < k; j++) {
        const sigma = Math.exp(5 * Math.tanh(params[o + 2 * k + j] / 5));
        const z = (x.data[r * D + d] - params[o + k + j]) / sigma;
        total += (Math.exp(params[o + j]) / weightSum) * Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
      }
      out[r] += Math.log(total);
    }
  }
  return out;
}

test('MadeMog: logProb follows the documented layout (logits, means, soft-clipped log-scales per feature)', () => {
  const mog = make(1);
  const x = randomMatrix(6, 3, new Rng(2));
  const expected = directLogProb(mog, x, null);
  const lp = mog.logProb(x);
  for (let r = 0; r < x.rows; r++) assert.ok(Math.abs(lp[r] - expected[r]) < 1e-10, `row ${r}: ${lp[r]} vs ${expected[r]}`);
});

test('MadeMog: conditional logProb uses the context', () => {
  const mog = make(3, { contextFeatures: 2 });
  const rng = new Rng(4);
  const x = randomMatrix(5, 3, rng);
  const c1 = randomMatrix(5, 2, rng);
  const c2 = randomMatrix(5, 2, rng);
  const a = mog.logProb(x, { context: c1 });
  const expected = directLogProb(mog, x, c1);
  for (let r = 0; r < 5; r++) assert.ok(Math.abs(a[r] - expected[r]) < 1e-10);
  const b = mog.logProb(x, { context: c2 });
  assert.ok(a.some((v, r) => Math.abs(v - b[r]) > 1e-6), 'context changes the density');
  assert.throws(() => mog.logProb(x), /MadeMog\.logProb: expected context \[5, 2\], got none/);
});

test('MadeMog: a 2-D density integrates to 1', () => {
  const mog = make(5, { features: 2, components: 4, hiddenUnits: [12] }, 0.5);
  const total = integrate2d((x) => mog.logProb(x), 15, 600);
  assert.ok(Math.abs(total - 1) < 1e-2, `integral ${total}`);
});

test('MadeMog: staircase samples score the same as logProb, in float64 and float32, with context', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const mog = make(6, { contextFeatures: 2, dtype, residual: true, hiddenUnits: [9, 9] });
    const context = matrix([[0.3, -1.2]]);
    const { samples, logProb } = mog.sampleAndLogProb(200, { rng: new Rng(7), context });
    const many = { rows: 200, cols: 2, data: new Float64Array(400).map((_, i) => context.data[i % 2]) };
    const again = mog.logProb(samples, { context: many });
    for (let r = 0; r < 200; r++) {
      assert.ok(Number.isFinite(logProb[r]));
      assert.ok(Math.abs(again[r] - logProb[r]) < (dtype === 'float64' ? 1e-9 : 1e-3), `${dtype} row ${r}: ${again[r]} vs ${logProb[r]}`);
    }
  }
});

test('MadeMog: samples follow the model (1-D mixture marginal: mean and variance)', () => {
  // With D = 1 the MADE's outputs are constants (biases), so the model is one known mixture.
  const rng = new Rng(8);
  const mog = new MadeMog({ features: 1, components: 2, hiddenUnits: [4], dtype: 'float64', rng });
  mog.made.output.bias.value.set([0, Math.log(3), -2, 3, Math.log(0.5), 0]);
  const w = [0.25, 0.75];
  const mu = [-2, 3];
  const sd = [Math.exp(5 * Math.tanh(Math.log(0.5) / 5)), 1];
  const mean = w[0] * mu[0] + w[1] * mu[1];
  const variance = w[0] * (sd[0] ** 2 + mu[0] ** 2) + w[1] * (sd[1] ** 2 + mu[1] ** 2) - mean ** 2;
  const samples = mog.sample(20000, { rng: new Rng(9) });
  const m = Array.from(samples.data).reduce((a, b) => a + b, 0) / samples.rows;
  const v = Array.from(samples.data).reduce((a, b) => a + (b - m) ** 2, 0) / samples.rows;
  assert.ok(Math.abs(m - mean) < 4 * Math.sqrt(variance / samples.rows), `mean ${m} vs ${mean}`);
  assert.ok(Math.abs(v - variance) / variance < 0.05, `variance ${v} vs ${variance}`);
});

test('MadeMog: logProbTrain gradients (MADE weights, x, context) match finite differences', () => {
  for (const extra of [{}, { contextFeatures: 2, activation: 'tanh' as const }, { degrees: 'random' as const, features: 4 }]) {
    const rng = new Rng(10);
    const mog = make(11, extra);
    const x = randomMatrix(5, mog.features, rng);
    const context = mog.contextFeatures > 0 ? randomMatrix(5, mog.contextFeatures, rng) : undefined;
    checkLogProbGradients(mog, x, rng, context);
  }
});

test('MadeMog: log-scales are soft-clipped, so a huge raw output stays finite', () => {
  const mog = new MadeMog({ features: 1, components: 1, hiddenUnits: [3], dtype: 'float64', rng: new Rng(12) });
  mog.made.output.bias.value.set([0, 0, -1e4]);
  const [lp] = mog.logProb(matrix([[0]]));
  assert.ok(Math.abs(lp - (5 - 0.5 * Math.log(2 * Math.PI))) < 1e-9, `${lp}`);
});

test('MadeMog: config round trip, names and option errors', () => {
  const mog = make(13, { degrees: 'random' });
  const copy = MadeMog.fromConfig(mog.config(), new Rng(99));
  const source = new Map(mog.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set((source.get(name) as { value: Float64Array }).value);
  const x = randomMatrix(4, 3, new Rng(14));
  assert.deepEqual(Array.from(copy.logProb(x)), Array.from(mog.logProb(x)));
  assert.equal(mog.namedParameters('base')[0][0], 'base.made.hidden.0.weight');
  assert.equal(mog.made.paramsPerFeature, 9);
  assert.throws(() => new MadeMog({ features: 2, components: 0, rng: new Rng(0) }), /components must be a positive integer/);
  assert.throws(() => new MadeMog({ features: 2, logScaleBound: Infinity, rng: new Rng(0) }), /logScaleBound/);
});
