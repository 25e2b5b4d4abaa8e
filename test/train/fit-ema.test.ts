/**
 * `fit`'s moving average of the weights (`emaDecay`): it follows the training trajectory without changing it, it is
 * what validation scores and early stopping keeps, and a checkpoint carries it so that a resumed run is bit-identical;
 * the native and wasm backends' multi-tensor passes (clipping, the average, Adam) end where the reference loops do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { banana } from '../helpers/banana.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fileCheckpointer } from '../../src/io/checkpoint-file.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import type { Kernels } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { fit, type FitOptions } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import type { TrainingState } from '../../src/train/training-state.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const native = loadNativeBackend();
const nativeSkip = native.ok ? false : `native addon not built (${native.reason})`;
const makeFlow = () => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], batchNorm: true, rng: new Rng(31) });
const valuesOf = (flow: ReturnType<typeof makeFlow>) => flow.namedParameters().map(([n, p]) => [n, Array.from(p.value)]);
const options = (extra: Partial<FitOptions>): FitOptions => ({ batchSize: 40, learningRate: 3e-3, patience: 100, rng: new Rng(32), ...extra });

test('fit: with emaDecay and no validation set, the run ends on the bias-corrected moving average of its trajectory', () => {
  const data = banana(200, new Rng(30));
  const decay = 0.9;
  // The plain run's trajectory, averaged by hand after every step (sums in the parameters' own dtype, as fit keeps them).
  const plain = makeFlow();
  const live = plain.namedParameters();
  const sums = live.map(([, p]) => new Float32Array(p.value.length));
  let weight = 0;
  fit(plain, data, options({
    epochs: 3, validationFraction: 0,
    onStep: () => {
      live.forEach(([, p], i) => {
        for (let j = 0; j < p.value.length; j++) sums[i][j] = decay * sums[i][j] + (1 - decay) * p.value[j];
      });
      weight = decay * weight + (1 - decay);
    },
  }));
  const averaged = makeFlow();
  const result = fit(averaged, data, options({ epochs: 3, validationFraction: 0, emaDecay: decay }));
  assert.equal(result.steps, 15);
  assert.ok(Math.abs(weight - (1 - decay ** 15)) < 1e-12);
  assert.deepEqual(valuesOf(averaged), live.map(([n], i) => [n, Array.from(sums[i], (v) => Math.fround(v / weight))]));
  assert.notDeepEqual(valuesOf(averaged), valuesOf(plain), 'the average is not the last step');
});

test('fit: the average leaves out the initial parameters, so a one-step run ends on its one step', () => {
  const data = banana(40, new Rng(37));
  const plain = makeFlow();
  fit(plain, data, options({ epochs: 1, validationFraction: 0 }));
  const averaged = makeFlow();
  fit(averaged, data, options({ epochs: 1, validationFraction: 0, emaDecay: 0.99 }));
  const a = valuesOf(averaged);
  valuesOf(plain).forEach(([name, values], i) => {
    (values as number[]).forEach((v, j) => assert.ok(Math.abs((a[i][1] as number[])[j] - v) <= 1e-6 * (1 + Math.abs(v)), `${name}[${j}]`));
  });
});

test('fit: with emaDecay, validation scores the average and early stopping restores the best average', () => {
  const data = banana(300, new Rng(33));
  const validation = banana(100, new Rng(34));
  const flow = makeFlow();
  const result = fit(flow, data, options({ epochs: 6, validationData: validation, emaDecay: 0.8 }));
  assert.equal(result.failed, false);
  const best = result.history.find((h) => h.epoch === result.bestEpoch)!;
  assert.equal(best.validationLogLik, result.bestValidationLogLik);
  // The restored parameters (with their batch-norm statistics) score exactly what the history recorded.
  assert.ok(Math.abs(meanLogProb(flow, validation) - result.bestValidationLogLik) < 1e-9);
  const plain = makeFlow();
  const plainResult = fit(plain, data, options({ epochs: 6, validationData: validation }));
  assert.deepEqual(plainResult.history.map((h) => h.trainLoss), result.history.map((h) => h.trainLoss),
    'the average does not change the training trajectory');
  assert.notDeepEqual(plainResult.history.map((h) => h.validationLogLik), result.history.map((h) => h.validationLogLik));
});

test('fit: a checkpoint file carries the moving average, so resuming with emaDecay is bit-identical', () => {
  const data = banana(300, new Rng(35));
  const dir = mkdtempSync(path.join(tmpdir(), 'maflow-ema-'));
  try {
    const a = makeFlow();
    const resultA = fit(a, data, options({ epochs: 5, emaDecay: 0.9 }));
    const states: TrainingState[] = [];
    fit(makeFlow(), data, options({ epochs: 3, emaDecay: 0.9, checkpoint: { every: 3, save: (s) => states.push(s) } }));
    assert.ok(states[0].average !== undefined, 'the state holds the average');
    const file = fileCheckpointer(path.join(dir, 'ckpt.safetensors'));
    file.save(states[0]);
    const loaded = file.load();
    assert.deepEqual(loaded.average, states[0].average);
    const c = makeFlow();
    const resultC = fit(c, data, options({ epochs: 5, emaDecay: 0.9, resume: loaded }));
    assert.deepEqual(valuesOf(c), valuesOf(a));
    assert.deepEqual(resultC.history, resultA.history);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fit: emaDecay must be in [0, 1)', () => {
  const data = banana(50, new Rng(36));
  for (const bad of [1, -0.1, NaN]) {
    assert.throws(() => fit(makeFlow(), data, options({ epochs: 1, emaDecay: bad })), /fit: emaDecay must be in \[0, 1\), got/);
  }
});

test('fit: with clipping and emaDecay, the native and wasm backends end on the reference backend\'s parameters (to float32 rounding)', { skip: nativeSkip }, () => {
  const data = banana(400, new Rng(38));
  const run = (backend: Kernels) => withBackend(backend, () => {
    // About 75k live weights: native's multi-tensor passes split them over its threads. No batch norm: it
    // centres the next MADE's input exactly, so some gradients are pure rounding noise, which Adam turns into steps.
    const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [192, 192], rng: new Rng(39) });
    const norms: number[] = [];
    const result = fit(flow, data, options({ epochs: 3, learningRate: 1e-3, emaDecay: 0.9, clipGradNorm: 1, onStep: (e) => norms.push(e.gradNorm) }));
    return { values: valuesOf(flow), norms, result };
  });
  const ref = run(referenceKernels);
  assert.ok(ref.norms.filter((n) => n > 1).length >= 10, `clipping was active: ${ref.norms.map((n) => n.toFixed(2))}`);
  for (const [label, backend] of [['native', native.ok ? native.kernels : referenceKernels], ['wasm', loadWasmBackendSync()]] as const) {
    const got = run(backend);
    assert.equal(got.result.bestEpoch, ref.result.bestEpoch, label);
    ref.norms.forEach((n, i) => assert.ok(Math.abs(got.norms[i] - n) <= 1e-5 * n, `${label} step ${i + 1}: gradient norm ${got.norms[i]} vs ${n}`));
    ref.values.forEach(([name, values], i) => {
      const actual = got.values[i][1] as number[];
      // Relative to the tensor's largest entry: 27 steps of float32 rounding, which Adam's normalised steps amplify.
      const scale = Math.max(...(values as number[]).map(Math.abs));
      (values as number[]).forEach((v, j) => assert.ok(Math.abs(actual[j] - v) <= 2e-6 * scale, `${label} ${name}[${j}]: ${actual[j]}, reference ${v}`));
    });
  }
});
