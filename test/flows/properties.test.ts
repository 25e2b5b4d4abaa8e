/**
 * Core properties of the autoregressive flows, each checked against an independent computation:
 * the staircase sampler against the naive D-pass inverse, MAF log-densities against a dense-mask evaluation written
 * here with plain loops, normalisation on a grid, a Kolmogorov–Smirnov test of samples, and sample/logProb agreement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dtype, type FloatArray, type Matrix, zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { MaskedAutoregressiveFlow, type MaskedAutoregressiveFlowOptions } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf, type CreateMafOptions } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import type { Made } from '../../src/nn/made.ts';
import type { MaskedLinear } from '../../src/nn/masked-linear.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { integrate2d } from '../distributions/distribution-checks.ts';

function perturb(d: { namedParameters(): Array<[string, { value: FloatArray }]> }, rng: Rng, scale: number): void {
  for (const [, p] of d.namedParameters()) for (let k = 0; k < p.value.length; k++) p.value[k] += scale * rng.normal();
}

// ---------------------------------------------------------------------------------------------------------------
// Staircase forward vs the naive sequential inverse (the seeds' loop).

const mafConfigs: Array<[string, Omit<MaskedAutoregressiveFlowOptions, 'rng'>]> = [
  ['plain', { features: 5, hiddenUnits: [16, 16] }],
  ['context', { features: 4, hiddenUnits: [12, 12], contextFeatures: 3, activation: 'tanh' }],
  ['residual', { features: 4, hiddenUnits: [10, 10, 10], residual: true, activation: 'elu' }],
  ['random degrees', { features: 6, hiddenUnits: [20, 14], degrees: 'random' }],
  ['D = 1, context', { features: 1, hiddenUnits: [5], contextFeatures: 2 }],
];

/** x = 0; repeat D times: θ = made(x); x = u·exp(s) + m — every feature recomputed from a full network pass. */
function naiveForward(maf: MaskedAutoregressiveFlow, u: Matrix, context: Matrix | null, dtype: Dtype): Matrix {
  const D = maf.features;
  const x = zeros(u.rows, D, dtype);
  const c = 5;
  for (let pass = 0; pass < D; pass++) {
    const params = maf.made.forward(u.rows, x.data, context?.data ?? null);
    for (let b = 0; b < u.rows; b++) {
      for (let d = 0; d < D; d++) {
        const m = params[(b * D + d) * 2];
        const s = c * Math.tanh(params[(b * D + d) * 2 + 1] / c);
        x.data[b * D + d] = u.data[b * D + d] * Math.exp(s) + m;
      }
    }
  }
  return x;
}

