/**
 * `maflow eval <model> <data> [--json]`: the mean test log-likelihood in the data's original units with the MAF
 * paper's error bar (± 2 standard errors), bits per dimension, the number of rows, the median and the worst row; and,
 * for a model `maflow train` wrote, one warning line counting the rows that score below the lowest log-density of any
 * training row, so that a tail which dominates the mean is seen instead of silently ruining it.
 */
import { Command } from 'commander';
import { printableJson } from '../../core/printable.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { summarizeLogLikelihood } from '../log-likelihood-summary.ts';
import { logDensities } from '../model-space.ts';
import { readModelData } from '../read-model-data.ts';
import { describeBackend } from '../../kernels/select.ts';
import { addBackendOption, useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { evalSequenceModel } from '../sequences/sequence-commands.ts';

interface EvalOptions {
  json?: boolean;
  backend?: string;
}

/** The `eval` command. */
export function evalCommand(io: CliIo): Command {
  const command = new Command('eval')
    .description('mean test log-likelihood ± 2 standard errors (original units), bits/dim and row count')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'test data (.csv or .npy) with the model\'s columns')
    .option('--json', 'print one JSON object instead of text');
  return addBackendOption(command).action((modelPath: string, dataPath: string, options: EvalOptions) => {
    useBackend(io, options.backend);
    // A sequence model (temporal MAF): log-likelihood per sequence and per step.
    if (isSequenceModelFile(modelPath)) return evalSequenceModel(io, modelPath, dataPath, options);
    const model = loadCliModel(modelPath);
    const { x, context } = readModelData(dataPath, model);
    const logProb = logDensities(model, x, context);
    const summary = summarizeLogLikelihood(logProb, model.flow.features);
    const tail = model.trainingLogProb === undefined ? undefined : rowsBelow(logProb, model.trainingLogProb.min);
    if (tail !== undefined && tail.length > 0) {
      io.stderr.write(`maflow: warning: ${tail.length} of ${summary.rows} rows score below ${model.trainingLogProb!.min.toFixed(2)} ` +
        `nats, the lowest log-density of any training row (data row${tail.length === 1 ? '' : 's'} ${listRows(tail)}); ` +
        'they lie outside the training data, and the mean is sensitive to them: compare it with the median\n');
    }
    if (options.json === true) {
      io.stdout.write(`${printableJson({ model: modelPath, data: dataPath, logLikelihood: summary.mean,
        twoStandardErrors: summary.twoStandardErrors, bitsPerDimension: summary.bitsPerDimension,
        rows: summary.rows, dimensions: summary.dimensions, median: summary.median, worst: summary.worst,
        worstRow: summary.worstRow + 1,
        ...(tail === undefined ? {} : { trainingMinimum: model.trainingLogProb!.min, rowsBelowTrainingMinimum: tail.length }),
        backend: describeBackend() })}\n`);
      return;
    }
    io.stdout.write(`log-likelihood: ${summary.mean.toFixed(4)} ± ${summary.twoStandardErrors.toFixed(4)} nats ` +
      `(mean ± 2 s.e. over ${summary.rows} rows, ${summary.dimensions} dimension${summary.dimensions === 1 ? '' : 's'})\n` +
      `median row:     ${summary.median.toFixed(4)} nats; worst row: ${summary.worst.toFixed(4)} nats (data row ${summary.worstRow + 1})\n` +
      `bits/dim:       ${summary.bitsPerDimension.toFixed(4)}\n`);
  });
}

/** 0-based indices of the rows with `logProb < threshold`. */
function rowsBelow(logProb: ArrayLike<number>, threshold: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < logProb.length; i++) if (logProb[i] < threshold) rows.push(i);
  return rows;
}

/** `3, 17, 90` (1-based), the first few of a long list followed by `…`. */
function listRows(rows: readonly number[], shown = 8): string {
  const head = rows.slice(0, shown).map((r) => String(r + 1)).join(', ');
  return rows.length > shown ? `${head}, … (${rows.length - shown} more)` : head;
}
