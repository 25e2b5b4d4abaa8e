/**
 * The fused staircase sampler kernel `staircaseSequentialAffine`: the native backend against the reference oracle on
 * MADE-shaped stacks (D = 1, 2, 5, 21; odd widths; batch 1, 3, 257, 2000; residual; shiftOnly; context terms in the
 * initial buffers; NaN in every masked weight), on each instruction set and with one and all threads; and the native
 * fused call against the native per-feature composition of prefixGemm + affineForward, which it must reproduce
 * bit for bit (same arithmetic per unit, only the loop order over rows changes).
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import type { Activation, Kernels, StaircaseHiddenLayer, StaircaseOutputLayer } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels as ref } from '../../src/kernels/reference.ts';
import { degreeStarts } from '../../src/nn/degrees.ts';
import { Made } from '../../src/nn/made.ts';

const load = loadNativeBackend();
const skip = load.ok ? false : `native addon not built (${load.reason})`;

interface SamplerCase {
  features: number;
  hiddenUnits: number[];
  batch: number;
  residual?: boolean;
  shiftOnly?: boolean;
  activation?: Activation;
  logScaleBound?: number;
}

const CASES: SamplerCase[] = [
  { features: 1, hiddenUnits: [5], batch: 3 },
  { features: 2, hiddenUnits: [7, 9], batch: 1, activation: 'tanh' },
  { features: 5, hiddenUnits: [13, 11], batch: 257, shiftOnly: true },
  { features: 5, hiddenUnits: [19, 19, 19], batch: 3, residual: true, activation: 'elu' },
  { features: 21, hiddenUnits: [67, 45], batch: 257, logScaleBound: Infinity },
  { features: 21, hiddenUnits: [130, 130], batch: 2000, residual: true },
  { features: 21, hiddenUnits: [300, 300], batch: 130, activation: 'tanh' }, // reductions beyond one 256 block
];

/** The kernel's inputs for one case: a MADE's staircases with random O(1) weights (NaN where masked). */
interface Problem {
  hidden: StaircaseHiddenLayer[];
  output: StaircaseOutputLayer;
  u: Float32Array;
  batch: number;
  features: number;
  bound: number;
  shiftOnly: boolean;
}

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.normal() * scale;
  return a;
}

function maskedWeights(rng: Rng, prefix: Int32Array, inDim: number, scale: number): Float32Array {
  const w = normals(rng, prefix.length * inDim, scale);
  for (let j = 0; j < prefix.length; j++) w.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
  return w;
}

function problem(c: SamplerCase, seed: number): Problem {
  const rng = new Rng(seed);
  const shiftOnly = c.shiftOnly ?? false;
  const made = new Made({ features: c.features, hiddenUnits: c.hiddenUnits, residual: c.residual,
    paramsPerFeature: shiftOnly ? 1 : 2, dtype: 'float32', rng });
  const hidden = made.hidden.map((layer, l): StaircaseHiddenLayer => {
    const prefix = layer.prefix as Int32Array;
    return {
      inDim: layer.inDim, outDim: layer.outDim, prefix, activation: c.activation ?? 'relu',
      weight: maskedWeights(rng, prefix, layer.inDim, 1.5 / Math.sqrt(layer.inDim)),
      degreeStarts: degreeStarts(made.hiddenDegrees[l], c.features),
      // Bias + a context term: any per-row values.
      activations: normals(rng, c.batch * layer.outDim, 0.5),
      residualSum: c.residual === true ? new Float32Array(c.batch * layer.outDim) : null,
    };
  });
  const top = made.output;
  const prefix = top.prefix as Int32Array;
  return {
    hidden,
    output: { weight: maskedWeights(rng, prefix, top.inDim, 0.5 / Math.sqrt(top.inDim)), prefix,
      params: normals(rng, c.batch * top.outDim, 0.3) },
    u: normals(rng, c.batch * c.features),
    batch: c.batch,
    features: c.features,
    bound: c.logScaleBound ?? 3,
    shiftOnly,
  };
}

