/** Shared tools of the CLI tests: run `maflow` as a user does (a subprocess) or in-process, temp dirs, PNG sizes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { main } from '../../src/cli/run.ts';
import { transpiledPath } from '../helpers/transpiled-sources.ts';

/**
 * `node` arguments that start the CLI from this checkout's sources as they are, transpiled to plain JavaScript
 * (test/helpers/transpiled-sources.ts: a child starts in ~0.2 s, against ~1.5 s through tsx). The package's
 * bin/maflow.js runs the compiled dist/, which test/package checks.
 */
export const CLI_NODE_ARGS: readonly string[] = [transpiledPath('src/cli/main.ts')];

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `maflow …args` (from the sources) in `cwd` on the reference backend. */
export function runCli(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], { cwd, env: { ...process.env, MAFLOW_BACKEND: 'reference', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `main(args)` in this process with buffered output. */
export async function runInProcess(args: readonly string[]): Promise<CliResult> {
  const stdout = new TextBuffer();
  const stderr = new TextBuffer();
  const status = await main(args, { stdout, stderr, stderrIsTTY: false, env: { ...process.env, MAFLOW_BACKEND: 'reference' } });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `maflow-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Width and height from a PNG file's IHDR chunk (after checking the signature). */
export function pngFileSize(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path}: PNG signature`);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Asserts a user error: exit 2, exactly one stderr line `maflow: …` matching every pattern, no stack trace. */
export function assertUserError(result: CliResult, ...patterns: RegExp[]): void {
  assert.equal(result.status, 2, `exit status (stderr: ${result.stderr})`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line, got: ${result.stderr}`);
  assert.match(lines[0], /^maflow: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  for (const pattern of patterns) assert.match(lines[0], pattern);
}
