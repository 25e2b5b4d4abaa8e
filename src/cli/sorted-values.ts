/**
 * Float64 values collected a chunk at a time and read back in ascending order, in bounded memory and exactly: up to
 * `memoryValues` (1M, 8 MB) are kept and sorted in memory; beyond that each full buffer is sorted and written to a temporary
 * file (a run), and reading back merges the runs (a k-way merge over a binary heap, each run read in blocks).
 * 10⁸ values take 800 MB of temporary disk and an 8 MB buffer, not 800 MB of memory (the runs' read blocks share
 * 16 MB; every 128 runs are merged into one, so a merge opens at most 129 files); the median and the
 * Kolmogorov–Smirnov statistic computed from them are the exact ones, not approximations.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of `SortedValues`. */
export interface SortedValuesOptions {
  /** Values held in memory before a sorted run goes to disk. @default 1,048,576 (8 MB) */
  memoryValues?: number;
  /** Where runs go. @default os.tmpdir() */
  directory?: string;
}

/** Values read back per run and per block while merging, at most (fewer when many runs share `MERGE_VALUES`). */
const MERGE_BLOCK = 65536;

/** Values buffered in all the runs' read blocks of one merge together (16 MB). */
const MERGE_VALUES = 1 << 21;

/** Runs kept before they are merged into one (bounds the files open during a merge). */
const MAX_RUNS = 128;

/**
 * Collects values (`add`), then visits them in ascending order (`forEachAscending`); `dispose` removes the runs.
 *
 * @example
 * import { SortedValues } from './sorted-values.ts';
 * const values = new SortedValues({ memoryValues: 2 });   // tiny, to force runs on disk
 * values.add(Float64Array.of(3, -1, 2));
 * values.add(Float64Array.of(0, 5));
 * const all: number[] = [];
 * values.forEachAscending((value) => { all.push(value); });
 * console.log(all, values.atRanks([2])); // → [ -1, 0, 2, 3, 5 ] [ 2 ]
 * values.dispose();
 */
export class SortedValues {
  private readonly memoryValues: number;
  private buffer: Float64Array;
  private filled = 0;
  private readonly runs: { path: string; length: number }[] = [];
  private dir: string | undefined;
  /** Run files written so far (names them). */
  private files = 0;
  /** Values added so far. */
  count = 0;

  constructor(private readonly options: SortedValuesOptions = {}) {
    this.memoryValues = Math.max(1, options.memoryValues ?? 1 << 20);
    this.buffer = new Float64Array(Math.min(this.memoryValues, 1 << 16));
  }

