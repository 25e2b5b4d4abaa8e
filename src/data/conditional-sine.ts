/**
 * A conditional toy problem: context `y ~ U(−3, 3)`, data `x | y ~ N(sin y, σ²)` with σ = 0.1.
 * A conditional MAF (context features = 1) should learn `p(x | y)` exactly.
 */
import { allocate, checkShape, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import {
  checkCount, generatorOptions, logNormalPdf, type GeneratorOptions, type SyntheticDataset,
} from './synthetic-dataset.ts';

/** Options of `conditionalSine`. */
export interface ConditionalSineOptions extends GeneratorOptions {
  /** Standard deviation of x around sin(y). @default 0.1 */
  noise?: number;
}

/**
 * Draws `n` pairs: `data` x `[n, 1]` and `context` y `[n, 1]`, with the exact conditional
 * `logProb(x, context) = log N(x; sin y, σ²)`.
 *
 * @example
 * import { Rng, conditionalSine } from 'maflow';
 * const { data, context, logProb } = conditionalSine(1000, new Rng(3));   // x [1000, 1] given y [1000, 1]
 * console.log(data.cols, context!.cols, logProb!(data, context).length); // → 1 1 1000
 */
export function conditionalSine(n: number, options: Rng | ConditionalSineOptions): SyntheticDataset {
  checkCount('conditionalSine', n);
  const resolved = generatorOptions(options, 'conditionalSine') as ConditionalSineOptions;
  const { rng, dtype = 'float32', noise = 0.1 } = resolved;
  if (!(noise > 0)) throw new RangeError(`conditionalSine: noise must be > 0, got ${noise}`);
  const x = allocate(dtype, n);
  const y = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    y[i] = -3 + 6 * rng.uniform();
    x[i] = Math.sin(y[i]) + noise * rng.normal();
  }
  const logProb = (data: Matrix, context?: Matrix): Float64Array => {
    checkShape('conditionalSine.logProb', 'x', data, 1);
    checkShape('conditionalSine.logProb', 'context', context, 1, data.rows);
    const out = new Float64Array(data.rows);
    for (let i = 0; i < data.rows; i++) out[i] = logNormalPdf(data.data[i], Math.sin(context!.data[i]), noise);
    return out;
  };
  return { data: { rows: n, cols: 1, data: x }, context: { rows: n, cols: 1, data: y }, logProb };
}
