import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { pickComponent } from '../../src/distributions/pick-component.ts';

test('pickComponent: frequencies follow softmax of the slice, indices are relative to its start', () => {
  const rng = new Rng(0);
  const logits = [50, 0, Math.log(2), Math.log(1), 50];
  const counts = [0, 0, 0];
  const n = 20000;
  for (let i = 0; i < n; i++) counts[pickComponent(logits, 1, 4, rng)]++;
  const expected = [1 / 4, 2 / 4, 1 / 4];
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(counts[k] / n - expected[k]) < 0.015, `component ${k}: ${counts[k] / n}`);
});

test('pickComponent: a dominant logit is always picked, even when exp of the logits would overflow', () => {
  const rng = new Rng(1);
  for (let i = 0; i < 100; i++) assert.equal(pickComponent([800, 1000, 800], 0, 3, rng), 1);
});
