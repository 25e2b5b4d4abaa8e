/**
 * `maflow logprob <model> <data> [--out FILE]`: one log-density per row in the data's original units, to stdout
 * (one number per line) or to a file in any table format (written atomically), streamed: the data are read, scored
 * and written a chunk at a time, so memory stays bounded whatever the file's size. `-` reads stdin / writes stdout.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/logprob.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { addFormatOption, addOutFormatOption } from '../table-options.ts';
import { addBackendOption } from '../backend-option.ts';

/** The `logprob` command. */
export function logprobCommand(): Command {
  const command = new Command('logprob')
    .description('log-density of each row (natural log, original units), streamed')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'data with the model\'s columns (.csv[.gz], .tsv, .npy, .jsonl, .parquet, .arrow), or - for stdin')
    .option('-o, --out <file>', 'write a one-column table (column "logprob") instead of printing; - for stdout');
  addFormatOption(command);
  addOutFormatOption(command);
  command.option('--json', 'print a JSON summary (rows, files, timing) on stdout; needs --out FILE');
  return addBackendOption(command);
}
