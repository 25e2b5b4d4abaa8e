/**
 * The kernel conformance table: every kernel of a backend against the reference oracle in one dtype, on shapes that
 * hit the edge cases of a blocked GEMM (D = 1, 2, odd widths, batch 1 / 3 / 257, inDim 1, K beyond one cache block,
 * column ranges inside the matrix, every activation, dense and staircase prefixes with leading zeros, NaN in every
 * masked weight), the transforms of every transformer description, and the fused MADE passes against the
 * layer-by-layer composition of the backend's own kernels. Browser-safe (no Node imports): the Chromium test runs the
 * same cases inside the page on the wasm backend. A failed check throws an Error naming the case and the element.
 */
import type { Dtype, FloatArray } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import {
  ACTIVATIONS, INVERSION_REPORT_LENGTH, isMonotoneTransformer, staircaseTrainSavedLength, transformerParamsPerFeature, type Activation,
  type Kernels, type StaircaseHiddenLayer, type TensorListLayout, type StaircaseLayer, type StaircaseLayerGradients, type StaircaseNetwork,
  type TransformerKernel,
} from '../../src/kernels/kernels.ts';
import { madePass, referenceKernels as ref } from '../../src/kernels/reference.ts';
import { composeStaircaseTrainBackward, composeStaircaseTrainForward } from '../../src/kernels/staircase-train.ts';
import { degreeStarts } from '../../src/nn/degrees.ts';
import { Made } from '../../src/nn/made.ts';
import type { MaskedLinear } from '../../src/nn/masked-linear.ts';

/** How a backend under test is checked. */
export interface ConformanceContext {
  readonly dtype: Dtype;
  /** Its fused passes must equal its own layer-by-layer composition bit for bit (true for native and wasm). */
  readonly fusedExact: boolean;
  /** Batch sizes above this are skipped (the reference oracle is slow; a browser run uses a smaller budget). */
  readonly maxBatch: number;
}

/** One row of the table. */
export interface ConformanceCase {
  readonly name: string;
  run(k: Kernels, context: ConformanceContext): void;
}

/**
 * The oracle's results, computed once per case and dtype and replayed for every other backend configuration: the
 * inputs come from the same seeds, so the expected values are the same (the reference loops are most of the run).
 */
const oracleCache = new Map<string, unknown[]>();
let oracleLog: unknown[] = [];
let oracleStep = 0;

function remember<T>(compute: () => T): T {
  if (oracleStep < oracleLog.length) return oracleLog[oracleStep++] as T;
  const value = compute();
  oracleLog.push(value);
  oracleStep++;
  return value;
}

function withOracle(key: string, body: () => void): void {
  const log = oracleCache.get(key) ?? [];
  oracleCache.set(key, log);
  [oracleLog, oracleStep] = [log, 0];
  body();
}

function fail(message: string): never {
  throw new Error(message);
}

/** |actual − expected| ≤ rtol·scale + atol elementwise, where scale is `magnitude` (a bound on the summed terms) or |expected|. */
export function assertClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number,
  magnitude?: ArrayLike<number>): void {
  if (actual.length !== expected.length) fail(`${label}: length ${actual.length} vs ${expected.length}`);
  for (let k = 0; k < expected.length; k++) {
    const scale = magnitude === undefined ? Math.abs(expected[k]) : magnitude[k];
    const ok = Math.abs(actual[k] - expected[k]) <= rtol * scale + atol || (Number.isNaN(actual[k]) && Number.isNaN(expected[k]));
    if (!ok) fail(`${label}: element ${k}: backend ${actual[k]} vs reference ${expected[k]} (scale ${scale})`);
  }
}

function assertEqual(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  if (actual.length !== expected.length) fail(`${label}: length ${actual.length} vs ${expected.length}`);
  for (let k = 0; k < expected.length; k++) {
    if (!Object.is(actual[k], expected[k])) fail(`${label}: element ${k}: ${actual[k]} vs ${expected[k]}`);
  }
}

/** Tolerances of a dtype: float32 results differ in summation order; float64 ones go through the same loops. */
function tol(dtype: Dtype, rtol32: number, atol32: number): [number, number] {
  return dtype === 'float64' ? [1e-12, 1e-13] : [rtol32, atol32];
}

function arrayOf(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

function normals(rng: Rng, dtype: Dtype, n: number, scale = 1): FloatArray {
  const a = arrayOf(dtype, n);
  for (let k = 0; k < n; k++) a[k] = rng.normal() * scale;
  return a;
}

const copy = (a: FloatArray): FloatArray => a.slice();
const abs = (a: FloatArray): Float64Array => Float64Array.from(a, (v) => (Number.isNaN(v) ? 0 : Math.abs(v)));

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
function poisonMasked(w: FloatArray, prefix: Int32Array | null, inDim: number): FloatArray {
  if (prefix !== null) for (let j = 0; j < prefix.length; j++) w.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
  return w;
}

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
  { batch: 5, inDim: 1100, outDim: 9 }, // forward and backward-weight reductions beyond two 512 blocks (wasm's)
  { batch: 5, inDim: 9, outDim: 1100 }, // backward-input reductions beyond two 512 blocks
  { batch: 1030, inDim: 9, outDim: 7 }, // backward-weight reductions (rows) beyond two 512 blocks
];
const PREFIX_KINDS: PrefixKind[] = ['dense', 'staircase', 'leading-zeros'];

