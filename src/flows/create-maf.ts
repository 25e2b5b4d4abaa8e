/**
 * The masked autoregressive flow of Papamakarios et al. (2017): K MADE-conditioned affine layers with the feature
 * order reversed (or randomly permuted) between them, over a standard-normal base.
 * Data → base runs layer 0 first: `Chain([maf_0, perm, maf_1, perm, …, maf_{K−1}])` in TFP's order.
 * With `batchNorm`, a BatchNormalization follows each MADE in data → base order, as in the paper (§3.4):
 * `Chain([maf_0, bn_0, perm, maf_1, bn_1, …])`; set its population statistics with `setBatchNormStatistics` before
 * evaluating (fit() does).
 *
 * @example
 * const flow = createMaf({ features: 2, layers: 5, hiddenUnits: [64, 64], rng: new Rng(0) });
 * flow.logProb(matrix([[0.5, -1.2]]));     // Float64Array [1]
 * flow.sample(1000, { rng: new Rng(1) });  // [1000, 2]
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Bijector } from '../bijectors/bijector.ts';
import { BatchNormalization } from '../bijectors/batch-normalization.ts';
import { Chain } from '../bijectors/chain.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../bijectors/permute.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { DegreeMode } from '../nn/degrees.ts';
import type { Activation } from '../kernels/kernels.ts';
import { createBase, type BaseKind } from './create-base.ts';

export interface CreateMafOptions {
  /** D, the data dimension. */
  features: number;
  /** Number of MADE layers K. @default 5 */
  layers?: number;
  /** Hidden layer widths of every MADE. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Width of the conditioning input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** @default 'relu' */
  activation?: Activation;
  /** Residual connections inside each MADE. @default false */
  residual?: boolean;
  /** Feature order between layers: reversed, or a fresh random permutation each time. @default 'reverse' */
  order?: 'reverse' | 'random';
  /** Hidden degrees of each MADE. @default 'sequential' */
  degrees?: DegreeMode;
  /** Volume-preserving layers (shift only). @default false */
  shiftOnly?: boolean;
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
  /** A BatchNormalization after each MADE (data → base order), as in the MAF paper. @default false */
  batchNorm?: boolean;
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights, degrees and permutations. @default new Rng(0) */
  rng?: Rng;
}

export function createMaf(options: CreateMafOptions): TransformedDistribution {
  const { features } = options;
  const layers = options.layers ?? 5;
  if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`createMaf: layers must be a positive integer, got ${layers}`);
  const rng = options.rng ?? new Rng(0);
  const dtype = options.dtype ?? 'float32';
  const bijectors: Bijector[] = [];
  for (let k = 0; k < layers; k++) {
    if (k > 0) bijectors.push(new Permute({ features, permutation: options.order ?? 'reverse', rng, dtype }));
    bijectors.push(new MaskedAutoregressiveFlow({
      features,
      hiddenUnits: options.hiddenUnits ?? [64, 64],
      contextFeatures: options.contextFeatures,
      activation: options.activation,
      residual: options.residual,
      degrees: options.degrees,
      shiftOnly: options.shiftOnly,
      logScaleBound: options.logScaleBound,
      dtype,
      rng,
    }));
    if (options.batchNorm === true) bijectors.push(new BatchNormalization({ features, dtype }));
  }
  const base = createBase(options.base ?? 'normal', { features, dtype, rng, components: options.components });
  return new TransformedDistribution(base, new Chain(bijectors));
}
