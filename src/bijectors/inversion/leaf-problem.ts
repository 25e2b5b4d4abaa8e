/**
 * One root-finding problem `f(x) = y`, where f is a *parallel* direction of one bijector (`inverse` for a MAF), plus
 * the pieces every method shares: evaluating f on a subset of rows, per-row residual norms, and per-row Jacobians
 * `J_r = ∂f(x_r)/∂x_r` (`[m, D, D]`, row-major) from vector–Jacobian products of the bijector's own backward pass.
 */
import { gatherRows, rowSlice, zeros, type Matrix } from '../../core/matrix.ts';
import { parametersOf } from '../../nn/parameter.ts';
import type { Bijector } from '../bijector.ts';

/** One root-finding problem `f(x) = y` for one bijector, solved row by row by a method. */
export interface LeafProblem {
  bijector: Bijector;
  /** The parallel direction solved: `f = bijector.inverse` or `bijector.forward`. */
  map: 'inverse' | 'forward';
  /** `y [n, D]`, in the bijector's dtype. */
  target: Matrix;
  context: Matrix | null;
  /** Starting point `x₀ [n, D]` (a fresh copy the solver may overwrite). */
  initial: Matrix;
  /** Per-row convergence: `max_d |f(x)_d − y_d| ≤ tolerance`. */
  tolerance: number;
  maxIterations: number;
}

/** What a method returns for one leaf: the solution and the iterations each row used. */
export interface LeafSolution {
  x: Matrix;
  iterations: Int32Array;
}

/** `f(x)` for the rows `rows` of the problem (x already restricted to those rows). */
export function evaluate(p: LeafProblem, x: Matrix, rows: Int32Array | null): Matrix {
  const context = p.context === null ? undefined : rows === null ? p.context : gatherRows(p.context, rows);
  // Iterates may leave the domain mid-solve; the solver reports unconverged rows, so no value check per evaluation.
  const options = context === undefined ? { validateArgs: false } : { context, validateArgs: false };
  return p.map === 'inverse' ? p.bijector.inverse(x, options) : p.bijector.forward(x, options);
}

/** `F = f(x) − y` for the given rows, in float64. */
export function residual(p: LeafProblem, x: Matrix, rows: Int32Array | null): Float64Array {
  const fx = evaluate(p, x, rows);
  const D = x.cols;
  const F = new Float64Array(fx.data.length);
  for (let i = 0; i < x.rows; i++) {
    const r = rows === null ? i : rows[i];
    for (let d = 0; d < D; d++) F[i * D + d] = fx.data[i * D + d] - p.target.data[r * D + d];
  }
  return F;
}

/** `max_d |F[i, d]|` for row i of a `[m, D]` residual. */
export function maxAbsRow(F: ArrayLike<number>, i: number, D: number): number {
  let m = 0;
  for (let d = 0; d < D; d++) m = Math.max(m, Math.abs(F[i * D + d]));
  return Number.isNaN(F[i * D]) ? NaN : m;
}

/** `‖F[i, :]‖²`. */
export function normSquaredRow(F: ArrayLike<number>, i: number, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) s += F[i * D + d] * F[i * D + d];
  return s;
}

/**
 * Per-row Jacobians of f at `x [m, D]` (rows `rows` of the problem): `J[i, a, b] = ∂f_a/∂x_b`. One differentiable
 * pass over D stacked copies of the batch, whose backward with `dOutput = e_a` in copy a yields row a of every J
 * (D vector–Jacobian products for the cost of one pass of D·m rows). The parameters' gradients are restored after.
 */
export function jacobians(p: LeafProblem, x: Matrix, rows: Int32Array | null): Float64Array {
  return inChunks(x, rows, (xc, rc) => jacobianChunk(p, xc, rc));
}

/** Stacked rows per pass of the Jacobian helpers (bounds their memory: D copies of a chunk of rows). */
const STACKED_ROWS = 8192;

/** Runs `fn` over chunks of rows small enough that D stacked copies stay under `STACKED_ROWS`; concatenates. */
function inChunks(x: Matrix, rows: Int32Array | null, fn: (x: Matrix, rows: Int32Array) => Float64Array): Float64Array {
  const m = x.rows;
  const D = x.cols;
  const all = rows ?? Int32Array.from({ length: m }, (_, i) => i);
  const chunk = Math.max(1, Math.floor(STACKED_ROWS / D));
  const J = new Float64Array(m * D * D);
  for (let start = 0; start < m; start += chunk) {
    const end = Math.min(m, start + chunk);
    J.set(fn(rowSlice(x, start, end), all.subarray(start, end)), start * D * D);
  }
  return J;
}

