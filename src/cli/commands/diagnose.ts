/**
 * `maflow diagnose <model> <data> [--plot FILE.png] [--json]`: the MAF paper's diagnostic. If the flow fits, the
 * data mapped to base space, `u = f⁻¹(x)`, is standard normal in every dimension; this reports per dimension the
 * mean, std, skewness, excess kurtosis and the Kolmogorov–Smirnov statistic against N(0, 1) (with its p-value),
 * and draws normal QQ plots of u. Streamed: the data are read and mapped a chunk at a time; the moments are merged
 * chunk by chunk (`MomentAccumulator`) and the KS statistic is the exact one, from each dimension's values sorted in
 * bounded memory (`SortedValues`: sorted runs on disk beyond 1M values in all). The QQ plot of a streamed file shows
 * 1000 order statistics of u per dimension (all of them for up to 1000 rows).
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/diagnose.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { addFormatOption } from '../table-options.ts';
import { addBackendOption } from '../backend-option.ts';

/** The `diagnose` command. */
export function diagnoseCommand(): Command {
  const command = new Command('diagnose')
    .description('map data to base space and test it against N(0,1): moments, Kolmogorov–Smirnov, QQ plots')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'data with the model\'s columns (.csv[.gz], .tsv, .npy, .jsonl, .parquet, .arrow), or - for stdin')
    .option('--plot <file.png>', 'write normal QQ plots of the base-space values')
    .option('--json', 'print one JSON object instead of a table');
  addFormatOption(command);
  return addBackendOption(command);
}
