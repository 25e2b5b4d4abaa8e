import type { Dtype } from '../core/matrix.ts';
import type { BijectorConfig } from './bijector.ts';
import { ElementwiseBijector } from './elementwise-bijector.ts';

/** Options of `new Sigmoid(options)`. */
export interface SigmoidOptions {
  features: number;
  /** Lower end of the support. @default 0 */
  low?: number;
  /** Upper end of the support (> low). @default 1 */
  high?: number;
  /** @default 'float32' */
  dtype?: Dtype;
}

/** The serialised form of a `Sigmoid` (`config()`). */
export interface SigmoidConfig extends BijectorConfig {
  type: 'Sigmoid';
  features: number;
  low: number;
  high: number;
  dtype: Dtype;
}

/**
 * The logistic bijector (TFP's `Sigmoid(low, high)`): base → data `x = low + (high − low) · σ(u)`,
 * `σ(u) = 1 / (1 + e^−u)`, with `log|∂x/∂u| = log(high − low) − softplus(u) − softplus(−u)`; data → base is the logit
 * `u = log(t) − log(1 − t)`, `t = (x − low) / (high − low)`. `new Invert(sigmoid)` is the logit bijector. A data point
 * outside `(low, high)` has log-determinant −Infinity (density zero) instead of NaN; forward values stay strictly
 * inside. Shapes: `u, x [n, features]`.
 *
 * @example
 * import { Sigmoid, matrix, toArrays } from 'maflow';
 * const sigmoid = new Sigmoid({ features: 2 });
 * const { output, logDet } = sigmoid.forwardAndLogDet(matrix([[0, 800]]));
 * console.log(toArrays(output), logDet); // → [ [ 0.5, 0.9999999403953552 ] ] Float64Array(1) [ -801.386… ]
 */
export class Sigmoid extends ElementwiseBijector {
  readonly low: number;
  readonly high: number;

  constructor(options: SigmoidOptions) {
    const low = options.low ?? 0;
    const high = options.high ?? 1;
    if (!(Number.isFinite(low) && Number.isFinite(high) && high > low)) {
      throw new RangeError(`Sigmoid: needs finite low < high, got low ${low} and high ${high}`);
    }
    super('Sigmoid', options.features, options.dtype ?? 'float32',
      Array.from({ length: options.features }, () => ({ map: 'sigmoid' as const, shift: low, scale: high - low })));
    this.low = low;
    this.high = high;
  }

  config(): SigmoidConfig {
    return { type: 'Sigmoid', features: this.features, low: this.low, high: this.high, dtype: this.dtype };
  }
}
