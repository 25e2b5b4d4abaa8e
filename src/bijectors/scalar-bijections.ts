/**
 * The scalar bijections `f: ℝ → (low, high)` behind the elementwise bijectors (`Sigmoid`, `Tanh`, `Exp`, `Softplus`,
 * `Bounds`), each with its log-derivative and that log-derivative's slope (for the backward passes), written to stay
 * finite over the whole float64 range: `f` saturates to its bounds, `f⁻¹` is finite on every representable point of
 * the open support, and `log f'` never goes through `f'` itself (which underflows long before its log does).
 *
 * | name       | f(u)              | f⁻¹(x)              | log f'(u)                 | support  |
 * |------------|-------------------|---------------------|---------------------------|----------|
 * | `sigmoid`  | 1 / (1 + e^−u)    | log x − log(1 − x)  | −softplus(u) − softplus(−u) | (0, 1) |
 * | `tanh`     | tanh u            | atanh x             | 2 (log 2 − |u| − softplus(−2|u|)) | (−1, 1) |
 * | `exp`      | e^u               | log x               | u                         | (0, ∞)   |
 * | `softplus` | log(1 + e^u)      | log(e^x − 1)        | −softplus(−u)             | (0, ∞)   |
 *
 * @example
 * import { SCALAR_BIJECTIONS } from './scalar-bijections.ts';
 * const { sigmoid } = SCALAR_BIJECTIONS;
 * console.log(sigmoid.forward(0), sigmoid.inverse(0.5), sigmoid.logDerivative(-800)); // → 0.5 0 -800
 */
import { sigmoid, softplus } from '../kernels/scalar-functions.ts';

/** A strictly increasing bijection of ℝ onto the open interval `(low, high)`. */
export interface ScalarBijection {
  /** The open support of `f`'s values. */
  readonly low: number;
  readonly high: number;
  /** `f(u)` (may round onto a bound for large |u|; callers keep values inside). */
  forward(u: number): number;
  /** `f⁻¹(x)` for x in `(low, high)`. */
  inverse(x: number): number;
  /** `log f'(u)`. */
  logDerivative(u: number): number;
  /** `d/du log f'(u)`. */
  logDerivativeSlope(u: number): number;
}

/** The names of the scalar bijections (the `map` entries of elementwise configs). */
export type ScalarBijectionName = 'sigmoid' | 'tanh' | 'exp' | 'softplus';

/** Every scalar bijection by name. */
export const SCALAR_BIJECTIONS: Readonly<Record<ScalarBijectionName, ScalarBijection>> = {
  sigmoid: {
    low: 0,
    high: 1,
    forward: sigmoid,
    inverse: (x) => Math.log(x) - Math.log1p(-x),
    logDerivative: (u) => -softplus(u) - softplus(-u),
    logDerivativeSlope: (u) => -Math.tanh(u / 2),
  },
  tanh: {
    low: -1,
    high: 1,
    forward: Math.tanh,
    inverse: Math.atanh,
    logDerivative: (u) => 2 * (Math.LN2 - Math.abs(u) - softplus(-2 * Math.abs(u))),
    logDerivativeSlope: (u) => -2 * Math.tanh(u),
  },
  exp: {
    low: 0,
    high: Infinity,
    forward: Math.exp,
    inverse: Math.log,
    logDerivative: (u) => u,
    logDerivativeSlope: () => 1,
  },
  softplus: {
    low: 0,
    high: Infinity,
    forward: softplus,
    // log(e^x − 1) = x + log(1 − e^−x): the second form for large x, where e^x overflows.
    inverse: (x) => (x > 20 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x))),
    logDerivative: (u) => -softplus(-u),
    logDerivativeSlope: (u) => sigmoid(-u),
  },
};
