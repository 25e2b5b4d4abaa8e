/**
 * Inverting a conditional MAF. A MAF computes its density in one parallel pass, x → u = f⁻¹(x | c); the other
 * direction, u → x (sampling, or "which x maps to this u?"), is sequential. maflow gives it exactly (the staircase
 * sampler, `bijector.forward`) and by root finding on the parallel pass (`invert`: fixed-point, Newton, Broyden,
 * bisection), which is what a transform without an exact inverse needs. Every solver reports per row its iterations,
 * its residual max|f⁻¹(x | c) − u| and whether it converged: an unconverged row is never silent.
 *
 * Run: npx tsx examples/invert-conditional-maf.ts
 */
import { createMaf, fit, INVERSION_METHODS, invert, Rng, type Matrix } from 'maflow';
import { QUICK } from './support.ts';

/** x | c in 3-D: each coordinate depends on the context and on the ones before it. */
function data(n: number, rng: Rng): { x: Matrix; context: Matrix } {
  const x = new Float64Array(3 * n);
  const context = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [c1, c2] = [rng.normal(), rng.normal()];
    const x1 = c1 + 0.3 * rng.normal();
    const x2 = Math.sin(2 * x1) + c2 + 0.2 * rng.normal();
    const x3 = 0.5 * x1 * x2 + 0.3 * Math.abs(c2) * rng.normal();
    x.set([x1, x2, x3], 3 * i);
    context.set([c1, c2], 2 * i);
  }
  return { x: { rows: n, cols: 3, data: x }, context: { rows: n, cols: 2, data: context } };
}

const train = data(QUICK ? 1000 : 5000, new Rng(1));
const flow = createMaf({ features: 3, contextFeatures: 2, layers: 4, hiddenUnits: [32, 32], dtype: 'float64', rng: new Rng(2) });
const result = fit(flow, train.x, { context: train.context, epochs: QUICK ? 10 : 60, learningRate: 3e-3, rng: new Rng(3) });
console.log(`fit: validation log-likelihood ${result.bestValidationLogLik.toFixed(3)} nats after ${result.history.length} epochs`);

// Targets: base-space points u and contexts c; we want x with f⁻¹(x | c) = u.
const rows = QUICK ? 200 : 1000;
const rng = new Rng(4);
const u: Matrix = { rows, cols: 3, data: Float64Array.from({ length: 3 * rows }, () => rng.normal()) };
const { context } = data(rows, new Rng(5));

let started = performance.now();
const exact = flow.bijector.forward(u, { context });
console.log(`exact (sequential pass): ${(performance.now() - started).toFixed(1)} ms for ${rows} rows`);

console.log('method        ms  iterations (mean / max)  max residual  converged  max |x − exact|');
for (const method of INVERSION_METHODS) {
  started = performance.now();
  const solved = invert(flow.bijector, u, { context, method, direction: 'forward' });
  const ms = performance.now() - started;
  let deviation = 0;
  for (let k = 0; k < solved.x.data.length; k++) deviation = Math.max(deviation, Math.abs(solved.x.data[k] - exact.data[k]));
  const iterations = Array.from(solved.iterations);
  const converged = solved.converged.reduce((a, b) => a + b, 0);
  console.log(`${method.padEnd(12)} ${ms.toFixed(0).padStart(4)}  ${(iterations.reduce((a, b) => a + b, 0) / rows).toFixed(1).padStart(10)} / `
    + `${String(Math.max(...iterations)).padEnd(10)} ${Math.max(...solved.residual).toExponential(1).padStart(12)}  `
    + `${`${converged}/${rows}`.padStart(9)}  ${deviation.toExponential(1).padStart(15)}`);
}

// A budget too small for Newton to converge: the report says so instead of returning a wrong x as if it were right.
const starved = invert(flow.bijector, u, { context, method: 'newton', direction: 'forward', maxIterations: 1 });
const failed = starved.converged.length - starved.converged.reduce((a, b) => a + b, 0);
console.log(`newton with maxIterations 1: ${failed} of ${rows} rows not converged (worst residual `
  + `${Math.max(...starved.residual).toExponential(1)}); strict: true would throw`);
