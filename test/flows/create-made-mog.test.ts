import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { MadeMog } from '../../src/distributions/made-mog.ts';
import { createMadeMog } from '../../src/flows/create-made-mog.ts';
import { parametersOf } from '../../src/nn/parameter.ts';
import { randomMatrix } from '../helpers/numeric.ts';

test('createMadeMog: a MadeMog with the given components, widths, context and dtype', () => {
  const density = createMadeMog({ features: 3, components: 4, hiddenUnits: [12, 12], contextFeatures: 2, residual: true,
    dtype: 'float64', rng: new Rng(1) });
  assert.ok(density instanceof MadeMog);
  assert.equal(density.components, 4);
  assert.equal(density.made.paramsPerFeature, 12);
  assert.deepEqual(density.made.config().hiddenUnits, [12, 12]);
  assert.equal(density.contextFeatures, 2);
  const samples = density.sample(6, { rng: new Rng(2), context: matrix([[0.5, -0.5]]) });
  assert.deepEqual([samples.rows, samples.cols], [6, 3]);
  const defaults = createMadeMog({ features: 2 });
  assert.equal(defaults.components, 10);
  assert.equal(defaults.dtype, 'float32');
});

test('createMadeMog: gradient ascent fits a bimodal 1-D conditional better than a single Gaussian could', () => {
  const rng = new Rng(3);
  const density = createMadeMog({ features: 2, components: 2, hiddenUnits: [16], dtype: 'float64', rng });
  const data = randomMatrix(200, 2, rng, 0.2);
  for (let r = 0; r < data.rows; r++) data.data[2 * r + 1] += r % 2 === 0 ? 2 : -2;
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
  const params = parametersOf(density);
  // A minimal Adam ascent (the train/ layer is not needed to test the model).
  const moments = params.map((p) => [new Float64Array(p.size), new Float64Array(p.size)]);
  for (let step = 1; step <= 300; step++) {
    for (const p of params) p.zeroGrad();
    density.logProbTrain(data).backward(new Float64Array(data.rows).fill(1 / data.rows));
    params.forEach((p, i) => {
      const [m, v] = moments[i];
      for (let k = 0; k < p.size; k++) {
        m[k] = 0.9 * m[k] + 0.1 * p.grad[k];
        v[k] = 0.999 * v[k] + 0.001 * p.grad[k] ** 2;
        p.value[k] += (0.02 * m[k] / (1 - 0.9 ** step)) / (Math.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8);
      }
    });
  }
  // The best diagonal Gaussian's mean log-likelihood is Σ_d −½ log(2πe·var_d) (≈ −1.9 here); two components per
  // conditional can reach ≈ −0.3.
  let gaussian = 0;
  for (let d = 0; d < 2; d++) {
    const column = Float64Array.from({ length: data.rows }, (_, r) => data.data[2 * r + d]);
    const m = mean(column);
    gaussian -= 0.5 * Math.log(2 * Math.PI * Math.E * mean(column.map((v) => (v - m) ** 2)));
  }
  const fitted = mean(density.logProb(data));
  assert.ok(fitted > gaussian + 0.5, `mixture ${fitted} vs best Gaussian ${gaussian}`);
});
