import { NeuralAutoregressiveTransformer } from '../bijectors/neural-autoregressive-transformer.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { createMaf } from './create-maf.ts';
import type { MadeFlowOptions } from './made-flow-options.ts';

/** Options of `createNaf`: `layers` counts the MADE layers, `hiddenUnits` their widths. */
export interface CreateNafOptions extends MadeFlowOptions {
  /** Sigmoid units K of each transformer block. @default 8 */
  sigmoidUnits?: number;
  /** Stacked sigmoidal blocks per transformer. @default 1 */
  blocks?: number;
  /** A BatchNormalization after each layer (data → base order). @default false */
  batchNorm?: boolean;
}

/**
 * A neural autoregressive flow (Huang et al. 2018, NAF-DSF): K MADE-conditioned layers whose transformer is the deep
 * sigmoidal `NeuralAutoregressiveTransformer` (3·sigmoidUnits·blocks MADE outputs per feature), with the feature order
 * changed between layers, over a standard-normal base — `createMaf` with that transformer. Density evaluation is one
 * MADE pass per layer; sampling inverts each transformer numerically (bracketed Newton, checked: an unconverged value
 * throws). The layers start at the identity. Shapes: `x [n, features]`, `context [n, contextFeatures]`.
 *
 * @example
 * import { Rng, createNaf, matrix } from 'maflow';
 * const flow = createNaf({ features: 2, layers: 2, hiddenUnits: [16], sigmoidUnits: 4, rng: new Rng(0) });
 * const samples = flow.sample(100, { rng: new Rng(1) });
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export function createNaf(options: CreateNafOptions): TransformedDistribution {
  const transformer = new NeuralAutoregressiveTransformer({ hiddenUnits: options.sigmoidUnits, blocks: options.blocks });
  return createMaf({ ...options, transformer });
}
