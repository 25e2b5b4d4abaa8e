/**
 * What `eval`, `logprob` and `sample` do with a sequence model file (a temporal MAF): the commands hand over here when
 * `isSequenceModelFile` says so. Data are read in the layout the model was trained on (or the one given by flags).
 */
import { extname } from 'node:path';
import { printableJson } from '../../core/printable.ts';
import { Rng } from '../../core/rng.ts';
import type { Matrix } from '../../core/matrix.ts';
import { sequenceLength, type Sequences } from '../../core/sequences.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { DataError } from '../../io/data-error.ts';
import { parseNpyArray } from '../../io/npy.ts';
import { readFileBytes } from '../../io/read-file-bytes.ts';
import { writeMatrix } from '../../io/read-matrix.ts';
import { readSequences, type SequenceFile } from '../../io/read-sequences.ts';
import { loadSequenceModel } from '../../io/sequence-model-file.ts';
import type { LoadedSequenceModel } from '../../io/sequence-model-codec.ts';
import { formatSequencesCsv, writeSequences } from '../../io/write-sequences.ts';
import { describeBackend } from '../../kernels/select.ts';
import type { CliIo } from '../cli-io.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { summarizeLogLikelihood } from '../log-likelihood-summary.ts';
import { readContext } from '../read-model-data.ts';
import { UsageError } from '../usage-error.ts';
import { recordedLayout, sequenceLayout, type SequenceLayoutOptions } from './sequence-options.ts';
import { meanLength } from './train-sequence-model.ts';

/** Sequences of `path` for `loaded`: its features (by name in a CSV, by position in a .npy) and covariates. */
export function readModelSequences(path: string, loaded: LoadedSequenceModel, options: SequenceLayoutOptions): SequenceFile {
  const byName = extname(path).toLowerCase() !== '.npy';
  let layout = sequenceLayout(options, recordedLayout(loaded.metadata));
  // A .npy holds its own layout: a 3-D array is sequences whatever the model was trained on, and a long-format CSV's
  // columns cannot apply to it; only windows of a 2-D series carry over.
  if (!byName && (layout.sequenceColumn !== undefined || parseNpyArray(readFileBytes(path), path).shape.length === 3)) {
    layout = layout.sequenceColumn !== undefined && options.sequenceColumn !== undefined ? layout : {};
  }
  const file = readSequences(path, {
    ...layout, ...(byName ? { columns: loaded.columns } : {}),
    ...(loaded.contextColumns.length > 0 && byName ? { contextColumns: loaded.contextColumns } : {}),
  });
  if (file.data.features !== loaded.model.features) {
    throw new DataError(`expected ${loaded.model.features} features per step (the model's ${loaded.columns.join(', ')}), got ${file.data.features}`, { file: path });
  }
  if (loaded.model.contextFeatures > 0 && file.context === undefined) {
    throw new DataError(`the model takes context columns (${loaded.contextColumns.join(', ')}): give the sequences as a long-format CSV holding them`, { file: path });
  }
  return file;
}

/** `eval` of a sequence model: the mean log-likelihood per sequence ± 2 s.e., and per step. */
export function evalSequenceModel(io: CliIo, modelPath: string, dataPath: string, options: SequenceLayoutOptions & { json?: boolean }): void {
  const loaded = loadSequenceModel(modelPath);
  const file = readModelSequences(dataPath, loaded, options);
  const lp = loaded.model.logProb(file.data, file.context === undefined ? {} : { context: file.context });
  const summary = summarizeLogLikelihood(lp, loaded.model.features);
  const stepsPerSequence = meanLength(file.data);
  const perStep = summary.mean / stepsPerSequence;
  if (options.json === true) {
    io.stdout.write(`${printableJson({
      model: modelPath, data: dataPath, logLikelihood: summary.mean, twoStandardErrors: summary.twoStandardErrors,
      logLikelihoodPerStep: perStep, twoStandardErrorsPerStep: summary.twoStandardErrors / stepsPerSequence,
      sequences: summary.rows, steps: Math.round(stepsPerSequence * summary.rows), features: loaded.model.features,
      median: summary.median, worst: summary.worst, worstSequence: file.ids[summary.worstRow], backend: describeBackend(),
    })}\n`);
    return;
  }
  io.stdout.write(`log-likelihood: ${summary.mean.toFixed(4)} ± ${summary.twoStandardErrors.toFixed(4)} nats per sequence ` +
    `(mean ± 2 s.e. over ${summary.rows} sequences)\n` +
    `per step:       ${perStep.toFixed(4)} ± ${(summary.twoStandardErrors / stepsPerSequence).toFixed(4)} nats ` +
    `(${stepsPerSequence.toFixed(1)} steps per sequence on average)\n` +
    `median:         ${summary.median.toFixed(4)} nats; worst sequence: ${summary.worst.toFixed(4)} nats (sequence ${file.ids[summary.worstRow]})\n`);
}

