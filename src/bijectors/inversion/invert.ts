import { checkFinite } from '../../core/check-finite.ts';
import { checkShape, type Matrix } from '../../core/matrix.ts';
import { toDtype } from '../../core/to-dtype.ts';
import type { Bijector } from '../bijector.ts';
import { Chain } from '../chain.ts';
import { Invert } from '../invert.ts';
import { MaskedAutoregressiveFlow } from '../masked-autoregressive-flow.ts';
import { Permute } from '../permute.ts';
import { solveBisectionGeneric, solveBisectionMaf } from './bisection.ts';
import { solveBroyden } from './broyden.ts';
import { solveFixedPointMaf } from './fixed-point.ts';
import { maxAbsRow, type LeafProblem, type LeafSolution } from './leaf-problem.ts';
import { solveNewton } from './newton.ts';

/** The root-finding methods of `invert` (see there for what each does). */
export type InversionMethod = 'fixed-point' | 'newton' | 'broyden' | 'bisection';
/** Every `InversionMethod`, in the order the docs and the CLI list them. */
export const INVERSION_METHODS: readonly InversionMethod[] = ['fixed-point', 'newton', 'broyden', 'bisection'];

/** Call options of the solver's own evaluations: `invert` checked the values once, at its boundary. */
const UNCHECKED = { validateArgs: false } as const;

/** Options of `invert(bijector, target, options)`. */
export interface InvertOptions {
  /** Conditioning values `[n, contextFeatures]`; required when the bijector is conditional. */
  context?: Matrix;
  /**
   * Which direction of the bijector to compute. @default the sequential one: 'forward' unless only the forward
   * direction is parallel (IAF)
   */
  direction?: 'forward' | 'inverse';
  /** @default 'bisection' */
  method?: InversionMethod;
  /** A row converges when `max_d |g(x)_d − target_d| ≤ tolerance`. @default 1e-10 in float64, 1e-4 in float32 */
  tolerance?: number;
  /** Iteration limit per layer (for bisection: per 1-D solve and per sweep). @default max(100, 2D + 2) */
  maxIterations?: number;
  /** Throw when any row fails to converge, naming how many and the worst residual. @default false */
  strict?: boolean;
  /** Starting point `[n, D]` for the solution. @default target */
  initial?: Matrix;
}

/** The result of `invert`: the solution with per-row iterations, residuals and convergence flags. */
export interface InversionResult {
  /** The solution `[n, D]`. */
  x: Matrix;
  /** Iterations per row, summed over layers. */
  iterations: Int32Array;
  /** Per row `max_d |g(x)_d − target_d|` with g the opposite direction of the whole bijector. */
  residual: Float64Array;
  /** Per row 1 when `residual ≤ tolerance`. */
  converged: Uint8Array;
  method: InversionMethod;
}

interface Settings {
  method: InversionMethod;
  tolerance: number;
  maxIterations: number;
}

/**
 * Numerical inversion of a bijector through its *parallel* direction — the answer to "how do I invert a (conditional)
 * MAF without the sequential pass", and the slow direction of an IAF.
 *
 * `invert(b, target, { direction: 'forward' })` computes `x = b.forward(target)` by solving `b.inverse(x) = target`
 * for x; `direction: 'inverse'` computes `b.inverse(target)` by solving `b.forward(x) = target`. The default direction
 * is the bijector's sequential one (`'forward'` for a MAF, `'inverse'` for an IAF = `Invert(MAF)`).
 * Compositions are solved layer by layer, as the seed note recommends: a `Chain` from the layer applied first in the
 * requested direction, an `Invert` by solving its wrapped bijector in the other direction, a `Permute` exactly.
 * A layer whose requested direction is its only parallel one is computed directly (0 iterations); every other layer
 * is solved with `method`:
 * - `'fixed-point'`: `x ← τ(u; θ(x))`, one MADE pass per iteration, exact after ≤ D iterations for a MAF layer;
 *   the nonlinear Jacobi step `x ← x − F/diag J` elsewhere;
 * - `'newton'`: Newton with the exact (triangular for MAF) Jacobian from D vector–Jacobian products, line search;
 * - `'broyden'`: Broyden's good method from the identity, line search (no Jacobian needed);
 * - `'bisection'`: bracketed, safeguarded-Newton 1-D solves per dimension in autoregressive order (for a MAF inside
 *   the staircase pass) — the most robust.
 * Each of the L solved layers of a composition is solved to `tolerance / (2L)`, so that errors passed through later
 * layers still leave the composed residual within `tolerance` in the usual, well-conditioned case.
 * Every row reports its iterations (summed over layers), its residual `max_d |g(x)_d − target_d|` (g = the opposite
 * direction of the whole bijector) and whether that residual is within `tolerance`. An unconverged row is never
 * silent: check `converged`, or pass `strict: true` to throw.
 * Shapes: `target [n, D]`, `context [n, contextFeatures]`, `initial [n, D]`; `x [n, D]` in the bijector's dtype.
 *
 * @example
 * import { MaskedAutoregressiveFlow, Rng, invert, matrix } from 'maflow';
 * const maf = new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [16], contextFeatures: 2, rng: new Rng(0) });
 * const u = matrix([[0.1, -0.4, 1.2]]), context = matrix([[1, 0]]);
 * const { x, converged } = invert(maf, u, { context, method: 'newton', strict: true });
 * console.log(converged[0], x.data, maf.forward(u, { context }).data); // → 1, then x ≈ maf.forward(u, { context })
 */
