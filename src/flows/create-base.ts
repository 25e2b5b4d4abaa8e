import type { Dtype } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { MixtureOfGaussians } from '../distributions/mixture-of-gaussians.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';

/** Base distributions the factories offer. */
export type BaseKind = 'normal' | 'mog';

/** Every `BaseKind`. */
export const BASE_KINDS: readonly BaseKind[] = ['normal', 'mog'];

/** Options of `createBase(kind, options)`. */
export interface BaseOptions {
  features: number;
  dtype: Dtype;
  rng: Rng;
  /** Mixture components of the `'mog'` base. @default 10 */
  components?: number;
}

/**
 * The base distribution of a flow factory, by name: `'normal'` is N(0, I) (the MAF paper's base); `'mog'` is a
 * trainable diagonal-covariance mixture of Gaussians (`components` of them), a richer base for multimodal data.
 *
 * @example
 * import { Rng, createBase } from 'maflow';
 * const base = createBase('mog', { features: 2, components: 5, dtype: 'float32', rng: new Rng(0) });
 * console.log(base.constructor.name, base.features); // → MixtureOfGaussians 2
 */
export function createBase(kind: BaseKind, options: BaseOptions): Distribution {
  switch (kind) {
    case 'normal':
      return new StandardNormal(options.features, options.dtype);
    case 'mog':
      return new MixtureOfGaussians({
        features: options.features, components: options.components, dtype: options.dtype, rng: options.rng,
      });
    default:
      throw new Error(`createBase: unknown base '${kind as string}' (expected ${BASE_KINDS.map((k) => `'${k}'`).join(' or ')})`);
  }
}
