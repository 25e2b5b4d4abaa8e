/**
 * An Apache Arrow IPC file or stream as a chunked table, one record batch at a time (apache-arrow's reader, which
 * reads both the file and the stream format sequentially, so standard input works). Columns must be numeric (float or
 * integer) without nulls; messages name the 0-based row and the column. This module loads apache-arrow, so it is
 * itself imported only when an Arrow table is read.
 */
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import type { Matrix } from '../core/matrix.ts';
import { quote } from '../core/printable.ts';
import type { ByteReader } from './byte-reader.ts';
import { gatherColumnarRows } from './columnar-cells.ts';
import { DataError } from './data-error.ts';
import { noRowsError, type TableReader } from './table-reader.ts';

/** Rows per chunk handed out (a larger record batch is sliced into these). */
const CHUNK_ROWS = 65536;

/** Reads an Arrow schema from `bytes` and returns the table of its record batches. */
export async function openArrowTable(bytes: ByteReader): Promise<TableReader> {
  const file = bytes.file;
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(bytes);
    await reader.open();
  } catch (error) {
    if (error instanceof DataError || typeof (error as NodeJS.ErrnoException).code === 'string') throw error;
    throw new DataError(`not a valid Arrow IPC file or stream (${(error as Error).message})`, { file });
  }
  const columns = reader.schema.fields.map((field) => field.name);
  return {
    file, format: 'arrow', columns, named: true, rows: undefined,
    async *chunks(selected) {
      let firstRow = 0;
      for await (const batch of reader as AsyncIterable<RecordBatch>) {
        for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
          const end = Math.min(batch.numRows, start + CHUNK_ROWS);
          const { rows, error } = batchRows(batch, start, end, firstRow, selected, columns, file);
          if (rows.rows > 0) yield { rows, firstRow };
          if (error !== undefined) throw error;
          firstRow += rows.rows;
        }
      }
      if (firstRow === 0) throw noRowsError(file, 'no record batch has rows');
    },
  };
}

/** Rows `[from, to)` of a batch's selected columns as float64; the first null or non-number ends them with an error. */
function batchRows(batch: RecordBatch, from: number, to: number, firstRow: number, selected: readonly number[],
  columns: readonly string[], file: string): { rows: Matrix; error?: DataError } {
  const vectors = selected.map((c) => {
    const vector = batch.getChildAt(c);
    if (vector === null) throw new DataError(`column ${quote(columns[c])} is missing from a record batch`, { file });
    return vector;
  });
  const values = vectors.map((vector) => vector.slice(from, to).toArray() as ArrayLike<unknown>);
  const nulls = vectors.map((vector) => vector.nullCount > 0);
  return gatherColumnarRows(to - from, (r, j) => (nulls[j] && !vectors[j].isValid(from + r) ? null : values[j][r]),
    { file, firstRow, selected, names: selected.map((c) => columns[c]) });
}
