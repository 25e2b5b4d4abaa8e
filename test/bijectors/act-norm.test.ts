import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { ActNorm } from '../../src/bijectors/act-norm.ts';
import { collectBuffers } from '../../src/bijectors/collect-buffers.ts';
import { randomMatrix } from '../helpers/numeric.ts';

function moments(m: { rows: number; cols: number; data: ArrayLike<number> }, d: number): [number, number] {
  let mean = 0;
  for (let r = 0; r < m.rows; r++) mean += m.data[r * m.cols + d];
  mean /= m.rows;
  let variance = 0;
  for (let r = 0; r < m.rows; r++) variance += (m.data[r * m.cols + d] - mean) ** 2;
  return [mean, variance / m.rows];
}

test('ActNorm: the first train pass (either direction) standardizes its batch, later passes do not re-initialise', () => {
  const rng = new Rng(2);
  const x = randomMatrix(64, 3, rng, 4);
  for (let k = 0; k < x.data.length; k++) x.data[k] += 10 * (k % 3);
  for (const direction of ['inverse', 'forward'] as const) {
    const actNorm = new ActNorm({ features: 3, dtype: 'float64' }).train();
    const pass = direction === 'inverse' ? actNorm.inverseTrain(x) : actNorm.forwardTrain(x);
    for (let d = 0; d < 3; d++) {
      const [mean, variance] = moments(pass.output, d);
      assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-12, `${direction} feature ${d}: ${mean}, ${variance}`);
    }
    assert.equal(actNorm.initialized[0], 1);
    const shift = Array.from(actNorm.shift.value);
    actNorm.inverseTrain(randomMatrix(64, 3, rng));
    assert.deepEqual(Array.from(actNorm.shift.value), shift);
  }
});

test('ActNorm: an evaluation pass does not initialise; the flag is a saved buffer; a constant column keeps scale 1', () => {
  const actNorm = new ActNorm({ features: 2, dtype: 'float64' });
  const x = randomMatrix(8, 2, new Rng(3));
  for (let r = 0; r < 8; r++) x.data[r * 2 + 1] = 5;
  actNorm.inverse(x);
  assert.equal(actNorm.initialized[0], 0);
  actNorm.train().inverseTrain(x);
  assert.equal(actNorm.logScale.value[1], 0);
  assert.equal(actNorm.shift.value[1], 5);
  assert.deepEqual(collectBuffers(actNorm).map(([name]) => name), ['initialized']);
});
