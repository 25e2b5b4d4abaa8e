import type { Dtype, Matrix } from '../core/matrix.ts';
import type { BijectorConfig } from './bijector.ts';
import { ElementwiseBijector, type ElementwiseColumn } from './elementwise-bijector.ts';

/** Options of `new Bounds(options)`. */
export interface BoundsOptions {
  /**
   * One `[low, high]` per column (`low < high`), with `-Infinity` / `Infinity` for an open end: `[0, 1]` bounded,
   * `[0, Infinity]` bounded below, `[-Infinity, 5]` bounded above, `[-Infinity, Infinity]` unbounded.
   */
  bounds: readonly (readonly [number, number])[];
  /** Element type of the outputs; inputs are read in their own precision (as `Standardize` does). @default 'float64' */
  dtype?: Dtype;
}

/** The serialised form of a `Bounds` (`config()`); JSON has no Infinity, so an open end is `null`. */
export interface BoundsConfig extends BijectorConfig {
  type: 'Bounds';
  features: number;
  lower: (number | null)[];
  upper: (number | null)[];
  dtype: Dtype;
}

/** A value outside its column's open interval, as `Bounds.firstOutside` finds it. */
export interface OutsideBounds {
  row: number;
  column: number;
  value: number;
}

/**
 * Bounded and half-bounded columns for the data end of a flow: each bounded column is mapped onto the real line, so
 * that the layers after it (standardization included) see unbounded values, and every sample respects the bounds.
 * Base → data, per column:
 * - `[low, high]`: `x = low + (high − low) · σ(u)` (data → base: the logit of `(x − low) / (high − low)`);
 * - `[low, ∞)`: `x = low + e^u` (data → base: `log(x − low)`);
 * - `(−∞, high]`: `x = high − e^u`;
 * - unbounded: the identity.
 * The log-determinants are those of `Sigmoid` and `Exp` (`ElementwiseBijector`): a point outside a column's open
 * interval has density zero (log-determinant −Infinity, never NaN), and forward values stay strictly inside.
 * Put it first in a `Chain` (data → base runs it first); `createMaf({ bounds })` and the other factories do, and
 * `withStandardization` keeps it in front of the standardization (fit that on `bounds.inverse(x)`).
 * Shapes: `u, x [n, features]`.
 *
 * @example
 * import { Bounds, matrix, toArrays } from 'maflow';
 * const bounds = new Bounds({ bounds: [[0, 1], [0, Infinity], [-Infinity, Infinity]] });
 * const u = bounds.inverse(matrix([[0.5, 1, -3]]));
 * console.log(toArrays(u), bounds.inverseLogDetJacobian(matrix([[1.5, 1, 0]]))); // → [ [ 0, 0, -3 ] ] Float64Array(1) [ -Infinity ]
 */
export class Bounds extends ElementwiseBijector {
  /** Per column, the lower and upper end (±Infinity when open). */
  readonly lower: Float64Array;
  readonly upper: Float64Array;

  constructor(options: BoundsOptions) {
    const { bounds } = options;
    if (!Array.isArray(bounds) || bounds.length < 1) throw new RangeError('Bounds: expected one [low, high] per column, got none');
    const columns = bounds.map((pair, d): ElementwiseColumn => {
      const [low, high] = Array.isArray(pair) ? pair : [NaN, NaN];
      if (Number.isNaN(low) || Number.isNaN(high) || !(low < high) || low === Infinity || high === -Infinity) {
        throw new RangeError(`Bounds: column ${d} needs low < high (±Infinity for an open end), got [${String(pair)}]`);
      }
      if (Number.isFinite(low) && Number.isFinite(high)) return { map: 'sigmoid', shift: low, scale: high - low };
      if (Number.isFinite(low)) return { map: 'exp', shift: low };
      if (Number.isFinite(high)) return { map: 'exp', shift: high, scale: -1 };
      return { map: null };
    });
    super('Bounds', bounds.length, options.dtype ?? 'float64', columns);
    this.lower = Float64Array.from(bounds, (b) => b[0]);
    this.upper = Float64Array.from(bounds, (b) => b[1]);
  }

  /** Rebuilds a `Bounds` from `config()`. */
  static fromConfig(config: BoundsConfig): Bounds {
    const { lower, upper } = config;
    if (!Array.isArray(lower) || !Array.isArray(upper) || lower.length !== upper.length || lower.length !== config.features) {
      throw new RangeError(`Bounds: the config needs 'lower' and 'upper' arrays of ${config.features} entries`);
    }
    const end = (v: number | null, open: number) => (v === null ? open : v);
    return new Bounds({ bounds: lower.map((low, d) => [end(low, -Infinity), end(upper[d], Infinity)] as const), dtype: config.dtype });
  }

  config(): BoundsConfig {
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return {
      type: 'Bounds', features: this.features, lower: Array.from(this.lower, finite), upper: Array.from(this.upper, finite),
      dtype: this.dtype,
    };
  }

  /** Whether any column is bounded (else the map is the identity). */
  get bounded(): boolean {
    return !this.isIdentity;
  }

  /** The first entry of `x [n, features]` (row-major order) outside its column's open interval, or null. */
  firstOutside(x: Matrix): OutsideBounds | null {
    const D = this.features;
    for (let k = 0; k < x.data.length; k++) {
      const d = k % D;
      const v = x.data[k];
      if (!(v > this.lower[d] && v < this.upper[d]) && (Number.isFinite(this.lower[d]) || Number.isFinite(this.upper[d]))) {
        return { row: Math.floor(k / D), column: d, value: v };
      }
    }
    return null;
  }

  /** Inputs are not converted: a float64 value is mapped before anything rounds it (see `dtype`). */
  protected override toDtype(m: Matrix): Matrix {
    return m;
  }
}
