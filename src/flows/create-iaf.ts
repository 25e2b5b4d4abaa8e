/**
 * The inverse autoregressive flow (Kingma et al. 2016): K MADE-conditioned affine layers used in the inverse
 * direction, `Chain([Invert(maf_0), perm, Invert(maf_1), perm, …])` over a standard-normal base. Sampling
 * (base → data) is one parallel MADE pass per layer; density evaluation of arbitrary points is sequential (slow), but
 * `sampleAndLogProb` gets the density of its own samples for free. Trained by reverse KL through the parallel
 * forward direction (`TransformedDistribution.sampleTrain`).
 *
 * @example
 * const flow = createIaf({ features: 2, layers: 4, hiddenUnits: [32, 32], rng: new Rng(0) });
 * const { samples, logProb } = flow.sampleAndLogProb(1000, { rng: new Rng(1) });  // fast
 * flow.logProb(samples);                                                          // ≈ logProb, sequential
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Bijector } from '../bijectors/bijector.ts';
import { Chain } from '../bijectors/chain.ts';
import { Invert } from '../bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../bijectors/permute.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { Activation } from '../kernels/kernels.ts';
import type { DegreeMode } from '../nn/degrees.ts';
import { createBase, type BaseKind } from './create-base.ts';

export interface CreateIafOptions {
  /** D, the data dimension. */
  features: number;
  /** Number of inverted MADE layers K. @default 5 */
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
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights, degrees and permutations. @default new Rng(0) */
  rng?: Rng;
}

export function createIaf(options: CreateIafOptions): TransformedDistribution {
  const { features } = options;
  const layers = options.layers ?? 5;
  if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`createIaf: layers must be a positive integer, got ${layers}`);
  const rng = options.rng ?? new Rng(0);
  const dtype = options.dtype ?? 'float32';
  const bijectors: Bijector[] = [];
  for (let k = 0; k < layers; k++) {
    if (k > 0) bijectors.push(new Permute({ features, permutation: options.order ?? 'reverse', rng, dtype }));
    bijectors.push(new Invert(new MaskedAutoregressiveFlow({
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
    })));
  }
  const base = createBase(options.base ?? 'normal', { features, dtype, rng, components: options.components });
  return new TransformedDistribution(base, new Chain(bijectors));
}
