/**
 * A model's columns read from a data file of any size (or standard input) a chunk at a time: the streaming
 * counterpart of `readModelData`, with its column rules (`modelColumnIndices`) and any `TableFormat`.
 */
import type { Matrix } from '../core/matrix.ts';
import { STDIO_PATH, type TableFormat } from '../io/table-format.ts';
import { openTable } from '../io/table-reader.ts';
import type { CliIo } from './cli-io.ts';
import { modelColumnIndices, pick, type ColumnLayout } from './read-model-data.ts';

/** One chunk of a model's data. */
export interface ModelDataChunk {
  /** `[n, columns]`, float64. */
  x: Matrix;
  /** `[n, contextColumns]`, or undefined for an unconditional layout. */
  context: Matrix | undefined;
  /** The 0-based data row of the chunk's first row. */
  firstRow: number;
}

/** An open data file. */
export interface ModelDataStream {
  /** The file as messages name it (`<stdin>` for `-`). */
  file: string;
  /** Data rows, when the format says so before reading (`.npy`, Parquet). */
  rows: number | undefined;
  chunks: AsyncGenerator<ModelDataChunk, void, undefined>;
}

/** Opens `path` (`-`: the run's standard input) and selects `layout`'s columns, before any row is read. */
export async function streamModelData(path: string, layout: ColumnLayout, io: CliIo, format?: TableFormat): Promise<ModelDataStream> {
  const table = await openTable(path, { format, ...(path === STDIO_PATH && io.stdin !== undefined ? { stdin: io.stdin } : {}) });
  const wanted = [...layout.columns, ...layout.contextColumns];
  const selected = modelColumnIndices(table.columns, wanted, table.file);
  const d = layout.columns.length;
  async function* chunks(): AsyncGenerator<ModelDataChunk, void, undefined> {
    for await (const { rows, firstRow } of table.chunks(selected)) {
      if (layout.contextColumns.length === 0) yield { x: rows, context: undefined, firstRow };
      else yield { x: pick(rows, 0, d), context: pick(rows, d, rows.cols), firstRow };
    }
  }
  return { file: table.file, rows: table.rows, chunks: chunks() };
}
