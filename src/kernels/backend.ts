/**
 * Backend selection: the one piece of global state maflow has. `kernels()` returns the active backend. Nothing is
 * chosen at import: the first `kernels()` call (the first computation) asks the default chooser, which is the
 * reference backend in the browser build and, in the Node entry, `selectBackend` (native, else wasm, else reference;
 * `MAFLOW_BACKEND=reference|native|wasm` forces one). `await useBackend(name)` loads a backend (asynchronously:
 * compiling WebAssembly is) and activates it; `setBackend` activates an already loaded one. Backends register under an
 * open name (`registerBackend`, `registerBackendLoader`). Activating a backend also makes it the allocator of
 * long-lived buffers (`allocateBuffer`: parameters, gradients, optimiser state, scratch), so create models after
 * choosing the backend for its memory to hold them.
 */
import { setBufferAllocator, type Dtype, type FloatArray } from '../core/matrix.ts';
import type { Kernels } from './kernels.ts';
import { referenceKernels } from './reference.ts';
import { loadWasmBackend, wasmSimdSupported, type WasmBackendOptions } from './wasm.ts';

/** A backend that owns memory hands out buffers of it. */
interface AllocatingKernels extends Kernels {
  allocate?(dtype: Dtype, length: number): FloatArray;
}

let active: Kernels | undefined;
let chooseDefault: () => Kernels = () => referenceKernels;
const registered = new Map<string, Kernels>([['reference', referenceKernels]]);
const loaders = new Map<string, (options?: object) => Kernels | Promise<Kernels>>([
  ['wasm', (options) => loadWasmBackend(options as WasmBackendOptions | undefined)],
]);
/** What `useBackend()` tries, in order: the browser build's; the Node entry puts native first. */
let preferred: readonly string[] = ['wasm', 'reference'];

function activate(backend: Kernels): Kernels {
  active = backend;
  const allocate = (backend as AllocatingKernels).allocate;
  setBufferAllocator(allocate === undefined ? null : allocate.bind(backend));
  return backend;
}

/** The active kernel backend (chosen by the default chooser on the first call, unless a backend was set first). */
export function kernels(): Kernels {
  return active ?? activate(chooseDefault());
}

/**
 * Sets how the backend is chosen on first use when no `setBackend` call came first (the Node entry installs its
 * addon loader here, so that importing maflow loads nothing).
 */
export function setDefaultBackend(choose: () => Kernels): void {
  chooseDefault = choose;
}

/** Makes a loaded backend available under its name (`setBackend(name)` then activates it). */
export function registerBackend(backend: Kernels): void {
  registered.set(backend.name, backend);
}

/**
 * Makes a backend loadable under `name` by `useBackend(name)`: `load` runs once, on first use, and may be
 * asynchronous (the wasm backend compiles its module). The Node entry registers the native addon this way.
 */
export function registerBackendLoader(name: string, load: (options?: object) => Kernels | Promise<Kernels>): void {
  loaders.set(name, load);
}

/** Sets the order `useBackend()` without a name tries (the Node entry: native, wasm, reference). */
export function setPreferredBackends(names: readonly string[]): void {
  preferred = [...names];
}

/** Names of the backends that are loaded, or can be loaded, here. */
export function availableBackends(): string[] {
  const names = new Set([...registered.keys(), ...loaders.keys()]);
  if (!wasmSimdSupported()) names.delete('wasm');
  return [...names];
}

/**
 * Selects a loaded backend by name and returns it.
 * @throws when `name` is unknown or not loaded yet (a backend with a loader: `await useBackend(name)` first).
 */
export function setBackend(name: string): Kernels {
  const backend = registered.get(name);
  if (backend === undefined) {
    const hint = loaders.has(name) ? ` (load it first: await useBackend('${name}'))` : '';
    throw new Error(`setBackend: backend '${name}' is not available here${hint} (available: ${availableBackends().join(', ')})`);
  }
  return activate(backend);
}

/**
 * Loads (once) and activates a backend; everything after it is synchronous. Without a name, the first of the
 * platform's preferred backends that loads: in browsers wasm (reference where WebAssembly SIMD is missing), in Node
 * native, then wasm, then reference. `options` go to the named backend's loader, which then loads it afresh (the wasm
 * backend's: `WasmBackendOptions`, e.g. `{ threads: 1 }`); by default the wasm backend uses every logical processor
 * where SharedArrayBuffer exists (Node; a cross-origin isolated page), else one thread (`WasmKernels.threadsReason`
 * says why).
 *
 * @example
 * import { useBackend, kernels } from 'maflow';
 * await useBackend('wasm');
 * console.log(kernels().name); // → wasm
 * @throws naming the backend and why it cannot load, when `name` is given.
 */
export async function useBackend(name?: string, options?: WasmBackendOptions): Promise<Kernels> {
  if (name !== undefined) return activate(await load(name, options));
  const reasons: string[] = [];
  for (const candidate of preferred) {
    try {
      return activate(await load(candidate));
    } catch (error) {
      reasons.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error(`useBackend: no backend loads here (${reasons.join('; ')})`);
}

async function load(name: string, options?: object): Promise<Kernels> {
  const known = registered.get(name);
  if (known !== undefined && options === undefined) return known;
  const loader = loaders.get(name);
  if (loader === undefined) throw new Error(`useBackend: unknown backend '${name}' (known: ${availableBackends().join(', ')})`);
  const backend = await loader(options);
  registerBackend(backend);
  return backend;
}

/** Runs `fn` with `backend` active, restoring the previous one afterwards (tests compare backends with this). */
export function withBackend<T>(backend: Kernels, fn: () => T): T {
  const previous = kernels();
  activate(backend);
  try {
    return fn();
  } finally {
    activate(previous);
  }
}
