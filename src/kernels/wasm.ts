/**
 * The `wasm` backend: maflow's WebAssembly SIMD128 kernels (wasm/kernels.c, built by scripts/build-wasm.mjs), for
 * browsers and every JavaScript runtime without the native addon. Each of the four builds (one thread or threads,
 * SIMD128 or relaxed SIMD) is a base64 module of its own under wasm-binaries/, which `loadWasmBackend` imports only
 * when it instantiates that build (`import()`: a bundler makes each a chunk, so a page fetches one of the four) and
 * checks against the SHA-256 the build recorded (wasm-binaries.ts); Node's synchronous loader (wasm-sync.ts) reads the
 * same bytes from the package's wasm/ folder and checks them the same way. Multithreaded where
 * SharedArrayBuffer exists (Node; a cross-origin isolated page) and the loader is asynchronous: workers instantiate the
 * shared-memory variant on the same memory and take parts of the large calls (wasm-threads.ts, wasm-split.ts); every
 * call stays synchronous on the calling thread. Elsewhere, and from the synchronous loader, one thread. A MADE's
 * passes (density, sampling, training) run in wasm/fused.c, one call per pass, for the affine and spline transformers.
 *
 * The backend owns one linear memory of fixed size (it never grows: growing would detach every view of it) and hands
 * out float32 buffers from it (`allocate`): parameters, gradients, optimiser moments and scratch buffers created
 * while it is active live there, so kernels run on them in place. An operand elsewhere (a user's matrix, a buffer made
 * before the backend was chosen) is copied into a temporary block for the call and its result copied back; when the
 * memory is full the call runs on the reference loops instead, so every call succeeds. Float64 calls, the kernels it
 * has no engine for (gather, moments, batch norm), the spline's backward passes and the transforms of the circular-spline,
 * Bernstein, NAF and UMNN descriptions run on the reference loops too (inside a fused pass only the transform does: its
 * MADE still runs on the engine).
 *
 * Where the engine validates relaxed SIMD (Chromium, Node ≥ 22; Node 20 with --experimental-wasm-relaxed-simd) the
 * backend loads the relaxed-SIMD build of the same sources, whose GEMM tiles multiply-add with f32x4.relaxed_madd (a
 * fused multiply-add where the CPU has one: its sums round once per step instead of twice, within the tolerances
 * every backend meets against the reference); elsewhere the plain SIMD128 build. maflow does not turn Node 20's flag on
 * itself: `v8.setFlagsFromString` after start-up is documented as unpredictable, and it would switch an experimental
 * engine feature on for the whole process (every other module's WebAssembly too).
 */
import type { Dtype, FloatArray } from '../core/matrix.ts';
import {
  ACTIVATIONS, withFallback, type Activation, type Kernels, type StaircaseHiddenLayer, type StaircaseLayer,
  type StaircaseLayerGradients, type StaircaseNetwork, type StaircasePassOp, type StaircaseTrainBackwardOp,
  type StaircaseTrainForwardOp, type TransformBackwardOp, type TransformOp, staircaseTrainSavedLength,
  type AdamUpdateOp, type AxpbyOp, type SgdMomentumUpdateOp, type SumOfSquaresOp, type TensorListLayout,
} from './kernels.ts';
import { madePass, referenceKernels as ref } from './reference.ts';
import { composeStaircaseTrainBackward, composeStaircaseTrainForward } from './staircase-train.ts';
import { sha256Hex } from './sha256.ts';
import { WASM_BINARIES, type WasmBuild } from './wasm-binaries.ts';
import { FUSED_LAYER_WORDS as LAYER_WORDS, WASM_EXPORT_NAMES, type WasmExports } from './wasm-exports.ts';
import { WasmHeap } from './wasm-heap.ts';
import { splitExports } from './wasm-split.ts';
import { POOL_BYTES, WasmThreadPool, wasmThreadSupport, type WasmWorkerPlatform } from './wasm-threads.ts';

/** Options of `loadWasmBackend`. */
export interface WasmBackendOptions {
  /** Size of the linear memory, fixed for the backend's life. @default 256 */
  readonly memoryMiB?: number;
  /**
   * A compiled module or the bytes of wasm/maflow-kernels.wasm (e.g. fetched by a page); with `threads` > 1, of
   * wasm/maflow-kernels-threads.wasm; or of their `-relaxed` builds. @default the build for these options, imported
   * from its own module (wasm-binaries/)
   */
  readonly module?: WebAssembly.Module | BufferSource;
  /**
   * Whether to load the relaxed-SIMD build (fused multiply-adds in the GEMM tiles: faster, and its float32 sums
   * may differ from the plain build's in the last bits, and between CPUs with and without FMA); `true` where the
   * engine has no relaxed SIMD is an error. Ignored with `module`. @default whether the engine validates relaxed SIMD
   */
  readonly relaxedSimd?: boolean;
  /**
   * Threads that share a call (the caller and `threads − 1` workers); more than 1 needs SharedArrayBuffer (in
   * browsers: a cross-origin isolated page) and the asynchronous loader.
   * @default every logical processor where threads are possible, else 1
   */
  readonly threads?: number;
  /**
   * Calls estimated below this many flops run whole on the calling thread (waking a worker costs more), and so do all
   * calls for a while after sharing them made them slower (cores taken by other processes); a MADE's fused pass
   * shares its rows from 13 times as many (a small network's step is faster on one thread); 0 shares every call
   * whatever the load (what tests of the partitions want). @default 300000
   */
  readonly minParallelFlops?: number;
  /** How workers are started. @default Web Workers in browsers; worker_threads in Node (installed by the Node entry) */
  readonly workers?: WasmWorkerPlatform;
}

