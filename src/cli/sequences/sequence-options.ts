/**
 * The command-line options of sequence data (`--sequence-column`, `--time-column`, `--window`, `--stride`) that
 * `train`, `eval`, `logprob` and `forecast` share, and the layout a sequence model records in its file so that the
 * other commands read their data the same way by default.
 */
import type { Command } from 'commander';
import type { SequenceLayout } from '../../io/read-sequences.ts';
import { parsePositiveInteger } from '../parse-list.ts';

/** The model-file metadata entry holding the training data's `SequenceLayout` as JSON. */
export const SEQUENCE_LAYOUT_KEY = 'sequenceLayout';

/** The sequence options as commander parses them. */
export interface SequenceLayoutOptions {
  sequenceColumn?: string;
  timeColumn?: string;
  window?: number;
  stride?: number;
}

/** Adds the sequence-layout options to `command`. */
export function addSequenceLayoutOptions(command: Command): Command {
  return command
    .option('--sequence-column <name>', 'sequences: a long-format CSV\'s column naming each row\'s sequence')
    .option('--time-column <name>', 'sequences: the column ordering the rows within a sequence (default: file order)')
    .option('--window <steps>', 'sequences: cut one long series (a row per step) into windows of this many steps', parsePositiveInteger)
    .option('--stride <rows>', 'sequences: rows between window starts (default: the window)', parsePositiveInteger);
}

/** The layout given on the command line, or else the one recorded in the model file. */
export function sequenceLayout(options: SequenceLayoutOptions, recorded?: SequenceLayout): SequenceLayout {
  const given = options.sequenceColumn !== undefined || options.window !== undefined;
  const layout: SequenceLayout = given ? options : recorded ?? {};
  return {
    ...(layout.sequenceColumn === undefined ? {} : { sequenceColumn: layout.sequenceColumn }),
    ...(layout.timeColumn === undefined ? {} : { timeColumn: layout.timeColumn }),
    ...(layout.window === undefined ? {} : { window: layout.window }),
    ...(layout.stride === undefined ? {} : { stride: layout.stride }),
  };
}

/** The recorded layout of a model file's metadata (undefined when absent or unreadable: the caller's flags apply). */
export function recordedLayout(metadata: Record<string, string>): SequenceLayout | undefined {
  const text = metadata[SEQUENCE_LAYOUT_KEY];
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const layout: SequenceLayout = {};
    if (typeof value.sequenceColumn === 'string') layout.sequenceColumn = value.sequenceColumn;
    if (typeof value.timeColumn === 'string') layout.timeColumn = value.timeColumn;
    if (Number.isSafeInteger(value.window)) layout.window = value.window as number;
    if (Number.isSafeInteger(value.stride)) layout.stride = value.stride as number;
    return layout;
  } catch {
    return undefined;
  }
}

/** Parses `sample --steps T` (a positive integer). */
export const parseSequenceSteps = parsePositiveInteger;
