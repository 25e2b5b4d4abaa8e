/**
 * Batched 1-D root finding for increasing (or, detected per problem, decreasing) functions `g_i(v) = 0`:
 * safeguarded Newton inside a bracket. Newton steps (with the analytic derivative when given, else the secant slope)
 * are taken while they stay strictly inside the bracket `[lo, hi]` known to contain the root and shrink |g| by half;
 * otherwise the step bisects. Until a bracket exists the search steps out with doubling widths. Converges when
 * `|g| ≤ tolerance`, or stops when the bracket is down to a few ulps (the best the precision allows).
 */

/** Evaluates `g` (and optionally `g'`) at `v[k]` for each problem index `which[k]`. */
export type MonotoneEvaluator = (v: Float64Array, which: Int32Array) => { g: Float64Array; dg: Float64Array | null };

/**
 * Solves m problems from the starting points `init [m]`; adds each problem's steps to `iterations[k]` and returns
 * the solutions together with the final `|g|` of each problem.
 */
export function solveMonotone(m: number, init: ArrayLike<number>, evaluate: MonotoneEvaluator, tolerance: number,
  maxIterations: number, iterations: Int32Array): { v: Float64Array; error: Float64Array } {
  const v = Float64Array.from(init);
  const error = new Float64Array(m).fill(Infinity);
  const lo = new Float64Array(m).fill(-Infinity);
  const hi = new Float64Array(m).fill(Infinity);
  const sign = new Float64Array(m);
  const width = new Float64Array(m).fill(1);
  const lastAbs = new Float64Array(m).fill(Infinity);
  const prevV = new Float64Array(m).fill(NaN);
  const prevG = new Float64Array(m).fill(NaN);
  let which = Int32Array.from({ length: m }, (_, k) => k);
  for (let it = 0; which.length > 0; it++) {
    const { g, dg } = evaluate(Float64Array.from(which, (k) => v[k]), which);
    const next: number[] = [];
    which.forEach((k, j) => {
      let gk = g[j];
      error[k] = Math.abs(gk);
      if (!(error[k] > tolerance) && !Number.isNaN(gk)) return;
      if (it >= maxIterations) return;
      // Orientation: from the derivative, or the first secant; an increasing function is assumed until known.
      if (sign[k] === 0) {
        const slope = dg !== null ? dg[j] : Number.isNaN(prevV[k]) ? NaN : (gk - prevG[k]) / (v[k] - prevV[k]);
        if (Number.isFinite(slope) && slope !== 0) sign[k] = Math.sign(slope);
      }
      const s = sign[k] === 0 ? 1 : sign[k];
      gk *= s;
      if (Number.isNaN(gk)) {
        // Outside the function's domain: retreat towards the bracket (or halve the step).
        v[k] = Number.isFinite(lo[k]) && Number.isFinite(hi[k]) ? 0.5 * (lo[k] + hi[k]) : 0.5 * (v[k] + (Number.isFinite(lo[k]) ? lo[k] : hi[k]));
      } else {
        if (gk < 0) lo[k] = v[k];
        else hi[k] = v[k];
        const slope = s * (dg !== null ? dg[j] : (g[j] - prevG[k]) / (v[k] - prevV[k]));
        let c = slope > 0 && Number.isFinite(slope) ? v[k] - gk / slope : NaN;
        const bracketed = Number.isFinite(lo[k]) && Number.isFinite(hi[k]);
        if (bracketed) {
          if (hi[k] - lo[k] <= 4 * Number.EPSILON * Math.max(1, Math.abs(v[k]))) return;
          if (!(c > lo[k] && c < hi[k]) || Math.abs(gk) > 0.5 * lastAbs[k]) c = 0.5 * (lo[k] + hi[k]);
        } else if (!Number.isFinite(c) || (gk < 0 ? c <= v[k] : c >= v[k])) {
          c = v[k] + (gk < 0 ? width[k] : -width[k]);
          width[k] *= 2;
        }
        lastAbs[k] = Math.abs(gk);
        prevV[k] = v[k];
        prevG[k] = g[j];
        v[k] = c;
      }
      iterations[k]++;
      next.push(k);
    });
    which = Int32Array.from(next);
  }
  return { v, error };
}