function gemmCase(k: Kernels, dtype: Dtype, rng: Rng, { batch, inDim, outDim }: GemmShape, kind: PrefixKind,
  activation: Activation, accumulate: boolean, middle: boolean, withBias: boolean): void {
  const label = `[${batch}x${inDim}]->${outDim} ${kind} ${activation} acc=${accumulate} middle=${middle} ${dtype}`;
  const [rtol, atol] = tol(dtype, 2e-5, 1e-6);
  const prefix = makePrefix(kind, rng, inDim, outDim);
  const x = normals(rng, dtype, batch * inDim);
  const weight = poisonMasked(normals(rng, dtype, outDim * inDim, 1 / Math.sqrt(inDim)), prefix, inDim);
  const bias = withBias ? normals(rng, dtype, outDim) : null;
  const outStart = middle ? Math.floor(outDim / 3) : 0;
  const outEnd = middle ? Math.max(outStart, outDim - Math.floor(outDim / 4)) : outDim;
  const out0 = normals(rng, dtype, batch * outDim);
  const [expected, actual] = [copy(out0), copy(out0)];
  const op = { batch, inDim, outDim, x, weight, prefix, bias, accumulate, activation, outStart, outEnd };
  k.prefixGemm({ ...op, out: actual });
  const magnitude = remember(() => {
    ref.prefixGemm({ ...op, out: expected });
    const bound = new Float64Array(batch * outDim).fill(1);
    ref.prefixGemm({ batch, inDim, outDim, x: abs(x), weight: abs(weight), prefix, bias: bias === null ? null : abs(bias),
      out: bound, accumulate });
    for (let i = 0; i < bound.length; i++) bound[i] += accumulate ? 0 : Math.abs(out0[i]);
    return [expected, bound];
  });
  assertClose(`prefixGemm ${label}`, actual, magnitude[0], rtol, atol, magnitude[1]);

  const dOut = normals(rng, dtype, batch * outDim);
  const dIn0 = normals(rng, dtype, batch * inDim);
  const [dInExpected, dInActual] = [copy(dIn0), copy(dIn0)];
  k.prefixGemmBackwardInput({ batch, inDim, outDim, dOut, weight, prefix, dIn: dInActual, accumulate });
  const [dInE, dInMagnitude] = remember(() => {
    ref.prefixGemmBackwardInput({ batch, inDim, outDim, dOut, weight, prefix, dIn: dInExpected, accumulate });
    const bound = new Float64Array(batch * inDim);
    ref.prefixGemmBackwardInput({ batch, inDim, outDim, dOut: abs(dOut), weight: abs(weight), prefix, dIn: bound });
    for (let i = 0; i < bound.length; i++) bound[i] += 1 + (accumulate ? Math.abs(dIn0[i]) : 0);
    return [dInExpected, bound];
  });
  assertClose(`prefixGemmBackwardInput ${label}`, dInActual, dInE, rtol, atol, dInMagnitude);

  // Masked entries of dW start as a sentinel and must come back bit-for-bit untouched.
  const dW0 = normals(rng, dtype, outDim * inDim);
  const dBias0 = normals(rng, dtype, outDim);
  const [dWExpected, dWActual] = [copy(dW0), copy(dW0)];
  const [dBiasExpected, dBiasActual] = withBias ? [copy(dBias0), copy(dBias0)] : [null, null];
  k.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut, x, prefix, dWeight: dWActual, dBias: dBiasActual, accumulate });
  const [dWE, dWMagnitude, dBiasE] = remember(() => {
    ref.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut, x, prefix, dWeight: dWExpected, dBias: dBiasExpected, accumulate });
    const bound = new Float64Array(outDim * inDim);
    ref.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut: abs(dOut), x: abs(x), prefix: null, dWeight: bound, dBias: null });
    for (let i = 0; i < bound.length; i++) bound[i] += 1 + (accumulate ? Math.abs(dW0[i]) : 0);
    return [dWExpected, bound, dBiasExpected] as const;
  });
  assertClose(`prefixGemmBackwardWeight dW ${label}`, dWActual, dWE, rtol, atol, dWMagnitude);
  if (prefix !== null) {
    for (let j = 0; j < outDim; j++) {
      for (let i: number = prefix[j]; i < inDim; i++) {
        if (dWActual[j * inDim + i] !== dW0[j * inDim + i]) fail(`${label}: masked dW[${j}, ${i}] written`);
      }
    }
  }
  if (dBiasActual !== null && dBiasE !== null) {
    assertClose(`prefixGemmBackwardWeight dBias ${label}`, dBiasActual, dBiasE, rtol, dtype === 'float64' ? 1e-12 : 1e-5 * batch);
  }
}

/**
 * The staircase sampler's calls: consecutive narrow column ranges [s, s + width) of one staircase layer, each
 * accumulated onto the previous output (the dot-product path for ≤ 4 columns, narrow panels above).
 */
function samplerRangeCase(k: Kernels, dtype: Dtype, rng: Rng, width: number, activation: Activation): void {
  const [batch, inDim, outDim] = [203, 70, 60];
  const [rtol, atol] = tol(dtype, 2e-5, 1e-6);
  const prefix = makePrefix('staircase', rng, inDim, outDim);
  const x = normals(rng, dtype, batch * inDim);
  const weight = poisonMasked(normals(rng, dtype, outDim * inDim, 1 / Math.sqrt(inDim)), prefix, inDim);
  const out0 = normals(rng, dtype, batch * outDim);
  const [expected, actual] = [copy(out0), copy(out0)];
  for (let start = 0; start < outDim; start += width) {
    const op = { batch, inDim, outDim, x, weight, prefix, bias: null, accumulate: true, activation, outStart: start,
      outEnd: Math.min(outDim, start + width) };
    k.prefixGemm({ ...op, out: actual });
  }
  const [e, magnitude] = remember(() => {
    for (let start = 0; start < outDim; start += width) {
      ref.prefixGemm({ batch, inDim, outDim, x, weight, prefix, bias: null, accumulate: true, activation, outStart: start,
        outEnd: Math.min(outDim, start + width), out: expected });
    }
    const bound = new Float64Array(batch * outDim);
    ref.prefixGemm({ batch, inDim, outDim, x: abs(x), weight: abs(weight), prefix, bias: null, out: bound });
    for (let i = 0; i < bound.length; i++) bound[i] += 1 + Math.abs(out0[i]);
    return [expected, bound];
  });
  assertClose(`prefixGemm sampler ranges of ${width} ${activation} ${dtype}`, actual, e, rtol, atol, magnitude);
}

