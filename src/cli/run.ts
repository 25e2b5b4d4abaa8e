/**
 * The one place that maps outcomes to exit statuses:
 * - 0: success (including `--help` and `--version`);
 * - 2: the user's mistake — a bad option (commander's own errors too), a `UsageError`, or a `DataError` about a data
 *   or model file — printed as ONE line `maflow: <message>`, never a stack trace;
 * - 1: an internal error, printed as a short line (the stack only with `MAFLOW_DEBUG=1`);
 * - 3: training failed (`TrainingFailedError`: it diverged, exploded or never improved on the initial model), one line;
 *   nothing was written over the model file;
 * - 4: the environment failed — a Node system error (a string `code` such as `ENOSPC`, `EACCES`, `EROFS`, `EIO`,
 *   `EMFILE`, `EDQUOT`) reached the top: permission denied, disk full, read-only file system, I/O error; one line
 *   naming the file and the code. A path the user named that does not exist or is a directory is a usage error (2),
 *   reported before any work where possible;
 * - 130: interrupted by Ctrl-C (commands that save partial work say what they saved).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { Rng, createMaf, saveModel } from 'maflow';
 * import { TextBuffer } from './cli-io.ts';
 * import { main } from './run.ts';
 * saveModel('model.safetensors', createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }));
 * writeFileSync('test.csv', 'x1,x2\n0.5,-1\n0,0\n');
 * const stdout = new TextBuffer();
 * const status = await main(['eval', 'model.safetensors', 'test.csv', '--json'], { stdout, stderr: process.stderr });
 * console.log(status, stdout.text()); // → 0 {"mean":…}
 */
import { CommanderError } from 'commander';
import { printable } from '../core/printable.ts';
import { DataError } from '../io/data-error.ts';
import type { CliIo } from './cli-io.ts';
import { createProgram } from './program.ts';
import { UsageError } from './usage-error.ts';
import { InterruptedError } from './interrupted-error.ts';
import { TrainingFailedError } from './training-failed-error.ts';

/** Exit statuses of the `maflow` command. */
export const EXIT = { ok: 0, internal: 1, usage: 2, trainingFailed: 3, environment: 4, interrupted: 130 } as const;

/** The longest error line printed (a safety net: messages quote file strings as short excerpts already). */
const MAX_LINE = 1000;

/** Runs the CLI on `argv` (without `node` and the script path) and returns the exit status; never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const program = createProgram(io);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * Prints `error` the way the CLI does and returns the exit status it maps to (see above).
 *
 * @example
 * import { TextBuffer } from './cli-io.ts';
 * import { reportError } from './run.ts';
 * import { UsageError } from './usage-error.ts';
 * const io = { stdout: new TextBuffer(), stderr: new TextBuffer() };
 * const status = reportError(new UsageError('--out: the directory models does not exist'), io);
 * console.log(status, io.stderr.text()); // → 2 maflow: --out: the directory models does not exist
 */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT.ok;
    // `maflow` without a command: commander has already printed the help to stderr.
    if (error.code === 'commander.help') return EXIT.usage;
    io.stderr.write(`maflow: ${oneLine(error.message.replace(/^error:\s*/, ''))}\n`);
    return EXIT.usage;
  }
  if (error instanceof InterruptedError) {
    io.stderr.write(`maflow: ${oneLine(error.message)}\n`);
    return EXIT.interrupted;
  }
  if (error instanceof TrainingFailedError) {
    io.stderr.write(`maflow: ${oneLine(error.message)}\n`);
    return EXIT.trainingFailed;
  }
  if (error instanceof DataError || error instanceof UsageError) {
    io.stderr.write(`maflow: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  if (isSystemError(error)) {
    io.stderr.write(`maflow: ${oneLine(systemErrorLine(error))}\n`);
    return EXIT.environment;
  }
  const env = io.env ?? process.env;
  const message = error instanceof Error ? error.message : String(error);
  if (env.MAFLOW_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
    io.stderr.write(`maflow: internal error: ${error.stack}\n`);
  } else {
    io.stderr.write(`maflow: internal error: ${oneLine(message)} (set MAFLOW_DEBUG=1 for the stack trace)\n`);
  }
  return EXIT.internal;
}

/** `message` as one printable line of at most `MAX_LINE` characters (control characters escaped, `printable`). */
function oneLine(message: string): string {
  return printable(message.replace(/\s*[\r\n]\s*/g, ' ').trim(), { maxLength: MAX_LINE });
}

/** A Node system error (`fs`, `net`, …): an Error with an errno-style string `code` (`ENOSPC`, `EACCES`). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
    && /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code as string);
}

/** Node's message names the code and usually the file (`ENOSPC: no space left on device, write 'm.safetensors'`). */
function systemErrorLine(error: NodeJS.ErrnoException): string {
  const path = typeof error.path === 'string' && !error.message.includes(error.path) ? ` (${error.path})` : '';
  return `${error.message}${path}`;
}
