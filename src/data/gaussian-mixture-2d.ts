/**
 * Equal-weight isotropic Gaussians with centers evenly spaced on a circle (the "8 Gaussians" toy density).
 */
import { allocate, checkShape, type Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { checkCount, generatorOptions, type GeneratorOptions, type SyntheticDataset } from './synthetic-dataset.ts';

/** Options of `gaussianMixture2d`. */
export interface GaussianMixture2dOptions extends GeneratorOptions {
  /** Number of components. @default 8 */
  components?: number;
  /** Radius of the circle the centers lie on. @default 2 */
  radius?: number;
  /** Standard deviation of each component (both coordinates). @default 0.2 */
  std?: number;
}

/**
 * Draws `n` samples `[n, 2]` from `p(x) = (1/K) Σ_k N(x; μ_k, σ² I)` with `μ_k = r (cos 2πk/K, sin 2πk/K)`, with
 * its exact `logProb` (a stable log-sum-exp over components).
 *
 * @example
 * import { Rng, gaussianMixture2d } from 'maflow';
 * const { data, logProb } = gaussianMixture2d(1000, { rng: new Rng(2), components: 8 });
 * console.log(data.rows, data.cols, -logProb!(data).reduce((a, b) => a + b) / 1000); // 1000 2, and an estimate of the entropy
 */
export function gaussianMixture2d(n: number, options: Rng | GaussianMixture2dOptions): SyntheticDataset {
  checkCount('gaussianMixture2d', n);
  const resolved = generatorOptions(options, 'gaussianMixture2d') as GaussianMixture2dOptions;
  const { rng, dtype = 'float32', components = 8, radius = 2, std = 0.2 } = resolved;
  if (!Number.isInteger(components) || components < 1) throw new RangeError(`gaussianMixture2d: components must be a positive integer, got ${components}`);
  if (!(std > 0)) throw new RangeError(`gaussianMixture2d: std must be > 0, got ${std}`);
  const centers = Array.from({ length: components }, (_, k) =>
    [radius * Math.cos((2 * Math.PI * k) / components), radius * Math.sin((2 * Math.PI * k) / components)]);
  const data = allocate(dtype, 2 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centers[rng.int(components)];
    data[2 * i] = cx + std * rng.normal();
    data[2 * i + 1] = cy + std * rng.normal();
  }
  const logProb = (x: Matrix): Float64Array => {
    checkShape('gaussianMixture2d.logProb', 'x', x, 2);
    const out = new Float64Array(x.rows);
    const terms = new Float64Array(components);
    const constant = -Math.log(components) - Math.log(2 * Math.PI * std * std);
    for (let i = 0; i < x.rows; i++) {
      let max = -Infinity;
      for (let k = 0; k < components; k++) {
        const dx = x.data[2 * i] - centers[k][0];
        const dy = x.data[2 * i + 1] - centers[k][1];
        terms[k] = constant - (dx * dx + dy * dy) / (2 * std * std);
        if (terms[k] > max) max = terms[k];
      }
      let sum = 0;
      for (let k = 0; k < components; k++) sum += Math.exp(terms[k] - max);
      out[i] = max + Math.log(sum);
    }
    return out;
  };
  return { data: { rows: n, cols: 2, data }, logProb };
}
