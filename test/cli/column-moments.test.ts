import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { columnMoments } from '../../src/cli/column-moments.ts';
import { randomMatrix } from '../helpers/numeric.ts';

describe('columnMoments', () => {
  it('gives exact moments of a small column', () => {
    const [m] = columnMoments(matrix([[1], [2], [3]], undefined, undefined, 'float64'));
    assert.equal(m.mean, 2);
    assert.equal(m.std, 1);
    assert.equal(m.skewness, 0);
    assert.ok(Math.abs(m.excessKurtosis + 1.5) < 1e-12);
    const [skewed] = columnMoments(matrix([[0], [0], [0], [4]], undefined, undefined, 'float64'));
    assert.ok(skewed.skewness > 1);
  });

  it('approaches 0, 1, 0, 0 per column for standard normal data', () => {
    const moments = columnMoments(randomMatrix(20000, 3, new Rng(5)));
    assert.equal(moments.length, 3);
    for (const m of moments) {
      assert.ok(Math.abs(m.mean) < 0.03 && Math.abs(m.std - 1) < 0.03, JSON.stringify(m));
      assert.ok(Math.abs(m.skewness) < 0.06 && Math.abs(m.excessKurtosis) < 0.12, JSON.stringify(m));
    }
  });

  it('needs two rows', () => {
    assert.throws(() => columnMoments(matrix([[1, 2]])), /expected x \[n, 2\] with n >= 2, got \[1, 2\]/);
  });
});
