/** Shared checks for distributions: logProbTrain gradients vs central differences, integration on a 2-D grid. */
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/core/matrix.ts';
import type { Rng } from '../../src/core/rng.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, paramTargets } from '../helpers/numeric.ts';

/**
 * Checks `logProbTrain` gradients (parameters, x, context) of `L = Σ_r w_r logProb_r` against central differences
 * (float64). Returns the worst relative error after asserting it is below `tolerance`.
 */
export function checkLogProbGradients(dist: Distribution, x: Matrix, rng: Rng, context?: Matrix, tolerance = 1e-6): number {
  const options = context === undefined ? {} : { context };
  const w = new Float64Array(x.rows).map(() => rng.normal());
  const loss = () => dist.logProb(x, options).reduce((s, v, r) => s + w[r] * v, 0);
  const params = parametersOf(dist);
  let grads: { dInput: Matrix; dContext: Matrix | null } = { dInput: x, dContext: null };
  const analytic = () => {
    for (const p of params) p.zeroGrad();
    const pass = dist.logProbTrain(x, options);
    const plain = dist.logProb(x, options);
    for (let r = 0; r < x.rows; r++) assert.ok(Math.abs(pass.logProb[r] - plain[r]) < 1e-10, 'logProbTrain equals logProb');
    grads = pass.backward(w);
  };
  analytic();
  const targets = [...paramTargets(params), { value: x.data as Float64Array, get grad() { return grads.dInput.data; } }];
  if (context !== undefined) targets.push({ value: context.data as Float64Array, get grad() { return (grads.dContext as Matrix).data; } });
  const worst = gradientCheck(loss, analytic, targets, rng, 16);
  assert.ok(worst < tolerance, `worst relative gradient error ${worst}`);
  return worst;
}

/**
 * `∫ p(x) dx` of a 2-D density over the square `[−half, half]²` by the midpoint rule with `steps²` cells
 * (the density is evaluated in batches of one grid row).
 */
export function integrate2d(logProb: (x: Matrix) => Float64Array, half = 10, steps = 400): number {
  const h = (2 * half) / steps;
  let total = 0;
  const grid: Matrix = { rows: steps, cols: 2, data: new Float64Array(steps * 2) };
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      grid.data[2 * j] = -half + (i + 0.5) * h;
      grid.data[2 * j + 1] = -half + (j + 0.5) * h;
    }
    for (const lp of logProb(grid)) total += Math.exp(lp);
  }
  return total * h * h;
}
