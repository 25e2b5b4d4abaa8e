/**
 * Backend selection: the one piece of global state maflow has. `kernels()` returns the active backend; the Node entry
 * point installs the native backend at start-up when it loads, and `MAFLOW_BACKEND=reference|native` forces one.
 */
import type { Kernels } from './kernels.ts';
import { referenceKernels } from './reference.ts';

let active: Kernels = referenceKernels;
const registered = new Map<string, Kernels>([['reference', referenceKernels]]);

/** The active kernel backend. */
export function kernels(): Kernels {
  return active;
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
  const previous = active;
  active = backend;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