export function invert(bijector: Bijector, target: Matrix, options: InvertOptions = {}): InversionResult {
  const where = 'invert';
  const D = bijector.features;
  checkShape(where, 'target', target, D);
  const n = target.rows;
  const method = options.method ?? 'bisection';
  if (!INVERSION_METHODS.includes(method)) {
    throw new Error(`${where}: unknown method '${String(method)}' (expected ${INVERSION_METHODS.map((m) => `'${m}'`).join(', ')})`);
  }
  const direction = options.direction ?? (bijector.forwardIsParallel && !bijector.inverseIsParallel ? 'inverse' : 'forward');
  if (direction !== 'forward' && direction !== 'inverse') throw new Error(`${where}: direction must be 'forward' or 'inverse', got '${String(direction)}'`);
  let context: Matrix | null = null;
  if (bijector.contextFeatures > 0) {
    if (options.context === undefined) throw new Error(`${where}: expected context [${n}, ${bijector.contextFeatures}], got none`);
    checkShape(where, 'context', options.context, bijector.contextFeatures, n);
    context = toDtype(options.context, bijector.dtype);
  } else if (options.context !== undefined) {
    throw new Error(`${where}: this bijector takes no context (contextFeatures = 0)`);
  }
  if (options.initial !== undefined) checkShape(where, 'initial', options.initial, D, n);
  // The values are checked once here; the solver's own evaluations (on iterates) are not.
  checkFinite(where, 'target', target, { dtype: bijector.dtype });
  if (context !== null) checkFinite(where, 'context', options.context as Matrix, { dtype: bijector.dtype });
  if (options.initial !== undefined) checkFinite(where, 'initial', options.initial, { dtype: bijector.dtype });
  const tolerance = options.tolerance ?? (bijector.dtype === 'float64' ? 1e-10 : 1e-4);
  if (!(tolerance > 0)) throw new RangeError(`${where}: tolerance must be > 0, got ${tolerance}`);
  const maxIterations = options.maxIterations ?? Math.max(100, 2 * D + 2);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`${where}: maxIterations must be a positive integer, got ${maxIterations}`);

  const y = toDtype(target, bijector.dtype);
  const wasTraining = bijector.isTraining;
  if (wasTraining) bijector.train(false);
  try {
    const leaves = countLeaves(bijector);
    const settings: Settings = { method, tolerance: leaves > 1 ? tolerance / (2 * leaves) : tolerance, maxIterations };
    const initial = options.initial === undefined ? null : toDtype(options.initial, bijector.dtype);
    const { x, iterations } = solve(bijector, direction, y, context, initial, settings);
    const ctx = context === null ? UNCHECKED : { context, ...UNCHECKED };
    const back = direction === 'forward' ? bijector.inverse(x, ctx) : bijector.forward(x, ctx);
    const residual = new Float64Array(n);
    const converged = new Uint8Array(n);
    const F = new Float64Array(n * D);
    for (let k = 0; k < F.length; k++) F[k] = back.data[k] - y.data[k];
    let failed = 0;
    let worst = 0;
    for (let r = 0; r < n; r++) {
      residual[r] = maxAbsRow(F, r, D);
      converged[r] = residual[r] <= tolerance ? 1 : 0;
      if (!converged[r]) {
        failed++;
        worst = Number.isNaN(residual[r]) || residual[r] > worst ? residual[r] : worst;
      }
    }
    if (options.strict && failed > 0) {
      throw new Error(`invert: ${failed} of ${n} rows did not converge with method '${method}' (worst residual ${worst}, tolerance ${tolerance}, maxIterations ${maxIterations})`);
    }
    return { x, iterations, residual, converged, method };
  } finally {
    if (wasTraining) bijector.train(true);
  }
}

