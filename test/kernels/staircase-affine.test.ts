/**
 * The fused affine MAF kernels, `staircaseSequentialAffine` (base → data, the staircase sampler) and
 * `staircaseParallelAffine` (data → base, the density pass): the native backend against the reference oracle on
 * MADE-shaped stacks (D = 1, 2, 5, 21; odd widths; batch 1, 3, 257, 2000; residual; shiftOnly; context terms in the
 * initial buffers; NaN in every masked weight), on each instruction set and with one and all threads; and each native
 * fused call against the native composition of prefixGemm + affineForward / affineInverse (per feature for the
 * sequential pass, all columns at once for the parallel one), which it must reproduce bit for bit (same arithmetic per
 * unit, only the loop order over rows changes).
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import type { Activation, Kernels, StaircaseHiddenLayer, StaircaseLayer } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels as ref } from '../../src/kernels/reference.ts';
import { degreeStarts } from '../../src/nn/degrees.ts';
import { Made } from '../../src/nn/made.ts';
import type { MaskedLinear } from '../../src/nn/masked-linear.ts';

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
  contextFeatures?: number;
}

const CASES: SamplerCase[] = [
  { features: 1, hiddenUnits: [5], batch: 3 },
  { features: 2, hiddenUnits: [7, 9], batch: 1, activation: 'tanh', contextFeatures: 3 },
  { features: 5, hiddenUnits: [13, 11], batch: 257, shiftOnly: true },
  { features: 5, hiddenUnits: [19, 19, 19], batch: 3, residual: true, activation: 'elu', contextFeatures: 2 },
  { features: 21, hiddenUnits: [67, 45], batch: 257, logScaleBound: Infinity, contextFeatures: 1 },
  { features: 21, hiddenUnits: [130, 130], batch: 2000, residual: true },
  { features: 21, hiddenUnits: [300, 300], batch: 130, activation: 'tanh' }, // reductions beyond one 256 block
];

/** The kernel's inputs for one case: a MADE's staircases with random O(1) weights (NaN where masked). */
interface Problem {
  batch: number;
  features: number;
  contextFeatures: number;
  context: Float32Array | null;
  hidden: StaircaseHiddenLayer[];
  output: StaircaseLayer;
  residual: boolean;
  u: Float32Array;
  bound: number;
  shiftOnly: boolean;
}

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.normal() * scale;
  return a;
}

function problem(c: SamplerCase, seed: number): Problem {
  const rng = new Rng(seed);
  const shiftOnly = c.shiftOnly ?? false;
  const C = c.contextFeatures ?? 0;
  const made = new Made({ features: c.features, hiddenUnits: c.hiddenUnits, residual: c.residual, contextFeatures: C,
    paramsPerFeature: shiftOnly ? 1 : 2, dtype: 'float32', rng });
  const layer = (l: MaskedLinear, scale: number): StaircaseLayer => {
    const prefix = l.prefix as Int32Array;
    const weight = normals(rng, l.outDim * l.inDim, scale / Math.sqrt(l.inDim));
    for (let j = 0; j < l.outDim; j++) weight.fill(NaN, j * l.inDim + prefix[j], (j + 1) * l.inDim);
    return { inDim: l.inDim, outDim: l.outDim, weight, prefix, bias: normals(rng, l.outDim, 0.3),
      contextWeight: C > 0 ? normals(rng, l.outDim * C, 0.5) : null };
  };
  return {
    batch: c.batch,
    features: c.features,
    contextFeatures: C,
    context: C > 0 ? normals(rng, c.batch * C) : null,
    hidden: made.hidden.map((l, i) => ({ ...layer(l, 1.5), activation: c.activation ?? 'relu',
      degreeStarts: degreeStarts(made.hiddenDegrees[i], c.features) })),
    output: layer(made.output, 0.5),
    residual: c.residual ?? false,
    u: normals(rng, c.batch * c.features),
    bound: c.logScaleBound ?? 3,
    shiftOnly,
  };
}

type Direction = 'sequential' | 'parallel';

/** The pass's output (x for the sequential pass, z for the parallel one) and log-determinants. */
interface Result { x: Float32Array; logDet: Float64Array }

/** The fused kernel of `direction`; the parallel pass reads `p.u` as its input x. */
function fused(k: Kernels, p: Problem, direction: Direction): Result {
  const x = new Float32Array(p.batch * p.features);
  const logDet = new Float64Array(p.batch);
  const run = direction === 'sequential' ? k.staircaseSequentialAffine : k.staircaseParallelAffine;
  run.call(k, p.batch, p.features, p.contextFeatures, p.context, p.hidden, p.output, p.residual, p.u, x, logDet, p.bound,
    p.shiftOnly);
  return { x, logDet };
}

/**
 * The composition of `MaskedLinear.initOutput`, the MADE's layers and the affine kernel with `k`'s kernels: per feature
 * (`Made.sequential` + `affineForward`) or over all columns at once (then `affineInverse` of `p.u`).
 */
