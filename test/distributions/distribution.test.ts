/**
 * The value checks at the distribution contract's boundary (`validateArgs`): NaN and non-finite contexts are refused
 * with the method, tensor, row and column; ±Infinity in x has log-density −∞ (support ℝᴰ); a float64 value that
 * overflows a float32 model is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MixtureOfGaussians } from '../../src/distributions/mixture-of-gaussians.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { assertNonFinite } from '../helpers/assert-non-finite.ts';

const maf = (contextFeatures = 0) => createMaf({ features: 2, layers: 2, hiddenUnits: [8], contextFeatures, rng: new Rng(0) });
const f64 = (rows: number[][]) => matrix(rows, undefined, undefined, 'float64');

test('logProb refuses a NaN in x, naming the method, tensor, row and column', () => {
  assertNonFinite(() => maf().logProb(matrix([[0.5, 1], [2, NaN], [0, 0]])),
    /^TransformedDistribution\.logProb: x row 1, column 1 \(0-based\): expected a finite number, got NaN/);
  assertNonFinite(() => new StandardNormal(2).logProb(matrix([[NaN, 0]])), /^StandardNormal\.logProb: x row 0, column 0 \(0-based\)/);
});

test('logProb of a row with ±Infinity is −Infinity (support ℝᴰ); the other rows are unchanged', () => {
  const flow = maf();
  const plain = flow.logProb(matrix([[0.5, 1], [0, 0]]));
  for (const flows of [flow, createNsf({ features: 2, layers: 1, hiddenUnits: [8], rng: new Rng(1) })]) {
    const lp = flows.logProb(matrix([[0.5, 1], [Infinity, 0], [0, -Infinity], [0, 0]]));
    assert.equal(lp[1], -Infinity);
    assert.equal(lp[2], -Infinity);
    assert.ok(Number.isFinite(lp[0]) && Number.isFinite(lp[3]), `finite rows stay finite: ${lp}`);
  }
  const lp = flow.logProb(matrix([[0.5, 1], [Infinity, 0], [0, 0]]));
  assert.deepEqual([lp[0], lp[2]], [plain[0], plain[1]]);
  assert.deepEqual([...new StandardNormal(1).logProb(matrix([[Infinity], [-Infinity]]))], [-Infinity, -Infinity]);
  const mixture = new MixtureOfGaussians({ features: 2, components: 3, rng: new Rng(2) });
  assert.equal(mixture.logProb(matrix([[Infinity, 0]]))[0], -Infinity);
  const madeMog = createMadeMog({ features: 2, hiddenUnits: [8], components: 2, rng: new Rng(3) });
  assert.equal(madeMog.logProb(matrix([[0, -Infinity]]))[0], -Infinity);
});

test('a float64 value that overflows float32 on the cast into a float32 flow is refused naming row and column', () => {
  assertNonFinite(() => maf().logProb(f64([[0, 0], [0, 1e300]])), /^TransformedDistribution\.logProb: x row 1, column 1 \(0-based\): 1e\+300 overflows float32/);
  assertNonFinite(() => maf().logProb(f64([[-3.5e38, 0]])), /x row 0, column 0 \(0-based\): -3\.5e\+38 overflows float32/);
  const lp = createMaf({ features: 2, layers: 1, hiddenUnits: [8], dtype: 'float64', rng: new Rng(0) }).logProb(f64([[1e300, 0]]));
  assert.equal(lp.length, 1, 'a float64 flow takes 1e300 (no cast)');
});

test('-0, subnormals and the float32 extremes are ordinary values', () => {
  const lp = maf().logProb(f64([[-0, 5e-324], [1e-40, -0], [3.4e38, 0]]));
  assert.ok(Number.isFinite(lp[0]) && Number.isFinite(lp[1]), `${lp}`);
  assert.equal(lp.length, 3);
});

test('a non-finite context is refused by logProb and by sample (no limit there)', () => {
  const flow = maf(1);
  const x = matrix([[0, 0], [1, 1]]);
  assertNonFinite(() => flow.logProb(x, { context: matrix([[0], [NaN]]) }), /^TransformedDistribution\.logProb: context row 1, column 0 \(0-based\)/);
  assertNonFinite(() => flow.logProb(x, { context: matrix([[Infinity], [0]]) }), /context row 0, column 0 \(0-based\): expected a finite number, got Infinity/);
  assertNonFinite(() => flow.sample(4, { context: matrix([[NaN]]), rng: new Rng(1) }), /^TransformedDistribution\.sample: context row 0, column 0 \(0-based\)/);
  assertNonFinite(() => flow.sampleAndLogProb(2, { context: matrix([[1], [-Infinity]]), rng: new Rng(1) }), /context row 1, column 0/);
  assertNonFinite(() => flow.sample(2, { context: f64([[1e300]]), rng: new Rng(1) }), /context row 0, column 0 \(0-based\): 1e\+300 overflows float32/);
  assert.equal(flow.sample(3, { context: matrix([[0.5]]), rng: new Rng(1) }).rows, 3);
});

test('validateArgs: false skips the value check (NaN in, NaN out)', () => {
  const lp = maf().logProb(matrix([[NaN, 0]]), { validateArgs: false });
  assert.ok(Number.isNaN(lp[0]));
  const samples = maf(1).sample(2, { context: matrix([[NaN]]), rng: new Rng(1), validateArgs: false });
  assert.ok(Number.isNaN(samples.data[0]));
});

test('shape errors still come first, as before', () => {
  assert.throws(() => maf().logProb(matrix([[NaN, 0, 1]])), /^RangeError: TransformedDistribution\.logProb: expected x \[n, 2\], got \[n, 3\]/);
});
