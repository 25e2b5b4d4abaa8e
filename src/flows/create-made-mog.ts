import { Rng } from '../core/rng.ts';
import { MadeMog } from '../distributions/made-mog.ts';
import type { CreateMadeOptions } from './create-made.ts';
import { madeNetworkOptions } from './made-flow-options.ts';

/** Options of `createMadeMog`. */
export interface CreateMadeMogOptions extends CreateMadeOptions {
  /** Mixture components per conditional. @default 10 */
  components?: number;
}

/**
 * The MADE MoG of Papamakarios et al. (2017, §4): a MADE whose conditionals are `components`-component Gaussian
 * mixtures, `p(x) = Π_d Σ_j π_dj(x_{<d}) N(x_d; μ_dj(x_{<d}), σ_dj(x_{<d})²)` (see `MadeMog` for the layout).
 *
 * @example
 * import { Rng, createMadeMog, matrix } from 'maflow';
 * const density = createMadeMog({ features: 2, components: 3, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = density.sample(100, { rng: new Rng(1) });   // [100, 2]
 * console.log(density.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export function createMadeMog(options: CreateMadeMogOptions): MadeMog {
  return new MadeMog({
    ...madeNetworkOptions(options),
    components: options.components,
    logScaleBound: options.logScaleBound,
    dtype: options.dtype ?? 'float32',
    rng: options.rng ?? new Rng(0),
  });
}
