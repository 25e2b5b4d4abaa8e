import type { NamedParameters, Parameter } from '../nn/parameter.ts';

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
  const params = parameters.map((entry) => (Array.isArray(entry) ? entry[1] : entry) as Parameter);
  const norm = gradNorm(params);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const scale = maxNorm / norm;
  for (const p of params) for (let k = 0; k < p.grad.length; k++) p.grad[k] *= scale;
  return norm;
}

/** The global Euclidean norm of all gradients (float64 sum). */
export function gradNorm(parameters: readonly Parameter[]): number {
  let sum = 0;
  for (const p of parameters) {
    const g = p.grad;
    for (let k = 0; k < g.length; k++) sum += g[k] * g[k];
  }
  return Math.sqrt(sum);
}
