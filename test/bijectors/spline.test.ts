/** RationalQuadraticSpline: exactness, derivatives, gradients vs finite differences, and no NaN at the edges. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { createTransformer } from '../../src/bijectors/create-transformer.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { matrix } from '../../src/core/matrix.ts';
import { maxAbsDiff } from '../helpers/numeric.ts';

const randomParams = (rng: Rng, n: number, scale: number) => Float64Array.from({ length: n }, () => scale * rng.normal());

function setup(seed: number, batch = 5, features = 3, bins = 5, tailBound = 2.5) {
  const rng = new Rng(seed);
  const spline = new RationalQuadraticSpline({ bins, tailBound });
  const params = randomParams(rng, batch * features * spline.paramsPerFeature, 1.5);
  // Mostly inside the bound, a few in the tails.
  const z = Float64Array.from({ length: batch * features }, () => 1.3 * rng.normal());
  return { rng, spline, params, z, batch, features };
}

function run(spline: RationalQuadraticSpline, dir: 'forward' | 'inverse', batch: number, features: number,
  input: Float64Array, params: Float64Array) {
  const out = new Float64Array(input.length);
  const logDet = new Float64Array(batch);
  spline[dir](batch, features, 0, features, input, params, out, logDet, false);
  return { out, logDet };
}

test('RationalQuadraticSpline: paramsPerFeature = 3K − 1, config round trip through createTransformer', () => {
  const s = new RationalQuadraticSpline({ bins: 6, tailBound: 4 });
  assert.equal(s.paramsPerFeature, 17);
  const again = createTransformer(s.config()) as RationalQuadraticSpline;
  assert.ok(again instanceof RationalQuadraticSpline);
  assert.equal(again.bins, 6);
  assert.equal(again.tailBound, 4);
  assert.deepEqual(new RationalQuadraticSpline().config(), { type: 'spline', bins: 8, tailBound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3 });
  assert.throws(() => new RationalQuadraticSpline({ bins: 0 }), /bins must be a positive integer, got 0/);
  assert.throws(() => new RationalQuadraticSpline({ tailBound: -1 }), /tailBound must be a positive finite number, got -1/);
});

test('RationalQuadraticSpline: zero raw parameters are the identity', () => {
  const s = new RationalQuadraticSpline({ bins: 4, tailBound: 2 });
  const z = Float64Array.from([-3, -2, -1.3, 0, 0.7, 1.99, 2, 5]);
  const { out, logDet } = run(s, 'forward', 1, z.length, z, new Float64Array(z.length * s.paramsPerFeature));
  assert.ok(maxAbsDiff(out, z) < 1e-12);
  assert.ok(Math.abs(logDet[0]) < 1e-12);
});

test('RationalQuadraticSpline: inverse(forward(z)) = z, log-dets are negatives, identity in the tails', () => {
  const { spline, params, z, batch, features } = setup(1);
  const f = run(spline, 'forward', batch, features, z, params);
  const g = run(spline, 'inverse', batch, features, f.out, params);
  assert.ok(maxAbsDiff(g.out, z) < 1e-10, `round trip ${maxAbsDiff(g.out, z)}`);
  for (let b = 0; b < batch; b++) assert.ok(Math.abs(f.logDet[b] + g.logDet[b]) < 1e-10);
  for (let i = 0; i < z.length; i++) {
    if (Math.abs(z[i]) >= 2.5) assert.equal(f.out[i], z[i], 'tails are the identity');
    else assert.ok(Math.abs(f.out[i]) < 2.5, 'the spline maps [−B, B) into itself');
  }
});

test('RationalQuadraticSpline: forwardDerivative and log-det match central differences, monotone', () => {
  const { spline, params, z, batch, features } = setup(2);
  const deriv = new Float64Array(z.length);
  spline.forwardDerivative(batch, features, z, params, deriv);
  const h = 1e-6;
  const { logDet } = run(spline, 'forward', batch, features, z, params);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let d = 0; d < features; d++) {
      const i = b * features + d;
      const zp = z.slice();
      const zm = z.slice();
      zp[i] += h;
      zm[i] -= h;
      const numeric = (run(spline, 'forward', batch, features, zp, params).out[i] - run(spline, 'forward', batch, features, zm, params).out[i]) / (2 * h);
      assert.ok(Math.abs(numeric - deriv[i]) < 1e-6 * (1 + deriv[i]), `derivative ${i}: ${deriv[i]} vs ${numeric}`);
      assert.ok(deriv[i] > 0);
      sum += Math.log(deriv[i]);
    }
    assert.ok(Math.abs(sum - logDet[b]) < 1e-9);
  }
});

for (const dir of ['forward', 'inverse'] as const) {
  test(`RationalQuadraticSpline: ${dir}Backward gradients (input and raw parameters) match finite differences`, () => {
    const { rng, spline, params, z, batch, features } = setup(3);
    const input = dir === 'forward' ? z : run(spline, 'forward', batch, features, z, params).out;
    const wOut = randomParams(rng, input.length, 1);
    const wLd = randomParams(rng, batch, 1);
    const loss = () => {
      const { out, logDet } = run(spline, dir, batch, features, input, params);
      let s = 0;
      for (let i = 0; i < out.length; i++) s += wOut[i] * out[i];
      for (let b = 0; b < batch; b++) s += wLd[b] * logDet[b];
      return s;
    };
    const { out } = run(spline, dir, batch, features, input, params);
    const dIn = new Float64Array(input.length);
    const dParams = new Float64Array(params.length);
    if (dir === 'forward') spline.forwardBackward(batch, features, input, params, out, wOut, wLd, dIn, dParams);
    else spline.inverseBackward(batch, features, input, params, out, wOut, wLd, dIn, dParams);
    const h = 1e-6;
    let worst = 0;
    const check = (values: Float64Array, grads: Float64Array) => {
      for (let k = 0; k < values.length; k++) {
        const saved = values[k];
        values[k] = saved + h;
        const lp = loss();
        values[k] = saved - h;
        const lm = loss();
        values[k] = saved;
        const numeric = (lp - lm) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - grads[k]) / Math.max(1e-6, Math.abs(numeric) + Math.abs(grads[k])));
      }
    };
    check(input, dIn);
    check(params, dParams);
    assert.ok(worst < 1e-6, `worst relative error ${worst}`);
  });
}

test('RationalQuadraticSpline: never NaN — far outside the bound, exactly at knots, huge raw parameters', () => {
  const s = new RationalQuadraticSpline({ bins: 4, tailBound: 1 });
  const P = s.paramsPerFeature;
  // Knots of the identity spline sit at −1, −0.5, 0, 0.5, 1.
  const inputs = [-1e300, -1, -0.5, 0, 0.5, 1, 1 - 1e-16, 1e300, Infinity, -Infinity];
  const cases = [new Float64Array(P), Float64Array.from({ length: P }, (_, i) => (i % 2 ? 1e8 : -1e8)),
    Float64Array.from({ length: P }, () => 1e300), Float64Array.from({ length: P }, () => -1e300)];
  for (const raw of cases) {
    const n = inputs.length;
    const params = new Float64Array(n * P);
    for (let i = 0; i < n; i++) params.set(raw, i * P);
    const z = Float64Array.from(inputs);
    for (const dir of ['forward', 'inverse'] as const) {
      const { out, logDet } = run(s, dir, n, 1, z, params);
      assert.ok(out.every((v) => !Number.isNaN(v)), `${dir} output has NaN`);
      assert.ok(logDet.every((v) => Number.isFinite(v)), `${dir} log-det not finite`);
      const dIn = new Float64Array(n);
      const dParams = new Float64Array(params.length);
      const grads = new Float64Array(n).fill(1);
      if (dir === 'forward') s.forwardBackward(n, 1, z, params, out, grads, grads, dIn, dParams);
      else s.inverseBackward(n, 1, z, params, out, grads, grads, dIn, dParams);
      assert.ok(dIn.every((v) => !Number.isNaN(v)) && dParams.every((v) => Number.isFinite(v)), `${dir} gradients`);
    }
    const { out } = run(s, 'forward', n, 1, z, params);
    const back = run(s, 'inverse', n, 1, out, params).out;
    for (let i = 1; i < n - 3; i++) assert.ok(Math.abs(back[i] - z[i]) < 1e-6, `round trip at ${z[i]}: ${back[i]}`);
  }
});

test('RationalQuadraticSpline: inside a MAF, inverse(forward(u)) = u in float32 and float64', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const rng = new Rng(7);
    const maf = new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [16], dtype, rng, outputInitScale: 1,
      transformer: new RationalQuadraticSpline({ bins: 6, tailBound: 3 }) });
    const u = matrix([[0.3, -1.2, 2.5], [-2.9, 0.01, 4], [1, 1, -1]], undefined, undefined, dtype);
    const x = maf.forward(u);
    assert.ok(maxAbsDiff(maf.inverse(x).data, u.data) < (dtype === 'float32' ? 1e-4 : 1e-10), dtype);
  }
});
