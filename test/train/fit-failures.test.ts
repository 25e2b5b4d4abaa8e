/**
 * A failed `fit` never looks like a success: a run that explodes or never beats its initial parameters says so in
 * `stoppedBy`, `failed` and `message`, restores finite parameters, and a non-finite input value is named by row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fit } from '../../src/train/fit.ts';
import { meanLogProb } from '../../src/train/mean-log-prob.ts';
import type { TrainingState } from '../../src/train/training-state.ts';

/** n rows of a correlated 2-D Gaussian. */
function gaussian(n: number, rng: Rng): Matrix {
  const m = zeros(n, 2, 'float64');
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    m.data[2 * i] = a;
    m.data[2 * i + 1] = 0.8 * a + 0.6 * rng.normal();
  }
  return m;
}

const smallMaf = (contextFeatures = 0) => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], contextFeatures, rng: new Rng(2) });
const values = (flow: ReturnType<typeof smallMaf>) => flow.namedParameters().map(([, p]) => Array.from(p.value));

test('fit: a successful run reports the initial validation score it beat and failed: false', () => {
  const data = gaussian(600, new Rng(1));
  const result = fit(smallMaf(), data, { epochs: 3, batchSize: 50, learningRate: 1e-2, rng: new Rng(3) });
  assert.equal(result.stoppedBy, 'epochs');
  assert.equal(result.failed, false);
  assert.equal(result.message, undefined);
  assert.ok(Number.isFinite(result.initialValidationLogLik));
  assert.ok(result.bestValidationLogLik > result.initialValidationLogLik, JSON.stringify(result));
  assert.ok(result.bestEpoch >= 1);
});

