/**
 * What `maflow forecast` does when it runs (its arguments, options and help: `commands/forecast.ts`).
 */
import { Rng } from '../../core/rng.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { loadSequenceModel } from '../../io/sequence-model-file.ts';
import { formatSequencesCsv, writeSequences, type WriteSequencesOptions } from '../../io/write-sequences.ts';
import type { CliIo } from '../cli-io.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { featurePaths, readModelSequences } from '../sequences/sequence-commands.ts';
import { UsageError } from '../usage-error.ts';
import { type SequenceLayoutOptions } from '../sequences/sequence-options.ts';
import { useBackend } from '../use-backend.ts';

interface ForecastOptions extends SequenceLayoutOptions {
  steps: number;
  n: number;
  seed?: number;
  out?: string;
  plot?: string;
  truth?: string;
  backend?: string;
  json?: boolean;
}

/** Runs `maflow forecast` with its parsed arguments and options. */
export async function forecastAction(io: CliIo, modelPath: string, historyPath: string, options: ForecastOptions): Promise<void> {
  const startedAt = performance.now();
  if (options.json === true && options.out === undefined) throw new UsageError('--json prints its summary on stdout: write the paths to a file with --out FILE');
  if (options.truth !== undefined && options.plot === undefined) throw new UsageError('--truth is drawn on the fan chart: give --plot too');
  guardOutputs({
    inputs: [{ label: 'model', path: modelPath }, { label: 'history', path: historyPath },
      ...(options.truth === undefined ? [] : [{ label: '--truth file', path: options.truth }])],
    outputs: [...(options.out === undefined ? [] : [{ option: '--out', path: options.out, kind: 'matrix' as const }]),
      ...(options.plot === undefined ? [] : [{ option: '--plot', path: options.plot }])],
  });
  useBackend(io, options.backend);
  const loaded = loadSequenceModel(modelPath);
  const history = readModelSequences(historyPath, loaded, options);
  const truth = options.truth === undefined ? undefined : readModelSequences(options.truth, loaded, options);
  if (truth !== undefined && truth.data.count !== history.data.count) {
    throw new UsageError(`--truth ${options.truth}: expected ${history.data.count} sequences (one per history), got ${truth.data.count}`);
  }
  const K = options.n;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const paths = loaded.model.forecast(history.data, {
    steps: options.steps, samplesPerPrefix: K, ...(history.context === undefined ? {} : { context: history.context }), rng: new Rng(seed),
  });
  const csv: WriteSequencesOptions = {
    columns: loaded.columns, ids: Array.from({ length: paths.count }, (_, r) => history.ids[Math.floor(r / K)]),
    extra: { sample: Array.from({ length: paths.count }, (_, r) => r % K) }, firstStep: 1,
  };
  if (options.plot !== undefined) {
    const plots = await import('../plots/index.ts');
    const shown = Math.min(4, history.data.count);
    const forecasts = featurePaths(paths, 0, shown * K);
    const series = Array.from({ length: shown }, (_, j) => ({
      name: `history ${history.ids[j]}`, history: featurePaths(history.data, 0, j + 1)[j], paths: forecasts.slice(j * K, (j + 1) * K),
      ...(truth === undefined ? {} : { truth: featurePaths(truth.data, 0, j + 1)[j] }),
    }));
    writeFileAtomic(options.plot, plots.fanChartPlot({ series, feature: loaded.columns[0] }).png);
  }
  if (options.out !== undefined) {
    writeSequences(options.out, paths, csv);
    if (options.json === true) {
      writeJsonSummary(io, {
        ...runInfo('forecast', startedAt), model: modelPath, history: historyPath, out: options.out, plot: options.plot ?? null,
        histories: history.data.count, samplesPerHistory: K, sequences: paths.count, steps: options.steps, dimensions: paths.features, seed,
      }, { json: true });
    }
    return;
  }
  io.stdout.write(formatSequencesCsv(paths, csv));
}
