import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import type { Chain } from '../../src/bijectors/chain.ts';
import { broadcastRows } from '../../src/distributions/distribution.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createIaf } from '../../src/flows/create-iaf.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, maxAbsDiff, paramTargets, randomMatrix } from '../helpers/numeric.ts';

const perturbed = (options: Parameters<typeof createIaf>[0], seed: number) => {
  const flow = createIaf(options);
  const rng = new Rng(seed);
  for (const p of parametersOf(flow)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
  return flow;
};

test('createIaf: a chain of inverted MAFs with permutations, fast sampling and sequential density', () => {
  const flow = createIaf({ features: 3, layers: 3, hiddenUnits: [8] });
  const chain = flow.bijector as Chain;
  assert.deepEqual(chain.bijectors.map((b) => b.constructor.name), ['Invert', 'Permute', 'Invert', 'Permute', 'Invert']);
  assert.equal(flow.bijector.forwardIsParallel, true);
  assert.equal(flow.bijector.inverseIsParallel, false);
  assert.equal(flow.dtype, 'float32');
  assert.throws(() => createIaf({ features: 2, layers: 0 }), /createIaf: layers must be a positive integer, got 0/);
});

test('createIaf: logProb of its own samples equals the log-density sampleAndLogProb returns', () => {
  for (const contextFeatures of [0, 2]) {
    const flow = perturbed({ features: 3, layers: 3, hiddenUnits: [10, 10], contextFeatures, dtype: 'float64', rng: new Rng(1) }, 2);
    const context = contextFeatures > 0 ? randomMatrix(1, 2, new Rng(3)) : undefined;
    const { samples, logProb } = flow.sampleAndLogProb(20, { rng: new Rng(4), context });
    const again = flow.logProb(samples, { context: broadcastRows(context, 20) });
    assert.ok(maxAbsDiff(again, logProb) < 1e-9, `context ${contextFeatures}: ${maxAbsDiff(again, logProb)}`);
  }
});

test('createIaf: reverse-KL gradients through sampleTrain match finite differences', () => {
  const flow = perturbed({ features: 2, layers: 2, hiddenUnits: [6], activation: 'tanh', dtype: 'float64', rng: new Rng(5) }, 6);
  const rng = new Rng(7);
  const weights = randomMatrix(5, 2, rng);
  const lpWeights = new Float64Array(5).map(() => rng.normal());
  const loss = () => {
    const pass = flow.sampleTrain(5, { rng: new Rng(8) });
    let s = 0;
    for (let k = 0; k < pass.samples.data.length; k++) s += weights.data[k] * pass.samples.data[k];
    for (let r = 0; r < 5; r++) s += lpWeights[r] * pass.logProb[r];
    return s;
  };
  const params = parametersOf(flow);
  const analytic = () => {
    for (const p of params) p.zeroGrad();
    flow.sampleTrain(5, { rng: new Rng(8) }).backward(weights, lpWeights);
  };
  const worst = gradientCheck(loss, analytic, paramTargets(params), rng, 6);
  assert.ok(worst < 1e-6, `worst relative gradient error ${worst}`);
});

test('createIaf: the bijector config rebuilds an identical flow', () => {
  const flow = perturbed({ features: 3, layers: 2, hiddenUnits: [7], order: 'random', contextFeatures: 1, dtype: 'float64', rng: new Rng(9) }, 10);
  const copy = new TransformedDistribution(flow.base, createBijector(JSON.parse(JSON.stringify(flow.bijector.config()))));
  assert.ok((copy.bijector as Chain).bijectors[0] instanceof Invert);
  const byName = new Map(flow.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(byName.get(name)!.value);
  const x = randomMatrix(4, 3, new Rng(11));
  const context = randomMatrix(4, 1, new Rng(12));
  assert.deepEqual(Array.from(copy.logProb(x, { context })), Array.from(flow.logProb(x, { context })));
});
