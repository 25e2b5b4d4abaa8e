import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { ksTest } from '../../src/cli/ks-test.ts';
import { normalCdf } from '../../src/cli/normal-cdf.ts';
import { normalQuantile } from '../../src/cli/plots/index.ts';

describe('normalCdf', () => {
  it('matches known values and inverts normalQuantile', () => {
    assert.equal(normalCdf(0), 0.5);
    assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-14);
    assert.ok(Math.abs(normalCdf(-1) - 0.15865525393145707) < 1e-15);
    assert.ok(Math.abs(normalCdf(-5) - 2.866515718791939e-7) < 1e-15);
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-15, `p=${p}`);
    assert.equal(normalCdf(9), 1);
    assert.ok(normalCdf(-9) > 0 && Math.abs(normalCdf(-9) / 1.1285884059538408e-19 - 1) < 1e-12, "relative accuracy in the tail");
    assert.equal(normalCdf(-50), 0);
  });

  it('is monotone and symmetric', () => {
    let previous = 0;
    for (let x = -8; x <= 8; x += 0.01) {
      const c = normalCdf(x);
      assert.ok(c >= previous - 1e-15, `x=${x}`);
      assert.ok(Math.abs(c + normalCdf(-x) - 1) < 1e-15, `x=${x}`);
      previous = c;
    }
  });
});

describe('ksTest', () => {
  it('computes D exactly on a small sample', () => {
    const values = [-1.2, 0.3, 0.8, -0.1];
    const sorted = [...values].sort((a, b) => a - b);
    let expected = 0;
    sorted.forEach((v, i) => { expected = Math.max(expected, (i + 1) / 4 - normalCdf(v), normalCdf(v) - i / 4); });
    assert.equal(ksTest(values).statistic, expected);
  });

  it('accepts N(0,1) samples and rejects shifted or scaled ones', () => {
    const rng = new Rng(11);
    const normal = Float64Array.from({ length: 2000 }, () => rng.normal());
    const good = ksTest(normal);
    assert.ok(good.statistic < 0.04 && good.pValue > 0.01, `D=${good.statistic}, p=${good.pValue}`);
    const shifted = ksTest(normal.map((v) => v + 0.3));
    assert.ok(shifted.statistic > 0.08 && shifted.pValue < 1e-6, `D=${shifted.statistic}, p=${shifted.pValue}`);
    const wide = ksTest(normal.map((v) => 2 * v));
    assert.ok(wide.pValue < 1e-6);
  });

  it('rejects an empty input', () => {
    assert.throws(() => ksTest([]), /at least one value/);
  });
});