/** `logprob` of a sequence model: one log-likelihood per sequence. */
export function logprobSequenceModel(io: CliIo, modelPath: string, dataPath: string, options: SequenceLayoutOptions & { out?: string }): void {
  const loaded = loadSequenceModel(modelPath);
  const file = readModelSequences(dataPath, loaded, options);
  const lp = loaded.model.logProb(file.data, file.context === undefined ? {} : { context: file.context });
  if (options.out !== undefined && options.out !== '-') {
    writeMatrix(options.out, { rows: lp.length, cols: 1, data: lp }, { columns: ['logprob'] });
    return;
  }
  io.stdout.write(`${Array.from(lp, String).join('\n')}\n`);
}

/** Options of `sample` for a sequence model. */
export interface SequenceSampleCliOptions {
  n: number;
  steps?: number;
  context?: string;
  seed?: number;
  out?: string;
  /** A PNG of sample paths beside the data paths of `plotData`. */
  plot?: string;
  plotData?: string;
}

/** `sample -n N --steps T` of a sequence model: N sequences, as a 3-D .npy or a long-format CSV (stdout by default). */
export async function sampleSequenceModel(io: CliIo, modelPath: string, options: SequenceSampleCliOptions): Promise<void> {
  if (options.steps === undefined) throw new UsageError('a sequence model needs --steps T (the length of each sequence drawn)');
  if ((options.plot === undefined) !== (options.plotData === undefined)) throw new UsageError('--plot and --plot-data go together');
  if (options.plot !== undefined) {
    guardOutputs({ inputs: [{ label: 'model', path: modelPath }, { label: '--plot-data file', path: options.plotData as string }],
      outputs: [{ option: '--plot', path: options.plot }] });
  }
  const loaded = loadSequenceModel(modelPath);
  const plotData = options.plotData === undefined ? undefined : readModelSequences(options.plotData, loaded, {});
  const context = staticContext(loaded, options.context, options.n);
  const paths = loaded.model.sample(options.n, {
    steps: options.steps, ...(context === undefined ? {} : { context }),
    rng: new Rng(options.seed ?? Math.floor(Math.random() * 2 ** 32)),
  });
  if (options.plot !== undefined && plotData !== undefined) await writePathsPlot(options.plot, loaded, paths, plotData.data);
  if (options.out !== undefined && options.out !== '-') {
    writeSequences(options.out, paths, { columns: loaded.columns });
    return;
  }
  io.stdout.write(formatSequencesCsv(paths, { columns: loaded.columns }));
}

/** The paths of feature `feature` of (at most `limit` of) the sequences of `s`, each to its own length. */
export function featurePaths(s: Sequences, feature: number, limit: number): number[][] {
  return Array.from({ length: Math.min(limit, s.count) }, (_, i) =>
    Array.from({ length: sequenceLength(s, i) }, (_, t) => s.data[(i * s.steps + t) * s.features + feature]));
}

/** Sample paths beside data paths (the first feature, up to 20 paths each) as a PNG. */
async function writePathsPlot(path: string, loaded: LoadedSequenceModel, samples: Sequences, data: Sequences): Promise<void> {
  const plots = await import('../plots/index.ts');
  const image = plots.sequencePathsPlot({ samples: featurePaths(samples, 0, 20), data: featurePaths(data, 0, 20), feature: loaded.columns[0] });
  writeFileAtomic(path, image.png);
}

/** The `--context` rows of a model with covariates (one row, broadcast, or `rows`). */
export function staticContext(loaded: LoadedSequenceModel, path: string | undefined, rows: number): Matrix | undefined {
  if (loaded.model.contextFeatures === 0) {
    if (path !== undefined) throw new UsageError('--context: this model takes no context columns');
    return undefined;
  }
  if (path === undefined) throw new UsageError(`this model takes context columns (${loaded.contextColumns.join(', ')}): give --context FILE`);
  const context = readContext(path, loaded.contextColumns);
  if (context.rows !== 1 && context.rows !== rows) {
    throw new UsageError(`--context ${path}: expected 1 row (used for every sequence) or ${rows} rows, got ${context.rows}`);
  }
  return context;
}
