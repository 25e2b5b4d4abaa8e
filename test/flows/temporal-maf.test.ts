/**
 * The temporal MAF: its log-likelihood against per-step conditional densities computed independently from the same
 * weights, padding independence, the whole model's gradient against finite differences (parameters, sequences,
 * covariates), sampling and forecasting, config round trip and shape errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { sequences, type Sequences } from '../../src/core/sequences.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { createTemporalMaf } from '../../src/flows/create-temporal-maf.ts';
import type { EncoderKind } from '../../src/flows/encoder-kinds.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { TemporalMaf } from '../../src/flows/temporal-maf.ts';
import { Lstm } from '../../src/nn/lstm.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { parametersOf, zeroGrad } from '../../src/nn/parameter.ts';
import { gradientCheck, maxAbsDiff, paramTargets } from '../helpers/numeric.ts';
import { referenceCell } from '../helpers/recurrent-reference.ts';

/** A float64 model with O(1) weights (the MADE output layers start near 0), covariates and a data standardization. */
function model(encoder: EncoderKind, seed: number, base: 'normal' | 'conditional-normal' = 'conditional-normal'): TemporalMaf {
  const m = createTemporalMaf({
    features: 2, layers: 2, hiddenUnits: [8], encoder, encoderUnits: 3, contextFeatures: 1, base, activation: 'tanh',
    dataStandardize: new Standardize({ mean: [0.5, -1], std: [2, 0.5] }), contextStandardize: new Standardize({ mean: [1], std: [3] }),
    dtype: 'float64', rng: new Rng(seed),
  });
  for (const [, p] of m.flow.namedParameters()) for (let k = 0; k < p.size; k++) p.value[k] += 0.3 * Math.sin(3 * k + seed);
  return m;
}

function randomSequences(lengths: number[], rng: Rng): Sequences {
  return sequences(lengths.map((l) => Array.from({ length: l }, () => [rng.normal(), rng.normal()])), { dtype: 'float64' });
}

for (const kind of ['lstm', 'gru'] as const) {
  test(`TemporalMaf (${kind}): log p(x_1…x_T) is the sum of the per-step conditional log-densities, computed independently`, () => {
    const m = model(kind, 1);
    const rng = new Rng(2);
    const s = randomSequences([4, 2, 5], rng);
    const covariates = matrix([[0.5], [-2], [1]], undefined, undefined, 'float64');
    const lp = m.logProb(s, { context: covariates });
    const perStep = m.logProbSteps(s, { context: covariates });
    const mean = [0.5, -1];
    const std = [2, 0.5];
    for (let i = 0; i < s.count; i++) {
      let h = [0, 0, 0];
      let c = [0, 0, 0];
      let total = 0;
      for (let t = 0; t < s.lengths![i]; t++) {
        const xt = [0, 1].map((f) => (s.data[(i * s.steps + t) * 2 + f] - mean[f]) / std[f]);
        const context = matrix([[...h, (covariates.data[i] - 1) / 3]], undefined, undefined, 'float64');
        const step = m.flow.logProb(matrix([xt], undefined, undefined, 'float64'), { context })[0] - Math.log(2) - Math.log(0.5);
        assert.ok(Math.abs(perStep.data[i * s.steps + t] - step) < 1e-10, `sequence ${i}, step ${t}`);
        total += step;
        [h, c] = referenceCell(m.encoder, xt, h, c);
      }
      for (let t = s.lengths![i]; t < s.steps; t++) assert.equal(perStep.data[i * s.steps + t], 0);
      assert.ok(Math.abs(lp[i] - total) < 1e-10, `sequence ${i}: ${lp[i]} vs ${total}`);
    }
  });

  test(`TemporalMaf (${kind}): the gradient of logProbTrain matches finite differences (parameters, sequences, covariates)`, () => {
    const m = model(kind, 3);
    const rng = new Rng(4);
    const s = randomSequences([5, 3, 3], rng);
    const covariates = matrix([[0.5], [-2], [1]], undefined, undefined, 'float64');
    const w = Float64Array.from([0.7, -1.3, 0.4]);
    const loss = () => m.logProb(s, { context: covariates, validateArgs: false }).reduce((a, v, i) => a + w[i] * v, 0);
    const dX = new Float64Array(s.data.length);
    const dC = new Float64Array(covariates.data.length);
    const analytic = () => {
      zeroGrad(m);
      const grads = m.logProbTrain(s, { context: covariates }).backward(w);
      dX.set(grads.dInput.data);
      dC.set(grads.dContext!.data);
    };
    assert.ok(m.namedParameters().some(([name]) => name === 'encoder.weightHh'));
    const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(m)), { value: s.data, grad: dX }, { value: covariates.data, grad: dC }], rng, 8);
    assert.ok(worst < 1e-6, `worst relative error ${worst}`);
    // Padding gets no gradient (it is not read).
    assert.ok(dX.subarray((1 * s.steps + 3) * 2, (2 * s.steps) * 2).every((g) => g === 0));
  });
}

test('TemporalMaf: a sequence\'s log-likelihood does not depend on its padding, nor on the other sequences of the batch', () => {
  const m = model('lstm', 5, 'normal');
  const rng = new Rng(6);
  const s = randomSequences([6, 2, 4], rng);
  const garbage: Sequences = { ...s, data: s.data.slice() };
  for (let i = 0; i < s.count; i++) for (let t = s.lengths![i]; t < s.steps; t++) garbage.data.fill(i === 1 ? 1e30 : NaN, (i * s.steps + t) * 2, (i * s.steps + t + 1) * 2);
  const covariates = matrix([[1], [2], [3]], undefined, undefined, 'float64');
  const lp = m.logProb(s, { context: covariates });
  assert.deepEqual(m.logProb(garbage, { context: covariates }), lp);
  const alone = sequences([Array.from({ length: 2 }, (_, t) => [s.data[(s.steps + t) * 2], s.data[(s.steps + t) * 2 + 1]])], { dtype: 'float64' });
  assert.ok(Math.abs(m.logProb(alone, { context: matrix([[2]]) })[0] - lp[1]) < 1e-12);
  const pass = m.logProbTrain(garbage, { context: covariates });
  assert.ok(maxAbsDiff(pass.logProb, lp) < 1e-12);
  assert.ok(pass.backward(Float64Array.from([1, 1, 1])).dInput.data.every(Number.isFinite));
});