/** The wasm backend: the kernels plus its memory. */
export interface WasmKernels extends Kernels {
  readonly name: 'wasm';
  /** A float32 buffer in the backend's memory (float64, or a full memory: an ordinary typed array). */
  allocate(dtype: Dtype, length: number): FloatArray;
  /** Bytes of the linear memory in use by buffers and temporaries. */
  readonly bytesInUse: number;
  /** Threads that share a large call (1: the calling thread alone). */
  readonly threads: number;
  /** Why `threads` is what it is, e.g. `all 2 logical processors` or `not cross-origin isolated (no SharedArrayBuffer)`. */
  readonly threadsReason: string;
  /** Whether the binary running is the relaxed-SIMD build (fused multiply-adds in the GEMM tiles). */
  readonly relaxedSimd: boolean;
  /** Parts of large calls that the workers have run so far (0 on one thread). */
  readonly workerTasks: number;
}

/** The most hidden layers fused.c takes, and the most spline bins kernels.c does. */
const MAX_FUSED_HIDDEN = 64;
const MAX_SPLINE_BINS = 256;

const ACTIVATION_CODE = new Map<Activation, number>(ACTIVATIONS.map((a, i) => [a, i]));

/** A tiny module with one SIMD instruction: whether this engine runs WebAssembly SIMD128. */
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0,
  253, 15, 253, 98, 11);

/** A tiny module with one relaxed-SIMD instruction (f32x4.relaxed_madd of its three v128 parameters). */
const RELAXED_SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0,
  32, 0, 32, 1, 32, 2, 253, 133, 2, 11);

function validates(probe: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** Whether WebAssembly with SIMD128 is available here. */
export function wasmSimdSupported(): boolean {
  return validates(SIMD_PROBE);
}

/** Whether this engine validates relaxed SIMD, which the faster build of the wasm backend's kernels needs. */
export function wasmRelaxedSimdSupported(): boolean {
  return validates(RELAXED_SIMD_PROBE);
}

/**
 * The build for these options: the threads build on a shared memory, the relaxed-SIMD one where wanted.
 * @internal
 */
export function wasmBuildFor(options: WasmBackendOptions, shared: boolean): WasmBuild {
  const supported = wasmRelaxedSimdSupported();
  if (options.relaxedSimd === true && !supported) {
    throw new Error('wasm backend: relaxedSimd: true, but this JavaScript engine has no relaxed SIMD (Node 20: run it with --experimental-wasm-relaxed-simd)');
  }
  const relaxed = options.relaxedSimd ?? supported;
  return shared ? (relaxed ? 'threadsRelaxed' : 'threads') : relaxed ? 'relaxed' : 'simd128';
}

/**
 * `bytes` when their SHA-256 (`sha256`, hex) is the one scripts/build-wasm.mjs recorded for `build`; else throws,
 * naming where they came from (a stale file or a cached chunk of another version).
 * @internal
 */
export function checkedBinary(build: WasmBuild, bytes: Uint8Array, sha256: string, from: string): Uint8Array {
  const expected = WASM_BINARIES[build];
  if (sha256 !== expected.sha256) {
    throw new Error(`wasm backend: ${from} is not maflow's ${expected.file} (SHA-256 ${sha256}, ${bytes.length} bytes; expected ` +
      `${expected.sha256}, ${expected.bytes} bytes): reinstall maflow, or rebuild the bundle`);
  }
  return bytes;
}

/**
 * The binary for these options, imported from its own module (a chunk of its own in a bundle: only this one is
 * fetched) and checked against its recorded SHA-256.
 */
async function importedBinary(options: WasmBackendOptions, shared: boolean): Promise<Uint8Array> {
  const build = wasmBuildFor(options, shared);
  const bytes = decode((await WASM_BINARIES[build].load()).WASM_BINARY_BASE64);
  return checkedBinary(build, bytes, await digest(bytes), `the module of ${WASM_BINARIES[build].file}`);
}

/**
 * SHA-256 in hex: Web Crypto's where there is one (Node; browsers in secure contexts), else sha256.ts's (a page
 * served over plain http has no `crypto.subtle`).
 */
async function digest(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle === undefined) return sha256Hex(bytes);
  const hash = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

function decode(base64: string): Uint8Array {
  if (typeof atob === 'function') return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Uint8Array((globalThis as unknown as { Buffer: { from(s: string, e: string): Uint8Array } }).Buffer.from(base64, 'base64'));
}

function memoryOf(options: WasmBackendOptions, shared: boolean): WebAssembly.Memory {
  const mib = options.memoryMiB ?? 256;
  if (!(Number.isInteger(mib) && mib >= 1 && mib <= 4095)) throw new RangeError(`wasm backend: memoryMiB must be an integer in [1, 4095], got ${mib}`);
  return new WebAssembly.Memory({ initial: mib * 16, maximum: mib * 16, shared });
}

/** How much larger than one split call a fused training pass's average layer must be to be split instead. */
const TRAIN_SPLIT_FACTOR = 16;
/**
 * Rows per thread that a fused pass with layers that large needs to be split by rows: each task packs every weight
 * panel again (hepmass's 5 × [512, 512] training step on 2 threads: 17.2 ms split by rows, 14.9 ms composed with
 * each layer kernel split by its columns).
 */
const PASS_ROWS_PER_THREAD = 128;

/** Bytes of each worker's stack (the caller's is the binary's own 64 KiB at the bottom of memory). */
const WORKER_STACK_BYTES = 65536;

/** The threads to start and why: the option, else every logical processor where threads are possible. */
function threadsOf(options: WasmBackendOptions): { threads: number; reason: string; platform?: WasmWorkerPlatform } {
  const support = wasmThreadSupport(options.workers);
  const asked = options.threads;
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= 1 && asked <= 64)) {
    throw new RangeError(`wasm backend: threads must be an integer in [1, 64], got ${asked}`);
  }
  if (support.platform === undefined) {
    if (asked !== undefined && asked > 1) throw new Error(`wasm backend: threads: ${asked} is impossible here: ${support.reason}`);
    return { threads: 1, reason: support.reason };
  }
  if (asked !== undefined) return { threads: asked, reason: 'asked for', platform: support.platform };
  const all = Math.min(64, support.hardwareThreads);
  return { threads: all, reason: `all ${all} logical processor${all === 1 ? '' : 's'}`, platform: support.platform };
}

