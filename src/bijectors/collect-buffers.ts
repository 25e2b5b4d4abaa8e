/**
 * Every *buffer* under a bijector — state that is saved with a model but not trained (BatchNormalization's running
 * statistics) — named with the prefixes `namedParameters` uses (for a `TransformedDistribution`:
 * `bijector.bijectors.1.runningMean`, …). The arrays are the live buffers, not copies. Anything that is neither a
 * bijector nor owns one (a `MadeMog`, a `StandardNormal`) has none.
 *
 * Buffer contract: a bijector with buffers has a method `namedBuffers(prefix?: string): Array<[string, Float64Array]>`;
 * wrappers are walked through their `bijectors` (Chain) or `bijector` (Invert) fields.
 *
 * @example
 * import { Rng, collectBuffers, createMaf } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], batchNorm: true, rng: new Rng(0) });
 * console.log(collectBuffers(flow).map(([name]) => name));
 * // → [ 'bijector.bijectors.1.runningMean', 'bijector.bijectors.1.runningVariance', 'bijector.bijectors.4.runningMean', … ]
 */
import type { Matrix } from '../core/matrix.ts';
import { joinName } from '../nn/parameter.ts';
import { Bijector } from './bijector.ts';

/** Named buffers, like `NamedParameters` but untrained `Float64Array`s. */
export type NamedBuffers = Array<[string, Float64Array]>;

/** Something that owns a bijector, like a `TransformedDistribution` (its parameters are named `bijector.…`). */
export interface HasBijector {
  readonly bijector: Bijector;
  /** A fixed map of the context before it reaches the bijector (`TransformedDistribution`'s pre-map): its `inverse`. */
  readonly contextStandardize?: Bijector;
  /** The context as the bijector sees it (pre-map and context encoder), when the owner transforms it. */
  layerContext?(context: Matrix): Matrix;
}

/** `target`: a bijector, something with a `bijector` field, or any other model (which gives `[]`). */
export function collectBuffers(target: Bijector | HasBijector | object, prefix?: string): NamedBuffers {
  if (!(target instanceof Bijector)) {
    const inner = (target as Partial<HasBijector>).bijector;
    return inner instanceof Bijector ? collectBuffers(inner, joinName(prefix, 'bijector')) : [];
  }
  const own = (target as Bijector & { namedBuffers?: (p?: string) => NamedBuffers }).namedBuffers;
  if (typeof own === 'function') return own.call(target, prefix);
  const wrapper = target as Bijector & { bijectors?: unknown; bijector?: unknown };
  if (Array.isArray(wrapper.bijectors)) {
    return (wrapper.bijectors as Bijector[]).flatMap((b, i) => collectBuffers(b, joinName(prefix, `bijectors.${i}`)));
  }
  if (wrapper.bijector instanceof Bijector) return collectBuffers(wrapper.bijector, joinName(prefix, 'bijector'));
  return [];
}
