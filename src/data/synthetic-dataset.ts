/**
 * What every synthetic generator in `data/` returns, and the pieces they share.
 */
import type { Dtype, Matrix } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';

/** Samples from a known distribution, with its exact log density where one exists in closed form. */
export interface SyntheticDataset {
  /** `[n, features]` samples. */
  data: Matrix;
  /** `[n, contextFeatures]` conditioning values (conditional datasets only). */
  context?: Matrix;
  /**
   * Exact log density of rows of `x` `[m, features]` (given `context` `[m, contextFeatures]` for conditional
   * datasets), in nats, accumulated in float64. Absent where no closed form exists.
   */
  logProb?: (x: Matrix, context?: Matrix) => Float64Array;
}

/** Options every generator accepts. */
export interface GeneratorOptions {
  /** The seeded generator all randomness comes from. */
  rng: Rng;
  /** Element type of the generated matrices. @default 'float32' */
  dtype?: Dtype;
}

/** Generators take either a bare `Rng` or an options object holding one. */
export function generatorOptions<T extends GeneratorOptions>(argument: Rng | T, caller: string): T | GeneratorOptions {
  if (argument instanceof Rng) return { rng: argument };
  if (argument === null || typeof argument !== 'object' || !(argument.rng instanceof Rng)) {
    throw new TypeError(`${caller}: expected an Rng or options with an explicit seeded rng, e.g. { rng: new Rng(0) }`);
  }
  return argument;
}

/** Throws unless `n` is a non-negative integer sample count. */
export function checkCount(caller: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${caller}: n must be a non-negative integer, got ${n}`);
}

/** `log N(x; mean, std²)`. */
export function logNormalPdf(x: number, mean: number, std: number): number {
  const z = (x - mean) / std;
  return -0.5 * z * z - Math.log(std) - 0.5 * Math.log(2 * Math.PI);
}
