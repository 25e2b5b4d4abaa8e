/**
 * `remainingTime` against scripted validation curves: a simulated run (one second per step) follows fit's rules —
 * the initial score competes as epoch 0, `patience` epochs without improvement stop it, so do the epoch limit and a
 * time budget checked after every step, and a non-finite score ends it as a failure — and after every step and every
 * epoch the estimate is compared with the end the run then actually reaches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remainingTime, type RemainingTime } from '../../src/train/remaining-time.ts';

interface Limits { epochs: number; patience: number; stepsPerEpoch: number; budgetSeconds?: number }
interface Estimate { step: number; epoch: number; remaining: RemainingTime }
interface Simulated { estimates: Estimate[]; endStep: number; stoppedBy: string }

/** `curve[0]` is the initial score, `curve[e]` epoch e's validation log-likelihood. */
function simulate(curve: readonly number[], limits: Limits): Simulated {
  const { epochs, patience, stepsPerEpoch } = limits;
  const budget = limits.budgetSeconds ?? Infinity;
  const estimates: Estimate[] = [];
  let best = curve[0];
  let sinceBest = 0;
  let step = 0;
  const estimate = (epoch: number, stepInEpoch: number): void => {
    estimates.push({ step, epoch, remaining: remainingTime({ epoch, stepInEpoch, stepsPerEpoch, epochs, patience,
      epochsSinceBest: sinceBest, secondsPerStep: 1, budgetSeconds: budget - step }) });
  };
  for (let epoch = 1; ; epoch++) {
    for (let k = 1; k <= stepsPerEpoch; k++) {
      step++;
      estimate(epoch - 1, k);
      if (step >= budget) return { estimates, endStep: step, stoppedBy: 'time' };
    }
    const score = curve[epoch];
    assert.ok(score !== undefined, `the script ran out at epoch ${epoch}`);
    if (!Number.isFinite(score)) return { estimates, endStep: step, stoppedBy: 'exploded' };
    if (score > best) {
      best = score;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    estimate(epoch, 0);
    if (sinceBest >= patience) return { estimates, endStep: step, stoppedBy: 'patience' };
    if (epoch === epochs) return { estimates, endStep: step, stoppedBy: 'epochs' };
    if (step >= budget) return { estimates, endStep: step, stoppedBy: 'time' };
  }
}

/** Every estimate of a run that does not fail brackets the time it actually had left. */
function assertBracketed(run: Simulated): void {
  for (const { step, remaining } of run.estimates) {
    const left = run.endStep - step;
    assert.ok(remaining.soonestSeconds <= left && left < remaining.latestSeconds + 1,
      `at step ${step}: ${left} s left, estimated ${JSON.stringify(remaining)}`);
  }
}

const rising = (n: number): number[] => Array.from({ length: n + 1 }, (_, e) => -3 + e * 0.01);

describe('remainingTime against scripted validation curves', () => {
  it('a curve that stops improving: early stopping ends the run exactly when the soonest estimate says', () => {
    // Improves until epoch 12, then overfits (falls) until patience 5 ends it at epoch 17.
    const curve = [...rising(12), ...Array.from({ length: 30 }, (_, i) => -2.88 - 0.02 * (i + 1))];
    const run = simulate(curve, { epochs: 100, patience: 5, stepsPerEpoch: 4 });
    assert.equal(run.stoppedBy, 'patience');
    assert.equal(run.endStep, 17 * 4);
    assertBracketed(run);
    for (const { step, epoch, remaining } of run.estimates) {
      if (epoch < 12) continue;
      assert.equal(remaining.soonestBy, 'patience', `epoch ${epoch}`);
      assert.equal(remaining.soonestSeconds, run.endStep - step, `after the last improvement the soonest end is the end (step ${step})`);
      assert.equal(remaining.latestBy, 'epochs');
      assert.equal(remaining.latestSeconds, 100 * 4 - step);
    }
    // While it still improved, early stopping was only the soonest possible end.
    const early = run.estimates.find((e) => e.epoch === 5 && e.step === 20)!;
    assert.deepEqual(early.remaining, { soonestSeconds: 20, soonestBy: 'patience', latestSeconds: 380, latestBy: 'epochs' });
  });

  it('a curve that keeps improving: the epoch limit ends the run, and the estimate says so exactly near the end', () => {
    const run = simulate(rising(20), { epochs: 20, patience: 5, stepsPerEpoch: 3 });
    assert.equal(run.stoppedBy, 'epochs');
    assertBracketed(run);
    for (const { step, epoch, remaining } of run.estimates) {
      assert.equal(remaining.latestSeconds, 60 - step);
      assert.equal(remaining.latestBy, 'epochs');
      // Within `patience` epochs of the limit, nothing can end it sooner.
      if (epoch >= 15) assert.deepEqual(remaining, { soonestSeconds: 60 - step, soonestBy: 'epochs', latestSeconds: 60 - step, latestBy: 'epochs' });
    }
  });

  it('a curve that explodes: the failure ends the run sooner than any estimate, but never later than the latest', () => {
    const curve = [...rising(6), NaN];
    const run = simulate(curve, { epochs: 50, patience: 10, stepsPerEpoch: 2 });
    assert.equal(run.stoppedBy, 'exploded');
    assert.equal(run.endStep, 14);
    for (const { step, remaining } of run.estimates) {
      assert.ok(run.endStep - step <= remaining.latestSeconds);
      assert.ok(run.endStep - step < remaining.soonestSeconds || run.endStep === step, 'a failure is not foreseen');
    }
  });

  it('a time budget checked after every step: the latest end is the budget once it comes first', () => {
    const run = simulate(rising(100), { epochs: 100, patience: 5, stepsPerEpoch: 4, budgetSeconds: 37.5 });
    assert.equal(run.stoppedBy, 'time');
    assert.equal(run.endStep, 38, 'the first step past the budget ends it, mid-epoch');
    assertBracketed(run);
    for (const { step, remaining } of run.estimates) {
      assert.equal(remaining.latestBy, 'time');
      assert.equal(remaining.latestSeconds, Math.max(0, 37.5 - step));
      if (37.5 - step < 4 * 4) assert.equal(remaining.soonestBy, 'time', `step ${step}: patience cannot end it before the budget`);
    }
  });

  it('a budget larger than the epoch limit leaves the limit in charge; without validation only the limits count', () => {
    const run = simulate(rising(10), { epochs: 10, patience: 3, stepsPerEpoch: 2, budgetSeconds: 1000 });
    assert.equal(run.stoppedBy, 'epochs');
    assertBracketed(run);
    assert.ok(run.estimates.every((e) => e.remaining.latestBy === 'epochs'));
    const noValidation = remainingTime({ epoch: 2, stepInEpoch: 1, stepsPerEpoch: 5, epochs: 4, patience: Infinity,
      epochsSinceBest: 0, secondsPerStep: 2, budgetSeconds: Infinity });
    assert.deepEqual(noValidation, { soonestSeconds: 18, soonestBy: 'epochs', latestSeconds: 18, latestBy: 'epochs' });
  });

  it('before the first step the seconds are unknown but the limit that ends the run is not', () => {
    const start = remainingTime({ epoch: 0, stepInEpoch: 0, stepsPerEpoch: 5, epochs: 100, patience: 30,
      epochsSinceBest: 0, secondsPerStep: NaN, budgetSeconds: 60 });
    assert.ok(Number.isNaN(start.soonestSeconds) && Number.isNaN(start.latestSeconds));
    assert.equal(start.soonestBy, 'patience');
    const spent = remainingTime({ epoch: 0, stepInEpoch: 0, stepsPerEpoch: 5, epochs: 100, patience: 30,
      epochsSinceBest: 0, secondsPerStep: NaN, budgetSeconds: -1 });
    assert.deepEqual(spent, { soonestSeconds: 0, soonestBy: 'time', latestSeconds: 0, latestBy: 'time' });
  });
});
