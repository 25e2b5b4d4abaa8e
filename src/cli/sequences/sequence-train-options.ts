/**
 * The options of `maflow train --flow temporal-maf` (with the data layout's, `sequence-options.ts`) and which of
 * `train`'s options a temporal MAF reads, apart from the training so that defining and checking the command loads no
 * flows.
 */
import { Option, type Command } from 'commander';
import { ENCODER_KINDS } from '../../flows/encoder-kinds.ts';
import { parsePositiveInteger } from '../parse-list.ts';
import { UsageError } from '../usage-error.ts';
import { addSequenceLayoutOptions } from './sequence-options.ts';

/** Adds the options of `train --flow temporal-maf` to the `train` command. */
export function addSequenceTrainOptions(command: Command): Command {
  addSequenceLayoutOptions(command);
  return command
    .addOption(new Option('--encoder <kind>', 'temporal-maf: the recurrent encoder reading the history').choices([...ENCODER_KINDS]).default('lstm'))
    .option('--encoder-units <n>', 'temporal-maf: width of the encoder\'s state', parsePositiveInteger, 64)
    .option('--truncation <steps>', 'temporal-maf: truncated backpropagation through time (default: full)', parsePositiveInteger);
}

/** The `train` options (commander's names) that a temporal MAF's training reads; any other given is refused. */
export const TEMPORAL_MAF_OPTIONS: readonly string[] = [
  'out', 'flow', 'layers', 'hidden', 'activation', 'encoder', 'encoderUnits', 'truncation', 'columns', 'contextColumns',
  'validation', 'validationData', 'epochs', 'batchSize', 'lr', 'weightDecay', 'patience', 'emaDecay', 'maxTime', 'plotLoss', 'json', 'summary',
  'seed', 'checkpoint', 'checkpointEvery', 'resume', 'standardize', 'backend', 'sequenceColumn', 'timeColumn', 'window', 'stride',
];

/** The `train` options only a temporal MAF reads. */
const SEQUENCE_ONLY_OPTIONS: readonly string[] = ['encoder', 'encoderUnits', 'truncation', 'sequenceColumn', 'timeColumn', 'window', 'stride'];

/** `--encoder-units` for commander's `encoderUnits`. */
export function optionFlag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Throws a usage error when an option only a temporal MAF reads was given for another flow. */
export function refuseSequenceOptions(given: readonly string[]): void {
  const wrong = SEQUENCE_ONLY_OPTIONS.find((name) => given.includes(name));
  if (wrong !== undefined) throw new UsageError(`${optionFlag(wrong)} applies to --flow temporal-maf only`);
}
