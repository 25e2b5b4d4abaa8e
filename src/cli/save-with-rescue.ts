import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';

/** Options of `saveWithRescue`. */
export interface SaveWithRescueOptions {
  /** Where the rescue copy goes when `path` cannot be written. @default os.tmpdir() */
  rescueDirectory?: string;
}

/** A failed save of a trained model: the system error of the write, plus where the model went instead. */
export interface RescuedSaveError extends NodeJS.ErrnoException {
  /** The rescue copy, or undefined when it could not be written either. */
  rescuedTo?: string;
}

/**
 * Calls `save(path)`; when that fails with a system error (`ENOSPC` on a full disk, `EDQUOT`, `EIO`, `EROFS`, …), saves
 * the same model once more to a fresh file in `os.tmpdir()` — usually another file system than a full one next to
 * `path` — so that hours of training are not lost, and then throws the original error (its `code`, `syscall` and
 * `path` kept, `rescuedTo` added) with a message naming both files:
 * `ENOSPC: no space left on device, write 'model.safetensors'; the trained model was saved to /tmp/… instead`.
 * An error without a system `code` (a bug, a bad argument) is rethrown as it is, with no rescue.
 *
 * @example
 * import { existsSync, writeFileSync } from 'node:fs';
 * import { saveWithRescue } from './save-with-rescue.ts';
 * const fullDisk = (path: string): void => {
 *   if (path === 'model.safetensors') throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', path });
 *   writeFileSync(path, 'the model');
 * };
 * try {
 *   saveWithRescue('model.safetensors', fullDisk, { rescueDirectory: '.' });   // default: os.tmpdir()
 * } catch (error) {
 *   const { code, rescuedTo } = error as { code: string; rescuedTo: string };
 *   console.log(code, existsSync(rescuedTo)); // → ENOSPC true
 * }
 */
export function saveWithRescue(path: string, save: (path: string) => void, options: SaveWithRescueOptions = {}): void {
  try {
    save(path);
    return;
  } catch (error) {
    const system = error as NodeJS.ErrnoException;
    if (!(error instanceof Error) || typeof system.code !== 'string') throw error;
    const extension = extname(path);
    const rescue = join(options.rescueDirectory ?? tmpdir(),
      `maflow-rescued-${basename(path, extension)}-${process.pid}-${randomBytes(4).toString('hex')}${extension}`);
    try {
      save(rescue);
    } catch (second) {
      const why = typeof (second as NodeJS.ErrnoException).code === 'string' ? (second as NodeJS.ErrnoException).code : (second as Error).message;
      throw annotateSystemError(system, `; saving it to ${rescue} instead failed too (${why}): the trained model is lost`);
    }
    throw annotateSystemError(system, `; the trained model was saved to ${rescue} instead`, rescue);
  }
}

/**
 * A copy of a system error with `note` appended to its message, its `code`, `errno`, `syscall` and `path` kept (so the
 * CLI still maps it to its exit status and names the file), the original as `cause`, and `rescuedTo` when given.
 *
 * @example
 * import { annotateSystemError } from './save-with-rescue.ts';
 * const full = Object.assign(new Error("ENOSPC: no space left on device, write 'ck.safetensors'"), { code: 'ENOSPC', path: 'ck.safetensors' });
 * const error = annotateSystemError(full, '; training stopped after epoch 3');
 * console.log(error.code, error.message); // → ENOSPC ENOSPC: no space left on device, write 'ck.safetensors'; training stopped after epoch 3
 */
export function annotateSystemError(error: NodeJS.ErrnoException, note: string, rescuedTo?: string): RescuedSaveError {
  const out = new Error(`${error.message}${note}`, { cause: error }) as RescuedSaveError;
  out.code = error.code;
  if (error.errno !== undefined) out.errno = error.errno;
  if (error.syscall !== undefined) out.syscall = error.syscall;
  if (error.path !== undefined) out.path = error.path;
  if (rescuedTo !== undefined) out.rescuedTo = rescuedTo;
  return out;
}
