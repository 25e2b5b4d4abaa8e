import { Invert } from '../bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { madeNetworkOptions, type MadeFlowOptions } from './made-flow-options.ts';
import { layerCount, stackLayers } from './stack-layers.ts';

/** `layers` counts the inverted MADE layers. */
export interface CreateIafOptions extends MadeFlowOptions {
  /** Volume-preserving layers (shift only). @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
}

/**
 * The inverse autoregressive flow (Kingma et al. 2016): K MADE-conditioned affine layers used in the inverse
 * direction, `Chain([Invert(maf_0), perm, Invert(maf_1), perm, …])` over a standard-normal base. Sampling
 * (base → data) is one parallel MADE pass per layer; density evaluation of arbitrary points is sequential (slow), but
 * `sampleAndLogProb` gets the density of its own samples for free. Trained by reverse KL through the parallel
 * forward direction (`TransformedDistribution.sampleTrain`).
 *
 * @example
 * import { Rng, createIaf } from 'maflow';
 * const flow = createIaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const { samples, logProb } = flow.sampleAndLogProb(100, { rng: new Rng(1) });   // fast: parallel
 * console.log(logProb[0], flow.logProb(samples)[0]);                              // ≈ equal; the second is sequential
 */
export function createIaf(options: CreateIafOptions): TransformedDistribution {
  const layers = layerCount('createIaf', options.layers);
  return stackLayers({ ...options, layers, batchNorm: false }, (_k, rng, dtype) => new Invert(new MaskedAutoregressiveFlow({
    ...madeNetworkOptions(options),
    shiftOnly: options.shiftOnly,
    logScaleBound: options.logScaleBound,
    dtype,
    rng,
  })));
}
