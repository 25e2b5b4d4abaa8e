/**
 * The `native` backend: the C++ N-API addon, prebuilt in the package for linux-x64 (`prebuilds/`) or built from
 * `native/` by `npm install` (`build/Release/maflow_native.node`). It runs the float32 kernels in place on the typed arrays' memory, with
 * runtime AVX-512 / AVX2 / scalar dispatch and both cores for large GEMMs; float64 calls (gradient checks) and the
 * spline's backward passes are delegated to the reference backend (`withFallback`), so `native` accepts everything
 * `reference` does.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  KERNEL_NAMES, withFallback, type Kernels, type StaircaseTrainBackwardOp, type TransformBackwardOp, type TransformerKernel,
} from './kernels.ts';
import { moduleFile, packageRoots } from './package-roots.ts';
import { referenceKernels as ref } from './reference.ts';
import { composeStaircaseTrainBackward, composeStaircaseTrainForward } from './staircase-train.ts';

/**
 * The addon's raw exports: the float32 kernels, each reading the same named descriptor as `Kernels` (checked in C++:
 * types, lengths, staircase well-formedness), and a few controls.
 */
export interface NativeAddon extends Omit<Kernels, 'name'> {
  /** GFLOP/s of a dense float32 GEMM `[m, k]·[k, n]` timed inside the addon (best run within `seconds`). */
  denseGemmGflops(m: number, n: number, k: number, seconds: number): number;
  /** Limits the threads large kernels use (1 = calling thread only); returns the limit in force. */
  setThreads(threads: number): number;
  /** Threads large kernels use. */
  threads(): number;
  /** The `TransformerKernel` kinds this build runs (absent in an addon built before the monotone kinds: affine, spline). */
  transformerKinds?(): string[];
  /**
   * The GEMM kernel in use as `isa/MRxNR/kcN`: instruction set ('avx512', 'avx2' or 'generic'), forward register tile
   * and reduction block, e.g. 'avx512/8x48/kc512'.
   */
  isa(): string;
  /**
   * Forces a GEMM kernel by any prefix of that name ('avx2', 'avx512/6x64', 'avx512/6x64/kc128'; tests and
   * measurements; MAFLOW_GEMM_KERNEL does the same at load); false, changing nothing, when the name is unknown or this
   * CPU cannot run it.
   */
  setIsa(isa: string): boolean;
}

