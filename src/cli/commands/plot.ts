/**
 * `maflow plot <model> --out FILE.png [--data FILE] [-n N] [--columns LIST]`: for 2-D models, the density on a grid
 * over the data's range (or mean ± 3 std), with a colour bar, beside samples and data; for other dimensions, a pair
 * plot of samples against the data (the first 6 columns, or those `--columns` names). Conditional models take one
 * `--context` row. Titles name the model file's and the data file's base names.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/plot.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { parseNonNegativeInteger, parsePositiveInteger } from '../parse-list.ts';
import { addBackendOption } from '../backend-option.ts';

/** Columns a pair plot draws when `--columns` is not given. */
export const DEFAULT_PAIR_COLUMNS = 6;

/** The `plot` command. */
export function plotCommand(): Command {
  const command = new Command('plot')
    .description('density heatmap with samples (2-D) or pair plot of samples vs data (other dimensions), as PNG')
    .argument('<model>', 'model file written by `maflow train`')
    .requiredOption('-o, --out <file.png>', 'PNG file to write')
    .option('--data <file>', 'data to overlay (and to set the plotting range)')
    .option('-n, --n <count>', 'number of model samples', parsePositiveInteger, 1000)
    .option('--seed <seed>', 'random seed of the samples', parseNonNegativeInteger, 0)
    .option('--context <file>', 'one context row for a conditional model')
    .option('--columns <list>', `pair plot: the model's columns to draw, names or 0-based indices (default: the first ${DEFAULT_PAIR_COLUMNS})`)
    .option('--json', 'print a JSON summary (the file written, its size, the samples drawn) instead of the text line');
  return addBackendOption(command);
}
