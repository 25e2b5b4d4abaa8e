import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { constantSchedule, cosineSchedule, resolveSchedule, stepSchedule } from '../../src/train/schedule.ts';

test('schedules: constant, cosine to a floor, step decay', () => {
  assert.equal(constantSchedule()(12345), 1);
  const cos = cosineSchedule({ totalSteps: 100, floor: 0.1 });
  assert.equal(cos(0), 1);
  assert.ok(Math.abs(cos(50) - 0.55) < 1e-12, `midpoint ${cos(50)}`);
  assert.ok(Math.abs(cos(100) - 0.1) < 1e-12 && Math.abs(cos(1000) - 0.1) < 1e-12);
  for (let s = 1; s <= 100; s++) assert.ok(cos(s) <= cos(s - 1), 'non-increasing');
  const st = stepSchedule({ every: 10, factor: 0.5 });
  assert.deepEqual([st(0), st(9), st(10), st(25)], [1, 1, 0.5, 0.25]);
  assert.throws(() => cosineSchedule({ totalSteps: 0 }), /totalSteps must be > 0/);
  assert.throws(() => stepSchedule({ every: 1.5 }), /every must be a positive integer/);
});

test('resolveSchedule: a name or a function; an unknown name is an error naming the caller', () => {
  const rng = new Rng(0);
  const step = Math.floor(rng.uniform() * 100);
  assert.equal(resolveSchedule('fit', 'constant', 100)(step), 1);
  assert.equal(resolveSchedule('fit', 'cosine', 100)(step), cosineSchedule({ totalSteps: 100 })(step));
  const own = (s: number) => 1 / (1 + s);
  assert.equal(resolveSchedule('fit', own, 100), own);
  assert.throws(() => resolveSchedule('fitReverseKl', 'linear' as never, 100),
    { message: "fitReverseKl: unknown schedule 'linear' (expected 'constant', 'cosine' or a function)" });
});
