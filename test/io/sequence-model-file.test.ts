/** Sequence model files: round trip of a temporal MAF (LSTM and GRU, covariates, standardizations) and hostile files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { sequences } from '../../src/core/sequences.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createTemporalMaf } from '../../src/flows/create-temporal-maf.ts';
import { decodeModel, encodeModel } from '../../src/io/model-codec.ts';
import { decodeSequenceModel, encodeSequenceModel } from '../../src/io/sequence-model-codec.ts';
import { isSequenceModelFile, loadSequenceModel, saveSequenceModel } from '../../src/io/sequence-model-file.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.ts';

test('saveSequenceModel / loadSequenceModel: the temporal MAF comes back with the same log-likelihoods, samples and names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-seq-model-'));
  for (const encoder of ['lstm', 'gru'] as const) {
    const model = createTemporalMaf({
      features: 2, layers: 2, hiddenUnits: [8], encoder, encoderUnits: 5, contextFeatures: 1, truncation: 4,
      dataStandardize: new Standardize({ mean: [1, 2], std: [3, 4] }), contextStandardize: new Standardize({ mean: [0], std: [2] }), rng: new Rng(1),
    });
    for (const [, p] of model.namedParameters()) for (let k = 0; k < p.size; k++) p.value[k] += 0.01 * Math.cos(k);
    const path = join(dir, `${encoder}.safetensors`);
    saveSequenceModel(path, model, { columns: ['a', 'b'], contextColumns: ['site'], metadata: { note: 'x' } });
    assert.equal(isSequenceModelFile(path), true);
    const loaded = loadSequenceModel(path);
    assert.deepEqual([loaded.columns, loaded.contextColumns, loaded.metadata, loaded.formatVersion], [['a', 'b'], ['site'], { note: 'x' }, '2']);
    assert.equal(loaded.model.truncation, 4);
    const s = sequences([[[1, 2], [3, 1], [0, 0]], [[5, 5]]]);
    const context = matrix([[1], [-1]]);
    assert.deepEqual(loaded.model.logProb(s, { context }), model.logProb(s, { context }));
    assert.deepEqual(loaded.model.sample(3, { steps: 4, context: matrix([[1]]), rng: new Rng(2) }).data,
      model.sample(3, { steps: 4, context: matrix([[1]]), rng: new Rng(2) }).data);
  }
  const flowPath = join(dir, 'flow.safetensors');
  writeFileSync(flowPath, encodeModel(createMaf({ features: 2, layers: 1, hiddenUnits: [4], rng: new Rng(0) })));
  assert.equal(isSequenceModelFile(flowPath), false);
  assert.throws(() => loadSequenceModel(flowPath), /flow\.safetensors: not a sequence model .*read it with decodeModel or loadModel/);
  assert.throws(() => decodeModel(readFileSync(join(dir, 'lstm.safetensors')), 'lstm.safetensors'),
    /lstm\.safetensors: this is a sequence model \(a temporal MAF\): read it with decodeSequenceModel or loadSequenceModel/);
});

test('decodeSequenceModel: a missing tensor, a non-finite weight and a config far larger than the tensors are refused', () => {
  const model = createTemporalMaf({ features: 1, layers: 1, hiddenUnits: [4], encoderUnits: 3, rng: new Rng(3) });
  const bytes = encodeSequenceModel(model);
  const { tensors, metadata } = decodeSafetensors(bytes, 'm');
  const without = { ...tensors };
  delete without['encoder.weightHh'];
  assert.throws(() => decodeSequenceModel(encodeSafetensors(without, metadata), 'm.safetensors'), /m\.safetensors: missing tensor 'encoder\.weightHh'/);
  const nan = { ...tensors, 'encoder.biasIh': { ...tensors['encoder.biasIh'], data: new Float32Array(12).fill(NaN) } };
  assert.throws(() => decodeSequenceModel(encodeSafetensors(nan, metadata), 'm.safetensors'), /tensor 'encoder\.biasIh' holds NaN at index 0/);
  const config = JSON.parse(metadata.config);
  config.encoder.units = 1e8;
  assert.throws(() => decodeSequenceModel(encodeSafetensors(tensors, { ...metadata, config: JSON.stringify(config) }), 'm.safetensors'),
    /config\.encoder\.units is 100000000, larger than the file's largest tensor/);
  config.encoder.units = 1000;
  assert.throws(() => decodeSequenceModel(encodeSafetensors(tensors, { ...metadata, config: JSON.stringify(config) }), 'm.safetensors'),
    /the config implies \d+ parameter and buffer values, far more than the \d+ the file holds/);
});
