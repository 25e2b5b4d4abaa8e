/**
 * `maflow logprob <model> <data> [--out FILE]`: one log-density per row in the data's original units, to stdout
 * (one number per line) or to a file in any table format (written atomically), streamed: the data are read, scored
 * and written a chunk at a time, so memory stays bounded whatever the file's size. `-` reads stdin / writes stdout.
 */
import { Command } from 'commander';
import type { TableFormat } from '../../io/table-format.ts';
import { openTableWriter } from '../../io/table-writer.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { streamModelData } from '../model-data-stream.ts';
import { logDensities } from '../model-space.ts';
import { addFormatOption, addOutFormatOption } from '../table-options.ts';
import { UsageError } from '../usage-error.ts';
import { addBackendOption, useBackend } from '../use-backend.ts';
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

/** The `logprob` command. */
export function logprobCommand(io: CliIo): Command {
  const command = new Command('logprob')
    .description('log-density of each row (natural log, original units), streamed')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'data with the model\'s columns (.csv[.gz], .tsv, .npy, .jsonl, .parquet, .arrow), or - for stdin')
    .option('-o, --out <file>', 'write a one-column table (column "logprob") instead of printing; - for stdout');
  addFormatOption(command);
  addOutFormatOption(command);
  command.option('--json', 'print a JSON summary (rows, files, timing) on stdout; needs --out FILE');
  return addBackendOption(command).action(async (modelPath: string, dataPath: string, options: LogprobOptions) => {
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
  });
}