for (const dtype of ['float64', 'float32'] as const) {
  for (const [name, config] of mafConfigs) {
    test(`MAF forward (staircase, one network evaluation) equals the naive D-pass inverse: ${name}, ${dtype}`, () => {
      const rng = new Rng(11);
      const maf = new MaskedAutoregressiveFlow({ ...config, dtype, rng });
      perturb(maf, rng, 0.8);
      const u = randomMatrix(6, maf.features, rng, 1, dtype);
      const context = maf.contextFeatures > 0 ? randomMatrix(6, maf.contextFeatures, rng, 1, dtype) : null;
      const fast = maf.forward(u, context === null ? {} : { context });
      const naive = naiveForward(maf, u, context, dtype);
      const tolerance = dtype === 'float64' ? 1e-12 : 2e-5;
      for (let k = 0; k < fast.data.length; k++) {
        assert.ok(Math.abs(fast.data[k] - naive.data[k]) <= tolerance * (1 + Math.abs(naive.data[k])), `entry ${k}: ${fast.data[k]} vs ${naive.data[k]}`);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MAF log-density vs an independent dense-mask evaluation of the stored weights.

const activate: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(0, v),
  tanh: Math.tanh,
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  identity: (v) => v,
};

/** One dense layer `W ⊙ M · h + W_c · c + b` on one row, with the 0/1 mask M built from the layer's prefixes. */
function denseLayer(layer: MaskedLinear, h: number[], c: number[]): number[] {
  const out: number[] = [];
  for (let j = 0; j < layer.outDim; j++) {
    let s = layer.bias.value[j];
    for (let i = 0; i < layer.inDim; i++) {
      const mask = layer.prefix === null || i < layer.prefix[j] ? 1 : 0;
      s += mask * layer.weight.value[j * layer.inDim + i] * h[i];
    }
    for (let i = 0; i < layer.contextFeatures; i++) s += (layer.contextWeight as { value: FloatArray }).value[j * layer.contextFeatures + i] * c[i];
    out.push(s);
  }
  return out;
}

function denseMade(made: Made, x: number[], c: number[]): number[] {
  let h = x;
  made.hidden.forEach((layer, l) => {
    const a = denseLayer(layer, h, c).map(activate[made.activation]);
    h = made.residual && l > 0 ? a.map((v, j) => v + h[j]) : a;
  });
  return denseLayer(made.output, h, c);
}

/** log p(x) of createMaf's flow (standard-normal base), one row at a time with plain loops in float64. */
function referenceLogProb(flow: TransformedDistribution, x: number[], c: number[]): number {
  let v = x;
  let logDet = 0;
  for (const b of (flow.bijector as Chain).bijectors) {
    if (b instanceof Permute) {
      // forward(u)[i] = u[p[i]], so the inverse puts x[i] back at position p[i].
      const u = new Array<number>(v.length);
      b.permutation.forEach((src, i) => { u[src] = v[i]; });
      v = u;
    } else if (b instanceof MaskedAutoregressiveFlow) {
      const params = denseMade(b.made, v, c);
      v = v.map((xd, d) => {
        const s = 5 * Math.tanh(params[2 * d + 1] / 5);
        logDet -= s;
        return (xd - params[2 * d]) * Math.exp(-s);
      });
    } else {
      throw new Error(`unexpected bijector ${b.constructor.name}`);
    }
  }
  return v.reduce((s, z) => s - 0.5 * z * z - 0.5 * Math.log(2 * Math.PI), 0) + logDet;
}

const flowConfigs: Array<[string, Omit<CreateMafOptions, 'rng' | 'dtype'>]> = [
  ['3 layers', { features: 3, layers: 3, hiddenUnits: [10, 10] }],
  ['random order, random degrees, tanh', { features: 4, layers: 2, hiddenUnits: [12], order: 'random', degrees: 'random', activation: 'tanh' }],
  ['residual with context', { features: 3, layers: 2, hiddenUnits: [8, 8], residual: true, contextFeatures: 2, activation: 'elu' }],
];

for (const [name, config] of flowConfigs) {
  test(`createMaf logProb equals an independent dense-mask computation: ${name}`, () => {
    const rng = new Rng(21);
    const flow = createMaf({ ...config, dtype: 'float64', rng });
    perturb(flow, rng, 0.3);
    const x = randomMatrix(5, config.features, rng);
    const context = (config.contextFeatures ?? 0) > 0 ? randomMatrix(5, config.contextFeatures as number, rng) : undefined;
    const lp = flow.logProb(x, context === undefined ? {} : { context });
    for (let r = 0; r < x.rows; r++) {
      const row = Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols));
      const c = context === undefined ? [] : Array.from(context.data.subarray(r * context.cols, (r + 1) * context.cols));
      const expected = referenceLogProb(flow, row, c);
      assert.ok(Math.abs(lp[r] - expected) < 1e-10, `row ${r}: ${lp[r]} vs ${expected}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation: small 2-D densities integrate to 1 over [−10, 10]².

const densities: Array<[string, (rng: Rng) => Distribution]> = [
  ['MAF', (rng) => createMaf({ features: 2, layers: 3, hiddenUnits: [16], dtype: 'float64', rng })],
  ['MAF with a mog base', (rng) => createMaf({ features: 2, layers: 2, hiddenUnits: [16], base: 'mog', components: 3, dtype: 'float64', rng })],
  ['MAF MoG', (rng) => createMafMog({ features: 2, layers: 2, hiddenUnits: [16], components: 3, dtype: 'float64', rng })],
  ['MADE MoG', (rng) => createMadeMog({ features: 2, hiddenUnits: [16], components: 3, dtype: 'float64', rng })],
  ['Real NVP', (rng) => createRealNvp({ features: 2, layers: 3, hiddenUnits: [16], dtype: 'float64', rng })],
];

for (const [name, make] of densities) {
  test(`the density of a perturbed 2-D ${name} integrates to 1`, () => {
    const rng = new Rng(31);
    const density = make(rng);
    perturb(density, rng, 0.15);
    const total = integrate2d((x) => density.logProb(x), 10, 300);
    assert.ok(Math.abs(total - 1) < 1e-2, `integral ${total}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov test of samples.

/** Φ(x) via erfc (W. J. Cody's rational approximations are overkill here: Numerical Recipes' erfc, |error| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** The one-sample KS statistic against N(0, 1) and its asymptotic p-value (Stephens' small-sample correction). */
function ksTest(values: ArrayLike<number>): { statistic: number; pValue: number } {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let statistic = 0;
  for (let i = 0; i < n; i++) {
    const F = normalCdf(sorted[i]);
    statistic = Math.max(statistic, (i + 1) / n - F, F - i / n);
  }
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * statistic;
  let pValue = 0;
  for (let k = 1; k <= 100; k++) pValue += 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  return { statistic, pValue: Math.min(1, Math.max(0, pValue)) };
}

function column(m: Matrix, d: number): Float64Array {
  return Float64Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + d]);
}

test('the KS test itself: accepts N(0, 1) draws and rejects N(0.15, 1) and N(0, 1.1²)', () => {
  const rng = new Rng(41);
  const draws = rng.fillNormal(new Float64Array(2000));
  assert.ok(ksTest(draws).pValue > 0.01);
  assert.ok(ksTest(draws.map((v) => v + 0.15)).pValue < 0.01);
  assert.ok(ksTest(draws.map((v) => 1.1 * v)).pValue < 0.05);
  assert.ok(Math.abs(normalCdf(1.959963985) - 0.975) < 1e-6);
});

test('a MAF with zeroed output layers is exactly the standard normal; its samples pass KS per dimension', () => {
  const flow = createMaf({ features: 3, layers: 4, hiddenUnits: [16, 16], contextFeatures: 2, rng: new Rng(42) });
  for (const b of (flow.bijector as Chain).bijectors) {
    if (b instanceof MaskedAutoregressiveFlow) for (const p of parametersOf(b.made.output)) p.value.fill(0);
  }
  const context = randomMatrix(1, 2, new Rng(43));
  const { samples, logProb } = flow.sampleAndLogProb(2000, { rng: new Rng(44), context });
  const base = flow.base.sample(2000, { rng: new Rng(44) });
  // Zeroed MADEs are identities, so the flow is its three reversals: base samples come out with columns reversed.
  for (let r = 0; r < 2000; r++) {
    for (let d = 0; d < 3; d++) assert.equal(samples.data[r * 3 + d], base.data[r * 3 + 2 - d], `row ${r} feature ${d}`);
  }
  const normal = flow.base.logProb(samples);
  for (let r = 0; r < 50; r++) assert.ok(Math.abs(logProb[r] - normal[r]) < 1e-9);
  for (let d = 0; d < 3; d++) {
    const { pValue } = ksTest(column(samples, d));
    assert.ok(pValue > 0.01, `dimension ${d}: KS p = ${pValue}`);
  }
});

test('a fresh MAF (small output initialisation) is near the identity: its samples pass KS against N(0, 1)', () => {
  const flow = createMaf({ features: 4, layers: 5, hiddenUnits: [32, 32], rng: new Rng(45) });
  const samples = flow.sample(2000, { rng: new Rng(46) });
  for (let d = 0; d < 4; d++) {
    const { pValue } = ksTest(column(samples, d));
    assert.ok(pValue > 0.01, `dimension ${d}: KS p = ${pValue}`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Samples and log-densities agree for perturbed (untrained) flows.

const samplers: Array<[string, (rng: Rng) => Distribution]> = [
  ['MAF with context', (rng) => createMaf({ features: 3, layers: 3, hiddenUnits: [12], contextFeatures: 2, dtype: 'float64', rng })],
  ['MAF MoG with context', (rng) => createMafMog({ features: 3, layers: 2, hiddenUnits: [12], components: 3, contextFeatures: 2, dtype: 'float64', rng })],
  ['MADE MoG', (rng) => createMadeMog({ features: 3, hiddenUnits: [12], components: 4, dtype: 'float64', rng })],
];

for (const [name, make] of samplers) {
  test(`sampleAndLogProb agrees with logProb of the samples: perturbed ${name}`, () => {
    const rng = new Rng(51);
    const density = make(rng);
    perturb(density, rng, 0.3);
    const context = density.contextFeatures > 0 ? randomMatrix(1, density.contextFeatures, rng) : undefined;
    const { samples, logProb } = density.sampleAndLogProb(300, { rng: new Rng(52), context });
    const many = context === undefined ? {} : { context: { rows: 300, cols: context.cols, data: new Float64Array(300 * context.cols).map((_, k) => context.data[k % context.cols]) } };
    const again = density.logProb(samples, many);
    for (let r = 0; r < 300; r++) {
      assert.ok(Number.isFinite(logProb[r]), `row ${r} finite`);
      assert.ok(Math.abs(again[r] - logProb[r]) < 1e-8 * (1 + Math.abs(logProb[r])), `row ${r}: ${again[r]} vs ${logProb[r]}`);
    }
  });
}
