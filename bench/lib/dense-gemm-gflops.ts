/**
 * The yardstick for effective GFLOP/s: a dense float32 GEMM `[m, k]·[k, n]` on the backend being measured. On
 * native the addon times its own kernel in C++ (`denseGemmGflops`, best run); on reference a dense `prefixGemm`
 * (`prefix = null`) is timed from JS, best of the runs that fit in `seconds`.
 */
import { kernels } from '../../src/kernels/backend.ts';
import type { NativeAddon } from '../../src/kernels/native.ts';

export function denseGemmGflops(addon: NativeAddon | null, m: number, n: number, k: number, seconds: number): number {
  const backend = kernels();
  if (backend.name === 'native' && addon !== null) return addon.denseGemmGflops(m, n, k, seconds);
  const x = new Float32Array(m * k).map((_, i) => ((i * 7919) % 17) / 17 - 0.5);
  const w = new Float32Array(n * k).map((_, i) => ((i * 104729) % 13) / 13 - 0.5);
  const out = new Float32Array(m * n);
  const until = performance.now() + seconds * 1e3;
  let best = Infinity;
  do {
    const start = performance.now();
    backend.prefixGemm({ batch: m, inDim: k, outDim: n, x, weight: w, prefix: null, bias: null, out });
    best = Math.min(best, performance.now() - start);
  } while (performance.now() < until);
  return (2 * m * n * k) / (best / 1e3) / 1e9;
}
