/**
 * The Gaussian MADE of Germain et al. (2015) as a flow: one MADE-conditioned affine layer over a standard normal,
 * `x_d = u_d · exp(s_d(x_{<d})) + m_d(x_{<d})`, i.e. a single-layer MAF (Papamakarios et al. 2017, §3.1 — "MADE" in
 * their experiments). `logProb` is one parallel MADE pass, `sample` the staircase sequential pass.
 *
 * @example
 * const made = createMade({ features: 2, hiddenUnits: [32, 32], rng: new Rng(0) });
 * made.logProb(matrix([[0.5, -1.2]]));     // Float64Array [1]
 * made.sample(100, { rng: new Rng(1) });   // [100, 2]
 */
import type { Dtype } from '../core/matrix.ts';
import { Rng } from '../core/rng.ts';
import { MaskedAutoregressiveFlow } from '../bijectors/masked-autoregressive-flow.ts';
import { StandardNormal } from '../distributions/standard-normal.ts';
import { TransformedDistribution } from '../distributions/transformed-distribution.ts';
import type { DegreeMode } from '../nn/degrees.ts';
import type { Activation } from '../kernels/kernels.ts';

export interface CreateMadeOptions {
  /** D, the data dimension. */
  features: number;
  /** Hidden layer widths. @default [64, 64] */
  hiddenUnits?: readonly number[];
  /** Width of the conditioning input (0 = unconditional). @default 0 */
  contextFeatures?: number;
  /** @default 'relu' */
  activation?: Activation;
  /** Residual connections between hidden layers (equal widths). @default false */
  residual?: boolean;
  /** Hidden degree assignment. @default 'sequential' */
  degrees?: DegreeMode;
  /** Soft clip bound of the log-scales. @default 5 */
  logScaleBound?: number;
  /** @default 'float32' */
  dtype?: Dtype;
  /** Seeds the weights and degrees. @default new Rng(0) */
  rng?: Rng;
}

export function createMade(options: CreateMadeOptions): TransformedDistribution {
  const dtype = options.dtype ?? 'float32';
  const maf = new MaskedAutoregressiveFlow({
    features: options.features,
    hiddenUnits: options.hiddenUnits ?? [64, 64],
    contextFeatures: options.contextFeatures,
    activation: options.activation,
    residual: options.residual,
    degrees: options.degrees,
    logScaleBound: options.logScaleBound,
    dtype,
    rng: options.rng ?? new Rng(0),
  });
  return new TransformedDistribution(new StandardNormal(options.features, dtype), maf);
}
