/**
 * The loop of every streaming command that writes rows: read a chunk, compute its output rows, write them, until the
 * input ends; then complete the output. On any failure (a bad row in the input, a value the model refuses, a full
 * disk) the output is settled as `TableWriter.fail` documents (a file is removed, standard output is completed with
 * the rows before the failure) and the error is rethrown.
 */
import type { Matrix } from '../core/matrix.ts';
import type { TableWriter } from '../io/table-writer.ts';

/** Writes `compute(chunk)` for every chunk of `chunks` to `writer`; returns the rows written. */
export async function writeStreamed<T>(chunks: AsyncIterable<T>, writer: TableWriter, compute: (chunk: T) => Matrix): Promise<number> {
  try {
    for await (const chunk of chunks) await writer.writeRows(compute(chunk));
    await writer.finish();
  } catch (error) {
    try {
      await writer.fail();
    } catch {
      // The output itself failed (a closed pipe, a full disk): the first error is the one to report.
    }
    throw error;
  }
  return writer.rows;
}