/** The outcome of loading the addon: the backend, or why it is unavailable. */
export type NativeBackendLoad =
  | { readonly ok: true; readonly kernels: Kernels; readonly addon: NativeAddon; readonly file: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Wraps a loaded addon as a `Kernels` backend named 'native' (float64 calls run on the reference loops). The fused
 * training pass of a transformer without a native fused backward (all but the affine one), or of an addon built before those kernels
 * existed, is composed of the native layer kernels (`staircase-train.ts`), not sent to the reference loops.
 */
export function createNativeKernels(addon: NativeAddon): Kernels {
  const engine = Object.fromEntries(KERNEL_NAMES.filter((name) => typeof addon[name] === 'function')
    .map((name) => [name, addon[name].bind(addon)]));
  const fallback: Kernels = {
    ...ref,
    staircaseTrainForward: (op) => (op.input instanceof Float64Array ? ref.staircaseTrainForward(op) : composeStaircaseTrainForward(backend, op)),
    staircaseTrainBackward: (op) => (op.input instanceof Float64Array ? ref.staircaseTrainBackward(op) : composeStaircaseTrainBackward(backend, op)),
  };
  const kinds: ReadonlySet<string> = new Set(typeof addon.transformerKinds === 'function' ? addon.transformerKinds() : ['affine', 'spline']);
  const backend = withFallback('native', engine, fallback, (name, op) => {
    const described = (op as { transformer?: TransformerKernel; network?: { transformer: TransformerKernel } });
    const kind = (described.transformer ?? described.network?.transformer)?.kind;
    // A description an older build does not know runs on the reference loops (the addon rejects unknown kinds).
    if (kind !== undefined && KINDS.includes(kind) && !kinds.has(kind)) return false;
    switch (name) {
      case 'transformInverseBackward': case 'transformForwardBackward':
        return !REFERENCE_BACKWARD.has((op as TransformBackwardOp).transformer.kind);
      // The fused training backward is native for the affine transformer; the others compose the native kernels.
      case 'staircaseTrainBackward': return (op as StaircaseTrainBackwardOp).network.transformer.kind === 'affine';
      default: return true;
    }
  });
  return backend;
}

/** Every kind of `TransformerKernel`. */
const KINDS: readonly string[] = ['affine', 'spline', 'circular-spline', 'bernstein', 'naf', 'umnn'] satisfies TransformerKernel['kind'][];
/** The descriptions whose backward passes run on the reference loops: the splines'. */
const REFERENCE_BACKWARD: ReadonlySet<string> = new Set<TransformerKernel['kind']>(['spline', 'circular-spline']);

let loaded: NativeBackendLoad | undefined;

/**
 * Loads the addon once and wraps it (later calls return the same outcome). Never throws: a missing or broken build
 * gives `{ ok: false, reason }` with where it looked and the loader's message.
 *
 * Where it looks, first found wins: the file named by `MAFLOW_NATIVE_ADDON`; then, under maflow's package root,
 * `build/Release/` (built from source at install, or in a checkout) and `prebuilds/<platform>-<arch>/` (shipped in
 * the package), as node-gyp-build resolves them. The package root is found from this module's location, or, in an
 * application bundle that moved this code away from it, as the `maflow` package resolved from the bundle's folder
 * and from the working directory.
 */
export function loadNativeBackend(env: Readonly<Record<string, string | undefined>> = process.env): NativeBackendLoad {
  if (loaded !== undefined) return loaded;
  const located = locateAddon(env);
  if (!located.ok) return (loaded = located);
  try {
    const addon = createRequire(located.file)(located.file) as NativeAddon;
    loaded = { ok: true, kernels: createNativeKernels(addon), addon, file: located.file };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    loaded = { ok: false, reason: `addon ${located.file} failed to load: ${message}` };
  }
  return loaded;
}

type Located = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly reason: string };

function locateAddon(env: Readonly<Record<string, string | undefined>>): Located {
  const explicit = env.MAFLOW_NATIVE_ADDON;
  if (explicit !== undefined && explicit !== '') {
    return existsSync(explicit) ? { ok: true, file: path.resolve(explicit) }
      : { ok: false, reason: `MAFLOW_NATIVE_ADDON=${explicit}: no such file` };
  }
  const roots = packageRoots();
  const addonIn = addonResolver();
  for (const root of roots) {
    try {
      return { ok: true, file: addonIn(root) };
    } catch {
      // not under this root: try the next
    }
  }
  return {
    ok: false,
    reason: `no addon for ${process.platform}-${process.arch} in build/Release/ or prebuilds/ under ${roots.join(' or ')}` +
      ' (reinstall maflow with a C++ compiler available, or set MAFLOW_NATIVE_ADDON to a maflow_native.node)',
  };
}

/**
 * `root` → its addon file for this platform, runtime and libc (throws when there is none): node-gyp-build's
 * resolution, or only `build/Release/maflow_native.node` where node-gyp-build cannot be required (a bundle that
 * left it out).
 */
function addonResolver(): (root: string) => string {
  try {
    const nodeGypBuild = createRequire(moduleFile() ?? path.join(process.cwd(), 'index.js'))('node-gyp-build') as
      { path(root: string): string };
    return (root) => nodeGypBuild.path(root);
  } catch {
    return (root) => {
      const file = path.join(root, 'build', 'Release', 'maflow_native.node');
      if (!existsSync(file)) throw new Error(`${file} is missing`);
      return file;
    };
  }
}
