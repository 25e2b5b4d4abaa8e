/**
 * Reading a user's file with errors a user understands (`data.csv: no such file`) instead of a raw ENOENT.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './data-error.ts';

/** Strings longer than this cannot be built in V8; larger CSV files must be split or converted to .npy. */
const MAX_TEXT_BYTES = 0x1fffffe8;

/**
 * The bytes of the file at `path`. A missing file or a directory (the wrong path named) throws a `DataError` whose
 * message starts with `path`; any other failure of the system (permission denied, an I/O error, too many open files)
 * is rethrown as Node's system error, `code`, `syscall` and `path` kept, which the CLI reports as an environment
 * problem (exit status 4).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { readFileBytes } from './read-file-bytes.ts';
 * writeFileSync('model.safetensors', new Uint8Array(16));
 * console.log(readFileBytes('model.safetensors').length); // → 16
 */
export function readFileBytes(path: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw fileError(path, error);
  }
}

/** The UTF-8 text of the file at `path` (see `readFileBytes`). */
export function readFileText(path: string): string {
  const bytes = readFileBytes(path);
  if (bytes.length > MAX_TEXT_BYTES) {
    throw new DataError(`the file is too large to read as text (${bytes.length} bytes; at most ${MAX_TEXT_BYTES}); ` +
      'convert it to .npy or split it', { file: path });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** A read error as `readFileBytes` reports it: a missing path or a directory as a `DataError`, other system errors with the path set. */
export function fileError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return new DataError('no such file', { file: path });
    case 'ENOTDIR': return new DataError('no such file (a part of the path is not a directory)', { file: path });
    case 'EISDIR': return new DataError('is a directory, expected a file', { file: path });
    default:
      // A failed read(2) carries no path (`EIO: i/o error, read`): name the file for whoever reports it.
      if (error instanceof Error && (error as NodeJS.ErrnoException).path === undefined) Object.assign(error, { path });
      return error;
  }
}