/** A fresh copy of the problem's work buffers (the kernel overwrites them). */
function copy(p: Problem): Problem {
  return {
    ...p,
    hidden: p.hidden.map((l) => ({ ...l, activations: l.activations.slice(), residualSum: l.residualSum?.slice() ?? null })),
    output: { ...p.output, params: p.output.params.slice() },
  };
}

interface Result { x: Float32Array; logDet: Float64Array; params: Float32Array; top: Float32Array }

function fused(k: Kernels, p0: Problem): Result {
  const p = copy(p0);
  const x = new Float32Array(p.batch * p.features);
  const logDet = new Float64Array(p.batch);
  k.staircaseSequentialAffine(p.batch, p.features, p.hidden, p.output, p.u, x, logDet, p.bound, p.shiftOnly);
  const last = p.hidden[p.hidden.length - 1];
  return { x, logDet, params: p.output.params as Float32Array, top: (last.residualSum ?? last.activations) as Float32Array };
}

/** The per-feature composition of `Made.sequential` + `affineForward`, with backend `k`'s kernels. */
function composed(k: Kernels, p0: Problem): Result {
  const p = copy(p0);
  const { batch, features: D, hidden } = p;
  const P = p.shiftOnly ? 1 : 2;
  const x = new Float32Array(batch * D);
  const logDet = new Float64Array(batch);
  const last = hidden[hidden.length - 1];
  for (let d = 0; d < D; d++) {
    hidden.forEach((layer, l) => {
      const [s, e] = [layer.degreeStarts[d], layer.degreeStarts[d + 1]];
      if (s === e) return;
      const input = l === 0 ? x : hidden[l - 1].residualSum ?? hidden[l - 1].activations;
      k.prefixGemm(batch, layer.inDim, layer.outDim, input, layer.weight, layer.prefix, null, layer.activations, true,
        layer.activation, s, e);
      if (layer.residualSum !== null) {
        for (let b = 0; b < batch; b++) {
          for (let j = s; j < e; j++) {
            const o = b * layer.outDim + j;
            layer.residualSum[o] = (l === 0 ? 0 : hidden[l - 1].residualSum![o]) + layer.activations[o];
          }
        }
      }
    });
    k.prefixGemm(batch, last.outDim, D * P, last.residualSum ?? last.activations, p.output.weight, p.output.prefix, null,
      p.output.params, true, 'identity', d * P, (d + 1) * P);
    k.affineForward(batch, D, d, d + 1, p.u, p.output.params, x, logDet, true, p.bound, p.shiftOnly);
  }
  return { x, logDet, params: p.output.params as Float32Array, top: (last.residualSum ?? last.activations) as Float32Array };
}

/** Largest |a − b| / (1 + |b|), NaN counting as infinitely far. */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    const err = Math.abs(a[k] - b[k]) / (1 + Math.abs(b[k]));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

function label(c: SamplerCase): string {
  return `D=${c.features} [${c.hiddenUnits.join(',')}] batch ${c.batch}${c.residual === true ? ' residual' : ''}` +
    `${c.shiftOnly === true ? ' shiftOnly' : ''} ${c.activation ?? 'relu'}`;
}

