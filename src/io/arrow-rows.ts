/**
 * Rows written as Apache Arrow IPC, one record batch per chunk: the file format (`ARROW1` … footer) for a file, the
 * stream format for standard output (what `pyarrow.ipc.open_stream` and pipes expect). Float64 fields for float64
 * rows, Float32 for float32, not nullable. This module loads apache-arrow: it is imported only when Arrow is written.
 */
import { Field, Float32, Float64, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, Struct, makeData } from 'apache-arrow';
import { dtypeOf, type Matrix } from '../core/matrix.ts';

/** Where the bytes go. */
interface Sink {
  write(data: Uint8Array): unknown;
}

/** The encoder `openTableWriter` drives: `write` chunks (each a record batch), then `end`. */
export function arrowEncoder(sink: Sink, columns: readonly string[], layout: 'file' | 'stream'): { write(chunk: Matrix): Promise<void>; end(): Promise<void>; discard(): void } {
  const writer = layout === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const drained = (async () => { for await (const bytes of writer) sink.write(bytes); })();
  let schema: Schema | undefined;
  const schemaFor = (chunk: Matrix): Schema => {
    const type = dtypeOf(chunk.data) === 'float32' ? new Float32() : new Float64();
    return new Schema(columns.map((name) => new Field(name, type, false)));
  };
  return {
    async write(chunk) {
      schema ??= schemaFor(chunk);
      const n = chunk.rows;
      const children = columns.map((_, c) => {
        const values = dtypeOf(chunk.data) === 'float32' ? new Float32Array(n) : new Float64Array(n);
        for (let r = 0; r < n; r++) values[r] = chunk.data[r * chunk.cols + c];
        return makeData({ type: schema!.fields[c].type, length: n, nullCount: 0, data: values });
      });
      writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children })));
      // Let the drain hand this batch's bytes to the sink before the next is built.
      await new Promise((resolve) => setImmediate(resolve));
    },
    async end() {
      if (schema === undefined) writer.reset(undefined, new Schema(columns.map((name) => new Field(name, new Float64(), false))));
      writer.finish();
      writer.close();
      await drained;
    },
    discard: () => { writer.close(); },
  };
}
