/**
 * `maflow train <data> --out model.safetensors [options]`: fits a flow by maximum likelihood with early stopping
 * and writes the best model (its standardization inside the flow, with the column names). Training runs on a worker thread: the
 * progress bar stays live and Ctrl-C stops after the current step, still writing the best model so far.
 *
 * IAF is rejected here: maximum likelihood needs a differentiable density direction, and an IAF's density
 * direction (its inverse) is the sequential MADE solve. Train a MAF instead, or train an IAF by reverse KL against
 * a known density with the library's `fitReverseKl`.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/train.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command, Option } from 'commander';
import { FLOW_KINDS } from '../flow-kinds.ts';
import {
  parseDecay, parseDuration, parseFraction, parseIntegerList, parseNonNegativeInteger, parseNonNegativeNumber, parsePositiveInteger,
  parsePositiveNumber,
} from '../parse-list.ts';
import { addBackendOption } from '../backend-option.ts';
import { addTransformOptions } from '../transform-cli-options.ts';
import { addSequenceTrainOptions } from '../sequences/sequence-train-options.ts';

/** The `train` command. */
export function trainCommand(): Command {
  const command = new Command('train')
    .description('fit a flow to tabular data by maximum likelihood (early stopping on a validation set)')
    .argument('<data>', 'training data: CSV/TSV (header optional, gzip too), .npy, JSON lines, Parquet or Arrow IPC; - reads stdin')
    .requiredOption('-o, --out <file>', 'model file to write (.safetensors)')
    .addOption(new Option('--flow <kind>', 'flow family').choices([...FLOW_KINDS, 'temporal-maf']).default('maf'))
    .option('--layers <n>', 'number of flow layers (maf, maf-mog, iaf, realnvp, nsf)', parsePositiveInteger, 5)
    .addOption(new Option('--hidden <units>', 'hidden layer widths, comma-separated').argParser(parseIntegerList)
      .default([512, 512], '512,512'))
    .addOption(new Option('--activation <name>', 'hidden activation').choices(['relu', 'tanh']).default('relu'))
    .option('--batch-norm', 'batch normalization between layers, with population statistics (maf, maf-mog, realnvp; ' +
      'the default for them)')
    .option('--no-batch-norm', 'no batch normalization between layers')
    .option('--residual', 'residual MADEs (equal hidden widths)')
    .addOption(new Option('--order <order>', 'feature order between layers (lu: a learnable LU-decomposed linear mixing, starting as the reversal)')
      .choices(['reverse', 'random', 'lu']).default('reverse'))
    .option('--components <k>', 'mixture components (made-mog, maf-mog, or --base mog)', parsePositiveInteger, 10)
    .option('--columns <list>', 'data columns: header names or 0-based indices (default: all but the context columns)')
    .option('--context-columns <list>', 'conditioning columns (a conditional flow p(x | context))')
    .addOption(new Option('--validation <fraction>', 'share of the rows held out for early stopping')
      .argParser(parseFraction).default(0.1).conflicts('validationData'))
    .option('--validation-data <file>', 'a separate validation file (then all rows of <data> train)')
    .option('--epochs <n>', 'maximum number of epochs', parsePositiveInteger, 1000)
    .option('--batch-size <n>', 'rows per minibatch', parsePositiveInteger, 100)
    .option('--lr <rate>', 'Adam learning rate (> 0)', parsePositiveNumber, 1e-4)
    .option('--weight-decay <c>', 'L2 penalty', parseNonNegativeNumber, 1e-6)
    .option('--patience <n>', 'epochs without validation improvement before stopping', parsePositiveInteger, 30)
    .option('--ema-decay <d>', 'decay of the moving average of the weights that validation scores and the model keeps ' +
      '(0: off, the last weights)', parseDecay, 0.99)
    .option('--max-time <duration>', 'training time budget: when spent, stop and write the best model so far (seconds, or 90s, 10m, 1.5h)',
      parseDuration)
    .option('--plot-loss <file>', 'write the loss curves (training and validation per epoch, best epoch marked) as a PNG')
    .option('--json', 'print a JSON summary of the run on stdout instead of text (progress stays on stderr)')
    .option('--summary <file>', 'write the JSON summary of the run to a file')
    .option('--seed <s>', 'seeds the weights, the validation split and the shuffles', parseNonNegativeInteger, 0)
    .option('--checkpoint <file>', 'save a resumable training state to this file')
    .option('--checkpoint-every <n>', 'epochs between checkpoints', parsePositiveInteger, 1)
    .option('--resume <file>', 'continue from a checkpoint (same data, options and seed)')
    .option('--no-standardize', 'train on the raw columns (default: standardize; statistics are stored in the model)')
    .addHelpText('after', '\nIAF cannot be trained by maximum likelihood (its density direction is sequential); use maf, ' +
      'or the library\'s fitReverseKl to train an IAF against a known density.\nCtrl-C stops after the current step and ' +
      'still writes the best model so far (exit status 130).\nA training that diverges, explodes or never improves on the initial model ' +
      'exits with status 3 and writes nothing over --out; with --checkpoint, its best epoch (if any beat the initial model) ' +
      'goes to <out>.best-before-failure.safetensors.');
  addSequenceTrainOptions(command);
  return addBackendOption(addTransformOptions(command));
}
