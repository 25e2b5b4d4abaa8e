/**
 * Loaders for the density-estimation benchmarks of the MAF paper (Papamakarios, Pavlakou & Murray 2017, §5.2):
 * POWER, GAS, HEPMASS, MINIBOONE and BSDS300. maflow cannot download them; point `root` at a local directory.
 *
 * Expected layout, one folder per dataset named as in the paper's data archive (https://zenodo.org/record/1161203):
 * ```
 * <root>/power/     <root>/gas/     <root>/hepmass/     <root>/miniboone/     <root>/BSDS300/
 *   train.npy  validate.npy  test.npy        (or .csv; the three splits, already preprocessed)
 * ```
 * The split files are what the paper's own loaders produce (github.com/gpapamak/maf, `datasets/`); export them once:
 * ```python
 * import numpy as np, datasets   # in the maf repo, with datasets.root set to the unpacked archive
 * for folder, cls in [('power', datasets.POWER), ('gas', datasets.GAS), ('hepmass', datasets.HEPMASS),
 *                     ('miniboone', datasets.MINIBOONE), ('BSDS300', datasets.BSDS300)]:
 *     d = cls()
 *     for split, part in [('train', d.trn), ('validate', d.val), ('test', d.tst)]:
 *         np.save(f'{folder}/{split}.npy', part.x)
 * ```
 * Raw archive files are read directly only where the paper's preprocessing is deterministic: MINIBOONE's
 * `miniboone/data.npy` (last 10% test, last 10% of the rest validation, standardized with the train+validation
 * mean and std, exactly as the paper's code). POWER (seeded shuffling and noise with numpy's generator),
 * GAS (a pandas pickle), HEPMASS (pandas-specific feature pruning) and BSDS300 (HDF5) need the exported splits.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allocate, rowSlice, type Dtype, type Matrix } from '../core/matrix.ts';
import { DataError } from '../io/data-error.ts';
import { readMatrix } from '../io/read-matrix.ts';
import { readNpy } from '../io/npy.ts';

/** The five benchmarks. */
export type PaperDatasetName = 'power' | 'gas' | 'hepmass' | 'miniboone' | 'bsds300';

/** Folder name and dimensionality of each benchmark (after the paper's preprocessing). */
export const PAPER_DATASETS: Record<PaperDatasetName, { folder: string; features: number; title: string }> = {
  power: { folder: 'power', features: 6, title: 'POWER' },
  gas: { folder: 'gas', features: 8, title: 'GAS' },
  hepmass: { folder: 'hepmass', features: 21, title: 'HEPMASS' },
  miniboone: { folder: 'miniboone', features: 43, title: 'MINIBOONE' },
  bsds300: { folder: 'BSDS300', features: 63, title: 'BSDS300' },
};

/** Options of `loadPaperDataset`. */
export interface PaperDatasetOptions {
  /** The directory holding one folder per dataset (see the module documentation). */
  root: string;
  /** Element type of the returned matrices. @default 'float32' */
  dtype?: Dtype;
}

/** A benchmark's three splits, each `[n, features]`. */
export interface PaperDataset {
  name: PaperDatasetName;
  train: Matrix;
  validate: Matrix;
  test: Matrix;
  /** Which files were read: exported split files or the raw archive file. */
  source: 'splits' | 'raw';
}

const SPLITS = ['train', 'validate', 'test'] as const;

/**
 * Loads a benchmark's train / validate / test splits from `root`. When the files are missing, the `DataError`
 * says which folder and files were expected and how to produce them.
 *
 * @example
 * import { mkdirSync } from 'node:fs';
 * import { loadPaperDataset, matrix, writeNpy } from 'maflow';
 * mkdirSync('maf/power', { recursive: true });   // stand-ins for the exported splits: POWER has 6 columns
 * for (const split of ['train', 'validate', 'test']) writeNpy(`maf/power/${split}.npy`, matrix(new Float32Array(12), 2, 6));
 * const { train, validate, test } = loadPaperDataset('power', { root: 'maf' });
 * console.log(train.cols, validate.rows, test.rows); // → 6 2 2
 */
