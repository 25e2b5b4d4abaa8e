/** The MLP context encoder: backward against finite differences, shapes and config round trip. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { MlpEncoder } from '../../src/nn/mlp-encoder.ts';
import { parametersOf, zeroGrad } from '../../src/nn/parameter.ts';
import { gradientCheck, maxAbsDiff, paramTargets } from '../helpers/numeric.ts';

test('MlpEncoder: backward matches finite differences (parameters and input)', () => {
  for (const activation of ['tanh', 'elu'] as const) {
    const rng = new Rng(4);
    const encoder = new MlpEncoder({ inputFeatures: 3, outputFeatures: 5, hiddenUnits: [7, 6], activation, outputActivation: 'tanh', dtype: 'float64', rng });
    const batch = 4;
    const c = rng.fillNormal(new Float64Array(batch * 3));
    const weights = rng.fillNormal(new Float64Array(batch * 5));
    const loss = () => Array.from(encoder.forward(batch, c)).reduce((s, e, k) => s + weights[k] * e * e, 0);
    const dC = new Float64Array(c.length);
    const analytic = () => {
      zeroGrad(encoder);
      const pass = encoder.forwardTrain(batch, c);
      dC.set(pass.backward(pass.output.map((e, k) => 2 * weights[k] * e)));
    };
    const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(encoder)), { value: c, grad: dC }], rng, 15);
    assert.ok(worst < 1e-6, `${activation}: worst relative error ${worst}`);
  }
});

test('MlpEncoder: forwardTrain equals forward; config rebuilds the architecture; bad sizes are refused', () => {
  const rng = new Rng(5);
  const encoder = new MlpEncoder({ inputFeatures: 2, outputFeatures: 3, hiddenUnits: [4], rng });
  const c = new Float32Array([0.5, -1, 2, 0.25]);
  assert.equal(maxAbsDiff(encoder.forwardTrain(2, c).output, encoder.forward(2, c)), 0);
  const copy = MlpEncoder.fromConfig(encoder.config(), new Rng(9));
  assert.deepEqual(copy.config(), encoder.config());
  assert.deepEqual(copy.namedParameters().map(([n, p]) => [n, p.shape]), encoder.namedParameters().map(([n, p]) => [n, p.shape]));
  assert.throws(() => new MlpEncoder({ inputFeatures: 0, outputFeatures: 3 }), /MlpEncoder: inputFeatures must be a positive integer, got 0/);
  assert.throws(() => new MlpEncoder({ inputFeatures: 2, outputFeatures: 3, hiddenUnits: [4, 1.5] }), /hiddenUnits\[1\] must be a positive integer, got 1.5/);
});
