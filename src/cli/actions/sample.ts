/**
 * What `maflow sample` does when it runs (its arguments, options and help: `commands/sample.ts`).
 */
import { rowSlice, type Matrix } from '../../core/matrix.ts';
import { Rng } from '../../core/rng.ts';
import { DataError } from '../../io/data-error.ts';
import type { TableFormat } from '../../io/table-format.ts';
import { openTableWriter } from '../../io/table-writer.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel, type CliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { streamModelData, type ModelDataChunk } from '../model-data-stream.ts';
import { concatRows } from '../read-model-data.ts';
import { sampleOriginal } from '../model-space.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { sampleSequenceModel } from '../sequences/sequence-commands.ts';
import { writeStreamed } from '../write-streamed.ts';

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
  format?: TableFormat;
  outFormat?: TableFormat;
  json?: boolean;
  backend?: string;
}

/** Runs `maflow sample` with its parsed arguments and options. */
export async function sampleAction(io: CliIo, modelPath: string, options: SampleOptions): Promise<void> {
  const startedAt = performance.now();
  const out = options.out ?? '-';
  if (options.json === true && out === '-') throw new UsageError('--json prints its summary on stdout: write the samples to a file with --out FILE');
  guardOutputs({
    inputs: [{ label: 'model', path: modelPath }, ...(options.context === undefined ? [] : [{ label: '--context file', path: options.context }])],
    outputs: [{ option: '--out', path: out, kind: options.outFormat === undefined ? 'table' : 'any' }],
  });
  useBackend(io, options.backend);
  // A sequence model (temporal MAF): N sequences of --steps steps.
  if (isSequenceModelFile(modelPath)) return sampleSequenceModel(io, modelPath, options);
  if (options.steps !== undefined || options.plot !== undefined) throw new UsageError('--steps and --plot apply to sequence models (temporal MAF) only');
  const model = loadCliModel(modelPath);
  const contexts = await contextFor(model, options, io);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const rng = new Rng(seed);
  const writer = await openTableWriter(out, { columns: model.columns, format: options.outFormat, rows: options.n, stdout: io.stdout });
  const rows = await writeStreamed(sampleChunks(model, options.n, contexts, rng), writer, (chunk) => chunk);
  if (options.json === true) {
    const summary = { ...runInfo('sample', startedAt), model: modelPath, context: options.context ?? null, out, format: writer.format,
      rows, seed, dimensions: model.flow.features, contextDimensions: model.contextColumns.length };
    writeJsonSummary(io, summary, { json: true });
  }
}

/**
 * The `n` draws in chunks of `SAMPLE_CHUNK_ROWS`, each written before the next is drawn, so that memory stays bounded
 * however large `n` is; a one-row context is broadcast to every chunk, an `n`-row one read along with the draws.
 */
async function* sampleChunks(model: CliModel, n: number, contexts: ContextRows | undefined, rng: Rng): AsyncGenerator<Matrix, void, undefined> {
  for (let start = 0; start < n; start += SAMPLE_CHUNK_ROWS) {
    const end = Math.min(n, start + SAMPLE_CHUNK_ROWS);
    const rows = contexts === undefined ? undefined : await contexts.take(end - start);
    yield sampleOriginal(model, end - start, rows, rng);
  }
  await contexts?.end();
}

/** Context rows for the draws: one row broadcast to all, or the next rows of an `n`-row table. */
interface ContextRows {
  take(count: number): Promise<Matrix>;
  /** Checks that an `n`-row table has no rows left. */
  end(): Promise<void>;
}

async function contextFor(model: CliModel, options: SampleOptions, io: CliIo): Promise<ContextRows | undefined> {
  if (model.flow.contextFeatures === 0) {
    if (options.context !== undefined) throw new UsageError('--context: this model is unconditional (it takes no context)');
    return undefined;
  }
  if (options.context === undefined) {
    throw new UsageError(`this model is conditional: pass --context FILE with the column${model.contextColumns.length === 1 ? '' : 's'} ` +
      `${model.contextColumns.map((name) => JSON.stringify(name)).join(', ')} (one row, or ${options.n} rows)`);
  }
  const stream = await streamModelData(options.context, { columns: [], contextColumns: model.contextColumns }, io, options.format);
  const n = options.n;
  const wrongCount = (got: string): DataError => new DataError(`expected 1 context row (broadcast) or ${n} rows (one per sample), got ${got}`, { file: stream.file });
  let pending: Matrix[] = [];
  let buffered = 0;
  let done = false;
  let read = 0;
  const pull = async (): Promise<boolean> => {
    const next = await stream.chunks.next();
    if (next.done === true) {
      done = true;
      return false;
    }
    const rows = contextOf(next.value);
    pending.push(rows);
    buffered += rows.rows;
    read += rows.rows;
    return true;
  };
  // One row (and nothing after it) is broadcast; anything else must be n rows.
  while (!done && buffered < 2) await pull();
  if (read === 1 && done) {
    const one = pending[0];
    return { take: async () => one, end: async () => {} };
  }
  if (n === 1 && read !== 1) throw wrongCount(`${read}${done ? '' : ' or more'}`);
  return {
    async take(count) {
      while (buffered < count && !done) await pull();
      if (buffered < count) throw wrongCount(String(read));
      const all = concatRows(pending);
      pending = all.rows > count ? [rowSlice(all, count, all.rows)] : [];
      buffered -= count;
      return rowSlice(all, 0, count);
    },
    async end() {
      while (!done && buffered === 0) await pull();
      if (buffered > 0) throw wrongCount(`${read}${done ? '' : ' or more'}`);
    },
  };
}

function contextOf(chunk: ModelDataChunk): Matrix {
  return chunk.context!;
}