export function loadPaperDataset(name: PaperDatasetName, options: PaperDatasetOptions): PaperDataset {
  const spec = PAPER_DATASETS[name];
  if (spec === undefined) {
    throw new RangeError(`loadPaperDataset: unknown dataset "${name}"; expected one of ${Object.keys(PAPER_DATASETS).join(', ')}`);
  }
  const dtype = options.dtype ?? 'float32';
  const folder = join(options.root, spec.folder);
  const splitFiles = SPLITS.map((split) => findSplit(folder, split));
  if (splitFiles.every((file) => file !== undefined)) {
    const [train, validate, test] = splitFiles.map((file) => checkFeatures(readMatrix(file!, { dtype }).matrix, file!, name));
    return { name, train, validate, test, source: 'splits' };
  }
  const raw = join(folder, 'data.npy');
  if (name === 'miniboone' && existsSync(raw)) return { name, ...splitMiniboone(readNpy(raw), raw, dtype), source: 'raw' };
  const missing = SPLITS.filter((_, i) => splitFiles[i] === undefined).map((s) => `${s}.npy`);
  throw new DataError(`${spec.title} data not found: expected ${SPLITS.map((s) => `${s}.npy`).join(', ')} (or .csv) ` +
    `in this folder, missing ${missing.join(', ')}` +
    (name === 'miniboone' ? ' (or the paper archive\'s data.npy)' : '') +
    '. maflow cannot download them: export the splits with the MAF paper\'s loaders (github.com/gpapamak/maf; ' +
    'see the documentation of loadPaperDataset) and put them there', { file: folder });
}

function findSplit(folder: string, split: string): string | undefined {
  for (const extension of ['.npy', '.csv']) {
    const path = join(folder, split + extension);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function checkFeatures(m: Matrix, file: string, name: PaperDatasetName): Matrix {
  const { features, title } = PAPER_DATASETS[name];
  if (m.cols !== features) {
    throw new DataError(`${title} has ${features} features after preprocessing, but this file has ${m.cols} columns`, { file });
  }
  return m;
}

/** The paper's deterministic MINIBOONE split and standardization (miniboone.py in github.com/gpapamak/maf). */
function splitMiniboone(data: Matrix, file: string, dtype: Dtype): Omit<PaperDataset, 'name' | 'source'> {
  checkFeatures(data, file, 'miniboone');
  const testRows = Math.floor(0.1 * data.rows);
  const validateRows = Math.floor(0.1 * (data.rows - testRows));
  if (testRows < 1 || validateRows < 1) {
    throw new DataError(`too few rows (${data.rows}) to split into train, validation and test sets`, { file });
  }
  const fitRows = data.rows - testRows;
  const { cols } = data;
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  for (let r = 0; r < fitRows; r++) for (let c = 0; c < cols; c++) mean[c] += data.data[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= fitRows;
  for (let r = 0; r < fitRows; r++) {
    for (let c = 0; c < cols; c++) variance[c] += (data.data[r * cols + c] - mean[c]) ** 2;
  }
  const std = Array.from(variance, (v) => Math.sqrt(v / fitRows));
  const constant = std.findIndex((s) => !(s > 0));
  if (constant >= 0) throw new DataError(`column ${constant + 1} is constant in the train and validation rows`, { file, column: constant + 1 });
  const normalized = allocate(dtype, data.data.length);
  for (let r = 0; r < data.rows; r++) {
    for (let c = 0; c < cols; c++) normalized[r * cols + c] = (data.data[r * cols + c] - mean[c]) / std[c];
  }
  const all: Matrix = { rows: data.rows, cols, data: normalized };
  const trainRows = fitRows - validateRows;
  return {
    train: rowSlice(all, 0, trainRows),
    validate: rowSlice(all, trainRows, fitRows),
    test: rowSlice(all, fitRows, data.rows),
  };
}
