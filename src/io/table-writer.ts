/**
 * Tables written a chunk of rows at a time, in any `TableFormat`, to a file (atomically: a temporary file renamed into
 * place by `finish`) or to standard output (`-`). Memory holds a chunk (a Parquet row group), never the table.
 *
 * What a failure leaves: a file output is removed (`fail`), so the destination is as it was; standard output cannot
 * be taken back, so `fail` completes it with the rows written so far (the Parquet footer, the Arrow end marker, the
 * `.npy` header with their count): a valid table of every row before the failure.
 */
import { mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dtypeOf, type Dtype, type Matrix } from '../core/matrix.ts';
import { openAtomicFile } from './atomic-write.ts';
import { DataError } from './data-error.ts';
import { formatNumber } from './format-number.ts';
import { CsvChunkWriter, NpyChunkWriter } from './matrix-writer.ts';
import { encodeNpyHeader } from './npy.ts';
import { STDIO_PATH, TABLE_FILE_EXTENSIONS, tableFormatOf, type TableFormat } from './table-format.ts';

/** Where a table's bytes go: a process stream (standard output) or a test buffer. */
export interface ByteSink {
  write(data: string | Uint8Array): unknown;
}

/** A table being written. */
export interface TableWriter {
  /** Appends the rows of `chunk [n, columns]`. */
  writeRows(chunk: Matrix): Promise<void>;
  /** Completes the table (footer, row count) and, for a file, renames it into place. */
  finish(): Promise<void>;
  /** After a failure: removes a file output; completes standard output with the rows so far (see the module). */
  fail(): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
  readonly format: TableFormat;
}

/** Options of `openTableWriter`. */
export interface TableWriterOptions {
  /** Column names (a CSV header, JSON keys, Parquet and Arrow fields). */
  columns: readonly string[];
  /** The format, when the name does not tell (`-`, no extension). @default the extension's, else csv */
  format?: TableFormat;
  /** What `-` writes to. @default process.stdout */
  stdout?: ByteSink;
  /** Whether CSV output starts with a header row. @default true */
  header?: boolean;
  /** The number of rows when known in advance (a `.npy` header is written at once instead of at the end). */
  rows?: number;
}

/** The format `path` is written in: `options.format`, else the extension's; a name that tells none is refused. */
export function outputFormatOf(path: string, format?: TableFormat): TableFormat {
  if (format !== undefined) return format;
  const named = tableFormatOf(path);
  if (named.gzip) throw new DataError('gzip output is not supported; write to - and pipe through gzip', { file: path });
  if (named.format !== undefined) return named.format;
  if (path === STDIO_PATH) return 'csv';
  throw new DataError(`cannot tell the format from the name; use an extension (${TABLE_FILE_EXTENSIONS.join(', ')}) or --out-format`, { file: path });
}

/**
 * Opens `path` (or standard output for `-`) for a table written in chunks.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { matrix } from 'maflow';
 * import { openTableWriter } from './table-writer.ts';
 * const writer = await openTableWriter('scores.jsonl', { columns: ['logprob'] });
 * await writer.writeRows(matrix([[-1.5], [-2]]));
 * await writer.finish();
 * console.log(readFileSync('scores.jsonl', 'utf8')); // → {"logprob":-1.5} / {"logprob":-2} (two lines)
 */
export async function openTableWriter(path: string, options: TableWriterOptions): Promise<TableWriter> {
  const format = outputFormatOf(path, options.format);
  const toStdout = path === STDIO_PATH;
  const file = toStdout ? undefined : openAtomicFile(path);
  const sink: ByteSink = file ?? options.stdout ?? process.stdout;
  let body: ChunkEncoder;
  try {
    body = await encoderFor(format, sink, options, toStdout);
  } catch (error) {
    file?.abort();
    throw error;
  }
  let rows = 0;
  return {
    format,
    get rows() { return rows; },
    async writeRows(chunk) {
      if (chunk.cols !== options.columns.length) {
        throw new RangeError(`TableWriter.writeRows: expected ${options.columns.length} columns, got ${chunk.cols}`);
      }
      if (chunk.rows === 0) return;
      await body.write(chunk);
      rows += chunk.rows;
    },
    async finish() {
      try {
        await body.end();
        file?.commit();
      } catch (error) {
        file?.abort();
        throw error;
      }
    },
    async fail() {
      if (file !== undefined) {
        body.discard();
        file.abort();
        return;
      }
      await body.end();
    },
  };
}