function jacobianChunk(p: LeafProblem, x: Matrix, rows: Int32Array): Float64Array {
  const m = x.rows;
  const D = x.cols;
  const stacked = zeros(m * D, D, p.bijector.dtype);
  for (let a = 0; a < D; a++) stacked.data.set(x.data, a * m * D);
  let context: Matrix | undefined;
  if (p.context !== null) {
    const base = gatherRows(p.context, rows);
    context = zeros(m * D, base.cols, p.bijector.dtype);
    for (let a = 0; a < D; a++) context.data.set(base.data, a * m * base.cols);
  }
  const params = parametersOf(p.bijector);
  const saved = params.map((q) => q.grad.slice());
  const options = context === undefined ? {} : { context };
  const pass = p.map === 'inverse' ? p.bijector.inverseTrain(stacked, options) : p.bijector.forwardTrain(stacked, options);
  const dOutput = zeros(m * D, D, p.bijector.dtype);
  for (let a = 0; a < D; a++) for (let i = 0; i < m; i++) dOutput.data[(a * m + i) * D + a] = 1;
  const { dInput } = pass.backward(dOutput, null);
  params.forEach((q, k) => q.grad.set(saved[k]));
  const J = new Float64Array(m * D * D);
  for (let a = 0; a < D; a++) {
    for (let i = 0; i < m; i++) {
      for (let b = 0; b < D; b++) J[(i * D + a) * D + b] = dInput.data[(a * m + i) * D + b];
    }
  }
  return J;
}

/**
 * Forward-difference Jacobians of f at `x [m, D]` (rows `rows` of the problem), for methods that must not assume a
 * backward pass: column b from `f(x + h e_b)` with `h = √ε · max(1, |x_b|)`, all D shifted copies in one pass.
 */
export function finiteDifferenceJacobians(p: LeafProblem, x: Matrix, rows: Int32Array | null, F0: Float64Array): Float64Array {
  const D = x.cols;
  let offset = 0;
  return inChunks(x, rows, (xc, rc) => {
    const J = finiteDifferenceChunk(p, xc, rc, F0.subarray(offset * D, (offset + xc.rows) * D));
    offset += xc.rows;
    return J;
  });
}

function finiteDifferenceChunk(p: LeafProblem, x: Matrix, rows: Int32Array, F0: Float64Array): Float64Array {
  const m = x.rows;
  const D = x.cols;
  const eps = p.bijector.dtype === 'float64' ? 2.2e-16 : 1.2e-7;
  const stacked = zeros(m * D, D, p.bijector.dtype);
  const steps = new Float64Array(m * D);
  for (let b = 0; b < D; b++) {
    stacked.data.set(x.data, b * m * D);
    for (let i = 0; i < m; i++) {
      const k = (b * m + i) * D + b;
      const h = Math.sqrt(eps) * Math.max(1, Math.abs(x.data[i * D + b]));
      stacked.data[k] += h;
      steps[i * D + b] = stacked.data[k] - x.data[i * D + b];
    }
  }
  const Fs = residual(p, stacked, Int32Array.from({ length: m * D }, (_, k) => rows[k % m]));
  const J = new Float64Array(m * D * D);
  for (let b = 0; b < D; b++) {
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < D; a++) J[(i * D + a) * D + b] = (Fs[(b * m + i) * D + a] - F0[i * D + a]) / steps[i * D + b];
    }
  }
  return J;
}

/** Rows of `m` (a copy); `rows = null` copies all. */
export function pick(m: Matrix, rows: Int32Array | null): Matrix {
  return rows === null ? { rows: m.rows, cols: m.cols, data: m.data.slice() } : gatherRows(m, rows);
}

/** Rows (of `rows`, or all) whose residual is above the tolerance (NaN counts as above). */
export function activeRows(F: Float64Array, n: number, D: number, tolerance: number, rows: Int32Array | null): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = maxAbsRow(F, i, D);
    if (!(e <= tolerance)) out.push(rows === null ? i : rows[i]);
  }
  return Int32Array.from(out);
}

/** The active rows' current values `xa [m, D]`, residuals `Fa [m, D]` and `‖Fa[i, :]‖² [m]` (copies). */
export function gatherActive(x: Matrix, F: Float64Array, active: Int32Array): { xa: Matrix; Fa: Float64Array; normSq: Float64Array } {
  const D = x.cols;
  const xa = gatherRows(x, active);
  const Fa = new Float64Array(active.length * D);
  const normSq = new Float64Array(active.length);
  active.forEach((r, i) => {
    Fa.set(F.subarray(r * D, (r + 1) * D), i * D);
    normSq[i] = normSquaredRow(Fa, i, D);
  });
  return { xa, Fa, normSq };
}

/** Writes row i of the active block (`xa`, `Fa`) back to row r of `x` and `F`. */
export function scatterRow(x: Matrix, F: Float64Array, xa: Matrix, Fa: Float64Array, i: number, r: number): void {
  const D = x.cols;
  for (let d = 0; d < D; d++) {
    x.data[r * D + d] = xa.data[i * D + d];
    F[r * D + d] = Fa[i * D + d];
  }
}
