/**
 * Backend selection: the one piece of global state maflow has. `kernels()` returns the active backend. Nothing is
 * chosen at import: the first `kernels()` call (the first computation) asks the default chooser, which is the
 * reference backend in the browser build and, in the Node entry, `selectBackend` (the native addon when it loads;
 * `MAFLOW_BACKEND=reference|native` forces one). `setBackend` chooses explicitly at any time.
 */
import type { Kernels } from './kernels.ts';
import { referenceKernels } from './reference.ts';

let active: Kernels | undefined;
let chooseDefault: () => Kernels = () => referenceKernels;
const registered = new Map<string, Kernels>([['reference', referenceKernels]]);

/** The active kernel backend (chosen by the default chooser on the first call, unless `setBackend` came first). */
export function kernels(): Kernels {
  return active ?? (active = chooseDefault());
}

/**
 * Sets how the backend is chosen on first use when no `setBackend` call came first (the Node entry installs its
 * addon loader here, so that importing maflow loads nothing).
 */
export function setDefaultBackend(choose: () => Kernels): void {
  chooseDefault = choose;
}

/** Makes a backend available under its name (the native loader calls this). */
export function registerBackend(backend: Kernels): void {
  registered.set(backend.name, backend);
}

/** Names of the backends that can be selected here. */
export function availableBackends(): string[] {
  return [...registered.keys()];
}

/**
 * Selects the backend by name and returns it.
 * @throws when `name` is unknown or could not be loaded on this machine.
 */
export function setBackend(name: string): Kernels {
  const backend = registered.get(name);
  if (backend === undefined) {
    throw new Error(`setBackend: backend '${name}' is not available here (available: ${availableBackends().join(', ')})`);
  }
  active = backend;
  return backend;
}

/** Runs `fn` with `backend` active, restoring the previous one afterwards (tests compare backends with this). */
export function withBackend<T>(backend: Kernels, fn: () => T): T {
  const previous = kernels();
  active = backend;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
