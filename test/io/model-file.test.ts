import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Standardizer } from '../../src/data/standardizer.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { loadModel, saveModel } from '../../src/io/model-file.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors-file.ts';
import { randomMatrix } from '../helpers/numeric.ts';

const dir = mkdtempSync(join(tmpdir(), 'maflow-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Moves every weight away from its initial value (masked entries stay 0, as training leaves them). */
function perturb(flow: Distribution, rng: Rng): void {
  for (const [, p] of flow.namedParameters()) {
    for (let k = 0; k < p.value.length; k++) if (p.value[k] !== 0 || p.shape.length === 1) p.value[k] += 0.1 * rng.normal();
  }
}

const cases: Array<{ name: string; make: (rng: Rng) => Distribution; context?: number }> = [
  { name: 'MAF', make: (rng) => createMaf({ features: 3, layers: 3, hiddenUnits: [8, 8], rng }) },
  { name: 'MAF random order and degrees, float64', make: (rng) => createMaf({ features: 3, layers: 2, hiddenUnits: [9], order: 'random', degrees: 'random', dtype: 'float64', rng }) },
  { name: 'conditional MAF', make: (rng) => createMaf({ features: 2, layers: 2, hiddenUnits: [8], contextFeatures: 2, rng }), context: 2 },
  { name: 'BN-MAF', make: (rng) => createMaf({ features: 3, layers: 2, hiddenUnits: [8], batchNorm: true, rng }) },
  { name: 'IAF', make: (rng) => createIaf({ features: 3, layers: 2, hiddenUnits: [8], rng }) },
  { name: 'Real NVP', make: (rng) => createRealNvp({ features: 3, layers: 3, hiddenUnits: [8], batchNorm: true, rng }) },
  { name: 'MAF-MoG', make: (rng) => createMafMog({ features: 2, layers: 2, hiddenUnits: [8], components: 3, rng }) },
  { name: 'MADE-MoG', make: (rng) => createMadeMog({ features: 2, hiddenUnits: [8], components: 3, rng }) },
];

for (const c of cases) {
  test(`saveModel/loadModel: ${c.name} round-trips to bit-identical log-probs and samples`, () => {
    const rng = new Rng(40);
    const flow = c.make(rng);
    perturb(flow, rng);
    const x = randomMatrix(20, flow.features, rng, 1, 'float32');
    if ('bijector' in flow && collectBuffers(flow as never).length > 0) setBatchNormStatistics(flow as never, randomMatrix(50, flow.features, rng, 2));
    const options = c.context === undefined ? {} : { context: randomMatrix(20, c.context, rng, 1, 'float32') };
    const path = join(dir, `${c.name.replace(/\W+/g, '-')}.safetensors`);
    saveModel(path, flow, { metadata: { note: c.name } });
    const { flow: loaded, metadata, standardizer } = loadModel(path);
    assert.deepEqual(metadata, { note: c.name });
    assert.equal(standardizer, undefined);
    assert.deepEqual(loaded.config(), flow.config());
    assert.deepEqual(Array.from(loaded.logProb(x, options)), Array.from(flow.logProb(x, options)));
    const sampleOptions = c.context === undefined ? {} : { context: randomMatrix(1, c.context, new Rng(1), 1, 'float32') };
    assert.deepEqual(loaded.sample(10, { ...sampleOptions, rng: new Rng(41) }).data, flow.sample(10, { ...sampleOptions, rng: new Rng(41) }).data);
  });
}

test('saveModel: tensors use PyTorch names and layouts, masked weights are 0, metadata values are strings', () => {
  const flow = createMaf({ features: 3, layers: 2, hiddenUnits: [5], contextFeatures: 2, batchNorm: true, rng: new Rng(1) });
  const path = join(dir, 'layout.safetensors');
  const standardizer = new Standardizer([1, 2, 3], [0.5, 1, 2]);
  saveModel(path, flow, { standardizer });
  const { tensors, metadata } = readSafetensors(path);
  const w = tensors['bijector.bijectors.0.made.hidden.0.weight'];
  assert.deepEqual([w.dtype, w.shape], ['F32', [5, 3]]);
  assert.deepEqual(tensors['bijector.bijectors.0.made.hidden.0.contextWeight'].shape, [5, 2]);
  assert.deepEqual(tensors['bijector.bijectors.0.made.output.weight'].shape, [6, 5]);
  // Hidden units of degree 1 read input 0 only: columns 1 and 2 of their rows are masked.
  assert.equal(w.data[1], 0);
  assert.equal(w.data[2], 0);
  assert.deepEqual([tensors['bijector.bijectors.1.runningMean'].dtype, tensors['bijector.bijectors.1.runningVariance'].shape], ['F64', [3]]);
  assert.equal(metadata.format, 'maflow');
  assert.equal(metadata.formatVersion, '1');
  assert.deepEqual(JSON.parse(metadata.config), flow.config());
  assert.deepEqual(JSON.parse(metadata.standardizer), { mean: [1, 2, 3], std: [0.5, 1, 2] });
  assert.match(metadata.maflowVersion, /^\d+\.\d+\.\d+/);
  assert.deepEqual(loadModel(path).standardizer?.toJSON(), standardizer.toJSON());
  assert.throws(() => saveModel(path, flow, { metadata: { config: 'x' } }), /metadata key 'config' is reserved/);
  assert.throws(() => saveModel(path, flow, { standardizer: new Standardizer([0], [1]) }), /standardizer has 1 columns, the flow 3 features/);
});

test('loadModel: corrupt, foreign and mismatched files fail with messages naming the file and the problem', () => {
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [4], rng: new Rng(2) });
  const good = join(dir, 'good.safetensors');
  saveModel(good, flow);
  const { tensors, metadata } = readSafetensors(good);
  const variant = (name: string, edit: (t: typeof tensors, m: typeof metadata) => void) => {
    const t = structuredClone(tensors);
    const m = { ...metadata };
    edit(t, m);
    const path = join(dir, name);
    writeSafetensors(path, t, m);
    return path;
  };
  const weight = 'bijector.bijectors.0.made.hidden.0.weight';
  const cases: Array<[string, RegExp]> = [
    [variant('missing.safetensors', (t) => { delete t[weight]; }), /missing\.safetensors: missing tensor 'bijector\.bijectors\.0\.made\.hidden\.0\.weight'/],
    [variant('shape.safetensors', (t) => { t[weight].shape = [t[weight].shape[1], t[weight].shape[0]]; }), /shape\.safetensors: tensor '.*hidden\.0\.weight' has shape \[2, 4\], expected \[4, 2\]/],
    [variant('dtype.safetensors', (t) => { t[weight] = { dtype: 'F64', shape: t[weight].shape, data: Float64Array.from(t[weight].data as Float32Array) }; }), /tensor '.*' has dtype F64, expected F32/],
    [variant('extra.safetensors', (t) => { t.stray = { dtype: 'F32', shape: [1], data: new Float32Array(1) }; }), /extra\.safetensors: unexpected tensor 'stray'/],
    [variant('foreign.safetensors', (_t, m) => { m.format = 'pt'; }), /foreign\.safetensors: not a maflow model file/],
    [variant('version.safetensors', (_t, m) => { m.formatVersion = '9'; }), /unsupported model format version '9'/],
    [variant('type.safetensors', (_t, m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), type: 'X' }); }), /type\.safetensors: unknown flow type 'X'/],
    [variant('json.safetensors', (_t, m) => { m.config = '{'; }), /the 'config' metadata is not valid JSON/],
    [variant('noconfig.safetensors', (_t, m) => { delete m.config; }), /the metadata has no 'config'/],
  ];
  for (const [path, pattern] of cases) assert.throws(() => loadModel(path), pattern);
  const truncated = join(dir, 'truncated.safetensors');
  const bytes = readFileSync(good);
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 5));
  assert.throws(() => loadModel(truncated), /truncated\.safetensors: /);
  assert.throws(() => loadModel(join(dir, 'absent.safetensors')), /absent\.safetensors/);
});
