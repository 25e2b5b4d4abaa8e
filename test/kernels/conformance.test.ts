/**
 * Conformance of the native backend against the reference oracle: every kernel, table-driven over shapes that hit
 * the edge cases of a blocked GEMM (D = 1, 2, odd widths, batch 1 / 3 / 257, inDim 1, K beyond one cache block,
 * column ranges inside the matrix, every activation, dense and staircase prefixes with leading zeros), run on each
 * instruction set this CPU has and with one and with all threads. Skips only when the addon is not built.
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { ACTIVATIONS, type Activation } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels as ref } from '../../src/kernels/reference.ts';

const load = loadNativeBackend();
const skip = load.ok ? false : `native addon not built (${load.reason})`;

/** |actual − expected| ≤ rtol·scale + atol elementwise, where scale is `magnitude` (a bound on the summed terms) or |expected|. */
function assertClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number,
  magnitude?: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let k = 0; k < expected.length; k++) {
    const scale = magnitude === undefined ? Math.abs(expected[k]) : magnitude[k];
    const ok = Math.abs(actual[k] - expected[k]) <= rtol * scale + atol || (Number.isNaN(actual[k]) && Number.isNaN(expected[k]));
    if (!ok) assert.fail(`${label}: element ${k}: native ${actual[k]} vs reference ${expected[k]} (scale ${scale})`);
  }
}

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.normal() * scale;
  return a;
}

type PrefixKind = 'dense' | 'staircase' | 'leading-zeros';

/** A non-decreasing prefix in [0, inDim]; 'leading-zeros' makes the first quarter of the outputs read nothing. */
function makePrefix(kind: PrefixKind, rng: Rng, inDim: number, outDim: number): Int32Array | null {
  if (kind === 'dense') return null;
  const p = new Int32Array(outDim);
  for (let j = 0; j < outDim; j++) p[j] = rng.int(inDim + 1);
  p.sort();
  if (kind === 'leading-zeros') for (let j = 0; j < Math.ceil(outDim / 4); j++) p[j] = 0;
  return p;
}

