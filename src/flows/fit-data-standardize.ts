import type { Matrix } from '../core/matrix.ts';
import { Bounds } from '../bijectors/bounds.ts';
import { Chain } from '../bijectors/chain.ts';
import { Standardize, type StandardizeFitOptions } from '../bijectors/standardize.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';

/**
 * The data standardization of `flow` for `withStandardization`, fitted to the training data `x [n, features]`:
 * `Standardize.fit(x)`, or, when the flow maps bounded columns first (a `Bounds` at the data end of its chain, from
 * `createMaf({ bounds })`), `Standardize.fit(bounds.inverse(x))` — the statistics of the values the standardization
 * will see. Every value of `x` must then lie strictly inside its column's bounds (a `RangeError` names the first one
 * that does not).
 *
 * @example
 * import { Rng, createMaf, fitDataStandardize, matrix, withStandardization } from 'maflow';
 * const x = matrix([[0.2, 5], [0.5, 7], [0.9, 6], [0.4, 9]], undefined, undefined, 'float64');
 * const layers = createMaf({ features: 2, layers: 2, hiddenUnits: [8], bounds: [[0, 1], [0, Infinity]], rng: new Rng(0) });
 * const flow = withStandardization(layers, { data: fitDataStandardize(layers, x) });
 * console.log(flow.sample(3, { rng: new Rng(1) }).data); // → every first column in (0, 1), every second one > 0
 */
export function fitDataStandardize(flow: Distribution, x: Matrix, options: StandardizeFitOptions = {}): Standardize {
  const bounds = dataEndBounds(flow);
  if (bounds === null) return Standardize.fit(x, options);
  const outside = bounds.firstOutside(x);
  if (outside !== null) {
    const { row, column, value } = outside;
    throw new RangeError(`fitDataStandardize: x[${row}, ${column}] = ${value} is not inside the column's bounds ` +
      `(${bounds.lower[column]}, ${bounds.upper[column]})`);
  }
  return Standardize.fit(bounds.inverse(x), options);
}

/** The `Bounds` at the data end of `flow`'s chain, or null. */
export function dataEndBounds(flow: Distribution): Bounds | null {
  if (!(flow instanceof TransformedDistribution)) return null;
  const first = flow.bijector instanceof Chain ? flow.bijector.bijectors[0] : flow.bijector;
  return first instanceof Bounds ? first : null;
}
