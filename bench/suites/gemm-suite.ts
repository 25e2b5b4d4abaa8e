/**
 * `npm run bench -- gemm`: the addon's dense float32 GEMM against its limit, OpenBLAS sgemm (numpy) in the same run at
 * the same threads, at the shapes maflow multiplies: [100, 512]·[512, 512], [64, H] blocks, [100, 1024]·[1024, 1024],
 * and the dense shapes of the MADE layers of the paper configs (batch 100: D→H, H→H, H→2D). Two limits: OpenBLAS with
 * the kernels it picks for this CPU (or the bench's correction of them, `LIMITS`), and with its Haswell (AVX2) kernels (OPENBLAS_CORETYPE), the limit of an AVX2-only
 * CPU and of maflow's avx2 kernels (on AMD Zen 4 the AVX2 kernels are the faster ones). Every figure is the median of
 * interleaved rounds (limit passes, then addon pass), so that a busy machine slows both alike. A second table gives
 * every forward tile this CPU runs (`GEMM_KERNEL_NAMES`) at the first four shapes: tile × threads × GFLOP/s.
 */
import { PAPER_CONFIGS } from '../lib/configs.ts';
import { limitKey, measureBlasLimit, type GemmShape } from '../lib/blas-limit.ts';
import { formatNumber, formatTable } from '../lib/format-table.ts';
import { GEMM_KERNEL_NAMES } from '../lib/gemm-kernel-names.ts';
import { median } from '../lib/median.ts';
import type { NativeAddon } from '../../src/kernels/native.ts';

export interface GemmSuiteOptions {
  readonly addon: NativeAddon;
  /** Thread counts to measure at (e.g. [1, 2]). */
  readonly threads: readonly number[];
  readonly quick: boolean;
  readonly rounds: number | undefined;
  /** Interpreter with numpy for the limit; null: no limit. */
  readonly python: string | null;
  readonly log: (line: string) => void;
}

/** One measured row: GFLOP/s of the addon and of each limit (by `LIMITS` index), by threads. */
export interface GemmShapeRow {
  readonly label: string;
  readonly shape: GemmShape;
  readonly addon: ReadonlyMap<number, number>;
  readonly limits: readonly ReadonlyMap<number, number | null>[];
}

export interface GemmTileRow extends GemmShapeRow {
  readonly kernel: string;
}

export interface GemmSuiteResult {
  readonly kernel: string;
  /** What each limit ran (`openblas_get_config()`), or why it did not. */
  readonly limitNames: readonly string[];
  readonly rounds: number;
  readonly threads: readonly number[];
  readonly shapes: readonly GemmShapeRow[];
  readonly tiles: readonly GemmTileRow[];
}

/**
 * The limits: OpenBLAS with the kernels the bench gives every Python child (its own choice, or those of the CPU's
 * widest extension where it does not know the CPU: `correctedCore`, applied by run.ts), and its AVX2 kernels.
 */
const LIMITS: readonly { label: string; coreType: string | undefined }[] = [
  { label: 'OpenBLAS', coreType: undefined },
  { label: 'OpenBLAS AVX2', coreType: 'Haswell' },
];

const BLOCK_SHAPES: readonly [string, GemmShape][] = [
  ['[100, 512]·[512, 512]', [100, 512, 512]],
  ['[64, 512] block', [64, 512, 512]],
  ['[100, 1024]·[1024, 1024]', [100, 1024, 1024]],
  ['[64, 1024] block', [64, 1024, 1024]],
];

/** The four block shapes, then each paper config's MADE layers as dense GEMMs (m = batch, n = outputs, k = inputs). */
export function gemmSuiteShapes(): [string, GemmShape][] {
  const shapes: [string, GemmShape][] = [...BLOCK_SHAPES];
  for (const c of PAPER_CONFIGS) {
    shapes.push([`${c.name} in ${c.features}→${c.hidden}`, [c.batch, c.hidden, c.features]]);
    shapes.push([`${c.name} hidden ${c.hidden}→${c.hidden}`, [c.batch, c.hidden, c.hidden]]);
    shapes.push([`${c.name} out ${c.hidden}→${2 * c.features}`, [c.batch, 2 * c.features, c.hidden]]);
  }
  return shapes;
}

