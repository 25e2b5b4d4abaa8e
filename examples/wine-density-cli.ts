/**
 * Density estimation on a real dataset with the `maflow` command: the 13 chemical measurements of 178 Italian wines
 * (UCI wine data). Split the rows, train a MAF with early stopping, report the test log-likelihood with its tail,
 * draw a pair plot of samples against the test rows, and check the fit with normal QQ plots of u = f⁻¹(x).
 *
 * Run: npx tsx examples/wine-density-cli.ts
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMatrix, Rng, splitValidation, writeMatrix } from 'maflow';
import { DATA_DIR, QUICK, figuresDir, maflow, workDir } from './support.ts';

const work = workDir('wine-cli');
const { matrix: data, columns } = readMatrix(join(DATA_DIR, 'wine.csv'), { dtype: 'float64' });
const { train, validation: test } = splitValidation(data, { fraction: 0.25, rng: new Rng(7) });
writeMatrix(join(work, 'train.csv'), train, { columns });
writeMatrix(join(work, 'test.csv'), test, { columns });
console.log(`wine: ${train.rows} training rows, ${test.rows} test rows, ${columns.length} columns`);

// 178 rows are few for 13 dimensions: a small network, weight decay and early stopping keep it from overfitting.
maflow(['train', 'train.csv', '-o', 'wine.safetensors', '--hidden', '16,16', '--layers', '2', '--no-batch-norm',
  '--lr', '3e-3', '--weight-decay', '1e-3', '--batch-size', '32', '--epochs', QUICK ? '60' : '400', '--patience', '30',
  '--seed', '1'], work);
const report = maflow(['eval', 'wine.safetensors', 'test.csv', '--json'], work);
process.stdout.write(report);
const evaluated = JSON.parse(report) as { logLikelihood: number; median: number; rowsBelowTrainingMinimum: number };

// A yardstick: independent Gaussians per column, fitted to the training rows (what "no dependence" scores).
const baseline = new Float64Array(test.rows);
for (let c = 0; c < columns.length; c++) {
  let mean = 0;
  let square = 0;
  for (let r = 0; r < train.rows; r++) mean += train.data[r * train.cols + c] / train.rows;
  for (let r = 0; r < train.rows; r++) square += (train.data[r * train.cols + c] - mean) ** 2 / train.rows;
  for (let r = 0; r < test.rows; r++) {
    baseline[r] += -0.5 * (test.data[r * test.cols + c] - mean) ** 2 / square - 0.5 * Math.log(2 * Math.PI * square);
  }
}
const baselineMean = baseline.reduce((a, b) => a + b, 0) / test.rows;
const baselineMedian = Float64Array.from(baseline).sort()[Math.floor(test.rows / 2)];

const figures = figuresDir();
maflow(['plot', 'wine.safetensors', '--data', 'test.csv', '-n', '1000', '--columns', 'alcohol,flavanoids,color_intensity,proline',
  '-o', 'wine-pairs.png'], work);
maflow(['diagnose', 'wine.safetensors', 'test.csv', '--plot', 'wine-qq.png'], work);
copyFileSync(join(work, 'wine-pairs.png'), join(figures, 'wine-pairs.png'));
copyFileSync(join(work, 'wine-qq.png'), join(figures, 'wine-qq.png'));
// The mean is the number to report, but 45 test rows include a few outside the training data (eval's warning): the
// median row says how well the typical wine is modelled.
console.log(`test log-likelihood (nats): MAF mean ${evaluated.logLikelihood.toFixed(3)}, median ${evaluated.median.toFixed(3)}; `
  + `independent Gaussians mean ${baselineMean.toFixed(3)}, median ${baselineMedian.toFixed(3)}`);
