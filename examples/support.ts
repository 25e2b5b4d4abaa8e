/**
 * What every example shares: where it writes, how small it runs, and how it calls the `maflow` command.
 *
 * - `MAFLOW_EXAMPLES_QUICK=1` runs an example on small data with few epochs (the test suite does), so that it takes
 *   seconds; its printed checks still hold, with looser bounds.
 * - Figures go to `examples/figures/` (`MAFLOW_EXAMPLES_OUT` overrides it); intermediate files go to a fresh
 *   temporary directory.
 * - `maflow(...)` runs the `maflow` command of the installed package (`MAFLOW_CLI`, e.g.
 *   `node --import tsx src/cli/main.ts`, runs another one, such as a checkout's sources).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Small data and few epochs. */
export const QUICK = process.env.MAFLOW_EXAMPLES_QUICK === '1';

/** The repository's real datasets (`bench/data/`, see its README for sources and licences). */
export const DATA_DIR = resolve(import.meta.dirname, '../bench/data');

/** The directory the figures are written to (created). */
export function figuresDir(): string {
  const dir = process.env.MAFLOW_EXAMPLES_OUT ?? resolve(import.meta.dirname, 'figures');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh temporary directory for an example's intermediate files. */
export function workDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `maflow-example-${name}-`));
}

function cliCommand(): string[] {
  const override = process.env.MAFLOW_CLI;
  if (override !== undefined && override.trim() !== '') return override.trim().split(/\s+/);
  const packageDir = dirname(createRequire(import.meta.url).resolve('maflow/package.json'));
  return [process.execPath, join(packageDir, 'bin', 'maflow.js')];
}

/** Runs `maflow ...args` in `cwd`, echoing the command and its stderr; returns its stdout. */
export function maflow(args: readonly string[], cwd: string): string {
  const [command, ...prefix] = cliCommand();
  console.log(`$ maflow ${args.join(' ')}`);
  try {
    return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    // maflow has printed its one-line reason on stderr already.
    console.error(`maflow ${args[0]} failed (exit status ${(error as { status?: number }).status ?? 'unknown'})`);
    process.exit(1);
  }
}
