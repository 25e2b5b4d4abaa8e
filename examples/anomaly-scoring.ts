/**
 * Anomaly scoring with a density model: train a MAF on benign breast-tissue samples only (Wisconsin diagnostic data,
 * 30 cell-nucleus measurements), then flag a row as anomalous when its log-density falls below a threshold chosen on
 * benign *validation* rows (the 5th and 1st percentiles: about 5 % and 1 % false alarms). Malignant rows, never seen
 * in training, should mostly score below. `maflow eval` on the malignant rows shows the same thing from the command
 * line: its tail report counts the rows that score below every training row.
 *
 * Run: npx tsx examples/anomaly-scoring.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatherRows, loadModel, readMatrix, Rng, splitValidation, writeMatrix } from 'maflow';
import { pairPlot } from 'maflow/plots';
import { DATA_DIR, QUICK, figuresDir, maflow, workDir } from './support.ts';

const { matrix: features, columns } = readMatrix(join(DATA_DIR, 'breast-cancer-wdbc.csv'), { dtype: 'float64' });
const { matrix: diagnosis } = readMatrix(join(import.meta.dirname, 'data', 'breast-cancer-diagnosis.csv'));
const rowsWhere = (malignant: number): number[] =>
  Array.from({ length: features.rows }, (_, r) => r).filter((r) => diagnosis.data[r] === malignant);
const benign = gatherRows(features, rowsWhere(0));
const malignant = gatherRows(features, rowsWhere(1));

// Benign rows: 60 % train, 20 % validation (for the thresholds), 20 % test. Malignant rows are only ever scored.
const first = splitValidation(benign, { fraction: 0.4, rng: new Rng(11) });
const second = splitValidation(first.validation, { fraction: 0.5, rng: new Rng(12) });
const [train, validation, test] = [first.train, second.train, second.validation];
const work = workDir('anomaly');
writeMatrix(join(work, 'benign-train.csv'), train, { columns });
writeMatrix(join(work, 'malignant.csv'), malignant, { columns });
console.log(`benign rows: ${train.rows} train, ${validation.rows} validation, ${test.rows} test; malignant rows: ${malignant.rows}`);

maflow(['train', 'benign-train.csv', '-o', 'benign.safetensors', '--hidden', '32,32', '--layers', '3', '--no-batch-norm',
  '--lr', '3e-3', '--weight-decay', '1e-3', '--batch-size', '32', '--epochs', QUICK ? '40' : '300', '--patience', '30',
  '--seed', '1'], work);
// The tail report: how many malignant rows score below the lowest log-density of any training row.
const report = JSON.parse(maflow(['eval', 'benign.safetensors', 'malignant.csv', '--json'], work)) as
  { rows: number; median: number; trainingMinimum: number; rowsBelowTrainingMinimum: number };
console.log(`maflow eval: ${report.rowsBelowTrainingMinimum} of ${report.rows} malignant rows score below `
  + `${report.trainingMinimum.toFixed(1)} nats, the lowest training log-density`);

const { flow } = loadModel(join(work, 'benign.safetensors'));
const scores = { validation: flow.logProb(validation), benign: flow.logProb(test), malignant: flow.logProb(malignant) };
// Why validation rows and not training rows: a flexible model scores its own training rows higher than new ones.
console.log(`benign test rows below the lowest training log-density: `
  + `${(100 * scores.benign.filter((v) => v < report.trainingMinimum).length / test.rows).toFixed(1)} %`);
const quantile = (values: Float64Array, q: number): number => Float64Array.from(values).sort()[Math.floor(q * (values.length - 1))];
const below = (values: Float64Array, threshold: number): number => values.filter((v) => v < threshold).length / values.length;
for (const q of [0.05, 0.01]) {
  const threshold = quantile(scores.validation, q);
  console.log(`threshold at the ${q * 100} % quantile of benign validation rows, ${threshold.toFixed(1)} nats: `
    + `false alarms ${(100 * below(scores.benign, threshold)).toFixed(1)} % of benign test rows, `
    + `detected ${(100 * below(scores.malignant, threshold)).toFixed(1)} % of malignant rows`);
}

// Ranking quality without any threshold: the chance that a malignant row scores below a benign one (ROC AUC).
let pairs = 0;
for (const m of scores.malignant) for (const b of scores.benign) pairs += m < b ? 1 : m === b ? 0.5 : 0;
console.log(`AUC (malignant below benign): ${(pairs / (scores.malignant.length * scores.benign.length)).toFixed(3)}`);

// The figure: the two groups' log-densities, floored at −150 nats so that the far tail stays on the axis.
const floored = (values: Float64Array) => ({ rows: values.length, cols: 1, data: values.map((v) => Math.max(v, -150)) });
const figure = pairPlot({ samples: floored(scores.benign), data: floored(scores.malignant),
  columns: ['log p(x), nats (floored at −150)'],
  seriesLabels: { samples: 'benign test rows', data: 'malignant rows' }, bins: 40,
  title: 'log-density under a MAF trained on benign rows' });
writeFileSync(join(figuresDir(), 'anomaly-scores.png'), figure.png);
console.log('wrote anomaly-scores.png');
