/**
 * Tables read a chunk of rows at a time, whatever their size: CSV / TSV (gzip too), `.npy`, JSON lines, Parquet and
 * Arrow IPC, from a file or standard input (`-`). The reader knows the column names before any row is read, so a
 * caller selects its columns first and then receives float64 chunks of just those, in file order; memory holds a
 * chunk (a Parquet row group's column chunks at most), never the file.
 *
 * Every bad value is a `DataError` naming the file, the row and the column as the whole-file readers name them (a
 * text file's 1-based line, a binary array's 0-based row); the rows before it in the same chunk are yielded first, so
 * that a caller can finish what it writes up to that row.
 */
import type { Matrix } from '../core/matrix.ts';
import { openByteReader } from './byte-reader.ts';
import { defaultParseThreads } from './csv-parse-pool.ts';
import { openCsvTable } from './csv-table.ts';
import { DataError } from './data-error.ts';
import { openJsonlTable } from './jsonl-table.ts';
import { openNpyTable } from './npy-table.ts';
import { STDIO_PATH, sniffTableFormat, tableFormatOf, type TableFormat } from './table-format.ts';

/** Rows of the selected columns, float64, and where they are in the file. */
export interface RowChunk {
  /** `[n, selected columns]`, float64, n ≥ 1. */
  rows: Matrix;
  /** The 0-based index of the chunk's first data row among all data rows. */
  firstRow: number;
}

/** An open table: its column names now, its rows as chunks. */
export interface TableReader {
  /** The file as the user named it (`<stdin>` for `-`), the prefix of messages. */
  readonly file: string;
  readonly format: TableFormat;
  /** The column names: a header's, a schema's, the first JSON object's keys; else `col0`, `col1`, … */
  readonly columns: readonly string[];
  /** Whether `columns` come from the data (a header, a schema, JSON keys) rather than being positions. */
  readonly named: boolean;
  /** The number of data rows when the format says so before they are read (`.npy`, Parquet), else undefined. */
  readonly rows: number | undefined;
  /**
   * The rows of the columns `selected` (0-based indices into `columns`), in order, a chunk at a time. A file without
   * data rows is a `DataError` (code `'no-rows'`). Call once.
   */
  chunks(selected: readonly number[]): AsyncGenerator<RowChunk, void, undefined>;
}

/** Options of `openTable`. */
export interface OpenTableOptions {
  /** The format, when the name does not tell (`-`, no extension); else told by the extension, then by the data. */
  format?: TableFormat;
  /** What `-` reads. @default process.stdin */
  stdin?: AsyncIterable<Uint8Array>;
  /** Bytes per block read from a file (small ones cross block boundaries in tests). @default 1 MiB */
  blockBytes?: number;
  /**
   * Worker threads that parse a CSV file of several blocks while the caller uses the rows before (0: parse on the
   * calling thread). @default one fewer than the cores, at most 4 (`defaultParseThreads`)
   */
  parseThreads?: number;
}

/**
 * Opens `path` (or standard input for `-`) for chunked reading.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { openTable } from './table-reader.ts';
 * writeFileSync('data.csv', 'x1,label,x2\n1,a,2\n3,b,4\n');
 * const table = await openTable('data.csv');
 * for await (const { rows, firstRow } of table.chunks([0, 2])) console.log(table.columns, firstRow, rows.data);
 * // → [ 'x1', 'label', 'x2' ] 0 Float64Array(4) [ 1, 2, 3, 4 ]
 */
export async function openTable(path: string, options: OpenTableOptions = {}): Promise<TableReader> {
  const named = tableFormatOf(path);
  const bytes = await openByteReader(path, options.stdin ?? (path === STDIO_PATH ? process.stdin : undefined), options.blockBytes);
  const format = options.format ?? named.format ?? sniffTableFormat(await bytes.peek(8));
  switch (format) {
    case 'csv':
    case 'tsv':
      return openCsvTable(bytes, format, options.parseThreads ?? defaultParseThreads());
    case 'npy':
      return openNpyTable(bytes);
    case 'jsonl':
      return openJsonlTable(bytes);
    case 'parquet': {
      // The Parquet and Arrow decoders load only when a file of their format is read (apache-arrow is 12 MB).
      const { openParquetTable } = await import('./parquet-table.ts');
      return openParquetTable(bytes, path);
    }
    case 'arrow': {
      const { openArrowTable } = await import('./arrow-table.ts');
      return openArrowTable(bytes);
    }
    default:
      throw new DataError(`unknown format ${JSON.stringify(format)}`, { file: bytes.file });
  }
}

/** The error for a table without data rows. */
export function noRowsError(file: string, detail: string): DataError {
  return new DataError(`no data rows (${detail})`, { file, code: 'no-rows' });
}
