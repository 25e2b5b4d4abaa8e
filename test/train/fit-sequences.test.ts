/**
 * Training sequence models with fit's machinery: a learning test on a nonlinear autoregressive process whose
 * transition density is known in closed form, the split by sequence, early stopping and the data checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { matrix } from '../../src/core/matrix.ts';
import { sequences, type Sequences } from '../../src/core/sequences.ts';
import type { TrainingState } from '../../src/train/training-state.ts';
import { createTemporalMaf } from '../../src/flows/create-temporal-maf.ts';
import { fitSequences } from '../../src/train/fit-sequences.ts';

/**
 * x_1 ~ N(0, 1); x_t | x_{t−1} ~ N(μ(x_{t−1}), σ(x_{t−1})²) with μ(x) = 0.9 sin(1.5 x) and σ(x) = 0.35 + 0.2 tanh(x):
 * a nonlinear AR(1) with state-dependent noise. Returns the sequences and their exact mean log-density per step.
 */
function nonlinearAr(count: number, steps: number, rng: Rng): { data: Sequences; exactPerStep: number } {
  const values: number[][][] = [];
  let logDensity = 0;
  for (let i = 0; i < count; i++) {
    const path: number[][] = [];
    let x = rng.normal();
    logDensity += -0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
    path.push([x]);
    for (let t = 1; t < steps; t++) {
      const mu = 0.9 * Math.sin(1.5 * x);
      const sigma = 0.35 + 0.2 * Math.tanh(x);
      const e = rng.normal();
      x = mu + sigma * e;
      logDensity += -0.5 * e * e - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
      path.push([x]);
    }
    values.push(path);
  }
  return { data: sequences(values), exactPerStep: logDensity / (count * steps) };
}

test('fitSequences: a temporal MAF learns a nonlinear AR process to within 0.05 nats per step of its exact log-likelihood', () => {
  const steps = 20;
  const train = nonlinearAr(600, steps, new Rng(1)).data;
  const { data: testData, exactPerStep } = nonlinearAr(400, steps, new Rng(2));
  const model = createTemporalMaf({ features: 1, layers: 2, hiddenUnits: [16], encoder: 'lstm', encoderUnits: 16, rng: new Rng(3) });
  const started = performance.now();
  const result = fitSequences(model, train, { epochs: 60, batchSize: 32, learningRate: 5e-3, patience: 6, rng: new Rng(4) });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.failed, false, result.message);
  const lp = model.logProb(testData);
  const perStep = lp.reduce((a, v) => a + v, 0) / (testData.count * steps);
  assert.ok(Math.abs(perStep - exactPerStep) < 0.05, `model ${perStep.toFixed(4)} vs exact ${exactPerStep.toFixed(4)} nats per step (${result.history.length} epochs, ${seconds.toFixed(1)} s)`);
});

test('fitSequences: ragged sequences with covariates, a validation set of other lengths, checkpoints and resume; bad values named', () => {
  const rng = new Rng(5);
  const make = (count: number, maxSteps: number) => sequences(Array.from({ length: count }, (_, i) => {
    let x = 0;
    return Array.from({ length: 2 + (i % (maxSteps - 1)) }, () => [x = 0.7 * x + 0.5 * rng.normal() + (i % 2), rng.normal()]);
  }));
  const data = make(60, 6);
  const validation = make(20, 9);
  const covariates = (n: number) => matrix(Array.from({ length: n }, (_, i) => [i % 2]));
  const build = () => createTemporalMaf({ features: 2, layers: 1, hiddenUnits: [8], encoder: 'gru', encoderUnits: 4, contextFeatures: 1, rng: new Rng(6) });
  const saved: TrainingState[] = [];
  const options = {
    context: covariates(60), validationData: validation, validationContext: covariates(20), epochs: 4, batchSize: 16,
    learningRate: 1e-2, rng: new Rng(7),
  };
  const model = build();
  const initial = model.logProb(validation, { context: covariates(20) }).reduce((a, v) => a + v, 0) / 20;
  const result = fitSequences(model, data, { ...options, checkpoint: { every: 2, save: (state) => saved.push(state) } });
  assert.equal(result.failed, false, result.message);
  assert.equal(result.history.length, 4);
  assert.ok(Math.abs(result.initialValidationLogLik - initial) < 1e-4, 'the validation score is the mean log-likelihood per sequence');
  const final = model.logProb(validation, { context: covariates(20) }).reduce((a, v) => a + v, 0) / 20;
  assert.ok(Math.abs(final - result.bestValidationLogLik) < 1e-4 && final > initial);
  // Resuming from the epoch-2 checkpoint reproduces the run.
  const resumed = build();
  const again = fitSequences(resumed, data, { ...options, rng: new Rng(7), resume: saved[0] });
  assert.ok(Math.abs(again.bestValidationLogLik - result.bestValidationLogLik) < 1e-9);
  // Without a validation set, 10% of the sequences are held out (whole sequences: the score is per sequence).
  const split = fitSequences(build(), data, { context: covariates(60), epochs: 1, batchSize: 16, validationFraction: 0.1, rng: new Rng(8) });
  assert.ok(Number.isFinite(split.initialValidationLogLik) && split.initialValidationLogLik < -2, `${split.initialValidationLogLik}`);
  const bad = { ...data, data: data.data.slice() };
  bad.data[(3 * data.steps + 1) * 2] = Infinity;
  assert.throws(() => fitSequences(build(), bad, { context: covariates(60) }), /fitSequences: data sequence 3, step 1, feature 0 \(0-based\): expected a finite number, got Infinity/);
  assert.throws(() => fitSequences(build(), data), /fitSequences: expected context \[60, 1\], got none/);
});

test('fitSequences: the divergence guard reports a run that explodes and restores the initial parameters; progress events per step', () => {
  const rng = new Rng(9);
  const data = sequences(Array.from({ length: 40 }, () => Array.from({ length: 5 }, () => [3 * rng.normal()])));
  const model = createTemporalMaf({ features: 1, layers: 1, hiddenUnits: [8], encoderUnits: 4, rng: new Rng(10) });
  const before = model.logProb(data);
  let steps = 0;
  const result = fitSequences(model, data, { epochs: 5, batchSize: 8, learningRate: 50, rng: new Rng(11), onStep: () => { steps++; } });
  assert.equal(result.failed, true);
  assert.ok(['exploded', 'divergence', 'no-improvement'].includes(result.stoppedBy), result.stoppedBy);
  assert.match(result.message ?? '', /^fit: /);
  assert.ok(steps >= 1);
  assert.deepEqual(model.logProb(data), before, 'the initial parameters are restored');
});
