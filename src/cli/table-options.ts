/**
 * The options of the streaming commands that name a table format (`--format` for the data read, `--out-format` for
 * the rows written), where a file name does not tell it: `-` (standard input or output), a name without a known
 * extension.
 */
import { Option, type Command } from 'commander';
import { TABLE_FORMATS } from '../io/table-format.ts';

/** Adds `--format <f>` (the data's format) to `command`. */
export function addFormatOption(command: Command, what = '<data>'): Command {
  return command.addOption(new Option('--format <format>', `format of ${what} when its name does not tell (default: from the extension, ` +
    'else from the first bytes: .npy, Parquet, Arrow, JSON lines, else CSV; gzip is inflated whatever the name)').choices(TABLE_FORMATS));
}

/** Adds `--out-format <f>` (the output's format) to `command`. */
export function addOutFormatOption(command: Command): Command {
  return command.addOption(new Option('--out-format <format>', 'format of the rows written when the --out name does not tell (default: ' +
    'from the extension; csv for -)').choices(TABLE_FORMATS));
}
