/**
 * Order statistics of timings. `quantile` uses the same rule as the PyTorch harness (`harness._quantile`: the
 * element at index `round(q · (n − 1))` of the sorted list), so p10/p90 mean the same thing on both sides.
 *
 * @example
 * median([3, 1, 2]);          // 2
 * median([4, 1, 2, 3]);       // 2.5
 * quantile([1, 2, 3, 4], 0.9) // 4
 */

/** The median of `values` (mean of the two middle elements for an even count). @throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: expected at least one value, got none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `q`-quantile (0 ≤ q ≤ 1) by nearest rank, as the PyTorch harness computes it. @throws on an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile: expected at least one value, got none');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: expected q in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[index];
}
