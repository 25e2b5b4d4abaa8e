import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { BatchNormalization } from '../bijectors/batch-normalization.ts';
import type { Bijector } from '../bijectors/bijector.ts';
import { Bounds } from '../bijectors/bounds.ts';
import { ActNorm } from '../bijectors/act-norm.ts';
import { Chain } from '../bijectors/chain.ts';
import { LuLinear } from '../bijectors/lu-linear.ts';
import { Permute } from '../bijectors/permute.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import { createBase, type BaseKind } from './create-base.ts';

/** Options of `stackLayers`. */
export interface StackLayersOptions {
  /** D, the data dimension. */
  features: number;
  /** K, as checked by `layerCount`. */
  layers: number;
  /**
   * Feature order between layers: a `Permute` ('reverse', 'random'), a learnable `LuLinear` starting as the reversal
   * ('lu'), or `null`: nothing between the layers (e.g. couplings that alternate masks). @default 'reverse'
   */
  order?: 'reverse' | 'random' | 'lu' | null;
  /** A BatchNormalization after each layer (data → base order). @default false */
  batchNorm?: boolean;
  /** An ActNorm after each layer (data → base order; after the batch normalisation when both are set). @default false */
  actNorm?: boolean;
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /** One `[low, high]` per feature: a `Bounds` at the data end (first in data → base order). @default none */
  bounds?: readonly (readonly [number, number])[];
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the permutations, the layers (through `layer`) and the base. @default new Rng(0) */
  rng?: Rng;
}

/** `layers ?? 5`, checked to be a positive integer (`where` names the factory in the error). */
export function layerCount(where: string, layers: number | undefined): number {
  const count = layers ?? 5;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${where}: layers must be a positive integer, got ${count}`);
  return count;
}

/**
 * Builds layer `k` with the stack's rng and dtype; `columns[i]` is the data column at the layer's input position i
 * (data → base: the permutations before it applied), or null after a `LuLinear`, which mixes the columns.
 */
export type LayerFactory = (k: number, rng: Rng, dtype: Dtype, columns: Int32Array | null) => Bijector;

/**
 * The assembly every multi-layer factory shares: K layers, a `Permute` (or, with `order: 'lu'`, a `LuLinear`) before
 * each layer but the first (unless `order` is `null`), a `BatchNormalization` and/or an `ActNorm` after each layer
 * when `batchNorm` / `actNorm` is set, all over a base distribution:
 * `TransformedDistribution(base, Chain([layer_0, bn_0, perm, layer_1, bn_1, …]))` in data → base order, with a
 * `Bounds` in front when `bounds` are given.
 * The rng is drawn from in that order (permutation, layer, …, then the base), so a seed gives the same model.
 * `layerCount` checks and defaults K; call it first, so that a bad K is the first error a factory reports.
 *
 * @example
 * import { MaskedAutoregressiveFlow, type Chain } from 'maflow';
 * import { layerCount, stackLayers } from './stack-layers.ts';
 * const layers = layerCount('createMaf', 2);
 * const flow = stackLayers({ features: 2, layers }, (_k, rng, dtype) => new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], dtype, rng }));
 * console.log((flow.bijector as Chain).bijectors.map((b) => b.constructor.name)); // → [ 'MaskedAutoregressiveFlow', 'Permute', 'MaskedAutoregressiveFlow' ]
 */
export function stackLayers(options: StackLayersOptions, layer: LayerFactory): TransformedDistribution {
  const { features } = options;
  const rng = options.rng ?? new Rng(0);
  const dtype = options.dtype ?? 'float32';
  const order = options.order === undefined ? 'reverse' : options.order;
  const bijectors: Bijector[] = [];
  if (options.bounds !== undefined) {
    const bounds = new Bounds({ bounds: options.bounds });
    if (bounds.features !== features) throw new RangeError(`bounds: expected ${features} [low, high] pairs (one per feature), got ${bounds.features}`);
    bijectors.push(bounds);
  }
  let columns: Int32Array | null = Int32Array.from({ length: features }, (_, i) => i);
  for (let k = 0; k < options.layers; k++) {
    if (k > 0 && order === 'lu') {
      bijectors.push(new LuLinear({ features, permutation: 'reverse', dtype }));
      columns = null;
    } else if (k > 0 && order !== null && order !== 'lu') {
      const permute = new Permute({ features, permutation: order, rng, dtype });
      bijectors.push(permute);
      // Data → base, position i receives position inverse[i]: the permutation maps position dst to src.
      const inverse = new Int32Array(features);
      permute.permutation.forEach((src, dst) => { inverse[src] = dst; });
      const before: Int32Array | null = columns;
      columns = before === null ? null : Int32Array.from(inverse, (from) => before[from]);
    }
    bijectors.push(layer(k, rng, dtype, columns));
    if (options.batchNorm === true) bijectors.push(new BatchNormalization({ features, dtype }));
    if (options.actNorm === true) bijectors.push(new ActNorm({ features, dtype }));
  }
  const base = createBase(options.base ?? 'normal', { features, dtype, rng, components: options.components });
  return new TransformedDistribution(base, new Chain(bijectors));
}
