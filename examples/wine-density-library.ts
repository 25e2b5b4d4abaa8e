/**
 * Density estimation on the wine data with the library: the same split as `wine-density-cli.ts`, a MAF behind a
 * standardization fitted to the training rows (so every density is in the data's own units), `fit` with early
 * stopping, the test log-likelihood, a model file the CLI can read, and a pair plot drawn with `maflow/plots`.
 *
 * Run: npx tsx examples/wine-density-library.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMaf, fit, loadModel, readMatrix, Rng, saveModel, splitValidation, Standardize, withStandardization } from 'maflow';
import { pairPlot } from 'maflow/plots';
import { DATA_DIR, QUICK, figuresDir, workDir } from './support.ts';

const { matrix: data, columns } = readMatrix(join(DATA_DIR, 'wine.csv'), { dtype: 'float64' });
const { train, validation: test } = splitValidation(data, { fraction: 0.25, rng: new Rng(7) });

const maf = createMaf({ features: columns.length, layers: 2, hiddenUnits: [16, 16], rng: new Rng(1) });
const flow = withStandardization(maf, { data: Standardize.fit(train) });
const result = fit(flow, train, {
  epochs: QUICK ? 60 : 400, patience: 30, batchSize: 32, learningRate: 3e-3, weightDecay: 1e-3,
  validationFraction: 0.1, rng: new Rng(2),
});
console.log(`fit: ${result.stoppedBy} after ${result.history.length} epochs, best epoch ${result.bestEpoch}, `
  + `validation log-likelihood ${result.bestValidationLogLik.toFixed(3)} nats`);

// The model file keeps the flow with its standardization and the column names: `maflow eval` reads it as it is.
const modelPath = join(workDir('wine-library'), 'wine.safetensors');
saveModel(modelPath, flow, { columns });
const { flow: loaded } = loadModel(modelPath);
const logDensity = loaded.logProb(test);
const mean = logDensity.reduce((a, b) => a + b, 0) / test.rows;
const median = Float64Array.from(logDensity).sort()[Math.floor(test.rows / 2)];
console.log(`test log-likelihood (nats): mean ${mean.toFixed(3)}, median ${median.toFixed(3)} over ${test.rows} rows`);

const samples = loaded.sample(1000, { rng: new Rng(3) });
const shown = ['alcohol', 'flavanoids', 'color_intensity', 'proline'].map((name) => columns.indexOf(name));
const figure = pairPlot({ samples, data: test, columns, dimensions: shown, title: 'wine: MAF samples vs test rows',
  seriesLabels: { samples: 'model samples', data: 'test rows' } });
writeFileSync(join(figuresDir(), 'wine-library-pairs.png'), figure.png);
console.log(`wrote wine-library-pairs.png (${figure.width}×${figure.height})`);