/**
 * Compiles and instantiates the wasm backend (asynchronous: browsers refuse to compile large modules synchronously on
 * the main thread, and workers start asynchronously). `useBackend('wasm')` calls it and activates the result.
 * @throws when WebAssembly SIMD128 is unavailable here, or `threads` > 1 where threads are impossible.
 */
export async function loadWasmBackend(options: WasmBackendOptions = {}): Promise<WasmKernels> {
  if (!wasmSimdSupported()) throw new Error('wasm backend: this JavaScript engine has no WebAssembly SIMD128');
  const { threads, reason, platform } = threadsOf(options);
  const shared = threads > 1;
  const memory = memoryOf(options, shared);
  const module = options.module instanceof WebAssembly.Module ? options.module
    : await WebAssembly.compile((options.module ?? await importedBinary(options, shared)) as BufferSource);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const x = instance.exports as unknown as WasmExports & { readonly __heap_base: WebAssembly.Global };
  const heap = new WasmHeap(x.__heap_base.value as number, memory.buffer.byteLength);
  if (!shared) return createWasmKernels(x, memory, heap, { threads: 1, reason, workerTasks: () => 0, minParallelFlops: Infinity });
  const control = heap.allocate(POOL_BYTES);
  const stackTops = Array.from({ length: threads - 1 }, () => heap.allocate(WORKER_STACK_BYTES) + WORKER_STACK_BYTES);
  if (control === 0 || stackTops.some((top) => top === WORKER_STACK_BYTES)) throw new RangeError(`wasm backend: memoryMiB is too small for ${threads} threads`);
  const minParallelFlops = options.minParallelFlops ?? 300_000;
  const pool = await WasmThreadPool.start({ platform: platform as WasmWorkerPlatform, module, memory, control, stackTops,
    names: WASM_EXPORT_NAMES, callerExports: x as unknown as Record<string, unknown>, adaptive: minParallelFlops > 0 });
  const split = splitExports(x, pool, memory.buffer, minParallelFlops);
  return createWasmKernels(split, memory, heap, { threads, reason, workerTasks: () => pool.workerTasks, minParallelFlops });
}

/**
 * `loadWasmBackend` compiled synchronously from `options.module`, else from the bytes `binary` gives for the build
 * these options want: one thread (workers start asynchronously). Node's `loadWasmBackendSync` (wasm-sync.ts) reads
 * them from the package's wasm/ folder.
 * @internal
 */
