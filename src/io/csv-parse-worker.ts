/**
 * Entry point of a CSV parse worker (started by `CsvParsePool`): parses each block of complete, quote-free lines it
 * is sent into float64 rows of the selected columns, with the same code as the reader's own thread (`parseLines`),
 * and answers in the order the blocks came. Line numbers count from 1 at the block's start; the pool adds the lines
 * of the blocks before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GrowableRows } from './csv-rows.ts';
import { parseLines } from './csv-lines.ts';
import { DataError } from './data-error.ts';
import type { CsvParseSetup, ParseReply } from './csv-parse-pool.ts';

const { selected, context } = workerData as CsvParseSetup;
const target = new Int32Array(context.width).fill(-1);
selected.forEach((column, k) => { target[column] = k; });
const sink = new GrowableRows(selected.length, true);

parentPort!.on('message', (bytes: Uint8Array) => {
  const block = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let reply: ParseReply;
  try {
    const { line } = parseLines(block, block.length, true, 1, target, sink, context);
    reply = { ...take(), lines: line - 1 };
  } catch (error) {
    const failure = error instanceof DataError
      ? { detail: error.detail, row: error.row, column: error.column, columnName: error.columnName, code: error.code }
      : { internal: error instanceof Error ? error.message : String(error) };
    reply = { ...take(), lines: 0, failure };
  }
  parentPort!.postMessage(reply, [reply.data.buffer as ArrayBuffer]);
});

/** The rows parsed so far, as a view on a buffer of their own (transferred with the reply, so never copied). */
function take(): { rows: number; data: Float64Array } {
  const { rows, data } = sink.take();
  return { rows, data: data as Float64Array };
}
