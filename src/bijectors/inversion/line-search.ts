/**
 * Backtracking line search shared by Newton and Broyden: for each row, the first step `x + α·Δ`,
 * `α = 1, ½, ¼, …` (at most `maxHalvings` halvings), whose residual norm satisfies
 * `‖F(x + αΔ)‖ ≤ (1 − 10⁻⁴ α)‖F(x)‖`, so that the residual norm never grows. Rows where no step qualifies keep
 * their point and are reported as stalled.
 */
import { zeros, type Matrix } from '../../core/matrix.ts';
import { normSquaredRow, residual, type LeafProblem } from './leaf-problem.ts';

/** What `lineSearch` did for each active row. */
export interface LineSearchResult {
  /** Per active row: 1 when a step was taken. */
  accepted: Uint8Array;
  /** Trial evaluations spent (passes of f). */
  evaluations: number;
}

/**
 * Updates `x [m, D]` and `F [m, D]` (rows `rows` of the problem) in place along `step [m, D]`, given the current
 * squared norms `normSq [m]` (also updated).
 */
export function lineSearch(p: LeafProblem, rows: Int32Array, x: Matrix, F: Float64Array, normSq: Float64Array,
  step: Float64Array, maxHalvings = 30): LineSearchResult {
  const m = rows.length;
  const D = x.cols;
  const accepted = new Uint8Array(m);
  let pending = Int32Array.from({ length: m }, (_, i) => i);
  let alpha = 1;
  let evaluations = 0;
  for (let h = 0; h <= maxHalvings && pending.length > 0; h++, alpha /= 2) {
    const trial = zeros(pending.length, D, x.data instanceof Float64Array ? 'float64' : 'float32');
    const trialRows = new Int32Array(pending.length);
    pending.forEach((i, t) => {
      trialRows[t] = rows[i];
      for (let d = 0; d < D; d++) trial.data[t * D + d] = x.data[i * D + d] + alpha * step[i * D + d];
    });
    const Ft = residual(p, trial, trialRows);
    evaluations++;
    const still: number[] = [];
    pending.forEach((i, t) => {
      const n2 = normSquaredRow(Ft, t, D);
      const bound = (1 - 1e-4 * alpha) ** 2 * normSq[i];
      if (n2 <= bound && Number.isFinite(n2)) {
        accepted[i] = 1;
        normSq[i] = n2;
        for (let d = 0; d < D; d++) {
          x.data[i * D + d] = trial.data[t * D + d];
          F[i * D + d] = Ft[t * D + d];
        }
      } else {
        still.push(i);
      }
    });
    pending = Int32Array.from(still);
  }
  return { accepted, evaluations };
}
