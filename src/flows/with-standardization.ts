import type { Bijector } from '../bijectors/bijector.ts';
import { Bounds } from '../bijectors/bounds.ts';
import { Chain } from '../bijectors/chain.ts';
import { Standardize } from '../bijectors/standardize.ts';
import type { Distribution } from '../distributions/distribution.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';

/** Options of `withStandardization(flow, options)`; give one or both. */
export interface WithStandardizationOptions {
  /** The data-end standardization, e.g. `Standardize.fit(x)` of the training data `[n, features]`. @default none */
  data?: Standardize;
  /** The context pre-map, e.g. `Standardize.fit(context)` of the training context `[n, contextFeatures]`. @default none */
  context?: Standardize;
}

/**
 * `flow` with a fixed standardization at its data end and/or a context pre-map, so that its layers see standardized
 * values while it takes and returns the user's units: the bijector becomes `Chain([data, …flow's chain])` (data → base
 * runs the `Standardize` first, so `log p(x) = log p̃((x − mean)/std) − Σ_d log std_d` and samples come out as
 * `ũ · std + mean`), and the context reaches the layers as `(c − mean_c)/std_c`. Nothing added is trainable: `fit` on
 * the raw data trains the layers and leaves the statistics as they are. A flow with bounded columns (a `Bounds` first in
 * its chain, as `createMaf({ bounds })` builds) keeps the `Bounds` at the very data end and gets the `Standardize` right
 * after it, on the unbounded values: fit it with `fitDataStandardize(flow, x)`. A distribution that is not a
 * `TransformedDistribution` (a `MadeMog`) becomes the base of one. The result shares `flow`'s layers (train one of
 * the two, not both). Shapes: the flow's `[n, features]` and `[n, contextFeatures]`, unchanged.
 *
 * @example
 * import { Rng, Standardize, createMaf, fit, matrix, withStandardization } from 'maflow';
 * const x = matrix([[1, 100], [2, 300], [3, 200], [4, 500], [5, 400], [6, 600]], undefined, undefined, 'float64');
 * const flow = withStandardization(createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) }),
 *   { data: Standardize.fit(x) });
 * fit(flow, x, { epochs: 2, batchSize: 3, validationFraction: 0, rng: new Rng(1) });   // on the raw data
 * console.log(flow.logProb(matrix([[3.5, 350]]))); // → Float64Array(1) [ … ] a density in the data's own units
 */
export function withStandardization(flow: Distribution, options: WithStandardizationOptions): TransformedDistribution {
  const { data, context } = options;
  if (data === undefined && context === undefined) {
    throw new RangeError('withStandardization: nothing to add (give data, context or both)');
  }
  if (data !== undefined && data.features !== flow.features) {
    throw new RangeError(`withStandardization: the data standardization has ${data.features} columns but the flow has ${flow.features} features`);
  }
  if (flow instanceof TransformedDistribution) {
    if (context !== undefined && flow.contextStandardize !== undefined) {
      throw new RangeError('withStandardization: the flow already standardizes its context');
    }
    const bijector = data === undefined ? flow.bijector : new Chain(withDataStandardize(flow.bijector, data));
    const pre = context ?? flow.contextStandardize;
    return new TransformedDistribution(flow.base, bijector, pre === undefined ? {} : { contextStandardize: pre });
  }
  // A distribution without a bijector (a MadeMog) becomes the base; with only a context pre-map the data map is the
  // identity.
  const identity = (): Standardize => new Standardize({ mean: new Float64Array(flow.features), std: new Float64Array(flow.features).fill(1) });
  return new TransformedDistribution(flow, data ?? identity(), context === undefined ? {} : { contextStandardize: context });
}

/** The members of `bijector` with `data` in front, or right after a leading `Bounds` (which must stay at the data end). */
function withDataStandardize(bijector: Bijector, data: Standardize): Bijector[] {
  const members = bijector instanceof Chain ? [...bijector.bijectors] : [bijector];
  return members[0] instanceof Bounds ? [members[0], data, ...members.slice(1)] : [data, ...members];
}
