/**
 * `maflow eval <model> <data> [--json]`: the mean test log-likelihood in the data's original units with the MAF
 * paper's error bar (± 2 standard errors), bits per dimension, and the number of rows.
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
    const model = loadCliModel(modelPath);
    const { x, context } = readModelData(dataPath, model);
    const summary = summarizeLogLikelihood(logDensities(model, x, context), model.flow.features);
    if (options.json === true) {
      io.stdout.write(`${printableJson({ model: modelPath, data: dataPath, logLikelihood: summary.mean,
        twoStandardErrors: summary.twoStandardErrors, bitsPerDimension: summary.bitsPerDimension,
        rows: summary.rows, dimensions: summary.dimensions, backend: describeBackend() })}\n`);
      return;
    }
    io.stdout.write(`log-likelihood: ${summary.mean.toFixed(4)} ± ${summary.twoStandardErrors.toFixed(4)} nats ` +
      `(mean ± 2 s.e. over ${summary.rows} rows, ${summary.dimensions} dimension${summary.dimensions === 1 ? '' : 's'})\n` +
      `bits/dim:       ${summary.bitsPerDimension.toFixed(4)}\n`);
  });
}