/** One format's encoding onto a sink. */
interface ChunkEncoder {
  write(chunk: Matrix): Promise<void> | void;
  end(): Promise<void> | void;
  /** Frees what the encoder holds (a spool file) without writing more. */
  discard(): void;
}

async function encoderFor(format: TableFormat, sink: ByteSink, options: TableWriterOptions, toStdout: boolean): Promise<ChunkEncoder> {
  const columns = options.columns;
  switch (format) {
    case 'csv':
    case 'tsv': {
      const writer = new CsvChunkWriter(sink, { cols: columns.length, columns: options.header === false ? undefined : columns, delimiter: format === 'tsv' ? '\t' : ',' });
      return { write: (chunk) => writer.writeRows(chunk), end: () => {}, discard: () => {} };
    }
    case 'jsonl':
      return jsonlEncoder(sink, columns);
    case 'npy':
      return options.rows !== undefined && !toStdout ? npyKnownRows(sink, options.rows, columns.length) : npySpooled(sink, columns.length);
    case 'parquet': {
      // The Parquet and Arrow encoders load only when a table of their format is written (apache-arrow is 12 MB).
      const { writeParquetRowGroups } = await import('./parquet-rows.ts');
      return writeParquetRowGroups(sink, columns);
    }
    case 'arrow': {
      const { arrowEncoder } = await import('./arrow-rows.ts');
      return arrowEncoder(sink, columns, toStdout ? 'stream' : 'file');
    }
  }
}

function jsonlEncoder(sink: ByteSink, columns: readonly string[]): ChunkEncoder {
  const keys = columns.map((name) => `${JSON.stringify(name)}:`);
  return {
    write(chunk) {
      const single = chunk.data instanceof Float32Array;
      for (let start = 0; start < chunk.rows; start += 4096) {
        const lines: string[] = [];
        for (let r = start; r < Math.min(chunk.rows, start + 4096); r++) {
          const fields: string[] = [];
          for (let c = 0; c < chunk.cols; c++) {
            const v = chunk.data[r * chunk.cols + c];
            // JSON has no NaN or infinity: such a value is written as null.
            fields.push(keys[c] + (Number.isFinite(v) ? formatNumber(v, single) : 'null'));
          }
          lines.push(`{${fields.join(',')}}\n`);
        }
        sink.write(lines.join(''));
      }
    },
    end: () => {},
    discard: () => {},
  };
}

function npyKnownRows(sink: ByteSink, rows: number, cols: number): ChunkEncoder {
  let writer: NpyChunkWriter | undefined;
  return {
    write(chunk) {
      writer ??= new NpyChunkWriter(sink as { write(bytes: Uint8Array): unknown }, { rows, cols, dtype: dtypeOf(chunk.data) });
      writer.writeRows(chunk);
    },
    end() {
      if ((writer?.rows ?? 0) !== rows) throw new RangeError(`npy output: ${writer?.rows ?? 0} rows were written, expected ${rows}`);
    },
    discard: () => {},
  };
}

/** `.npy` whose row count is known only at the end: the data go to a temporary file, the header first at the end. */
function npySpooled(sink: ByteSink, cols: number): ChunkEncoder {
  const dir = mkdtempSync(join(tmpdir(), 'maflow-npy-'));
  const path = join(dir, 'data.bin');
  const fd = openSync(path, 'w+');
  let rows = 0;
  let dtype: Dtype | undefined;
  const discard = (): void => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    write(chunk) {
      dtype ??= dtypeOf(chunk.data);
      const data = dtypeOf(chunk.data) === dtype ? chunk.data : (dtype === 'float32' ? Float32Array.from(chunk.data) : Float64Array.from(chunk.data));
      writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      rows += chunk.rows;
    },
    end() {
      try {
        sink.write(encodeNpyHeader({ rows, cols, dtype: dtype ?? 'float64' }));
        const block = Buffer.allocUnsafe(1 << 20);
        for (let offset = 0; ;) {
          const n = readSync(fd, block, 0, block.length, offset);
          if (n === 0) break;
          sink.write(Uint8Array.prototype.slice.call(block, 0, n));
          offset += n;
        }
      } finally {
        discard();
      }
    },
    discard,
  };
}
