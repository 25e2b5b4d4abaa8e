import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import type { Transformer } from '../bijectors/transformer.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { madeNetworkOptions, type MadeFlowOptions } from './made-flow-options.ts';
import { layerCount, stackLayers } from './stack-layers.ts';

/** Options of `createMaf`. */
export interface CreateMafOptions extends MadeFlowOptions {
  /** Volume-preserving layers (shift only). @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
  /** A BatchNormalization after each MADE (data → base order), as in the MAF paper. @default false */
  batchNorm?: boolean;
  /**
   * The elementwise transformer of every layer instead of the affine one (a `RationalQuadraticSpline`, a
   * `NeuralAutoregressiveTransformer`, …; `shiftOnly` and `logScaleBound` then do not apply). @default affine
   */
  transformer?: Transformer;
}

/**
 * The masked autoregressive flow of Papamakarios et al. (2017): K MADE-conditioned affine layers with the feature
 * order reversed (or randomly permuted) between them, over a standard-normal base.
 * Data → base runs layer 0 first: `Chain([maf_0, perm, maf_1, perm, …, maf_{K−1}])` in TFP's order.
 * With `batchNorm`, a BatchNormalization follows each MADE in data → base order, as in the paper (§3.4):
 * `Chain([maf_0, bn_0, perm, maf_1, bn_1, …])`; set its population statistics with `setBatchNormStatistics` before
 * evaluating (fit() does).
 *
 * @example
 * import { Rng, createMaf, matrix } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = flow.sample(1000, { rng: new Rng(1) });   // [1000, 2]
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 1000
 */
export function createMaf(options: CreateMafOptions): TransformedDistribution {
  const layers = layerCount('createMaf', options.layers);
  return stackLayers({ ...options, layers }, (_k, rng, dtype) => new MaskedAutoregressiveFlow({
    ...madeNetworkOptions(options),
    shiftOnly: options.shiftOnly,
    logScaleBound: options.logScaleBound,
    ...(options.transformer === undefined ? {} : { transformer: options.transformer }),
    dtype,
    rng,
  }));
}
