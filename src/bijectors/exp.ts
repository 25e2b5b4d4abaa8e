import type { Dtype } from '../core/matrix.ts';
import type { BijectorConfig } from './bijector.ts';
import { ElementwiseBijector } from './elementwise-bijector.ts';

/** Options of `new Exp(options)`. */
export interface ExpOptions {
  features: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Exp` (`config()`). */
export interface ExpConfig extends BijectorConfig {
  type: 'Exp';
  features: number;
  dtype: Dtype;
}

/**
 * TFP's `Exp` bijector: base → data `x = e^u` onto (0, ∞), with `log|∂x/∂u| = u`; data → base is `u = log x`.
 * `new Invert(exp)` is the log bijector. A data point outside (0, ∞) has log-determinant −Infinity (density zero)
 * instead of NaN; forward values stay strictly inside, finite and positive (see `ElementwiseBijector`).
 * Shapes: `u, x [n, features]`.
 *
 * @example
 * import { Exp, matrix, toArrays } from 'maflow';
 * const exp = new Exp({ features: 2 });
 * const { output, logDet } = exp.forwardAndLogDet(matrix([[0, 1]]));
 * console.log(toArrays(output), logDet); // → [ [ 1, 2.718281… ] ] Float64Array(1) [ 1 ]
 */
export class Exp extends ElementwiseBijector {
  constructor(options: ExpOptions) {
    super('Exp', options.features, options.dtype ?? 'float32',
      Array.from({ length: options.features }, () => ({ map: 'exp' as const })));
  }

  config(): ExpConfig {
    return { type: 'Exp', features: this.features, dtype: this.dtype };
  }
}
