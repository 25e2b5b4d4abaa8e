/**
 * The bracketed method: one monotone 1-D root find per dimension (`monotone-root.ts`), in autoregressive order.
 * - For a `MaskedAutoregressiveFlow` it rides the staircase sequential pass: when the parameters θ_d (which depend on
 *   x_{<d} only) are ready, it solves `τ⁻¹(x_d; θ_d) = u_d` for x_d using only the transformer's data → base
 *   direction and its derivative (`exp` of the per-feature log-det). About one network evaluation plus cheap
 *   elementwise iterations, and it needs nothing from τ but monotonicity — the most robust inverse.
 * - Any other bijector: nonlinear Gauss–Seidel sweeps, each solving `f_d(x) = y_d` in x_d for d = 0…D−1 with the
 *   other coordinates held (one pass of f per 1-D step, secant slopes). Exact after one sweep when f is lower
 *   triangular, after two for a coupling layer.
 */
import { allocate, gatherRows, type Matrix } from '../../core/matrix.ts';
import type { MaskedAutoregressiveFlow } from '../masked-autoregressive-flow.ts';
import { maxAbsRow, pick, residual, type LeafProblem, type LeafSolution } from './leaf-problem.ts';
import { solveMonotone } from './monotone-root.ts';

/** Bisection on a MAF: solves `maf.inverse(x) = u` during one staircase pass. */
export function solveBisectionMaf(p: LeafProblem, maf: MaskedAutoregressiveFlow): LeafSolution {
  const n = p.target.rows;
  const D = maf.features;
  const x = pick(p.initial, null);
  const iterations = new Int32Array(n);
  const z = allocate(maf.dtype, n * D);
  const logDet = new Float64Array(n);
  const u = p.target.data;
  maf.made.sequential(n, x.data, p.context?.data ?? null, (d, params) => {
    const start = Float64Array.from({ length: n }, (_, i) => p.initial.data[i * D + d]);
    const { v } = solveMonotone(n, start, (values, which) => {
      which.forEach((i, k) => { x.data[i * D + d] = values[k]; });
      maf.transformer.inverse(n, D, d, d + 1, x.data, params, z, logDet, false);
      const g = new Float64Array(which.length);
      const dg = new Float64Array(which.length);
      which.forEach((i, k) => {
        g[k] = z[i * D + d] - u[i * D + d];
        dg[k] = Math.exp(logDet[i]);
      });
      return { g, dg };
    }, p.tolerance, p.maxIterations, iterations);
    for (let i = 0; i < n; i++) x.data[i * D + d] = v[i];
  });
  return { x, iterations };
}

/** Gauss–Seidel sweeps of 1-D bracketed solves, for bijectors without an autoregressive structure to exploit. */
export function solveBisectionGeneric(p: LeafProblem): LeafSolution {
  const n = p.target.rows;
  const D = p.target.cols;
  const x = pick(p.initial, null);
  const iterations = new Int32Array(n);
  let active = unconverged(p, x, null);
  for (let sweep = 0; sweep < p.maxIterations && active.length > 0; sweep++) {
    const rows = active;
    const xa = gatherRows(x, rows);
    for (let d = 0; d < D; d++) {
      const local = new Int32Array(rows.length);
      const { v } = solveMonotone(rows.length, Float64Array.from(rows, (_, i) => xa.data[i * D + d]), (values, which) => {
        const trial = gatherRows(xa, which);
        values.forEach((val, k) => { trial.data[k * D + d] = val; });
        const F = residual(p, trial, Int32Array.from(which, (i) => rows[i]));
        return { g: Float64Array.from(which, (_, k) => F[k * D + d]), dg: null };
      }, p.tolerance, p.maxIterations, local);
      for (let i = 0; i < rows.length; i++) {
        xa.data[i * D + d] = v[i];
        iterations[rows[i]] += local[i];
      }
    }
    rows.forEach((r, i) => x.data.set(xa.data.subarray(i * D, (i + 1) * D), r * D));
    active = unconverged(p, xa, rows);
  }
  return { x, iterations };
}

/** Problem rows (of `rows`, or all) whose residual is above the tolerance. */
function unconverged(p: LeafProblem, x: Matrix, rows: Int32Array | null): Int32Array {
  const F = residual(p, x, rows);
  const D = x.cols;
  const out: number[] = [];
  for (let i = 0; i < x.rows; i++) if (!(maxAbsRow(F, i, D) <= p.tolerance)) out.push(rows === null ? i : rows[i]);
  return Int32Array.from(out);
}
