import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import type { Standardize } from '../bijectors/standardize.ts';
import { ConditionalNormal } from '../distributions/conditional-normal.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { Activation } from '../kernels/kernels.ts';
import { Gru } from '../nn/gru.ts';
import { Lstm } from '../nn/lstm.ts';
import { createMaf } from './create-maf.ts';
import { ENCODER_KINDS, type EncoderKind } from './encoder-kinds.ts';
import { TemporalMaf } from './temporal-maf.ts';

/** Options of `createTemporalMaf`. */
export interface CreateTemporalMafOptions {
  /** F, the values per step. */
  features: number;
  /** MAF layers K of the per-step flow. @default 5 */
  layers?: number;
  /** Hidden widths of each MADE. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** @default 'relu' */
  activation?: Activation;
  /** The recurrent encoder. @default 'lstm' */
  encoder?: EncoderKind;
  /** Width of the encoder's state (the history context). @default 64 */
  encoderUnits?: number;
  /** Static covariates per sequence, fed to every step. @default 0 */
  contextFeatures?: number;
  /**
   * The base of the per-step flow: `'normal'` (N(0, I)) or `'conditional-normal'` (a `ConditionalNormal` whose mean and
   * log-std a small network computes from the context: the flow then only has to model what a Gaussian AR step does
   * not). @default 'conditional-normal'
   */
  base?: 'normal' | 'conditional-normal';
  /** Truncated BPTT length in training. @default Infinity */
  truncation?: number;
  /** A fixed data standardization (`Standardize.fit` of all the steps' rows). @default none */
  dataStandardize?: Standardize;
  /** A fixed standardization of the static covariates. @default none */
  contextStandardize?: Standardize;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds every weight. @default new Rng(0) */
  rng?: Rng;
}

/**
 * A temporal MAF: an LSTM or GRU with `encoderUnits` units reads the history, and a `layers`-layer conditional MAF
 * (MADEs of `hiddenUnits`) over a conditional-normal or standard-normal base models each step given
 * `[h_{t−1}, static covariates]` (see `TemporalMaf`).
 *
 * @example
 * import { Rng, createTemporalMaf, sequences } from 'maflow';
 * const model = createTemporalMaf({ features: 1, layers: 2, hiddenUnits: [16], encoder: 'gru', encoderUnits: 8, rng: new Rng(0) });
 * const lp = model.logProb(sequences([[[0.1], [0.3], [0.2]], [[1.0], [0.9]]]));   // lengths 3 and 2
 * const paths = model.forecast(sequences([[[0.1], [0.3]]]), { steps: 4, samplesPerPrefix: 10, rng: new Rng(1) });
 * console.log(lp.length, paths.count, paths.steps); // → 2 10 4
 */
export function createTemporalMaf(options: CreateTemporalMafOptions): TemporalMaf {
  const { features } = options;
  const rng = options.rng ?? new Rng(0);
  const dtype = options.dtype ?? 'float32';
  const units = options.encoderUnits ?? 64;
  const contextFeatures = options.contextFeatures ?? 0;
  const kind = options.encoder ?? 'lstm';
  if (!ENCODER_KINDS.includes(kind)) throw new RangeError(`createTemporalMaf: encoder must be 'lstm' or 'gru', got '${String(kind)}'`);
  if (!Number.isInteger(contextFeatures) || contextFeatures < 0) {
    throw new RangeError(`createTemporalMaf: contextFeatures must be a non-negative integer, got ${contextFeatures}`);
  }
  const encoder = kind === 'lstm' ? new Lstm({ inputFeatures: features, units, dtype, rng }) : new Gru({ inputFeatures: features, units, dtype, rng });
  const maf = createMaf({
    features, layers: options.layers, hiddenUnits: options.hiddenUnits, activation: options.activation,
    contextFeatures: units + contextFeatures, dtype, rng,
  });
  const base = options.base ?? 'conditional-normal';
  if (base !== 'normal' && base !== 'conditional-normal') {
    throw new RangeError(`createTemporalMaf: base must be 'normal' or 'conditional-normal', got '${String(base)}'`);
  }
  const flow = base === 'normal' ? maf
    : new TransformedDistribution(new ConditionalNormal({ features, contextFeatures: units + contextFeatures, dtype, rng }), maf.bijector);
  return new TemporalMaf({
    encoder, flow, contextFeatures, truncation: options.truncation,
    ...(options.dataStandardize === undefined ? {} : { dataStandardize: options.dataStandardize }),
    ...(options.contextStandardize === undefined ? {} : { contextStandardize: options.contextStandardize }),
  });
}
