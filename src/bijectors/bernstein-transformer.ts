import type { BernsteinTransformerKernel } from '../kernels/kernels.ts';
import { MonotoneTransformer } from './monotone-transformer.ts';
import type { TransformerConfig } from './transformer.ts';

/** Options of `new BernsteinTransformer(options)`. */
export interface BernsteinTransformerOptions {
  /** Polynomial degree M (M + 1 coefficients). @default 8 */
  degree?: number;
  /** The polynomial acts on `[−B, B]`; linear outside. @default 3 */
  bound?: number;
}

/**
 * The Bernstein polynomial transformer (Ramasinghe et al. 2021; Sick, Hothorn & Dürr 2021; zuko's BPF), data → base,
 * per entry: on `[−B, B]`, with `t = (x + B) / 2B`,
 *
 *   z = Σ_{k=0}^{M} θ_k C(M, k) t^k (1 − t)^{M−k},   θ_0 = −B + θ̂_0,   θ_k = θ_{k−1} + 10⁻³·2B/M + softplus(θ̂_k + c)
 *
 * increasing because its coefficients are (`∂z/∂t = M Σ_k (θ_{k+1} − θ_k) b_{k,M−1}(t) > 0`); outside `[−B, B]` it
 * extrapolates linearly with the end slopes (`M(θ_1 − θ_0)/2B` and `M(θ_M − θ_{M−1})/2B`), so it maps ℝ onto ℝ with a
 * continuous derivative. c makes all-zero raw parameters the identity. Parameters per feature: `M + 1`.
 * Base → data (sampling) is numerical (`MonotoneTransformer`). The arithmetic is the kernels' (`BernsteinTransformerKernel`).
 *
 * @example
 * import { BernsteinTransformer, MaskedAutoregressiveFlow, Rng, matrix, toArrays } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 2, hiddenUnits: [8], rng: new Rng(0),
 *   transformer: new BernsteinTransformer({ degree: 6 }) });
 * const u = maf.inverse(matrix([[0.5, -4]]));   // -4 is in the linear tail
 * console.log(toArrays(maf.forward(u))); // ≈ [ [ 0.5, -4 ] ]
 */
export class BernsteinTransformer extends MonotoneTransformer {
  declare readonly kernel: BernsteinTransformerKernel;
  readonly degree: number;
  readonly bound: number;

  constructor(options: BernsteinTransformerOptions = {}) {
    const M = options.degree ?? 8;
    const B = options.bound ?? 3;
    if (!Number.isInteger(M) || M < 1) throw new RangeError(`BernsteinTransformer: degree must be a positive integer, got ${M}`);
    if (!(B > 0 && Number.isFinite(B))) throw new RangeError(`BernsteinTransformer: bound must be a positive finite number, got ${B}`);
    super({ kind: 'bernstein', degree: M, bound: B });
    this.degree = M;
    this.bound = B;
  }

  config(): TransformerConfig {
    return { type: 'bernstein', degree: this.degree, bound: this.bound };
  }
}
