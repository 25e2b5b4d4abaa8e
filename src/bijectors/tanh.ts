import type { Dtype } from '../core/matrix.ts';
import type { BijectorConfig } from './bijector.ts';
import { ElementwiseBijector } from './elementwise-bijector.ts';

/** Options of `new Tanh(options)`. */
export interface TanhOptions {
  features: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Tanh` (`config()`). */
export interface TanhConfig extends BijectorConfig {
  type: 'Tanh';
  features: number;
  dtype: Dtype;
}

/**
 * TFP's `Tanh` bijector: base → data `x = tanh(u)` onto (−1, 1), with
 * `log|∂x/∂u| = 2 (log 2 − |u| − softplus(−2|u|))` (log sech² u without underflow); data → base is `u = atanh(x)`.
 * `new Invert(tanh)` is the atanh bijector. A data point outside (−1, 1) has log-determinant −Infinity (density zero)
 * instead of NaN; forward values stay strictly inside (see `ElementwiseBijector`). Shapes: `u, x [n, features]`.
 *
 * @example
 * import { Tanh, matrix, toArrays } from 'maflow';
 * const tanh = new Tanh({ features: 2 });
 * const { output, logDet } = tanh.forwardAndLogDet(matrix([[0, 30]]));
 * console.log(toArrays(output), logDet); // → [ [ 0, 0.9999999403953552 ] ] Float64Array(1) [ -58.613… ]
 */
export class Tanh extends ElementwiseBijector {
  constructor(options: TanhOptions) {
    super('Tanh', options.features, options.dtype ?? 'float32',
      Array.from({ length: options.features }, () => ({ map: 'tanh' as const })));
  }

  config(): TanhConfig {
    return { type: 'Tanh', features: this.features, dtype: this.dtype };
  }
}
