/**
 * `maflow logprob <model> <data> [--out FILE]`: one log-density per row in the data's original units, to stdout
 * (one number per line) or to a .csv / .npy file (written atomically).
 */
import { Command } from 'commander';
import { writeMatrix } from '../../io/read-matrix.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { logDensities } from '../model-space.ts';
import { readModelData } from '../read-model-data.ts';
import { addBackendOption, useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { logprobSequenceModel } from '../sequences/sequence-commands.ts';

interface LogprobOptions {
  out?: string;
  backend?: string;
}

/** The `logprob` command. */
export function logprobCommand(io: CliIo): Command {
  const command = new Command('logprob')
    .description('log-density of each row (natural log, original units)')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'data (.csv or .npy) with the model\'s columns')
    .option('-o, --out <file>', 'write a one-column .csv (header "logprob") or .npy instead of printing');
  return addBackendOption(command).action((modelPath: string, dataPath: string, options: LogprobOptions) => {
    if (options.out !== undefined) {
      guardOutputs({ inputs: [{ label: 'model', path: modelPath }, { label: 'data', path: dataPath }],
        outputs: [{ option: '--out', path: options.out, kind: 'matrix' }] });
    }
    useBackend(io, options.backend);
    // A sequence model (temporal MAF): one log-likelihood per sequence.
    if (isSequenceModelFile(modelPath)) return logprobSequenceModel(io, modelPath, dataPath, options.out === undefined ? {} : { out: options.out });
    const model = loadCliModel(modelPath);
    const { x, context } = readModelData(dataPath, model);
    const lp = logDensities(model, x, context);
    if (options.out !== undefined) {
      writeMatrix(options.out, { rows: lp.length, cols: 1, data: lp }, { columns: ['logprob'] });
      return;
    }
    // In chunks: one string of every line of a large file would exceed V8's string limit.
    for (let start = 0; start < lp.length; start += 65536) {
      const lines = Array.from(lp.subarray(start, Math.min(lp.length, start + 65536)), String);
      io.stdout.write(`${lines.join('\n')}\n`);
    }
  });
}
