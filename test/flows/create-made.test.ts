import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { createMade } from '../../src/flows/create-made.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients, integrate2d } from '../distributions/distribution-checks.ts';

test('createMade: a single MAF layer over a standard normal, with defaults', () => {
  const made = createMade({ features: 3 });
  assert.ok(made.base instanceof StandardNormal);
  const maf = made.bijector as MaskedAutoregressiveFlow;
  assert.ok(maf instanceof MaskedAutoregressiveFlow);
  assert.deepEqual(maf.made.config().hiddenUnits, [64, 64]);
  assert.equal(made.dtype, 'float32');
  assert.equal(made.sample(5, { rng: new Rng(1) }).rows, 5);
});

test('createMade: D = 1 is a Gaussian N(m, exp(2s)) from the output biases', () => {
  const made = createMade({ features: 1, hiddenUnits: [4], dtype: 'float64', rng: new Rng(2) });
  const maf = made.bijector as MaskedAutoregressiveFlow;
  maf.made.output.bias.value.set([0.7, Math.log(2)]);
  const s = 5 * Math.tanh(Math.log(2) / 5);
  const x = matrix([[-1], [0.3], [2]], undefined, undefined, 'float64');
  const lp = made.logProb(x);
  for (let r = 0; r < 3; r++) {
    const z = (x.data[r] - 0.7) / Math.exp(s);
    assert.ok(Math.abs(lp[r] - (-0.5 * z * z - s - 0.5 * Math.log(2 * Math.PI))) < 1e-12);
  }
});

test('createMade: density integrates to 1 and gradients (with context, residual) match finite differences', () => {
  const rng = new Rng(3);
  const made = createMade({ features: 2, hiddenUnits: [10], dtype: 'float64', rng });
  for (const p of parametersOf(made)) for (let k = 0; k < p.size; k++) p.value[k] += 0.4 * rng.normal();
  assert.ok(Math.abs(integrate2d((x) => made.logProb(x)) - 1) < 1e-2);
  const conditional = createMade({ features: 3, hiddenUnits: [9, 9], residual: true, contextFeatures: 2, activation: 'tanh',
    dtype: 'float64', rng });
  for (const p of parametersOf(conditional)) for (let k = 0; k < p.size; k++) p.value[k] += 0.2 * rng.normal();
  checkLogProbGradients(conditional, randomMatrix(4, 3, rng), rng, randomMatrix(4, 2, rng));
});

test('createMade: a few gradient-ascent steps on the log-likelihood fit a shifted, scaled Gaussian better', () => {
  const rng = new Rng(4);
  const made = createMade({ features: 2, hiddenUnits: [16], dtype: 'float64', rng });
  const data = randomMatrix(256, 2, rng);
  for (let r = 0; r < data.rows; r++) data.data[2 * r + 1] = 3 + 0.5 * data.data[2 * r + 1] + 0.8 * data.data[2 * r];
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
  const before = mean(made.logProb(data));
  const params = parametersOf(made);
  for (let step = 0; step < 150; step++) {
    for (const p of params) p.zeroGrad();
    made.logProbTrain(data).backward(new Float64Array(data.rows).fill(1 / data.rows));
    for (const p of params) for (let k = 0; k < p.size; k++) p.value[k] += 0.05 * p.grad[k];
  }
  const after = mean(made.logProb(data));
  assert.ok(after > before + 2, `mean log-likelihood ${before} → ${after}`);
});
