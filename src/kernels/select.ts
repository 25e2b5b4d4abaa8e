/**
 * Backend selection for Node (the browser build never imports this file), run by the Node entry on the first
 * computation, or earlier when called: `MAFLOW_BACKEND=reference|native` forces a backend; otherwise the native addon
 * is used when it loads (`MAFLOW_NATIVE_ADDON` may name its file), and when it does not, maflow says so once on stderr
 * and runs on the reference backend.
 */
import { kernels, registerBackend, setBackend } from './backend.ts';
import type { Kernels } from './kernels.ts';
import { loadNativeBackend } from './native.ts';

/** Where `selectBackend` reads its setting and writes its one warning (tests pass their own). */
export interface SelectBackendOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives the one-line notice when native is unavailable. @default a line on process.stderr */
  readonly warn?: (line: string) => void;
}

let selected: Kernels | undefined;

/**
 * Chooses and activates the kernel backend once; later calls return the same backend without re-reading the
 * environment or warning again.
 * @throws when `MAFLOW_BACKEND` is neither 'reference' nor 'native', or is 'native' and the addon cannot be loaded.
 */
export function selectBackend(options: SelectBackendOptions = {}): Kernels {
  if (selected !== undefined) return selected;
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const forced = env.MAFLOW_BACKEND ?? '';
  if (forced !== '' && forced !== 'reference' && forced !== 'native') {
    throw new Error(`MAFLOW_BACKEND must be 'reference' or 'native', got '${forced}'`);
  }
  if (forced === 'reference') {
    selected = setBackend('reference');
    return selected;
  }
  const native = loadNativeBackend(env);
  if (native.ok) {
    registerBackend(native.kernels);
    selected = setBackend('native');
  } else if (forced === 'native') {
    throw new Error(`MAFLOW_BACKEND=native, but the native backend is unavailable: ${native.reason}`);
  } else {
    warn(`maflow: native backend unavailable (${native.reason}); running on the reference backend`);
    selected = setBackend('reference');
  }
  return selected;
}

/**
 * One line naming the active backend for users: `native (avx512, 2 threads)` or `reference (pure TypeScript)`.
 */
export function describeBackend(): string {
  const active = kernels();
  if (active.name !== 'native') return 'reference (pure TypeScript)';
  const native = loadNativeBackend();
  return native.ok ? `native (${native.addon.isa()}, ${native.addon.threads()} thread${native.addon.threads() === 1 ? '' : 's'})` : 'native';
}
