/** A user-built conditioner in a MaskedAutoregressiveFlow: per-layer activations, residual connections, dropout. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { createBijector } from '../../src/bijectors/create-bijector.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { Made } from '../../src/nn/made.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { gradientCheck, paramTargets, randomMatrix } from '../helpers/numeric.ts';

test('a Made built by the caller is the conditioner; its per-layer activations and dropout survive the config', () => {
  const rng = new Rng(0);
  const made = new Made({ features: 3, hiddenUnits: [16, 16, 16], activation: ['relu', 'tanh', 'tanh'], residual: true,
    dropout: 0.2, paramsPerFeature: 3 * 4, contextFeatures: 1, dtype: 'float64', rng });
  const maf = new MaskedAutoregressiveFlow({ features: 3, rng, made, transformer: new NeuralAutoregressiveTransformer({ hiddenUnits: 4 }) });
  assert.equal(maf.made, made);
  const config = JSON.parse(JSON.stringify(maf.config()));
  assert.deepEqual(config.made.activation, ['relu', 'tanh', 'tanh']);
  assert.equal(config.made.dropout, 0.2);
  const copy = createBijector(config, new Rng(1)) as MaskedAutoregressiveFlow;
  assert.deepEqual(copy.made.activations, ['relu', 'tanh', 'tanh']);
  assert.equal(copy.made.dropout, 0.2);
  assert.throws(() => new MaskedAutoregressiveFlow({ features: 3, rng, made }), /the made has 3 features and 12 outputs per feature; expected 3 and the transformer's 2/);
  assert.throws(() => new Made({ features: 2, hiddenUnits: [4, 4], activation: ['relu'], rng }), /one activation per hidden layer \(2\), got 1/);
  assert.throws(() => new Made({ features: 2, dropout: 1, rng }), /dropout must be in \[0, 1\)/);
});

test('dropout acts in training mode only, and its backward pass matches finite differences', () => {
  const rng = new Rng(2);
  const maf = new MaskedAutoregressiveFlow({ features: 4, hiddenUnits: [64, 64], activation: ['tanh', 'elu'], dropout: 0.25, dtype: 'float64', rng });
  for (const p of parametersOf(maf)) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.2 * rng.normal();
  const x = randomMatrix(6, 4, rng);
  const evaluation = maf.inverseTrain(x).output.data.slice();
  assert.deepEqual(Array.from(maf.inverseTrain(x).output.data), Array.from(evaluation));
  assert.deepEqual(Array.from(maf.inverse(x).data), Array.from(evaluation));
  maf.train();
  const dropped = maf.inverseTrain(x).output.data.slice();
  assert.ok(dropped.some((v, k) => Math.abs(v - evaluation[k]) > 1e-6), 'training mode changes the output');
  // Fix the masks (reseed before each pass) so that the loss is a function of the parameters.
  const run = () => {
    maf.made.dropoutRng = new Rng(9);
    return maf.inverseTrain(x);
  };
  const weights = randomMatrix(6, 4, rng);
  const ldWeights = Float64Array.from({ length: 6 }, () => rng.normal());
  const loss = () => {
    const pass = run();
    let s = 0;
    for (let k = 0; k < pass.output.data.length; k++) s += weights.data[k] * pass.output.data[k];
    for (let r = 0; r < 6; r++) s += ldWeights[r] * pass.logDet[r];
    return s;
  };
  const params = parametersOf(maf);
  let dInput = x.data;
  const analytic = () => {
    for (const p of params) p.zeroGrad();
    dInput = run().backward(weights, ldWeights).dInput.data.slice();
  };
  const worst = gradientCheck(loss, analytic, [...paramTargets(params), { value: x.data as Float64Array, get grad() { return dInput; } }], rng);
  assert.ok(worst < 1e-6, `worst relative gradient error ${worst}`);
});
