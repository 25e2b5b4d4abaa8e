import { Rng } from '../core/rng.ts';
import { MadeMog } from '../distributions/made-mog.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { createMaf, type CreateMafOptions } from './create-maf.ts';
import { madeNetworkOptions } from './made-flow-options.ts';

/** `logScaleBound` applies to the MAF layers; the MADE MoG base keeps its own default bound (see `MadeMog`). */
export interface CreateMafMogOptions extends Omit<CreateMafOptions, 'base'> {
  /** Mixture components per conditional of the MADE MoG base. @default 10 */
  components?: number;
}

/**
 * MAF MoG (Papamakarios et al. 2017, §4): the layers of a MAF (`createMaf`: K MADE affine layers with permutations,
 * and whatever else `createMaf` stacks) over a MADE MoG base instead of a standard normal,
 * `log p(x) = log p_MADE-MoG(f⁻¹(x)) + log|det ∂f⁻¹/∂x|`. The context, when given, conditions every MADE layer and
 * the MADE MoG base.
 *
 * @example
 * import { Rng, createMafMog, matrix } from 'maflow';
 * const flow = createMafMog({ features: 2, layers: 2, components: 3, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = flow.sample(100, { rng: new Rng(1) });   // [100, 2]
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export function createMafMog(options: CreateMafMogOptions): TransformedDistribution {
  const rng = options.rng ?? new Rng(0);
  const maf = createMaf({ ...options, base: 'normal', rng });
  const base = new MadeMog({
    ...madeNetworkOptions(options),
    components: options.components,
    dtype: options.dtype ?? 'float32',
    rng,
  });
  return new TransformedDistribution(base, maf.bijector);
}
