import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, toArrays } from '../../src/core/matrix.ts';
import { Shift } from '../../src/bijectors/shift.ts';

test('Shift adds b forward and subtracts it inverse, with zero log-determinant', () => {
  const shift = new Shift({ features: 2, shift: [1, -2], dtype: 'float64' });
  const { output, logDet } = shift.forwardAndLogDet(matrix([[0, 0], [1, 1]]));
  assert.deepEqual(toArrays(output), [[1, -2], [2, -1]]);
  assert.deepEqual(Array.from(logDet), [0, 0]);
  assert.deepEqual(toArrays(shift.inverse(matrix([[1, -2]]))), [[0, 0]]);
});

test('Shift: the gradient of the shift sums the output gradient (with sign by direction)', () => {
  const shift = new Shift({ features: 2, dtype: 'float64' });
  const d = matrix([[1, 2], [3, 4]], undefined, undefined, 'float64');
  shift.forwardTrain(d).backward(d, null);
  assert.deepEqual(Array.from(shift.shift.grad), [4, 6]);
  shift.shift.zeroGrad();
  shift.inverseTrain(d).backward(d, null);
  assert.deepEqual(Array.from(shift.shift.grad), [-4, -6]);
});

test('Shift: a constant shift has no parameters and keeps its values in the config; bad sizes throw', () => {
  const fixed = new Shift({ features: 2, shift: [3, 4], trainable: false });
  assert.equal(fixed.namedParameters().length, 0);
  assert.deepEqual(fixed.config(), { type: 'Shift', features: 2, trainable: false, dtype: 'float32', shift: [3, 4] });
  assert.deepEqual(new Shift({ features: 2 }).namedParameters().map(([n]) => n), ['shift']);
  assert.throws(() => new Shift({ features: 2, shift: [1] }), /Shift: expected shift \[2\], got \[1\]/);
});
