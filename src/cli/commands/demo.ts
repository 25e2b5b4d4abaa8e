/**
 * `maflow demo [--out DIR] [--quick]`: the README's first command. Trains a small MAF on two built-in datasets —
 * two moons and the MAF paper's Figure-1 density (whose true test log-likelihood is minus its entropy, −3.531 nats)
 * — prints test log-likelihoods, and writes the data, the models, density plots and loss curves to DIR.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/demo.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command } from 'commander';
import { addBackendOption } from '../backend-option.ts';

/** The `demo` command. */
export function demoCommand(): Command {
  const command = new Command('demo')
    .description('train small MAFs on two moons and the MAF paper\'s Figure-1 density; write plots and models')
    .option('-o, --out <dir>', 'output directory', 'maflow-demo')
    .option('--quick', 'smaller data and fewer epochs (a few seconds)');
  return addBackendOption(command);
}
