/**
 * The MLP context encoder of conditional flows: the whole flow's gradient (layers, encoder, x, context) against finite
 * differences, fit training the encoder, the config round trip, and logProb broadcasting a one-row context.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Standardize } from '../../src/bijectors/standardize.ts';
import { createDistribution } from '../../src/distributions/create-distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { withContextEncoder } from '../../src/flows/with-context-encoder.ts';
import { parametersOf, zeroGrad } from '../../src/nn/parameter.ts';
import { fit } from '../../src/train/fit.ts';
import { gradientCheck, paramTargets, randomMatrix } from '../helpers/numeric.ts';

function encoded(seed: number) {
  const inner = createMaf({ features: 2, layers: 2, hiddenUnits: [8], contextFeatures: 4, activation: 'tanh', dtype: 'float64', rng: new Rng(seed) });
  for (const p of parametersOf(inner)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * Math.sin(k + seed);
  return withContextEncoder(inner, {
    contextFeatures: 3, hiddenUnits: [5], activation: 'tanh', rng: new Rng(seed + 1),
    contextStandardize: new Standardize({ mean: [1, -1, 0], std: [2, 0.5, 1] }),
  });
}

test('withContextEncoder: the gradient of logProbTrain reaches the encoder, x and the raw context (finite differences)', () => {
  const flow = encoded(1);
  const rng = new Rng(2);
  const x = randomMatrix(6, 2, rng);
  const c = randomMatrix(6, 3, rng);
  const w = rng.fillNormal(new Float64Array(6));
  const loss = () => flow.logProb(x, { context: c, validateArgs: false }).reduce((s, v, r) => s + w[r] * v, 0);
  const dX = new Float64Array(x.data.length);
  const dC = new Float64Array(c.data.length);
  const analytic = () => {
    zeroGrad(flow);
    const grads = flow.logProbTrain(x, { context: c }).backward(w);
    dX.set(grads.dInput.data);
    dC.set(grads.dContext!.data);
  };
  const encoderParams = parametersOf(flow.contextEncoder!);
  assert.ok(flow.namedParameters().some(([name]) => name.startsWith('contextEncoder.layers.0.')));
  const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(flow)), { value: x.data, grad: dX }, { value: c.data, grad: dC }], rng, 10);
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
  analytic();
  assert.ok(encoderParams.every((p) => p.grad.some((g) => g !== 0)), 'every encoder tensor gets a gradient');
});

test('withContextEncoder: fit trains the encoder; config() rebuilds the same flow; works for other factories', () => {
  const flow = withContextEncoder(createMaf({ features: 1, layers: 1, hiddenUnits: [8], contextFeatures: 2, rng: new Rng(3) }),
    { contextFeatures: 1, hiddenUnits: [8], rng: new Rng(4) });
  const rng = new Rng(5);
  const n = 400;
  const c = randomMatrix(n, 1, rng, 1, 'float32');
  const x = matrix(Array.from(c.data, (v) => 3 * v + 0.1 * rng.normal()), n, 1);
  const before = Array.from(flow.contextEncoder!.layers[0].weight.value);
  const result = fit(flow, x, { context: c, epochs: 15, batchSize: 50, learningRate: 1e-2, rng: new Rng(6) });
  assert.equal(result.failed, false, result.message);
  assert.ok(flow.contextEncoder!.layers[0].weight.value.some((v, k) => v !== before[k]), 'the encoder was trained');
  assert.ok(result.bestValidationLogLik > result.initialValidationLogLik + 1, `${result.initialValidationLogLik} → ${result.bestValidationLogLik}`);
  const copy = createDistribution(flow.config(), new Rng(7));
  const saved = new Map(flow.namedParameters());
  for (const [name, p] of copy.namedParameters()) p.value.set(saved.get(name)!.value);
  const probe = matrix([[0.3], [-1]]);
  assert.deepEqual(copy.logProb(probe, { context: matrix([[0.1], [0.2]]) }), flow.logProb(probe, { context: matrix([[0.1], [0.2]]) }));
  const nsf = withContextEncoder(createNsf({ features: 2, layers: 1, hiddenUnits: [8], contextFeatures: 3, rng: new Rng(8) }), { contextFeatures: 5 });
  assert.equal(nsf.logProb(matrix([[0, 0]]), { context: matrix([[1, 2, 3, 4, 5]]) }).length, 1);
  assert.throws(() => withContextEncoder(createMaf({ features: 2, rng: new Rng(0) }), { contextFeatures: 2 }), /takes no context/);
});

test('logProb broadcasts a one-row context over the rows, as sample does', () => {
  const flow = encoded(9);
  const x = matrix([[0.1, 0.2], [1, -1], [0, 3]], undefined, undefined, 'float64');
  const one = matrix([[0.5, 1, -2]], undefined, undefined, 'float64');
  const full = matrix([[0.5, 1, -2], [0.5, 1, -2], [0.5, 1, -2]], undefined, undefined, 'float64');
  assert.deepEqual(flow.logProb(x, { context: one }), flow.logProb(x, { context: full }));
  const plain = createMaf({ features: 2, contextFeatures: 3, rng: new Rng(0) });
  assert.deepEqual(plain.logProb(x, { context: one }), plain.logProb(x, { context: full }));
  assert.throws(() => plain.logProb(x, { context: matrix([[1, 2, 3], [4, 5, 6]]) }), /expected context \[3, 3\], got \[2, 3\]/);
});
