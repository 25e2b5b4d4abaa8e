import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkContext } from '../../src/core/check-context.ts';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { toDtype } from '../../src/core/to-dtype.ts';

test('checkContext: no context for contextFeatures 0, an error naming the owner when one is given', () => {
  const rng = new Rng(0);
  const context = matrix([[rng.normal()]]);
  assert.equal(checkContext('A.f', 'bijector', { contextFeatures: 0, rows: 1, dtype: 'float32' }, undefined), null);
  assert.throws(() => checkContext('A.f', 'distribution', { contextFeatures: 0, rows: 1, dtype: 'float32' }, context),
    { message: 'A.f: this distribution takes no context (contextFeatures = 0)' });
});

test('checkContext: a required context must be present, of shape [rows, C], and comes back in the dtype', () => {
  const rng = new Rng(1);
  const values = [[rng.normal(), rng.normal()], [rng.normal(), rng.normal()]];
  const shape = { contextFeatures: 2, rows: 2, dtype: 'float32' as const };
  assert.throws(() => checkContext('B.g', 'bijector', shape, undefined), { message: 'B.g: expected context [2, 2], got none' });
  assert.throws(() => checkContext('B.g', 'bijector', shape, matrix([values[0]])), { message: 'B.g: expected context [2, 2], got [1, 2]' });
  const out = checkContext('B.g', 'bijector', shape, matrix(values, undefined, undefined, 'float64'));
  assert.ok(out !== null && out.data instanceof Float32Array);
  assert.deepEqual(Array.from(out.data), Array.from(new Float32Array(values.flat())));
});

test('toDtype: the same matrix when the dtype matches, a converted copy otherwise', () => {
  const rng = new Rng(2);
  const m = matrix([[rng.normal(), rng.normal()]], undefined, undefined, 'float64');
  assert.equal(toDtype(m, 'float64'), m);
  const converted = toDtype(m, 'float32');
  assert.ok(converted.data instanceof Float32Array && converted !== m);
  assert.deepEqual(Array.from(converted.data), Array.from(new Float32Array(m.data)));
});
