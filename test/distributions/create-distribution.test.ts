import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { createDistribution } from '../../src/distributions/create-distribution.ts';
import { DiagNormal } from '../../src/distributions/diag-normal.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { MixtureOfGaussians } from '../../src/distributions/mixture-of-gaussians.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { createMade } from '../../src/flows/create-made.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const cases: Array<[string, () => Distribution]> = [
  ['StandardNormal', () => new StandardNormal(3, 'float64')],
  ['DiagNormal', () => new DiagNormal({ features: 3, dtype: 'float64' })],
  ['fixed DiagNormal', () => new DiagNormal({ features: 3, loc: [1, 2, 3], logScale: [0.1, 0.2, 0.3], trainable: false, dtype: 'float64' })],
  ['MixtureOfGaussians', () => new MixtureOfGaussians({ features: 3, components: 4, dtype: 'float64', rng: new Rng(1) })],
  ['MadeMog (random degrees, context)', () => createMadeMog({ features: 3, components: 3, hiddenUnits: [8, 8], degrees: 'random',
    contextFeatures: 2, dtype: 'float64', rng: new Rng(2) })],
  ['createMade', () => createMade({ features: 3, hiddenUnits: [8], dtype: 'float64', rng: new Rng(3) })],
  ["createMaf (batch norm, random order, 'mog' base)", () => createMaf({ features: 3, layers: 2, hiddenUnits: [8], batchNorm: true,
    order: 'random', base: 'mog', components: 3, dtype: 'float64', rng: new Rng(4) })],
  ['createMafMog (context)', () => createMafMog({ features: 3, layers: 2, hiddenUnits: [8], components: 2, contextFeatures: 2,
    dtype: 'float64', rng: new Rng(5) })],
];

for (const [name, make] of cases) {
  test(`createDistribution rebuilds ${name}: same config, same names, same log-densities once weights are copied`, () => {
    const rng = new Rng(6);
    const original = make();
    for (const p of parametersOf(original)) for (let k = 0; k < p.size; k++) p.value[k] += 0.3 * rng.normal();
    const config = JSON.parse(JSON.stringify(original.config()));
    const copy = createDistribution(config, new Rng(123));
    assert.equal(copy.constructor, original.constructor);
    assert.deepEqual(copy.config(), original.config());
    const source = new Map(original.namedParameters());
    const names = copy.namedParameters().map(([n]) => n);
    assert.deepEqual(names, [...source.keys()]);
    for (const [n, p] of copy.namedParameters()) p.value.set(source.get(n)!.value);
    const x = randomMatrix(5, 3, rng);
    const options = original.contextFeatures > 0 ? { context: randomMatrix(5, original.contextFeatures, rng) } : {};
    const expected = original.logProb(x, options);
    const actual = copy.logProb(x, options);
    for (let r = 0; r < 5; r++) assert.ok(Math.abs(actual[r] - expected[r]) < 1e-12, `row ${r}: ${actual[r]} vs ${expected[r]}`);
  });
}

test('createDistribution: unknown types and missing fields are named', () => {
  assert.throws(() => createDistribution({ type: 'Cauchy' }), /unknown distribution type 'Cauchy' \(expected one of StandardNormal, DiagNormal/);
  assert.throws(() => createDistribution({ type: 'MadeMog', components: 2 }), /createDistribution\(MadeMog\): the config has no 'made' field/);
  assert.throws(() => createDistribution({ type: 'TransformedDistribution', base: { type: 'StandardNormal', features: 2 } }),
    /no 'bijector' field/);
  assert.throws(() => createDistribution(null as never), /expected a distribution config/);
});
