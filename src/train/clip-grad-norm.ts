import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import type { NamedParameters, Parameter } from '../nn/parameter.ts';
import type { Optimizer, StepAverage } from './optimizer.ts';
import { ParameterList } from './parameter-list.ts';

/**
 * Global gradient-norm clipping: with `‖g‖ = sqrt(Σ_p Σ_k grad_p[k]²)` over all parameters (summed in float64),
 * every gradient is scaled by `maxNorm / ‖g‖` when `‖g‖ > maxNorm`. Returns the norm *before* clipping; a
 * non-finite norm is returned as is and the gradients are left alone (the caller treats it as divergence).
 *
 * @example
 * import { Rng, clipGradNorm, createMaf, gradNorm, parametersOf, twoMoons } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const { data } = twoMoons(64, { rng: new Rng(1) });
 * flow.logProbTrain(data).backward(new Float64Array(data.rows).fill(-1));   // gradients of −Σ log p
 * const before = clipGradNorm(flow.namedParameters(), 5);
 * console.log(before > 5, gradNorm(parametersOf(flow))); // → true 5 (to rounding): the gradients now have norm ≤ 5
 */
export function clipGradNorm(parameters: NamedParameters | readonly Parameter[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const list = new ParameterList(parameters.map((entry) => (Array.isArray(entry) ? entry[1] : entry) as Parameter));
  const grads = list.grads();
  const norm = listGradNorm(list, grads);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const k = kernels();
  for (const group of list.groups) k.axpby({ layout: group.layout, alpha: maxNorm / norm, beta: 0, x: null, y: list.pick(group, grads) });
  return norm;
}

/** The global Euclidean norm of all gradients (float64 sum). */
export function gradNorm(parameters: readonly Parameter[]): number {
  return listGradNorm(new ParameterList(parameters));
}

/** `gradNorm` over a `ParameterList`: one `sumOfSquares` call per dtype of the list (`grads`: its gradients, if read). */
export function listGradNorm(list: ParameterList, grads: readonly FloatArray[] = list.grads()): number {
  const k = kernels();
  let sum = 0;
  for (const group of list.groups) {
    const out = new Float64Array(group.members.length);
    k.sumOfSquares({ layout: group.layout, x: list.pick(group, grads), out });
    for (const s of out) sum += s;
  }
  return Math.sqrt(sum);
}

/**
 * One optimiser step of a training loop with the global gradient norm, clipped to `maxNorm` (Infinity: not clipped),
 * and the moving average `average()` gives (called once, when the step is taken), in as few passes over the
 * parameters as the kernels allow: without clipping the norm comes out of the update's own pass, one pass in all;
 * with it the norm is taken first and the update reads the gradients scaled, two (where norm, clip, update and
 * average were four). Returns the norm before clipping. A non-finite norm is returned as is, and the caller must put
 * back the parameters and optimiser state of its last snapshot: with clipping no step was taken, without it the step
 * was (its own pass found the norm).
 */
export function clippedStep(optimizer: Optimizer, list: ParameterList, maxNorm: number, average?: () => StepAverage): number {
  if (!Number.isFinite(maxNorm)) return Math.sqrt(optimizer.step({ gradSquares: true, average: average?.() }));
  const norm = listGradNorm(list);
  if (!Number.isFinite(norm)) return norm;
  optimizer.step({ gradScale: norm > maxNorm ? maxNorm / norm : 1, average: average?.() });
  return norm;
}
