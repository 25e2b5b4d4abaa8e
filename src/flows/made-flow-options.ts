/**
 * The options shared by the MADE-based factories (`createMade`, `createMadeMog`, `createMaf`, `createIaf`,
 * `createNsf`, `createMafMog`), with their documented defaults, and `madeNetworkOptions`, which resolves the ones
 * that configure each MADE (`hiddenUnits` defaults to `[64, 64]`; the others keep the MADE's own defaults).
 *
 * @example
 * import { madeNetworkOptions } from './made-flow-options.ts';
 * console.log(madeNetworkOptions({ features: 2 })); // → { features: 2, hiddenUnits: [ 64, 64 ], contextFeatures: undefined, … }
 */
import type { Dtype } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import type { Activation } from '../kernels/kernels.ts';
import type { DegreeMode } from '../nn/degrees.ts';
import type { BaseKind } from './create-base.ts';

/** The network of each MADE, and the dtype and seed of the model. */
export interface MadeNetworkOptions {
  /** D, the data dimension. */
  features: number;
  /** Hidden layer widths of every MADE. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Width of the conditioning input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** The hidden activation, or one per hidden layer. @default 'relu' */
  activation?: Activation | readonly Activation[];
  /** Residual connections between the hidden layers of each MADE (equal widths). @default false */
  residual?: boolean;
  /** Hidden degrees of each MADE. @default 'sequential' */
  degrees?: DegreeMode;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights, degrees and permutations. @default new Rng(0) */
  rng?: Rng;
}

/** K MADE-conditioned layers with the feature order changed between them, over a base distribution. */
export interface MadeFlowOptions extends MadeNetworkOptions {
  /** Number of autoregressive layers K. @default 5 */
  layers?: number;
  /**
   * Feature order between layers: reversed, a fresh random permutation each time, or `'lu'`: a learnable `LuLinear`
   * mixing (starting as the reversal). @default 'reverse'
   */
  order?: 'reverse' | 'random' | 'lu';
  /** An `ActNorm` (data-initialised per-feature affine) after each layer, data → base order. @default false */
  actNorm?: boolean;
  /** Base distribution. @default 'normal' */
  base?: BaseKind;
  /** Mixture components when `base` is `'mog'`. @default 10 */
  components?: number;
  /**
   * Bounded and half-bounded columns: one `[low, high]` per feature (`±Infinity` for an open end); a `Bounds` bijector
   * at the data end maps them to the real line, so every sample respects them (see `Bounds`). @default none
   */
  bounds?: readonly (readonly [number, number])[];
}

/** The network options of a MADE (everything but dtype and rng), with `hiddenUnits` defaulted. */
export interface ResolvedMadeNetworkOptions {
  features: number;
  hiddenUnits: readonly number[];
  contextFeatures: number | undefined;
  activation: Activation | readonly Activation[] | undefined;
  residual: boolean | undefined;
  degrees: DegreeMode | undefined;
}

/** The MADE network options picked out of a factory's options, with `hiddenUnits` defaulted. */
export function madeNetworkOptions(options: MadeNetworkOptions): ResolvedMadeNetworkOptions {
  return {
    features: options.features,
    hiddenUnits: options.hiddenUnits ?? [64, 64],
    contextFeatures: options.contextFeatures,
    activation: options.activation,
    residual: options.residual,
    degrees: options.degrees,
  };
}
