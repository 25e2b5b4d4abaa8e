/**
 * Every native GEMM kernel this CPU can run (each instruction set × each forward register tile of
 * `GEMM_KERNEL_NAMES`, plus a short reduction block `/kc7` so that every reduction is cut into many blocks with a
 * remainder) against the reference backend: the forward prefix GEMM at shapes that are no multiple of any tile
 * (1, primes, just past a tile or a cache block, more rows than one row block), dense, staircase and leading-zero
 * prefixes, every activation, bias, accumulation and column ranges; the backward GEMMs once per backward tile (one
 * per ISA, two for avx512); one and all threads. The bfloat16 kernels (avx512bf16, where the CPU has AVX512-BF16) within their
 * rounding bound. Skips only when the addon is not built.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GEMM_KERNEL_NAMES } from '../../bench/lib/gemm-kernel-names.ts';
import { Rng } from '../../src/core/rng.ts';
import { ACTIVATIONS, type Activation } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels as ref } from '../../src/kernels/reference.ts';
import { conformanceCases } from './conformance-cases.ts';

const load = loadNativeBackend();
const skip = load.ok ? false : `native addon not built (${load.reason})`;

/** [batch, inDim, outDim]: M, K, N of the forward GEMM. */
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [1, 1000, 7], [5, 33, 1], [7, 5, 47], [13, 65, 49], [3, 2, 97], [101, 129, 97], [9, 1025, 50],
  [257, 70, 100], // more rows than one row block of any tile: B packed once, then row blocks over it
];

function normals(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

type PrefixKind = 'dense' | 'staircase' | 'leading-zeros';

function makePrefix(kind: PrefixKind, rng: Rng, inDim: number, outDim: number): Int32Array | null {
  if (kind === 'dense') return null;
  const p = Int32Array.from({ length: outDim }, () => rng.int(inDim + 1)).sort();
  if (kind === 'leading-zeros') p.fill(0, 0, Math.ceil(outDim / 4));
  return p;
}

/** Compares native with reference on one forward call; masked weights are NaN, so reading one fails the test. */
function forwardCase(rng: Rng, [batch, inDim, outDim]: readonly [number, number, number], kind: PrefixKind,
  activation: Activation, accumulate: boolean, middle: boolean): void {
  if (!load.ok) return;
  const label = `${load.addon.isa()} [${batch}x${inDim}]->${outDim} ${kind} ${activation} acc=${accumulate} middle=${middle}`;
  const prefix = makePrefix(kind, rng, inDim, outDim);
  const x = normals(rng, batch * inDim);
  const w = normals(rng, outDim * inDim, 1 / Math.sqrt(inDim));
  const wAbs = w.map(Math.abs);
  if (prefix !== null) for (let j = 0; j < outDim; j++) w.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
  const bias = normals(rng, outDim);
  const start = middle ? Math.floor(outDim / 3) : 0;
  const end = middle ? Math.max(start + 1, outDim - Math.floor(outDim / 4)) : outDim;
  const out0 = normals(rng, batch * outDim);
  const [expected, actual] = [out0.slice(), out0.slice()];
  const op = { batch, inDim, outDim, x, weight: w, prefix, bias, accumulate, activation, outStart: start, outEnd: end };
  ref.prefixGemm({ ...op, out: expected });
  load.kernels.prefixGemm({ ...op, out: actual });
  const scale = new Float64Array(batch * outDim);
  ref.prefixGemm({ batch, inDim, outDim, x: x.map(Math.abs), weight: wAbs, prefix, bias: bias.map(Math.abs), out: scale });
  // bfloat16 products (avx512bf16): each factor rounded to 8 significant bits, so a sum is within 2⁻⁸ Σ|x·w|.
  const relative = load.addon.isa().startsWith('avx512bf16/') ? 4e-3 : 2e-5;
  for (let i = 0; i < expected.length; i++) {
    const bound = relative * (scale[i] + Math.abs(out0[i]) + 1) + 1e-6;
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      assert.fail(`prefixGemm ${label}: element ${i}: native ${actual[i]} vs reference ${expected[i]}`);
    }
  }
}

function backwardCase(rng: Rng, [batch, inDim, outDim]: readonly [number, number, number], kind: PrefixKind): void {
  if (!load.ok) return;
  const prefix = makePrefix(kind, rng, inDim, outDim);
  const w = normals(rng, outDim * inDim);
  const x = normals(rng, batch * inDim);
  const dOut = normals(rng, batch * outDim);
  const [dInRef, dInNative] = [new Float32Array(batch * inDim), new Float32Array(batch * inDim)];
  ref.prefixGemmBackwardInput({ batch, inDim, outDim, dOut, weight: w, prefix, dIn: dInRef });
  load.kernels.prefixGemmBackwardInput({ batch, inDim, outDim, dOut, weight: w, prefix, dIn: dInNative });
  const [dWRef, dWNative] = [new Float32Array(outDim * inDim), new Float32Array(outDim * inDim)];
  ref.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut, x, prefix, dWeight: dWRef, dBias: null });
  load.kernels.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut, x, prefix, dWeight: dWNative, dBias: null });
  const tol = 1e-4 * Math.sqrt(Math.max(batch, outDim)) + 1e-5;
  const worst = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const label = `${load.addon.isa()} [${batch}x${inDim}]->${outDim} ${kind}`;
  assert.ok(worst(dInNative, dInRef) <= tol, `prefixGemmBackwardInput ${label}: ${worst(dInNative, dInRef)}`);
  assert.ok(worst(dWNative, dWRef) <= tol, `prefixGemmBackwardWeight ${label}: ${worst(dWNative, dWRef)}`);
}

