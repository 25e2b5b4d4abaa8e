/**
 * MADE's autoregressive property, three ways: input perturbations, the product of the 0/1 masks, and the staircase
 * sequential pass against the parallel pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { kernels, withBackend } from '../../src/kernels/backend.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { Made, type MadeOptions } from '../../src/nn/made.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, maxAbsDiff, paramTargets } from '../helpers/numeric.ts';

type Config = Omit<MadeOptions, 'rng'>;
const configs: Array<[string, Config]> = [
  ['sequential degrees', { features: 5, hiddenUnits: [12, 10], paramsPerFeature: 2 }],
  ['random degrees', { features: 5, hiddenUnits: [20, 20], degrees: 'random', paramsPerFeature: 3, activation: 'tanh' }],
  ['residual', { features: 4, hiddenUnits: [9, 9, 9], residual: true, activation: 'elu' }],
  ['with context', { features: 4, hiddenUnits: [10, 8], contextFeatures: 3, activation: 'tanh' }],
  ['D = 1 with context', { features: 1, hiddenUnits: [4], contextFeatures: 2 }],
  ['D = 2', { features: 2, hiddenUnits: [6, 6], paramsPerFeature: 4, activation: 'sigmoid' }],
];

/** A float64 MADE whose weights are O(1) (the output layer's small initialisation would hide dependencies). */
function make(config: Config, seed: number): Made {
  const rng = new Rng(seed);
  const made = new Made({ ...config, dtype: 'float64', rng });
  for (const p of parametersOf(made.output)) for (let k = 0; k < p.size; k++) p.value[k] += 0.5 * rng.normal();
  return made;
}

function randomArray(n: number, rng: Rng): Float64Array {
  return rng.fillNormal(new Float64Array(n));
}

/** 0/1 mask `[outDim, inDim]` of a staircase layer. */
function maskOf(prefix: Int32Array | null, outDim: number, inDim: number): number[][] {
  return Array.from({ length: outDim }, (_, j) => Array.from({ length: inDim }, (_, i) => (prefix === null || i < prefix[j] ? 1 : 0)));
}

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

/** Path counts from input i to the outputs of feature d: `[D, D]` (rows: features, columns: inputs). */
function connectivity(made: Made): number[][] {
  let product = maskOf(made.hidden[0].prefix, made.hidden[0].outDim, made.features);
  for (let l = 1; l < made.hidden.length; l++) {
    const layer = made.hidden[l];
    const mask = maskOf(layer.prefix, layer.outDim, layer.inDim);
    // A residual layer h_l = h_{l−1} + act(L_l h_{l−1}) also passes h_{l−1} straight on: its connectivity is I + M.
    if (made.residual) mask.forEach((row, j) => { row[j] += 1; });
    product = multiply(mask, product);
  }
  const full = multiply(maskOf(made.output.prefix, made.output.outDim, made.output.inDim), product);
  const P = made.paramsPerFeature;
  return Array.from({ length: made.features }, (_, d) =>
    Array.from({ length: made.features }, (_, i) => full.slice(d * P, (d + 1) * P).reduce((s, row) => s + row[i], 0)));
}

