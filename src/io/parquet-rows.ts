/**
 * Rows written as an Apache Parquet file with hyparquet-writer, a row group at a time: the rows of the chunks are
 * gathered into columns until a group is full (65,536 rows), the group is encoded and its bytes go to the sink at
 * once, and the footer follows the last group. DOUBLE columns for float64 rows, FLOAT for float32, REQUIRED.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { dtypeOf, type Dtype, type Matrix } from '../core/matrix.ts';

/** Rows per Parquet row group. */
const ROW_GROUP_ROWS = 65536;

/** Bytes a writer buffers before it hands them to the sink. */
const FLUSH_BYTES = 1 << 20;

/** Where the bytes go. */
interface Sink {
  write(data: Uint8Array): unknown;
}

/** The encoder `openTableWriter` drives: `write` chunks, then `end` (the footer). */
export function writeParquetRowGroups(sink: Sink, columns: readonly string[]): { write(chunk: Matrix): void; end(): void; discard(): void } {
  const bytes = sinkWriter(sink);
  let parquet: ParquetWriter | undefined;
  let dtype: Dtype = 'float64';
  let group: Float64Array[] | Float32Array[] = [];
  let filled = 0;
  const flushGroup = (): void => {
    if (filled === 0 && parquet !== undefined) return;
    parquet ??= new ParquetWriter({ writer: bytes, schema: schemaOf(columns, dtype), createdBy: 'maflow' });
    if (filled > 0) {
      parquet.write({ columnData: columns.map((name, c) => ({ name, data: group[c].subarray(0, filled) })), rowGroupSize: filled });
    }
    filled = 0;
  };
  return {
    write(chunk) {
      if (group.length === 0) {
        dtype = dtypeOf(chunk.data);
        group = columns.map(() => (dtype === 'float32' ? new Float32Array(ROW_GROUP_ROWS) : new Float64Array(ROW_GROUP_ROWS))) as Float64Array[];
      }
      for (let r = 0; r < chunk.rows; r++) {
        for (let c = 0; c < chunk.cols; c++) group[c][filled] = chunk.data[r * chunk.cols + c];
        if (++filled === ROW_GROUP_ROWS) flushGroup();
      }
    },
    end() {
      flushGroup();
      parquet!.finish();
    },
    discard: () => {},
  };
}

function schemaOf(columns: readonly string[], dtype: Dtype): ConstructorParameters<typeof ParquetWriter>[0]['schema'] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((name) => ({ name, type: dtype === 'float32' ? 'FLOAT' as const : 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
  ];
}

/** A hyparquet ByteWriter that hands its bytes to `sink` every megabyte, after each row group and at the end. */
function sinkWriter(sink: Sink): ByteWriter {
  const writer = new ByteWriter();
  const grow = writer.ensure.bind(writer);
  const flush = (): void => {
    if (writer.index === 0) return;
    sink.write(new Uint8Array(writer.buffer.slice(0, writer.index)));
    writer.index = 0;
  };
  writer.ensure = (size: number): void => {
    if (writer.index > FLUSH_BYTES) flush();
    grow(size);
  };
  Object.assign(writer, { flush, finish: flush });
  return writer;
}
