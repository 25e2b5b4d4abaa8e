/**
 * The y-range of the log-likelihood curve: the finite values (and the reference line, if any), padded by 6% so that
 * no line touches the frame; early epochs far below the rest are cut off at `hi − 6·(hi − median)` so that one bad
 * first epoch does not squash the interesting part of the curve.
 *
 * @example
 * curveRange([-3, -2, -1.5, -1.4], -1.3); // ≈ [-3.1, -1.2]
 */
export function curveRange(values: readonly number[], reference = NaN): [number, number] {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (Number.isFinite(reference)) finite.push(reference);
  if (finite.length === 0) return [-1, 0];
  finite.sort((a, b) => a - b);
  const hi = finite[finite.length - 1];
  const median = finite[Math.floor(finite.length / 2)];
  const lo = Math.max(finite[0], hi - 6 * Math.max(hi - median, 0.05));
  const span = Math.max(hi - lo, 1e-3);
  return [lo - 0.06 * span, hi + 0.06 * span];
}