for (const [name, config] of configs) {
  test(`Made (${name}): perturbing x_i leaves features ≤ i unchanged and changes some feature > i`, () => {
    const rng = new Rng(1);
    const made = make(config, 2);
    const D = made.features;
    const P = made.paramsPerFeature;
    const n = 3;
    const x = randomArray(n * D, rng);
    const context = made.contextFeatures > 0 ? randomArray(n * made.contextFeatures, rng) : null;
    const base = made.forward(n, x, context).slice();
    for (let i = 0; i < D; i++) {
      const moved = x.slice();
      for (let b = 0; b < n; b++) moved[b * D + i] += 1.5;
      const out = made.forward(n, moved, context);
      let later = 0;
      for (let b = 0; b < n; b++) {
        for (let d = 0; d < D; d++) {
          for (let p = 0; p < P; p++) {
            const k = b * D * P + d * P + p;
            if (d <= i) assert.equal(out[k], base[k], `feature ${d} changed when x_${i} moved`);
            else later = Math.max(later, Math.abs(out[k] - base[k]));
          }
        }
      }
      if (i < D - 1) assert.ok(later > 1e-6, `no feature after ${i} reacts to x_${i}`);
    }
  });

  test(`Made (${name}): the product of the 0/1 masks is strictly lower triangular (and full below the diagonal)`, () => {
    const made = make(config, 3);
    const C = connectivity(made);
    for (let d = 0; d < made.features; d++) {
      for (let i = 0; i < made.features; i++) {
        if (i >= d) assert.equal(C[d][i], 0, `feature ${d} is connected to input ${i}`);
        else assert.ok(C[d][i] > 0, `feature ${d} cannot see input ${i} (MADE should connect every earlier input here)`);
      }
    }
  });

  test(`Made (${name}): the staircase sequential pass gives exactly the parallel outputs for the final x`, () => {
    const rng = new Rng(4);
    const made = make(config, 5);
    const D = made.features;
    const P = made.paramsPerFeature;
    const n = 4;
    const finalX = randomArray(n * D, rng);
    const context = made.contextFeatures > 0 ? randomArray(n * made.contextFeatures, rng) : null;
    const parallel = made.forward(n, finalX, context).slice();
    const x = new Float64Array(n * D).fill(Number.NaN);
    const seen: number[] = [];
    made.sequential(n, x, context, (d, params) => {
      seen.push(d);
      for (let b = 0; b < n; b++) {
        for (let p = 0; p < P; p++) {
          const k = b * D * P + d * P + p;
          assert.ok(Math.abs(params[k] - parallel[k]) <= 1e-12 * (1 + Math.abs(parallel[k])), `step ${d} row ${b} param ${p}`);
        }
        x[b * D + d] = finalX[b * D + d];
      }
    });
    assert.deepEqual(seen, Array.from({ length: D }, (_, d) => d));
  });
}

test('Made: the context reaches every output, feature 0 included', () => {
  for (const [, config] of configs.filter(([, c]) => (c.contextFeatures ?? 0) > 0)) {
    const rng = new Rng(6);
    const made = make(config, 7);
    const x = randomArray(2 * made.features, rng);
    const context = randomArray(2 * made.contextFeatures, rng);
    const base = made.forward(2, x, context).slice();
    for (let c = 0; c < made.contextFeatures; c++) {
      const moved = context.slice();
      moved[c] += 1;
      moved[made.contextFeatures + c] += 1;
      const out = made.forward(2, x, moved);
      for (let k = 0; k < out.length; k++) assert.notEqual(out[k], base[k], `output column ${k % made.outputWidth} ignores context ${c}`);
    }
  }
});

test('Made: float32 sequential pass matches the float32 parallel pass', () => {
  const rng = new Rng(8);
  const made = new Made({ features: 6, hiddenUnits: [16, 16], contextFeatures: 2, degrees: 'random', rng });
  const n = 5;
  const finalX = Float32Array.from(randomArray(n * 6, rng));
  const context = Float32Array.from(randomArray(n * 2, rng));
  const parallel = made.forward(n, finalX, context).slice();
  const x = new Float32Array(n * 6);
  const collected = new Float32Array(parallel.length);
  made.sequential(n, x, context, (d, params) => {
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < 2; p++) collected[b * 12 + d * 2 + p] = params[b * 12 + d * 2 + p];
      x[b * 6 + d] = finalX[b * 6 + d];
    }
  });
  assert.ok(maxAbsDiff(collected, parallel) < 1e-6);
});

test('Made: forwardTrain backward matches finite differences (weights, input, context; residual)', () => {
  const rng = new Rng(9);
  const made = make({ features: 3, hiddenUnits: [7, 7], residual: true, contextFeatures: 2, activation: 'tanh' }, 10);
  const n = 3;
  const x = randomArray(n * 3, rng);
  const context = randomArray(n * 2, rng);
  const weights = randomArray(n * made.outputWidth, rng);
  const loss = () => Array.from(made.forward(n, x, context)).reduce((s, v, k) => s + v * weights[k], 0);
  const params = parametersOf(made);
  let grads = { dInput: x, dContext: context as Float64Array | null };
  const analytic = () => {
    for (const p of params) p.zeroGrad();
    const pass = made.forwardTrain(n, x, context);
    grads = pass.backward(weights) as typeof grads;
  };
  analytic();
  const targets = [...paramTargets(params), { value: x, get grad() { return grads.dInput; } },
    { value: context, get grad() { return grads.dContext as Float64Array; } }];
  const worst = gradientCheck(loss, analytic, targets, rng);
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
});

