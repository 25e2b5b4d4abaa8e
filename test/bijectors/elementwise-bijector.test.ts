/** The elementwise bijectors at the extremes: saturation stays inside the support, outside points have density 0. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix, type Dtype } from '../../src/core/matrix.ts';
import { nextFloat } from '../../src/core/next-float.ts';
import { Rng } from '../../src/core/rng.ts';
import { Bounds } from '../../src/bijectors/bounds.ts';
import { Exp } from '../../src/bijectors/exp.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { Sigmoid } from '../../src/bijectors/sigmoid.ts';
import { Softplus } from '../../src/bijectors/softplus.ts';
import { Tanh } from '../../src/bijectors/tanh.ts';
import { StandardNormal } from '../../src/distributions/standard-normal.ts';
import { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { SCALAR_BIJECTIONS } from '../../src/bijectors/scalar-bijections.ts';

const extremes = [-1e6, -800, -40, -1e-300, 0, 1e-300, 40, 800, 1e6];

for (const dtype of ['float32', 'float64'] as Dtype[]) {
  for (const [name, b, low, high] of [
    ['Sigmoid', new Sigmoid({ features: 1, dtype }), 0, 1],
    ['Sigmoid (−2, 3)', new Sigmoid({ features: 1, low: -2, high: 3, dtype }), -2, 3],
    ['Tanh', new Tanh({ features: 1, dtype }), -1, 1],
    ['Exp', new Exp({ features: 1, dtype }), 0, Infinity],
    ['Softplus', new Softplus({ features: 1, dtype }), 0, Infinity],
  ] as const) {
    test(`${name} ${dtype}: forward of extreme inputs stays strictly inside (${low}, ${high}) with a finite log-det, and inverts to finite values`, () => {
      const { output, logDet } = b.forwardAndLogDet(matrix(extremes, extremes.length, 1, 'float64'));
      for (let k = 0; k < extremes.length; k++) {
        const x = output.data[k];
        assert.ok(x > low && x < high && Number.isFinite(x), `forward(${extremes[k]}) = ${x}`);
        assert.ok(Number.isFinite(logDet[k]), `log-det at ${extremes[k]}: ${logDet[k]}`);
      }
      const back = b.inverseAndLogDet(output);
      for (let k = 0; k < extremes.length; k++) {
        assert.ok(Number.isFinite(back.output.data[k]) && Number.isFinite(back.logDet[k]), `inverse of forward(${extremes[k]})`);
      }
    });

    test(`${name} ${dtype}: the density of points on or beyond the bounds is −Infinity (never NaN), inside it is finite`, () => {
      const flow = new TransformedDistribution(new StandardNormal(1, dtype), b);
      const outside = [low, high, low - 1, high + 1].filter(Number.isFinite);
      const lp = flow.logProb(matrix(outside, outside.length, 1, 'float64'));
      for (let k = 0; k < outside.length; k++) assert.equal(lp[k], -Infinity, `log p(${outside[k]})`);
      const inside = [nextFloat(low, 1, dtype), Number.isFinite(high) ? nextFloat(high, -1, dtype) : 1e30];
      const lpIn = flow.logProb(matrix(inside, inside.length, 1, dtype));
      for (let k = 0; k < inside.length; k++) assert.ok(!Number.isNaN(lpIn[k]) && lpIn[k] < Infinity, `log p(${inside[k]}) = ${lpIn[k]}`);
      const { samples } = flow.sampleAndLogProb(200, { rng: new Rng(3) });
      for (const v of samples.data) assert.ok(v > low && v < high, `sample ${v}`);
    });
  }
}

test('the train passes of an out-of-support row give −Infinity and zero gradients, not NaN', () => {
  const logit = new Sigmoid({ features: 2, dtype: 'float64' });
  const pass = logit.inverseTrain(matrix([[0.5, 1.5]], undefined, undefined, 'float64'));
  assert.equal(pass.logDet[0], -Infinity);
  const { dInput } = pass.backward(matrix([[1, 1]], undefined, undefined, 'float64'), Float64Array.of(1));
  assert.deepEqual(Array.from(dInput.data).map(Number.isFinite), [true, true]);
  assert.equal(dInput.data[1], 0);
});

test('the scalar maps agree with their naive formulas where those are accurate', () => {
  for (const u of [-3, -0.5, 0, 0.7, 2.5]) {
    const { sigmoid, tanh, exp, softplus } = SCALAR_BIJECTIONS;
    const s = 1 / (1 + Math.exp(-u));
    assert.ok(Math.abs(sigmoid.logDerivative(u) - Math.log(s * (1 - s))) < 1e-12);
    assert.ok(Math.abs(tanh.logDerivative(u) - Math.log(1 - Math.tanh(u) ** 2)) < 1e-12);
    assert.ok(Math.abs(softplus.logDerivative(u) - Math.log(s)) < 1e-12);
    assert.ok(Math.abs(softplus.inverse(softplus.forward(u)) - u) < 1e-12);
    assert.equal(exp.logDerivative(u), u);
  }
  assert.ok(Math.abs(SCALAR_BIJECTIONS.softplus.inverse(5e-324) - Math.log(5e-324)) < 1e-9);
  assert.equal(SCALAR_BIJECTIONS.softplus.inverse(1e300), 1e300);
});

test('Invert(Exp) is the log: forward of a non-positive value has log-det −Infinity', () => {
  const log = new Invert(new Exp({ features: 1, dtype: 'float64' }));
  const { output, logDet } = log.forwardAndLogDet(matrix([[0], [-2], [Math.E]], undefined, undefined, 'float64'));
  assert.deepEqual(Array.from(logDet), [-Infinity, -Infinity, -1]);
  assert.deepEqual(Array.from(output.data), [0, 0, 1]);
});

test('Bounds: one map per column, the config round trip through JSON, firstOutside, and bad bounds refused', () => {
  const bounds = new Bounds({ bounds: [[0, 1], [5, Infinity], [-Infinity, 2], [-Infinity, Infinity]] });
  const x = matrix([[0.25, 6, 1, -7]], undefined, undefined, 'float64');
  const u = bounds.inverse(x);
  assert.ok(Math.abs(u.data[0] - Math.log(1 / 3)) < 1e-15);
  assert.equal(u.data[1], 0);
  assert.equal(u.data[2], 0);
  assert.equal(u.data[3], -7);
  const copy = Bounds.fromConfig(JSON.parse(JSON.stringify(bounds.config())));
  assert.deepEqual(Array.from(copy.inverse(x).data), Array.from(u.data));
  assert.deepEqual(bounds.config().upper, [1, null, 2, null]);
  assert.equal(bounds.firstOutside(x), null);
  assert.deepEqual(bounds.firstOutside(matrix([[0.5, 6, 1, 0], [0.5, 5, 1, 0]], undefined, undefined, 'float64')), { row: 1, column: 1, value: 5 });
  assert.throws(() => new Bounds({ bounds: [[1, 0]] }), /column 0 needs low < high/);
  assert.throws(() => new Bounds({ bounds: [[0, NaN]] }), /column 0 needs low < high/);
});
