/**
 * Which kernel backends a benchmark run measures. `default` is what a user gets (`selectBackend()`: native when the
 * addon loads, `MAFLOW_BACKEND` respected); `reference` / `native` force one; `both` measures native (when
 * available) and reference. The native addon's thread pool is sized to `threads`, like the peer's.
 */
import { availableBackends, registerBackend, setBackend } from '../../src/kernels/backend.ts';
import type { Kernels } from '../../src/kernels/kernels.ts';
import { loadNativeBackend, type NativeAddon } from '../../src/kernels/native.ts';
import { selectBackend } from '../../src/kernels/select.ts';

export type BackendRequest = 'default' | 'reference' | 'native' | 'both';

export interface BenchBackends {
  /** Backend names to measure, in order. */
  readonly names: Array<'reference' | 'native'>;
  /** The loaded addon (for its dense-GEMM probe and thread control), or null. */
  readonly addon: NativeAddon | null;
  /** Why native is not measured, when it was wanted but is unavailable. */
  readonly note: string | null;
}

/** Loads what `request` needs and sizes the native thread pool. @throws when `native` is forced but unavailable. */
export function resolveBackends(request: BackendRequest, threads: number): BenchBackends {
  const native = loadNativeBackend();
  if (native.ok) {
    registerBackend(native.kernels);
    native.addon.setThreads(threads);
  }
  const addon = native.ok ? native.addon : null;
  const note = native.ok ? null : `native backend unavailable: ${native.reason}`;
  switch (request) {
    case 'reference':
      return { names: ['reference'], addon, note: null };
    case 'native':
      if (!native.ok) throw new Error(`bench --backend native: ${note}`);
      return { names: ['native'], addon, note: null };
    case 'both':
      return { names: native.ok ? ['native', 'reference'] : ['reference'], addon, note };
    default: {
      const chosen = selectBackend({ warn: () => undefined }).name as 'reference' | 'native';
      return { names: [chosen], addon, note: chosen === 'reference' ? note : null };
    }
  }
}

/** Activates backend `name` (registered by `resolveBackends`). */
export function useBackend(name: 'reference' | 'native'): Kernels {
  if (!availableBackends().includes(name)) throw new Error(`bench: backend '${name}' is not available`);
  return setBackend(name);
}