describe('staircaseSequentialAffine', () => {
  it('reference: equals its own per-feature composition exactly and writes every x (no NaN from masked weights)', () => {
    for (const [i, c] of CASES.entries()) {
      if (c.batch > 300) continue; // the reference loops are slow; the native tests cover the big batch
      const p = problem(c, 100 + i);
      const a = fused(ref, p);
      const b = composed(ref, p);
      assert.deepEqual(a.x, b.x, `${label(c)}: x`);
      assert.deepEqual(a.logDet, b.logDet, `${label(c)}: logDet`);
      assert.ok(a.x.every(Number.isFinite), `${label(c)}: x finite`);
      if (c.shiftOnly === true) assert.ok(a.logDet.every((v) => v === 0), `${label(c)}: shiftOnly logDet`);
      else assert.ok(a.logDet.some((v) => v !== 0), `${label(c)}: logDet written`);
    }
  });

  describe('native conforms to reference', { skip }, () => {
    const isas = load.ok ? ['avx512', 'avx2', 'generic'].filter((isa) => load.addon.setIsa(isa)) : [];
    const threadCounts = load.ok ? [...new Set([1, load.addon.threads()])] : [];
    after(() => {
      if (!load.ok) return;
      load.addon.setIsa(isas[0]);
      load.addon.setThreads(Math.max(...threadCounts));
    });
    for (const isa of isas) {
      for (const threads of threadCounts) {
        it(`${isa}, ${threads} thread${threads > 1 ? 's' : ''}: fused = native composition bit for bit, ≈ reference`, () => {
          if (!load.ok) return;
          load.addon.setIsa(isa);
          load.addon.setThreads(threads);
          for (const [i, c] of CASES.entries()) {
            const p = problem(c, 200 + i);
            const native = fused(load.kernels, p);
            const unfused = composed(load.kernels, p);
            assert.deepEqual(native.x, unfused.x, `${label(c)}: x vs native composition`);
            assert.deepEqual(native.logDet, unfused.logDet, `${label(c)}: logDet vs native composition`);
            assert.deepEqual(native.params, unfused.params, `${label(c)}: params vs native composition`);
            assert.deepEqual(native.top, unfused.top, `${label(c)}: top activations vs native composition`);
            if (c.batch > 300) continue;
            const oracle = fused(ref, p);
            assert.ok(maxRelative(native.x, oracle.x) < 2e-4, `${label(c)}: x ${maxRelative(native.x, oracle.x)}`);
            assert.ok(maxRelative(native.logDet, oracle.logDet) < 2e-4, `${label(c)}: logDet`);
            assert.ok(maxRelative(native.params, oracle.params) < 2e-4, `${label(c)}: params`);
          }
        });
      }
    }

    it('float64 calls go to the reference; inconsistent layers are rejected with a message', () => {
      if (!load.ok) return;
      const p = problem(CASES[2], 7);
      const toF64 = (a: ArrayLike<number>) => Float64Array.from(a);
      const p64: Problem = {
        ...p, u: p.u,
        hidden: p.hidden.map((l) => ({ ...l, weight: toF64(l.weight), activations: toF64(l.activations), residualSum: null })),
        output: { ...p.output, weight: toF64(p.output.weight), params: toF64(p.output.params) },
      };
      const run = (k: Kernels): Float64Array => {
        const q = copy(p64);
        const x = new Float64Array(q.batch * q.features);
        k.staircaseSequentialAffine(q.batch, q.features, q.hidden, q.output, toF64(q.u), x, new Float64Array(q.batch), q.bound, q.shiftOnly);
        return x;
      };
      assert.deepEqual(run(load.kernels), run(ref));
      const bad = copy(p);
      bad.hidden[1] = { ...bad.hidden[1], inDim: bad.hidden[1].inDim + 1 };
      assert.throws(() => load.kernels.staircaseSequentialAffine(bad.batch, bad.features, bad.hidden, bad.output, bad.u,
        new Float32Array(bad.batch * bad.features), new Float64Array(bad.batch), bad.bound, bad.shiftOnly),
      /staircaseSequentialAffine: layer 1 has inDim 14, expected 13/);
      const short = copy(p);
      assert.throws(() => load.kernels.staircaseSequentialAffine(short.batch, short.features, short.hidden, short.output,
        short.u, new Float32Array(short.batch * short.features - 1), new Float64Array(short.batch), short.bound, true),
      /staircaseSequentialAffine: x needs at least 1285 elements, got 1284/);
    });
  });
});
