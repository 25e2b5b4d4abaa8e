import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { summarizeLogLikelihood } from '../../src/cli/log-likelihood-summary.ts';

describe('summarizeLogLikelihood', () => {
  it('gives the mean, two standard errors and bits per dimension', () => {
    const s = summarizeLogLikelihood(Float64Array.of(-1, -3), 2);
    assert.equal(s.mean, -2);
    assert.ok(Math.abs(s.twoStandardErrors - 2) < 1e-12); // s = √2, s.e. = √2/√2 = 1
    assert.ok(Math.abs(s.bitsPerDimension - 1 / Math.LN2) < 1e-12);
    assert.equal(s.rows, 2);
    assert.equal(summarizeLogLikelihood([-4], 3).twoStandardErrors, 0);
  });

  it('its interval covers the true mean about 95% of the time', () => {
    const rng = new Rng(9);
    let covered = 0;
    for (let trial = 0; trial < 400; trial++) {
      const values = Float64Array.from({ length: 200 }, () => -1 + rng.normal());
      const s = summarizeLogLikelihood(values, 1);
      if (Math.abs(s.mean + 1) <= s.twoStandardErrors) covered++;
    }
    assert.ok(covered > 360 && covered < 396, `covered ${covered}/400`);
  });

  it('gives the median and the worst row with its index', () => {
    const s = summarizeLogLikelihood(Float64Array.of(-1, -900, -2, -3), 2);
    assert.equal(s.median, -2.5);
    assert.equal(s.worst, -900);
    assert.equal(s.worstRow, 1);
    assert.equal(summarizeLogLikelihood([-5, -1, -2], 1).median, -2);
  });

  it('rejects no rows', () => {
    assert.throws(() => summarizeLogLikelihood([], 2), /at least one/);
  });
});