/** Every transformer description the kernels know, in its variants. */
export const TRANSFORMERS: readonly TransformerKernel[] = [
  { kind: 'affine', logScaleBound: 5, shiftOnly: false },
  { kind: 'affine', logScaleBound: Infinity, shiftOnly: false },
  { kind: 'affine', logScaleBound: 5, shiftOnly: true },
  { kind: 'spline', bins: 8, tailBound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3 },
  { kind: 'spline', bins: 1, tailBound: 2, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 },
  { kind: 'spline', bins: 5, tailBound: 1.5, minBinWidth: 0.01, minBinHeight: 0.02, minDerivative: 0.1 },
  // Angle flags for up to 8 features; `forFeatures` cuts them to a layer's width.
  { kind: 'circular-spline', bins: 8, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, circular: Int32Array.of(1, 0, 1, 1, 0, 1, 0, 1) },
  { kind: 'circular-spline', bins: 3, minBinWidth: 0, minBinHeight: 0, minDerivative: 0, circular: Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1) },
  { kind: 'bernstein', degree: 8, bound: 3 },
  { kind: 'bernstein', degree: 1, bound: 1.5 },
  { kind: 'naf', hiddenUnits: 8, blocks: 1 },
  { kind: 'naf', hiddenUnits: 3, blocks: 3 },
  { kind: 'umnn', hiddenUnits: 8, intervals: 32 },
  { kind: 'umnn', hiddenUnits: 1, intervals: 2 },
];

/** The description on a layer of `features` (a circular spline's flags are per feature); the same object per width. */
const perWidth = new Map<TransformerKernel, Map<number, TransformerKernel>>();
export function forFeatures(t: TransformerKernel, features: number): TransformerKernel {
  if (t.kind !== 'circular-spline') return t;
  const widths = perWidth.get(t) ?? new Map<number, TransformerKernel>();
  perWidth.set(t, widths);
  let cut = widths.get(features);
  if (cut === undefined) {
    cut = { ...t, circular: Int32Array.from({ length: features }, (_, d) => t.circular[d % t.circular.length]) };
    widths.set(features, cut);
  }
  return cut;
}

function describeTransformer(t: TransformerKernel): string {
  switch (t.kind) {
    case 'affine': return `affine bound=${t.logScaleBound}${t.shiftOnly ? ' shiftOnly' : ''}`;
    case 'spline': return `spline K=${t.bins} B=${t.tailBound}`;
    case 'circular-spline': return `circular-spline K=${t.bins} [${t.circular.join('')}]`;
    case 'bernstein': return `bernstein M=${t.degree} B=${t.bound}`;
    case 'naf': return `naf K=${t.hiddenUnits} L=${t.blocks}`;
    case 'umnn': return `umnn K=${t.hiddenUnits} N=${t.intervals}`;
  }
}

function transformCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  const [rtol, atol] = tol(dtype, 1e-6, 1e-6);
  for (const description of TRANSFORMERS) {
    const P = transformerParamsPerFeature(description);
    // The transformers of one entry's many evaluations (and a root solve when sampling) skip the largest shape.
    const cheap = description.kind === 'affine' || description.kind === 'spline';
    for (const [batch, features] of cheap ? [[1, 1], [3, 2], [257, 7], [1001, 5]] : [[1, 1], [3, 2], [257, 7]]) {
      const transformer = forFeatures(description, features);
      const label = `[${batch}x${features}] ${describeTransformer(transformer)} ${dtype}`;
      const n = batch * features;
      const params = normals(rng, dtype, n * P, transformer.kind === 'affine' ? 2 : 1);
      const input = normals(rng, dtype, n, 2); // beyond the spline's tails too
      const dStart = Math.min(1, features - 1);
      for (const direction of ['transformInverse', 'transformForward'] as const) {
        // A suffix of features and a single feature (the sampler's call).
        for (const dEnd of [features, dStart + 1]) {
          for (const accumulateLogDet of [false, true]) {
            const logDet0 = Float64Array.from(normals(rng, 'float64', batch));
            const out0 = normals(rng, dtype, n);
            const [outE, outA] = [copy(out0), copy(out0)];
            const [ldE, ldA] = [logDet0.slice(), logDet0.slice()];
            const op = { transformer, batch, features, dStart, dEnd, input, params, accumulateLogDet };
            k[direction]({ ...op, output: outA, logDet: ldA });
            const [oE, lE] = remember(() => {
              ref[direction]({ ...op, output: outE, logDet: ldE });
              return [outE, ldE];
            });
            assertClose(`${direction} [${dStart}, ${dEnd}) ${label}`, outA, oE, rtol, atol);
            assertClose(`${direction} [${dStart}, ${dEnd}) logDet ${label}`, ldA, lE, dtype === 'float64' ? 1e-12 : 1e-6, 1e-9);
          }
        }
      }
      // Backward passes at a consistent (input, output) pair.
      for (const [direction, backward] of [['transformInverse', 'transformInverseBackward'], ['transformForward', 'transformForwardBackward']] as const) {
        const output = remember(() => {
          const out = arrayOf(dtype, n);
          ref[direction]({ transformer, batch, features, input, params, output: out, logDet: null });
          return out;
        });
        const dOutput = normals(rng, dtype, n);
        for (const dLogDet of [null, Float64Array.from(normals(rng, 'float64', batch))]) {
          const [dE, dA] = [arrayOf(dtype, n), arrayOf(dtype, n)];
          const [dpE, dpA] = [normals(rng, dtype, n * P), normals(rng, dtype, n * P)];
          const op = { transformer, batch, features, input, params, output, dOutput, dLogDet };
          k[backward]({ ...op, dInput: dA, dParams: dpA });
          const [dIE, dPE] = remember(() => {
            ref[backward]({ ...op, dInput: dE, dParams: dpE });
            return [dE, dpE];
          });
          assertClose(`${backward} dInput ${label}`, dA, dIE, rtol * 10, atol * 10, abs(dIE).map((v) => v + 1));
          assertClose(`${backward} dParams ${label}`, dpA, dPE, rtol * 10, atol * 10, abs(dPE).map((v) => v + 1));
        }
      }
    }
  }
}

