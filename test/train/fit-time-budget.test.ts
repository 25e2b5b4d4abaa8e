/**
 * fit's time budget (`maxSeconds`, checked after every step) and the `remaining` estimate its events carry. The
 * steps are slowed down by a busy wait in `onStep`, so that the budget ends a run after a known-ish number of steps
 * on any machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import type { EpochEvent, StepEvent } from '../../src/train/progress-event.ts';

const smallMaf = () => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], rng: new Rng(2) });
const moons = (n: number, seed: number) => twoMoons(n, { rng: new Rng(seed), dtype: 'float64' }).data;

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* a slow step */ }
}

test('fit: a spent maxSeconds budget stops the run like early stopping, with the best epoch restored', () => {
  const validation = moons(200, 5);
  const flow = smallMaf();
  const epochs: EpochEvent[] = [];
  const result = fit(flow, moons(250, 4), {
    epochs: 100_000, batchSize: 50, learningRate: 1e-2, patience: 100_000, rng: new Rng(3), validationData: validation,
    maxSeconds: 1, onStep: () => busyWait(5), onEpoch: (e) => epochs.push(e),
  });
  assert.equal(result.stoppedBy, 'time');
  assert.equal(result.failed, false);
  assert.ok(result.seconds >= 1, `stopped after ${result.seconds} s`);
  // Every step takes at least 5 ms: at most 200 fit in the budget, and the step that spends it ends the run.
  assert.ok(result.history.length >= 2 && result.steps <= 201, `${result.history.length} epochs, ${result.steps} steps`);
  const best = result.history.reduce((a, b) => (b.validationLogLik > a.validationLogLik ? b : a));
  assert.equal(result.bestEpoch, best.epoch);
  assert.equal(meanLogProb(flow, validation), result.bestValidationLogLik, 'the best epoch is restored');
  // Every event's latest end is the budget (the epoch limit is far away), and the estimates shrink towards it.
  assert.ok(epochs.every((e) => e.remaining.latestBy === 'time' && e.etaSeconds === e.remaining.latestSeconds));
  // An epoch that ends after the budget (a stalled machine, or the step that spends it closing the epoch) says 0.
  assert.ok(epochs.every((e) => e.remaining.latestSeconds <= Math.max(0, 1 - e.seconds) + 1e-9 && e.remaining.latestSeconds >= 0),
    epochs.map((e) => `${e.seconds.toFixed(3)} s: ${e.remaining.latestSeconds.toFixed(3)} left`).join(', '));
});

test('fit: a budget spent before the first epoch ends keeps the partly trained parameters, as an abort does', () => {
  const steps: StepEvent[] = [];
  const result = fit(smallMaf(), moons(300, 6), {
    epochs: 10, batchSize: 30, rng: new Rng(9), maxSeconds: 0.02, onStep: (e) => { steps.push(e); busyWait(25); },
  });
  assert.equal(result.stoppedBy, 'time');
  assert.equal(result.steps, 1, 'checked after every step');
  assert.deepEqual(result.history, []);
  assert.ok(Number.isNaN(result.bestValidationLogLik));
  assert.equal(steps[0].remaining.latestBy, 'time');
});

test('fit: the events say when early stopping will end the run, and the last epoch event says it is now', () => {
  const epochs: EpochEvent[] = [];
  const result = fit(smallMaf(), moons(300, 7), {
    epochs: 500, batchSize: 30, learningRate: 3e-2, patience: 2, rng: new Rng(1), onEpoch: (e) => epochs.push(e),
  });
  assert.equal(result.stoppedBy, 'patience');
  const last = epochs[epochs.length - 1];
  assert.deepEqual([last.remaining.soonestBy, last.remaining.soonestSeconds, last.remaining.latestBy], ['patience', 0, 'epochs']);
  for (const e of epochs) {
    assert.equal(e.remaining.soonestBy, 'patience');
    // 270 training rows: 9 steps an epoch; the soonest end is (patience − epochs since best) epochs away.
    const perStep = e.remaining.latestSeconds / ((500 - e.epoch) * 9);
    assert.ok(Math.abs(e.remaining.soonestSeconds - (2 - e.patienceCounter) * 9 * perStep) < 1e-9, JSON.stringify(e.remaining));
  }
});

test('fit: maxSeconds must be positive', () => {
  assert.throws(() => fit(smallMaf(), moons(50, 1), { maxSeconds: 0 }), /fit: maxSeconds must be > 0, got 0/);
  assert.throws(() => fit(smallMaf(), moons(50, 1), { maxSeconds: Number.NaN }), /fit: maxSeconds must be > 0, got NaN/);
});
