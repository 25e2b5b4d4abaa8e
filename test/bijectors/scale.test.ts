import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, toArrays } from '../../src/core/matrix.ts';
import { Scale } from '../../src/bijectors/scale.ts';

test('Scale multiplies by exp(s) forward with log-det Σs, and divides inverse with −Σs', () => {
  const scale = new Scale({ features: 2, logScale: [Math.log(2), Math.log(0.5)], dtype: 'float64' });
  const { output, logDet } = scale.forwardAndLogDet(matrix([[1, 1], [3, -4]]));
  const rounded = toArrays(output).map((r) => r.map((v) => Math.round(v * 1e12) / 1e12));
  assert.deepEqual(rounded, [[2, 0.5], [6, -2]]);
  assert.ok(Math.abs(logDet[0]) < 1e-15 && Math.abs(logDet[1]) < 1e-15);
  const wide = new Scale({ features: 2, logScale: [0.5, 0.25], dtype: 'float64' });
  assert.ok(Math.abs(wide.inverseLogDetJacobian(matrix([[1, 1]]))[0] + 0.75) < 1e-15);
});

test('Scale: a constant log-scale has no parameters and keeps its values in the config; bad sizes throw', () => {
  const fixed = new Scale({ features: 2, logScale: [0.5, 0.25], trainable: false, dtype: 'float64' });
  assert.equal(fixed.namedParameters().length, 0);
  assert.deepEqual(fixed.config(), { type: 'Scale', features: 2, trainable: false, dtype: 'float64', logScale: [0.5, 0.25] });
  assert.throws(() => new Scale({ features: 3, logScale: [1, 2] }), /Scale: expected logScale \[3\], got \[2\]/);
  assert.throws(() => new Scale({ features: 0 }), /features must be a positive integer/);
});
