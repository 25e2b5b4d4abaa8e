/**
 * Evaluates a density grid a slice at a time, so that a page can refresh a 100 × 100 heatmap (about 10⁴ flow
 * evaluations, 0.1–0.5 s on the reference backend) without a frame ever waiting for the whole grid. Each
 * `advance` call evaluates chunks of rows until its time budget is spent; when the last row is done it returns the
 * finished grid and starts the next pass from the top. (During training a pass spans several optimiser steps;
 * at a refresh every second or so the difference does not show.)
 *
 * @example
 * const grid = new ProgressiveGrid(gridPoints(view, 100, 100));
 * const done = grid.advance((m) => trainer.logDensity(m), 12); // Float64Array [10000] or null
 */
import type { Matrix } from '../../src/index.ts';

export interface ProgressiveGridOptions {
  /** Rows per `logDensity` call. @default 500 */
  chunkRows?: number;
  /** The clock, in milliseconds. @default () => performance.now() */
  now?: () => number;
}

export class ProgressiveGrid {
  private values: Float64Array;
  private next = 0;
  private readonly chunkRows: number;
  private readonly now: () => number;

  constructor(readonly points: Matrix, options: ProgressiveGridOptions = {}) {
    this.chunkRows = options.chunkRows ?? 500;
    if (!(Number.isInteger(this.chunkRows) && this.chunkRows > 0)) {
      throw new RangeError(`ProgressiveGrid: chunkRows must be a positive integer, got ${this.chunkRows}`);
    }
    this.now = options.now ?? (() => performance.now());
    this.values = new Float64Array(points.rows);
  }

  /** Share of the current pass done, in [0, 1). */
  get progress(): number {
    return this.next / this.points.rows;
  }

  /**
   * Evaluates at least one chunk, then more until `budgetMs` have passed; returns the grid `[points.rows]` when a
   * pass completes in this call, else null.
   */
  advance(logDensity: (rows: Matrix) => Float64Array, budgetMs: number): Float64Array | null {
    const start = this.now();
    const cols = this.points.cols;
    do {
      const end = Math.min(this.points.rows, this.next + this.chunkRows);
      const chunk: Matrix = { rows: end - this.next, cols, data: this.points.data.subarray(this.next * cols, end * cols) };
      const values = logDensity(chunk);
      if (values.length !== chunk.rows) {
        throw new RangeError(`ProgressiveGrid.advance: expected ${chunk.rows} log-densities from logDensity, got ${values.length}`);
      }
      this.values.set(values, this.next);
      this.next = end;
      if (this.next === this.points.rows) {
        const done = this.values;
        this.values = new Float64Array(this.points.rows);
        this.next = 0;
        return done;
      }
    } while (this.now() - start < budgetMs);
    return null;
  }
}
