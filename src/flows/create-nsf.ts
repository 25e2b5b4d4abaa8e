import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { RationalQuadraticSpline } from '../bijectors/rational-quadratic-spline.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { madeNetworkOptions, type MadeFlowOptions } from './made-flow-options.ts';
import { layerCount, stackLayers } from './stack-layers.ts';

/** `layers` counts the spline layers. */
export interface CreateNsfOptions extends MadeFlowOptions {
  /** Spline bins per feature. @default 8 */
  bins?: number;
  /** The splines act on `[−tailBound, tailBound]`, identity outside. @default 3 */
  tailBound?: number;
}

/**
 * An autoregressive neural spline flow (Durkan et al. 2019, "Neural Spline Flows", RQ-NSF (AR)): K MADE-conditioned
 * rational-quadratic spline layers with the feature order reversed (or randomly permuted) between them, over a
 * standard-normal base — `createMaf` with `RationalQuadraticSpline` transformers instead of affine ones. Each layer
 * transforms `[−tailBound, tailBound]` monotonically with `bins` bins and is the identity outside, so standardise the
 * data first. The layers start at the identity (zero raw spline parameters).
 * Data → base runs layer 0 first: `Chain([nsf_0, perm, nsf_1, perm, …, nsf_{K−1}])` in TFP's order.
 * Shapes: `x [n, features]`, `context [n, contextFeatures]`.
 *
 * @example
 * import { Rng, createNsf, matrix } from 'maflow';
 * const flow = createNsf({ features: 2, layers: 2, hiddenUnits: [8], bins: 8, tailBound: 3, rng: new Rng(0) });
 * const samples = flow.sample(1000, { rng: new Rng(1) });   // [1000, 2], one staircase pass per layer
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 1000
 */
export function createNsf(options: CreateNsfOptions): TransformedDistribution {
  const layers = layerCount('createNsf', options.layers);
  const transformer = new RationalQuadraticSpline({ bins: options.bins ?? 8, tailBound: options.tailBound ?? 3 });
  return stackLayers({ ...options, layers, batchNorm: false }, (_k, rng, dtype) => new MaskedAutoregressiveFlow({
    ...madeNetworkOptions(options),
    transformer,
    dtype,
    rng,
  }));
}