interface PassCase {
  features: number;
  hiddenUnits: number[];
  batch: number;
  transformer: TransformerKernel;
  residual?: boolean;
  activation?: Activation;
  contextFeatures?: number;
}

const AFFINE = TRANSFORMERS[0];
const SPLINE = TRANSFORMERS[3];
const PASS_CASES: PassCase[] = [
  { features: 1, hiddenUnits: [5], batch: 3, transformer: AFFINE },
  { features: 2, hiddenUnits: [7, 9], batch: 1, activation: 'tanh', contextFeatures: 3, transformer: SPLINE },
  { features: 5, hiddenUnits: [13, 11], batch: 257, transformer: TRANSFORMERS[2] },
  { features: 5, hiddenUnits: [19, 19, 19], batch: 3, residual: true, activation: 'elu', contextFeatures: 2, transformer: AFFINE },
  { features: 21, hiddenUnits: [67, 45], batch: 257, contextFeatures: 1, transformer: TRANSFORMERS[1] },
  { features: 6, hiddenUnits: [40, 40], batch: 300, contextFeatures: 2, transformer: TRANSFORMERS[5] },
  { features: 21, hiddenUnits: [130, 130], batch: 2000, residual: true, transformer: AFFINE },
  { features: 21, hiddenUnits: [300, 300], batch: 130, activation: 'tanh', transformer: SPLINE }, // reductions beyond one 256 block
  { features: 3, hiddenUnits: [11], batch: 70, contextFeatures: 2, transformer: forFeatures(TRANSFORMERS[6], 3) },
  { features: 8, hiddenUnits: [24, 24], batch: 129, transformer: TRANSFORMERS[6] },
  { features: 4, hiddenUnits: [9, 9], batch: 65, activation: 'tanh', transformer: TRANSFORMERS[8] },
  { features: 1, hiddenUnits: [5], batch: 3, transformer: TRANSFORMERS[9] },
  { features: 5, hiddenUnits: [20, 20], batch: 130, residual: true, contextFeatures: 1, transformer: TRANSFORMERS[10] },
  { features: 2, hiddenUnits: [7], batch: 9, transformer: TRANSFORMERS[11] },
  { features: 6, hiddenUnits: [18, 18], batch: 100, activation: 'elu', contextFeatures: 3, transformer: TRANSFORMERS[12] },
  { features: 2, hiddenUnits: [4], batch: 5, transformer: TRANSFORMERS[13] },
  // 16 and 13–14 units per degree over 100 rows (a block and a part): the sampler's rows-in-lanes GEMM, with a context.
  { features: 4, hiddenUnits: [48, 40], batch: 100, activation: 'elu', contextFeatures: 2, transformer: AFFINE },
];

/** A MADE's staircases with random O(1) weights (NaN where masked), a context and an input. */
function passProblem(c: PassCase, dtype: Dtype, seed: number): { network: StaircaseNetwork; context: FloatArray | null; input: FloatArray } {
  const rng = new Rng(seed);
  const C = c.contextFeatures ?? 0;
  const made = new Made({ features: c.features, hiddenUnits: c.hiddenUnits, residual: c.residual, contextFeatures: C,
    paramsPerFeature: transformerParamsPerFeature(c.transformer), dtype, rng });
  const layer = (l: MaskedLinear, scale: number): StaircaseLayer => {
    const prefix = l.prefix as Int32Array;
    return { inDim: l.inDim, outDim: l.outDim, prefix,
      weight: poisonMasked(normals(rng, dtype, l.outDim * l.inDim, scale / Math.sqrt(l.inDim)), prefix, l.inDim),
      bias: normals(rng, dtype, l.outDim, 0.3), contextWeight: C > 0 ? normals(rng, dtype, l.outDim * C, 0.5) : null };
  };
  const hidden = made.hidden.map((l, i): StaircaseHiddenLayer => Object.freeze({ ...layer(l, 1.5), activation: c.activation ?? 'relu',
    degreeStarts: degreeStarts(made.hiddenDegrees[i], c.features) }));
  // Frozen all through, as Made's networks are: the native backend then parses it at its first call and keeps that.
  return {
    network: Object.freeze({ features: c.features, contextFeatures: C, hidden: Object.freeze(hidden),
      output: Object.freeze(layer(made.output, 0.5)), residual: c.residual ?? false, transformer: Object.freeze({ ...c.transformer }) }),
    context: C > 0 ? normals(rng, dtype, c.batch * C) : null,
    input: normals(rng, dtype, c.batch * c.features),
  };
}

type Direction = 'sequential' | 'parallel';

/** The fused kernel of `direction`: its output and log-determinants. */
function fused(k: Kernels, p: ReturnType<typeof passProblem>, batch: number, direction: Direction): [FloatArray, Float64Array] {
  const output = arrayOf(p.input instanceof Float64Array ? 'float64' : 'float32', p.input.length);
  const logDet = new Float64Array(batch);
  const inversion = new Float64Array(INVERSION_REPORT_LENGTH);
  const op = { network: p.network, batch, context: p.context, input: p.input, output, logDet, inversion };
  if (direction === 'sequential') k.staircaseSequential(op);
  else k.staircaseParallel(op);
  // A numerical inverse reports every entry it solved, all converged; every other pass leaves the report alone.
  const solved = direction === 'sequential' && isMonotoneTransformer(p.network.transformer) ? batch * p.network.features : 0;
  if (inversion[0] !== solved || inversion[3] !== 0 || (solved > 0) !== (inversion[1] > 0)) {
    fail(`staircase ${direction} ${describeTransformer(p.network.transformer)}: inversion report [${inversion.join(', ')}], expected ${solved} entries solved`);
  }
  return [output, logDet];
}

