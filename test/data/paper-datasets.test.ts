import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadPaperDataset, PAPER_DATASETS } from '../../src/data/paper-datasets.ts';
import { writeMatrix } from '../../src/io/read-matrix.ts';

function randomMatrix(rng: Rng, rows: number, cols: number, dtype: 'float32' | 'float64' = 'float32') {
  return matrix(Array.from({ length: rows * cols }, () => rng.normal() * 3 + 1), rows, cols, dtype);
}

test('loadPaperDataset reads exported splits (.npy and .csv) from <root>/<folder>/', () => {
  const root = mkdtempSync(join(tmpdir(), 'maflow-paper-'));
  const rng = new Rng(10);
  mkdirSync(join(root, 'power'));
  const train = randomMatrix(rng, 30, 6);
  writeMatrix(join(root, 'power', 'train.npy'), train);
  writeMatrix(join(root, 'power', 'validate.npy'), randomMatrix(rng, 5, 6));
  writeMatrix(join(root, 'power', 'test.csv'), randomMatrix(rng, 7, 6));
  const power = loadPaperDataset('power', { root });
  assert.equal(power.source, 'splits');
  assert.deepEqual([power.train.rows, power.validate.rows, power.test.rows, power.test.cols], [30, 5, 7, 6]);
  assert.deepEqual(Array.from(power.train.data), Array.from(train.data));
  assert.ok(loadPaperDataset('power', { root, dtype: 'float64' }).train.data instanceof Float64Array);
});

test('loadPaperDataset checks the dimensionality of each benchmark', () => {
  const root = mkdtempSync(join(tmpdir(), 'maflow-paper-'));
  const rng = new Rng(11);
  mkdirSync(join(root, 'gas'));
  for (const split of ['train', 'validate', 'test']) writeMatrix(join(root, 'gas', `${split}.npy`), randomMatrix(rng, 4, 7));
  assert.throws(() => loadPaperDataset('gas', { root }),
    { name: 'DataError', message: `${join(root, 'gas', 'train.npy')}: GAS has 8 features after preprocessing, but this file has 7 columns` });
});

test('loadPaperDataset says where to put missing files', () => {
  const root = mkdtempSync(join(tmpdir(), 'maflow-paper-'));
  mkdirSync(join(root, 'hepmass'));
  writeMatrix(join(root, 'hepmass', 'train.npy'), randomMatrix(new Rng(12), 3, 21));
  assert.throws(() => loadPaperDataset('hepmass', { root }), (error: Error) => {
    assert.equal(error.name, 'DataError');
    assert.ok(error.message.startsWith(`${join(root, 'hepmass')}: HEPMASS data not found: expected train.npy, validate.npy, test.npy (or .csv) in this folder, missing validate.npy, test.npy.`), error.message);
    assert.match(error.message, /github\.com\/gpapamak\/maf/);
    return true;
  });
  assert.throws(() => loadPaperDataset('bsds300', { root }), { message: new RegExp(`^${join(root, 'BSDS300')}: BSDS300 data not found`) });
  assert.throws(() => loadPaperDataset('mnist' as never, { root }), /unknown dataset "mnist"; expected one of power, gas, hepmass, miniboone, bsds300/);
  assert.equal(PAPER_DATASETS.bsds300.features, 63);
});

test('loadPaperDataset splits and standardizes the raw MINIBOONE data.npy like the paper', () => {
  const root = mkdtempSync(join(tmpdir(), 'maflow-paper-'));
  mkdirSync(join(root, 'miniboone'));
  const raw = randomMatrix(new Rng(13), 105, 43, 'float64');
  writeMatrix(join(root, 'miniboone', 'data.npy'), raw);
  const d = loadPaperDataset('miniboone', { root, dtype: 'float64' });
  assert.equal(d.source, 'raw');
  // N_test = int(0.1 · 105) = 10; N_validate = int(0.1 · 95) = 9; train = the first 86 rows.
  assert.deepEqual([d.train.rows, d.validate.rows, d.test.rows], [86, 9, 10]);
  // Standardized with the mean and std of train + validation (the first 95 rows).
  for (const c of [0, 42]) {
    let mean = 0;
    let square = 0;
    for (let r = 0; r < 95; r++) mean += raw.data[r * 43 + c] / 95;
    for (let r = 0; r < 95; r++) square += (raw.data[r * 43 + c] - mean) ** 2 / 95;
    const std = Math.sqrt(square);
    assert.ok(Math.abs(d.train.data[c] - (raw.data[c] - mean) / std) < 1e-12);
    assert.ok(Math.abs(d.test.data[9 * 43 + c] - (raw.data[104 * 43 + c] - mean) / std) < 1e-12);
    assert.ok(Math.abs(d.validate.data[c] - (raw.data[86 * 43 + c] - mean) / std) < 1e-12);
  }
});
