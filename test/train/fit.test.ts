import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import type { EpochEvent, StepEvent } from '../../src/train/progress-event.ts';

/** n rows of a correlated 2-D Gaussian scaled by `scale` and moved by `shift` in both coordinates. */
function gaussian(n: number, rng: Rng, scale = 1, shift = 0): Matrix {
  const m = zeros(n, 2, 'float64');
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    m.data[2 * i] = scale * a + shift;
    m.data[2 * i + 1] = scale * (0.8 * a + 0.6 * rng.normal()) + shift;
  }
  return m;
}

const smallMaf = (seed = 2) => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], rng: new Rng(seed) });
const values = (flow: ReturnType<typeof smallMaf>) => flow.namedParameters().map(([, p]) => Array.from(p.value));

test('fit: improves the validation log-likelihood and reports progress events with every field', () => {
  const data = gaussian(600, new Rng(1));
  const flow = smallMaf();
  const before = meanLogProb(flow, data);
  const steps: StepEvent[] = [];
  const epochs: EpochEvent[] = [];
  const result = fit(flow, data, { epochs: 4, batchSize: 50, learningRate: 1e-2, rng: new Rng(3), onStep: (e) => steps.push(e), onEpoch: (e) => epochs.push(e) });
  assert.equal(result.stoppedBy, 'epochs');
  // 540 training rows (10% held out), 10 full batches of 50 per epoch.
  assert.equal(result.steps, 40);
  assert.equal(steps.length, 40);
  assert.deepEqual(steps.map((e) => e.step), Array.from({ length: 40 }, (_, i) => i + 1));
  assert.deepEqual(steps.map((e) => e.epoch).filter((e, i, a) => a.indexOf(e) === i), [1, 2, 3, 4]);
  for (const e of steps) {
    assert.ok(Number.isFinite(e.loss) && e.gradNorm > 0 && e.learningRate === 1e-2 && e.rowsPerSecond > 0 && e.etaSeconds >= 0, JSON.stringify(e));
  }
  assert.equal(steps[39].etaSeconds, 0);
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3, 4]);
  for (const e of epochs) {
    assert.ok(Number.isFinite(e.trainLoss) && Number.isFinite(e.validationLogLik) && e.seconds >= 0 && e.rowsPerSecond > 0, JSON.stringify(e));
  }
  assert.deepEqual(result.history.map((h) => h.epoch), [1, 2, 3, 4]);
  assert.equal(result.bestValidationLogLik, Math.max(...result.history.map((h) => h.validationLogLik)));
  assert.ok(meanLogProb(flow, data) > before + 0.2, `log-likelihood ${before} → ${meanLogProb(flow, data)}`);
  assert.equal(flow.isTraining, false);
});

test('fit: early stopping with patience 1 restores the parameters of the best epoch', () => {
  // Training data narrower than the validation data: the validation log-likelihood is best early and then falls.
  // Both sit away from the origin, so that the first epochs improve on the initial flow (about N(0, I)).
  const train = gaussian(400, new Rng(5), 0.3, 2);
  const validation = gaussian(200, new Rng(6), 1, 2);
  const flow = smallMaf();
  const snapshots: number[][][] = [];
  const result = fit(flow, train, {
    validationData: validation, epochs: 50, patience: 1, batchSize: 40, learningRate: 1e-2, rng: new Rng(7),
    onEpoch: () => snapshots.push(values(flow)),
  });
  assert.equal(result.stoppedBy, 'patience');
  assert.equal(result.history.length, result.bestEpoch + 1);
  assert.ok(result.history.length < 50);
  assert.deepEqual(values(flow), snapshots[result.bestEpoch - 1]);
  assert.notDeepEqual(values(flow), snapshots[snapshots.length - 1]);
  assert.ok(Math.abs(meanLogProb(flow, validation) - result.bestValidationLogLik) < 1e-9);
});

test('fit: an abort signal stops after the current step and restores the best epoch', () => {
  const data = gaussian(300, new Rng(8));
  const flow = smallMaf();
  const controller = new AbortController();
  let snapshot: number[][] = [];
  const result = fit(flow, data, {
    epochs: 100, batchSize: 30, learningRate: 1e-2, rng: new Rng(9), signal: controller.signal,
    onEpoch: (e) => { if (e.epoch === 1) snapshot = values(flow); },
    onStep: (e) => { if (e.step === 13) controller.abort(); },
  });
  assert.equal(result.stoppedBy, 'abort');
  assert.equal(result.steps, 13);
  assert.equal(result.history.length, 1);
  assert.deepEqual(values(flow), snapshot);
});

