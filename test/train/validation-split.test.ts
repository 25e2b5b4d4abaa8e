import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { splitValidation } from '../../src/train/validation-split.ts';

const data = matrix(Array.from({ length: 40 }, (_, i) => i), 20, 2);
const context = matrix(Array.from({ length: 20 }, (_, i) => 100 + i), 20, 1);

test('splitValidation: a seeded partition of the rows that keeps context rows aligned', () => {
  const a = splitValidation(data, { fraction: 0.25, context, rng: new Rng(3) });
  assert.equal(a.validation.rows, 5);
  assert.equal(a.train.rows, 15);
  const rowsOf = (m: typeof data) => Array.from({ length: m.rows }, (_, r) => m.data[2 * r] / 2);
  const all = [...rowsOf(a.train), ...rowsOf(a.validation)].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i), 'a partition');
  assert.deepEqual(Array.from(a.validationContext?.data ?? []), rowsOf(a.validation).map((r) => 100 + r));
  assert.deepEqual(Array.from(a.trainContext?.data ?? []), rowsOf(a.train).map((r) => 100 + r));
  const b = splitValidation(data, { fraction: 0.25, context, rng: new Rng(3) });
  assert.deepEqual(b, a, 'same seed, same split');
  const c = splitValidation(data, { fraction: 0.25, context, rng: new Rng(4) });
  assert.notDeepEqual(rowsOf(c.validation), rowsOf(a.validation));
});

test('splitValidation: rejects fractions that leave nothing to train on', () => {
  assert.throws(() => splitValidation(data, { fraction: 0, rng: new Rng(1) }), /fraction must be in \(0, 1\), got 0/);
  assert.throws(() => splitValidation(matrix([[1, 2]]), { fraction: 0.5, rng: new Rng(1) }), /1 rows cannot be split/);
});
