/**
 * Worker threads that parse blocks of CSV text while the reading thread does something else (scores the rows before,
 * for `maflow logprob`): blocks go out round robin and their rows come back in the order they were sent, whichever
 * worker finishes first. Only blocks of complete lines without quotes are sent, so every block starts a record; the
 * reader parses quoted text itself (a quoted line break can carry a record across any cut).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Matrix } from '../core/matrix.ts';
import type { RowContext } from './csv-rows.ts';
import { DataError, type DataErrorCode } from './data-error.ts';
import { startModuleWorker } from './module-worker.ts';

/** What every worker of a pool needs: the columns to keep and the file's row rules. */
export interface CsvParseSetup {
  /** 0-based columns of the file to keep, in output order. */
  selected: readonly number[];
  context: RowContext;
}

/** A bad cell or row found by a worker, with its line counted from 1 at its block's start. */
export interface ParseFailure {
  detail?: string;
  row?: number;
  column?: number;
  columnName?: string;
  code?: DataErrorCode;
  /** Not a data error (a bug): its message. */
  internal?: string;
}

/** A worker's answer for one block: the rows before any failure, and the lines the block held. */
export interface ParseReply {
  rows: number;
  data: Float64Array;
  lines: number;
  failure?: ParseFailure;
}

/** A parsed block: its rows, its line count, and its first bad row (see `blockError`). */
export interface ParsedBlock {
  rows: Matrix;
  lines: number;
  failure: ParseFailure | undefined;
}

interface Waiting {
  resolve: (reply: ParseReply) => void;
  reject: (error: Error) => void;
}

/** Parse workers for one table; `close()` ends them. */
export class CsvParsePool {
  private readonly workers: Worker[] = [];
  /** Per worker, the blocks it was sent and has not answered yet (a worker answers in order). */
  private readonly waiting = new Map<Worker, Waiting[]>();
  private next = 0;
  private failed: Error | undefined;
  /** The number of workers. */
  readonly threads: number;

  constructor(threads: number, private readonly setup: CsvParseSetup) {
    this.threads = threads;
    for (let i = 0; i < threads; i++) {
      const worker = startModuleWorker(import.meta.url, 'csv-parse-worker', { workerData: setup });
      this.waiting.set(worker, []);
      worker.on('message', (reply: ParseReply) => this.waiting.get(worker)?.shift()?.resolve(reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`a CSV parse worker exited with code ${code}`)));
      this.workers.push(worker);
    }
  }

  /**
   * Parses `bytes` (complete lines without quotes) on the next worker, which takes the buffer over (it is unusable
   * here afterwards).
   */
  async parse(bytes: Uint8Array<ArrayBuffer>): Promise<ParsedBlock> {
    if (this.failed !== undefined) throw this.failed;
    const worker = this.workers[this.next];
    this.next = (this.next + 1) % this.workers.length;
    const reply = await new Promise<ParseReply>((resolve, reject) => {
      this.waiting.get(worker)!.push({ resolve, reject });
      worker.postMessage(bytes, [bytes.buffer]);
    });
    const cols = this.setup.selected.length;
    const rows: Matrix = { rows: reply.rows, cols, data: reply.data.subarray(0, reply.rows * cols) };
    return { rows, lines: reply.lines, failure: reply.failure };
  }

  /** Ends the workers (pending blocks are dropped). */
  async close(): Promise<void> {
    this.failed ??= new Error('the CSV parse pool is closed');
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => {
      worker.removeAllListeners('exit');
      return worker.terminate();
    }));
  }

  private fail(error: Error): void {
    if (this.failed !== undefined) return;
    this.failed = error;
    for (const queue of this.waiting.values()) for (const waiting of queue.splice(0)) waiting.reject(error);
  }
}

/** The error of a block's `failure` when the block starts on line `firstLine` of `file`, as a whole-file read names it. */
export function blockError(failure: ParseFailure, file: string, firstLine: number): Error {
  if (failure.internal !== undefined || failure.detail === undefined) return new Error(failure.internal ?? 'a CSV parse worker failed');
  return new DataError(failure.detail, {
    file,
    ...(failure.row === undefined ? {} : { row: failure.row + firstLine - 1 }),
    ...(failure.column === undefined ? {} : { column: failure.column }),
    ...(failure.columnName === undefined ? {} : { columnName: failure.columnName }),
    ...(failure.code === undefined ? {} : { code: failure.code }),
  });
}

/**
 * Parse workers a reader starts by default: `$MAFLOW_PARSE_THREADS` when set (0: none), else one core fewer than there
 * are (the reading thread scores on the backend's pool meanwhile), at most 4: one on a 2-core machine, where a second
 * worker parsed no faster but held ~30 MB more (every worker has its own JavaScript heap).
 */
export function defaultParseThreads(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const set = env.MAFLOW_PARSE_THREADS;
  if (set !== undefined && /^\d+$/.test(set.trim())) return Math.min(64, Number(set));
  return Math.max(0, Math.min(4, os.availableParallelism() - 1));
}