/** The same pass composed of `k`'s `prefixGemm` and transform kernels (per feature for the sequential pass). */
function composed(k: Kernels, p: ReturnType<typeof passProblem>, batch: number, direction: Direction): [FloatArray, Float64Array] {
  const { network } = p;
  const D = network.features;
  const P = transformerParamsPerFeature(network.transformer);
  const output = arrayOf(p.input instanceof Float64Array ? 'float64' : 'float32', p.input.length);
  const logDet = new Float64Array(batch);
  const x = direction === 'sequential' ? output : p.input;
  const pass = madePass(k, network, batch, p.context, x);
  if (direction === 'parallel') {
    pass.step((l) => [0, network.hidden[l].outDim], 0, D * P);
    k.transformInverse({ transformer: network.transformer, batch, features: D, input: x, params: pass.params, output, logDet,
      accumulateLogDet: true });
  } else {
    for (let d = 0; d < D; d++) {
      pass.step((l) => [network.hidden[l].degreeStarts[d], network.hidden[l].degreeStarts[d + 1]], d * P, (d + 1) * P);
      k.transformForward({ transformer: network.transformer, batch, features: D, dStart: d, dEnd: d + 1, input: p.input,
        params: pass.params, output, logDet, accumulateLogDet: true });
    }
  }
  return [output, logDet];
}

/** Largest |a − b| / (1 + |b|), NaN counting as infinitely far. */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

function passLabel(c: PassCase, dtype: Dtype): string {
  return `D=${c.features} [${c.hiddenUnits.join(',')}] batch ${c.batch}${c.residual === true ? ' residual' : ''}` +
    ` ${c.activation ?? 'relu'} context ${c.contextFeatures ?? 0} ${describeTransformer(c.transformer)} ${dtype}`;
}

function passCase(k: Kernels, context: ConformanceContext, direction: Direction, quick: boolean): void {
  const { dtype } = context;
  for (const [i, c] of PASS_CASES.entries()) {
    if (quick && c.batch * Math.max(...c.hiddenUnits) > 20000) continue;
    const p = passProblem(c, dtype, 200 + i);
    const label = `staircase ${direction} ${passLabel(c, dtype)}`;
    const [out, logDet] = fused(k, p, c.batch, direction);
    const [outC, logDetC] = composed(k, p, c.batch, direction);
    if (context.fusedExact || k === ref) {
      assertEqual(`${label}: output vs the backend's composition`, out, outC);
      assertEqual(`${label}: logDet vs the backend's composition`, logDet, logDetC);
    } else {
      assertClose(`${label}: output vs composition`, out, outC, 1e-5, 1e-6);
    }
    for (let j = 0; j < out.length; j++) if (!Number.isFinite(out[j])) fail(`${label}: output ${j} is ${out[j]} (masked NaN read?)`);
    const constant = c.transformer.kind === 'affine' && c.transformer.shiftOnly;
    if (constant ? logDet.some((v) => v !== 0) : logDet.every((v) => v === 0)) fail(`${label}: logDet ${constant ? 'must be 0' : 'not written'}`);
    if (c.batch > context.maxBatch || k === ref) continue;
    const [outR, logDetR] = remember(() => fused(ref, p, c.batch, direction));
    const limit = dtype === 'float64' ? 1e-10 : 2e-4;
    if (!(maxRelative(out, outR) < limit)) fail(`${label}: output ${maxRelative(out, outR)} from reference`);
    if (!(maxRelative(logDet, logDetR) < limit)) fail(`${label}: logDet ${maxRelative(logDet, logDetR)} from reference`);
  }
}

/** Everything the training pass writes: z, logDet, saved, dInput, dContext and every layer's gradients. */
function trainPass(k: Kernels, p: ReturnType<typeof passProblem>, batch: number, rng: Rng,
  run: (k: Kernels, forward: boolean, op: never) => void): FloatArray[] {
  const { network } = p;
  const dtype: Dtype = p.input instanceof Float64Array ? 'float64' : 'float32';
  const D = network.features;
  const C = network.contextFeatures;
  const output = arrayOf(dtype, batch * D);
  const logDet = new Float64Array(batch).fill(0.25);
  const saved = arrayOf(dtype, staircaseTrainSavedLength(network, batch));
  run(k, true, { network, batch, context: p.context, input: p.input, output, logDet, saved } as never);
  const layers = [...network.hidden, network.output];
  // The hidden layers' gradients are overwritten (masked entries hold a sentinel that must survive), the output
  // layer's accumulated onto ones.
  const gradients = layers.map((l, i): StaircaseLayerGradients => {
    const accumulate = i === layers.length - 1;
    const dWeight = arrayOf(dtype, l.outDim * l.inDim).fill(accumulate ? 1 : 7);
    return { dWeight, dBias: arrayOf(dtype, l.outDim).fill(accumulate ? 1 : 7),
      dContextWeight: l.contextWeight === null || p.context === null ? null : arrayOf(dtype, l.outDim * C).fill(accumulate ? 1 : 7),
      accumulate, accumulateContext: accumulate };
  });
  const dInput = arrayOf(dtype, batch * D).fill(7);
  const dContext = p.context === null ? null : arrayOf(dtype, batch * C).fill(0.5);
  const dLogDet = Float64Array.from(normals(rng, 'float64', batch));
  run(k, false, { network, batch, context: p.context, input: p.input, output, saved, dOutput: normals(rng, dtype, batch * D),
    dLogDet, dInput, dContext, gradients } as never);
  for (const [i, l] of layers.entries()) {
    const prefix = l.prefix as Int32Array;
    for (let j = 0; j < l.outDim; j++) {
      for (let c = prefix[j]; c < l.inDim; c++) {
        const v = gradients[i].dWeight[j * l.inDim + c];
        if (v !== (i === layers.length - 1 ? 1 : 7)) fail(`layer ${i} masked gradient (${j}, ${c}) written: ${v}`);
      }
    }
  }
  return [output, Float64Array.from(logDet) as unknown as FloatArray, saved, dInput, ...(dContext === null ? [] : [dContext]),
    ...gradients.flatMap((g) => [g.dWeight, g.dBias, ...(g.dContextWeight === null ? [] : [g.dContextWeight])])];
}

