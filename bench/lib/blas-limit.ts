/**
 * The BLAS limit of a dense float32 GEMM: OpenBLAS sgemm through numpy (`bench/blas-limit.py`), run as a child
 * process at the thread counts asked for, for the addon's layout C[m, n] = A[m, k]·B[n, k]ᵀ. A missing interpreter or
 * numpy returns `{ error }` so that the bench still prints the addon's numbers.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'blas-limit.py');

export type GemmShape = readonly [m: number, n: number, k: number];

export interface BlasLimit {
  /** `openblas_get_config()` (version, core kernels), or null when numpy's BLAS is not OpenBLAS. */
  readonly blas: string | null;
  /** `openblas_get_corename()`, the kernels it ran (e.g. 'SkylakeX'), or null when not OpenBLAS. */
  readonly corename: string | null;
  /** GFLOP/s by `${m}x${n}x${k}@${threads}`. */
  readonly gflops: ReadonlyMap<string, number>;
}

export const limitKey = ([m, n, k]: GemmShape, threads: number): string => `${m}x${n}x${k}@${threads}`;

/**
 * One pass of the limit over `shapes` at each of `threads`, best of repeated calls within `seconds` per figure.
 * `coreType` forces OpenBLAS's kernels (OPENBLAS_CORETYPE, e.g. 'Haswell': its AVX2 kernels, the limit of an AVX2-only
 * CPU); undefined keeps this process's OPENBLAS_CORETYPE (the bench's choice for every Python child, run.ts), and
 * without one OpenBLAS picks them for this CPU. With no shapes it only names the BLAS and its core.
 */
export function measureBlasLimit(python: string, shapes: readonly GemmShape[], threads: readonly number[],
  seconds: number, coreType?: string): BlasLimit | { error: string } {
  const args = [SCRIPT, String(seconds), threads.join(','), ...shapes.map((s) => s.join(','))];
  const env = coreType === undefined ? process.env : { ...process.env, OPENBLAS_CORETYPE: coreType };
  const run = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000, env });
  if (run.error !== undefined) return { error: `${python} did not run (${run.error.message})` };
  if (run.status !== 0) {
    return { error: `${python} ${path.basename(SCRIPT)} exited ${run.status}: ${run.stderr.trim().split('\n').pop() ?? ''}` };
  }
  let blas: string | null = null;
  let corename: string | null = null;
  const gflops = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { blas?: string | null; corename?: string; m: number; n: number; k: number;
      threads: number; gflops: number };
    if ('blas' in record) {
      blas = record.blas ?? null;
      corename = record.corename ?? null;
    } else {
      gflops.set(limitKey([record.m, record.n, record.k], record.threads), record.gflops);
    }
  }
  return { blas, corename, gflops };
}

/** OpenBLAS cores (OPENBLAS_CORETYPE names) whose sgemm kernels use AVX2 or AVX-512. */
const AVX2_CORES = new Set(['haswell', 'zen', 'skylakex', 'cooperlake', 'sapphirerapids']);

/**
 * The cores OpenBLAS's own choice should be replaced by: a DYNAMIC_ARCH OpenBLAS that does not know a CPU falls back
 * to an old core (0.3.21 takes Intel Emerald Rapids, model 207, for Prescott: SSE3 kernels at a third of the speed of
 * its SkylakeX ones there), which would make a misleading limit. Returns the core for the widest of the CPU's
 * extensions (`simd`: 'avx512f', 'avx2') when `corename` has neither AVX2 nor AVX-512 kernels, else undefined (keep
 * OpenBLAS's choice).
 */
export function correctedCore(corename: string, simd: readonly string[]): string | undefined {
  if (AVX2_CORES.has(corename.toLowerCase())) return undefined;
  if (simd.includes('avx512f')) return 'SkylakeX';
  if (simd.includes('avx2')) return 'Haswell';
  return undefined;
}