/** The weights with every masked entry set to NaN, so that reading one poisons the result. */
function poisonMasked(w: Float32Array, prefix: Int32Array | null, inDim: number): Float32Array {
  const out = w.slice();
  if (prefix !== null) for (let j = 0; j < prefix.length; j++) out.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
  return out;
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

interface GemmShape { batch: number; inDim: number; outDim: number }
const SHAPES: GemmShape[] = [
  { batch: 3, inDim: 1, outDim: 1 },
  { batch: 1, inDim: 2, outDim: 2 },
  { batch: 3, inDim: 1, outDim: 17 },
  { batch: 257, inDim: 37, outDim: 53 },
  { batch: 9, inDim: 33, outDim: 66 },
  { batch: 130, inDim: 300, outDim: 270 }, // several K blocks; thread pool splitting columns
  { batch: 600, inDim: 40, outDim: 50 }, // thread pool splitting rows
  { batch: 100, inDim: 64, outDim: 12 },
  { batch: 19, inDim: 21, outDim: 45 }, // backward panels of 16 then 8 columns (a narrow MADE input layer)
  { batch: 37, inDim: 12, outDim: 30 }, // backward: one 16-wide panel, 4 padding lanes
];
const PREFIX_KINDS: PrefixKind[] = ['dense', 'staircase', 'leading-zeros'];

function gemmCase(rng: Rng, { batch, inDim, outDim }: GemmShape, kind: PrefixKind, activation: Activation,
  accumulate: boolean, middle: boolean, withBias: boolean): void {
  const label = `[${batch}x${inDim}]->${outDim} ${kind} ${activation} acc=${accumulate} middle=${middle}`;
  const prefix = makePrefix(kind, rng, inDim, outDim);
  const x = normals(rng, batch * inDim);
  const w = poisonMasked(normals(rng, outDim * inDim, 1 / Math.sqrt(inDim)), prefix, inDim);
  const wAbs = abs(w.map((v) => (Number.isNaN(v) ? 0 : v)));
  const bias = withBias ? normals(rng, outDim) : null;
  const start = middle ? Math.floor(outDim / 3) : 0;
  const end = middle ? Math.max(start, outDim - Math.floor(outDim / 4)) : outDim;
  const out0 = normals(rng, batch * outDim);
  const expected = out0.slice();
  const actual = out0.slice();
  ref.prefixGemm(batch, inDim, outDim, x, w, prefix, bias, expected, accumulate, activation, start, end);
  load.ok && load.kernels.prefixGemm(batch, inDim, outDim, x, w, prefix, bias, actual, accumulate, activation, start, end);
  const magnitude = new Float64Array(batch * outDim).fill(1);
  ref.prefixGemm(batch, inDim, outDim, abs(x), wAbs, prefix, bias === null ? null : abs(bias), magnitude, accumulate,
    'identity', 0, outDim);
  for (let k = 0; k < magnitude.length; k++) magnitude[k] += accumulate ? 0 : Math.abs(out0[k]);
  assertClose(`prefixGemm ${label}`, actual, expected, 2e-5, 1e-6, magnitude);

  const dOut = normals(rng, batch * outDim);
  const dIn0 = normals(rng, batch * inDim);
  const dInExpected = dIn0.slice();
  const dInActual = dIn0.slice();
  ref.prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dInExpected, accumulate);
  load.ok && load.kernels.prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dInActual, accumulate);
  const dInMagnitude = new Float64Array(batch * inDim);
  ref.prefixGemmBackwardInput(batch, inDim, outDim, abs(dOut), wAbs, prefix, dInMagnitude, false);
  for (let k = 0; k < dInMagnitude.length; k++) dInMagnitude[k] += 1 + (accumulate ? Math.abs(dIn0[k]) : 0);
  assertClose(`prefixGemmBackwardInput ${label}`, dInActual, dInExpected, 2e-5, 1e-6, dInMagnitude);

  // Masked entries of dW start as a sentinel and must come back bit-for-bit untouched.
  const dW0 = normals(rng, outDim * inDim);
  const dBias0 = normals(rng, outDim);
  const dWExpected = dW0.slice();
  const dWActual = dW0.slice();
  const dBiasExpected = withBias ? dBias0.slice() : null;
  const dBiasActual = withBias ? dBias0.slice() : null;
  ref.prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dWExpected, dBiasExpected, accumulate);
  load.ok && load.kernels.prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dWActual, dBiasActual, accumulate);
  const dWMagnitude = new Float64Array(outDim * inDim);
  ref.prefixGemmBackwardWeight(batch, inDim, outDim, abs(dOut), abs(x), null, dWMagnitude, null, false);
  for (let k = 0; k < dWMagnitude.length; k++) dWMagnitude[k] += 1 + (accumulate ? Math.abs(dW0[k]) : 0);
  assertClose(`prefixGemmBackwardWeight dW ${label}`, dWActual, dWExpected, 2e-5, 1e-6, dWMagnitude);
  if (prefix !== null) {
    for (let j = 0; j < outDim; j++) {
      for (let i: number = prefix[j]; i < inDim; i++) assert.equal(dWActual[j * inDim + i], dW0[j * inDim + i], `${label}: masked dW[${j}, ${i}] written`);
    }
  }
  if (dBiasActual !== null && dBiasExpected !== null) {
    assertClose(`prefixGemmBackwardWeight dBias ${label}`, dBiasActual, dBiasExpected, 2e-5, 1e-5 * batch);
  }
}

/**
 * The staircase sampler's calls: consecutive narrow column ranges [s, s + width) of one staircase layer, each
 * accumulated onto the previous output (the dot-product path for ≤ 4 columns, narrow panels above).
 */
function samplerRangeCase(rng: Rng, width: number, activation: Activation): void {
  const [batch, inDim, outDim] = [203, 70, 60];
  const prefix = makePrefix('staircase', rng, inDim, outDim);
  const x = normals(rng, batch * inDim);
  const w = poisonMasked(normals(rng, outDim * inDim, 1 / Math.sqrt(inDim)), prefix, inDim);
  const out0 = normals(rng, batch * outDim);
  const [expected, actual] = [out0.slice(), out0.slice()];
  for (let start = 0; start < outDim; start += width) {
    const end = Math.min(outDim, start + width);
    ref.prefixGemm(batch, inDim, outDim, x, w, prefix, null, expected, true, activation, start, end);
    load.ok && load.kernels.prefixGemm(batch, inDim, outDim, x, w, prefix, null, actual, true, activation, start, end);
  }
  const magnitude = new Float64Array(batch * outDim);
  ref.prefixGemm(batch, inDim, outDim, abs(x), abs(w.map((v) => (Number.isNaN(v) ? 0 : v))), prefix, null, magnitude,
    false, 'identity', 0, outDim);
  for (let k = 0; k < magnitude.length; k++) magnitude[k] += 1 + Math.abs(out0[k]);
  assertClose(`prefixGemm sampler ranges of ${width} ${activation}`, actual, expected, 2e-5, 1e-6, magnitude);
}

