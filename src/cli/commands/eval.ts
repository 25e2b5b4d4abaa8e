/**
 * `maflow eval <model> <data> [--json]`: the mean test log-likelihood in the data's original units with the MAF
 * paper's error bar (± 2 standard errors), bits per dimension, the number of rows, the median and the worst row; and,
 * for a model `maflow train` wrote, one warning line counting the rows that score below the lowest log-density of any
 * training row, so that a tail which dominates the mean is seen instead of silently ruining it. Streamed: the data are
 * read and scored a chunk at a time and the statistics accumulated (`LogLikelihoodAccumulator`: the median exactly,
 * from sorted runs on disk beyond 1M rows), so memory stays bounded whatever the file's size.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/eval.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { addFormatOption } from '../table-options.ts';
import { addBackendOption } from '../backend-option.ts';

/** The `eval` command. */
export function evalCommand(): Command {
  const command = new Command('eval')
    .description('mean test log-likelihood ± 2 standard errors (original units), bits/dim and row count')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'test data with the model\'s columns (.csv[.gz], .tsv, .npy, .jsonl, .parquet, .arrow), or - for stdin')
    .option('--json', 'print one JSON object instead of text');
  addFormatOption(command);
  return addBackendOption(command);
}
