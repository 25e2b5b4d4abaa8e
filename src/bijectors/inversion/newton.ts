import {
  activeRows, gatherActive, jacobians, maxAbsRow, pick, residual, scatterRow, type LeafProblem, type LeafSolution,
} from './leaf-problem.ts';
import { lineSearch } from './line-search.ts';
import { solveLinear } from './solve-linear.ts';

/**
 * Newton's method on `F(x) = f(x) − y`, row by row: `J(x)·Δ = −F(x)` with the exact Jacobian (from the bijector's
 * backward pass; lower triangular for an autoregressive layer, solved by forward substitution), then a backtracking
 * line search so that `‖F‖` never grows. Quadratic convergence near the root: an affine MAF layer, whose F is
 * affine in each x_d given x_{<d}, converges in a few steps instead of the D a fixed-point sweep needs.
 * With `diagonalOnly` the step uses only `diag J` (the nonlinear Jacobi iteration), which is the generic form of the
 * fixed-point method.
 */
export function solveNewton(p: LeafProblem, diagonalOnly = false): LeafSolution {
  const n = p.target.rows;
  const D = p.target.cols;
  const x = pick(p.initial, null);
  const F = residual(p, x, null);
  const iterations = new Int32Array(n);
  let active = activeRows(F, n, D, p.tolerance, null);
  for (let it = 0; it < p.maxIterations && active.length > 0; it++) {
    const m = active.length;
    const { xa, Fa, normSq } = gatherActive(x, F, active);
    const J = jacobians(p, xa, active);
    const step = new Float64Array(m * D);
    const solvable = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      const rhs = step.subarray(i * D, (i + 1) * D);
      for (let d = 0; d < D; d++) rhs[d] = -Fa[i * D + d];
      if (diagonalOnly) {
        let ok = true;
        for (let d = 0; d < D; d++) {
          const g = J[(i * D + d) * D + d];
          ok &&= g !== 0 && Number.isFinite(g);
          rhs[d] /= g;
        }
        solvable[i] = ok ? 1 : 0;
      } else {
        solvable[i] = solveLinear(J, i * D * D, D, rhs) ? 1 : 0;
      }
      if (!solvable[i]) rhs.fill(0);
    }
    const { accepted } = lineSearch(p, active, xa, Fa, normSq, step);
    const next: number[] = [];
    active.forEach((r, i) => {
      iterations[r]++;
      scatterRow(x, F, xa, Fa, i, r);
      // A row whose step could not reduce ‖F‖ has stalled: more iterations would repeat the same step.
      if (accepted[i] && solvable[i] && maxAbsRow(Fa, i, D) > p.tolerance) next.push(r);
    });
    active = Int32Array.from(next);
  }
  return { x, iterations };
}
