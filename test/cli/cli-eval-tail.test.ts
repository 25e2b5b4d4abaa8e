/**
 * `maflow eval` reports its own quality honestly: the median and the worst row beside the mean, and one warning line
 * counting the rows that score below the lowest log-density of any training row (which `maflow train` records in the
 * model), so that a few rows far outside the training data cannot silently ruin the mean.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { rowSlice } from '../../src/core/matrix.ts';
import { twoMoons } from '../../src/data/two-moons.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';
import { loadCliModel } from '../../src/cli/cli-model.ts';
import { runInProcess, tempDir } from './cli-harness.ts';

describe('maflow eval: the tail of the test log-densities', () => {
  const temp = tempDir('eval-tail');
  const at = (name: string): string => join(temp.dir, name);

  before(async () => {
    const moons = twoMoons(400, { rng: new Rng(1), dtype: 'float64' }).data;
    writeMatrix(at('train.csv'), moons, { columns: ['x1', 'x2'] });
    writeMatrix(at('seen.csv'), rowSlice(moons, 0, 50), { columns: ['x1', 'x2'] });
    // Two rows far outside the moons (rows 2 and 4 of the file's data), among ordinary ones.
    const mixed = rowSlice(moons, 0, 5);
    mixed.data[1 * 2] = 40; mixed.data[1 * 2 + 1] = -35;
    mixed.data[3 * 2] = -60; mixed.data[3 * 2 + 1] = 55;
    writeMatrix(at('outliers.csv'), mixed, { columns: ['x1', 'x2'] });
    const trained = await runInProcess(['train', at('train.csv'), '--out', at('m.safetensors'), '--layers', '2',
      '--hidden', '16,16', '--epochs', '5', '--lr', '1e-3', '--seed', '2']);
    assert.equal(trained.status, 0, trained.stderr);
  });
  after(() => temp.remove());

  it('train records the training rows\' log-densities in the model', () => {
    const recorded = loadCliModel(at('m.safetensors')).trainingLogProb;
    assert.ok(recorded !== undefined, 'no trainingLogProb in the model file');
    assert.equal(recorded.rows, 400);
    assert.ok(Number.isFinite(recorded.min) && recorded.min <= recorded.median);
  });

  it('rows seen in training: median and worst row printed, no warning', async () => {
    const result = await runInProcess(['eval', at('m.safetensors'), at('seen.csv')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^median row: +-?\d+\.\d{4} nats; worst row: -?\d+\.\d{4} nats \(data row \d+\)$/m);
    assert.doesNotMatch(result.stderr, /warning/);
  });

  it('rows far outside the training data: one warning line naming them, and the JSON counts them', async () => {
    const text = await runInProcess(['eval', at('m.safetensors'), at('outliers.csv')]);
    assert.equal(text.status, 0, text.stderr);
    const warnings = text.stderr.trim().split('\n').filter((line) => line.length > 0);
    assert.equal(warnings.length, 1, text.stderr);
    assert.match(warnings[0], /^maflow: warning: 2 of 5 rows score below -?\d+\.\d\d nats, the lowest log-density of any training row \(data rows 2, 4\)/);
    assert.match(text.stdout, /worst row: .* \(data row [24]\)/);
    const json = await runInProcess(['eval', at('m.safetensors'), at('outliers.csv'), '--json']);
    const summary = JSON.parse(json.stdout) as { median: number; worst: number; worstRow: number; rowsBelowTrainingMinimum: number; logLikelihood: number };
    assert.equal(summary.rowsBelowTrainingMinimum, 2);
    assert.ok([2, 4].includes(summary.worstRow));
    assert.ok(summary.worst < summary.median && summary.logLikelihood < summary.median, 'the outliers pull the mean below the median');
  });
});
