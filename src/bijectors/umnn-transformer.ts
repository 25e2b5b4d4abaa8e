import type { UmnnTransformerKernel } from '../kernels/kernels.ts';
import { MonotoneTransformer } from './monotone-transformer.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new UmnnTransformer(options)`. */
export interface UmnnTransformerOptions {
  /** Hidden tanh units K of the integrand network. @default 8 */
  hiddenUnits?: number;
  /** Clenshaw–Curtis intervals N (N + 1 nodes; even). @default 32 */
  intervals?: number;
}

/**
 * The unconstrained monotonic neural network transformer (Wehenkel & Louppe 2019, "Unconstrained Monotonic Neural
 * Networks", UMNN-MAF), data → base, per entry:
 *
 *   z = β + ∫₀ˣ f(t) dt,   f(t) = 10⁻³ + softplus(v₀ + c + Σ_k v_k tanh((1 + w_k) t + b_k + β_k)) > 0
 *
 * The integrand is a positive one-hidden-layer network of t whose weights come from the conditioner (the MADE),
 * so any monotone map can be learnt without constraining the network's weights. The integral is Clenshaw–Curtis
 * quadrature with N intervals on [0, x] (spectrally accurate for this smooth integrand), `log g' = log f(x)` exactly
 * (the paper's choice), and the backward pass differentiates the quadrature itself, so gradients are those of the
 * value computed. Beyond the data, tanh saturates and g extrapolates linearly. c makes all-zero raw parameters the
 * identity (f ≡ 1, since every v_k = 0); the fixed unit slopes 1 and offsets `β_k` spread over [−2, 2] make the units
 * distinct, and their output weights v_k trainable from the start (with every unit alike, they would move alike).
 * Parameters per feature: `3K + 2`: β, v₀, then (w_k, b_k, v_k) for each unit. Base → data (sampling) is
 * numerical (`MonotoneTransformer`). The arithmetic is the kernels' (`UmnnTransformerKernel`).
 *
 * @example
 * import { MaskedAutoregressiveFlow, Rng, UmnnTransformer, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0),
 *   transformer: new UmnnTransformer({ hiddenUnits: 4 }) });
 * const u = maf.inverse(matrix([[0.5, -1]]));
 * console.log(toArrays(maf.forward(u))); // ≈ [ [ 0.5, -1 ] ]
 */
export class UmnnTransformer extends MonotoneTransformer {
  declare readonly kernel: UmnnTransformerKernel;
  readonly hiddenUnits: number;
  readonly intervals: number;

  constructor(options: UmnnTransformerOptions = {}) {
    const K = options.hiddenUnits ?? 8;
    const N = options.intervals ?? 32;
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`UmnnTransformer: hiddenUnits must be a positive integer, got ${K}`);
    if (!Number.isInteger(N) || N < 2 || N % 2 !== 0) throw new RangeError(`UmnnTransformer: intervals must be an even integer >= 2, got ${N}`);
    super({ kind: 'umnn', hiddenUnits: K, intervals: N });
    this.hiddenUnits = K;
    this.intervals = N;
  }

  config(): TransformerConfig {
    return { type: 'umnn', hiddenUnits: this.hiddenUnits, intervals: this.intervals };
  }
}