/** Solves one (possibly composite) bijector in `direction`, layer by layer. */
function solve(b: Bijector, direction: 'forward' | 'inverse', y: Matrix, context: Matrix | null, initial: Matrix | null,
  settings: Settings): LeafSolution {
  const ctx = b.contextFeatures > 0 && context !== null ? { context, ...UNCHECKED } : UNCHECKED;
  if (b instanceof Invert) return solve(b.bijector, direction === 'forward' ? 'inverse' : 'forward', y, context, initial, settings);
  if (b instanceof Permute) {
    return { x: direction === 'forward' ? b.forward(y, UNCHECKED) : b.inverse(y, UNCHECKED), iterations: new Int32Array(y.rows) };
  }
  if (b instanceof Chain) {
    // forward = b_0(b_1(…b_{K−1}(u))): the last member is applied first; inverse runs b_0⁻¹ first.
    const order = direction === 'forward' ? [...b.bijectors].reverse() : [...b.bijectors];
    const guesses = initial === null ? null : layerGuesses(order, direction, initial, context);
    const iterations = new Int32Array(y.rows);
    let value = y;
    order.forEach((layer, i) => {
      const part = solve(layer, direction, value, context, guesses === null ? null : guesses[i], settings);
      for (let r = 0; r < iterations.length; r++) iterations[r] += part.iterations[r];
      value = part.x;
    });
    return { x: value, iterations };
  }
  const map = direction === 'forward' ? 'inverse' : 'forward';
  const mapParallel = map === 'inverse' ? b.inverseIsParallel : b.forwardIsParallel;
  const directParallel = direction === 'forward' ? b.forwardIsParallel : b.inverseIsParallel;
  if (!mapParallel) {
    if (!directParallel) throw new Error(`invert: ${b.constructor.name} has no parallel direction to solve with`);
    return { x: direction === 'forward' ? b.forward(y, ctx) : b.inverse(y, ctx), iterations: new Int32Array(y.rows) };
  }
  const problem: LeafProblem = {
    bijector: b, map, target: y, context: b.contextFeatures > 0 ? context : null,
    initial: initial ?? y, tolerance: settings.tolerance, maxIterations: settings.maxIterations,
  };
  const maf = b instanceof MaskedAutoregressiveFlow && map === 'inverse' ? b : null;
  switch (settings.method) {
    case 'fixed-point':
      return maf === null ? solveNewton(problem, true) : solveFixedPointMaf(problem, maf);
    case 'newton':
      return solveNewton(problem);
    case 'broyden':
      return solveBroyden(problem);
    case 'bisection':
      return maf === null ? solveBisectionGeneric(problem) : solveBisectionMaf(problem, maf);
  }
}

/**
 * Starting points for each layer of a chain from a guess of the chain's solution: the guess pushed back through the
 * layers' solving maps (the parallel directions), outermost layer first. Returned in solve order.
 */
function layerGuesses(order: Bijector[], direction: 'forward' | 'inverse', initial: Matrix, context: Matrix | null): Matrix[] {
  const guesses: Matrix[] = new Array(order.length);
  let value = initial;
  for (let i = order.length - 1; i >= 0; i--) {
    guesses[i] = value;
    const layer = order[i];
    const ctx = layer.contextFeatures > 0 && context !== null ? { context, ...UNCHECKED } : UNCHECKED;
    value = direction === 'forward' ? layer.inverse(value, ctx) : layer.forward(value, ctx);
  }
  return guesses;
}

function countLeaves(b: Bijector): number {
  if (b instanceof Invert) return countLeaves(b.bijector);
  if (b instanceof Chain) return b.bijectors.reduce((s, c) => s + countLeaves(c), 0);
  return b instanceof Permute ? 0 : 1;
}
