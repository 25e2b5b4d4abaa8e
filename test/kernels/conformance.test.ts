/**
 * One conformance suite for every backend: the table of `conformance-cases.ts` (every kernel against the reference
 * oracle; fused passes against the backend's own layer-by-layer composition) run on each backend, in each dtype
 * (float32, and float64, which a float32 engine must hand to the reference loops), with one thread and with all of
 * them (wasm: worker threads on a shared memory, every call split), on each instruction set of the native addon this
 * CPU has, and on both builds of the wasm kernels (plain SIMD128, and relaxed SIMD, whose fused multiply-adds round
 * differently but within the same tolerances). A backend that cannot load here fails the suite with its reason (the
 * addon is built by `npm ci`; the wasm binaries ship in the repository).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { Rng } from '../../src/core/rng.ts';
import type { Kernels } from '../../src/kernels/kernels.ts';
import { createNativeKernels, loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';
import { loadWasmBackend, wasmRelaxedSimdSupported, type WasmKernels } from '../../src/kernels/wasm.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { nodeWasmWorkers } from '../../src/kernels/wasm-node-workers.ts';
import { conformanceCases } from './conformance-cases.ts';

interface BackendUnderTest {
  readonly label: string;
  readonly kernels: () => Kernels;
  /** Sets the configuration before the cases run. */
  readonly setup?: () => void;
  readonly fusedExact: boolean;
}

const native = loadNativeBackend();
const backends: BackendUnderTest[] = [{ label: 'reference', kernels: () => referenceKernels, fusedExact: true }];
if (native.ok) {
  const isas = ['avx512', 'avx2', 'generic'].filter((isa) => native.addon.setIsa(isa));
  const threads = [...new Set([1, native.addon.threads()])];
  after(() => {
    native.addon.setIsa(isas[0]);
    native.addon.setThreads(Math.max(...threads));
  });
  for (const isa of isas) {
    for (const t of threads) {
      backends.push({ label: `native (${isa}, ${t} thread${t > 1 ? 's' : ''})`, kernels: () => native.kernels, fusedExact: true,
        setup: () => { native.addon.setIsa(isa); native.addon.setThreads(t); } });
    }
  }
}

// The resident proxy below copies every operand into the backend's memory, and those copies are released only when the
// garbage collector finalises their views, which the JS heap's small pressure rarely triggers: with the default 256 MiB
// the memory filled up within the table, and a full memory sends a call to the reference loops (other rounding).
const wasm = loadWasmBackendSync({ memoryMiB: 1024, relaxedSimd: false });
// Operands in the backend's own memory (no copies) and in ordinary arrays (copied per call) must give the same results.
backends.push({ label: 'wasm (1 thread, operands copied in)', kernels: () => wasm, fusedExact: true });
backends.push({ label: 'wasm (1 thread, operands in its memory)', kernels: () => resident(wasm), fusedExact: true });
// Every call split over all threads (no size threshold), so that each kernel's partition is checked on small shapes too.
const wasmThreadsOptions = { memoryMiB: 1024, threads: Math.max(2, nodeWasmWorkers.hardwareThreads), workers: nodeWasmWorkers, minParallelFlops: 0 };
const wasmThreads = await loadWasmBackend({ ...wasmThreadsOptions, relaxedSimd: false });
backends.push({ label: `wasm (${wasmThreads.threads} threads, operands in its memory)`, kernels: () => resident(wasmThreads), fusedExact: true });
// The relaxed-SIMD build (what Chromium and Node ≥ 22 load) on one and all threads; the operand copies are the same
// JavaScript for both builds. Node 20's V8 validates relaxed SIMD only behind a flag, which this process sets for itself.
if (!wasmRelaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
const relaxed = wasmRelaxedSimdSupported();
const relaxedThreads = relaxed ? await loadWasmBackend({ ...wasmThreadsOptions, relaxedSimd: true }) : undefined;
if (relaxedThreads !== undefined) {
  const relaxedOne = loadWasmBackendSync({ memoryMiB: 1024, relaxedSimd: true });
  backends.push({ label: 'wasm relaxed SIMD (1 thread, operands in its memory)', kernels: () => resident(relaxedOne), fusedExact: true });
  backends.push({ label: `wasm relaxed SIMD (${relaxedThreads.threads} threads, operands in its memory)`, kernels: () => resident(relaxedThreads),
    fusedExact: true });
}

/** `k` with every float32 and int32 operand first copied into its own memory (as backend-allocated buffers are). */
function resident(k: WasmKernels): Kernels {
  const move = (v: unknown): unknown => {
    if (v instanceof Float32Array) {
      const a = k.allocate('float32', v.length) as Float32Array;
      a.set(v);
      return a;
    }
    if (Array.isArray(v)) return v.map(move);
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([key, e]) => [key, move(e)]));
    return v;
  };
  return new Proxy(k, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function' || name === 'allocate') return value;
      return (op: Record<string, unknown>) => {
        const moved = move(op) as Record<string, unknown>;
        value.call(target, moved);
        // Results back into the caller's arrays.
        const copyBack = (from: unknown, to: unknown): void => {
          if (from instanceof Float32Array && to instanceof Float32Array && from !== to) to.set(from);
          else if (Array.isArray(from) && Array.isArray(to)) from.forEach((e, i) => copyBack(e, to[i]));
          else if (from !== null && typeof from === 'object' && !ArrayBuffer.isView(from) && to !== null && typeof to === 'object') {
            for (const key of Object.keys(from)) copyBack((from as Record<string, unknown>)[key], (to as Record<string, unknown>)[key]);
          }
        };
        copyBack(moved, op);
      };
    },
  });
}

