/** isConstantJacobian on every bijector (and used), forwardEventShape / inverseEventShape. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import type { Bijector } from '../../src/bijectors/bijector.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import { AffineCoupling } from '../../src/bijectors/affine-coupling.ts';
import { ActNorm } from '../../src/bijectors/act-norm.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { LuLinear } from '../../src/bijectors/lu-linear.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { Scale } from '../../src/bijectors/scale.ts';
import { Shift } from '../../src/bijectors/shift.ts';
import { Sigmoid } from '../../src/bijectors/sigmoid.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const rng = new Rng(0);
const D = 3;
const shiftOnlyMaf = () => new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], shiftOnly: true, contextFeatures: 2, dtype: 'float64', rng });
const cases: [string, () => Bijector, boolean][] = [
  ['shift-only MAF', shiftOnlyMaf, true],
  ['affine MAF', () => new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], dtype: 'float64', rng }), false],
  ['NAF MAF', () => new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], dtype: 'float64', rng, transformer: new NeuralAutoregressiveTransformer() }), false],
  ['shift-only coupling', () => new AffineCoupling({ features: D, hiddenUnits: [8], shiftOnly: true, dtype: 'float64', rng }), true],
  ['affine coupling', () => new AffineCoupling({ features: D, hiddenUnits: [8], dtype: 'float64', rng }), false],
  ['Permute', () => new Permute({ features: D, dtype: 'float64' }), true],
  ['Shift', () => new Shift({ features: D, shift: [1, 2, 3], dtype: 'float64' }), true],
  ['Scale', () => new Scale({ features: D, logScale: [0.1, 0.2, -0.3], dtype: 'float64' }), true],
  ['Standardize', () => new Standardize({ mean: [1, 2, 3], std: [2, 3, 4] }), true],
  ['LuLinear', () => new LuLinear({ features: D, permutation: 'reverse', dtype: 'float64' }), true],
  ['ActNorm', () => new ActNorm({ features: D, dtype: 'float64' }), true],
  ['BatchNormalization (evaluation mode)', () => new BatchNormalization({ features: D, dtype: 'float64' }), true],
  ['BatchNormalization (training mode)', () => new BatchNormalization({ features: D, dtype: 'float64' }).train(), false],
  ['Sigmoid', () => new Sigmoid({ features: D, dtype: 'float64' }), false],
  ['Bounds, all unbounded', () => new Bounds({ bounds: [[-Infinity, Infinity], [-Infinity, Infinity], [-Infinity, Infinity]] }), true],
  ['Bounds, one bounded column', () => new Bounds({ bounds: [[0, 1], [-Infinity, Infinity], [-Infinity, Infinity]] }), false],
  ['Invert(shift-only MAF)', () => new Invert(shiftOnlyMaf()), true],
  ['Chain of constant ones', () => new Chain([shiftOnlyMaf(), new LuLinear({ features: D, dtype: 'float64' }), new Scale({ features: D, dtype: 'float64' })]), true],
  ['Chain with an affine MAF', () => new Chain([shiftOnlyMaf(), new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], dtype: 'float64', rng })]), false],
];

for (const [name, make, constant] of cases) {
  test(`${name}: isConstantJacobian is ${constant}, and the log-det methods agree with the full passes`, () => {
    const b = make();
    assert.equal(b.isConstantJacobian, constant);
    if (b instanceof LuLinear) for (const p of [b.lower, b.upper, b.logDiagonal]) p.value.forEach((_, k) => { p.value[k] = 0.3 * rng.normal(); });
    const x = randomMatrix(6, D, rng, 0.3);
    for (let k = 0; k < x.data.length; k++) if (b instanceof Sigmoid || name.includes('bounded column')) x.data[k] = 1 / (1 + Math.exp(-x.data[k]));
    const options = b.contextFeatures > 0 ? { context: randomMatrix(6, b.contextFeatures, rng) } : {};
    const training = b.isTraining;
    const full = [b.forwardAndLogDet(x, options).logDet, training ? null : b.inverseAndLogDet(x, options).logDet];
    const quick = [b.forwardLogDetJacobian(x, options), training ? null : b.inverseLogDetJacobian(x, options)];
    for (let i = 0; i < 2; i++) {
      if (full[i] === null) continue;
      for (let r = 0; r < 6; r++) assert.ok(Math.abs(full[i]![r] - quick[i]![r]) < 1e-12, `${i === 0 ? 'forward' : 'inverse'} row ${r}`);
    }
  });
}

test("a shift-only MAF's forward log-det runs the sequential pass on one row, not n", () => {
  const maf = shiftOnlyMaf();
  const batches: number[] = [];
  // Either sequential pass (the generic one or the fused kernel) counts.
  const sequential = maf.made.sequential.bind(maf.made);
  maf.made.sequential = (batch, ...rest) => {
    batches.push(batch);
    sequential(batch, ...rest);
  };
  const fused = maf.made.sequentialFused.bind(maf.made);
  maf.made.sequentialFused = (batch, ...rest) => {
    batches.push(batch);
    fused(batch, ...rest);
  };
  const rows = 500;
  const logDet = maf.forwardLogDetJacobian(randomMatrix(rows, D, rng), { context: randomMatrix(rows, 2, rng) });
  assert.equal(logDet.length, rows);
  assert.ok(logDet.every((v) => v === 0));
  assert.deepEqual(batches, [1]);
  maf.forwardAndLogDet(randomMatrix(rows, D, rng), { context: randomMatrix(rows, 2, rng) });
  assert.deepEqual(batches, [1, rows]);
});

test('forwardEventShape and inverseEventShape keep [D] and name a wrong shape', () => {
  const b = new LuLinear({ features: 4 });
  assert.deepEqual(b.forwardEventShape([4]), [4]);
  assert.deepEqual(b.inverseEventShape([4]), [4]);
  assert.throws(() => b.forwardEventShape([3]), /LuLinear\.forwardEventShape: expected the event shape \[4\], got \[3\]/);
  assert.throws(() => new Chain([b]).inverseEventShape([2, 4]), /Chain\.inverseEventShape: expected the event shape \[4\], got \[2, 4\]/);
});
