import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { AffineCoupling } from '../../src/bijectors/affine-coupling.ts';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import type { Bijector } from '../../src/bijectors/bijector.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { Scale } from '../../src/bijectors/scale.ts';
import { Shift } from '../../src/bijectors/shift.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const dtype = 'float64';
const cases: Array<[string, (rng: Rng) => Bijector]> = [
  ['MaskedAutoregressiveFlow', (rng) => new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [6, 5], degrees: 'random', contextFeatures: 2, dtype, rng })],
  ['Permute', (rng) => new Permute({ features: 3, permutation: 'random', rng, dtype })],
  ['Invert', (rng) => new Invert(new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [6], shiftOnly: true, dtype, rng }))],
  ['BatchNormalization', () => new BatchNormalization({ features: 3, eps: 1e-3, momentum: 0.05, dtype })],
  ['AffineCoupling', (rng) => new AffineCoupling({ features: 3, mask: [false, true, false], hiddenUnits: [5, 4], activation: 'tanh', contextFeatures: 2, logScaleBound: 3, dtype, rng })],
  ['Shift', () => new Shift({ features: 3, shift: [1, 2, 3], trainable: false, dtype })],
  ['Scale', () => new Scale({ features: 3, dtype })],
  ['Chain', (rng) => new Chain([
    new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [6], contextFeatures: 2, dtype, rng }),
    new BatchNormalization({ features: 3, dtype }),
    new Permute({ features: 3, dtype }),
    new AffineCoupling({ features: 3, hiddenUnits: [5], dtype, rng }),
    new Shift({ features: 3, dtype }),
  ])],
];

for (const [name, make] of cases) {
  test(`createBijector rebuilds ${name} from its config: copying parameters and buffers by name gives identical outputs`, () => {
    const rng = new Rng(7);
    const original = make(rng);
    for (const p of parametersOf(original)) for (let k = 0; k < p.size; k++) p.value[k] += 0.3 * rng.normal();
    for (const [, buffer] of collectBuffers(original)) for (let k = 0; k < buffer.length; k++) buffer[k] += 0.5 + rng.uniform();
    const config = JSON.parse(JSON.stringify(original.config()));
    const copy = createBijector(config, new Rng(99));
    assert.deepEqual(copy.config(), original.config());
    const params = new Map(original.namedParameters());
    const copyParams = copy.namedParameters();
    assert.deepEqual(copyParams.map(([n]) => n), [...params.keys()]);
    for (const [n, p] of copyParams) p.value.set(params.get(n)!.value);
    const buffers = new Map(collectBuffers(original));
    for (const [n, b] of collectBuffers(copy)) b.set(buffers.get(n)!);
    const x = randomMatrix(4, 3, rng);
    const options = original.contextFeatures > 0 ? { context: randomMatrix(4, original.contextFeatures, rng) } : {};
    const a = original.inverseAndLogDet(x, options);
    const b = copy.inverseAndLogDet(x, options);
    assert.deepEqual(Array.from(b.output.data), Array.from(a.output.data));
    assert.deepEqual(Array.from(b.logDet), Array.from(a.logDet));
    assert.deepEqual(Array.from(copy.forward(x, options).data), Array.from(original.forward(x, options).data));
  });
}

test('createBijector names unknown types and missing fields', () => {
  assert.throws(() => createBijector({ type: 'Glow' }), /createBijector: unknown bijector type 'Glow' \(expected one of MaskedAutoregressiveFlow, Chain/);
  assert.throws(() => createBijector({ type: 'AffineCoupling', features: 2 }), /createBijector\(AffineCoupling\): the config has no 'mask' field/);
  assert.throws(() => createBijector(null as never), /expected a bijector config/);
});
