/** The base distribution of a flow factory, by name. */
import type { Dtype } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';

/** Base distributions the factories offer. */
export type BaseKind = 'normal';

export interface BaseOptions {
  features: number;
  dtype: Dtype;
  rng: Rng;
}

export function createBase(kind: BaseKind, options: BaseOptions): Distribution {
  switch (kind) {
    case 'normal':
      return new StandardNormal(options.features, options.dtype);
    default:
      throw new Error(`createBase: unknown base '${kind as string}' (expected 'normal')`);
  }
}
