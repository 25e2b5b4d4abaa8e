/**
 * The value checks at the bijector contract's boundary (`validateArgs`): the public methods refuse NaN, ±Infinity
 * and float32 overflow in the input and the context, naming the method, tensor, row and column; members of a
 * composition are not checked again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chain } from '../../src/bijectors/chain.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { invert } from '../../src/bijectors/inversion/invert.ts';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { assertNonFinite } from '../helpers/assert-non-finite.ts';

const made = (contextFeatures = 0) => new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], contextFeatures, rng: new Rng(0) });

test('every public direction refuses NaN and ±Infinity, naming the method, tensor, row and column', () => {
  const maf = made();
  const bad = matrix([[0, 1], [2, NaN]]);
  assertNonFinite(() => maf.inverse(bad), /^MaskedAutoregressiveFlow\.inverse: x row 1, column 1 \(0-based\): expected a finite number, got NaN/);
  assertNonFinite(() => maf.forward(bad), /^MaskedAutoregressiveFlow\.forward: u row 1, column 1 \(0-based\)/);
  assertNonFinite(() => maf.inverseLogDetJacobian(matrix([[Infinity, 0]])), /inverse: x row 0, column 0 \(0-based\): expected a finite number, got Infinity/);
  assertNonFinite(() => maf.forwardLogDetJacobian(matrix([[0, -Infinity]])), /forward: u row 0, column 1/);
  assertNonFinite(() => maf.inverseAndLogDet(matrix([[0, 1e300]], undefined, undefined, 'float64')), /x row 0, column 1 \(0-based\): 1e\+300 overflows float32/);
  assertNonFinite(() => new Invert(maf).forward(bad), /^Invert\.forward: u row 1, column 1/);
  const chain = new Chain([maf, new Permute({ permutation: 'reverse', features: 2 }), made()]);
  assertNonFinite(() => chain.inverse(bad), /^Chain\.inverse: x row 1, column 1/);
});

test('a non-finite context is refused', () => {
  const maf = made(1);
  assertNonFinite(() => maf.inverse(matrix([[0, 1]]), { context: matrix([[NaN]]) }), /^MaskedAutoregressiveFlow\.inverse: context row 0, column 0 \(0-based\)/);
  assertNonFinite(() => maf.forward(matrix([[0, 1], [1, 0]]), { context: matrix([[0], [Infinity]]) }), /forward: context row 1, column 0/);
});

test('validateArgs: false skips the value check; finite values, -0 and subnormals pass', () => {
  const maf = made();
  assert.ok(Number.isNaN(maf.inverse(matrix([[NaN, 0]]), { validateArgs: false }).data[0]));
  const out = maf.inverse(matrix([[-0, 1e-45]]));
  assert.ok(Number.isFinite(out.data[0]) && Number.isFinite(out.data[1]));
});

test('invert checks its target, context and initial guess once, at its boundary', () => {
  const maf = made(1);
  const context = matrix([[0.5]]);
  assertNonFinite(() => invert(maf, matrix([[NaN, 0]]), { context }), /^invert: target row 0, column 0 \(0-based\)/);
  assertNonFinite(() => invert(maf, matrix([[0, 0]]), { context: matrix([[Infinity]]) }), /^invert: context row 0, column 0/);
  assertNonFinite(() => invert(maf, matrix([[0, 0]]), { context, initial: matrix([[0, NaN]]) }), /^invert: initial row 0, column 1/);
  assert.equal(invert(maf, matrix([[0.1, -0.2]]), { context, method: 'newton' }).converged[0], 1);
});

test('a float64 value narrowed into float32 layers inside a Chain must fit float32 (it would become NaN), checked or not', () => {
  const chain = new Chain([new Standardize({ mean: [0, 0], std: [1, 1] }), made()]);
  assert.equal(chain.dtype, 'float64', 'a Chain takes its widest member\'s dtype');
  const far = matrix([[0.1, 0.2], [1e300, 0.3]], undefined, undefined, 'float64');
  for (const options of [{}, { validateArgs: false }]) {
    assertNonFinite(() => chain.inverse(far, options), /^MaskedAutoregressiveFlow\.inverse: x row 1, column 0 \(0-based\): 1e\+300 overflows float32/);
  }
  assert.ok(Number.isNaN(chain.inverse(matrix([[NaN, 0]], undefined, undefined, 'float64'), { validateArgs: false }).data[0]),
    'with validateArgs off, NaN still passes through');
  const near = chain.inverse(matrix([[1e30, 0.3]], undefined, undefined, 'float64'));
  assert.ok(Number.isFinite(near.data[0]));
});
