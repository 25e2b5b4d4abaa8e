import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { degreeStarts, hiddenDegrees, inputDegrees, prefixLengths } from '../../src/nn/degrees.ts';

const isSorted = (a: Int32Array) => a.every((v, i) => i === 0 || a[i - 1] <= v);

test('inputDegrees: 1..D in natural order', () => {
  assert.deepEqual(Array.from(inputDegrees(4)), [1, 2, 3, 4]);
});

test('hiddenDegrees sequential: sorted, cycling 1..D−1 (every degree present), 0 when D = 1', () => {
  const d = hiddenDegrees(7, 4, 'sequential', undefined);
  assert.deepEqual(Array.from(d), [1, 1, 1, 2, 2, 3, 3]);
  assert.deepEqual(Array.from(hiddenDegrees(3, 1, 'sequential', undefined)), [0, 0, 0]);
});

test('hiddenDegrees random: sorted, within [previous minimum, D − 1], seeded, and needs an rng', () => {
  for (const [units, D, previousMin] of [[50, 6, 1], [40, 6, 3], [5, 2, 1], [8, 10, 9]]) {
    const d = hiddenDegrees(units, D, 'random', new Rng(units + D), previousMin);
    assert.ok(isSorted(d), `sorted ${Array.from(d)}`);
    assert.ok(d.every((v) => v >= previousMin && v <= D - 1), `range [${previousMin}, ${D - 1}]: ${Array.from(d)}`);
    assert.deepEqual(Array.from(hiddenDegrees(units, D, 'random', new Rng(units + D), previousMin)), Array.from(d));
  }
  const wide = hiddenDegrees(200, 5, 'random', new Rng(1));
  assert.deepEqual([...new Set(wide)].sort(), [1, 2, 3, 4], 'every allowed degree drawn');
  assert.throws(() => hiddenDegrees(3, 4, 'random', undefined), /random degrees need an rng/);
});

test('prefixLengths: non-decreasing; hidden layers read degrees ≤ theirs, the output layer degrees < its own', () => {
  const rng = new Rng(2);
  for (let trial = 0; trial < 20; trial++) {
    const D = 2 + rng.int(6);
    const inputs = hiddenDegrees(3 + rng.int(20), D, 'random', rng);
    const outputs = hiddenDegrees(3 + rng.int(20), D, trial % 2 === 0 ? 'random' : 'sequential', rng);
    for (const strict of [false, true]) {
      const prefix = prefixLengths(outputs, inputs, strict);
      assert.ok(isSorted(prefix), 'non-decreasing');
      prefix.forEach((p, j) => {
        for (let i = 0; i < inputs.length; i++) {
          const allowed = strict ? inputs[i] < outputs[j] : inputs[i] <= outputs[j];
          assert.equal(i < p, allowed, `unit ${j} (degree ${outputs[j]}) input ${i} (degree ${inputs[i]}), strict ${strict}`);
        }
      });
    }
  }
});

test('degreeStarts: units of degree m are exactly [starts[m], starts[m + 1])', () => {
  const sorted = Int32Array.from([0, 1, 1, 3, 3, 3, 4]);
  const starts = degreeStarts(sorted, 4);
  assert.deepEqual(Array.from(starts), [0, 1, 3, 3, 6, 7]);
  for (let m = 0; m <= 4; m++) {
    for (let j = starts[m]; j < starts[m + 1]; j++) assert.equal(sorted[j], m);
  }
});
