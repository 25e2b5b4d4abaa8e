import type { Rng } from '../core/rng.ts';

/**
 * Draws a mixture component: an index `k ∈ [0, end − start)` with probability `softmax(logits[start:end])_k`,
 * by inverse-CDF on one `rng.uniform()` (the largest logit is subtracted first, so that large logits do not
 * overflow). Shapes: `logits [≥ end]` → an index.
 *
 * @example
 * import { Rng } from 'maflow';
 * import { pickComponent } from './pick-component.ts';
 * const rng = new Rng(0);
 * const counts = [0, 0, 0];
 * for (let i = 0; i < 10000; i++) counts[pickComponent([0, 0, Math.log(2)], 0, 3, rng)]++;
 * console.log(counts); // ≈ [ 2500, 2500, 5000 ]: 2 with probability 1/2, 0 or 1 with 1/4 each
 */
export function pickComponent(logits: ArrayLike<number>, start: number, end: number, rng: Rng): number {
  let max = -Infinity;
  for (let k = start; k < end; k++) if (logits[k] > max) max = logits[k];
  let total = 0;
  for (let k = start; k < end; k++) total += Math.exp(logits[k] - max);
  let u = rng.uniform() * total;
  for (let k = start; k < end; k++) {
    u -= Math.exp(logits[k] - max);
    if (u < 0) return k - start;
  }
  return end - start - 1;
}
