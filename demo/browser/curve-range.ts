/**
 * The y-range of the log-likelihood curve: the finite values (and the reference line, if any), padded by 6% so that
 * no line touches the frame. Values far below the rest are cut off at `hi − 8·(hi − q₂₀)` (q₂₀: the 20% quantile),
 * so that one terrible first epoch does not squash the whole learning curve into a flat line.
 *
 * @example
 * curveRange([-3, -2, -1.5, -1.4], -1.3);    // ≈ [-3.10, -1.20]
 * curveRange([-500, -2, -1.9, -1.8, -1.7]);  // ≈ [-4.24, -1.56]: −500 is off the chart
 */
export function curveRange(values: readonly number[], reference = NaN): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (Number.isFinite(reference)) finite.push(reference);
  if (finite.length === 0) return [-1, 0];
  finite.sort((a, b) => a - b);
  const hi = finite[finite.length - 1];
  const q20 = finite[Math.floor(0.2 * finite.length)];
  const lo = Math.max(finite[0], hi - 8 * Math.max(hi - q20, 0.05));
  const span = Math.max(hi - lo, 1e-3);
  return [lo - 0.06 * span, hi + 0.06 * span];
}
