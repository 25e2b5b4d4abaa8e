/**
 * The flow spec's transform fields (`transform-cli-options.ts` makes them from `train`'s options) as the flow
 * factories take them: the transformer instance, the bounds with ±Infinity ends, the mixture size. Runs where the flow
 * is built (the training worker), so the main thread of `maflow train` loads no bijectors.
 */
import { BernsteinTransformer } from '../bijectors/bernstein-transformer.ts';
import { NeuralAutoregressiveTransformer } from '../bijectors/neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from '../bijectors/rational-quadratic-spline.ts';
import type { Transformer } from '../bijectors/transformer.ts';
import { UmnnTransformer } from '../bijectors/umnn-transformer.ts';
import type { TransformSpec } from './transform-cli-options.ts';

/**
 * The factory options of a spec's transform fields (what `createMaf`, `createNsf`, … take): the spec's fields, with the
 * transformer as an instance, the bounds' open ends as ±Infinity, and the mixture size and circular bins.
 */
export type TransformFactoryOptions = Omit<TransformSpec, 'transformer' | 'bounds'> & {
  transformer?: Transformer;
  bounds?: [number, number][];
  components?: number;
  circularBins?: number;
};

/**
 * The factory options for a spec's transform fields: the transformer instance for `transformer`, the bounds with
 * ±Infinity ends, the mixture size with `base: 'mog'`, the rest as they are.
 *
 * @example
 * import { transformFactoryOptions } from './transform-options.ts';
 * const options = transformFactoryOptions({ transformer: 'bernstein', bins: 6, tailBound: 4, bounds: [[0, null]] });
 * console.log(options.transformer?.config(), options.bounds); // → { type: 'bernstein', degree: 6, bound: 4 } [ [ 0, Infinity ] ]
 */
export function transformFactoryOptions(spec: TransformSpec & { components?: number }): TransformFactoryOptions {
  const transformer = transformerOf(spec);
  return {
    ...(transformer === undefined ? {} : { transformer }),
    ...(spec.bins === undefined || spec.circular !== undefined ? {} : { bins: spec.bins }),
    ...(spec.tailBound === undefined ? {} : { tailBound: spec.tailBound }),
    ...(spec.shiftOnly === true ? { shiftOnly: true } : {}),
    ...(spec.logScaleBound === undefined ? {} : { logScaleBound: spec.logScaleBound }),
    ...(spec.actNorm === true ? { actNorm: true } : {}),
    ...(spec.base === undefined ? {} : { base: spec.base }),
    ...(spec.base === 'mog' && spec.components !== undefined ? { components: spec.components } : {}),
    ...(spec.bounds === undefined ? {} : { bounds: factoryBounds(spec.bounds) }),
    ...(spec.circular === undefined ? {} : { circular: spec.circular, circularBins: spec.bins }),
  };
}

function transformerOf(spec: TransformSpec): Transformer | undefined {
  switch (spec.transformer) {
    case undefined:
    case 'affine':
      return undefined;
    case 'spline':
      return new RationalQuadraticSpline({ bins: spec.bins, tailBound: spec.tailBound });
    case 'bernstein':
      return new BernsteinTransformer({ degree: spec.bins, bound: spec.tailBound });
    case 'naf':
      return new NeuralAutoregressiveTransformer();
    case 'umnn':
      return new UmnnTransformer();
  }
}

/** `spec.bounds` as the factories take them (`±Infinity` for the open ends), or undefined. */
export function factoryBounds(bounds: TransformSpec['bounds']): [number, number][] | undefined {
  return bounds?.map(([low, high]): [number, number] => [low ?? -Infinity, high ?? Infinity]);
}
