/**
 * Checks, before any work starts, that an output file can be written: its directory exists, is a directory and is
 * writable, and the path itself is not a directory. A long training run must not fail at the very end because
 * `--out` names a missing folder.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usage-error.ts';

/**
 * Throws a `UsageError` naming `option` and `path` when `path` cannot be written.
 *
 * @example
 * import { checkOutputPath } from './check-output-path.ts';
 * checkOutputPath('--out', 'flow.safetensors');   // the working directory exists and is writable: no error
 * try {
 *   checkOutputPath('--out', 'models/flow.safetensors');
 * } catch (error) {
 *   console.log((error as Error).message); // → --out models/flow.safetensors: the directory /…/models does not exist
 * }
 */
export function checkOutputPath(option: string, path: string): void {
  const directory = dirname(resolve(path));
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    throw new UsageError(`${option} ${path}: the directory ${directory} does not exist`);
  }
  if (!isDirectory) throw new UsageError(`${option} ${path}: ${directory} is not a directory`);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${path}: the directory ${directory} is not writable`);
  }
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${option} ${path}: is a directory, expected a file name`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
}
