import type { Dtype } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { AffineCoupling } from '../bijectors/affine-coupling.ts';
import type { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { Activation } from '../kernels/kernels.ts';
import type { BaseKind } from './create-base.ts';
import { layerCount, stackLayers } from './stack-layers.ts';

/** Options of `createRealNvp`. */
export interface CreateRealNvpOptions {
  /** D ≥ 2, the data dimension. */
  features: number;
  /** Number of coupling layers K. @default 5 */
  layers?: number;
  /** Hidden layer widths of every coupling network. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Width of the conditioning input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** A BatchNormalization after each coupling (data → base order). @default false */
  batchNorm?: boolean;
  /** An ActNorm after each coupling (data → base order). @default false */
  actNorm?: boolean;
  /** Bounded columns: one `[low, high]` per feature, mapped to the real line at the data end (see `Bounds`). @default none */
  bounds?: readonly (readonly [number, number])[];
  /** @default 'relu' */
  activation?: Activation;
  /** The first layer's mask ('alternate': even features kept; 'half': first ⌊D/2⌋ kept); then it flips. @default 'alternate' */
  mask?: 'alternate' | 'half';
  /** Volume-preserving couplings (shift only, NICE). @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights. @default new Rng(0) */
  rng?: Rng;
}

/**
 * Real NVP (Dinh et al. 2017): K affine coupling layers whose masks alternate (the features kept by one layer are
 * transformed by the next), optionally with a BatchNormalization after each coupling in data → base order,
 * `Chain([coupling_0, bn_0, coupling_1, bn_1, …])`, over a standard-normal base. Both directions are one network
 * pass per layer, so sampling and density evaluation are both fast and both trainable.
 *
 * @example
 * import { Rng, createRealNvp, matrix } from 'maflow';
 * const flow = createRealNvp({ features: 2, layers: 4, hiddenUnits: [8], rng: new Rng(0) });
 * const samples = flow.sample(1000, { rng: new Rng(1) });   // [1000, 2]
 * console.log(flow.logProb(matrix([[0.5, -1.2]])), samples.rows); // → Float64Array(1) [ … ] 1000
 */
export function createRealNvp(options: CreateRealNvpOptions): TransformedDistribution {
  const { features } = options;
  const layers = layerCount('createRealNvp', options.layers);
  if (!Number.isInteger(features) || features < 2) {
    throw new RangeError(`createRealNvp: features must be an integer >= 2 (coupling layers need features to condition on), got ${features}`);
  }
  return stackLayers({ ...options, layers, order: null }, (k, rng, dtype) => new AffineCoupling({
    features,
    mask: options.mask ?? 'alternate',
    reverseMask: k % 2 === 1,
    hiddenUnits: options.hiddenUnits ?? [64, 64],
    contextFeatures: options.contextFeatures,
    activation: options.activation,
    shiftOnly: options.shiftOnly,
    logScaleBound: options.logScaleBound,
    dtype,
    rng,
  }));
}
