/**
 * What `maflow demo` does when it runs (its arguments, options and help: `commands/demo.ts`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../core/matrix.ts';
import { Rng } from '../../core/rng.ts';
import { FIGURE1_ENTROPY, figure1Density } from '../../data/figure1-density.ts';
import { twoMoons } from '../../data/two-moons.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { writeMatrix } from '../../io/read-matrix.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { densityGrid, plotRange } from '../density-grid.ts';
import { summarizeLogLikelihood } from '../log-likelihood-summary.ts';
import { logDensities, sampleOriginal } from '../model-space.ts';
import { runTrainJob } from '../train-job.ts';
import { trainingCurve } from '../training-curve.ts';
import { TrainingFailedError } from '../training-failed-error.ts';
import { useBackend } from '../use-backend.ts';

/** The plotting module, loaded on demand (it takes about half a second). */
type Plots = typeof import('../plots/index.ts');

interface DemoOptions {
  out: string;
  quick?: boolean;
  backend?: string;
}

interface DemoDataset {
  name: string;
  title: string;
  train: Matrix;
  test: Matrix;
  /** The true mean test log-likelihood, when the density is known. */
  trueLogLik?: number;
}

/** Runs `maflow demo` with its parsed arguments and options. */
export async function demoAction(io: CliIo, options: DemoOptions): Promise<void> {
  useBackend(io, options.backend);
  mkdirSync(options.out, { recursive: true });
  const quick = options.quick === true;
  const rng = new Rng(2017);
  const n = quick ? 1000 : 4000;
  const moons = (count: number): Matrix => twoMoons(count, { rng, noise: 0.08, dtype: 'float64' }).data;
  const figure1 = (count: number): Matrix => figure1Density(count, { rng, dtype: 'float64' }).data;
  const datasets: DemoDataset[] = [
    { name: 'two-moons', title: 'Two moons', train: moons(n), test: moons(n / 2) },
    { name: 'figure1', title: 'MAF paper, Figure 1', train: figure1(n), test: figure1(n / 2), trueLogLik: -FIGURE1_ENTROPY },
  ];
  const plots = await import('../plots/index.ts');
  for (const dataset of datasets) runDataset(io, dataset, options.out, quick, plots);
  io.stdout.write(`\nwrote data (.csv), models (.safetensors), density and loss-curve plots (.png) to ${options.out}\n` +
    `try: maflow eval ${join(options.out, 'figure1.safetensors')} ${join(options.out, 'figure1-test.csv')}\n`);
}

function runDataset(io: CliIo, dataset: DemoDataset, dir: string, quick: boolean, plots: Plots): void {
  const file = (suffix: string): string => join(dir, `${dataset.name}${suffix}`);
  const columns = ['x1', 'x2'];
  writeMatrix(file('-train.csv'), dataset.train, { columns });
  writeMatrix(file('-test.csv'), dataset.test, { columns });
  const epochs = quick ? 15 : 150;
  io.stderr.write(`${dataset.title}: training a 5-layer MAF on ${dataset.train.rows} points (${epochs} epochs at most)…\n`);
  const result = runTrainJob({
    spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 5, hiddenUnits: quick ? [16, 16] : [64, 64], seed: 1 },
    x: dataset.train, columns, contextColumns: [], standardize: true, validationFraction: 0.1, epochs,
    batchSize: 100, learningRate: quick ? 3e-3 : 1e-3, weightDecay: 1e-6, patience: quick ? 10 : 20, seed: 2, out: file('.safetensors'),
    dataPath: file('-train.csv'),
  }, {
    onEpoch: (e) => {
      if (e.epoch % 5 === 0) io.stderr.write(`  epoch ${e.epoch}: validation log-likelihood ${e.validationLogLik.toFixed(3)}\n`);
    },
  });
  if (result.failed) throw new TrainingFailedError(`demo: training on ${dataset.name} failed: ${result.message ?? result.stoppedBy}`);
  const model = loadCliModel(file('.safetensors'));
  const summary = summarizeLogLikelihood(logDensities(model, dataset.test, undefined), 2);
  const truth = dataset.trueLogLik === undefined ? '' : ` (true density: ${dataset.trueLogLik.toFixed(3)})`;
  io.stdout.write(`${dataset.title.padEnd(20)} test log-likelihood ${summary.mean.toFixed(3)} ± ${summary.twoStandardErrors.toFixed(3)} nats${truth}\n`);
  const samples = sampleOriginal(model, 2000, undefined, new Rng(3));
  const grid = densityGrid(model, { x: plotRange(0, dataset.train, samples), y: plotRange(1, dataset.train, samples) });
  writeFileAtomic(file('-density.png'), plots.densityPlot({ grid, samples, data: dataset.train, title: `${dataset.title}: MAF density and samples` }).png);
  writeFileAtomic(file('-loss.png'), trainingCurve(plots, result.history, `${dataset.title}: training curve`).png);
}
