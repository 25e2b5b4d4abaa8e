import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { fileCheckpointer } from '../../src/io/checkpoint-file.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors-file.ts';
import { fit, type FitOptions } from '../../src/train/fit.ts';
import type { TrainingState } from '../../src/train/training-state.ts';

const dir = mkdtempSync(join(tmpdir(), 'maflow-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ring(n: number, rng: Rng): Matrix {
  const m = zeros(n, 2);
  for (let i = 0; i < n; i++) {
    const t = 2 * Math.PI * rng.uniform();
    m.data[2 * i] = 2 * Math.cos(t) + 0.2 * rng.normal();
    m.data[2 * i + 1] = 2 * Math.sin(t) + 0.2 * rng.normal();
  }
  return m;
}

const makeFlow = () => createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], batchNorm: true, rng: new Rng(31) });
const valuesOf = (flow: ReturnType<typeof makeFlow>) => flow.namedParameters().map(([n, p]) => [n, Array.from(p.value)]);
const options = (extra: Partial<FitOptions>): FitOptions => ({ batchSize: 50, learningRate: 3e-3, patience: 100, rng: new Rng(32), ...extra });

test('fileCheckpointer: a run resumed from a checkpoint file ends with bit-identical parameters', () => {
  const data = ring(500, new Rng(30));
  const a = makeFlow();
  fit(a, data, options({ epochs: 6 }));

  const ckpt = fileCheckpointer(join(dir, 'run.safetensors'));
  assert.equal(ckpt.exists(), false);
  const b = makeFlow();
  fit(b, data, options({ epochs: 4, checkpoint: { every: 2, save: ckpt.save } }));
  assert.equal(ckpt.exists(), true);
  const state = ckpt.load();
  assert.equal(state.epoch, 4);
  assert.ok(Object.values(state.parameters).every((t) => t instanceof Float32Array));

  const c = makeFlow();
  fit(c, data, options({ epochs: 6, resume: state }));
  assert.deepEqual(valuesOf(c), valuesOf(a));
  assert.deepEqual(collectBuffers(c), collectBuffers(a));
});

test('fileCheckpointer: save/load round-trips every field, non-finite numbers included', () => {
  const states: TrainingState[] = [];
  fit(makeFlow(), ring(200, new Rng(1)), options({ epochs: 2, validationFraction: 0, optimizer: 'sgd', checkpoint: { every: 1, save: (s) => states.push(s) } }));
  const state = states[1];
  assert.ok(Number.isNaN(state.history[0].validationLogLik) && state.best === null);
  const ckpt = fileCheckpointer(join(dir, 'sgd.safetensors'));
  ckpt.save(state);
  assert.deepEqual(ckpt.load(), state);

  const withBest: TrainingState[] = [];
  fit(makeFlow(), ring(200, new Rng(1)), options({ epochs: 1, checkpoint: { every: 1, save: (s) => withBest.push(s) } }));
  ckpt.save(withBest[0]);
  assert.deepEqual(ckpt.load(), withBest[0]);
});

test('fileCheckpointer: missing, foreign and truncated files fail with messages naming the file', () => {
  const missing = join(dir, 'nope.safetensors');
  assert.throws(() => fileCheckpointer(missing).load(), (e: Error) => e.message.startsWith(missing));
  const foreign = join(dir, 'foreign.safetensors');
  writeSafetensors(foreign, { w: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { format: 'pt' });
  assert.throws(() => fileCheckpointer(foreign).load(), /foreign\.safetensors: not a maflow checkpoint file \(format 'pt'/);
  const states: TrainingState[] = [];
  fit(makeFlow(), ring(100, new Rng(2)), options({ epochs: 1, checkpoint: { every: 1, save: (s) => states.push(s) } }));
  const good = join(dir, 'good.safetensors');
  fileCheckpointer(good).save(states[0]);
  const truncated = join(dir, 'truncated.safetensors');
  const bytes = readFileSync(good);
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 7));
  assert.throws(() => fileCheckpointer(truncated).load(), /truncated\.safetensors: .*(cover|truncated)/);
});

test('fileCheckpointer: a checkpoint written before the initial score was kept loads with NaN and resumes', () => {
  const states: TrainingState[] = [];
  const data = ring(200, new Rng(3));
  fit(makeFlow(), data, options({ epochs: 1, checkpoint: { every: 1, save: (s) => states.push(s) } }));
  assert.ok(Number.isFinite(states[0].initialValidationLogLik));
  const current = join(dir, 'current.safetensors');
  fileCheckpointer(current).save(states[0]);
  const { tensors, metadata } = readSafetensors(current);
  const scalar = JSON.parse(metadata.state) as Record<string, unknown>;
  delete scalar.initialValidationLogLik;
  const old = join(dir, 'old-format.safetensors');
  writeSafetensors(old, tensors, { ...metadata, state: JSON.stringify(scalar) });
  const loaded = fileCheckpointer(old).load();
  assert.ok(Number.isNaN(loaded.initialValidationLogLik));
  assert.deepEqual({ ...loaded, initialValidationLogLik: 0 }, { ...states[0], initialValidationLogLik: 0 });
  const resumed = fit(makeFlow(), data, options({ epochs: 2, resume: loaded }));
  assert.equal(resumed.history.length, 2);
  assert.ok(Number.isNaN(resumed.initialValidationLogLik));
});
