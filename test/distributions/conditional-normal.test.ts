/** The conditional Gaussian base: its density formula, gradients (parameters, x, context), sampling and config. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { ConditionalNormal } from '../../src/distributions/conditional-normal.ts';
import { createDistribution } from '../../src/distributions/create-distribution.ts';
import { parametersOf, zeroGrad } from '../../src/nn/parameter.ts';
import { gradientCheck, paramTargets, randomMatrix } from '../helpers/numeric.ts';

function make(seed: number): ConditionalNormal {
  const rng = new Rng(seed);
  const base = new ConditionalNormal({ features: 2, contextFeatures: 3, hiddenUnits: [6], activation: 'tanh', dtype: 'float64', rng });
  // O(1) output weights, so that the mean and the scale really depend on the context.
  for (const p of parametersOf(base)) for (let k = 0; k < p.size; k++) p.value[k] += 0.4 * rng.normal();
  return base;
}

test('ConditionalNormal: logProb is the Gaussian density with the mean and log-std of its network', () => {
  const base = make(1);
  const x = matrix([[0.3, -1.2], [2, 0.5]], undefined, undefined, 'float64');
  const c = matrix([[1, 0, -1], [0.5, 2, 0]], undefined, undefined, 'float64');
  const params = base.network.forward(2, c.data);
  const lp = base.logProb(x, { context: c });
  for (let r = 0; r < 2; r++) {
    let expected = 0;
    for (let d = 0; d < 2; d++) {
      const mu = params[r * 4 + d];
      const logStd = params[r * 4 + 2 + d];
      expected += -0.5 * ((x.data[r * 2 + d] - mu) / Math.exp(logStd)) ** 2 - logStd - 0.5 * Math.log(2 * Math.PI);
    }
    assert.ok(Math.abs(lp[r] - expected) < 1e-12);
  }
});

test('ConditionalNormal: gradients of logProbTrain match finite differences (parameters, x and context)', () => {
  const base = make(2);
  const rng = new Rng(3);
  const x = randomMatrix(5, 2, rng);
  const c = randomMatrix(5, 3, rng);
  const w = rng.fillNormal(new Float64Array(5));
  const loss = () => base.logProb(x, { context: c, validateArgs: false }).reduce((s, v, r) => s + w[r] * v, 0);
  const dX = new Float64Array(x.data.length);
  const dC = new Float64Array(c.data.length);
  const analytic = () => {
    zeroGrad(base);
    const grads = base.logProbTrain(x, { context: c }).backward(w);
    dX.set(grads.dInput.data);
    dC.set(grads.dContext!.data);
  };
  const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(base)), { value: x.data, grad: dX }, { value: c.data, grad: dC }], rng, 15);
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
});

test('ConditionalNormal: samples follow the conditional mean and scale; config rebuilds it; a missing context is refused', () => {
  const base = make(4);
  const c = matrix([[0.5, -0.5, 1]], undefined, undefined, 'float64');
  const params = base.network.forward(1, c.data);
  const n = 20000;
  const samples = base.sample(n, { context: c, rng: new Rng(5) });
  for (let d = 0; d < 2; d++) {
    let mean = 0;
    let sq = 0;
    for (let r = 0; r < n; r++) mean += samples.data[r * 2 + d] / n;
    for (let r = 0; r < n; r++) sq += (samples.data[r * 2 + d] - mean) ** 2 / n;
    const sd = Math.exp(params[2 + d]);
    assert.ok(Math.abs(mean - params[d]) < 4 * sd / Math.sqrt(n), `mean of feature ${d}`);
    assert.ok(Math.abs(Math.sqrt(sq) / sd - 1) < 0.03, `sd of feature ${d}`);
  }
  const copy = createDistribution(base.config(), new Rng(9));
  const saved = new Map(base.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(saved.get(name)!.value);
  const x = matrix([[0.1, 0.2]], undefined, undefined, 'float64');
  assert.equal(copy.logProb(x, { context: c })[0], base.logProb(x, { context: c })[0]);
  assert.throws(() => base.logProb(x), /ConditionalNormal\.logProb: expected context \[1, 3\], got none/);
});
