/**
 * The bounded-memory statistics of the streaming commands against their whole-array definitions: SortedValues (with
 * sorted runs forced onto disk) visits exactly the sorted values; LogLikelihoodAccumulator gives summarizeLogLikelihood's
 * mean (the same sum), median (exact) and worst row, and its standard error to rounding; MomentAccumulator gives
 * columnMoments to rounding, however the rows are split into chunks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { columnMoments } from '../../src/cli/column-moments.ts';
import { LogLikelihoodAccumulator } from '../../src/cli/log-likelihood-accumulator.ts';
import { summarizeLogLikelihood } from '../../src/cli/log-likelihood-summary.ts';
import { MomentAccumulator } from '../../src/cli/moment-accumulator.ts';
import { SortedValues } from '../../src/cli/sorted-values.ts';

/** Chunk boundaries of uneven sizes (1, 2, 3, …) over `n` rows. */
function chunkBounds(n: number): number[] {
  const bounds = [0];
  for (let size = 1; bounds[bounds.length - 1] < n; size++) bounds.push(Math.min(n, bounds[bounds.length - 1] + size));
  return bounds;
}

describe('streamed statistics equal their whole-array definitions', () => {
  it('SortedValues visits every value in ascending order, from memory and from runs on disk (with ties and NaN)', () => {
    const rng = new Rng(1);
    const values = Float64Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 0.5 : rng.normal()));
    values[1234] = Number.NaN;
    const expected = Float64Array.from(values).sort();
    for (const memoryValues of [1, 64, 1000, 1 << 22]) {
      const sorted = new SortedValues({ memoryValues });
      const bounds = chunkBounds(values.length);
      for (let k = 0; k + 1 < bounds.length; k++) sorted.add(values.subarray(bounds[k], bounds[k + 1]));
      const seen: number[] = [];
      sorted.forEachAscending((value, rank) => {
        assert.equal(rank, seen.length);
        seen.push(value);
      });
      assert.deepEqual(Float64Array.from(seen), expected, `memoryValues ${memoryValues}`);
      assert.deepEqual(sorted.atRanks([0, 2499, 2500, 4999]), [expected[0], expected[2499], expected[2500], expected[4999]]);
      sorted.dispose();
    }
  });

  it('LogLikelihoodAccumulator: the same mean, median, worst row and count below the threshold; s.e. to 1e-12', () => {
    const rng = new Rng(2);
    for (const n of [1, 2, 7, 4001]) {
      const lp = Float64Array.from({ length: n }, () => -3 + rng.normal() * 2 - (rng.uniform() < 0.01 ? 40 : 0));
      const accumulator = new LogLikelihoodAccumulator(3, -6, { memoryValues: 100 });
      const bounds = chunkBounds(n);
      for (let k = 0; k + 1 < bounds.length; k++) accumulator.add(lp.subarray(bounds[k], bounds[k + 1]), bounds[k]);
      const streamed = accumulator.summary();
      accumulator.dispose();
      const exact = summarizeLogLikelihood(lp, 3);
      const { twoStandardErrors, ...rest } = streamed;
      const { twoStandardErrors: exactErrors, ...exactRest } = exact;
      assert.deepEqual(rest, exactRest, `n = ${n}`);
      assert.ok(Math.abs(twoStandardErrors - exactErrors) <= 1e-12 * Math.max(1, exactErrors), `n = ${n}: ${twoStandardErrors} vs ${exactErrors}`);
      const below = Array.from(lp.keys()).filter((i) => lp[i] < -6);
      assert.deepEqual(accumulator.below, { count: below.length, first: below.slice(0, 8) });
    }
  });

  it('MomentAccumulator equals columnMoments (mean, std to 1e-12; skewness, kurtosis to 1e-9 of a mean 10⁴ std 1 column) in chunks of 1, 2, 3, … rows', () => {
    const rng = new Rng(3);
    const n = 3000;
    const data = Float64Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? 1e4 + rng.normal() : Math.exp(rng.normal())));
    const accumulator = new MomentAccumulator(2);
    const bounds = chunkBounds(n);
    for (let k = 0; k + 1 < bounds.length; k++) {
      accumulator.add({ rows: bounds[k + 1] - bounds[k], cols: 2, data: data.subarray(bounds[k] * 2, bounds[k + 1] * 2) });
    }
    const exact = columnMoments({ rows: n, cols: 2, data });
    accumulator.moments().forEach((m, d) => {
      for (const key of ['mean', 'std', 'skewness', 'excessKurtosis'] as const) {
        const tolerance = key === 'mean' || key === 'std' ? 1e-12 : 1e-9;
        assert.ok(Math.abs(m[key] - exact[d][key]) <= tolerance * Math.max(1, Math.abs(exact[d][key])), `${key}[${d}]: ${m[key]} vs ${exact[d][key]}`);
      }
    });
  });
});