export function runGemmSuite(options: GemmSuiteOptions): GemmSuiteResult {
  const { addon, threads, log } = options;
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const seconds = options.quick ? 0.03 : 0.15;
  const kernel = addon.isa();
  const shapes = gemmSuiteShapes();
  const kernels = GEMM_KERNEL_NAMES.flatMap((name) => (addon.setIsa(name) ? [addon.isa()] : []));
  addon.setIsa(kernel);
  const limitRuns: Map<string, number>[][] = LIMITS.map(() => []);
  const limitNames = LIMITS.map((l) => (options.python === null ? `${l.label}: not run (--no-torch)` : l.label));
  const failed = LIMITS.map(() => options.python === null);
  const addonRuns = new Map<string, number[]>();
  const record = (key: string, value: number): void => {
    addonRuns.set(key, [...(addonRuns.get(key) ?? []), value]);
  };
  const before = addon.threads();
  for (let round = 0; round < rounds; round++) {
    log(`# gemm round ${round + 1}/${rounds}: limits`);
    LIMITS.forEach((l, i) => {
      if (options.python === null || failed[i]) return;
      const limit = measureBlasLimit(options.python, shapes.map(([, s]) => s), threads, seconds, l.coreType);
      if ('error' in limit) {
        failed[i] = true;
        limitNames[i] = `${l.label}: unavailable (${limit.error})`;
      } else {
        limitNames[i] = `${l.label}: ${limit.blas ?? 'numpy on a BLAS that is not OpenBLAS'}`;
        limitRuns[i].push(new Map(limit.gflops));
      }
    });
    log(`# gemm round ${round + 1}/${rounds}: addon`);
    for (const t of threads) {
      addon.setThreads(t);
      for (const [, shape] of shapes) record(`${kernel}|${limitKey(shape, t)}`, addon.denseGemmGflops(...shape, seconds));
      for (const name of kernels) {
        addon.setIsa(name);
        for (const [, shape] of BLOCK_SHAPES) record(`${name}|${limitKey(shape, t)}`, addon.denseGemmGflops(...shape, seconds));
      }
      addon.setIsa(kernel);
    }
  }
  addon.setThreads(before);
  const limitOf = (i: number, shape: GemmShape, t: number): number | null =>
    limitRuns[i].length === 0 ? null : median(limitRuns[i].map((run) => run.get(limitKey(shape, t)) ?? NaN));
  const row = (name: string, label: string, shape: GemmShape): GemmShapeRow => ({
    label, shape,
    addon: new Map(threads.map((t) => [t, median(addonRuns.get(`${name}|${limitKey(shape, t)}`) ?? [NaN])])),
    limits: LIMITS.map((_, i) => new Map(threads.map((t) => [t, limitOf(i, shape, t)]))),
  });
  return {
    kernel, limitNames, rounds, threads,
    shapes: shapes.map(([label, shape]) => row(kernel, label, shape)),
    tiles: kernels.flatMap((name) => BLOCK_SHAPES.map(([label, shape]) => ({ ...row(name, label, shape), kernel: name }))),
  };
}

const percent = (value: number, limit: number | null): string =>
  limit === null || !Number.isFinite(value) ? '–' : `${Math.round((100 * value) / limit)} %`;

function header(threads: readonly number[]): string[] {
  return threads.flatMap((t) => [`addon ${t}T`, ...LIMITS.flatMap((l) => [`${l.label} ${t}T`, '%'])]);
}

function cells(row: GemmShapeRow, threads: readonly number[]): string[] {
  return threads.flatMap((t) => {
    const value = row.addon.get(t) ?? NaN;
    return [formatNumber(value), ...row.limits.flatMap((limit) => {
      const l = limit.get(t) ?? null;
      return [formatNumber(l), percent(value, l)];
    })];
  });
}

export function printGemmReport(result: GemmSuiteResult, print: (text: string) => void): void {
  const { threads } = result;
  print(`# dense f32 GEMM C[m, n] = A[m, k]·B[n, k]ᵀ, GFLOP/s, medians of ${result.rounds} interleaved rounds`);
  print(`# limits (sgemm through numpy, same run, same threads): ${result.limitNames.join('; ')}`);
  print(`# kernel: ${result.kernel} (native ISA / forward register tile MR×NR / reduction block)`);
  print(formatTable(['shape', 'm×n×k', ...header(threads)],
    result.shapes.map((r) => [r.label, r.shape.join('×'), ...cells(r, threads)]), { leftColumns: 2 }));
  print('');
  print('Forward register tiles (MAFLOW_GEMM_KERNEL=isa/MRxNR[/kcN] selects one):');
  print(formatTable(['kernel', 'shape', ...header(threads)],
    result.tiles.map((r) => [r.kernel, r.label, ...cells(r, threads)]), { leftColumns: 2 }));
  print('');
  const json = (r: GemmShapeRow, kernel: string): string => JSON.stringify({
    suite: 'gemm', kernel, shape: r.label, m: r.shape[0], n: r.shape[1], k: r.shape[2],
    ...Object.fromEntries(threads.flatMap((t) => [[`gflops_${t}t`, r.addon.get(t)],
      ...LIMITS.map((l, i) => [`${l.coreType === undefined ? 'limit' : `limit_${l.coreType.toLowerCase()}`}_${t}t`, r.limits[i].get(t)])])),
  });
  for (const r of result.shapes) print(json(r, result.kernel));
  for (const r of result.tiles) print(json(r, r.kernel));
}