test('Made.sequentialFused: equals sequential + transformForward per feature (float64 exact; float32 on both backends)', () => {
  const native = loadNativeBackend();
  const cases: Array<[string, Config, boolean]> = [
    ['residual with context', { features: 4, hiddenUnits: [9, 9, 9], residual: true, contextFeatures: 2, activation: 'elu' }, false],
    ['shiftOnly, random degrees', { features: 5, hiddenUnits: [12, 10], degrees: 'random', paramsPerFeature: 1 }, true],
    ['D = 1', { features: 1, hiddenUnits: [4], contextFeatures: 1 }, false],
  ];
  for (const [name, config, shiftOnly] of cases) {
    const rng = new Rng(12);
    const n = 7;
    const made64 = make(config, 13);
    const u = randomArray(n * made64.features, rng);
    const context = made64.contextFeatures > 0 ? randomArray(n * made64.contextFeatures, rng) : null;
    const run = (made: Made, fused: boolean, cast: (a: Float64Array) => Float64Array | Float32Array) => {
      const [uu, cc] = [cast(u), context === null ? null : cast(context)];
      const x = cast(new Float64Array(n * made.features));
      const logDet = new Float64Array(n);
      const transformer = { kind: 'affine', logScaleBound: 3, shiftOnly } as const;
      if (fused) made.sequentialFused(n, uu, x, cc, logDet, transformer);
      else {
        made.sequential(n, x, cc, (d, params) => kernels().transformForward({ transformer, batch: n, features: made.features,
          dStart: d, dEnd: d + 1, input: uu, params, output: x, logDet, accumulateLogDet: true }));
      }
      return { x, logDet };
    };
    const same = (f: (a: Float64Array) => Float64Array | Float32Array, made: Made) => {
      const [a, b] = [run(made, true, f), run(made, false, f)];
      assert.deepEqual(a.x, b.x, `${name}: x`);
      assert.deepEqual(a.logDet, b.logDet, `${name}: logDet`);
      assert.ok(!shiftOnly || a.logDet.every((v) => v === 0), `${name}: shiftOnly log-det`);
      assert.ok(a.x.every(Number.isFinite), `${name}: finite`);
    };
    same((a) => a, made64);
    const made32 = new Made({ ...config, dtype: 'float32', rng: new Rng(13) });
    same((a) => Float32Array.from(a), made32);
    if (native.ok) withBackend(native.kernels, () => same((a) => Float32Array.from(a), made32));
  }
  assert.throws(() => make(configs[1][1], 1).sequentialFused(1, new Float64Array(5), new Float64Array(5), null,
    new Float64Array(1), { kind: 'affine', logScaleBound: 5, shiftOnly: false }),
  /Made.sequentialFused: the affine transformer needs paramsPerFeature 2, got 3/);
});

test('Made refuses explicit hidden degrees that are unsorted, out of range or of the wrong shape (a saved model\'s)', () => {
  const make = (hiddenDegrees: number[][]) => () => new Made({ features: 3, hiddenUnits: [3, 2], hiddenDegrees, rng: new Rng(0) });
  make([[1, 1, 2], [1, 2]])(); // sorted, in [0, 2]: accepted
  assert.throws(make([[2, 1, 1], [1, 2]]), /Made: hiddenDegrees\[0\] must be sorted \(unit 1 has degree 1 after 2\)/);
  assert.throws(make([[1, 1, 2], [2, 1]]), /hiddenDegrees\[1\] must be sorted/);
  assert.throws(make([[1, 1, 3], [1, 2]]), /hiddenDegrees\[0\]\[2\] must be an integer in \[0, 2\], got 3/);
  assert.throws(make([[1, 1.5, 2], [1, 2]]), /hiddenDegrees\[0\]\[1\] must be an integer in \[0, 2\], got 1\.5/);
  assert.throws(make([[1, 2], [1, 2]]), /hiddenDegrees\[0\] must have 3 entries \(the layer's width\), got 2/);
  assert.throws(make([[1, 1, 2]]), /hiddenDegrees must hold one vector per hidden layer \(2\), got 1/);
});
