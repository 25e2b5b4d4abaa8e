/**
 * The one convention of maflow's machine-readable output, for every command that has one:
 * - `--json` prints **one JSON object** on stdout, followed by a newline, and nothing else there: progress, notices
 *   and warnings go to stderr, so `maflow train … --json | jq .bestEpoch` works while the progress shows;
 * - `--summary FILE` writes the same object to FILE (atomically, refused like any output that would replace an input);
 * - the object starts with the fields of `RunInfo` (`command`, `maflowVersion`, `backend`, `cpu`, `wallSeconds`),
 *   then the command's own fields: camelCase names, log-likelihoods in nats per row in the data's original units,
 *   counts as `rows` and `dimensions`, file paths as given on the command line, 1-based epochs and data rows;
 * - a number that is not finite (no validation set, an exploded run) is written as `null`, as `JSON.stringify` does;
 * - a command that fails after its work (a training that diverged) still writes its object, with `failed: true`,
 *   before the error line on stderr and its exit status.
 */
import { cpus } from 'node:os';
import { printableJson } from '../core/printable.ts';
import { VERSION } from '../core/version.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { describeBackend } from '../kernels/select.ts';
import type { CliIo } from './cli-io.ts';

/** The fields every JSON summary starts with. */
export interface RunInfo {
  /** The command that ran: `'train'`, `'eval'`, … */
  command: string;
  /** The maflow version that ran it. */
  maflowVersion: string;
  /** The kernel backend, as the text output names it (`native (avx512, 2 threads)`, `reference (pure TypeScript)`). */
  backend: string;
  /** The CPU model the operating system reports (`'unknown'` where it reports none). */
  cpu: string;
  /** Wall time of the command until the summary was made, seconds. */
  wallSeconds: number;
}

/**
 * The `RunInfo` of a command that started at `startedAt` (a `performance.now()` reading).
 *
 * @example
 * import { runInfo } from './json-summary.ts';
 * const info = runInfo('eval', performance.now());
 * console.log(info.command, info.maflowVersion === undefined, info.wallSeconds >= 0); // → eval false true
 */
export function runInfo(command: string, startedAt: number): RunInfo {
  return {
    command, maflowVersion: VERSION, backend: describeBackend(), cpu: cpuModel(),
    wallSeconds: (performance.now() - startedAt) / 1000,
  };
}

/** Where a command sends its summary: `--json` (stdout) and/or `--summary FILE`. */
export interface JsonSummaryTargets {
  json?: boolean;
  summary?: string;
}

/**
 * Writes `summary` (the `RunInfo` fields and the command's own) as one JSON line to stdout (with `json`) and to the
 * file `summary` (with `summary`); printable on a terminal (`printableJson`), non-finite numbers as `null`.
 *
 * @example
 * import { TextBuffer } from './cli-io.ts';
 * import { runInfo, writeJsonSummary } from './json-summary.ts';
 * const stdout = new TextBuffer();
 * writeJsonSummary({ stdout, stderr: new TextBuffer() }, { ...runInfo('eval', performance.now()), logLikelihood: NaN }, { json: true });
 * console.log(JSON.parse(stdout.text()).logLikelihood); // → null
 */
export function writeJsonSummary<Summary extends RunInfo>(io: CliIo, summary: Summary, targets: JsonSummaryTargets): void {
  const text = `${printableJson(summary)}\n`;
  if (targets.summary !== undefined) writeFileAtomic(targets.summary, text);
  if (targets.json === true) io.stdout.write(text);
}

function cpuModel(): string {
  const model = cpus()[0]?.model.trim();
  return model === undefined || model === '' ? 'unknown' : model;
}