export function createWasmBackendSync(options: WasmBackendOptions, binary: (build: WasmBuild) => Uint8Array): WasmKernels {
  if (!wasmSimdSupported()) throw new Error('wasm backend: this JavaScript engine has no WebAssembly SIMD128');
  if (options.threads !== undefined && options.threads !== 1) {
    throw new RangeError(`wasm backend: the synchronous loader runs 1 thread, got threads: ${options.threads} (await loadWasmBackend for more)`);
  }
  const memory = memoryOf(options, false);
  const module = options.module instanceof WebAssembly.Module ? options.module
    : new WebAssembly.Module((options.module ?? binary(wasmBuildFor(options, false))) as BufferSource);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const x = instance.exports as unknown as WasmExports & { readonly __heap_base: WebAssembly.Global };
  return createWasmKernels(x, memory, new WasmHeap(x.__heap_base.value as number, memory.buffer.byteLength),
    { threads: 1, reason: 'synchronous loader', workerTasks: () => 0, minParallelFlops: Infinity });
}

type Mode = 'in' | 'out' | 'inout';
type Typed = Float32Array | Float64Array | Int32Array;

/** Thrown inside a call when the memory cannot hold its temporaries: the call reruns on the reference loops. */
class OutOfMemory extends Error {}

function createWasmKernels(x: WasmExports, memory: WebAssembly.Memory, heap: WasmHeap,
  threading: { threads: number; reason: string; workerTasks: () => number; minParallelFlops: number }): WasmKernels {
  const buffer = memory.buffer;
  // Buffers handed out are freed when their view is collected.
  const registry = new FinalizationRegistry<number>((offset) => heap.release(offset));

  // Temporaries live on a stack inside one block of the heap (reserved at the first call, 1/16 of the memory up to
  // 8 MiB): calls nest strictly, so a frame frees its own by resetting the top, in O(1) and without fragmenting the
  // heap, which the first-fit allocator then scanned on every call. A temporary that does not fit comes from the heap.
  const stack = { start: 0, top: 0, end: 0 };
  const reserveStack = (): void => {
    const bytes = Math.min(8 * 2 ** 20, Math.floor(buffer.byteLength / 16 / 16) * 16);
    const start = heap.allocate(bytes);
    Object.assign(stack, { start: start === 0 ? -1 : start, top: start, end: start === 0 ? 0 : start + bytes });
  };
  /** Views of the whole memory, to copy an input in without making a view of its temporary. */
  const whole = { f32: new Float32Array(buffer), f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
  const wholeOf = (a: Typed): Typed => (a instanceof Float32Array ? whole.f32 : a instanceof Float64Array ? whole.f64 : whole.i32);

  /** The temporaries of one call: operands copied in, results copied back by `finish`. */
  class Frame {
    private readonly mark: number;
    private temps: number[] | null = null;
    private back: Array<[Typed, Typed]> | null = null;

    constructor() {
      if (stack.start === 0) reserveStack();
      this.mark = stack.top;
    }

    /** The byte offset of `a` in the memory, copying it into a temporary when it lives elsewhere; 0 for null. */
    ptr(a: Typed | null, mode: Mode = 'in'): number {
      if (a === null) return 0;
      if (a.buffer === buffer) return a.byteOffset;
      if (mode !== 'in') return this.resident(a, mode).byteOffset;
      const offset = this.allocate(a.length * a.BYTES_PER_ELEMENT);
      wholeOf(a).set(a as never, offset / a.BYTES_PER_ELEMENT);
      return offset;
    }

    /** `a` itself when it is in the memory, else a view of a temporary copy. */
    resident<T extends Typed>(a: T, mode: Mode = 'in'): T {
      if (a.buffer === buffer) return a;
      const view = this.temporary(a, a.length);
      if (mode !== 'out') view.set(a as never);
      if (mode !== 'in') (this.back ??= []).push([a, view]);
      return view;
    }

    /** A temporary view of `length` elements of `like`'s type. */
    temporary<T extends Typed>(like: T, length: number): T {
      const offset = this.allocate(length * like.BYTES_PER_ELEMENT);
      return new (like.constructor as new (b: ArrayBuffer, o: number, n: number) => T)(buffer, offset, length);
    }

    /** `bytes` bytes (16-byte aligned) for this call. */
    private allocate(bytes: number): number {
      const size = Math.max(16, Math.ceil(bytes / 16) * 16);
      if (stack.top + size <= stack.end) {
        const offset = stack.top;
        stack.top += size;
        return offset;
      }
      const offset = heap.allocate(size);
      if (offset === 0) throw new OutOfMemory();
      (this.temps ??= []).push(offset);
      return offset;
    }

    finish(ok: boolean): void {
      if (ok && this.back !== null) for (const [target, view] of this.back) target.set(view as never);
      if (this.temps !== null) for (const offset of this.temps) heap.release(offset);
      stack.top = this.mark;
    }
  }

  /** Runs `body` with a frame; a memory too full for its temporaries sends the call to `fallback`. */
  const framed = <Op>(body: (f: Frame, op: Op) => void, fallback: (op: Op) => void) => (op: Op): void => {
    const frame = new Frame();
    let ok = false;
    try {
      body(frame, op);
      ok = true;
    } catch (error) {
      if (!(error instanceof OutOfMemory)) throw error;
    } finally {
      frame.finish(ok);
    }
    if (!ok) fallback(op);
  };

  const transform = (inverse: boolean) => (f: Frame, op: TransformOp): void => {
    const { transformer: t, batch, features, dStart = 0, dEnd = features } = op;
    const args = [inverse ? 1 : 0, batch, features, dStart, dEnd, f.ptr(op.input), f.ptr(op.params), f.ptr(op.output, 'inout'),
      f.ptr(op.logDet, 'inout'), op.accumulateLogDet === true ? 1 : 0] as const;
    if (t.kind === 'affine') x.affine_transform(...args, t.logScaleBound, t.shiftOnly ? 1 : 0);
    else if (t.kind === 'spline') x.spline_transform(...args, t.bins, t.tailBound, t.minBinWidth, t.minBinHeight, t.minDerivative);
    else throw new Error(`wasm backend: no ${t.kind} transform engine`);
  };

  const affineBackward = (inverse: boolean) => (f: Frame, op: TransformBackwardOp): void => {
    const t = op.transformer;
    if (t.kind !== 'affine') throw new Error('wasm backend: no spline backward engine');
    x.affine_backward(inverse ? 1 : 0, op.batch, op.features, f.ptr(op.params), f.ptr(inverse ? op.output : op.input),
      f.ptr(op.dOutput), f.ptr(op.dLogDet), f.ptr(op.dInput, 'out'), f.ptr(op.dParams, 'out'), t.logScaleBound, t.shiftOnly ? 1 : 0);
  };

  const engine: Partial<Omit<Kernels, 'name'>> = {
    prefixGemm: framed((f, op) => {
      x.prefix_gemm(op.batch, op.inDim, op.outDim, f.ptr(op.x), f.ptr(op.weight), f.ptr(op.prefix), f.ptr(op.bias),
        f.ptr(op.out, 'inout'), op.accumulate === true ? 1 : 0, ACTIVATION_CODE.get(op.activation ?? 'identity') ?? 5,
        op.outStart ?? 0, op.outEnd ?? op.outDim);
    }, ref.prefixGemm),
    prefixGemmBackwardInput: framed((f, op) => {
      x.prefix_gemm_backward_input(op.batch, op.inDim, op.outDim, f.ptr(op.dOut), f.ptr(op.weight), f.ptr(op.prefix),
        f.ptr(op.dIn, 'inout'), op.accumulate === true ? 1 : 0, 0, op.inDim);
    }, ref.prefixGemmBackwardInput),
    prefixGemmBackwardWeight: framed((f, op) => {
      x.prefix_gemm_backward_weight(op.batch, op.inDim, op.outDim, f.ptr(op.dOut), f.ptr(op.x), f.ptr(op.prefix),
        f.ptr(op.dWeight, 'inout'), f.ptr(op.dBias, 'inout'), op.accumulate === true ? 1 : 0, 0, op.outDim);
    }, ref.prefixGemmBackwardWeight),
    activation: framed((f, op) => {
      x.activation_rows(ACTIVATION_CODE.get(op.activation) ?? 5, op.rows, op.cols, op.colStart ?? 0, op.colEnd ?? op.cols,
        f.ptr(op.x), f.ptr(op.out, 'inout'));
    }, ref.activation),
    activationBackward: framed((f, op) => {
      x.activation_backward(ACTIVATION_CODE.get(op.activation) ?? 5, op.n, f.ptr(op.y), f.ptr(op.dOut), f.ptr(op.dIn, 'inout'));
    }, ref.activationBackward),
    transformInverse: framed(transform(true), ref.transformInverse),
    transformForward: framed(transform(false), ref.transformForward),
    transformInverseBackward: framed(affineBackward(true), ref.transformInverseBackward),
    transformForwardBackward: framed(affineBackward(false), ref.transformForwardBackward),
    ...tensorListEngine(x, framed),
  };

  // The engine transforms affine and spline descriptions, and has the affine backward; every other description's
  // transform (circular spline, Bernstein, NAF, UMNN) runs on the reference loops, also inside the fused passes below.
  const kernels = withFallback('wasm', engine, ref, (name, op) => {
    const kind = (op as TransformOp | TransformBackwardOp).transformer?.kind;
    if (name === 'transformInverse' || name === 'transformForward') return kind === 'affine' || kind === 'spline';
    if (name === 'transformInverseBackward' || name === 'transformForwardBackward') return kind === 'affine';
    return true;
  }) as WasmKernels;

  /**
   * The passes composed of the engine's own kernels (what fused.c does in one call, for the transformers it has), run on
   * operands made resident once per pass: the weights, input, output and the work buffers stay in the memory through
   * all D steps.
   */
  const composedPass = (parallel: boolean) => framed((f: Frame, op: StaircasePassOp): void => {
    const { network: n, batch } = op;
    const layer = <L extends StaircaseLayer>(l: L): L => ({ ...l, weight: f.resident(l.weight as Float32Array),
      prefix: f.resident(l.prefix), bias: f.resident(l.bias as Float32Array),
      contextWeight: l.contextWeight === null ? null : f.resident(l.contextWeight as Float32Array) });
    const network: StaircaseNetwork = { ...n, hidden: n.hidden.map(layer), output: layer(n.output) };
    const input = f.resident(op.input as Float32Array);
    const output = f.resident(op.output as Float32Array, parallel ? 'out' : 'inout');
    const logDet = f.resident(op.logDet, 'inout');
    const context = op.context === null ? null : f.resident(op.context as Float32Array);
    const x = parallel ? input : output;
    const made = madePass(kernels, network, batch, context, x, (length) => f.temporary(input, length));
    const D = n.features;
    const P = n.output.outDim / D;
    if (parallel) {
      made.step((l) => [0, n.hidden[l].outDim], 0, D * P);
      kernels.transformInverse({ transformer: n.transformer, batch, features: D, input, params: made.params, output, logDet,
        accumulateLogDet: true });
      return;
    }
    for (let d = 0; d < D; d++) {
      made.step((l) => [n.hidden[l].degreeStarts[d], n.hidden[l].degreeStarts[d + 1]], d * P, (d + 1) * P);
      kernels.transformForward({ transformer: n.transformer, batch, features: D, dStart: d, dEnd: d + 1, input,
        params: made.params, output, logDet, accumulateLogDet: true, inversion: op.inversion ?? null });
    }
  }, parallel ? ref.staircaseParallel : ref.staircaseSequential);
  /** fused.c's layer table of `network` (and where its gradients go), in a temporary of the frame. */
  const layerTable = (f: Frame, network: StaircaseNetwork, gradients: readonly StaircaseLayerGradients[] | null): number => {
    const layers: StaircaseLayer[] = [...network.hidden, network.output];
    const table = f.temporary(new Int32Array(0), layers.length * LAYER_WORDS);
    layers.forEach((l, i) => {
      const g = gradients === null ? null : gradients[i];
      const act = i < network.hidden.length ? ACTIVATION_CODE.get((l as StaircaseHiddenLayer).activation) ?? 5 : 5;
      table.set([l.inDim, l.outDim, act, f.ptr(l.weight), f.ptr(l.prefix), f.ptr(l.bias), f.ptr(l.contextWeight),
        g === null ? 0 : f.ptr(g.dWeight, 'inout'), g === null ? 0 : f.ptr(g.dBias, 'inout'),
        g === null ? 0 : f.ptr(g.dContextWeight, 'inout'), g?.accumulate === true ? 1 : 0, g?.accumulateContext === true ? 1 : 0],
      i * LAYER_WORDS);
    });
    return table.byteOffset;
  };
  const composedForward = (op: StaircaseTrainForwardOp): void => composeStaircaseTrainForward(kernels, op);
  /**
   * The backward pass composed of the engine's kernels, its work buffers (θ's gradient and each layer's input
   * gradient) in one temporary taken before any gradient is written, so that a memory too full for it leaves the pass
   * whole to the plain composition, and no kernel copies a work buffer in and out.
   */
  const composedBackward = framed((f: Frame, op: StaircaseTrainBackwardOp): void => {
    const { network: n, batch } = op;
    const total = batch * (n.output.outDim + n.output.inDim + n.hidden.reduce((sum, l) => sum + l.inDim, 0));
    const work = f.temporary(new Float32Array(0), total);
    let used = 0;
    composeStaircaseTrainBackward(kernels, op, (_like, length) => work.subarray(used, (used += length)));
  }, (op: StaircaseTrainBackwardOp) => composeStaircaseTrainBackward(kernels, op));
  /** fused.c's transformer arguments (kind, bound, shiftOnly, bins, tailBound, minW, minH, minD) of an affine or spline. */
  const transformerArgs = (t: StaircaseNetwork['transformer']): number[] => {
    if (t.kind === 'affine') return [0, t.logScaleBound, t.shiftOnly ? 1 : 0, 0, 0, 0, 0, 0];
    if (t.kind === 'spline') return [1, 0, 0, t.bins, t.tailBound, t.minBinWidth, t.minBinHeight, t.minDerivative];
    throw new Error(`wasm backend: no ${t.kind} pass engine`);
  };
  /** staircase_train_forward on `saved` (the parallel pass: on a work buffer); threads split it by rows. */
  const forwardPass = (f: Frame, op: StaircasePassOp, saved: number): void => {
    const { network: n, batch } = op;
    const [kind, bound, shiftOnly, bins, tailBound, minW, minH, minD] = transformerArgs(n.transformer);
    x.staircase_train_forward(batch, n.features, n.contextFeatures, n.residual ? 1 : 0, n.hidden.length, layerTable(f, n, null),
      f.ptr(op.context), f.ptr(op.input), f.ptr(op.output, 'out'), f.ptr(op.logDet, 'inout'), saved, batch, 0, kind, bound, shiftOnly,
      bins, tailBound, minW, minH, minD);
  };
  const trainForward = framed((f: Frame, op: StaircaseTrainForwardOp): void => forwardPass(f, op, f.ptr(op.saved, 'out')), composedForward);
  const workFor = (f: Frame, op: StaircasePassOp): number =>
    f.temporary(new Float32Array(0), staircaseTrainSavedLength(op.network, op.batch)).byteOffset;
  const composedParallel = composedPass(true);
  const composedSequential = composedPass(false);
  const fusedParallel = framed((f: Frame, op: StaircasePassOp): void => forwardPass(f, op, workFor(f, op)), composedParallel);
  const fusedSequential = framed((f: Frame, op: StaircasePassOp): void => {
    const { network: n, batch } = op;
    const D = n.features;
    const degreeStarts = f.temporary(new Int32Array(0), Math.max(1, n.hidden.length * (D + 1)));
    n.hidden.forEach((l, i) => degreeStarts.set(l.degreeStarts.subarray(0, D + 1), i * (D + 1)));
    const [kind, bound, shiftOnly, bins, tailBound, minW, minH, minD] = transformerArgs(n.transformer);
    x.staircase_sequential(batch, D, n.contextFeatures, n.residual ? 1 : 0, n.hidden.length, layerTable(f, n, null),
      degreeStarts.byteOffset, f.ptr(op.context), f.ptr(op.input), f.ptr(op.output, 'inout'), f.ptr(op.logDet, 'inout'),
      workFor(f, op), batch, 0, kind, bound, shiftOnly, bins, tailBound, minW, minH, minD);
  }, composedSequential);
  const trainBackward = framed((f: Frame, op: StaircaseTrainBackwardOp): void => {
    const { network: n, batch } = op;
    const t = n.transformer;
    if (t.kind !== 'affine') throw new Error('wasm backend: no spline backward engine');
    const width = Math.max(n.output.inDim, ...n.hidden.flatMap((l) => [l.inDim, l.outDim]));
    const work = f.temporary(new Float32Array(0), batch * (n.output.outDim + 3 * width));
    const table = layerTable(f, n, op.gradients);
    x.staircase_train_backward(batch, n.features, n.contextFeatures, n.residual ? 1 : 0, n.hidden.length, table,
      f.ptr(op.context), f.ptr(op.input), f.ptr(op.output), f.ptr(op.saved), f.ptr(op.dOutput), f.ptr(op.dLogDet),
      f.ptr(op.dInput, 'out'), f.ptr(op.dContext, 'inout'), work.byteOffset, width, t.logScaleBound, t.shiftOnly ? 1 : 0);
  }, composedBackward);
  /**
   * Whether the layers are large enough for threads to share each of their backward kernels (the composed pass splits
   * them; fused.c's backward pass runs on one thread, its forward ones are split by rows): on average
   * TRAIN_SPLIT_FACTOR times the threshold of one split call per layer, since
   * the composed pass also pays a JavaScript round trip and a wait for the workers per kernel (Chromium, 2 threads:
   * power's 5 × [100, 100] step ran 4× slower composed and split, miniboone's 5 × [512, 512] 2× faster).
   */
  const splits = (op: { network: StaircaseNetwork; batch: number }): boolean => {
    if (threading.threads <= 1) return false;
    const layers = [...op.network.hidden, op.network.output];
    let flops = 0;
    for (const l of layers) for (let j = 0; j < l.outDim; j++) flops += 2 * op.batch * l.prefix[j];
    return flops / layers.length >= TRAIN_SPLIT_FACTOR * threading.minParallelFlops;
  };
  /**
   * What fused.c runs: float32, at most MAX_FUSED_HIDDEN hidden layers (and at least one), the affine and spline
   * transformers (and the affine backward); the rest is composed of the engine's kernels. Threads split its forward
   * passes by rows, which layers large enough to split need PASS_ROWS_PER_THREAD rows per thread for; its backward pass
   * runs on one thread, so such layers run it composed instead.
   */
  const fusable = (op: { network: StaircaseNetwork; input: unknown; batch: number }): boolean => {
    const { hidden, transformer: t } = op.network;
    return !(op.input instanceof Float64Array) && hidden.length >= 1 && hidden.length <= MAX_FUSED_HIDDEN
      && (t.kind === 'affine' || (t.kind === 'spline' && t.bins >= 1 && t.bins <= MAX_SPLINE_BINS))
      && (!splits(op) || op.batch >= PASS_ROWS_PER_THREAD * threading.threads);
  };
  const isF64 = (op: StaircasePassOp): boolean => op.input instanceof Float64Array;
  Object.assign(kernels, {
    staircaseSequential: (op: StaircasePassOp) => (isF64(op) ? ref.staircaseSequential(op)
      : fusable(op) ? fusedSequential(op) : composedSequential(op)),
    staircaseParallel: (op: StaircasePassOp) => (isF64(op) ? ref.staircaseParallel(op)
      : fusable(op) ? fusedParallel(op) : composedParallel(op)),
    staircaseTrainForward: (op: StaircaseTrainForwardOp) => (isF64(op) ? ref.staircaseTrainForward(op)
      : fusable(op) ? trainForward(op) : composedForward(op)),
    staircaseTrainBackward: (op: StaircaseTrainBackwardOp) => (op.input instanceof Float64Array ? ref.staircaseTrainBackward(op)
      : fusable(op) && !splits(op) && op.network.transformer.kind === 'affine' ? trainBackward(op) : composedBackward(op)),
    allocate(dtype: Dtype, length: number): FloatArray {
      if (dtype === 'float64') return new Float64Array(length);
      const offset = length === 0 ? 0 : heap.allocate(length * 4);
      if (offset === 0) return new Float32Array(length);
      const view = new Float32Array(buffer, offset, length).fill(0);
      registry.register(view, offset);
      return view;
    },
  });
  Object.defineProperty(kernels, 'bytesInUse', { get: () => heap.bytesInUse, enumerable: true });
  Object.assign(kernels, { threads: threading.threads, threadsReason: threading.reason, relaxedSimd: x.relaxed_simd() === 1 });
  Object.defineProperty(kernels, 'workerTasks', { get: threading.workerTasks, enumerable: true });
  return kernels;
}

/**
 * The multi-tensor kernels: the C side takes one tensor (its live entries), the list is walked here, inside one frame
 * (a wasm call costs far less than an addon's descriptor parsing). Every operand is placed first, so that a memory too
 * full for the copies sends the whole call to the reference loops before any tensor was updated. Adam's per-tensor
 * calls are split over the threads like any `adam_step`; the others, one memory-bound pass each, run on the calling
 * thread. An update's sums of squares (`gradSquares`) are a `sum_of_squares` call per tensor before its update (a sum
 * cannot come back from the parts a split call runs on the workers).
 */
function tensorListEngine(x: WasmExports, framed: <Op>(body: (f: WasmFrame, op: Op) => void, fallback: (op: Op) => void) => (op: Op) => void):
  Pick<Kernels, 'sumOfSquares' | 'axpby' | 'adamUpdate' | 'sgdMomentumUpdate'> {
  /** `call(t, rows, cols, staircase, ...slots)` per tensor, with every slot's offsets placed before the first call. */
  const each = (f: WasmFrame, layout: TensorListLayout, slots: ReadonlyArray<[readonly FloatArray[] | null, Mode]>,
    call: (t: number, rows: number, cols: number, staircase: number, ptrs: number[]) => void): void => {
    const count = layout.rows.length;
    const stairs = layout.staircases.map((s) => f.ptr(s));
    const ptrs = Array.from({ length: count }, (_, t) => slots.map(([arrays, mode]) => (arrays === null ? 0 : f.ptr(arrays[t], mode))));
    for (let t = 0; t < count; t++) call(t, layout.rows[t], layout.cols[t], stairs[t], ptrs[t]);
  };
  return {
    sumOfSquares: framed((f, op: SumOfSquaresOp) => each(f, op.layout, [[op.x, 'in']], (t, rows, cols, staircase, [xp]) => {
      op.out[t] = x.sum_of_squares(rows, cols, staircase, xp);
    }), ref.sumOfSquares),
    axpby: framed((f, op: AxpbyOp) => each(f, op.layout, [[op.x, 'in'], [op.y, 'inout']], (_, rows, cols, staircase, [xp, yp]) => {
      x.axpby(rows, cols, staircase, op.alpha, op.beta, xp, yp);
    }), ref.axpby),
    adamUpdate: framed((f, op: AdamUpdateOp) => each(f, op.layout, [[op.param, 'inout'], [op.grad, 'in'], [op.m, 'inout'], [op.v, 'inout'],
      [op.average ?? null, 'inout']], (t, rows, cols, staircase, [param, grad, m, v, average]) => {
      if (op.gradSquares != null) op.gradSquares[t] = x.sum_of_squares(rows, cols, staircase, grad);
      x.adam_step(rows, cols, staircase, param, grad, m, v, op.lr, op.beta1, op.beta2, op.eps, op.weightDecay, op.step,
        op.gradScale ?? 1, average, op.averageDecay ?? 0);
    }), ref.adamUpdate),
    sgdMomentumUpdate: framed((f, op: SgdMomentumUpdateOp) => each(f, op.layout, [[op.param, 'inout'], [op.grad, 'in'], [op.velocity, 'inout'],
      [op.average ?? null, 'inout']], (t, rows, cols, staircase, [param, grad, velocity, average]) => {
      if (op.gradSquares != null) op.gradSquares[t] = x.sum_of_squares(rows, cols, staircase, grad);
      x.sgd_momentum_step(rows, cols, staircase, param, grad, velocity, op.lr, op.momentum, op.weightDecay, op.gradScale ?? 1,
        average, op.averageDecay ?? 0);
    }), ref.sgdMomentumUpdate),
  };
}

/** What the engines above need of a call's frame: the memory offset of an operand (copied in, and back unless 'in'). */
interface WasmFrame {
  ptr(a: Typed | null, mode?: Mode): number;
}
