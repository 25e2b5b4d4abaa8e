/**
 * `maflow forecast <model> <history> --steps H -n K [--out FILE]`: continues each history of a sequence model
 * (temporal MAF) K times for H steps, drawn step by step from the model. The histories are read like `eval`'s data
 * (the layout the model was trained on, or the sequence flags). Output: a 3-D .npy `[histories · K, H, features]`
 * (the K paths of history j in rows j·K … j·K + K − 1) or a long-format CSV with columns
 * `sequence, sample, step, <features>` (`step` counts 1 … H steps ahead), to stdout by default. `--json` (with
 * `--out FILE`) prints one JSON summary (`json-summary.ts`): the counts, the seed, the files, timing.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/forecast.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { parseNonNegativeInteger, parsePositiveInteger, positiveIntegerAtMost } from '../parse-list.ts';
import { addSequenceLayoutOptions } from '../sequences/sequence-options.ts';
import { addBackendOption } from '../backend-option.ts';

/** The `forecast` command. */
export function forecastCommand(): Command {
  const command = new Command('forecast')
    .description('continue each history of a sequence model (temporal MAF) with sampled paths')
    .argument('<model>', 'sequence model file written by `maflow train --flow temporal-maf`')
    .argument('<history>', 'the histories: a 3-D .npy, a long-format CSV, or a series cut with --window')
    .requiredOption('--steps <h>', 'steps to draw after each history', parsePositiveInteger)
    .requiredOption('-n, --n <k>', 'sample paths per history', positiveIntegerAtMost(1_000_000))
    .option('--seed <seed>', 'random seed (default: random)', parseNonNegativeInteger)
    .option('-o, --out <file>', 'write a 3-D .npy or a long-format .csv instead of printing CSV')
    .option('--plot <png>', 'write a fan chart (median, 50% and 90% bands of the first feature) of the first 4 histories')
    .option('--truth <file>', 'the true continuations of the histories (read like them), drawn on the fan chart')
    .option('--json', 'print a JSON summary (histories, paths, steps, seed, files, timing) on stdout; needs --out FILE');
  addSequenceLayoutOptions(command);
  return addBackendOption(command);
}
