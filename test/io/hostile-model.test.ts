/**
 * A model file from an untrusted source is checked for size before anything is allocated and for values after: each
 * hostile variant of a small valid file (test/helpers/hostile-models.ts) is refused with one DataError naming the
 * file and the problem, without the reader allocating more than a small multiple of the file.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, test } from 'node:test';
import { DataError } from '../../src/io/data-error.ts';
import { decodeModel } from '../../src/io/model-codec.ts';
import { impliedTensorElements } from '../../src/io/model-config-sizes.ts';
import { loadModel } from '../../src/io/model-file.ts';
import { Rng } from '../../src/core/rng.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { writeHostileModels } from '../helpers/hostile-models.ts';
import { tempDir } from '../cli/cli-harness.ts';

const temp = tempDir('hostile');
after(() => temp.remove());
const { good, models } = writeHostileModels(temp.dir);

test('the valid file the hostile ones are made from loads', () => {
  assert.equal(loadModel(good).flow.features, 3);
});

for (const model of models) {
  test(`loadModel refuses a hostile file: ${model.description}`, () => {
    const size = statSync(model.path).size;
    assert.ok(size < 8000, `a small file (${size} bytes)`);
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => loadModel(model.path), (error: unknown) => {
      assert.ok(error instanceof DataError, `a DataError, got ${String(error)}`);
      assert.ok(error.message.startsWith(`${model.path}: `), error.message);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      assert.match(error.message, model.message);
      return true;
    });
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 64 * 2 ** 20, `array buffers grew by ${grown} bytes`);
  });
}

test('the same checks hold for bytes (decodeModel, the browser path)', () => {
  for (const model of models) {
    assert.throws(() => decodeModel(readFileSync(model.path), 'fetched.safetensors'),
      (error: unknown) => error instanceof DataError && error.file === 'fetched.safetensors' && model.message.test(error.message));
  }
});

/** Every flow family the CLI and the library write, standardized and not, conditional and not. */
const families: Array<[string, () => Distribution]> = [
  ['MAF', () => createMaf({ features: 3, layers: 2, hiddenUnits: [8, 6], rng: new Rng(1) })],
  ['BN-MAF, conditional, random degrees', () => createMaf({ features: 3, layers: 2, hiddenUnits: [7], contextFeatures: 2, batchNorm: true, degrees: 'random', rng: new Rng(2) })],
  ['IAF', () => createIaf({ features: 3, layers: 2, hiddenUnits: [8], rng: new Rng(3) })],
  ['Real NVP with batch norm', () => createRealNvp({ features: 4, layers: 3, hiddenUnits: [8], batchNorm: true, rng: new Rng(4) })],
  ['NSF', () => createNsf({ features: 3, layers: 2, hiddenUnits: [8], bins: 5, rng: new Rng(5) })],
  ['MAF-MoG', () => createMafMog({ features: 2, layers: 2, hiddenUnits: [8], components: 3, rng: new Rng(6) })],
  ['MADE-MoG, conditional', () => createMadeMog({ features: 2, hiddenUnits: [8], components: 3, contextFeatures: 1, rng: new Rng(7) })],
  ['standardized conditional MADE-MoG', () => withStandardization(createMadeMog({ features: 2, hiddenUnits: [8], components: 2, contextFeatures: 1, rng: new Rng(8) }),
    { data: new Standardize({ mean: [1, 2], std: [3, 4] }), context: new Standardize({ mean: [0], std: [2] }) })],
];

for (const [name, make] of families) {
  test(`the size rule's implied tensor count is exact for ${name}, so no valid file is refused`, () => {
    const flow = make();
    const present = flow.namedParameters().reduce((sum, [, p]) => sum + p.value.length, 0)
      + collectBuffers(flow).reduce((sum, [, b]) => sum + b.length, 0);
    assert.equal(impliedTensorElements(JSON.parse(JSON.stringify(flow.config()))), present);
  });
}
