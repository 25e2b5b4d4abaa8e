/**
 * Chain's evaluation passes write each member's output into reused intermediate buffers (`computeInto`). They must
 * give what composing the members' public calls gives (nested chains, Invert, members with and without an
 * in-place pass, mixed dtypes, both directions, on each backend: outputs exactly, log-dets to rounding), hand the caller fresh arrays that later calls never
 * touch, and not keep buffers of very large passes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchNormalization } from '../../src/bijectors/batch-normalization.ts';
import type { Bijector, BijectorResult } from '../../src/bijectors/bijector.ts';
import { Chain } from '../../src/bijectors/chain.ts';
import { Invert } from '../../src/bijectors/invert.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { Permute } from '../../src/bijectors/permute.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { Shift } from '../../src/bijectors/shift.ts';
import { zeros, type Dtype, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import type { Kernels } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';

const D = 5;
const native = loadNativeBackend();
const backends: [string, Kernels][] = [['reference', referenceKernels], ...(native.ok ? [['native', native.kernels] as [string, Kernels]] : [])];

function normals(rows: number, cols: number, seed: number, dtype: Dtype = 'float32'): Matrix {
  const rng = new Rng(seed);
  const m = zeros(rows, cols, dtype);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal();
  return m;
}

function maf(rng: Rng, dtype: Dtype, extra: object = {}): MaskedAutoregressiveFlow {
  return new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [13, 11], contextFeatures: 2, dtype, rng, ...extra });
}

/** Members of every kind: fused MAFs (either direction), Permute, Invert, a nested Chain, BN and a spline MAF. */
function mixedChain(dtype: Dtype, permuteDtype: Dtype = dtype): Chain {
  const rng = new Rng(5);
  const bn = new BatchNormalization({ features: D, dtype });
  for (let d = 0; d < D; d++) bn.runningVariance[d] = 0.5 + d / 4;
  return new Chain([
    maf(rng, dtype),
    new Permute({ features: D, permutation: 'random', rng, dtype: permuteDtype }),
    new Invert(maf(rng, dtype, { activation: 'tanh' })),
    new Chain([bn, maf(rng, dtype, { transformer: new RationalQuadraticSpline({ bins: 4, tailBound: 3 }) })]),
    new Permute({ features: D, dtype: permuteDtype }),
    maf(rng, dtype, { residual: true, hiddenUnits: [9, 9] }),
  ]);
}

/** The members' public calls one after another (inverse: first to last; forward: last to first), log-dets added. */
function composed(chain: Chain, direction: 'forward' | 'inverse', input: Matrix, context: Matrix): BijectorResult {
  const members = direction === 'inverse' ? [...chain.bijectors] : [...chain.bijectors].reverse();
  const logDet = new Float64Array(input.rows);
  let value = input;
  for (const b of members) {
    const options = b.contextFeatures > 0 ? { context } : {};
    const r = direction === 'inverse' ? b.inverseAndLogDet(value, options) : b.forwardAndLogDet(value, options);
    for (let k = 0; k < logDet.length; k++) logDet[k] += r.logDet[k];
    value = r.output;
  }
  return { output: value, logDet };
}

/** Log-dets are summed in another order than the composition's (accumulated per member): equal to rounding. */
function assertLogDetClose(got: Float64Array, want: Float64Array, label: string): void {
  assert.equal(got.length, want.length);
  for (let k = 0; k < got.length; k++) {
    assert.ok(Math.abs(got[k] - want[k]) <= 1e-12 * (1 + Math.abs(want[k])), `${label}: row ${k}: ${got[k]} vs ${want[k]}`);
  }
}

function run(b: Bijector, direction: 'forward' | 'inverse', input: Matrix, context: Matrix): BijectorResult {
  return direction === 'inverse' ? b.inverseAndLogDet(input, { context }) : b.forwardAndLogDet(input, { context });
}

describe('Chain evaluation into reused buffers', () => {
  for (const [name, backend] of backends) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name}, ${dtype}: equals the composition of its members' calls, both directions`, () => withBackend(backend, () => {
        const chain = mixedChain(dtype);
        for (const direction of ['inverse', 'forward'] as const) {
          for (const rows of [1, 7, 130]) {
            const x = normals(rows, D, rows, dtype);
            const context = normals(rows, 2, 100 + rows, dtype);
            const got = run(chain, direction, x, context);
            const want = composed(chain, direction, x, context);
            assert.deepEqual(got.output.data, want.output.data, `${direction} ${rows} rows: output`);
            assertLogDetClose(got.logDet, want.logDet, `${direction} ${rows} rows: logDet`);
            assert.ok(got.logDet.every((v) => Number.isFinite(v) && v !== 0), 'log-dets written');
          }
        }
      }));
    }
  }

  it('returns fresh arrays: a later call (same or other row count) leaves earlier results untouched', () => {
    const chain = mixedChain('float32');
    const x1 = normals(20, D, 1);
    const c1 = normals(20, 2, 2);
    const first = chain.inverseAndLogDet(x1, { context: c1 });
    const saved = { output: first.output.data.slice(), logDet: first.logDet.slice() };
    chain.inverseAndLogDet(normals(20, D, 3), { context: normals(20, 2, 4) });
    chain.forwardAndLogDet(normals(20, D, 5), { context: normals(20, 2, 6) });
    chain.inverseAndLogDet(normals(33, D, 7), { context: normals(33, 2, 8) });
    assert.deepEqual(first.output.data, saved.output);
    assert.deepEqual(first.logDet, saved.logDet);
    const again = chain.inverseAndLogDet(x1, { context: c1 });
    assert.notEqual(again.output.data, first.output.data);
    assert.deepEqual(again.output.data, saved.output);
  });

  it('members of another dtype than the chain get their input converted, as through their public calls', () => {
    const chain = mixedChain('float64', 'float32');
    assert.equal(chain.dtype, 'float64');
    const x = normals(9, D, 11, 'float64');
    const context = normals(9, 2, 12, 'float64');
    for (const direction of ['inverse', 'forward'] as const) {
      const got = run(chain, direction, x, context);
      const want = composed(chain, direction, x, context);
      assert.ok(got.output.data instanceof Float64Array);
      assert.deepEqual(Array.from(got.output.data), Array.from(want.output.data), `${direction}: output`);
      assertLogDetClose(got.logDet, want.logDet, `${direction}: logDet`);
    }
  });

  it('passes larger than the retained size (2^20 entries) are computed in fresh buffers, with the same result', () => {
    const rows = (1 << 19) + 3;
    const chain = new Chain([new Permute({ features: 2 }), new Shift({ features: 2, shift: [1, -2] }), new Permute({ features: 2 })]);
    const x = normals(rows, 2, 13);
    const got = chain.inverseAndLogDet(x);
    const want = composed(chain, 'inverse', x, zeros(rows, 0));
    assert.deepEqual(got.output.data, want.output.data);
    assert.deepEqual(got.logDet, want.logDet);
  });
});
