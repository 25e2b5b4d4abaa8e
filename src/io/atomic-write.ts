/**
 * Crash-safe file writes: a reader sees either the old file or the complete new one, never a partial file.
 */
import {
  closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The `write(2)` call of atomic writes, `fs.writeSync`'s shape: returns the bytes written. Tests inject a failing one. */
export type WriteFunction = (fd: number, data: Uint8Array, offset: number, length: number) => number;

/** Options of `writeFileAtomic`, `openAtomicFile` and `writeAtomically`. */
export interface AtomicWriteOptions {
  /** Writes bytes to the temporary file. @default fs.writeSync */
  write?: WriteFunction;
  /** Permission bits of a new file, less the umask; a replaced file keeps its own mode. @default 0o644 */
  mode?: number;
}

/** A file being written atomically: chunks go to a temporary file beside it, `commit` renames that into place. */
export interface AtomicFile {
  /** The destination as given. */
  readonly path: string;
  /** Appends bytes (or a string as UTF-8) to the temporary file. */
  write(data: Uint8Array | string): void;
  /** Flushes, gives the file the mode of the one it replaces, and renames it over the destination. */
  commit(): void;
  /** Removes the temporary file, leaving the destination as it was (does nothing after `commit`). */
  abort(): void;
}

/**
 * Opens `path` for an atomic, streamed write: a temporary file in the destination's directory (so the rename stays on
 * one file system), created with mode 0600 when it will replace a file, so that the new contents are never readable
 * by more users than the old ones. `commit()` fsyncs it, gives it the mode (and, where allowed, the owner) of the file
 * it replaces, and renames it over `path`; a symbolic link at `path` is followed, so the link stays and its target is
 * replaced; anything but a regular file at `path` (a directory, a device, a FIFO) is refused. Any failure of a
 * system call throws an error with the call's `code` (`ENOSPC`, `EACCES`, …), `syscall` and `path` set to the
 * destination, and a message naming it: `ENOSPC: no space left on device, write 'out.csv'`.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { openAtomicFile } from 'maflow';
 * const file = openAtomicFile('rows.csv');
 * try {
 *   for (let chunk = 0; chunk < 3; chunk++) file.write(`${chunk}\n`);   // bounded memory: one chunk at a time
 *   file.commit();
 * } catch (error) {
 *   file.abort();
 *   throw error;
 * }
 * console.log(readFileSync('rows.csv', 'utf8').split('\n').length); // → 4 (three lines and the final newline)
 */
export function openAtomicFile(path: string, options: AtomicWriteOptions = {}): AtomicFile {
  const target = followLink(path);
  const replaced = existingFile(path, target);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const write = options.write ?? writeSync;
  let fd: number | undefined = call(path, () => openSync(temp, 'wx', replaced === undefined ? options.mode ?? 0o644 : 0o600));
  let state: 'open' | 'committed' | 'aborted' = 'open';
  const open = (): number => {
    if (state !== 'open' || fd === undefined) throw new Error(`${path}: the atomic write was already ${state}`);
    return fd;
  };
  return {
    path,
    write(data) {
      const handle = open();
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let offset = 0;
      while (offset < bytes.length) offset += call(path, () => write(handle, bytes, offset, bytes.length - offset), 'write');
    },
    commit() {
      const handle = open();
      call(path, () => {
        if (replaced !== undefined) keepAttributes(handle, replaced);
        fsyncSync(handle);
      }, 'fsync');
      fd = undefined;
      call(path, () => closeSync(handle), 'close');
      call(path, () => renameSync(temp, target), 'rename');
      state = 'committed';
      syncDirectory(dirname(target));
    },
    abort() {
      if (state !== 'open') return;
      state = 'aborted';
      if (fd !== undefined) {
        try { closeSync(fd); } catch { /* already failing; the original error matters */ }
        fd = undefined;
      }
      try { unlinkSync(temp); } catch { /* the temp file may never have been created */ }
    },
  };
}

/**
 * Writes `path` atomically by calling `fill(file)` with an open `AtomicFile`, then committing; if `fill` or the
 * commit throws, the temporary file is removed, the destination is left as it was, and the error is rethrown.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { writeAtomically } from 'maflow';
 * writeAtomically('squares.txt', (file) => { for (let i = 1; i <= 3; i++) file.write(`${i * i}\n`); });
 * console.log(readFileSync('squares.txt', 'utf8')); // → 1 / 4 / 9 (three lines)
 */
export function writeAtomically(path: string, fill: (file: AtomicFile) => void, options: AtomicWriteOptions = {}): void {
  const file = openAtomicFile(path, options);
  try {
    fill(file);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

/**
 * Writes `data` to `path` atomically (see `openAtomicFile`): a temporary file in the same directory, fsync, rename.
 * On any failure the temporary file is removed and the original `path` (if any) is left untouched; a replaced file
 * keeps its mode.
 *
 * @param path destination file
 * @param data bytes, or a string written as UTF-8
 * @example
 * import { readFileSync } from 'node:fs';
 * import { writeFileAtomic } from 'maflow';
 * writeFileAtomic('model.bin', new Uint8Array([1, 2, 3]));   // via a temporary file and a rename
 * console.log(readFileSync('model.bin')); // → <Buffer 01 02 03>
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  writeAtomically(path, (file) => file.write(data), options);
}

/** The file a symbolic link at `path` points to (when it exists), so that replacing it keeps the link. */
function followLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

interface Attributes {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * The attributes of the regular file at `target`, or undefined when there is none; anything else there (a device, a
 * FIFO, a directory) is refused: the rename would replace `/dev/null` itself rather than write into it.
 */
function existingFile(path: string, target: string): Attributes | undefined {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) {
    throw new Error(`${path}: exists and is not a regular file (${stat.isDirectory() ? 'a directory' : 'a device, FIFO or socket'}); ` +
      'an atomic write would replace it');
  }
  return { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
}

/** The replaced file's owner (only a privileged process may give a file away, so failure is expected) and mode. */
function keepAttributes(fd: number, attributes: Attributes): void {
  try { fchownSync(fd, attributes.uid, attributes.gid); } catch { /* not permitted: the writer owns the new file */ }
  fchmodSync(fd, attributes.mode);
}

/** Runs a system call; its error is rethrown naming the destination `path` (a `write(2)` error names no file). */
function call<T>(path: string, action: () => T, syscall?: string): T {
  try {
    return action();
  } catch (error) {
    throw namedError(error, path, syscall);
  }
}

function namedError(error: unknown, path: string, syscall: string | undefined): unknown {
  const system = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof system.code !== 'string') return error;
  const call = system.syscall ?? syscall ?? 'write';
  // Node's text is "CODE: description, syscall 'temp path'": keep the description, name the destination instead.
  const description = /^[A-Z0-9_]+: (.*?), \w+(?: '.*')?$/s.exec(error.message)?.[1] ?? error.message;
  const named = new Error(`${system.code}: ${description}, ${call} '${path}'`, { cause: error }) as NodeJS.ErrnoException;
  named.code = system.code;
  if (system.errno !== undefined) named.errno = system.errno;
  named.syscall = call;
  named.path = path;
  return named;
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
