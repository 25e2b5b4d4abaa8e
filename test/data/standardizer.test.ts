import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Standardizer } from '../../src/data/standardizer.ts';

function randomData(rng: Rng, rows: number, dtype: 'float32' | 'float64'): ReturnType<typeof matrix> {
  const values: number[] = [];
  for (let r = 0; r < rows; r++) values.push(3 + 2 * rng.normal(), -10 + 0.01 * rng.normal(), 1e4 * rng.normal());
  return matrix(values, rows, 3, dtype);
}

test('Standardizer.fit gives columns with mean 0 and population std 1', () => {
  const x = randomData(new Rng(1), 500, 'float64');
  const s = Standardizer.fit(x);
  const z = s.transform(x);
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    let square = 0;
    for (let r = 0; r < z.rows; r++) mean += z.data[r * 3 + c] / z.rows;
    for (let r = 0; r < z.rows; r++) square += (z.data[r * 3 + c] - mean) ** 2 / z.rows;
    assert.ok(Math.abs(mean) < 1e-12, `mean ${mean}`);
    assert.ok(Math.abs(square - 1) < 1e-12, `variance ${square}`);
  }
  assert.deepEqual(s.constantColumns, []);
});

test('Standardizer.inverseTransform undoes transform and keeps the dtype', () => {
  const x = randomData(new Rng(2), 50, 'float32');
  const s = Standardizer.fit(x);
  const z = s.transform(x);
  assert.ok(z.data instanceof Float32Array);
  const back = s.inverseTransform(z);
  for (let i = 0; i < x.data.length; i++) assert.ok(Math.abs(back.data[i] - x.data[i]) <= 1e-6 * Math.max(1, Math.abs(x.data[i])));
});

test('Standardizer.logAbsDetJacobian converts densities between units', () => {
  const s = new Standardizer([1, -2], [2, 0.5]);
  assert.equal(s.logAbsDetJacobian(), -Math.log(2) - Math.log(0.5));
  // A standard normal in standardized units is N(mean, std²) in original units.
  const x = matrix([[1.7, -2.3]], undefined, undefined, 'float64');
  const z = s.transform(x);
  const logStandard = [0, 1].reduce((sum, c) => sum - 0.5 * z.data[c] ** 2 - 0.5 * Math.log(2 * Math.PI), 0);
  const direct = [[1.7, 1, 2], [-2.3, -2, 0.5]].reduce((sum, [v, m, sd]) =>
    sum - 0.5 * ((v - m) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI), 0);
  assert.ok(Math.abs(logStandard + s.logAbsDetJacobian() - direct) < 1e-12);
});

test('Standardizer.fit only centers constant columns and reports them', () => {
  const x = matrix([[0.1, 1], [0.1, 2], [0.1, 3]], undefined, undefined, 'float32');
  const s = Standardizer.fit(x);
  assert.deepEqual(s.constantColumns, [0]);
  assert.equal(s.std[0], 1);
  const z = s.transform(x);
  assert.deepEqual([z.data[0], z.data[2], z.data[4]].map((v) => Math.abs(v) < 1e-7), [true, true, true]);
  assert.ok(Number.isFinite(s.logAbsDetJacobian()));
});

test('Standardizer checks shapes and inputs', () => {
  const s = new Standardizer([0, 0], [1, 1]);
  assert.throws(() => s.transform(matrix([[1, 2, 3]])), { message: 'Standardizer.transform: expected x [n, 2], got [n, 3]' });
  assert.throws(() => Standardizer.fit(matrix([], 0, 2)), /x has no rows/);
  assert.throws(() => Standardizer.fit(matrix([[NaN, 1]])), /column 0 contains non-finite values/);
  assert.throws(() => new Standardizer([0], [0]), /positive finite std/);
});

test('Standardizer round-trips through JSON and validates it', () => {
  const s = Standardizer.fit(randomData(new Rng(3), 40, 'float64'));
  const back = Standardizer.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(Array.from(back.mean), Array.from(s.mean));
  assert.deepEqual(Array.from(back.std), Array.from(s.std));
  assert.throws(() => Standardizer.fromJSON(null), { message: 'Standardizer.fromJSON: expected an object {mean, std}' });
  assert.throws(() => Standardizer.fromJSON({ mean: [0, 1], std: [1, -1] }), { message: 'Standardizer.fromJSON: std[1] must be a positive finite number, got -1' });
  assert.throws(() => Standardizer.fromJSON({ mean: [0, 'a'], std: [1, 1] }), { message: 'Standardizer.fromJSON: mean[1] must be a finite number, got "a"' });
  assert.throws(() => Standardizer.fromJSON({ mean: [0], std: [1, 1] }), { message: 'Standardizer.fromJSON: "mean" has 1 values but "std" has 2' });
  assert.throws(() => Standardizer.fromJSON({ mean: [0] }, 'model.safetensors'),
    { name: 'DataError', message: 'model.safetensors: standardizer: "std" must be an array of numbers' });
});