describe('kernel backends conform to the reference oracle', () => {
  it('the native addon loads here', () => {
    assert.ok(native.ok, `native backend unavailable: ${native.ok ? '' : native.reason}`);
  });
  it('both builds of the wasm kernels load here, each saying which it is', () => {
    assert.ok(relaxed, 'this engine validates no relaxed SIMD, even with --experimental-wasm-relaxed-simd');
    assert.deepEqual([wasm.relaxedSimd, wasmThreads.relaxedSimd, relaxedThreads?.relaxedSimd], [false, false, true]);
  });
  for (const [i, backend] of backends.entries()) {
    // float64 on a float32 engine is delegation: checked once per backend kind on the quick table (the reference's
    // float64 gradients are checked against finite differences in reference.test.ts).
    for (const dtype of i <= 1 || backend.label.startsWith('wasm (1 thread, operands copied') ? ['float32', 'float64'] as const : ['float32'] as const) {
      describe(`${backend.label}, ${dtype}`, () => {
        for (const c of conformanceCases(dtype === 'float64')) {
          it(c.name, () => {
            backend.setup?.();
            c.run(backend.kernels(), { dtype, fusedExact: backend.fusedExact, maxBatch: 300 });
          });
        }
      });
    }
  }
});

it('both wasm builds sum a unit in a sampler\'s column ranges exactly as in the whole pass (masked inputs NaN)', () => {
  const [batch, inDim, outDim] = [37, 61, 83];
  const rng = new Rng(5);
  const x = Float32Array.from({ length: batch * inDim }, () => rng.normal());
  const weight = Float32Array.from({ length: outDim * inDim }, () => rng.normal());
  const prefix = Int32Array.from({ length: outDim }, (_, j) => Math.min(inDim, Math.floor((j * inDim) / outDim) + 1));
  for (let j = 0; j < outDim; j++) weight.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
  const bias = Float32Array.from({ length: outDim }, () => rng.normal());
  for (const k of [wasm, relaxedThreads]) {
    assert.ok(k !== undefined);
    const whole = new Float32Array(batch * outDim);
    k.prefixGemm({ batch, inDim, outDim, x, weight, prefix, bias, out: whole });
    const ranges = Float32Array.from({ length: batch * outDim }, (_, i) => bias[i % outDim]);
    for (let j = 0; j < outDim; j += 1 + (j % 7)) {
      k.prefixGemm({ batch, inDim, outDim, x, weight, prefix, bias: null, out: ranges, accumulate: true, outStart: j,
        outEnd: Math.min(outDim, j + 1 + (j % 7)) });
    }
    assert.deepEqual(ranges, whole, `relaxedSimd ${k.relaxedSimd}`);
  }
});

it('the threaded wasm backends ran parts of the calls on their workers', () => {
  assert.ok(wasmThreads.workerTasks > 0, `workers ran ${wasmThreads.workerTasks} tasks`);
  assert.ok((relaxedThreads?.workerTasks ?? 0) > 0, `relaxed SIMD: workers ran ${relaxedThreads?.workerTasks} tasks`);
});

