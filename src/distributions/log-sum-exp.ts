/**
 * `log Σ_{k ∈ [start, end)} exp(v_k)` over a slice of `v`, computed as `m + log Σ exp(v_k − m)` with `m = max v_k`
 * so that nothing overflows, and large negative terms do not all underflow to `log 0`. An empty slice, or one of
 * only −∞, gives −∞. Shapes: `v [≥ end]` → a number.
 *
 * @example
 * import { logSumExp } from './log-sum-exp.ts';
 * console.log(logSumExp([0, Math.log(3)], 0, 2), Math.log(4)); // → 1.3862943611198906 1.3862943611198906
 */
export function logSumExp(v: ArrayLike<number>, start: number, end: number): number {
  let max = -Infinity;
  for (let k = start; k < end; k++) if (v[k] > max) max = v[k];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let k = start; k < end; k++) s += Math.exp(v[k] - max);
  return max + Math.log(s);
}