function composed(k: Kernels, p: Problem, direction: Direction): Result {
  const { batch, features: D, hidden, output } = p;
  const P = p.shiftOnly ? 1 : 2;
  const x = direction === 'sequential' ? new Float32Array(batch * D) : p.u;
  const z = new Float32Array(batch * D);
  const logDet = new Float64Array(batch);
  const init = (l: StaircaseLayer): Float32Array => {
    const out = new Float32Array(batch * l.outDim);
    if (l.contextWeight !== null && p.context !== null) {
      k.prefixGemm(batch, p.contextFeatures, l.outDim, p.context, l.contextWeight, null, l.bias, out, false, 'identity', 0, l.outDim);
    } else {
      for (let b = 0; b < batch; b++) out.set(l.bias, b * l.outDim);
    }
    return out;
  };
  const a = hidden.map(init);
  const h = p.residual ? hidden.map((l) => new Float32Array(batch * l.outDim)) : a;
  const params = init(output);
  const steps = direction === 'sequential' ? D : 1;
  for (let d = 0; d < steps; d++) {
    hidden.forEach((layer, l) => {
      const [s, e] = direction === 'sequential' ? [layer.degreeStarts[d], layer.degreeStarts[d + 1]] : [0, layer.outDim];
      if (s === e) return;
      k.prefixGemm(batch, layer.inDim, layer.outDim, l === 0 ? x : h[l - 1], layer.weight, layer.prefix, null, a[l], true,
        layer.activation, s, e);
      if (p.residual) {
        for (let b = 0; b < batch; b++) {
          for (let j = s; j < e; j++) {
            const o = b * layer.outDim + j;
            h[l][o] = (l === 0 ? 0 : h[l - 1][o]) + a[l][o];
          }
        }
      }
    });
    const [s, e] = direction === 'sequential' ? [d * P, (d + 1) * P] : [0, D * P];
    k.prefixGemm(batch, output.inDim, D * P, h[h.length - 1], output.weight, output.prefix, null, params, true,
      'identity', s, e);
    if (direction === 'sequential') k.affineForward(batch, D, d, d + 1, p.u, params, x, logDet, true, p.bound, p.shiftOnly);
    else k.affineInverse(batch, D, 0, D, x, params, z, logDet, true, p.bound, p.shiftOnly);
  }
  return { x: direction === 'sequential' ? x : z, logDet };
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
    `${c.shiftOnly === true ? ' shiftOnly' : ''} ${c.activation ?? 'relu'} context ${c.contextFeatures ?? 0}`;
}

for (const direction of ['sequential', 'parallel'] as const) {
  const name = direction === 'sequential' ? 'staircaseSequentialAffine' : 'staircaseParallelAffine';
  describe(name, () => {
    it('reference: equals its own composition exactly and writes every output (no NaN from masked weights)', () => {
      for (const [i, c] of CASES.entries()) {
        if (c.batch > 300) continue; // the reference loops are slow; the native tests cover the big batch
        const p = problem(c, 100 + i);
        const a = fused(ref, p, direction);
        const b = composed(ref, p, direction);
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
              const native = fused(load.kernels, p, direction);
              const unfused = composed(load.kernels, p, direction);
              assert.deepEqual(native.x, unfused.x, `${label(c)}: x vs native composition`);
              assert.deepEqual(native.logDet, unfused.logDet, `${label(c)}: logDet vs native composition`);
              if (c.batch > 300) continue;
              const oracle = fused(ref, p, direction);
              assert.ok(maxRelative(native.x, oracle.x) < 2e-4, `${label(c)}: x ${maxRelative(native.x, oracle.x)}`);
              assert.ok(maxRelative(native.logDet, oracle.logDet) < 2e-4, `${label(c)}: logDet`);
            }
          });
        }
      }

      it('float64 calls go to the reference; inconsistent layers are rejected with a message', () => {
        if (!load.ok) return;
        const p = problem(CASES[3], 7);
        const toF64 = (a: Float32Array) => Float64Array.from(a);
        const to64 = <T extends StaircaseLayer>(l: T): T => ({ ...l, weight: toF64(l.weight as Float32Array),
          bias: toF64(l.bias as Float32Array), contextWeight: l.contextWeight === null ? null : toF64(l.contextWeight as Float32Array) });
        const run = (k: Kernels): Float64Array => {
          const x = new Float64Array(p.batch * p.features);
          const pass = direction === 'sequential' ? k.staircaseSequentialAffine : k.staircaseParallelAffine;
          pass.call(k, p.batch, p.features, p.contextFeatures, toF64(p.context as Float32Array), p.hidden.map(to64),
            to64(p.output), p.residual, toF64(p.u), x, new Float64Array(p.batch), p.bound, p.shiftOnly);
          return x;
        };
        const x64 = run(load.kernels);
        assert.deepEqual(x64, run(ref));
        assert.ok(maxRelative(x64, fused(load.kernels, p, direction).x) < 1e-4, 'float64 ≈ float32 pass');
        const call = (q: Problem, out: Float32Array): void => {
          if (!load.ok) return;
          const pass = direction === 'sequential' ? load.kernels.staircaseSequentialAffine : load.kernels.staircaseParallelAffine;
          pass.call(load.kernels, q.batch, q.features, q.contextFeatures, q.context, q.hidden, q.output, q.residual, q.u, out,
            new Float64Array(q.batch), q.bound, q.shiftOnly);
        };
        const outName = direction === 'sequential' ? 'x' : 'z';
        const bad = { ...p, hidden: p.hidden.map((l, i) => (i === 1 ? { ...l, inDim: l.inDim + 1 } : l)) };
        assert.throws(() => call(bad, new Float32Array(p.batch * p.features)),
          new RegExp(`${name}: layer 1 has inDim 20, expected 19`));
        assert.throws(() => call(p, new Float32Array(p.batch * p.features - 1)),
          new RegExp(`${name}: ${outName} needs at least 15 elements, got 14`));
        assert.throws(() => call({ ...p, shiftOnly: true }, new Float32Array(p.batch * p.features)),
          new RegExp(`${name}: output layer has outDim 10, expected 5`));
      });
    });
  });
}
