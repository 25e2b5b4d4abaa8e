import { allocate, gatherRows } from '../../core/matrix.ts';
import type { MaskedAutoregressiveFlow } from '../masked-autoregressive-flow.ts';
import { pick, type LeafProblem, type LeafSolution } from './leaf-problem.ts';

/**
 * The fixed-point method. For a `MaskedAutoregressiveFlow` (solving `maf.inverse(x) = u`, i.e. computing
 * `maf.forward(u)` without the sequential pass) it iterates
 *
 *   x_{k+1} = τ(u; θ(x_k)),   θ = MADE(x_k)  (one parallel pass per iteration)
 *
 * Since θ_d depends on x_{<d} only, after iteration k the first k coordinates are exact: the iteration reaches the
 * solution after at most D updates (one more pass confirms it), for any transformer with an analytic forward.
 * Rows stop as soon as their residual `max|τ⁻¹(x; θ(x)) − u|` is within tolerance, or when x stops changing.
 * Any other bijector uses the generic form of this iteration, the nonlinear Jacobi step `x ← x − F(x) / diag J(x)`
 * (see `newton.ts`), which is exact for the kept half of a coupling layer after one step and for its transformed
 * half (affine) after the next.
 */
export function solveFixedPointMaf(p: LeafProblem, maf: MaskedAutoregressiveFlow): LeafSolution {
  const n = p.target.rows;
  const D = maf.features;
  const x = pick(p.initial, null);
  const iterations = new Int32Array(n);
  let active = Int32Array.from({ length: n }, (_, i) => i);
  for (let it = 0; active.length > 0; it++) {
    const m = active.length;
    const all = m === n;
    const xa = all ? x : gatherRows(x, active);
    const ua = all ? p.target : gatherRows(p.target, active);
    const ca = p.context === null ? null : all ? p.context : gatherRows(p.context, active);
    const params = maf.made.forward(m, xa.data, ca?.data ?? null);
    const z = allocate(maf.dtype, m * D);
    const next = allocate(maf.dtype, m * D);
    const logDet = new Float64Array(m);
    maf.transformer.inverse(m, D, 0, D, xa.data, params, z, logDet, false);
    maf.transformer.forward(m, D, 0, D, ua.data, params, next, logDet, false);
    const still: number[] = [];
    for (let i = 0; i < m; i++) {
      const r = active[i];
      let err = 0;
      let moved = false;
      for (let d = 0; d < D; d++) {
        const k = i * D + d;
        err = Math.max(err, Math.abs(z[k] - ua.data[k]));
        moved ||= next[k] !== xa.data[k];
      }
      if (Number.isNaN(z[i * D])) err = NaN;
      if (err <= p.tolerance || !moved || it >= p.maxIterations) continue;
      x.data.set(next.subarray(i * D, (i + 1) * D), r * D);
      iterations[r]++;
      still.push(r);
    }
    active = Int32Array.from(still);
  }
  return { x, iterations };
}

