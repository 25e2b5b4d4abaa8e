import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { DiagNormal } from '../../src/distributions/diag-normal.ts';
import { randomMatrix } from '../helpers/numeric.ts';
import { checkLogProbGradients, integrate2d } from './distribution-checks.ts';

test('DiagNormal: the doc example density', () => {
  const normal = new DiagNormal({ features: 2, loc: [1, -1], logScale: [0, Math.log(2)], dtype: 'float64' });
  const [lp] = normal.logProb(matrix([[1, -1]]));
  assert.ok(Math.abs(lp - (-Math.log(2 * Math.PI) - Math.log(2))) < 1e-12, `${lp}`);
  const [lp2] = normal.logProb(matrix([[2, 1]]));
  // z = (1, 1): −½·2 − log 2π − log 2
  assert.ok(Math.abs(lp2 - (-1 - Math.log(2 * Math.PI) - Math.log(2))) < 1e-7, `${lp2}`);
  assert.equal(normal.sample(100, { rng: new Rng(0) }).rows, 100);
});

test('DiagNormal: integrates to 1 and samples have the right moments', () => {
  const normal = new DiagNormal({ features: 2, loc: [0.5, -0.3], logScale: [Math.log(0.7), Math.log(1.5)], dtype: 'float64' });
  assert.ok(Math.abs(integrate2d((x) => normal.logProb(x)) - 1) < 1e-3);
  const { samples, logProb } = normal.sampleAndLogProb(20000, { rng: new Rng(3) });
  const plain = normal.logProb(samples);
  for (let r = 0; r < 10; r++) assert.ok(Math.abs(plain[r] - logProb[r]) < 1e-12);
  for (const [d, mu, sd] of [[0, 0.5, 0.7], [1, -0.3, 1.5]]) {
    let m = 0;
    let v = 0;
    for (let r = 0; r < samples.rows; r++) m += samples.data[r * 2 + d];
    m /= samples.rows;
    for (let r = 0; r < samples.rows; r++) v += (samples.data[r * 2 + d] - m) ** 2;
    v /= samples.rows;
    assert.ok(Math.abs(m - mu) < 4 * sd / Math.sqrt(samples.rows), `mean ${m} vs ${mu}`);
    assert.ok(Math.abs(Math.sqrt(v) - sd) < 0.03 * sd, `sd ${Math.sqrt(v)} vs ${sd}`);
  }
});

test('DiagNormal: logProbTrain gradients (loc, logScale, x) match finite differences', () => {
  const rng = new Rng(5);
  const normal = new DiagNormal({ features: 3, loc: [0.2, -1, 0.4], logScale: [0.3, -0.5, 0.1], dtype: 'float64' });
  checkLogProbGradients(normal, randomMatrix(6, 3, rng), rng);
});

test('DiagNormal: a fixed one has no parameters, keeps its values in config and its x-gradient', () => {
  const rng = new Rng(6);
  const normal = new DiagNormal({ features: 2, loc: [1, 2], logScale: [0.5, -0.5], trainable: false, dtype: 'float64' });
  assert.deepEqual(normal.namedParameters(), []);
  const config = normal.config();
  assert.deepEqual(config.loc, [1, 2]);
  const copy = DiagNormal.fromConfig(config);
  const x = randomMatrix(4, 2, rng);
  assert.deepEqual(Array.from(copy.logProb(x)), Array.from(normal.logProb(x)));
  checkLogProbGradients(normal, x, rng);
  const trainable = new DiagNormal({ features: 2 });
  assert.deepEqual(trainable.namedParameters('base').map(([n]) => n), ['base.loc', 'base.logScale']);
  assert.equal(trainable.config().loc, undefined);
});

test('DiagNormal: bad options and shapes throw clear messages', () => {
  assert.throws(() => new DiagNormal({ features: 0 }), /features must be a positive integer, got 0/);
  assert.throws(() => new DiagNormal({ features: 2, loc: [1] }), /expected loc \[2\], got \[1\]/);
  const normal = new DiagNormal({ features: 2 });
  assert.throws(() => normal.logProb(matrix([[1, 2, 3]])), /DiagNormal\.logProb: expected x \[n, 2\], got \[n, 3\]/);
  assert.throws(() => normal.logProb(matrix([[1, 2]]), { context: matrix([[1]]) }), /takes no context/);
});
