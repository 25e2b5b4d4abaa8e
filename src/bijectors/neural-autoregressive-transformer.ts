import type { NafTransformerKernel } from '../kernels/kernels.ts';
import { MonotoneTransformer } from './monotone-transformer.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new NeuralAutoregressiveTransformer(options)`. */
export interface NeuralAutoregressiveTransformerOptions {
  /** Sigmoid units K per block. @default 8 */
  hiddenUnits?: number;
  /** Stacked sigmoidal blocks L (each `3K` parameters). @default 1 */
  blocks?: number;
}

/**
 * The deep sigmoidal transformer of neural autoregressive flows (Huang, Krueger, Lacoste & Courville 2018, "Neural
 * Autoregressive Flows", §3.1, DSF), data → base, per entry and per block:
 *
 *   z = σ⁻¹( Σ_k w_k σ(a_k x + b_k + β_k) ),   a_k = 10⁻³ + softplus(â_k + c) > 0,   w = softmax(ŵ)
 *
 * a strictly increasing map of ℝ onto ℝ (a convex mixture of sigmoids, then the logit); `blocks` of them are composed
 * (a deep sigmoidal flow with one unit of width between blocks). Everything is evaluated in log space
 * (`log Σ w σ(h)` and `log Σ w σ(−h)` by log-sum-exp, `log g' = log Σ w a σ(h)σ(−h) − log S − log(1 − S)`), so values and
 * log-derivatives stay finite far in the tails, where S rounds to 0 or 1. The constant c makes all-zero raw
 * parameters give slopes 1, and the fixed offsets `β_k`, spread evenly over [−2, 2], give the units distinct positions
 * from the start (identical units would get identical gradients), so a fresh layer is a smooth monotone map close to
 * the identity (exactly the identity for K = 1). Parameters per feature: `3K·blocks`, per block `â` (K), `b` (K),
 * `ŵ` (K). Base → data (sampling) is numerical (`MonotoneTransformer`). The arithmetic is the kernels' (`NafTransformerKernel`).
 *
 * @example
 * import { MaskedAutoregressiveFlow, NeuralAutoregressiveTransformer, Rng, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0),
 *   transformer: new NeuralAutoregressiveTransformer({ hiddenUnits: 4 }) });
 * const u = maf.inverse(matrix([[0.5, -1]]));
 * console.log(toArrays(maf.forward(u))); // ≈ [ [ 0.5, -1 ] ]
 */
export class NeuralAutoregressiveTransformer extends MonotoneTransformer {
  declare readonly kernel: NafTransformerKernel;
  readonly hiddenUnits: number;
  readonly blocks: number;

  constructor(options: NeuralAutoregressiveTransformerOptions = {}) {
    const K = options.hiddenUnits ?? 8;
    const L = options.blocks ?? 1;
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`NeuralAutoregressiveTransformer: hiddenUnits must be a positive integer, got ${K}`);
    if (!Number.isInteger(L) || L < 1) throw new RangeError(`NeuralAutoregressiveTransformer: blocks must be a positive integer, got ${L}`);
    super({ kind: 'naf', hiddenUnits: K, blocks: L });
    this.hiddenUnits = K;
    this.blocks = L;
  }

  config(): TransformerConfig {
    return { type: 'naf', hiddenUnits: this.hiddenUnits, blocks: this.blocks };
  }
}