describe('native rejects bad descriptors with a message naming the kernel and the operand', () => {
  it('lengths, staircases, ranges, descriptions', () => {
    assert.ok(native.ok);
    const k = native.kernels;
    const x = new Float32Array(4);
    const gemm = { batch: 2, inDim: 2, outDim: 2, x, weight: new Float32Array(4), prefix: null, bias: null, out: new Float32Array(4) };
    assert.throws(() => k.prefixGemm({ ...gemm, weight: new Float32Array(3) }), /prefixGemm: weight needs at least 4 elements, got 3/);
    assert.throws(() => k.prefixGemm({ ...gemm, prefix: Int32Array.from([2, 1]) }), /prefixGemm: prefix must be non-decreasing/);
    assert.throws(() => k.prefixGemm({ ...gemm, outStart: 1, outEnd: 3 }), /outStart <= outEnd <= outDim/);
    assert.throws(() => k.prefixGemm({ ...gemm, activation: 'gelu' as never }), /prefixGemm: activation must be one of relu/);
    assert.throws(() => k.gatherColumns({ rows: 4, cols: 3, x: new Float32Array(12), index: Int32Array.from([0, 3, 1]), out: new Float32Array(12) }),
      /gatherColumns: index entries must lie in \[0, 3\); index\[1\] = 3/);
    const y = new Float32Array(12);
    assert.throws(() => k.gatherColumns({ rows: 4, cols: 3, x: y, index: Int32Array.from([0, 2, 1]), out: y }), /gatherColumns: out must not alias x/);
    const slot = (): Float32Array[] => [new Float32Array(6), new Float32Array(1)];
    const layout = { rows: Int32Array.of(2, 1), cols: Int32Array.of(3, 1), staircases: [Int32Array.of(1, 3), null] };
    const adam = { layout, param: slot(), grad: slot(), m: slot(), v: slot(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
    assert.throws(() => k.adamUpdate({ ...adam, layout: { ...layout, staircases: [Int32Array.of(1, 4), null] } }),
      /adamUpdate layout: staircases\[0\] entries must lie in \[0, 3\]; entry 1 = 4/);
    assert.throws(() => k.adamUpdate({ ...adam, m: [new Float32Array(6), new Float32Array(0)] }), /adamUpdate: m\[1\] needs at least 1 elements, got 0/);
    assert.throws(() => k.adamUpdate({ ...adam, v: [new Float32Array(6)] }), /adamUpdate: v must be an array of 2 Float32Arrays/);
    assert.throws(() => k.axpby({ layout, alpha: 1, beta: 1, x: null, y: [new Float32Array(6), new Float64Array(1)] as never }),
      /axpby: y\[1\] must be a Float32Array/);
    assert.throws(() => k.sumOfSquares({ layout, x: adam.param, out: new Float64Array(1) }), /sumOfSquares: out needs at least 2 elements, got 1/);
    const transform = { batch: 2, features: 2, input: x, params: new Float32Array(8), output: new Float32Array(4), logDet: null };
    assert.throws(() => k.transformInverse({ ...transform, transformer: { kind: 'gaussian' } as never }),
      /transformInverse transformer: kind must be 'affine', 'spline', 'circular-spline', 'bernstein', 'naf' or 'umnn', got 'gaussian'/);
    assert.throws(() => k.transformForward({ ...transform, transformer: { kind: 'circular-spline', bins: 1, minBinWidth: 0, minBinHeight: 0,
      minDerivative: 0, circular: Int32Array.of(1, 0, 1) } }), /transformForward: transformer.circular has 3 flags, expected one per feature \(2\)/);
    assert.throws(() => k.transformInverse({ ...transform, transformer: { kind: 'umnn', hiddenUnits: 1, intervals: 3 } }),
      /transformInverse transformer: intervals must be even/);
    assert.throws(() => k.transformForward({ ...transform, transformer: { kind: 'spline', bins: 3, tailBound: 3, minBinWidth: 0, minBinHeight: 0, minDerivative: 0 } }),
      /transformForward: params needs at least 32 elements, got 8/);
  });
});

describe('an addon built before a transformer kind existed', () => {
  it('leaves that kind to the reference loops and runs the kinds it knows', () => {
    assert.ok(native.ok);
    const addon = native.addon;
    const older = Object.assign(Object.create(addon) as typeof addon, {
      transformerKinds: () => ['affine', 'spline'],
      transformInverse: (op: Parameters<typeof addon.transformInverse>[0]) => {
        if (op.transformer.kind !== 'affine' && op.transformer.kind !== 'spline') throw new Error(`the older addon got ${op.transformer.kind}`);
        addon.transformInverse(op);
      },
    });
    const k = createNativeKernels(older);
    const transformer = { kind: 'bernstein', degree: 4, bound: 2 } as const;
    const op = { transformer, batch: 3, features: 2, input: Float32Array.of(0.1, -3, 2.5, 0, 1, -1), params: new Float32Array(30).fill(0.2) };
    const [a, b] = [new Float32Array(6), new Float32Array(6)];
    k.transformInverse({ ...op, output: a, logDet: null });
    referenceKernels.transformInverse({ ...op, output: b, logDet: null });
    assert.deepEqual(a, b);
    k.transformInverse({ ...op, transformer: { kind: 'affine', logScaleBound: 5, shiftOnly: true }, output: a, logDet: null });
  });
});
