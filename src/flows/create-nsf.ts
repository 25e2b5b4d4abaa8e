/**
 * An autoregressive neural spline flow (Durkan et al. 2019, "Neural Spline Flows", RQ-NSF (AR)): K MADE-conditioned
 * rational-quadratic spline layers with the feature order reversed (or randomly permuted) between them, over a
 * standard-normal base — `createMaf` with `RationalQuadraticSpline` transformers instead of affine ones. Each layer
 * transforms `[−tailBound, tailBound]` monotonically with `bins` bins and is the identity outside, so standardise the
 * data first. The layers start at the identity (zero raw spline parameters).
 * Data → base runs layer 0 first: `Chain([nsf_0, perm, nsf_1, perm, …, nsf_{K−1}])` in TFP's order.
 * Shapes: `x [n, features]`, `context [n, contextFeatures]`.
 *
 * @example
 * const flow = createNsf({ features: 2, layers: 5, hiddenUnits: [64, 64], bins: 8, tailBound: 3, rng: new Rng(0) });
 * flow.logProb(matrix([[0.5, -1.2]]));     // Float64Array [1]
 * flow.sample(1000, { rng: new Rng(1) });  // [1000, 2], one staircase pass per layer
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Bijector } from '../bijectors/bijector.ts';
import { Chain } from '../bijectors/chain.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../bijectors/permute.ts';
import { RationalQuadraticSpline } from '../bijectors/rational-quadratic-spline.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { Activation } from '../kernels/kernels.ts';
import type { DegreeMode } from '../nn/degrees.ts';
import { createBase, type BaseKind } from './create-base.ts';

export interface CreateNsfOptions {
  /** D, the data dimension. */
  features: number;
  /** Number of spline layers K. @default 5 */
  layers?: number;
  /** Hidden layer widths of every MADE. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Spline bins per feature. @default 8 */
  bins?: number;
  /** The splines act on `[−tailBound, tailBound]`, identity outside. @default 3 */
  tailBound?: number;
  /** Width of the conditioning input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** @default 'relu' */
  activation?: Activation;
  /** Residual connections inside each MADE. @default false */
  residual?: boolean;
  /** Feature order between layers. @default 'reverse' */
  order?: 'reverse' | 'random';
  /** Hidden degrees of each MADE. @default 'sequential' */
  degrees?: DegreeMode;
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights, degrees and permutations. @default new Rng(0) */
  rng?: Rng;
}

export function createNsf(options: CreateNsfOptions): TransformedDistribution {
  const { features } = options;
  const layers = options.layers ?? 5;
  if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`createNsf: layers must be a positive integer, got ${layers}`);
  const rng = options.rng ?? new Rng(0);
  const dtype = options.dtype ?? 'float32';
  const transformer = new RationalQuadraticSpline({ bins: options.bins ?? 8, tailBound: options.tailBound ?? 3 });
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
      transformer,
      dtype,
      rng,
    }));
  }
  const base = createBase(options.base ?? 'normal', { features, dtype, rng, components: options.components });
  return new TransformedDistribution(base, new Chain(bijectors));
}
