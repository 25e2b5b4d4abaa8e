/**
 * The `onnx` suite: maflow's own log-density against ONNX Runtime (onnxruntime-node, CPU execution provider) on the
 * same exported model — `exportOnnx(flow)` of the paper configs' MAF — in the same run, interleaved per round,
 * medians over rounds. ONNX Runtime runs the graph with `--threads` intra-op threads (like maflow's native pool),
 * full graph optimisation, on float32 tensors of the same rows. Three variants of the export are measured: the
 * default (dense masked Gemms, float64 elementwise arithmetic), `compute: 'float32'`, and `staircaseBlocks: 4` (each
 * masked layer as 4 Gemms over input prefixes). Speed-up > 1 means maflow is faster. Then the sampling graphs
 * (`onnx-sample-suite.ts`): load time and samples/s of the Loop and the unrolled layouts against maflow's `sample`.
 */
import * as ort from 'onnxruntime-node';
import { rowSlice, type Matrix } from '../../src/core/matrix.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { exportOnnx, type ExportOnnxOptions } from '../../src/io/onnx/export-onnx.ts';
import { useBackend, type BenchBackends } from '../lib/bench-backends.ts';
import { pickConfigs, type BenchConfig } from '../lib/configs.ts';
import { formatNumber, formatTable } from '../lib/format-table.ts';
import { createPaperMaf } from '../lib/measure-config.ts';
import { median } from '../lib/median.ts';
import { syntheticData } from '../lib/synthetic-data.ts';
import { SAMPLE_LAYOUTS, timeOnnxSampling, type OnnxSampleResult } from './onnx-sample-suite.ts';

export interface OnnxSuiteOptions {
  configNames: string[];
  quick: boolean;
  rounds: number | undefined;
  threads: number;
  backends: BenchBackends;
  log: (line: string) => void;
}

/** One config's medians (rows/s) and the largest disagreement between the two engines' log-densities. */
export interface OnnxResult {
  config: BenchConfig;
  rows: number;
  backend: string;
  maflowRowsPerS: number;
  onnxRowsPerS: Record<Variant, number>;
  maxRelativeDifference: number;
  modelBytes: number;
  sample: OnnxSampleResult;
}

/** The export variants measured: the default, float32 elementwise arithmetic, and masked layers as 4 prefix Gemms. */
const VARIANTS = {
  'dense': { compute: 'float64' },
  'dense-f32': { compute: 'float32' },
  'blocks4': { compute: 'float64', staircaseBlocks: 4 },
} as const satisfies Record<string, ExportOnnxOptions>;
type Variant = keyof typeof VARIANTS;
const VARIANT_NAMES = Object.keys(VARIANTS) as Variant[];

/** Runs the suite (ONNX Runtime's `run` is asynchronous). */
export async function runOnnxSuite(options: OnnxSuiteOptions): Promise<OnnxResult[]> {
  const configs = pickConfigs(options.configNames.length > 0 || !options.quick ? options.configNames : ['power', 'hepmass']);
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const results: OnnxResult[] = [];
  for (const config of configs) results.push(await runConfig(config, rounds, options));
  return results;
}

async function runConfig(config: BenchConfig, rounds: number, options: OnnxSuiteOptions): Promise<OnnxResult> {
  const backend = options.backends.names[0];
  useBackend(backend);
  const rows = options.quick ? 2_000 : 10_000;
  const repeats = options.quick ? 2 : 5;
  const flow = createPaperMaf(config, 0);
  const data = syntheticData(rows, config.features, 3);
  const input = new ort.Tensor('float32', Float32Array.from(data.data), [rows, config.features]);
  const sessions = new Map<Variant, ort.InferenceSession>();
  let modelBytes = 0;
  for (const variant of VARIANT_NAMES) {
    const bytes = exportOnnx(flow, VARIANTS[variant]);
    if (variant === 'dense') modelBytes = bytes.length;
    sessions.set(variant, await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
    }));
  }
  const maflowRuns: number[] = [];
  const onnxRuns: Record<Variant, number[]> = { 'dense': [], 'dense-f32': [], 'blocks4': [] };
  let maxRelativeDifference = 0;
  for (let round = 0; round < rounds; round++) {
    const maflowFirst = round % 2 === 0;
    let lastMaflow: ArrayLike<number> | null = null;
    const timeMaflow = (): void => {
      const { seconds, logProb } = timeMaflowLogProb(flow, data, repeats);
      maflowRuns.push(rows / seconds);
      lastMaflow = logProb;
    };
    if (maflowFirst) timeMaflow();
    for (const variant of VARIANT_NAMES) {
      const { seconds, logProb } = await timeOnnx(sessions.get(variant)!, input, repeats);
      onnxRuns[variant].push(rows / seconds);
      if (lastMaflow !== null) maxRelativeDifference = Math.max(maxRelativeDifference, worstDifference(logProb, lastMaflow));
    }
    if (!maflowFirst) timeMaflow();
    options.log(`# onnx ${config.name} round ${round + 1}/${rounds}: maflow ${formatNumber(maflowRuns[round])} rows/s, ONNX Runtime ` +
      VARIANT_NAMES.map((v) => `${v} ${formatNumber(onnxRuns[v][round])}`).join(', ') + ' rows/s');
  }
  for (const session of sessions.values()) await session.release();
  const sample = await timeOnnxSampling(flow, config, { quick: options.quick, rounds, threads: options.threads, log: options.log });
  return {
    config, rows, backend, maflowRowsPerS: median(maflowRuns), modelBytes, sample,
    onnxRowsPerS: { 'dense': median(onnxRuns.dense), 'dense-f32': median(onnxRuns['dense-f32']), 'blocks4': median(onnxRuns.blocks4) },
    maxRelativeDifference,
  };
}

