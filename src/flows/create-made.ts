import { Rng } from '../core/rng.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { madeNetworkOptions, type MadeNetworkOptions } from './made-flow-options.ts';

/** Options of `createMade`. */
export interface CreateMadeOptions extends MadeNetworkOptions {
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
}

/**
 * The Gaussian MADE of Germain et al. (2015) as a flow: one MADE-conditioned affine layer over a standard normal,
 * `x_d = u_d · exp(s_d(x_{<d})) + m_d(x_{<d})`, i.e. a single-layer MAF (Papamakarios et al. 2017, §3.1 — "MADE" in
 * their experiments). `logProb` is one parallel MADE pass, `sample` the staircase sequential pass.
 *
 * @example
 * import { Rng, createMade, matrix } from 'maflow';
 * const made = createMade({ features: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = made.sample(100, { rng: new Rng(1) });   // [100, 2]
 * console.log(made.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export function createMade(options: CreateMadeOptions): TransformedDistribution {
  const dtype = options.dtype ?? 'float32';
  const maf = new MaskedAutoregressiveFlow({
    ...madeNetworkOptions(options),
    logScaleBound: options.logScaleBound,
    dtype,
    rng: options.rng ?? new Rng(0),
  });
  return new TransformedDistribution(new StandardNormal(options.features, dtype), maf);
}
