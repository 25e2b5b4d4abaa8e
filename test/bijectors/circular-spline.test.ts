/** Circular splines: a density on the cylinder [−π, π) × ℝ that integrates to 1, samples in range, the seam. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, zeros } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { CircularSpline } from '../../src/bijectors/circular-spline.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { parametersOf } from '../../src/nn/parameter.ts';

/** One angle column: a rotated, wrapped spline, then the angle mapped to the real line for a normal base. */
function circleFlow(): TransformedDistribution {
  const rng = new Rng(3);
  const layer = new MaskedAutoregressiveFlow({ features: 1, hiddenUnits: [4], dtype: 'float64', rng, transformer: new CircularSpline({ circular: [true], bins: 6 }) });
  for (const p of parametersOf(layer)) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.8 * rng.normal();
  return new TransformedDistribution(new StandardNormal(1, 'float64'), new Chain([layer, new Bounds({ bounds: [[-Math.PI, Math.PI]] })]));
}

test('a circular-spline flow on [−π, π) integrates to 1, rotated and wrapped, and samples angles in [−π, π)', () => {
  const flow = circleFlow();
  const n = 200000;
  const grid = zeros(n, 1, 'float64');
  const step = (2 * Math.PI) / n;
  for (let i = 0; i < n; i++) grid.data[i] = -Math.PI + (i + 0.5) * step;
  let mass = 0;
  for (const v of flow.logProb(grid)) mass += Math.exp(v) * step;
  assert.ok(Math.abs(mass - 1) < 1e-6, `total probability ${mass}`);
  const layer = (flow.bijector as Chain).bijectors[0] as MaskedAutoregressiveFlow;
  const phi = layer.made.forward(1, Float64Array.of(0), null)[0];
  assert.ok(Math.abs(phi) > 0.1, `the rotation is not trivial: ${phi}`);
  const { samples, logProb } = flow.sampleAndLogProb(300, { rng: new Rng(4) });
  const again = flow.logProb(samples);
  for (let r = 0; r < 300; r++) {
    assert.ok(samples.data[r] >= -Math.PI && samples.data[r] < Math.PI, `angle ${samples.data[r]}`);
    assert.ok(Math.abs(again[r] - logProb[r]) < 1e-8, `row ${r}`);
  }
});

test('the spline reads an angle modulo 2π: x and x + 2π have the same base value and log-determinant', () => {
  const maf = new MaskedAutoregressiveFlow({ features: 1, hiddenUnits: [8], dtype: 'float64', rng: new Rng(5),
    transformer: new CircularSpline({ circular: [true] }) });
  const rng = new Rng(6);
  for (const p of parametersOf(maf)) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.3 * rng.normal();
  const a = maf.inverseAndLogDet(matrix([[1]], undefined, undefined, 'float64'));
  const b = maf.inverseAndLogDet(matrix([[1 + 2 * Math.PI]], undefined, undefined, 'float64'));
  assert.ok(Math.abs(a.output.data[0] - b.output.data[0]) < 1e-12 && Math.abs(a.logDet[0] - b.logDet[0]) < 1e-12);
  assert.throws(() => new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [8], rng: new Rng(0), transformer: new CircularSpline({ circular: [true] }) })
    .inverse(matrix([[0, 0, 0]])), /circular has 1 flags, .*3/);
});
