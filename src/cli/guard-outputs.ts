import { realpathSync, statSync, type BigIntStats } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { MATRIX_FILE_EXTENSIONS } from '../io/read-matrix.ts';
import { STDIO_PATH, TABLE_FILE_EXTENSIONS, tableFormatOf } from '../io/table-format.ts';
import { checkOutputPath } from './check-output-path.ts';
import { UsageError } from './usage-error.ts';

/** A file a command will write. */
export interface OutputFile {
  /** How the user named it, for messages: `'--out'`, `'--checkpoint'`. */
  option: string;
  path: string;
  /**
   * What it holds, which decides the extensions it may have: `'model'` → `.safetensors`; `'matrix'` → `.csv`,
   * `.tsv`, `.txt`, `.npy`; `'table'` → an extension that names a `TableFormat` (`.csv` … `.parquet`, `.arrow`);
   * `'any'` → not checked here. @default 'any'
   */
  kind?: 'model' | 'matrix' | 'table' | 'any';
  /** Names the file in messages instead of `option` (a file the user did not name: `'the best-before-failure model'`). */
  label?: string;
}

/** A file a command reads. */
export interface InputFile {
  /** What it is, for messages: `'training data'`, `'--validation-data'`, `'model'`. */
  label: string;
  path: string;
  /**
   * The option of the one output that may name this same file, because the input is read in full before that output
   * is first written and it is replaced atomically (`--checkpoint` may continue the `--resume` file).
   */
  replacedBy?: string;
}

/** Options of `guardOutputs`. */
export interface GuardOutputsOptions {
  outputs: readonly OutputFile[];
  inputs: readonly InputFile[];
}

/**
 * Refuses, before any work, every output that would destroy an input or another output, as GNU `cp` refuses to copy
 * a file onto itself: an output is "the same file" as an input when both exist with the same device and inode (so a
 * symbolic or hard link to the input counts), or when their resolved paths are equal. Also refuses an output that
 * cannot be written (`checkOutputPath`: a missing or read-only directory, a directory), one that exists but is not a
 * regular file (a device, a FIFO: an atomic write would replace it), one with the wrong extension for its `kind`, and
 * two outputs naming the same file. Each refusal is a `UsageError` naming the option, the path and the reason.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { guardOutputs } from './guard-outputs.ts';
 * writeFileSync('x.csv', 'a,b\n1,2\n');
 * try {
 *   guardOutputs({ inputs: [{ label: 'data', path: 'x.csv' }], outputs: [{ option: '--out', path: './x.csv', kind: 'matrix' }] });
 * } catch (error) {
 *   console.log((error as Error).message); // → --out ./x.csv: is the same file as the data x.csv; an output never replaces an input, choose another name
 * }
 */
export function guardOutputs(options: GuardOutputsOptions): void {
  const { outputs, inputs } = options;
  outputs.forEach((output, i) => {
    // `-` is standard output: no file to protect.
    if (output.path === STDIO_PATH) return;
    const name = output.label ?? output.option;
    checkExtension(output, name);
    checkOutputPath(name, output.path);
    const existing = identity(output.path);
    if (existing !== undefined && !existing.isFile()) {
      throw new UsageError(`${name} ${output.path}: exists and is not a regular file (maflow writes a new file and renames it into place)`);
    }
    for (const input of inputs) {
      if (input.path === STDIO_PATH || input.replacedBy === output.option || !sameFile(output.path, input.path)) continue;
      throw new UsageError(`${name} ${output.path}: is the same file as the ${input.label} ${input.path}; ` +
        'an output never replaces an input, choose another name');
    }
    for (const other of outputs.slice(0, i)) {
      if (sameFile(output.path, other.path)) {
        throw new UsageError(`${name} ${output.path}: is the same file as ${other.label ?? other.option} ${other.path}; give each output its own file`);
      }
    }
  });
}

function checkExtension(output: OutputFile, name: string): void {
  const extension = extname(output.path).toLowerCase();
  if (output.kind === 'model' && extension !== '.safetensors') {
    throw new UsageError(`${name} ${output.path}: a model file must have the extension .safetensors ` +
      `(it is written in the safetensors format), got ${extension === '' ? 'none' : `"${extension}"`}`);
  }
  if (output.kind === 'table' && tableFormatOf(output.path).format === undefined) {
    throw new UsageError(`${name} ${output.path}: expected one of the extensions ${TABLE_FILE_EXTENSIONS.join(', ')} ` +
      `(or name the format with --out-format), got ${extension === '' ? 'none' : `"${extension}"`}`);
  }
  if (output.kind === 'table' && tableFormatOf(output.path).gzip) {
    throw new UsageError(`${name} ${output.path}: gzip output is not supported; write to - and pipe through gzip`);
  }
  if (output.kind === 'matrix' && !(MATRIX_FILE_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new UsageError(`${name} ${output.path}: expected one of the extensions ${MATRIX_FILE_EXTENSIONS.join(', ')}, ` +
      `got ${extension === '' ? 'none' : `"${extension}"`}`);
  }
}

/** Whether `a` and `b` are one file: the same device and inode when both exist, else the same resolved path. */
function sameFile(a: string, b: string): boolean {
  const x = identity(a);
  const y = identity(b);
  if (x !== undefined && y !== undefined) return x.dev === y.dev && x.ino === y.ino;
  return canonicalPath(a) === canonicalPath(b);
}

/** `stat` (following links) as bigints, so that 64-bit inode numbers compare exactly; undefined when missing. */
function identity(path: string): BigIntStats | undefined {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

/** The absolute path with links resolved as far as the path exists. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}
