import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { AffineCoupling } from '../../src/bijectors/affine-coupling.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { maxAbsDiff, numericalJacobian, randomMatrix, row } from '../helpers/numeric.ts';

test('AffineCoupling rejects D=1 and masks that keep all or no features, with clear messages', () => {
  const rng = new Rng(1);
  assert.throws(() => new AffineCoupling({ features: 1, rng }), /AffineCoupling: features must be an integer >= 2 .*nothing to condition on/);
  assert.throws(() => new AffineCoupling({ features: 3, mask: [true, true, true], rng }), /must keep at least one feature and transform at least one/);
  assert.throws(() => new AffineCoupling({ features: 3, mask: [true, false], rng }), /expected mask \[3\], got \[2\]/);
});

test('AffineCoupling masks: alternate keeps even features, half the first ⌊D/2⌋, reverseMask flips', () => {
  const rng = new Rng(2);
  assert.deepEqual(new AffineCoupling({ features: 5, rng }).mask, [true, false, true, false, true]);
  assert.deepEqual(new AffineCoupling({ features: 5, mask: 'half', rng }).mask, [true, true, false, false, false]);
  assert.deepEqual(new AffineCoupling({ features: 4, reverseMask: true, rng }).mask, [false, true, false, true]);
});

test('AffineCoupling: kept features pass through; transformed ones depend only on kept ones and themselves', () => {
  const rng = new Rng(3);
  const coupling = new AffineCoupling({ features: 5, mask: 'half', hiddenUnits: [8], dtype: 'float64', rng });
  for (const p of parametersOf(coupling)) for (let k = 0; k < p.size; k++) p.value[k] += 0.3 * rng.normal();
  const x = randomMatrix(4, 5, rng);
  const u = coupling.inverse(x);
  for (let r = 0; r < 4; r++) for (const d of [0, 1]) assert.equal(u.data[r * 5 + d], x.data[r * 5 + d]);
  const J = numericalJacobian((v) => coupling.inverse(v), row(x, 0));
  for (let i = 2; i < 5; i++) {
    for (let j = 2; j < 5; j++) if (i !== j) assert.ok(Math.abs(J[i][j]) < 1e-8, `∂u_${i}/∂x_${j} = ${J[i][j]}`);
    assert.ok(Math.abs(J[i][0]) + Math.abs(J[i][1]) > 1e-6, `u_${i} is conditioned on the kept features`);
  }
});

test('AffineCoupling: a fresh layer is close to the identity, and float32 round trips', () => {
  const coupling = new AffineCoupling({ features: 4, rng: new Rng(4) });
  const x = randomMatrix(10, 4, new Rng(5), 1, 'float32');
  const { output, logDet } = coupling.inverseAndLogDet(x);
  assert.ok(maxAbsDiff(output.data, x.data) < 0.1);
  for (const v of logDet) assert.ok(Math.abs(v) < 0.1);
  assert.ok(maxAbsDiff(coupling.forward(output).data, x.data) < 1e-5);
});
