import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { setBatchNormStatistics } from '../../src/bijectors/set-batch-norm-statistics.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createMafMog } from '../../src/flows/create-maf-mog.ts';
import { createRealNvp } from '../../src/flows/create-real-nvp.ts';
import { withStandardization } from '../../src/flows/with-standardization.ts';
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
    const { flow: loaded, metadata, columns, contextColumns, formatVersion } = loadModel(path);
    assert.deepEqual(metadata, { note: c.name });
    assert.equal(formatVersion, '2');
    assert.deepEqual(columns, Array.from({ length: flow.features }, (_, i) => `col${i}`));
    assert.deepEqual(contextColumns, Array.from({ length: flow.contextFeatures }, (_, i) => `col${flow.features + i}`));
    assert.deepEqual(loaded.config(), flow.config());
    assert.deepEqual(Array.from(loaded.logProb(x, options)), Array.from(flow.logProb(x, options)));
    const sampleOptions = c.context === undefined ? {} : { context: randomMatrix(1, c.context, new Rng(1), 1, 'float32') };
    assert.deepEqual(loaded.sample(10, { ...sampleOptions, rng: new Rng(41) }).data, flow.sample(10, { ...sampleOptions, rng: new Rng(41) }).data);
  });
}

test('saveModel (format 2): the flow once, standardization inside it, PyTorch names and layouts, column names', () => {
  const inner = createMaf({ features: 3, layers: 2, hiddenUnits: [5], contextFeatures: 2, batchNorm: true, rng: new Rng(1) });
  const flow = withStandardization(inner, {
    data: new Standardize({ mean: [1, 2, 3], std: [0.5, 1, 2] }), context: new Standardize({ mean: [10, 20], std: [3, 4] }),
  });
  const path = join(dir, 'layout.safetensors');
  saveModel(path, flow, { columns: ['a', 'b', 'c'], contextColumns: ['y1', 'y2'] });
  const { tensors, metadata } = readSafetensors(path);
  // bijectors.0 is the Standardize (no tensors); the first MADE is bijectors.1.
  const w = tensors['bijector.bijectors.1.made.hidden.0.weight'];
  assert.deepEqual([w.dtype, w.shape], ['F32', [5, 3]]);
  assert.deepEqual(tensors['bijector.bijectors.1.made.hidden.0.contextWeight'].shape, [5, 2]);
  assert.deepEqual(tensors['bijector.bijectors.1.made.output.weight'].shape, [6, 5]);
  // Hidden units of degree 1 read input 0 only: columns 1 and 2 of their rows are masked.
  assert.equal(w.data[1], 0);
  assert.equal(w.data[2], 0);
  assert.deepEqual([tensors['bijector.bijectors.2.runningMean'].dtype, tensors['bijector.bijectors.2.runningVariance'].shape], ['F64', [3]]);
  assert.deepEqual(Object.keys(metadata).sort(), ['columns', 'config', 'contextColumns', 'format', 'formatVersion', 'maflowVersion']);
  assert.equal(metadata.format, 'maflow');
  assert.equal(metadata.formatVersion, '2');
  const config = JSON.parse(metadata.config) as { bijector: { bijectors: unknown[] }; contextStandardize: unknown };
  assert.deepEqual(config, flow.config());
  assert.deepEqual(config.bijector.bijectors[0], { type: 'Standardize', features: 3, mean: [1, 2, 3], std: [0.5, 1, 2], dtype: 'float64' });
  assert.deepEqual(config.contextStandardize, { type: 'Standardize', features: 2, mean: [10, 20], std: [3, 4], dtype: 'float64' });
  assert.deepEqual(JSON.parse(metadata.columns), ['a', 'b', 'c']);
  assert.deepEqual(JSON.parse(metadata.contextColumns), ['y1', 'y2']);
  assert.match(metadata.maflowVersion, /^\d+\.\d+\.\d+/);
  const loaded = loadModel(path);
  assert.deepEqual([loaded.columns, loaded.contextColumns], [['a', 'b', 'c'], ['y1', 'y2']]);
  const rng = new Rng(2);
  const x = randomMatrix(6, 3, rng, 2);
  const context = randomMatrix(6, 2, rng, 5);
  assert.deepEqual(Array.from(loaded.flow.logProb(x, { context })), Array.from(flow.logProb(x, { context })));
});

test('saveModel refuses reserved metadata keys, misnamed columns and the format-1 standardizer option', () => {
  const flow = createMaf({ features: 3, layers: 1, hiddenUnits: [4], contextFeatures: 1, rng: new Rng(1) });
  const path = join(dir, 'refused.safetensors');
  for (const key of ['config', 'columns', 'contextColumns', 'standardizer', 'maflow.cli', 'formatVersion']) {
    assert.throws(() => saveModel(path, flow, { metadata: { [key]: 'x' } }), new RegExp(`metadata key '${key.replace('.', '\\.')}' is reserved`));
  }
  assert.throws(() => saveModel(path, flow, { columns: ['a', 'b'] }), /saveModel: columns: expected 3 names, got 2 \(the flow has 3\)/);
  assert.throws(() => saveModel(path, flow, { contextColumns: [] }), /saveModel: contextColumns: expected 1 name, got 0/);
  assert.throws(() => saveModel(path, flow, { columns: ['a', 'b', 3 as unknown as string] }), /columns: name 2 is not a string \(3\)/);
  assert.throws(() => saveModel(path, flow, { standardizer: {} } as never), /the standardizer option is gone in model format 2: put the standardization in the flow/);
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
    [variant('version.safetensors', (_t, m) => { m.formatVersion = '9'; }), /unsupported model format version "9" \(this maflow reads versions 1 and 2\)/],
    [variant('nocolumns.safetensors', (_t, m) => { delete m.columns; }), /nocolumns\.safetensors: the metadata has no 'columns'/],
    [variant('badcolumns.safetensors', (_t, m) => { m.columns = '["x1"]'; }), /the 'columns' metadata does not name the flow's 2 columns: expected 2 names, got 1/],
    [variant('jsoncolumns.safetensors', (_t, m) => { m.contextColumns = '[x'; }), /the 'contextColumns' metadata is not valid JSON/],
    [variant('type.safetensors', (_t, m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), type: 'X' }); }), /type\.safetensors: unknown flow type "X"/],
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