test('fit: the divergence guard stops on a non-finite loss and restores finite parameters', () => {
  const data = gaussian(300, new Rng(10));
  const flow = smallMaf();
  const initial = values(flow);
  const result = fit(flow, data, { epochs: 5, learningRate: 1e6, batchSize: 30, rng: new Rng(11) });
  assert.equal(result.stoppedBy, 'divergence');
  assert.match(result.message ?? '', /fit: the (training loss|gradient norm) became (NaN|-?Infinity) at epoch 1, step \d+/);
  assert.deepEqual(values(flow), initial, 'the last good state is the start of the epoch');
  assert.ok(meanLogProb(flow, data) > -10);
});

test("fit: onDivergence 'halve-learning-rate' retries with half the rate", () => {
  const data = gaussian(300, new Rng(10));
  const flow = smallMaf();
  const rates = new Set<number>();
  const result = fit(flow, data, {
    epochs: 3, learningRate: 1e6, batchSize: 30, rng: new Rng(11), onDivergence: 'halve-learning-rate', maxDivergenceRetries: 2,
    onStep: (e) => rates.add(e.learningRate),
  });
  assert.deepEqual([...rates].sort((a, b) => b - a), [1e6, 5e5, 2.5e5]);
  assert.equal(result.stoppedBy, 'divergence');
});

test('fit: the same seed gives the same split, shuffles and parameters', () => {
  const data = gaussian(200, new Rng(12));
  const run = (seed: number) => {
    const flow = smallMaf();
    const r = fit(flow, data, { epochs: 2, batchSize: 20, learningRate: 1e-3, rng: new Rng(seed) });
    return { values: values(flow), history: r.history };
  };
  const a = run(13);
  assert.deepEqual(run(13), a);
  assert.notDeepEqual(run(14).values, a.values);
});

test('fit: without validation data it trains every epoch and keeps the last parameters', () => {
  const data = gaussian(100, new Rng(15));
  const flow = smallMaf();
  const result = fit(flow, data, { epochs: 3, batchSize: 25, validationFraction: 0, learningRate: 1e-3, rng: new Rng(1) });
  assert.equal(result.stoppedBy, 'epochs');
  assert.equal(result.steps, 12);
  assert.equal(result.bestEpoch, 3);
  assert.ok(Number.isNaN(result.bestValidationLogLik) && result.history.every((h) => Number.isNaN(h.validationLogLik)));
});

test('fit: SGD, cosine schedule and clipping are applied', () => {
  const data = gaussian(200, new Rng(16));
  const flow = smallMaf();
  const events: StepEvent[] = [];
  fit(flow, data, {
    epochs: 2, batchSize: 45, optimizer: 'sgd', momentum: 0.5, learningRate: 1e-2, schedule: 'cosine', clipGradNorm: 1e-3,
    rng: new Rng(2), onStep: (e) => events.push(e),
  });
  // 180 training rows → 4 steps per epoch, 8 in all; cosine from 1 at step 0 towards 0 at step 8.
  assert.equal(events.length, 8);
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(events[i].learningRate - 1e-2 * 0.5 * (1 + Math.cos(Math.PI * i / 8))) < 1e-15);
  assert.ok(events.every((e) => e.gradNorm > 1e-3), 'pre-clip norms are reported');
});

test('fit: rejects bad shapes and options with clear messages', () => {
  const flow = smallMaf();
  const data = gaussian(50, new Rng(1));
  assert.throws(() => fit(flow, zeros(10, 3)), /fit: expected data \[n, 2\], got \[n, 3\]/);
  assert.throws(() => fit(flow, data, { context: zeros(50, 1) }), /flow takes no context/);
  assert.throws(() => fit(flow, data, { batchSize: 0 }), /fit: batchSize must be a positive integer, got 0/);
  assert.throws(() => fit(flow, data, { validationFraction: 1 }), /validationFraction must be in \[0, 1\)/);
  const conditional = createMaf({ features: 2, layers: 1, hiddenUnits: [4], contextFeatures: 1, rng: new Rng(1) });
  assert.throws(() => fit(conditional, data), /fit: expected context \[50, 1\], got none/);
  assert.throws(() => fit(conditional, data, { context: zeros(49, 1) }), /fit: expected context \[50, 1\], got \[49, 1\]/);
});
