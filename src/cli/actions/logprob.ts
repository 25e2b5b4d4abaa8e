/**
 * What `maflow logprob` does when it runs (its arguments, options and help: `commands/logprob.ts`).
 */
import type { TableFormat } from '../../io/table-format.ts';
import { openTableWriter } from '../../io/table-writer.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { streamModelData } from '../model-data-stream.ts';
import { logDensities } from '../model-space.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { logprobSequenceModel } from '../sequences/sequence-commands.ts';
import { writeStreamed } from '../write-streamed.ts';

interface LogprobOptions {
  out?: string;
  format?: TableFormat;
  outFormat?: TableFormat;
  json?: boolean;
  backend?: string;
}

/** Runs `maflow logprob` with its parsed arguments and options. */
export async function logprobAction(io: CliIo, modelPath: string, dataPath: string, options: LogprobOptions): Promise<void> {
  const startedAt = performance.now();
  const out = options.out ?? '-';
  if (options.json === true && out === '-') throw new UsageError('--json prints its summary on stdout: write the log-densities to a file with --out FILE');
  guardOutputs({ inputs: [{ label: 'model', path: modelPath }, { label: 'data', path: dataPath }],
    outputs: [{ option: '--out', path: out, kind: options.outFormat === undefined ? 'table' : 'any' }] });
  useBackend(io, options.backend);
  // A sequence model (temporal MAF): one log-likelihood per sequence.
  if (isSequenceModelFile(modelPath)) return logprobSequenceModel(io, modelPath, dataPath, options.out === undefined ? {} : { out: options.out });
  const model = loadCliModel(modelPath);
  const data = await streamModelData(dataPath, model, io, options.format);
  // Without --out, stdout gets one number per line, as it always did; --out - or --out-format give a table.
  const plain = options.out === undefined && options.outFormat === undefined;
  const writer = await openTableWriter(out, { columns: ['logprob'], format: options.outFormat, header: !plain, rows: data.rows, stdout: io.stdout });
  const rows = await writeStreamed(data.chunks, writer, ({ x, context, firstRow }) => {
    const lp = logDensities(model, x, context, firstRow);
    return { rows: lp.length, cols: 1, data: lp };
  });
  if (options.json === true) {
    const summary = { ...runInfo('logprob', startedAt), model: modelPath, data: dataPath, out, format: writer.format, rows,
      dimensions: model.flow.features, contextDimensions: model.contextColumns.length };
    writeJsonSummary(io, summary, { json: true });
  }
}