const defaultKernel = load.ok ? load.addon.isa() : '';  // before the probing below leaves its last name active
const kernelNames = load.ok ? GEMM_KERNEL_NAMES.filter((name) => load.addon.setIsa(name)) : [];
const isaNames = [...new Set(kernelNames.map((name) => name.split('/')[0]))];
if (load.ok) load.addon.setIsa(defaultKernel);
const threadCounts = load.ok ? [...new Set([1, load.addon.threads()])] : [];

describe('native GEMM kernels, every tile this CPU runs, against reference', { skip }, () => {
  after(() => {
    if (!load.ok) return;
    load.addon.setIsa(defaultKernel);
    load.addon.setThreads(Math.max(...threadCounts));
  });

  it('names: isa() reports isa/tile/kc; setIsa takes a prefix of it and refuses unknown names', () => {
    if (!load.ok) return;
    assert.match(defaultKernel, /^(avx512|avx2|generic)\/\d+x\d+\/kc\d+$/);
    assert.ok(load.addon.setIsa(defaultKernel), defaultKernel);
    assert.equal(load.addon.isa(), defaultKernel);
    assert.ok(load.addon.setIsa('generic'));
    assert.equal(load.addon.isa(), 'generic/4x8/kc256');
    assert.ok(load.addon.setIsa('generic/4x8/kc7'));
    assert.equal(load.addon.isa(), 'generic/4x8/kc7');
    for (const bad of ['avx', 'generic/5x8', 'generic/4x8/kc0', 'generic/4x8/k7', 'generic/4x8/kc7x', 'generic/']) {
      assert.equal(load.addon.setIsa(bad), false, bad);
    }
    assert.equal(load.addon.isa(), 'generic/4x8/kc7', 'a refused name leaves the kernel as it was');
    load.addon.setIsa(defaultKernel);
  });

  for (const name of kernelNames.flatMap((n) => [n, `${n}/kc7`])) {
    for (const threads of threadCounts) {
      it(`forward ${name}, ${threads} thread${threads > 1 ? 's' : ''}`, () => {
        if (!load.ok) return;
        assert.ok(load.addon.setIsa(name), name);
        load.addon.setThreads(threads);
        const rng = new Rng(17);
        let n = 0;
        for (const shape of SHAPES) {
          for (const kind of ['dense', 'staircase', 'leading-zeros'] as const) {
            forwardCase(rng, shape, kind, ACTIVATIONS[n % ACTIVATIONS.length], n % 2 === 1, n % 3 === 2);
            n++;
          }
        }
        if (!name.endsWith('/kc7')) forwardCase(rng, [64, 512, 512], 'dense', 'relu', false, false);
      });
    }
  }

  // An ISA's backward tile is the one of its forward tile's vector width: avx512 has two (zmm 8x32 with the zmm
  // forward tiles, ymm 6x32 with the ymm ones), the other ISAs one.
  const backwardNames = [...isaNames, ...['avx512/8x48', 'avx512/4x24'].filter((name) => kernelNames.includes(name))];
  // The sampler's pass with each tile's rows-in-lanes GEMM (and a 7-float reduction block on each ISA's default): equal
  // bit for bit to the same kernel's prefixGemm composition (which the forward cases above check against reference).
  const sequential = conformanceCases().find((c) => c.name.startsWith('staircaseSequential'));
  const firstOfIsa = (name: string): boolean => kernelNames.find((n) => n.split('/')[0] === name.split('/')[0]) === name;
  for (const name of kernelNames.filter((n) => !n.startsWith('avx512bf16/'))) {
    for (const kernel of firstOfIsa(name) ? [name, `${name}/kc7`] : [name]) {
      it(`staircase sequential pass ${kernel}: fused = its composition`, () => {
        assert.ok(sequential !== undefined && load.ok && load.addon.setIsa(kernel), kernel);
        sequential.run(load.kernels, { dtype: 'float32', fusedExact: true, maxBatch: 0 });
      });
    }
  }

  for (const isa of backwardNames) {
    it(`backward ${isa} (the backward tile of its vector width), edge shapes`, () => {
      if (!load.ok) return;
      assert.ok(load.addon.setIsa(isa));
      const rng = new Rng(23);
      for (const threads of threadCounts) {
        load.addon.setThreads(threads);
        for (const shape of SHAPES) for (const kind of ['dense', 'staircase'] as const) backwardCase(rng, shape, kind);
      }
    });
  }
});
