/** invert(): every method recovers the slow direction through the parallel one, reports iterations, never hides failure. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Bijector } from '../../src/bijectors/bijector.ts';
import { AffineCoupling } from '../../src/bijectors/affine-coupling.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { invert, INVERSION_METHODS } from '../../src/bijectors/inversion/invert.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { maxAbsDiff, randomMatrix } from '../helpers/numeric.ts';

function perturbed<B extends Bijector>(b: B, rng: Rng, scale = 0.3): B {
  for (const p of parametersOf(b)) for (let k = 0; k < p.value.length; k++) p.value[k] += scale * rng.normal();
  return b;
}

const D = 5;
const mafOf = (rng: Rng, extra: object = {}) =>
  perturbed(new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [16, 16], dtype: 'float64', rng, ...extra }), rng);

const cases: Array<{ name: string; context: number; make: (rng: Rng) => Bijector }> = [
  { name: 'MAF', context: 0, make: (rng) => mafOf(rng) },
  { name: 'conditional MAF', context: 3, make: (rng) => mafOf(rng, { contextFeatures: 3, activation: 'tanh' }) },
  { name: 'Real NVP (AffineCoupling)', context: 0, make: (rng) => perturbed(new AffineCoupling({ features: D, hiddenUnits: [16], dtype: 'float64', rng }), rng) },
  {
    name: 'Chain MAF/Permute/AffineCoupling/Permute/MAF, conditional',
    context: 2,
    make: (rng) => new Chain([
      mafOf(rng, { contextFeatures: 2 }),
      new Permute({ features: D, dtype: 'float64' }),
      perturbed(new AffineCoupling({ features: D, hiddenUnits: [12], contextFeatures: 2, dtype: 'float64', rng }), rng),
      new Permute({ features: D, permutation: 'random', rng, dtype: 'float64' }),
      mafOf(rng),
    ]),
  },
];

function setup(seed: number, make: (rng: Rng) => Bijector, contextFeatures: number, rows = 12) {
  const rng = new Rng(seed);
  const b = make(rng);
  const u = randomMatrix(rows, D, rng);
  const options: { context?: Matrix } = contextFeatures > 0 ? { context: randomMatrix(rows, contextFeatures, rng) } : {};
  return { rng, b, u, options };
}

test('the exact answer to "how do I invert a conditional MAF": forward is the staircase pass', () => {
  const rng = new Rng(42);
  const maf = new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [32, 32], contextFeatures: 2, dtype: 'float64', rng });
  perturbed(maf, rng);
  const u = matrix([[0.1, -0.4, 1.2], [2, 0.5, -1]], undefined, undefined, 'float64');
  const context = matrix([[1, 0], [0, 1]], undefined, undefined, 'float64');
  const x = maf.forward(u, { context });          // base → data: exact, one staircase pass
  const back = maf.inverse(x, { context });       // data → base: one parallel MADE pass
  assert.ok(maxAbsDiff(back.data, u.data) < 1e-12, 'inverse(forward(u, ctx), ctx) = u');
  const y = randomMatrix(4, 3, rng);
  const c = randomMatrix(4, 2, rng);
  assert.ok(maxAbsDiff(maf.forward(maf.inverse(y, { context: c }), { context: c }).data, y.data) < 1e-12, 'forward(inverse(x)) = x');
  // The context matters: a different context gives a different inverse.
  assert.ok(maxAbsDiff(maf.inverse(x, { context: matrix([[0, 1], [1, 0]], undefined, undefined, 'float64') }).data, u.data) > 1e-3);
});

for (const c of cases) {
  for (const method of INVERSION_METHODS) {
    test(`invert ${method}: recovers forward(u) of ${c.name} through the parallel inverse`, () => {
      const { b, u, options } = setup(1, c.make, c.context);
      const exact = b.forward(u, options);
      const result = invert(b, u, { ...options, method });
      assert.equal(result.method, method);
      assert.ok(maxAbsDiff(result.x.data, exact.data) < 1e-6, `error ${maxAbsDiff(result.x.data, exact.data)}`);
      assert.ok(result.converged.every((v) => v === 1), 'every row converged');
      assert.ok(result.residual.every((r) => r <= 1e-10), `residuals ${Math.max(...result.residual)}`);
      assert.ok(result.iterations.every((k) => k >= 1), 'iterations are reported per row');
      assert.ok(maxAbsDiff(b.inverse(result.x, options).data, u.data) < 1e-9);
    });
  }
}

test('invert: fixed-point on an affine MAF is exact within D updates; Newton needs far fewer than D', () => {
  const features = 10;
  const rng = new Rng(3);
  const maf = perturbed(new MaskedAutoregressiveFlow({ features, hiddenUnits: [32, 32], dtype: 'float64', rng }), rng);
  const u = randomMatrix(16, features, rng);
  const exact = maf.forward(u);
  const fixed = invert(maf, u, { method: 'fixed-point', strict: true });
  assert.ok(Math.max(...fixed.iterations) <= features, `fixed-point iterations ${Math.max(...fixed.iterations)}`);
  assert.ok(maxAbsDiff(fixed.x.data, exact.data) < 1e-8, `fixed-point error ${maxAbsDiff(fixed.x.data, exact.data)}`);
  const newton = invert(maf, u, { method: 'newton', strict: true });
  assert.ok(Math.max(...newton.iterations) < features, `newton iterations ${Math.max(...newton.iterations)}`);
  assert.ok(maxAbsDiff(newton.x.data, exact.data) < 1e-6, `newton error ${maxAbsDiff(newton.x.data, exact.data)}`);
});

for (const method of INVERSION_METHODS) {
  test(`invert ${method}: maxIterations = 1 reports converged = 0 and strict throws naming rows and residual`, () => {
    // A spline layer: nonlinear in every coordinate, so no method can finish in one step.
    const spline = (rng: Rng) => mafOf(rng, { hiddenUnits: [16], transformer: new RationalQuadraticSpline({ bins: 6 }) });
    const { b, u } = setup(4, spline, 0, 6);
    const result = invert(b, u, { method, maxIterations: 1 });
    assert.ok(result.converged.some((v) => v === 0), 'some row cannot converge in one iteration');
    result.converged.forEach((ok, r) => assert.equal(ok === 1, result.residual[r] <= 1e-10));
    assert.throws(() => invert(b, u, { method, maxIterations: 1, strict: true }),
      /invert: \d+ of 6 rows did not converge with method '[a-z-]+' \(worst residual [0-9.e+-]+, tolerance 1e-10, maxIterations 1\)/);
  });
}

test('invert: an IAF (Invert(MAF)) defaults to its slow inverse direction', () => {
  const rng = new Rng(5);
  const iaf = new Invert(mafOf(rng));
  const x = randomMatrix(8, D, rng);
  for (const method of INVERSION_METHODS) {
    const result = invert(iaf, x, { method, strict: true });
    assert.ok(maxAbsDiff(result.x.data, iaf.inverse(x).data) < 1e-8, method);
  }
});

test('invert: spline MAF by fixed-point and bisection (exact structure) to 1e-8', () => {
  const rng = new Rng(6);
  const maf = perturbed(new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [16], dtype: 'float64', rng,
    transformer: new RationalQuadraticSpline({ bins: 6, tailBound: 2.5 }) }), rng, 0.5);
  const u = randomMatrix(30, D, rng, 1.5);
  const exact = maf.forward(u);
  for (const method of ['fixed-point', 'bisection'] as const) {
    const result = invert(maf, u, { method, strict: true });
    assert.ok(maxAbsDiff(result.x.data, exact.data) < 1e-8, method);
  }
});

test('invert: float32 flows converge with the float32 default tolerance; an initial guess is used', () => {
  const rng = new Rng(7);
  const maf = perturbed(new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [16, 16], rng }), rng);
  const u = randomMatrix(10, D, rng, 1, 'float32');
  const exact = maf.forward(u);
  for (const method of INVERSION_METHODS) {
    const result = invert(maf, u, { method, strict: true });
    assert.ok(result.x.data instanceof Float32Array);
    assert.ok(maxAbsDiff(result.x.data, exact.data) < 1e-3, method);
  }
  const warm = invert(maf, u, { method: 'newton', initial: exact });
  assert.ok(Math.max(...warm.iterations) <= 1, 'started at the answer');
});

test('invert: leaves parameter gradients and training mode as they were', () => {
  const rng = new Rng(8);
  const maf = mafOf(rng);
  const params = parametersOf(maf);
  params.forEach((p) => p.grad.fill(0.25));
  maf.train(true);
  invert(maf, randomMatrix(4, D, rng), { method: 'newton', strict: true });
  assert.ok(params.every((p) => p.grad.every((g) => g === 0.25)));
  assert.equal(maf.isTraining, true);
});

test('invert: clear errors for shapes, context, method and options', () => {
  const rng = new Rng(9);
  const maf = mafOf(rng, { contextFeatures: 2 });
  const u = randomMatrix(3, D, rng);
  assert.throws(() => invert(maf, randomMatrix(3, D + 1, rng)), /invert: expected target \[n, 5\], got \[n, 6\]/);
  assert.throws(() => invert(maf, u), /invert: expected context \[3, 2\], got none/);
  const context = randomMatrix(3, 2, rng);
  assert.throws(() => invert(maf, u, { context, method: 'magic' as never }), /unknown method 'magic'/);
  assert.throws(() => invert(maf, u, { context, maxIterations: 0 }), /maxIterations must be a positive integer, got 0/);
  assert.throws(() => invert(maf, u, { context, initial: randomMatrix(2, D, rng) }), /expected initial \[3, 5\], got \[2, 5\]/);
  assert.throws(() => invert(mafOf(rng), u, { context }), /takes no context/);
});
