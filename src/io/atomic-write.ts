/**
 * Crash-safe file writes: a reader sees either the old file or the complete new one, never a partial file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `data` to `path` atomically: writes a temporary file in the same directory (so the rename stays on one
 * file system), flushes it to disk with fsync, then renames it over `path`. On any failure the temporary file is
 * removed and the original `path` (if any) is left untouched.
 *
 * @param path destination file
 * @param data bytes, or a string written as UTF-8
 * @example
 * import { readFileSync } from 'node:fs';
 * import { writeFileAtomic } from 'maflow';
 * writeFileAtomic('model.bin', new Uint8Array([1, 2, 3]));   // via a temporary file and a rename
 * console.log(readFileSync('model.bin')); // → <Buffer 01 02 03>
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing; the original error matters */ }
    }
    try { unlinkSync(temp); } catch { /* the temp file may never have been created */ }
    throw error;
  }
  syncDirectory(dirname(path));
}

/** Makes the rename durable; not every platform lets a directory be opened, so failures are ignored. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
