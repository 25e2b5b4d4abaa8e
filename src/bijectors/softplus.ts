import type { Dtype } from '../core/matrix.ts';
import type { BijectorConfig } from './bijector.ts';
import { ElementwiseBijector } from './elementwise-bijector.ts';

/** Options of `new Softplus(options)`. */
export interface SoftplusOptions {
  features: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Softplus` (`config()`). */
export interface SoftplusConfig extends BijectorConfig {
  type: 'Softplus';
  features: number;
  dtype: Dtype;
}

/**
 * TFP's `Softplus` bijector: base → data `x = softplus(u) = log(1 + e^u)` onto (0, ∞), with
 * `log|∂x/∂u| = −softplus(−u)` (log σ(u)); data → base is `u = log(e^x − 1)`. `new Invert(softplus)` is the
 * softplus⁻¹ bijector. A data point outside (0, ∞) has log-determinant −Infinity (density zero) instead of NaN; forward
 * values stay strictly inside (see `ElementwiseBijector`). Shapes: `u, x [n, features]`.
 *
 * @example
 * import { Softplus, matrix, toArrays } from 'maflow';
 * const softplus = new Softplus({ features: 2 });
 * const { output, logDet } = softplus.forwardAndLogDet(matrix([[0, 40]]));
 * console.log(toArrays(output), logDet); // → [ [ 0.693…, 40 ] ] Float64Array(1) [ -0.693… ]
 */
export class Softplus extends ElementwiseBijector {
  constructor(options: SoftplusOptions) {
    super('Softplus', options.features, options.dtype ?? 'float32',
      Array.from({ length: options.features }, () => ({ map: 'softplus' as const })));
  }

  config(): SoftplusConfig {
    return { type: 'Softplus', features: this.features, dtype: this.dtype };
  }
}