const fusedTrain = (k: Kernels, forward: boolean, op: never): void => (forward ? k.staircaseTrainForward(op) : k.staircaseTrainBackward(op));
const composedTrain = (k: Kernels, forward: boolean, op: never): void =>
  (forward ? composeStaircaseTrainForward(k, op) : composeStaircaseTrainBackward(k, op));

/** The training pass: fused = the backend's own composition of its layer kernels (to float32 rounding), ≈ the reference. */
function trainCase(k: Kernels, context: ConformanceContext, quick: boolean): void {
  const { dtype } = context;
  // A small network with enough rows that the native backward splits them over its threads (partial weight gradients).
  const rowSplit: PassCase = { features: 6, hiddenUnits: [64, 64], batch: 512, contextFeatures: 2, transformer: AFFINE };
  // A network past the row split's weight limit (2^17 live weights), whose kernels split themselves or, with two
  // threads, run each layer's input and weight gradients side by side.
  const large: PassCase = { features: 21, hiddenUnits: [520, 520], batch: 36, contextFeatures: 2, transformer: AFFINE };
  for (const [i, c] of [...PASS_CASES, rowSplit, large].entries()) {
    if (c.batch * Math.max(...c.hiddenUnits) > (quick ? 20000 : 40000)) continue;
    const p = passProblem(c, dtype, 400 + i);
    const label = `staircase train ${passLabel(c, dtype)}`;
    const names = ['z', 'logDet', 'saved', 'dInput', ...(p.context === null ? [] : ['dContext']), 'gradients'];
    const fusedResult = trainPass(k, p, c.batch, new Rng(i), fusedTrain);
    const composedResult = trainPass(k, p, c.batch, new Rng(i), composedTrain);
    fusedResult.forEach((a, j) => {
      const name = `${label}: ${names[Math.min(j, names.length - 1)]} #${j}`;
      // A backend may split the batch's sums (native: the weight gradients of a small network by rows): float32 rounding.
      if (k === ref) assertEqual(`${name} vs the backend's composition`, a, composedResult[j]);
      else assertClose(`${name} vs the backend's composition`, a, composedResult[j], 1e-5, 1e-5, composedResult[j].map((v) => Math.abs(v) + 1));
      for (let e = 0; e < a.length; e++) if (!Number.isFinite(a[e])) fail(`${name}: element ${e} is ${a[e]} (masked NaN read?)`);
    });
    if (c.batch > context.maxBatch || k === ref) continue;
    const expected = remember(() => trainPass(ref, p, c.batch, new Rng(i), fusedTrain));
    const limit = dtype === 'float64' ? 1e-10 : 2e-4;
    fusedResult.forEach((a, j) => {
      // Gradients sum over the batch: relative to the batch's scale.
      const scale = j >= 3 ? Math.sqrt(c.batch) : 1;
      const worst = maxRelative(a.map((v) => v / scale), expected[j].map((v) => v / scale));
      if (!(worst < limit)) fail(`${label}: ${names[Math.min(j, names.length - 1)]} #${j} ${worst} from reference`);
    });
  }
}

function activationCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  const n = 13 * 29;
  for (const activation of ACTIVATIONS) {
    const y = arrayOf(dtype, n);
    // Outputs a real activation can produce (sigmoid in (0, 1), softplus ≥ 0, relu ≥ 0, tanh in (−1, 1)).
    const pre = normals(rng, 'float64', n, 3);
    ref.prefixGemm({ batch: n, inDim: 1, outDim: 1, x: pre, weight: Float64Array.of(1), prefix: null, bias: null, out: pre, activation, accumulate: true });
    y.set(pre);
    // The forward kernel on a column range, in place (the recurrent gates' call).
    const [rows, cols] = [13, 29];
    const xs = normals(rng, dtype, n, 4);
    const [fE, fA] = [copy(xs), copy(xs)];
    ref.activation({ activation, rows, cols, colStart: 5, colEnd: 21, x: fE, out: fE });
    k.activation({ activation, rows, cols, colStart: 5, colEnd: 21, x: fA, out: fA });
    const [frtol, fatol] = tol(dtype, 1e-6, 1e-7);
    assertClose(`activation ${activation} ${dtype}`, fA, fE, frtol, fatol);
    const dOut = normals(rng, dtype, n);
    const dExpected = arrayOf(dtype, n);
    const dActual = copy(dOut);
    ref.activationBackward({ activation, n, y, dOut, dIn: dExpected });
    k.activationBackward({ activation, n, y, dOut: dActual, dIn: dActual }); // in place: dIn may be dOut
    const [rtol, atol] = tol(dtype, 1e-6, 1e-7);
    assertClose(`activationBackward ${activation} ${dtype}`, dActual, dExpected, rtol, atol);
  }
}

function gatherCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  for (const [rows, cols] of [[1, 1], [3, 2], [257, 43], [1000, 6]]) {
    const x = normals(rng, dtype, rows * cols);
    const index = cols === 6 ? Int32Array.from([5, 5, 0, 1, 3, 2]) : rng.permutation(cols); // any index vector
    const out = arrayOf(dtype, rows * cols);
    k.gatherColumns({ rows, cols, x, index, out });
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < cols; i++) {
        if (out[r * cols + i] !== x[r * cols + index[i]]) fail(`gatherColumns [${rows}x${cols}] (${r}, ${i}) ${dtype}`);
      }
    }
  }
}

function batchNormCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  const [rtol, atol] = tol(dtype, 1e-5, 1e-5);
  for (const [batch, cols] of [[1, 1], [3, 2], [257, 43]]) {
    const shape = `[${batch}x${cols}] ${dtype}`;
    const x = normals(rng, dtype, batch * cols, 3);
    const [meanE, varE, meanA, varA] = [0, 0, 0, 0].map(() => new Float64Array(cols));
    ref.columnMoments({ batch, cols, x, mean: meanE, variance: varE });
    k.columnMoments({ batch, cols, x, mean: meanA, variance: varA });
    assertClose(`columnMoments mean ${shape}`, meanA, meanE, 1e-12, 1e-12);
    assertClose(`columnMoments variance ${shape}`, varA, varE, 1e-12, 1e-12);
    const logGamma = normals(rng, dtype, cols, 0.5);
    const beta = normals(rng, dtype, cols);
    const [outE, outA] = [arrayOf(dtype, batch * cols), arrayOf(dtype, batch * cols)];
    const op = { batch, cols, x, mean: meanE, variance: varE, eps: 1e-5, logGamma, beta };
    ref.batchNormApply({ ...op, out: outE });
    k.batchNormApply({ ...op, out: outA });
    assertClose(`batchNormApply ${shape}`, outA, outE, rtol, atol);
    const dOut = normals(rng, dtype, batch * cols);
    const [dXE, dXA] = [arrayOf(dtype, batch * cols), arrayOf(dtype, batch * cols)];
    const dLogGamma0 = normals(rng, dtype, cols);
    const dBeta0 = normals(rng, dtype, cols);
    const [dgE, dgA, dbE, dbA] = [copy(dLogGamma0), copy(dLogGamma0), copy(dBeta0), copy(dBeta0)];
    const back = { batch, cols, x, mean: meanE, variance: varE, eps: 1e-5, logGamma, dOut, dLogDetSum: 0.75 };
    ref.batchNormBackward({ ...back, dX: dXE, dLogGamma: dgE, dBeta: dbE });
    k.batchNormBackward({ ...back, dX: dXA, dLogGamma: dgA, dBeta: dbA });
    assertClose(`batchNormBackward dX ${shape}`, dXA, dXE, rtol, atol);
    assertClose(`batchNormBackward dLogGamma ${shape}`, dgA, dgE, rtol, atol);
    assertClose(`batchNormBackward dBeta ${shape}`, dbA, dbE, rtol, atol);
  }
}

/**
 * The multi-tensor kernels on one list: dense tensors and staircases with rows of no live entry, about 100k live
 * entries in all (beyond the native pool's threshold: its parts cut the 80001-entry tensor and the 300×200 staircase). Every masked entry of an operand that is
 * only read is NaN (reading one would spread it); every masked entry of an updated operand holds a sentinel that must
 * survive (writing one would change it).
 */
function tensorListCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  const shapes: Array<[number, number, number[] | null]> = [[1, 1001, null], [7, 5, [0, 1, 1, 3, 4, 5, 5]], [1, 80001, null],
    [300, 200, Array.from({ length: 300 }, (_, r) => Math.min(200, Math.floor(r * 0.7)))], [3, 4, [0, 0, 0]], [1, 1, null]];
  const layout: TensorListLayout = {
    rows: Int32Array.from(shapes, ([rows]) => rows), cols: Int32Array.from(shapes, ([, cols]) => cols),
    staircases: shapes.map(([, , staircase]) => (staircase === null ? null : Int32Array.from(staircase))),
  };
  const isLive = (t: number, i: number): boolean => {
    const [, cols, staircase] = shapes[t];
    return staircase === null || i % cols < staircase[Math.floor(i / cols)];
  };
  const SENTINEL = 1234.5;
  /** Normal live entries (or `live`), `masked` in the masked ones. */
  const tensors = (masked: number, live?: number): FloatArray[] => shapes.map(([rows, cols], t) => {
    const a = normals(rng, dtype, rows * cols);
    for (let i = 0; i < a.length; i++) if (!isLive(t, i)) a[i] = masked; else if (live !== undefined) a[i] = live;
    return a;
  });
  const [rtol, atol] = tol(dtype, 1e-6, 1e-7);
  const check = (label: string, actual: FloatArray[], expected: FloatArray[], r = rtol, a = atol): void => {
    actual.forEach((values, t) => {
      assertClose(`${label} tensor ${t} ${dtype}`, values, expected[t], r, a);
      for (let i = 0; i < values.length; i++) if (!isLive(t, i) && values[i] !== SENTINEL) fail(`${label} tensor ${t} ${dtype}: masked entry ${i} written`);
    });
  };
  const x = tensors(NaN);
  const [sumsE, sumsA] = [new Float64Array(shapes.length), new Float64Array(shapes.length)];
  ref.sumOfSquares({ layout, x, out: sumsE });
  k.sumOfSquares({ layout, x, out: sumsA });
  assertClose(`sumOfSquares ${dtype}`, sumsA, sumsE, 1e-12, 0);
  const empty: TensorListLayout = { rows: new Int32Array(0), cols: new Int32Array(0), staircases: [] };
  k.sumOfSquares({ layout: empty, x: [], out: new Float64Array(0) });
  // A moving average's update (x and y), a scaling (no x), a normalisation that must not read y (alpha 0: NaN there).
  for (const [alpha, beta, withX] of [[0.99, 0.01, true], [0.37, 0, false], [0, 1 / 0.3, true]] as const) {
    const y = tensors(SENTINEL);
    const [yE, yA] = [y.map(copy), alpha === 0 ? tensors(SENTINEL, NaN) : y.map(copy)];
    ref.axpby({ layout, alpha, beta, x: withX ? x : null, y: yE });
    k.axpby({ layout, alpha, beta, x: withX ? x : null, y: yA });
    check(`axpby alpha=${alpha} beta=${beta.toFixed(3)}${withX ? '' : ' x=null'}`, yA, yE, dtype === 'float64' ? 1e-15 : 2.5e-7, 0);
  }
  const param = tensors(SENTINEL);
  const [pE, pA, qE, qA] = [param.map(copy), param.map(copy), param.map(copy), param.map(copy)];
  const [mE, vE, bE] = [tensors(SENTINEL, 0), tensors(SENTINEL, 0), tensors(SENTINEL, 0)];
  const [mA, vA, bA] = [mE.map(copy), vE.map(copy), bE.map(copy)];
  // Moving averages of the parameters, kept by the updates' own passes from step 3 on.
  const [aE, cE] = [tensors(SENTINEL), tensors(SENTINEL)];
  const [aA, cA] = [aE.map(copy), cE.map(copy)];
  for (let step = 1; step <= 5; step++) {
    const grad = tensors(NaN);
    // Steps 1–2 the plain update; then the gradients scaled (not at step 4: a scale of 1), summed and averaged.
    const pass = step <= 2 ? {} : { gradScale: step === 4 ? 1 : 0.37, averageDecay: 0.9 };
    const squares = (): Float64Array | undefined => (step <= 2 ? undefined : new Float64Array(shapes.length));
    const [sqA, sqB] = [squares(), squares()];
    const adam = { layout, grad, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-6, step, ...pass };
    ref.adamUpdate({ ...adam, param: pE, m: mE, v: vE, ...(step <= 2 ? {} : { average: aE }) });
    k.adamUpdate({ ...adam, param: pA, m: mA, v: vA, ...(step <= 2 ? {} : { average: aA, gradSquares: sqA }) });
    const sgd = { layout, grad, lr: 1e-2, momentum: 0.9, weightDecay: 1e-4, ...pass };
    ref.sgdMomentumUpdate({ ...sgd, param: qE, velocity: bE, ...(step <= 2 ? {} : { average: cE }) });
    k.sgdMomentumUpdate({ ...sgd, param: qA, velocity: bA, ...(step <= 2 ? {} : { average: cA, gradSquares: sqB }) });
    if (sqA !== undefined && sqB !== undefined) {
      const expected = new Float64Array(shapes.length);
      ref.sumOfSquares({ layout, x: grad, out: expected });
      assertClose(`adamUpdate gradSquares step ${step} ${dtype}`, sqA, expected, 1e-12, 0);
      assertClose(`sgdMomentumUpdate gradSquares step ${step} ${dtype}`, sqB, expected, 1e-12, 0);
    }
  }
  check('adamUpdate param', pA, pE);
  check('adamUpdate m', mA, mE);
  check('adamUpdate v', vA, vE);
  check('adamUpdate average', aA, aE);
  check('sgdMomentumUpdate param', qA, qE);
  check('sgdMomentumUpdate velocity', bA, bE);
  check('sgdMomentumUpdate average', cA, cE);
}