/** Median seconds of `repeats` `logProb` passes over all rows (after a warm-up on 256 rows), and the last result. */
function timeMaflowLogProb(flow: Distribution, data: Matrix, repeats: number): { seconds: number; logProb: ArrayLike<number> } {
  flow.logProb(rowSlice(data, 0, Math.min(256, data.rows)));
  const times: number[] = [];
  let logProb: ArrayLike<number> = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    logProb = flow.logProb(data);
    times.push((performance.now() - start) / 1e3);
  }
  return { seconds: median(times), logProb };
}

async function timeOnnx(session: ort.InferenceSession, x: ort.Tensor, repeats: number): Promise<{ seconds: number; logProb: ArrayLike<number> }> {
  await session.run({ x });
  const times: number[] = [];
  let logProb: ArrayLike<number> = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const out = await session.run({ x });
    times.push((performance.now() - start) / 1e3);
    logProb = out.log_prob.data as Float32Array;
  }
  return { seconds: median(times), logProb };
}

function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(b[k])));
  return worst;
}

/** The table (rows/s, speed-ups) and one JSON line per config. */
export function printOnnxReport(results: OnnxResult[], extra: Record<string, unknown>, print: (text: string) => void): void {
  print(`maflow (${results[0]?.backend ?? '?'}) against ONNX Runtime ${ort.env.versions.common} (CPU EP) on the same exported MAF, log-prob rows/s:`);
  print('(ORT dense: the default export; dense-f32: compute float32; blocks4: masked layers as 4 prefix Gemms; speed-up = maflow / ORT)');
  print(formatTable(['config', 'D', 'H', 'rows', 'maflow', ...VARIANT_NAMES.map((v) => `ORT ${v}`), ...VARIANT_NAMES.map((v) => `speed-up ${v}`), 'max rel diff'],
    results.map((r) => [
      r.config.name, String(r.config.features), String(r.config.hidden), String(r.rows), formatNumber(r.maflowRowsPerS),
      ...VARIANT_NAMES.map((v) => formatNumber(r.onnxRowsPerS[v])),
      ...VARIANT_NAMES.map((v) => `${formatNumber(r.maflowRowsPerS / r.onnxRowsPerS[v])}×`),
      r.maxRelativeDifference.toExponential(1),
    ])));
  print('');
  print(`Sampling graphs (exportOnnx graph 'sample'): load = bytes to a ready session; loop: one ONNX Loop per layer (default), unrolled: step by step:`);
  print(formatTable(['config', 'D', 'rows', 'maflow samples/s', ...SAMPLE_LAYOUTS.flatMap((l) => [`${l} MB`, `${l} load s`, `${l} samples/s`]),
    'load unrolled/loop', 'samples/s loop/unrolled', 'max rel diff'],
  results.map((r) => [
    r.config.name, String(r.config.features), String(r.sample.rows), formatNumber(r.sample.maflowSamplesPerS),
    ...SAMPLE_LAYOUTS.flatMap((l) => [(r.sample.layouts[l].modelBytes / 1e6).toFixed(1), r.sample.layouts[l].loadSeconds.toFixed(2), formatNumber(r.sample.layouts[l].samplesPerS)]),
    `${formatNumber(r.sample.layouts.unrolled.loadSeconds / r.sample.layouts.loop.loadSeconds)}×`,
    `${formatNumber(r.sample.layouts.loop.samplesPerS / r.sample.layouts.unrolled.samplesPerS)}×`,
    r.sample.layoutDifference.toExponential(1),
  ])));
  print('');
  for (const r of results) {
    print(JSON.stringify({
      suite: 'onnx', config: r.config.name, rows: r.rows, backend: r.backend, maflow_rows_per_s: r.maflowRowsPerS,
      onnx_rows_per_s: r.onnxRowsPerS, sample: r.sample,
      max_relative_difference: r.maxRelativeDifference, onnx_model_bytes: r.modelBytes, onnxruntime: ort.env.versions.common, ...extra,
    }));
  }
}