  /** Adds `values` (copied). */
  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length;) {
      if (this.filled === this.buffer.length) {
        if (this.buffer.length < this.memoryValues) {
          const grown = new Float64Array(Math.min(this.memoryValues, this.buffer.length * 2));
          grown.set(this.buffer);
          this.buffer = grown;
        } else {
          this.spill();
        }
      }
      const n = Math.min(values.length - i, this.buffer.length - this.filled);
      for (let k = 0; k < n; k++) this.buffer[this.filled + k] = values[i + k];
      this.filled += n;
      i += n;
    }
    this.count += values.length;
  }

  /**
   * Calls `visit(value, rank)` for every value added in ascending order (NaN last, as a typed-array sort orders it),
   * `rank` counting from 0, until it returns false. Values added later are not visited.
   */
  forEachAscending(visit: (value: number, rank: number) => boolean | void): void {
    const memory = this.buffer.subarray(0, this.filled).sort();
    if (this.runs.length === 0) {
      for (let i = 0; i < memory.length; i++) if (visit(memory[i], i) === false) return;
      return;
    }
    const block = mergeBlock(this.runs.length);
    const heap = new MergeHeap([...this.runs.map((run) => runReader(run.path, run.length, block)), arrayReader(memory)]);
    try {
      for (let rank = 0; heap.size > 0; rank++) if (visit(heap.pop(), rank) === false) return;
    } finally {
      heap.close();
    }
  }

  /** The values at the ascending 0-based ranks `ranks` (sorted, distinct), in one pass. */
  atRanks(ranks: readonly number[]): number[] {
    const out: number[] = [];
    if (ranks.length === 0) return out;
    this.forEachAscending((value, rank) => {
      if (rank === ranks[out.length]) out.push(value);
      return out.length < ranks.length;
    });
    return out;
  }

  /** Removes the temporary runs. */
  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.runs.length = 0;
  }

  private spill(): void {
    this.dir ??= mkdtempSync(join(this.options.directory ?? tmpdir(), 'maflow-sort-'));
    const sorted = this.buffer.subarray(0, this.filled).sort();
    const path = join(this.dir, `run-${this.files++}.f64`);
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, new Uint8Array(sorted.buffer, sorted.byteOffset, sorted.byteLength));
    } finally {
      closeSync(fd);
    }
    this.runs.push({ path, length: this.filled });
    this.filled = 0;
    if (this.runs.length >= MAX_RUNS) this.compact();
  }

  /** Merges every run into one, so that a merge never opens more than `MAX_RUNS` files. */
  private compact(): void {
    const path = join(this.dir!, `run-${this.files++}.f64`);
    const length = this.runs.reduce((sum, run) => sum + run.length, 0);
    const block = mergeBlock(this.runs.length);
    const heap = new MergeHeap(this.runs.map((run) => runReader(run.path, run.length, block)));
    const out = new Float64Array(MERGE_BLOCK);
    const fd = openSync(path, 'w');
    try {
      let n = 0;
      while (heap.size > 0) {
        out[n++] = heap.pop();
        if (n === out.length || heap.size === 0) {
          writeSync(fd, new Uint8Array(out.buffer, 0, n * 8));
          n = 0;
        }
      }
    } finally {
      closeSync(fd);
      heap.close();
    }
    for (const run of this.runs) rmSync(run.path, { force: true });
    this.runs.length = 0;
    this.runs.push({ path, length });
  }
}

/** A sorted source read in blocks: `head` is its smallest unread value. */
interface Source {
  head: number;
  /** Moves to the next value; false when the source is exhausted. */
  advance(): boolean;
  /** Releases the source's file (idempotent). */
  close(): void;
}

function arrayReader(values: Float64Array): Source {
  let i = 0;
  return {
    head: values[0],
    advance() {
      i++;
      this.head = values[i];
      return i < values.length;
    },
    close() {},
  };
}

/** Values per read block when `runs` runs are merged together. */
function mergeBlock(runs: number): number {
  return Math.max(1024, Math.min(MERGE_BLOCK, Math.floor(MERGE_VALUES / Math.max(1, runs))));
}

function runReader(path: string, length: number, blockValues: number): Source {
  const fd = openSync(path, 'r');
  const block = new Float64Array(Math.min(blockValues, length));
  let start = 0;
  let end = 0;
  let i = 0;
  const load = (): void => {
    const n = Math.min(block.length, length - end);
    const bytes = new Uint8Array(block.buffer, 0, n * 8);
    let done = 0;
    while (done < bytes.length) done += readSync(fd, bytes, done, bytes.length - done, end * 8 + done);
    start = end;
    end += n;
  };
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  load();
  return {
    head: block[0],
    advance() {
      i++;
      if (i >= length) {
        close();
        return false;
      }
      if (i >= end) load();
      this.head = block[i - start];
      return true;
    },
    close,
  };
}

/** A binary min-heap of sources keyed by their heads (NaN sorts last, as in a typed-array sort). */
class MergeHeap {
  private readonly heap: Source[];

  constructor(private readonly sources: Source[]) {
    // An empty in-memory part has no head.
    this.heap = sources.filter((source) => source.head !== undefined);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.heap.length;
  }

  /** The smallest head (call only while `size > 0`). */
  pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const value = top.head;
    if (!top.advance()) {
      const last = heap.pop()!;
      if (heap.length === 0) return value;
      heap[0] = last;
    }
    this.down(0);
    return value;
  }

  close(): void {
    for (const source of this.sources) source.close();
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && less(heap[l].head, heap[smallest].head)) smallest = l;
      if (r < n && less(heap[r].head, heap[smallest].head)) smallest = r;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}

function less(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}