/** Subarray views (byte offsets) in place. */
function viewsCase(k: Kernels, dtype: Dtype, rng: Rng): void {
  const backing = normals(rng, dtype, 64);
  const x = backing.subarray(5, 5 + 12); // [3, 4]
  const weight = backing.subarray(20, 20 + 8); // [2, 4]
  const outE = arrayOf(dtype, 6);
  const outBacking = arrayOf(dtype, 16);
  const outA = outBacking.subarray(7, 13);
  ref.prefixGemm({ batch: 3, inDim: 4, outDim: 2, x, weight, prefix: null, bias: null, out: outE });
  k.prefixGemm({ batch: 3, inDim: 4, outDim: 2, x, weight, prefix: null, bias: null, out: outA });
  const [rtol, atol] = tol(dtype, 1e-6, 1e-6);
  assertClose(`prefixGemm on views ${dtype}`, outA, outE, rtol, atol);
  if (outBacking[6] !== 0 || outBacking[13] !== 0) fail(`prefixGemm on views ${dtype}: wrote outside the view`);
}

/** The table; `quick` keeps the cases a browser page runs in a few seconds. */
export function conformanceCases(quick = false): ConformanceCase[] {
  const seeded = (name: string, seed: number, body: (k: Kernels, dtype: Dtype, rng: Rng) => void): ConformanceCase =>
    ({ name, run: (k, context) => withOracle(`${name}/${context.dtype}/${quick}`, () => body(k, context.dtype, new Rng(seed))) });
  return [
    seeded('prefix GEMM forward and backward', 7, (k, dtype, rng) => {
      let n = 0;
      for (const shape of quick ? SHAPES.filter((s) => s.batch * s.inDim * s.outDim < 2e5) : SHAPES) {
        for (const kind of PREFIX_KINDS) {
          for (const accumulate of [false, true]) {
            for (const middle of [false, true]) {
              gemmCase(k, dtype, rng, shape, kind, ACTIVATIONS[n % ACTIVATIONS.length], accumulate, middle, n % 3 !== 2);
              n++;
            }
          }
        }
      }
      for (const activation of ACTIVATIONS) gemmCase(k, dtype, rng, SHAPES[3], 'staircase', activation, false, false, true);
      for (const width of [1, 2, 3, 4, 5, 12, 16, 17, 26]) samplerRangeCase(k, dtype, rng, width, ACTIVATIONS[width % ACTIVATIONS.length]);
    }),
    seeded('activation and activationBackward, every kind', 11, activationCase),
    seeded('transforms of every transformer description and their backward passes', 13, transformCase),
    { name: 'staircaseParallel: fused = the backend\'s composition, ≈ reference', run: (k, c) => withOracle(`parallel/${c.dtype}/${quick}`, () => passCase(k, c, 'parallel', quick)) },
    { name: 'staircaseTrainForward / Backward: fused ≈ the backend\'s composition, ≈ reference', run: (k, c) => withOracle(`train/${c.dtype}/${quick}`, () => trainCase(k, c, quick)) },
    { name: 'staircaseSequential: fused = the backend\'s composition, ≈ reference', run: (k, c) => withOracle(`sequential/${c.dtype}/${quick}`, () => passCase(k, c, 'sequential', quick)) },
    seeded('gatherColumns', 23, gatherCase),
    seeded('column moments, batch norm and its backward', 17, batchNormCase),
    seeded('multi-tensor kernels (sums of squares, axpby, Adam, SGD momentum), dense and staircase-masked', 19, tensorListCase),
    seeded('subarray views in place', 29, viewsCase),
  ];
}
