/** Standardize: the fixed data-end standardization (its generic properties are in the conformance table). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, toArrays } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { randomMatrix } from '../helpers/numeric.ts';

test('Standardize.fit takes population means and standard deviations; forward and inverse follow TFP semantics', () => {
  const s = Standardize.fit(matrix([[1, 10], [3, 30]], undefined, undefined, 'float64'));
  assert.deepEqual(Array.from(s.mean), [2, 20]);
  assert.deepEqual(Array.from(s.std), [1, 10]);
  assert.deepEqual(s.constantColumns, []);
  const x = matrix([[3, 0], [2, 20]], undefined, undefined, 'float64');
  const { output: u, logDet } = s.inverseAndLogDet(x);
  assert.deepEqual(toArrays(u), [[1, -2], [0, 0]]);
  assert.deepEqual(Array.from(logDet), [-Math.log(10), -Math.log(10)]);
  const back = s.forwardAndLogDet(u);
  assert.deepEqual(toArrays(back.output), toArrays(x));
  assert.deepEqual(Array.from(back.logDet), [Math.log(10), Math.log(10)]);
  assert.deepEqual(s.namedParameters(), [], 'nothing to train');
});

test('Standardize.fit only centres constant columns and lists them', () => {
  const s = Standardize.fit(matrix([[5, 1], [5, 2], [5, 3]], undefined, undefined, 'float64'));
  assert.deepEqual(Array.from(s.mean), [5, 2]);
  assert.equal(s.std[0], 1);
  assert.deepEqual(s.constantColumns, [0]);
  assert.ok(Number.isFinite(s.inverseLogDetJacobian(matrix([[5, 2]]))[0]));
});

test('Standardize reads float64 data before rounding: values 1e8 apart by 0.01 stay apart in a float32 flow', () => {
  const rows = Array.from({ length: 50 }, (_, i) => [1e8 + 0.01 * (i % 7), 0.5 * i]);
  const x = matrix(rows, undefined, undefined, 'float64');
  const s = Standardize.fit(x, { dtype: 'float32' });
  const u = s.inverse(x);
  assert.ok(u.data instanceof Float32Array);
  const distinct = new Set(Array.from({ length: 50 }, (_, r) => u.data[2 * r]));
  assert.equal(distinct.size, 7, 'seven distinct standardized values in column 0 (rounding 1e8 to float32 first would leave one)');
  // In a chain with float32 layers the chain keeps float64 at its boundary, so the Standardize still sees the digits.
  const chain = new Chain([Standardize.fit(x), new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [4], rng: new Rng(0) })]);
  assert.equal(chain.dtype, 'float64');
  const lp = chain.inverseLogDetJacobian(x);
  assert.ok(lp.every(Number.isFinite));
  const z = chain.inverse(x);
  assert.equal(new Set(Array.from({ length: 50 }, (_, r) => z.data[2 * r])).size, 7);
});

test('Standardize round-trips through its config (statistics included) and createBijector', () => {
  const s = Standardize.fit(randomMatrix(20, 3, new Rng(1), 4));
  const copy = createBijector(JSON.parse(JSON.stringify(s.config())));
  assert.ok(copy instanceof Standardize);
  assert.deepEqual(Array.from(copy.mean), Array.from(s.mean));
  assert.deepEqual(Array.from(copy.std), Array.from(s.std));
});

test('Standardize rejects bad statistics and bad data, naming the column and the value', () => {
  assert.throws(() => new Standardize({ mean: [0, 1], std: [1] }), /expected mean and std of one length >= 1, got 2 means and 1 stds/);
  assert.throws(() => new Standardize({ mean: [], std: [] }), /of one length >= 1/);
  assert.throws(() => new Standardize({ mean: [0, 1], std: [1, 0] }), /std\[1\] must be a positive finite number, got 0/);
  assert.throws(() => new Standardize({ mean: [0], std: [-2] }), /std\[0\] must be a positive finite number, got -2/);
  assert.throws(() => new Standardize({ mean: [0], std: [Infinity] }), /std\[0\] must be a positive finite number, got Infinity/);
  assert.throws(() => new Standardize({ mean: [NaN], std: [1] }), /mean\[0\] must be a finite number, got NaN/);
  assert.throws(() => Standardize.fit(matrix([], 0, 2)), /Standardize\.fit: x has no rows/);
  assert.throws(() => Standardize.fit(matrix([[1, Infinity]])), /Standardize\.fit: column 1 contains non-finite values/);
  assert.throws(() => createBijector({ type: 'Standardize', features: 3, mean: [0, 0], std: [1, 1], dtype: 'float64' }),
    /features 3 but 2 means/);
  assert.throws(() => createBijector({ type: 'Standardize', features: 1, mean: [0], dtype: 'float64' }), /no 'std' field/);
  assert.throws(() => Standardize.fit(matrix([[1, 2]])).inverse(matrix([[1, 2, 3]])), /Standardize\.inverse: expected x \[n, 2\], got \[n, 3\]/);
});
