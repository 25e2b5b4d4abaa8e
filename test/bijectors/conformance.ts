/**
 * The bijector conformance suite: every bijector in `bijectorCases` (with and without context, float64) must pass
 * every property here (round trip, log-det against the numerical Jacobian, shapes, gradients, save/load through its
 * config). Adding a bijector = one entry in the table of conformance.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Bijector } from '../../src/bijectors/bijector.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, logAbsDet, maxAbsDiff, numericalJacobian, paramTargets, randomMatrix, row } from '../helpers/numeric.ts';

export interface BijectorCase {
  name: string;
  /** Builds the bijector in float64 from a seeded rng. */
  make: (rng: Rng) => Bijector;
  /** Scale of the test inputs (e.g. smaller for transforms with a bounded domain). @default 1 */
  inputScale?: number;
  /** Perturbation added to every parameter so that the test is not at the identity init. @default 0.2 */
  perturb?: number;
  /** Run the batch-statistics (training mode) checks only in eval mode. */
  evalOnly?: boolean;
  /**
   * Maps each N(0, inputScale²) test value into the points where both directions are defined (e.g. into (0, 1) for a
   * logit). @default the identity
   */
  domain?: (v: number, column: number) => number;
}

function perturb(b: Bijector, rng: Rng, scale: number): void {
  for (const p of parametersOf(b)) for (let k = 0; k < p.value.length; k++) p.value[k] += scale * rng.normal();
}

function contextOf(b: Bijector, rows: number, rng: Rng): { context?: Matrix } {
  return b.contextFeatures > 0 ? { context: randomMatrix(rows, b.contextFeatures, rng) } : {};
}

function fixedRows(m: Matrix, rows: number, options: { context?: Matrix }, r: number): { context?: Matrix } {
  void m;
  void rows;
  return options.context === undefined ? {} : { context: row(options.context, r) };
}

