import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { twoMoons } from '../../src/data/two-moons.ts';

test('twoMoons puts noiseless points exactly on the two half circles', () => {
  const { data, logProb } = twoMoons(1000, { rng: new Rng(1), noise: 0, dtype: 'float64' });
  assert.equal(logProb, undefined);
  let upper = 0;
  for (let i = 0; i < data.rows; i++) {
    const [x, y] = [data.data[2 * i], data.data[2 * i + 1]];
    const onUpper = Math.abs(x * x + y * y - 1) < 1e-12 && y >= 0;
    const onLower = Math.abs((x - 1) ** 2 + (y - 0.5) ** 2 - 1) < 1e-12 && y <= 0.5;
    assert.ok(onUpper || onLower, `(${x}, ${y})`);
    if (onUpper) upper++;
  }
  assert.ok(upper > 430 && upper < 570, `upper moon has ${upper} of 1000 points`);
});

test('twoMoons adds noise of the requested size and is seeded', () => {
  const { data } = twoMoons(20000, { rng: new Rng(2), noise: 0.1 });
  let mean = 0;
  for (let i = 0; i < data.rows; i++) mean += data.data[2 * i] / data.rows;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean x ${mean}`);
  assert.deepEqual(twoMoons(5, new Rng(3)).data.data, twoMoons(5, new Rng(3)).data.data);
  assert.throws(() => twoMoons(5, { rng: new Rng(3), noise: -1 }), /noise must be >= 0/);
});
