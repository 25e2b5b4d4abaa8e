import { Bounds } from '../bijectors/bounds.ts';
import { Chain } from '../bijectors/chain.ts';
import { CircularSpline } from '../bijectors/circular-spline.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import type { Transformer } from '../bijectors/transformer.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
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
  /**
   * Angle columns (radians in [−π, π)), one flag per feature: every layer's transformer is then a `CircularSpline`
   * with the flags in that layer's feature order (`transformer` does not apply; the permutations between layers carry
   * the flags along, so `order: 'lu'`, which mixes columns, is refused), and a `Bounds([−π, π])` on the angle columns at
   * the base end maps them to ℝ before the base, so that the density is normalised on the torus. Use no batch
   * normalisation or ActNorm with it (they would rescale the angles), and do not standardize the angle columns.
   * @default none
   */
  circular?: readonly boolean[];
  /** Spline bins of the circular splines (with `circular`). @default 8 */
  circularBins?: number;
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
  const { circular } = options;
  if (circular !== undefined) checkCircular(options, circular);
  let lastColumns: Int32Array | null = null;
  const flow = stackLayers({ ...options, layers }, (_k, rng, dtype, columns) => {
    lastColumns = columns;
    const transformer = circular === undefined ? options.transformer
      : new CircularSpline({ circular: Array.from(columns as Int32Array, (c) => circular[c]), bins: options.circularBins });
    return new MaskedAutoregressiveFlow({
      ...madeNetworkOptions(options),
      shiftOnly: options.shiftOnly,
      logScaleBound: options.logScaleBound,
      ...(transformer === undefined ? {} : { transformer }),
      dtype,
      rng,
    });
  });
  if (circular === undefined) return flow;
  const order = lastColumns as unknown as Int32Array;
  const angles = new Bounds({ bounds: Array.from(order, (c): [number, number] => (circular[c] ? [-Math.PI, Math.PI] : [-Infinity, Infinity])) });
  const chain = flow.bijector as Chain;
  return new TransformedDistribution(flow.base, new Chain([...chain.bijectors, angles]));
}

function checkCircular(options: CreateMafOptions, circular: readonly boolean[]): void {
  if (circular.length !== options.features) {
    throw new RangeError(`createMaf: circular needs one flag per feature (${options.features}), got ${circular.length}`);
  }
  if (options.order === 'lu') throw new RangeError("createMaf: circular columns need order 'reverse' or 'random' ('lu' mixes the angles with the other columns)");
  if (options.transformer !== undefined) throw new RangeError('createMaf: give circular or transformer, not both (circular makes every layer a CircularSpline)');
}
