/** Model format 2 with every bijector and transformer kind of issue 16: saved, read back, same numbers; sizes bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Exp } from '../../src/bijectors/exp.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { Sigmoid } from '../../src/bijectors/sigmoid.ts';
import { Softplus } from '../../src/bijectors/softplus.ts';
import { Tanh } from '../../src/bijectors/tanh.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNaf } from '../../src/flows/create-naf.ts';
import { createUmnn } from '../../src/flows/create-umnn.ts';
import { decodeModel, encodeModel } from '../../src/io/model-codec.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { impliedTensorElements } from '../../src/io/model-config-sizes.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { DataError } from '../../src/core/data-error.ts';

const bounds: [number, number][] = [[0, 1], [0, Infinity], [-Infinity, 3]];
const flows: [string, () => Distribution][] = [
  ['MAF with Bounds, LU order and ActNorm', () => createMaf({ features: 3, layers: 3, hiddenUnits: [8], bounds, order: 'lu', actNorm: true, rng: new Rng(1) })],
  ['NAF', () => createNaf({ features: 3, layers: 2, hiddenUnits: [8], sigmoidUnits: 3, blocks: 2, rng: new Rng(2) })],
  ['UMNN', () => createUmnn({ features: 3, layers: 2, hiddenUnits: [8], integrandUnits: 3, intervals: 16, rng: new Rng(3) })],
  ['Bernstein MAF', () => createMaf({ features: 3, layers: 2, hiddenUnits: [8], transformer: new BernsteinTransformer({ degree: 5 }), rng: new Rng(4) })],
  ['elementwise bijectors', () => new TransformedDistribution(new StandardNormal(3), new Chain([
    new Sigmoid({ features: 3, low: -1, high: 4 }), new Invert(new Tanh({ features: 3 })), new Invert(new Exp({ features: 3 })), new Softplus({ features: 3 })]))],
];

for (const [name, make] of flows) {
  test(`${name}: a model file reads back to the same log-densities and samples; the config implies exactly its tensors`, () => {
    const flow = make();
    const rng = new Rng(9);
    for (const p of parametersOf(flow)) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.05 * rng.normal();
    const x = flow.sample(20, { rng: new Rng(5) });
    const loaded = decodeModel(encodeModel(flow), 'model.safetensors').flow;
    assert.deepEqual(Array.from(loaded.logProb(x)), Array.from(flow.logProb(x)));
    assert.deepEqual(Array.from(loaded.sample(5, { rng: new Rng(6) }).data), Array.from(flow.sample(5, { rng: new Rng(6) }).data));
    const elements = flow.namedParameters().reduce((sum, [, p]) => sum + p.value.length, 0);
    const buffers = collectBuffers(flow).reduce((sum, [, b]) => sum + b.length, 0);
    assert.equal(impliedTensorElements(flow.config()), elements + buffers);
  });
}

test('a hostile transformer size (a Bernstein degree of 1e9) is refused before anything is allocated', () => {
  const flow = createMaf({ features: 2, layers: 1, hiddenUnits: [4], transformer: new BernsteinTransformer({ degree: 3 }), rng: new Rng(0) });
  const { tensors, metadata } = decodeSafetensors(encodeModel(flow), 'model.safetensors');
  assert.ok(metadata.config.includes('"degree":3'));
  const hostile = encodeSafetensors(tensors, { ...metadata, config: metadata.config.replace('"degree":3', '"degree":1000000000') });
  assert.throws(() => decodeModel(hostile, 'model.safetensors'), (e: unknown) => e instanceof DataError && /degree is 1000000000/.test((e as Error).message));
});