const isas = load.ok ? ['avx512', 'avx2', 'generic'].filter((isa) => load.addon.setIsa(isa)) : [];
const bestIsa = isas[0];
const threadCounts = load.ok ? [...new Set([1, load.addon.threads()])] : [];

describe('native backend conforms to reference', { skip }, () => {
  after(() => {
    if (!load.ok) return;
    load.addon.setIsa(bestIsa);
    load.addon.setThreads(Math.max(...threadCounts));
  });

  for (const isa of isas) {
    for (const threads of threadCounts) {
      it(`prefix GEMM forward and backward (${isa}, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
        if (!load.ok) return;
        load.addon.setIsa(isa);
        load.addon.setThreads(threads);
        const rng = new Rng(7);
        let n = 0;
        for (const shape of SHAPES) {
          for (const kind of PREFIX_KINDS) {
            for (const accumulate of [false, true]) {
              for (const middle of [false, true]) {
                gemmCase(rng, shape, kind, ACTIVATIONS[n % ACTIVATIONS.length], accumulate, middle, n % 3 !== 2);
                n++;
              }
            }
          }
        }
        for (const activation of ACTIVATIONS) gemmCase(rng, SHAPES[3], 'staircase', activation, false, false, true);
        for (const width of [1, 2, 3, 4, 5, 12, 16, 17, 26]) samplerRangeCase(rng, width, ACTIVATIONS[width % ACTIVATIONS.length]);
      });
    }
  }

  it('activation and activationBackward, every kind, on a column range', () => {
    if (!load.ok) return;
    const rng = new Rng(11);
    const rows = 13;
    const cols = 29;
    for (const kind of ACTIVATIONS) {
      const x = normals(rng, rows * cols, 4);
      const expected = x.slice();
      const actual = x.slice();
      ref.activation(kind, rows, cols, 5, 21, x, expected);
      load.kernels.activation(kind, rows, cols, 5, 21, x, actual);
      assertClose(`activation ${kind}`, actual, expected, 1e-6, 1e-7);
      const y = expected;
      const dOut = normals(rng, rows * cols);
      const dExpected = new Float32Array(rows * cols);
      const dActual = dOut.slice();
      ref.activationBackward(kind, rows * cols, y, dOut, dExpected);
      load.kernels.activationBackward(kind, rows * cols, y, dActual, dActual); // in place: dIn may be dOut
      assertClose(`activationBackward ${kind}`, dActual, dExpected, 1e-6, 1e-7);
    }
  });

  it('affine transforms and their backward passes (bound 5 and Infinity, shiftOnly)', () => {
    if (!load.ok) return;
    const rng = new Rng(13);
    for (const [batch, features] of [[1, 1], [3, 2], [257, 7], [3001, 5]]) {
      for (const bound of [5, Infinity]) {
        for (const shiftOnly of [false, true]) {
          const label = `[${batch}x${features}] bound=${bound} shiftOnly=${shiftOnly}`;
          const n = batch * features;
          const params = normals(rng, shiftOnly ? n : 2 * n, 2);
          const input = normals(rng, n);
          const dStart = Math.min(1, features - 1);
          // A suffix of features and a single feature (the sampler's call; gathered in blocks of rows).
          for (const [direction, dEnd] of (['affineInverse', 'affineForward'] as const).flatMap((d) => [[d, features], [d, dStart + 1]] as const)) {
            for (const accumulateLogDet of [false, true]) {
              const logDet0 = Float64Array.from(normals(rng, batch));
              const [outE, outA] = [normals(rng, n), new Float32Array(n)];
              outA.set(outE);
              const [ldE, ldA] = [logDet0.slice(), logDet0.slice()];
              ref[direction](batch, features, dStart, dEnd, input, params, outE, ldE, accumulateLogDet, bound, shiftOnly);
              load.kernels[direction](batch, features, dStart, dEnd, input, params, outA, ldA, accumulateLogDet, bound, shiftOnly);
              assertClose(`${direction} [${dStart}, ${dEnd}) ${label}`, outA, outE, 1e-6, 1e-7);
              assertClose(`${direction} [${dStart}, ${dEnd}) logDet ${label}`, ldA, ldE, 1e-10, 1e-12);
            }
          }
          const z = normals(rng, n);
          const upstream = normals(rng, n);
          for (const dLogDet of [null, Float64Array.from(normals(rng, batch))]) {
            for (const direction of ['affineInverseBackward', 'affineForwardBackward'] as const) {
              const [dE, dA] = [new Float32Array(n), new Float32Array(n)];
              const [dpE, dpA] = [new Float32Array(params.length), new Float32Array(params.length)];
              ref[direction](batch, features, params, z, upstream, dLogDet, dE, dpE, bound, shiftOnly);
              load.kernels[direction](batch, features, params, z, upstream, dLogDet, dA, dpA, bound, shiftOnly);
              assertClose(`${direction} d-input ${label}`, dA, dE, 1e-6, 1e-7);
              assertClose(`${direction} dParams ${label}`, dpA, dpE, 1e-6, 1e-7);
            }
          }
        }
      }
    }
  });

  it('gatherColumns: reference against a direct reading of its contract, native equal to reference, bad index rejected', () => {
    if (!load.ok) return;
    const rng = new Rng(23);
    for (const [rows, cols] of [[1, 1], [3, 2], [257, 43], [1000, 6]]) {
      const x = normals(rng, rows * cols);
      const index = cols === 6 ? Int32Array.from([5, 5, 0, 1, 3, 2]) : rng.permutation(cols); // any index vector
      const [outE, outA] = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
      ref.gatherColumns(rows, cols, x, index, outE);
      load.kernels.gatherColumns(rows, cols, x, index, outA);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < cols; i++) assert.equal(outE[r * cols + i], x[r * cols + index[i]], `reference [${rows}x${cols}] (${r}, ${i})`);
      }
      assert.deepEqual(outA, outE, `native gatherColumns [${rows}x${cols}]`);
    }
    const x = normals(rng, 12);
    assert.throws(() => load.ok && load.kernels.gatherColumns(4, 3, x, Int32Array.from([0, 3, 1]), new Float32Array(12)),
      /gatherColumns: index entries must lie in \[0, 3\); index\[1\] = 3/);
    assert.throws(() => load.ok && load.kernels.gatherColumns(4, 3, x, Int32Array.from([0, 2, 1]), x), /gatherColumns: out must not alias x/);
  });

  it('column moments, batch norm and its backward', () => {
    if (!load.ok) return;
    const rng = new Rng(17);
    for (const [batch, cols] of [[1, 1], [3, 2], [257, 43]]) {
      const x = normals(rng, batch * cols, 3);
      const [meanE, varE, meanA, varA] = [0, 0, 0, 0].map(() => new Float64Array(cols));
      ref.columnMoments(batch, cols, x, meanE, varE);
      load.kernels.columnMoments(batch, cols, x, meanA, varA);
      assertClose(`columnMoments mean [${batch}x${cols}]`, meanA, meanE, 1e-12, 1e-12);
      assertClose(`columnMoments variance [${batch}x${cols}]`, varA, varE, 1e-12, 1e-12);
      const logGamma = normals(rng, cols, 0.5);
      const beta = normals(rng, cols);
      const [outE, outA] = [new Float32Array(batch * cols), new Float32Array(batch * cols)];
      ref.batchNormApply(batch, cols, x, meanE, varE, 1e-5, logGamma, beta, outE);
      load.kernels.batchNormApply(batch, cols, x, meanE, varE, 1e-5, logGamma, beta, outA);
      assertClose(`batchNormApply [${batch}x${cols}]`, outA, outE, 1e-6, 1e-6);
      const dOut = normals(rng, batch * cols);
      const [dXE, dXA] = [new Float32Array(batch * cols), new Float32Array(batch * cols)];
      const dLogGamma0 = normals(rng, cols);
      const dBeta0 = normals(rng, cols);
      const [dgE, dgA, dbE, dbA] = [dLogGamma0.slice(), dLogGamma0.slice(), dBeta0.slice(), dBeta0.slice()];
      ref.batchNormBackward(batch, cols, x, meanE, varE, 1e-5, logGamma, dOut, 0.75, dXE, dgE, dbE);
      load.kernels.batchNormBackward(batch, cols, x, meanE, varE, 1e-5, logGamma, dOut, 0.75, dXA, dgA, dbA);
      assertClose(`batchNormBackward dX [${batch}x${cols}]`, dXA, dXE, 1e-5, 1e-5);
      assertClose(`batchNormBackward dLogGamma [${batch}x${cols}]`, dgA, dgE, 1e-5, 1e-5);
      assertClose(`batchNormBackward dBeta [${batch}x${cols}]`, dbA, dbE, 1e-5, 1e-5);
    }
  });

  it('adamStep with weight decay over several steps, dense and staircase-masked', () => {
    if (!load.ok) return;
    const rng = new Rng(19);
    // [rows, cols] with an optional staircase; 40001 and 300×200 are split over the thread pool.
    const shapes: [number, number, Int32Array | null][] = [[1, 1001, null], [1, 40001, null], [7, 5, Int32Array.from([0, 1, 1, 3, 4, 5, 5])],
      [300, 200, Int32Array.from({ length: 300 }, (_, r) => Math.min(200, Math.floor(r * 0.7)))]];
    for (const [rows, cols, staircase] of shapes) {
      const n = rows * cols;
      const [pE, mE, vE] = [normals(rng, n), new Float32Array(n), new Float32Array(n)];
      const [pA, mA, vA] = [pE.slice(), mE.slice(), vE.slice()];
      const p0 = pE.slice();
      for (let step = 1; step <= 5; step++) {
        const grad = normals(rng, n);
        ref.adamStep(rows, cols, staircase, pE, grad, mE, vE, 1e-3, 0.9, 0.999, 1e-8, 1e-6, step);
        load.kernels.adamStep(rows, cols, staircase, pA, grad, mA, vA, 1e-3, 0.9, 0.999, 1e-8, 1e-6, step);
      }
      const shape = `[${rows}x${cols}]${staircase === null ? '' : ' staircase'}`;
      assertClose(`adamStep param ${shape}`, pA, pE, 1e-6, 1e-7);
      assertClose(`adamStep m ${shape}`, mA, mE, 1e-6, 1e-7);
      assertClose(`adamStep v ${shape}`, vA, vE, 1e-6, 1e-7);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const k = r * cols + c;
          const live = staircase === null || c < staircase[r];
          // Every live entry was updated (its moments hold random gradients); no masked entry was touched.
          assert.equal(mE[k] !== 0 && vE[k] !== 0, live, `${shape} reference (${r}, ${c}) updated = ${live}`);
          assert.equal(mA[k] !== 0 && vA[k] !== 0, live, `${shape} native (${r}, ${c}) updated = ${live}`);
          if (!live) assert.ok(pE[k] === p0[k] && pA[k] === p0[k], `${shape} (${r}, ${c}): masked parameter moved`);
        }
      }
    }
    assert.throws(() => load.ok && load.kernels.adamStep(2, 3, Int32Array.from([1, 4]), new Float32Array(6), new Float32Array(6),
      new Float32Array(6), new Float32Array(6), 1e-3, 0.9, 0.999, 1e-8, 0, 1), /adamStep: staircase entries must lie in \[0, 3\]; staircase\[1\] = 4/);
  });

  it('delegates float64 calls to the reference loops and rejects bad arguments with a message', () => {
    if (!load.ok) return;
    const x = Float64Array.from([1, 2, 3, 4]);
    const w = Float64Array.from([0.5, -1, 2, 0.25]);
    const [outE, outA] = [new Float64Array(4), new Float64Array(4)];
    ref.prefixGemm(2, 2, 2, x, w, Int32Array.from([1, 2]), null, outE, false, 'tanh', 0, 2);
    load.kernels.prefixGemm(2, 2, 2, x, w, Int32Array.from([1, 2]), null, outA, false, 'tanh', 0, 2);
    assert.deepEqual(outA, outE);
    const x32 = new Float32Array(4);
    assert.throws(() => load.kernels.prefixGemm(2, 2, 2, x32, new Float32Array(3), null, null, new Float32Array(4),
      false, 'relu', 0, 2), /prefixGemm: w needs at least 4 elements, got 3/);
    assert.throws(() => load.kernels.prefixGemm(2, 2, 2, x32, new Float32Array(4), Int32Array.from([2, 1]), null,
      new Float32Array(4), false, 'relu', 0, 2), /prefix must be non-decreasing/);
    assert.throws(() => load.kernels.prefixGemm(2, 2, 2, x32, new Float32Array(4), null, null, new Float32Array(4),
      false, 'relu', 1, 3), /outStart <= outEnd <= outDim/);
  });

  it('works on subarray views (byte offsets) in place', () => {
    if (!load.ok) return;
    const rng = new Rng(23);
    const backing = normals(rng, 64);
    const x = backing.subarray(5, 5 + 12); // [3, 4]
    const w = backing.subarray(20, 20 + 8); // [2, 4]
    const outE = new Float32Array(6);
    const outBacking = new Float32Array(16);
    const outA = outBacking.subarray(7, 13);
    ref.prefixGemm(3, 4, 2, x, w, null, null, outE, false, 'identity', 0, 2);
    load.kernels.prefixGemm(3, 4, 2, x, w, null, null, outA, false, 'identity', 0, 2);
    assertClose('prefixGemm on views', outA, outE, 1e-6, 1e-6);
    assert.equal(outBacking[6], 0);
    assert.equal(outBacking[13], 0);
  });
});
