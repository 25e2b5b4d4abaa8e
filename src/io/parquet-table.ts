/**
 * An Apache Parquet file as a chunked table, read with hyparquet one row group at a time (memory holds one row group
 * of the selected columns). Parquet needs random access to its footer, so standard input is first copied to a
 * temporary file (removed afterwards). Columns must be numeric (DOUBLE, FLOAT, INT32, INT64) without nulls; messages
 * name the 0-based row and the column.
 */
import { mkdtempSync, rmSync, writeSync, openSync, closeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer } from 'hyparquet';
import type { Matrix } from '../core/matrix.ts';
import type { ByteReader } from './byte-reader.ts';
import { gatherColumnarRows } from './columnar-cells.ts';
import { DataError } from './data-error.ts';
import { STDIO_PATH } from './table-format.ts';
import { noRowsError, type TableReader } from './table-reader.ts';

/** Rows per chunk handed out (a row group is sliced into these). */
const CHUNK_ROWS = 65536;

/** Opens a Parquet file (`path`, or standard input spooled to a temporary file) and returns its table. */
export async function openParquetTable(bytes: ByteReader, path: string): Promise<TableReader> {
  const file = bytes.file;
  let spool: string | undefined;
  let source = path;
  if (path === STDIO_PATH || bytes.inflated) {
    spool = mkdtempSync(join(tmpdir(), 'maflow-parquet-'));
    source = join(spool, 'input.parquet');
    const fd = openSync(source, 'w');
    try {
      for await (const block of bytes) writeSync(fd, block);
    } finally {
      closeSync(fd);
    }
  }
  const cleanup = (): void => { if (spool !== undefined) rmSync(spool, { recursive: true, force: true }); };
  let handle: FileHandle;
  try {
    handle = await open(source, 'r');
  } catch (error) {
    cleanup();
    throw error;
  }
  const close = async (): Promise<void> => { await handle.close(); cleanup(); };
  try {
    const { size } = await handle.stat();
    const buffer = fileBuffer(handle, size);
    const metadata = await parquetMetadataAsync(buffer).catch((error: Error) => {
      throw new DataError(`not a valid Parquet file (${error.message})`, { file });
    });
    const columns = parquetSchema(metadata).children.map((child) => child.element.name);
    return {
      file, format: 'parquet', columns, named: true, rows: Number(metadata.num_rows),
      async *chunks(selected) {
        try {
          const names = selected.map((i) => columns[i]);
          const scan = await parquetScan({ file: buffer, metadata, columns: names });
          let total = 0;
          for (const range of scan.ranges) {
            const data = await Promise.all(names.map((column) => scan.readColumn({ column, ...range })));
            for (let start = range.rowStart; start < range.rowEnd; start += CHUNK_ROWS) {
              const end = Math.min(range.rowEnd, start + CHUNK_ROWS);
              const { rows, error } = toRows(data, start - range.rowStart, end - range.rowStart, start, selected, names, file);
              if (rows.rows > 0) yield { rows, firstRow: start };
              if (error !== undefined) throw error;
              total += rows.rows;
            }
          }
          if (total === 0) throw noRowsError(file, 'the file has no rows');
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Rows `[from, to)` of the column arrays as float64 `[n, k]`; the first bad value ends the rows with an error. */
function toRows(data: readonly ArrayLike<unknown>[], from: number, to: number, firstRow: number, selected: readonly number[],
  names: readonly string[], file: string): { rows: Matrix; error?: DataError } {
  return gatherColumnarRows(to - from, (r, j) => data[j][from + r], { file, firstRow, selected, names });
}

/** hyparquet's random-access view of an open file. */
function fileBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const length = (end ?? size) - start;
      const buffer = new ArrayBuffer(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(new Uint8Array(buffer, done), 0, length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer;
    },
  };
}
