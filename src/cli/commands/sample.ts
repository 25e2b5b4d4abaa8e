/**
 * `maflow sample <model> -n N [--context FILE] [--seed S] [--out FILE]`: draws in the data's original units, as CSV
 * on stdout (with the model's column names as header) or to a .csv / .npy file. A conditional model needs
 * `--context`: a file with one row (used for all N draws) or N rows.
 */
import { Command } from 'commander';
import { dtypeOf, rowSlice, type Matrix } from '../../core/matrix.ts';
import { Rng } from '../../core/rng.ts';
import { CsvChunkWriter, writeMatrixStream, type MatrixWriter } from '../../io/matrix-writer.ts';
import { DataError } from '../../io/data-error.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel, type CliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { sampleOriginal } from '../model-space.ts';
import { parseNonNegativeInteger, positiveIntegerAtMost } from '../parse-list.ts';
import { readContext } from '../read-model-data.ts';
import { UsageError } from '../usage-error.ts';
import { addBackendOption, useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { sampleSequenceModel } from '../sequences/sequence-commands.ts';
import { parseSequenceSteps } from '../sequences/sequence-options.ts';

/** The most draws one run makes (1e9 rows of a 10-D model are 40 GB of .npy and about an hour of sampling). */
export const MAX_SAMPLES = 1_000_000_000;

/** Draws per chunk: a few MB of samples at a time. */
const SAMPLE_CHUNK_ROWS = 65536;

interface SampleOptions {
  n: number;
  context?: string;
  seed?: number;
  /** Sequence models: the length of each sequence drawn. */
  steps?: number;
  /** Sequence models: a PNG of sample paths beside the paths of `plotData`. */
  plot?: string;
  plotData?: string;
  out?: string;
  backend?: string;
}

/** The `sample` command. */
export function sampleCommand(io: CliIo): Command {
  const command = new Command('sample')
    .description('draw samples from a model (original units)')
    .argument('<model>', 'model file written by `maflow train`')
    .requiredOption('-n, --n <count>', `number of samples (at most ${MAX_SAMPLES})`, positiveIntegerAtMost(MAX_SAMPLES))
    .option('--context <file>', 'context rows for a conditional model: one row (broadcast) or N rows')
    .option('--seed <seed>', 'random seed (default: random)', parseNonNegativeInteger)
    .option('--steps <T>', 'sequence models (temporal MAF): steps per sequence drawn (output: a 3-D .npy or a long-format CSV)', parseSequenceSteps)
    .option('--plot <png>', 'sequence models: write sample paths beside the data paths of --plot-data as a PNG')
    .option('--plot-data <file>', 'sequence models: the data whose paths --plot draws (read like eval\'s data)')
    .option('-o, --out <file>', 'write .csv or .npy instead of printing CSV');
  return addBackendOption(command).action((modelPath: string, options: SampleOptions) => {
    if (options.out !== undefined) {
      guardOutputs({
        inputs: [{ label: 'model', path: modelPath }, ...(options.context === undefined ? [] : [{ label: '--context file', path: options.context }])],
        outputs: [{ option: '--out', path: options.out, kind: 'matrix' }],
      });
    }
    useBackend(io, options.backend);
    // A sequence model (temporal MAF): N sequences of --steps steps.
    if (isSequenceModelFile(modelPath)) return sampleSequenceModel(io, modelPath, options);
    if (options.steps !== undefined || options.plot !== undefined) throw new UsageError('--steps and --plot apply to sequence models (temporal MAF) only');
    const model = loadCliModel(modelPath);
    const context = contextFor(model, options);
    const rng = new Rng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    const chunks = sampleChunks(model, options.n, context, rng);
    const first = chunks.next().value as Matrix;   // n ≥ 1
    const write = (writer: MatrixWriter): void => {
      writer.writeRows(first);
      for (const chunk of chunks) writer.writeRows(chunk);
    };
    if (options.out === undefined) write(new CsvChunkWriter(io.stdout, { cols: first.cols, columns: model.columns }));
    else writeMatrixStream(options.out, { rows: options.n, cols: first.cols, dtype: dtypeOf(first.data) }, write, { columns: model.columns });
  });
}

/**
 * The `n` draws in chunks of `SAMPLE_CHUNK_ROWS`, each written before the next is drawn, so that memory stays bounded
 * however large `n` is; a one-row context is broadcast to every chunk, an `n`-row one sliced with it.
 */
function* sampleChunks(model: CliModel, n: number, context: Matrix | undefined, rng: Rng): Generator<Matrix, void, undefined> {
  for (let start = 0; start < n; start += SAMPLE_CHUNK_ROWS) {
    const end = Math.min(n, start + SAMPLE_CHUNK_ROWS);
    const rows = context === undefined || context.rows === 1 ? context : rowSlice(context, start, end);
    yield sampleOriginal(model, end - start, rows, rng);
  }
}

function contextFor(model: CliModel, options: SampleOptions): Matrix | undefined {
  if (model.flow.contextFeatures === 0) {
    if (options.context !== undefined) throw new UsageError('--context: this model is unconditional (it takes no context)');
    return undefined;
  }
  if (options.context === undefined) {
    throw new UsageError(`this model is conditional: pass --context FILE with the column${model.contextColumns.length === 1 ? '' : 's'} ` +
      `${model.contextColumns.map((name) => JSON.stringify(name)).join(', ')} (one row, or ${options.n} rows)`);
  }
  const context = readContext(options.context, model.contextColumns);
  if (context.rows !== 1 && context.rows !== options.n) {
    throw new DataError(`expected 1 context row (broadcast) or ${options.n} rows (one per sample), got ${context.rows}`, { file: options.context });
  }
  return context;
}
