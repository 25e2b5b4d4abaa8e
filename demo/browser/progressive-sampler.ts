/**
 * Draws model samples a chunk at a time, like `ProgressiveGrid` evaluates the heatmap: sampling a MAF is its
 * sequential direction, and 1500 samples at once would hold one animation frame for tens of milliseconds. Each
 * `advance` call draws chunks until its time budget is spent and returns all `count` samples `[count, features]`
 * when the last chunk is done (then the next call starts a new set).
 *
 * @example
 * const sampler = new ProgressiveSampler(1500);
 * const done = sampler.advance((n) => snapshot.sample(n, { rng }), 6); // Matrix [1500, 2] or null
 */
import { zeros, type Matrix } from '../../src/index.ts';

export interface ProgressiveSamplerOptions {
  /** Samples per `sample` call. @default 250 */
  chunkRows?: number;
  /** The clock, in milliseconds. @default () => performance.now() */
  now?: () => number;
}

export class ProgressiveSampler {
  private samples: Matrix | null = null;
  private next = 0;
  private readonly chunkRows: number;
  private readonly now: () => number;

  constructor(readonly count: number, options: ProgressiveSamplerOptions = {}) {
    if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`ProgressiveSampler: count must be a positive integer, got ${count}`);
    this.chunkRows = options.chunkRows ?? 250;
    if (!(Number.isInteger(this.chunkRows) && this.chunkRows > 0)) {
      throw new RangeError(`ProgressiveSampler: chunkRows must be a positive integer, got ${this.chunkRows}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether a set is partly drawn. */
  get busy(): boolean {
    return this.next > 0;
  }

  /** Draws at least one chunk, then more until `budgetMs` have passed; returns the set when it completes, else null. */
  advance(sample: (n: number) => Matrix, budgetMs: number): Matrix | null {
    const start = this.now();
    do {
      const n = Math.min(this.chunkRows, this.count - this.next);
      const chunk = sample(n);
      if (chunk.rows !== n) throw new RangeError(`ProgressiveSampler.advance: expected ${n} samples from sample, got ${chunk.rows}`);
      this.samples ??= zeros(this.count, chunk.cols, 'float64');
      this.samples.data.set(chunk.data, this.next * chunk.cols);
      this.next += n;
      if (this.next === this.count) {
        const done = this.samples;
        this.samples = null;
        this.next = 0;
        return done;
      }
    } while (this.now() - start < budgetMs);
    return null;
  }
}
