import { gatherRows, type Matrix } from '../../core/matrix.ts';
import {
  activeRows, finiteDifferenceJacobians, gatherActive, maxAbsRow, pick, residual, scatterRow, type LeafProblem, type LeafSolution,
} from './leaf-problem.ts';
import { lineSearch } from './line-search.ts';
import { invertMatrix } from './solve-linear.ts';

const MAX_RESTARTS = 2;

/**
 * Broyden's "good" method (Broyden 1965) on `F(x) = f(x) − y`, row by row, for bijectors whose Jacobian is not
 * available: it keeps an approximate inverse Jacobian `H ≈ J⁻¹` (starting from one forward-difference Jacobian,
 * D + 1 passes of f; the identity where that is singular) and after each step
 * `s = Δx`, `v = ΔF` applies the rank-one update `H ← H + (s − H v)(sᵀ H) / (sᵀ H v)` (Sherman–Morrison form of
 * `B ← B + (v − B s) sᵀ / sᵀ s`). Steps `Δ = −H F` go through a backtracking line search so that `‖F‖` never grows;
 * when no step along `−H F` reduces it, H restarts from a fresh finite-difference Jacobian (at most twice) before
 * the row is declared stalled.
 * Memory: D² numbers per row being solved.
 */
export function solveBroyden(p: LeafProblem): LeafSolution {
  const n = p.target.rows;
  const D = p.target.cols;
  const x = pick(p.initial, null);
  const F = residual(p, x, null);
  const iterations = new Int32Array(n);
  let active = activeRows(F, n, D, p.tolerance, null);
  // Per active row: H (D×D), restarts used and whether H must be (re)built; indexed by position in `active`.
  let H = new Float64Array(active.length * D * D);
  let restarts = new Uint8Array(active.length);
  let fresh = new Uint8Array(active.length).fill(1);
  for (let it = 0; it < p.maxIterations && active.length > 0; it++) {
    const m = active.length;
    const { xa, Fa, normSq } = gatherActive(x, F, active);
    resetFromFiniteDifferences(p, active, xa, Fa, H, fresh);
    const x0 = Float64Array.from(xa.data);
    const F0 = Fa.slice();
    const step = new Float64Array(m * D);
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < D; a++) {
        let s = 0;
        for (let b = 0; b < D; b++) s -= H[(i * D + a) * D + b] * Fa[i * D + b];
        step[i * D + a] = s;
      }
    }
    const { accepted } = lineSearch(p, active, xa, Fa, normSq, step);
    const next: number[] = [];
    const keep: number[] = [];
    active.forEach((r, i) => {
      iterations[r]++;
      scatterRow(x, F, xa, Fa, i, r);
      if (accepted[i]) {
        update(H, i, D, x0, xa.data, F0, Fa);
      } else if (restarts[i] < MAX_RESTARTS) {
        restarts[i]++;
        fresh[i] = 1;
      } else {
        return;
      }
      if (maxAbsRow(Fa, i, D) > p.tolerance) {
        next.push(r);
        keep.push(i);
      }
    });
    const H2 = new Float64Array(keep.length * D * D);
    keep.forEach((i, j) => H2.set(H.subarray(i * D * D, (i + 1) * D * D), j * D * D));
    H = H2;
    restarts = Uint8Array.from(keep, (i) => restarts[i]);
    fresh = Uint8Array.from(keep, (i) => fresh[i]);
    active = Int32Array.from(next);
  }
  return { x, iterations };
}

/** The good-Broyden inverse update of row i's H from the step `s = x1 − x0` and `v = F1 − F0`. */
function update(H: Float64Array, i: number, D: number, x0: ArrayLike<number>, x1: ArrayLike<number>, F0: Float64Array,
  F1: Float64Array): void {
  const o = i * D * D;
  const s = new Float64Array(D);
  const v = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    s[d] = x1[i * D + d] - x0[i * D + d];
    v[d] = F1[i * D + d] - F0[i * D + d];
  }
  const Hv = new Float64Array(D);
  const sH = new Float64Array(D);
  for (let a = 0; a < D; a++) {
    for (let b = 0; b < D; b++) {
      Hv[a] += H[o + a * D + b] * v[b];
      sH[b] += s[a] * H[o + a * D + b];
    }
  }
  let denominator = 0;
  for (let d = 0; d < D; d++) denominator += s[d] * Hv[d];
  if (!(Math.abs(denominator) > 1e-300) || !Number.isFinite(denominator)) return;
  for (let a = 0; a < D; a++) {
    const c = (s[a] - Hv[a]) / denominator;
    for (let b = 0; b < D; b++) H[o + a * D + b] += c * sH[b];
  }
}

/** Sets H = J⁻¹ from forward differences for the rows flagged in `fresh` (identity where J is singular). */
function resetFromFiniteDifferences(p: LeafProblem, active: Int32Array, xa: Matrix, Fa: Float64Array, H: Float64Array,
  fresh: Uint8Array): void {
  const D = xa.cols;
  const which = Int32Array.from(Array.from(fresh).flatMap((f, i) => (f ? [i] : [])));
  if (which.length === 0) return;
  const F0 = new Float64Array(which.length * D);
  which.forEach((i, j) => F0.set(Fa.subarray(i * D, (i + 1) * D), j * D));
  const J = finiteDifferenceJacobians(p, gatherRows(xa, which), Int32Array.from(which, (i) => active[i]), F0);
  which.forEach((i, j) => {
    if (!invertMatrix(J, j * D * D, D, H, i * D * D)) setIdentity(H, i, D);
    fresh[i] = 0;
  });
}

function setIdentity(H: Float64Array, i: number, D: number): void {
  const o = i * D * D;
  H.fill(0, o, o + D * D);
  for (let d = 0; d < D; d++) H[o + d * D + d] = 1;
}