test("fit: learning rate 10 explodes the validation score: stoppedBy 'exploded', the initial parameters kept", () => {
  const data = gaussian(600, new Rng(1));
  const flow = smallMaf();
  const initial = values(flow);
  const result = fit(flow, data, { epochs: 5, batchSize: 50, learningRate: 10, rng: new Rng(3) });
  assert.equal(result.stoppedBy, 'exploded');
  assert.equal(result.failed, true);
  assert.match(result.message ?? '', /^fit: the validation log-likelihood (fell [\d.e+]+ nats below the initial parameters' at epoch 1|became -?(NaN|Infinity) at epoch 1)/);
  assert.deepEqual(result.history, [], 'the exploded epoch is not recorded');
  assert.equal(result.bestEpoch, 0);
  assert.equal(result.bestValidationLogLik, result.initialValidationLogLik);
  assert.deepEqual(values(flow), initial);
  assert.ok(meanLogProb(flow, data) > -4);
});

test("fit: an explosion after an epoch that beat the initial parameters ends the run like early stopping, not as a failure", () => {
  const data = gaussian(600, new Rng(1));
  const flow = smallMaf();
  // Two good epochs (10 steps each) at 1e-2, then a learning rate of 10 that explodes the third.
  const result = fit(flow, data, { epochs: 8, batchSize: 50, learningRate: 1e-2, rng: new Rng(3), schedule: (step) => (step < 20 ? 1 : 1000) });
  assert.equal(result.stoppedBy, 'exploded');
  assert.equal(result.failed, false);
  assert.match(result.message ?? '', /^fit: the validation log-likelihood (fell [\d.e+]+ nats below the initial parameters'|became -?(NaN|Infinity)) at epoch 3/);
  assert.deepEqual(result.history.map((h) => h.epoch), [1, 2]);
  assert.ok(result.bestEpoch >= 1 && result.bestValidationLogLik > result.initialValidationLogLik, JSON.stringify(result));
  const validation = result.history.find((h) => h.epoch === result.bestEpoch)!.validationLogLik;
  assert.equal(validation, result.bestValidationLogLik, 'the best epoch is restored');
});

test("fit: a run whose epochs never beat the initial parameters ends with 'no-improvement' and restores them", () => {
  const data = gaussian(600, new Rng(1));
  const flow = smallMaf();
  const initial = values(flow);
  const result = fit(flow, data, { epochs: 5, batchSize: 50, learningRate: 1, rng: new Rng(3), patience: 30 });
  assert.equal(result.stoppedBy, 'no-improvement');
  assert.equal(result.failed, true);
  assert.equal(result.history.length, 5);
  assert.ok(result.history.every((h) => h.validationLogLik < result.initialValidationLogLik));
  assert.match(result.message ?? '', /^fit: no epoch improved on the validation log-likelihood of the initial parameters \(the best, epoch \d, fell [\d.]+ nats short\)/);
  assert.equal(result.bestEpoch, 0);
  assert.deepEqual(values(flow), initial);
  assert.ok(Math.abs(meanLogProb(flow, data) - meanLogProb(smallMaf(), data)) < 1e-12);
});

test('fit: on data the initial flow already fits, a best epoch a little short of it is noise, not a failure', () => {
  // Independent standard normal data: the untrained flow (about N(0, I)) is already the right model.
  const rng = new Rng(2);
  const data = zeros(300, 2, 'float64');
  for (let i = 0; i < data.data.length; i++) data.data[i] = rng.normal();
  const run = (noImprovementTolerance?: number) => fit(smallMaf(), data, {
    epochs: 3, learningRate: 1e-2, batchSize: 30, rng: new Rng(102), ...(noImprovementTolerance === undefined ? {} : { noImprovementTolerance }),
  });
  const tolerant = run();
  const shortfall = tolerant.initialValidationLogLik - Math.max(...tolerant.history.map((h) => h.validationLogLik));
  assert.ok(shortfall > 0 && shortfall < 0.1, `every epoch a little worse than the initial flow (${shortfall} nats)`);
  assert.equal(tolerant.stoppedBy, 'epochs');
  assert.equal(tolerant.failed, false);
  assert.equal(tolerant.bestEpoch, 0, 'the initial parameters, the best validated, are restored');
  const strict = run(0);
  assert.equal(strict.stoppedBy, 'no-improvement');
  assert.equal(strict.failed, true);
  assert.throws(() => run(-1), /fit: noImprovementTolerance must be >= 0, got -1/);
});

test("fit: patience counts from the initial parameters, so a hopeless run stops after 'patience' epochs", () => {
  const data = gaussian(600, new Rng(1));
  const result = fit(smallMaf(), data, { epochs: 50, batchSize: 50, learningRate: 1, rng: new Rng(3), patience: 2 });
  assert.equal(result.stoppedBy, 'no-improvement');
  assert.equal(result.history.length, 2);
});

test('fit: a NaN in the training data is named by row and column, without retrying', () => {
  const data = gaussian(300, new Rng(10));
  data.data[2 * 77 + 1] = NaN;
  const flow = smallMaf();
  const initial = values(flow);
  const result = fit(flow, data, { epochs: 3, batchSize: 30, learningRate: 1e-3, validationFraction: 0, rng: new Rng(11),
    onDivergence: 'halve-learning-rate' });
  assert.equal(result.stoppedBy, 'divergence');
  assert.equal(result.failed, true);
  assert.deepEqual(result.nonFiniteInput, { input: 'data', row: 77, column: 1, value: NaN });
  assert.match(result.message ?? '', /^fit: data row 77, column 1 \(0-based\) is NaN, expected finite values \(the training loss became NaN at epoch 1, step \d+\)$/);
  assert.ok(result.steps < 10, `stopped in the first epoch, no retries (${result.steps} steps)`);
  assert.deepEqual(values(flow), initial);
});

test('fit: an infinite value in the validation data stops before the first step, naming the row', () => {
  const data = gaussian(300, new Rng(10));
  const validation = gaussian(50, new Rng(12));
  validation.data[2 * 4] = -Infinity;
  const result = fit(smallMaf(), data, { epochs: 3, batchSize: 30, validationData: validation, rng: new Rng(11) });
  assert.equal(result.stoppedBy, 'divergence');
  assert.equal(result.steps, 0);
  assert.deepEqual(result.nonFiniteInput, { input: 'validationData', row: 4, column: 0, value: -Infinity });
  assert.match(result.message ?? '', /validationData row 4, column 0 \(0-based\) is -Infinity.*validation log-likelihood of the initial parameters is (NaN|-Infinity)/);
});

test('fit: a NaN in the context of a conditional flow is named', () => {
  const data = gaussian(200, new Rng(10));
  const context = zeros(200, 1, 'float64');
  context.data[150] = NaN;
  const result = fit(smallMaf(1), data, { context, epochs: 2, batchSize: 20, validationFraction: 0, rng: new Rng(11) });
  assert.equal(result.stoppedBy, 'divergence');
  assert.deepEqual(result.nonFiniteInput, { input: 'context', row: 150, column: 0, value: NaN });
});

test('fit: a run resumed from a checkpoint still compares against the initial score of the original run', () => {
  const data = gaussian(600, new Rng(1));
  const states: TrainingState[] = [];
  const first = fit(smallMaf(), data, { epochs: 2, batchSize: 50, learningRate: 1, rng: new Rng(3), checkpoint: { every: 2, save: (s) => states.push(s) } });
  assert.equal(first.stoppedBy, 'no-improvement');
  assert.equal(states[0].initialValidationLogLik, first.initialValidationLogLik);
  const resumed = fit(smallMaf(), data, { epochs: 4, batchSize: 50, learningRate: 1, rng: new Rng(3), resume: states[0] });
  assert.equal(resumed.stoppedBy, 'no-improvement');
  assert.equal(resumed.initialValidationLogLik, first.initialValidationLogLik);
  assert.equal(resumed.bestEpoch, 0);
});

test('fit: an abort before the first epoch ends keeps the partly trained parameters (nothing was scored yet)', () => {
  const data = gaussian(300, new Rng(8));
  const flow = smallMaf();
  const initial = values(flow);
  const controller = new AbortController();
  const result = fit(flow, data, {
    epochs: 10, batchSize: 30, learningRate: 1e-2, rng: new Rng(9), signal: controller.signal,
    onStep: (e) => { if (e.step === 3) controller.abort(); },
  });
  assert.equal(result.stoppedBy, 'abort');
  assert.equal(result.failed, false);
  assert.equal(result.steps, 3);
  assert.ok(Number.isNaN(result.bestValidationLogLik));
  assert.notDeepEqual(values(flow), initial);
});

test('fit: explosionMargin must be positive', () => {
  assert.throws(() => fit(smallMaf(), gaussian(50, new Rng(1)), { explosionMargin: 0 }), /fit: explosionMargin must be > 0, got 0/);
  assert.throws(() => fit(smallMaf(), gaussian(50, new Rng(1)), { explosionMargin: Number.NaN }), /fit: explosionMargin must be > 0, got NaN/);
});