test('TemporalMaf: sample and forecast draw seeded paths of the requested shape, continuing each history', () => {
  const m = model('gru', 7);
  const paths = m.sample(4, { steps: 6, context: matrix([[0.5]]), rng: new Rng(8) });
  assert.deepEqual([paths.count, paths.steps, paths.features, paths.lengths], [4, 6, 2, null]);
  assert.deepEqual(m.sample(4, { steps: 6, context: matrix([[0.5]]), rng: new Rng(8) }).data, paths.data);
  assert.ok(paths.data.every(Number.isFinite));
  const histories = sequences([[[0, 0], [1, 1], [2, 2]], [[5, -5]]], { dtype: 'float64' });
  const forecast = m.forecast(histories, { steps: 3, samplesPerPrefix: 5, context: matrix([[0], [1]]), rng: new Rng(9) });
  assert.deepEqual([forecast.count, forecast.steps, forecast.features], [10, 3, 2]);
  // A different history changes the paths drawn with the same seed.
  const other = m.forecast(sequences([[[0, 0], [1, 1], [-2, 2]], [[5, -5]]], { dtype: 'float64' }),
    { steps: 3, samplesPerPrefix: 5, context: matrix([[0], [1]]), rng: new Rng(9) });
  assert.notDeepEqual(other.data.subarray(0, 30), forecast.data.subarray(0, 30));
  assert.deepEqual(other.data.subarray(30), forecast.data.subarray(30));
});

test('TemporalMaf: config() rebuilds the same model; bad shapes and values are refused with clear messages', () => {
  const m = model('lstm', 10);
  const copy = TemporalMaf.fromConfig(JSON.parse(JSON.stringify(m.config())), new Rng(11));
  const saved = new Map(m.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(saved.get(name)!.value);
  const s = randomSequences([3, 3], new Rng(12));
  const covariates = matrix([[1], [2]], undefined, undefined, 'float64');
  assert.deepEqual(copy.logProb(s, { context: covariates }), m.logProb(s, { context: covariates }));
  assert.throws(() => m.logProb(sequences([[[1, 2, 3]]]), { context: covariates }), /TemporalMaf\.logProb: expected sequences \[n, T, 2\], got \[1, 1, 3\]/);
  assert.throws(() => m.logProb(s), /TemporalMaf\.logProb: expected context \[2, 1\], got none/);
  const bad = { ...s, data: s.data.slice() };
  bad.data[(1 * 3 + 2) * 2 + 1] = NaN;
  assert.throws(() => m.logProb(bad, { context: covariates }), /sequences sequence 1, step 2, feature 1 \(0-based\): expected a finite number, got NaN/);
  assert.throws(() => m.sample(2, { steps: 0, context: covariates }), /steps must be a positive integer, got 0/);
  assert.throws(() => sequences([[[1, 2]], [[1]]]), /sequence 1, step 0 has 1 values, expected 2/);
  assert.throws(() => new TemporalMaf({ encoder: new Lstm({ inputFeatures: 2, units: 3 }), flow: createMaf({ features: 2, contextFeatures: 3, batchNorm: true }) }),
    /TemporalMaf: a step flow with batch normalization is not supported/);
  assert.throws(() => new TemporalMaf({ encoder: new Lstm({ inputFeatures: 2, units: 3 }), flow: createMaf({ features: 2, contextFeatures: 4 }) }),
    /TemporalMaf: the flow takes context of width 4, expected 3 \(3 encoder units \+ 0 static covariates\)/);
});

const native = loadNativeBackend();
test('TemporalMaf: the native backend agrees with the reference backend (float32 log-likelihoods, gradients, forecasts)',
  { skip: native.ok ? false : `native addon not built (${native.ok ? '' : native.reason})` }, () => {
    if (!native.ok) return;
    const m = createTemporalMaf({ features: 3, layers: 2, hiddenUnits: [16, 16], encoder: 'lstm', encoderUnits: 8, rng: new Rng(13) });
    for (const [, p] of m.namedParameters()) for (let k = 0; k < p.size; k++) p.value[k] += 0.05 * Math.sin(k);
    const rng = new Rng(14);
    const s = sequences(Array.from({ length: 30 }, (_, i) => Array.from({ length: 3 + (i % 7) }, () => [rng.normal(), rng.normal(), rng.normal()])));
    const run = () => {
      zeroGrad(m);
      const pass = m.logProbTrain(s);
      pass.backward(new Float64Array(s.count).fill(1));
      return { lp: m.logProb(s), grads: m.namedParameters().map(([, p]) => Array.from(p.grad)) };
    };
    const reference = run();
    const fast = withBackend(native.kernels, run);
    assert.ok(maxAbsDiff(fast.lp, reference.lp) < 1e-3, `log-likelihoods differ by ${maxAbsDiff(fast.lp, reference.lp)}`);
    fast.grads.forEach((g, i) => {
      const scale = Math.max(1, ...reference.grads[i].map(Math.abs));
      assert.ok(maxAbsDiff(g, reference.grads[i]) < 1e-3 * scale, `gradient ${m.namedParameters()[i][0]}`);
    });
  });
