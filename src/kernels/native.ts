/**
 * The `native` backend: the C++ N-API addon, prebuilt in the package for linux-x64 (`prebuilds/`) or built from
 * `native/` by `npm install` (`build/Release/maflow_native.node`). It runs the float32 kernels in place on the typed arrays' memory, with
 * runtime AVX-512 / AVX2 / scalar dispatch and both cores for large GEMMs; float64 calls (gradient checks) are
 * delegated to the reference backend, so `native` accepts everything `reference` does.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../core/matrix.ts';
import type { Activation, Kernels, StaircaseHiddenLayer, StaircaseLayer } from './kernels.ts';
import { referenceKernels as ref } from './reference.ts';

/** The addon's raw exports: the kernels (activation passed as its index in `ACTIVATIONS`) and a few controls. */
export interface NativeAddon {
  prefixGemm(batch: number, inDim: number, outDim: number, x: Float32Array, w: Float32Array, prefix: Int32Array | null,
    bias: Float32Array | null, out: Float32Array, accumulate: boolean, activation: number, outStart: number,
    outEnd: number): void;
  prefixGemmBackwardInput(batch: number, inDim: number, outDim: number, dOut: Float32Array, w: Float32Array,
    prefix: Int32Array | null, dIn: Float32Array, accumulate: boolean): void;
  prefixGemmBackwardWeight(batch: number, inDim: number, outDim: number, dOut: Float32Array, x: Float32Array,
    prefix: Int32Array | null, dW: Float32Array, dBias: Float32Array | null, accumulate: boolean): void;
  activation(kind: number, rows: number, cols: number, colStart: number, colEnd: number, x: Float32Array,
    out: Float32Array): void;
  activationBackward(kind: number, n: number, y: Float32Array, dOut: Float32Array, dIn: Float32Array): void;
  affineInverse(batch: number, features: number, dStart: number, dEnd: number, x: Float32Array, params: Float32Array,
    z: Float32Array, logDet: Float64Array | null, accumulateLogDet: boolean, logScaleBound: number,
    shiftOnly: boolean): void;
  affineForward(batch: number, features: number, dStart: number, dEnd: number, z: Float32Array, params: Float32Array,
    x: Float32Array, logDet: Float64Array | null, accumulateLogDet: boolean, logScaleBound: number,
    shiftOnly: boolean): void;
  affineInverseBackward(batch: number, features: number, params: Float32Array, z: Float32Array, dZ: Float32Array,
    dLogDet: Float64Array | null, dX: Float32Array, dParams: Float32Array, logScaleBound: number,
    shiftOnly: boolean): void;
  affineForwardBackward(batch: number, features: number, params: Float32Array, z: Float32Array, dX: Float32Array,
    dLogDet: Float64Array | null, dZ: Float32Array, dParams: Float32Array, logScaleBound: number,
    shiftOnly: boolean): void;
  gatherColumns(rows: number, cols: number, x: Float32Array, index: Int32Array, out: Float32Array): void;
  columnMoments(batch: number, cols: number, x: Float32Array, mean: Float64Array, variance: Float64Array): void;
  batchNormApply(batch: number, cols: number, x: Float32Array, mean: Float64Array, variance: Float64Array,
    eps: number, logGamma: Float32Array, beta: Float32Array, out: Float32Array): void;
  batchNormBackward(batch: number, cols: number, x: Float32Array, mean: Float64Array, variance: Float64Array,
    eps: number, logGamma: Float32Array, dOut: Float32Array, dLogDetSum: number, dX: Float32Array,
    dLogGamma: Float32Array, dBeta: Float32Array): void;
  adamStep(rows: number, cols: number, staircase: Int32Array | null, param: Float32Array, grad: Float32Array,
    m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
    step: number): void;
  /**
   * `Kernels.staircaseSequentialAffine` with the layers flattened into parallel arrays, the output layer last
   * (dims = [inDim, outDim] per layer; activations and degreeStarts for the hidden layers only).
   */
  staircaseSequentialAffine(batch: number, features: number, contextFeatures: number, context: Float32Array | null,
    dims: Int32Array, activations: Int32Array, weights: Float32Array[], prefixes: Int32Array[], biases: Float32Array[],
    contextWeights: (Float32Array | null)[], degreeStarts: Int32Array[], residual: boolean, u: Float32Array,
    x: Float32Array, logDet: Float64Array, logScaleBound: number, shiftOnly: boolean): void;
  /** `Kernels.staircaseParallelAffine`, flattened as `staircaseSequentialAffine` with (x, z) in place of (u, x). */
  staircaseParallelAffine(batch: number, features: number, contextFeatures: number, context: Float32Array | null,
    dims: Int32Array, activations: Int32Array, weights: Float32Array[], prefixes: Int32Array[], biases: Float32Array[],
    contextWeights: (Float32Array | null)[], degreeStarts: Int32Array[], residual: boolean, x: Float32Array,
    z: Float32Array, logDet: Float64Array, logScaleBound: number, shiftOnly: boolean): void;
  /** GFLOP/s of a dense float32 GEMM `[m, k]·[k, n]` timed inside the addon (best run within `seconds`). */
  denseGemmGflops(m: number, n: number, k: number, seconds: number): number;
  /** Limits the threads large kernels use (1 = calling thread only); returns the limit in force. */
  setThreads(threads: number): number;
  /** Threads large kernels use. */
  threads(): number;
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


const ACTIVATION_CODE: Readonly<Record<Activation, number>> = {
  relu: 0, tanh: 1, elu: 2, sigmoid: 3, softplus: 4, identity: 5,
};

/** The addon's flat form of a fused pass's layers: dims, activation codes, then per-layer arrays (the output layer last). */
function flatten(hidden: readonly StaircaseHiddenLayer[], output: StaircaseLayer): [Int32Array, Int32Array,
  Float32Array[], Int32Array[], Float32Array[], (Float32Array | null)[], Int32Array[]] {
  type F = Float32Array;
  const layers = [...hidden, output];
  return [Int32Array.from(layers.flatMap((l) => [l.inDim, l.outDim])), Int32Array.from(hidden, (l) => ACTIVATION_CODE[l.activation]),
    layers.map((l) => l.weight as F), layers.map((l) => l.prefix), layers.map((l) => l.bias as F),
    layers.map((l) => l.contextWeight as F | null), hidden.map((l) => l.degreeStarts)];
}

function isF64(array: FloatArray): array is Float64Array {
  return array instanceof Float64Array;
}

/** Wraps a loaded addon as a `Kernels` backend named 'native'. */
export function createNativeKernels(addon: NativeAddon): Kernels {
  // Float64 arrays go to the reference loops; after the check every array of the call is float32 by the contract.
  type F = Float32Array;
  type F32Bias = Float32Array | null;
  /** Either fused affine pass (same arguments: input, output, log-det), with its layers flattened for the addon. */
  const fusedPass = (pass: 'staircaseSequentialAffine' | 'staircaseParallelAffine'): Kernels[typeof pass] =>
    (batch, features, contextFeatures, context, hidden, output, residual, input, out, logDet, bound, shiftOnly) => {
      if (isF64(input)) {
        return ref[pass](batch, features, contextFeatures, context, hidden, output, residual, input, out, logDet, bound,
          shiftOnly);
      }
      addon[pass](batch, features, contextFeatures, context as F | null, ...flatten(hidden, output), residual, input,
        out as F, logDet, bound, shiftOnly);
    };
  return {
    name: 'native',
    prefixGemm(batch, inDim, outDim, x, w, prefix, bias, out, accumulate, activation, outStart, outEnd) {
      if (isF64(x)) return ref.prefixGemm(batch, inDim, outDim, x, w, prefix, bias, out, accumulate, activation, outStart, outEnd);
      addon.prefixGemm(batch, inDim, outDim, x, w as F, prefix, bias as F32Bias, out as F, accumulate,
        ACTIVATION_CODE[activation], outStart, outEnd);
    },
    prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate) {
      if (isF64(dOut)) return ref.prefixGemmBackwardInput(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate);
      addon.prefixGemmBackwardInput(batch, inDim, outDim, dOut, w as F, prefix, dIn as F, accumulate);
    },
    prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dW, dBias, accumulate) {
      if (isF64(dOut)) return ref.prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x, prefix, dW, dBias, accumulate);
      addon.prefixGemmBackwardWeight(batch, inDim, outDim, dOut, x as F, prefix, dW as F, dBias as F32Bias, accumulate);
    },
    activation(kind, rows, cols, colStart, colEnd, x, out) {
      if (isF64(x)) return ref.activation(kind, rows, cols, colStart, colEnd, x, out);
      addon.activation(ACTIVATION_CODE[kind], rows, cols, colStart, colEnd, x, out as F);
    },
    activationBackward(kind, n, y, dOut, dIn) {
      if (isF64(y)) return ref.activationBackward(kind, n, y, dOut, dIn);
      addon.activationBackward(ACTIVATION_CODE[kind], n, y, dOut as F, dIn as F);
    },
    affineInverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet, bound, shiftOnly) {
      if (isF64(x)) return ref.affineInverse(batch, features, dStart, dEnd, x, params, z, logDet, accumulateLogDet, bound, shiftOnly);
      addon.affineInverse(batch, features, dStart, dEnd, x, params as F, z as F, logDet, accumulateLogDet, bound, shiftOnly);
    },
    affineForward(batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, bound, shiftOnly) {
      if (isF64(z)) return ref.affineForward(batch, features, dStart, dEnd, z, params, x, logDet, accumulateLogDet, bound, shiftOnly);
      addon.affineForward(batch, features, dStart, dEnd, z, params as F, x as F, logDet, accumulateLogDet, bound, shiftOnly);
    },
    affineInverseBackward(batch, features, params, z, dZ, dLogDet, dX, dParams, bound, shiftOnly) {
      if (isF64(params)) return ref.affineInverseBackward(batch, features, params, z, dZ, dLogDet, dX, dParams, bound, shiftOnly);
      addon.affineInverseBackward(batch, features, params, z as F, dZ as F, dLogDet, dX as F, dParams as F, bound, shiftOnly);
    },
    affineForwardBackward(batch, features, params, z, dX, dLogDet, dZ, dParams, bound, shiftOnly) {
      if (isF64(params)) return ref.affineForwardBackward(batch, features, params, z, dX, dLogDet, dZ, dParams, bound, shiftOnly);
      addon.affineForwardBackward(batch, features, params, z as F, dX as F, dLogDet, dZ as F, dParams as F, bound, shiftOnly);
    },
    staircaseSequentialAffine: fusedPass('staircaseSequentialAffine'),
    staircaseParallelAffine: fusedPass('staircaseParallelAffine'),
    gatherColumns(rows, cols, x, index, out) {
      if (isF64(x)) return ref.gatherColumns(rows, cols, x, index, out);
      addon.gatherColumns(rows, cols, x, index, out as F);
    },
    columnMoments(batch, cols, x, mean, variance) {
      if (isF64(x)) return ref.columnMoments(batch, cols, x, mean, variance);
      addon.columnMoments(batch, cols, x, mean, variance);
    },
    batchNormApply(batch, cols, x, mean, variance, eps, logGamma, beta, out) {
      if (isF64(x)) return ref.batchNormApply(batch, cols, x, mean, variance, eps, logGamma, beta, out);
      addon.batchNormApply(batch, cols, x, mean, variance, eps, logGamma as F, beta as F, out as F);
    },
    batchNormBackward(batch, cols, x, mean, variance, eps, logGamma, dOut, dLogDetSum, dX, dLogGamma, dBeta) {
      if (isF64(x)) return ref.batchNormBackward(batch, cols, x, mean, variance, eps, logGamma, dOut, dLogDetSum, dX, dLogGamma, dBeta);
      addon.batchNormBackward(batch, cols, x, mean, variance, eps, logGamma as F, dOut as F, dLogDetSum, dX as F,
        dLogGamma as F, dBeta as F);
    },
    adamStep(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step) {
      if (isF64(param)) return ref.adamStep(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
      addon.adamStep(rows, cols, staircase, param, grad as F, m as F, v as F, lr, beta1, beta2, eps, weightDecay, step);
    },
  };
}

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

/** Candidate package roots, most specific first, without duplicates. */
function packageRoots(): string[] {
  const roots: string[] = [];
  const add = (root: string | undefined): void => {
    if (root !== undefined && !roots.includes(root)) roots.push(root);
  };
  const here = moduleFile();
  // dist/kernels/native.js (or src/kernels/native.ts in a checkout) sits two folders below the root.
  if (here !== undefined) add(path.resolve(path.dirname(here), '..', '..'));
  for (const from of [here, path.join(process.cwd(), 'index.js')]) {
    if (from === undefined) continue;
    try {
      add(path.dirname(createRequire(from).resolve('maflow/package.json')));
    } catch {
      // maflow is not installed where `from` can see it
    }
  }
  return roots;
}

/** This module's file, or undefined where a bundler replaced `import.meta.url` (a CommonJS bundle). */
function moduleFile(): string | undefined {
  try {
    return fileURLToPath(import.meta.url);
  } catch {
    return undefined;
  }
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