/** Registers the conformance tests of one case. */
export function conformance(c: BijectorCase): void {
  const setup = (seed: number) => {
    const rng = new Rng(seed);
    const b = c.make(rng);
    perturb(b, rng, c.perturb ?? 0.2);
    const n = 7;
    const x = randomMatrix(n, b.features, rng, c.inputScale ?? 1);
    if (c.domain !== undefined) x.data.set(x.data.map((v, k) => c.domain!(v, k % b.features)));
    return { rng, b, n, x, options: contextOf(b, n, rng) };
  };

  test(`${c.name}: forward(inverse(x)) ≈ x and inverse(forward(u)) ≈ u`, () => {
    const { b, x, options } = setup(1);
    const u = b.inverse(x, options);
    assert.ok(maxAbsDiff(b.forward(u, options).data, x.data) < 1e-8, 'forward(inverse(x))');
    const back = b.inverse(b.forward(x, options), options);
    assert.ok(maxAbsDiff(back.data, x.data) < 1e-8, 'inverse(forward(u))');
  });

  test(`${c.name}: log-determinants equal log|det| of the finite-difference Jacobian`, () => {
    const { b, x, options } = setup(2);
    const inv = b.inverseLogDetJacobian(x, options);
    const fwd = b.forwardLogDetJacobian(x, options);
    for (let r = 0; r < 3; r++) {
      const xr = row(x, r);
      const o = fixedRows(x, 1, options, r);
      const Ji = numericalJacobian((v) => b.inverse(v, o), xr);
      assert.ok(Math.abs(logAbsDet(Ji) - inv[r]) < 1e-6, `inverse log-det row ${r}: ${inv[r]} vs ${logAbsDet(Ji)}`);
      const Jf = numericalJacobian((v) => b.forward(v, o), xr);
      assert.ok(Math.abs(logAbsDet(Jf) - fwd[r]) < 1e-6, `forward log-det row ${r}: ${fwd[r]} vs ${logAbsDet(Jf)}`);
    }
  });

  test(`${c.name}: forward and inverse log-dets are negatives`, () => {
    const { b, x, options } = setup(3);
    const { output: y, logDet } = b.forwardAndLogDet(x, options);
    const inv = b.inverseLogDetJacobian(y, options);
    for (let r = 0; r < x.rows; r++) assert.ok(Math.abs(logDet[r] + inv[r]) < 1e-8, `row ${r}`);
  });

  test(`${c.name}: wrong shapes throw naming the method and the shapes`, () => {
    const { b, rng } = setup(4);
    const bad = randomMatrix(2, b.features + 1, rng);
    assert.throws(() => b.inverse(bad, contextOf(b, 2, rng)), new RegExp(`\\.inverse: expected x \\[n, ${b.features}\\], got \\[n, ${b.features + 1}\\]`));
    assert.throws(() => b.forward(bad, contextOf(b, 2, rng)), /\.forward: expected u/);
    const good = randomMatrix(2, b.features, rng);
    if (b.contextFeatures > 0) {
      assert.throws(() => b.inverse(good), /expected context \[2, \d+\], got none/);
      assert.throws(() => b.inverse(good, { context: randomMatrix(3, b.contextFeatures, rng) }), /context/);
    } else {
      assert.throws(() => b.inverse(good, { context: randomMatrix(2, 1, rng) }), /takes no context/);
    }
  });

  test(`${c.name}: rebuilt from its JSON config with parameters and buffers copied by name, it computes the same`, () => {
    const { b, x, options } = setup(6);
    const copy = createBijector(JSON.parse(JSON.stringify(b.config())), new Rng(99));
    assert.deepEqual(copy.config(), b.config());
    const params = new Map(b.namedParameters());
    assert.deepEqual(copy.namedParameters().map(([name]) => name), [...params.keys()]);
    for (const [name, p] of copy.namedParameters()) p.value.set(params.get(name)!.value);
    const buffers = new Map(collectBuffers(b));
    for (const [name, buffer] of collectBuffers(copy)) buffer.set(buffers.get(name)!);
    const expected = b.inverseAndLogDet(x, options);
    const actual = copy.inverseAndLogDet(x, options);
    assert.deepEqual(Array.from(actual.output.data), Array.from(expected.output.data));
    assert.deepEqual(Array.from(actual.logDet), Array.from(expected.logDet));
    assert.deepEqual(Array.from(copy.forward(x, options).data), Array.from(b.forward(x, options).data));
  });

  for (const direction of ['inverse', 'forward'] as const) {
    test(`${c.name}: ${direction}Train gradients match finite differences`, (t) => {
      const { b, x, options, rng } = setup(5);
      const parallel = direction === 'inverse' ? b.inverseIsParallel : b.forwardIsParallel;
      if (!parallel) {
        assert.throws(() => (direction === 'inverse' ? b.inverseTrain(x, options) : b.forwardTrain(x, options)), /not differentiable/);
        return;
      }
      const weights = randomMatrix(x.rows, b.features, rng);
      const ldWeights = new Float64Array(x.rows).map(() => rng.normal());
      const run = () => (direction === 'inverse' ? b.inverseTrain(x, options) : b.forwardTrain(x, options));
      const loss = () => {
        const pass = run();
        let s = 0;
        for (let k = 0; k < pass.output.data.length; k++) s += weights.data[k] * pass.output.data[k];
        for (let r = 0; r < x.rows; r++) s += ldWeights[r] * pass.logDet[r];
        return s;
      };
      const params = parametersOf(b);
      let grads = { dInput: x, dContext: null as Matrix | null };
      const analytic = () => {
        for (const p of params) p.zeroGrad();
        grads = run().backward(weights, ldWeights);
      };
      analytic();
      const inputTarget = { value: x.data as Float64Array, get grad() { return grads.dInput.data; } };
      const targets = [...paramTargets(params), inputTarget];
      if (options.context !== undefined) {
        const ctx = options.context;
        targets.push({ value: ctx.data as Float64Array, get grad() { return (grads.dContext as Matrix).data; } });
      }
      const worst = gradientCheck(loss, analytic, targets, rng);
      t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
      assert.ok(worst < 1e-6, `worst relative gradient error ${worst}`);
    });
  }
}
