import { UmnnTransformer } from '../bijectors/umnn-transformer.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { createMaf } from './create-maf.ts';
import type { MadeFlowOptions } from './made-flow-options.ts';

/** Options of `createUmnn`: `layers` counts the MADE layers, `hiddenUnits` their widths. */
export interface CreateUmnnOptions extends MadeFlowOptions {
  /** Hidden tanh units of each integrand network. @default 8 */
  integrandUnits?: number;
  /** Clenshaw–Curtis intervals of the quadrature (even). @default 32 */
  intervals?: number;
  /** A BatchNormalization after each layer (data → base order). @default false */
  batchNorm?: boolean;
}

/**
 * An unconstrained monotonic neural network flow (Wehenkel & Louppe 2019, UMNN-MAF): K MADE-conditioned layers whose
 * transformer is the integral of a positive network (`UmnnTransformer`, 3·integrandUnits + 2 MADE outputs per
 * feature, Clenshaw–Curtis quadrature), with the feature order changed between layers, over a standard-normal base —
 * `createMaf` with that transformer. Sampling inverts each transformer numerically (checked). The layers start at
 * the identity. Shapes: `x [n, features]`, `context [n, contextFeatures]`.
 *
 * @example
 * import { Rng, createUmnn, matrix } from 'maflow';
 * const flow = createUmnn({ features: 2, layers: 2, hiddenUnits: [16], integrandUnits: 4, rng: new Rng(0) });
 * const samples = flow.sample(100, { rng: new Rng(1) });
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 100
 */
export function createUmnn(options: CreateUmnnOptions): TransformedDistribution {
  const transformer = new UmnnTransformer({ hiddenUnits: options.integrandUnits, intervals: options.intervals });
  return createMaf({ ...options, transformer });
}
