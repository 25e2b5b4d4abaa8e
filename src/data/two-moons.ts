/**
 * Two interleaving half circles, as scikit-learn's `make_moons`: the upper moon `(cos t, sin t)` and the lower
 * moon `(1 − cos t, ½ − sin t)` for `t ~ U(0, π)`, each point with isotropic Gaussian noise.
 */
import { allocate } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { checkCount, generatorOptions, type GeneratorOptions, type SyntheticDataset } from './synthetic-dataset.ts';

/** Options of `twoMoons`. */
export interface TwoMoonsOptions extends GeneratorOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate. @default 0.1 */
  noise?: number;
}

/**
 * Draws `n` samples `[n, 2]`, half from each moon (moon chosen at random per point). There is no closed-form
 * density (the noise makes it an integral over t), so `logProb` is absent.
 *
 * @example
 * import { Rng, twoMoons } from 'maflow';
 * const { data } = twoMoons(500, { rng: new Rng(1), noise: 0.05 });
 * console.log(data.rows, data.cols); // → 500 2
 */
export function twoMoons(n: number, options: Rng | TwoMoonsOptions): SyntheticDataset {
  checkCount('twoMoons', n);
  const resolved = generatorOptions(options, 'twoMoons') as TwoMoonsOptions;
  const { rng, dtype = 'float32', noise = 0.1 } = resolved;
  if (!(noise >= 0)) throw new RangeError(`twoMoons: noise must be >= 0, got ${noise}`);
  const data = allocate(dtype, 2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rng.uniform();
    const upper = rng.uniform() < 0.5;
    data[2 * i] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + noise * rng.normal();
    data[2 * i + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * rng.normal();
  }
  return { data: { rows: n, cols: 2, data } };
}
