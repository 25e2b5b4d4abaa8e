/**
 * The real datasets of bench/data/ and their seeded splits, shared by the quality bench and the learning test, so that
 * maflow and the PyTorch reference see exactly the same rows: for seed s, `Rng(s).permutation(n)` orders the rows, the
 * first 30% are the test set, the next 10% the validation set and the rest the training set; all three are
 * standardized with the training rows' mean and standard deviation (ddof 0), as float32.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, gatherRows, readCsv, Rng, Standardize, type Matrix } from '../../src/node.ts';

export const REAL_DATASETS = ['breast-cancer', 'wine', 'diabetes'] as const;
export type RealDataset = (typeof REAL_DATASETS)[number];

const FILES: Record<RealDataset, string> = {
  'breast-cancer': 'breast-cancer-wdbc.csv',
  wine: 'wine.csv',
  diabetes: 'diabetes.csv',
};

const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data');

export interface RealSplit {
  readonly train: Matrix;
  readonly validation: Matrix;
  readonly test: Matrix;
}

/** The dataset's rows in their original units, `[n, D]` float64. */
export function loadRealDataset(name: RealDataset): Matrix {
  return readCsv(path.join(DATA_DIR, FILES[name]), { dtype: 'float64' }).matrix;
}

/** The seed's train/validation/test split of `name`, standardized by the training rows. */
export function realSplit(name: RealDataset, seed: number): RealSplit {
  const all = loadRealDataset(name);
  const order = new Rng(seed).permutation(all.rows);
  const nTest = Math.round(0.3 * all.rows);
  const nValidation = Math.round(0.1 * all.rows);
  const rows = (from: number, to: number): Matrix => gatherRows(all, order.subarray(from, to));
  const train = rows(nTest + nValidation, all.rows);
  const { mean, std } = Standardize.fit(train);
  const standardize = (m: Matrix): Matrix => {
    const data = new Float32Array(m.rows * m.cols);
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) data[r * m.cols + c] = (m.data[r * m.cols + c] - mean[c]) / std[c];
    }
    return { rows: m.rows, cols: m.cols, data };
  };
  return { train: standardize(train), validation: standardize(rows(nTest, nTest + nValidation)), test: standardize(rows(0, nTest)) };
}

/** Writes a split as `train.npy`, `val.npy`, `test.npy` in `dir` (for the PyTorch reference script). */
export function writeSplit(split: RealSplit, dir: string): { train: string; val: string; test: string } {
  const files = { train: path.join(dir, 'train.npy'), val: path.join(dir, 'val.npy'), test: path.join(dir, 'test.npy') };
  writeFileSync(files.train, encodeNpy(split.train));
  writeFileSync(files.val, encodeNpy(split.validation));
  writeFileSync(files.test, encodeNpy(split.test));
  return files;
}
