/**
 * Backend selection for Node (the browser build never imports this file), run by the Node entry on the first
 * computation, or earlier when called: `MAFLOW_BACKEND=reference|native|wasm` forces a backend; otherwise the native
 * addon is used when it loads (`MAFLOW_NATIVE_ADDON` may name its file), else the wasm backend (compiled synchronously,
 * which Node allows), else the reference backend, and maflow says once on stderr which one it fell back to and why.
 * `MAFLOW_GEMM_PRECISION=bf16` makes the native forward GEMMs multiply in bfloat16 (float32 sums and results) on CPUs
 * with AVX512-BF16, and is an error anywhere else.
 */
import { kernels, registerBackend, registerBackendLoader, setBackend, setPreferredBackends } from './backend.ts';
import type { Kernels } from './kernels.ts';
import { loadNativeBackend } from './native.ts';
import type { WasmKernels } from './wasm.ts';
import { loadWasmBackendSync } from './wasm-sync.ts';
import { nodeWasmWorkers } from './wasm-node-workers.ts';
import { setWasmWorkerPlatform } from './wasm-threads.ts';

/** The backends `MAFLOW_BACKEND` and the CLI's `--backend` accept. */
export const BACKEND_NAMES = ['native', 'wasm', 'reference'] as const;

/** The precisions `MAFLOW_GEMM_PRECISION` accepts: float32 products (the default), or bfloat16 products. */
const GEMM_PRECISIONS = ['f32', 'bf16'] as const;

/** Where `selectBackend` reads its setting and writes its one warning (tests pass their own). */
export interface SelectBackendOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives the one-line notice when native is unavailable. @default a line on process.stderr */
  readonly warn?: (line: string) => void;
}

let selected: Kernels | undefined;

/**
 * Registers the native addon as a loadable backend and puts it first in `useBackend()`'s order, and gives the wasm
 * backend worker_threads for its threads (the Node entry does).
 */
export function registerNodeBackends(): void {
  setWasmWorkerPlatform(nodeWasmWorkers);
  registerBackendLoader('native', () => {
    const native = loadNativeBackend();
    if (!native.ok) throw new Error(native.reason);
    return native.kernels;
  });
  setPreferredBackends(BACKEND_NAMES);
}

/** The wasm backend, or why it cannot load here. */
function tryWasm(): { ok: true; kernels: Kernels } | { ok: false; reason: string } {
  try {
    return { ok: true, kernels: loadWasmBackendSync() };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/**
 * Chooses and activates the kernel backend once; later calls return the same backend without re-reading the
 * environment or warning again.
 * @throws when `MAFLOW_BACKEND` names no backend, or names one that cannot be loaded here.
 */
export function selectBackend(options: SelectBackendOptions = {}): Kernels {
  if (selected !== undefined) return selected;
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const forced = env.MAFLOW_BACKEND ?? '';
  if (forced !== '' && !(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new Error(`MAFLOW_BACKEND must be one of ${BACKEND_NAMES.join(', ')}, got '${forced}'`);
  }
  const precision = env.MAFLOW_GEMM_PRECISION ?? '';
  if (precision !== '' && !(GEMM_PRECISIONS as readonly string[]).includes(precision)) {
    throw new Error(`MAFLOW_GEMM_PRECISION must be one of ${GEMM_PRECISIONS.join(', ')}, got '${precision}'`);
  }
  if (precision === 'bf16') {
    // The bf16 kernels exist only in the addon, and only for CPUs with AVX512-BF16: anything else is an error.
    if (forced !== '' && forced !== 'native') throw new Error(`MAFLOW_GEMM_PRECISION=bf16 needs the native backend, but MAFLOW_BACKEND=${forced}`);
    const native = loadNativeBackend(env);
    if (!native.ok) throw new Error(`MAFLOW_GEMM_PRECISION=bf16 needs the native backend, which is unavailable: ${native.reason}`);
    if (!native.addon.setIsa('avx512bf16')) {
      throw new Error('MAFLOW_GEMM_PRECISION=bf16 needs a CPU with AVX512-BF16 (vdpbf16ps); this one has none (unset it, or f32)');
    }
    registerBackend(native.kernels);
    return (selected = setBackend('native'));
  }
  if (forced === 'reference') return (selected = setBackend('reference'));
  if (forced === 'wasm') {
    const wasm = tryWasm();
    if (!wasm.ok) throw new Error(`MAFLOW_BACKEND=wasm, but the wasm backend is unavailable: ${wasm.reason}`);
    registerBackend(wasm.kernels);
    return (selected = setBackend('wasm'));
  }
  const native = loadNativeBackend(env);
  if (native.ok) {
    registerBackend(native.kernels);
    return (selected = setBackend('native'));
  }
  if (forced === 'native') throw new Error(`MAFLOW_BACKEND=native, but the native backend is unavailable: ${native.reason}`);
  const wasm = tryWasm();
  if (wasm.ok) {
    warn(`maflow: native backend unavailable (${native.reason}); running on the wasm backend (${wasmBuild(wasm.kernels as WasmKernels)})`);
    registerBackend(wasm.kernels);
    return (selected = setBackend('wasm'));
  }
  warn(`maflow: native backend unavailable (${native.reason}) and wasm unavailable (${wasm.reason}); running on the reference backend`);
  return (selected = setBackend('reference'));
}

/** Which build of the wasm kernels runs: `relaxed SIMD` or `SIMD128`. */
function wasmBuild(wasm: WasmKernels): string {
  return wasm.relaxedSimd ? 'relaxed SIMD' : 'SIMD128';
}

/**
 * One line naming the active backend for users: `native (avx512, 2 threads)`, `wasm (SIMD128, 2 threads: all 2 logical processors)`
 * (`relaxed SIMD` for the relaxed-SIMD build) or `reference (pure TypeScript)`.
 */
export function describeBackend(): string {
  const active = kernels();
  if (active.name === 'wasm') {
    const { threads, threadsReason } = active as WasmKernels;
    return `wasm (${wasmBuild(active as WasmKernels)}, ${threads} thread${threads === 1 ? '' : 's'}: ${threadsReason})`;
  }
  if (active.name !== 'native') return 'reference (pure TypeScript)';
  const native = loadNativeBackend();
  return native.ok ? `native (${native.addon.isa()}, ${native.addon.threads()} thread${native.addon.threads() === 1 ? '' : 's'})` : 'native';
}
