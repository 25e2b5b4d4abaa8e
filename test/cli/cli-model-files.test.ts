/**
 * Model files as the CLI meets them: format 2 written by `maflow train` (standardization inside the flow, or none
 * with --no-standardize), format-1 files still evaluated as before, and hostile files refused with one line and
 * exit status 2 (no stack trace, no gigabytes).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { conditionalSine } from '../../src/data/conditional-sine.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { readSafetensors } from '../../src/io/safetensors-file.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { writeHostileModels, type HostileModel } from '../helpers/hostile-models.ts';
import { assertUserError, runCli, runInProcess, tempDir } from './cli-harness.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe('maflow and model files', () => {
  const temp = tempDir('model-files');
  const at = (name: string): string => join(temp.dir, name);
  const TRAIN = ['--layers', '2', '--hidden', '8', '--epochs', '2', '--lr', '3e-3'];
  let hostile: HostileModel[] = [];

  before(() => {
    const sine = conditionalSine(400, { rng: new Rng(1), dtype: 'float64' });
    const rows = { rows: 400, cols: 3, data: new Float64Array(1200) };
    for (let r = 0; r < 400; r++) {
      rows.data[3 * r] = 50 + 10 * sine.data.data[r];
      rows.data[3 * r + 1] = 1000 * sine.context!.data[r];
      rows.data[3 * r + 2] = r % 7;
    }
    writeMatrix(at('train.csv'), rows, { columns: ['x', 'y', 'z'] });
    writeFileSync(at('three.csv'), 'x1,x2,x3\n0.5,1,2\n-1,0,1\n');
    hostile = writeHostileModels(temp.dir).models;
  });
  after(() => temp.remove());

  it('train writes format 2: the flow once, its standardizations inside, the column names beside it', async () => {
    const trained = await runInProcess(['train', at('train.csv'), '--columns', 'x,z', '--context-columns', 'y', '--out', at('m.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    const { metadata, tensors } = readSafetensors(at('m.safetensors'));
    assert.equal(metadata.formatVersion, '2');
    assert.deepEqual([JSON.parse(metadata.columns), JSON.parse(metadata.contextColumns)], [['x', 'z'], ['y']]);
    assert.equal(metadata['maflow.cli'], undefined, 'no second description of the model');
    assert.equal(metadata.standardizer, undefined);
    const config = JSON.parse(metadata.config);
    assert.equal(config.bijector.bijectors[0].type, 'Standardize');
    assert.equal(config.contextStandardize.type, 'Standardize');
    assert.ok(Math.abs(config.bijector.bijectors[0].mean[0] - 50) < 2, 'fitted to the raw x column');
    assert.ok('bijector.bijectors.1.made.hidden.0.weight' in tensors);
    const evaluated = await runInProcess(['eval', at('m.safetensors'), at('train.csv'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok(Number.isFinite(JSON.parse(evaluated.stdout).logLikelihood));
  });

  it('train --no-standardize puts no Standardize in the flow and the model still evaluates', async () => {
    // Data already near unit scale (raw columns of scale 1000 would explode an unstandardized flow in one epoch).
    const moons = twoMoons(400, { rng: new Rng(2), dtype: 'float64' }).data;
    writeMatrix(at('moons.csv'), moons, { columns: ['a', 'b'] });
    const trained = await runInProcess(['train', at('moons.csv'), '--no-standardize', '--out', at('raw.safetensors'), ...TRAIN]);
    assert.equal(trained.status, 0, trained.stderr);
    const config = JSON.parse(readSafetensors(at('raw.safetensors')).metadata.config);
    assert.deepEqual(config.bijector.bijectors.map((b: { type: string }) => b.type).filter((t: string) => t === 'Standardize'), []);
    assert.equal(config.contextStandardize, undefined);
    const evaluated = await runInProcess(['eval', at('raw.safetensors'), at('moons.csv'), '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok(Number.isFinite(JSON.parse(evaluated.stdout).logLikelihood));
  });

  it('format-1 files from an earlier maflow give the log-densities and samples they gave then', async () => {
    const expected = JSON.parse(readFileSync(fixture('model-v1-expected.json'), 'utf8')) as {
      rows: number[][]; conditional: { logProb: number[]; samples: string }; batchnorm: { logProb: number[] };
    };
    writeFileSync(at('eval.csv'), `x1,x2,y\n${expected.rows.map((r) => r.join(',')).join('\n')}\n`);
    const lp = await runInProcess(['logprob', fixture('model-v1-conditional.safetensors'), at('eval.csv')]);
    assert.equal(lp.status, 0, lp.stderr);
    lp.stdout.trim().split('\n').map(Number).forEach((v, r) => {
      assert.ok(Math.abs(v - expected.conditional.logProb[r]) < 1e-9 * Math.abs(v), `row ${r}: ${v} vs ${expected.conditional.logProb[r]}`);
    });
    writeFileSync(at('ctx.csv'), 'y\n123.4\n');
    const sampled = await runInProcess(['sample', fixture('model-v1-conditional.safetensors'), '-n', '3', '--seed', '1', '--context', at('ctx.csv')]);
    assert.equal(sampled.status, 0, sampled.stderr);
    const values = (text: string): number[] => text.trim().split('\n').slice(1).flatMap((line) => line.split(',').map(Number));
    values(sampled.stdout).forEach((v, k) => assert.ok(Math.abs(v - values(expected.conditional.samples)[k]) < 1e-5 * Math.abs(v), `sample value ${k}`));
    const bn = await runInProcess(['eval', fixture('model-v1-batchnorm.safetensors'), at('eval.csv'), '--json']);
    // The batch-norm model has columns x1, x2: read by name from the three-column file.
    assert.equal(bn.status, 0, bn.stderr);
    const mean = expected.batchnorm.logProb.reduce((a, b) => a + b, 0) / expected.batchnorm.logProb.length;
    assert.ok(Math.abs(JSON.parse(bn.stdout).logLikelihood - mean) < 1e-9, bn.stdout);
  });

  it('every hostile model file is one line on stderr and exit status 2, whatever the command', async () => {
    for (const model of hostile) {
      const result = await runInProcess(['eval', model.path, at('three.csv')]);
      assertUserError(result, new RegExp(`^maflow: ${model.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `), model.message);
    }
    const sampled = await runInProcess(['sample', hostile[0].path, '-n', '2']);
    assertUserError(sampled, hostile[0].message);
  });

  it('a small file claiming a billion features is refused by the real executable without a stack or the memory', async () => {
    const model = hostile.find((m) => m.name === 'huge-features')!;
    const result = await runCli(['logprob', model.path, at('three.csv')], temp.dir, { NODE_OPTIONS: '--max-old-space-size=256' });
    assertUserError(result, model.message);
    const unsorted = hostile.find((m) => m.name === 'unsorted-degrees')!;
    assertUserError(await runCli(['logprob', unsorted.path, at('three.csv')], temp.dir, { MAFLOW_BACKEND: 'native' }), unsorted.message);
  });
});
