/**
 * Multiply-add counts of MADE networks, for effective GFLOP/s figures. Only the *unmasked* weights count: with
 * sorted degrees a masked layer's output unit j reads a prefix `[0, prefix[j])` of its inputs plus every context
 * column, so one row costs `Σ_j (prefix[j] + contextFeatures)` multiply-adds in that layer. A dense masked matmul
 * (the PyTorch peer) performs `outDim · (inDim + contextFeatures)` of them, about twice as many, of which only
 * the counted ones contribute.
 *
 * A training step does three products per layer (forward `Y = X·Wᵀ`, `dX = dY·W`, `dW = dYᵀ·X`), each with the same
 * unmasked count, hence `TRAIN_PRODUCTS = 3`. One multiply-add is 2 FLOPs.
 *
 * @example
 * const flow = createMaf({ features: 6, hiddenUnits: [100, 100], rng: new Rng(0) });
 * const perRow = countMultiplyAdds(maskedLayersOf(flow));   // per data row, all 5 MADEs
 * const gflops = (2 * TRAIN_PRODUCTS * perRow * 100) / (stepMs * 1e6);
 */
import { Chain } from '../../src/bijectors/chain.ts';
import type { Bijector } from '../../src/bijectors/bijector.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';

/** Products per layer in a training step: forward, gradient of the input, gradient of the weights. */
export const TRAIN_PRODUCTS = 3;

/** The shape of a staircase-masked layer (`MaskedLinear` satisfies it). */
export interface MaskedLayerShape {
  readonly inDim: number;
  readonly outDim: number;
  /** Non-decreasing prefix lengths `[outDim]`; `null` = dense. */
  readonly prefix: Int32Array | null;
  readonly contextFeatures: number;
}

/** Unmasked multiply-adds per row of one layer: `Σ_j (prefix[j] + contextFeatures)`. */
export function layerMultiplyAdds(layer: MaskedLayerShape): number {
  let total = layer.outDim * layer.contextFeatures;
  if (layer.prefix === null) return total + layer.outDim * layer.inDim;
  if (layer.prefix.length !== layer.outDim) {
    throw new RangeError(`layerMultiplyAdds: expected prefix [${layer.outDim}], got [${layer.prefix.length}]`);
  }
  for (let j = 0; j < layer.outDim; j++) total += layer.prefix[j];
  return total;
}

/** Unmasked multiply-adds per row summed over `layers`. */
export function countMultiplyAdds(layers: readonly MaskedLayerShape[]): number {
  return layers.reduce((sum, layer) => sum + layerMultiplyAdds(layer), 0);
}

/** Multiply-adds per row of the same layers computed densely (mask applied by multiplication, as the peer does). */
export function countDenseMultiplyAdds(layers: readonly MaskedLayerShape[]): number {
  return layers.reduce((sum, layer) => sum + layer.outDim * (layer.inDim + layer.contextFeatures), 0);
}

/**
 * Every MADE layer (hidden and output) of a flow, in data → base order: walks a `TransformedDistribution`'s
 * bijector through `Chain`s to each `MaskedAutoregressiveFlow`. Other bijectors (permutations) cost no products.
 */
export function maskedLayersOf(flow: Distribution | Bijector): MaskedLayerShape[] {
  if (flow instanceof TransformedDistribution) return maskedLayersOf(flow.bijector);
  if (flow instanceof Chain) return flow.bijectors.flatMap((b) => maskedLayersOf(b));
  if (flow instanceof MaskedAutoregressiveFlow) return [...flow.made.hidden, flow.made.output];
  return [];
}

/** GFLOP/s of `rows` rows through layers of `multiplyAddsPerRow`, repeated `products` times, in `seconds`. */
export function effectiveGflops(multiplyAddsPerRow: number, rows: number, products: number, seconds: number): number {
  return (2 * multiplyAddsPerRow * rows * products) / seconds / 1e9;
}
