/**
 * `maflow sample <model> -n N [--context FILE] [--seed S] [--out FILE]`: draws in the data's original units, as CSV
 * on stdout (with the model's column names as header) or to a file in any table format, a chunk at a time (memory
 * stays bounded however large N is). A conditional model needs `--context`: a table with one row (used for all N
 * draws) or N rows, itself read a chunk at a time (`-` reads it from stdin).
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/sample.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { parseNonNegativeInteger, positiveIntegerAtMost } from '../parse-list.ts';
import { addFormatOption, addOutFormatOption } from '../table-options.ts';
import { addBackendOption } from '../backend-option.ts';
import { parseSequenceSteps } from '../sequences/sequence-options.ts';

/** The most draws one run makes (1e9 rows of a 10-D model are 40 GB of .npy and about an hour of sampling). */
export const MAX_SAMPLES = 1_000_000_000;

/** The `sample` command. */
export function sampleCommand(): Command {
  const command = new Command('sample')
    .description('draw samples from a model (original units), streamed')
    .argument('<model>', 'model file written by `maflow train`')
    .requiredOption('-n, --n <count>', `number of samples (at most ${MAX_SAMPLES})`, positiveIntegerAtMost(MAX_SAMPLES))
    .option('--context <file>', 'context rows for a conditional model: one row (broadcast) or N rows; - for stdin')
    .option('--seed <seed>', 'random seed (default: random)', parseNonNegativeInteger)
    .option('--steps <T>', 'sequence models (temporal MAF): steps per sequence drawn (output: a 3-D .npy or a long-format CSV)', parseSequenceSteps)
    .option('--plot <png>', 'sequence models: write sample paths beside the data paths of --plot-data as a PNG')
    .option('--plot-data <file>', 'sequence models: the data whose paths --plot draws (read like eval\'s data)')
    .option('-o, --out <file>', 'write a table (.csv, .tsv, .npy, .jsonl, .parquet, .arrow) instead of printing CSV; - for stdout');
  addFormatOption(command, 'the --context file');
  addOutFormatOption(command);
  command.option('--json', 'print a JSON summary (rows, seed, files, timing) on stdout; needs --out FILE');
  return addBackendOption(command);
}
