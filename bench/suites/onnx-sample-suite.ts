/**
 * The sampling half of the `onnx` suite: `exportOnnx(flow, { graph: 'sample' })` of the paper configs' MAF in both
 * layouts of the sequential pass — `'loop'` (one ONNX Loop over the features per layer, the default) and `'unrolled'`
 * (step by step, what the export wrote before the loop) — each timed from the bytes to a ready ONNX Runtime session
 * (`load`, the session's graph optimisation included), then samples/s of `run` on the same noise, against maflow's own
 * `sample` in the same run. Medians over rounds; the two layouts' draws are compared.
 */
import * as ort from 'onnxruntime-node';
import { Rng } from '../../src/core/rng.ts';
import type { Distribution } from '../../src/distributions/distribution.ts';
import { exportOnnx } from '../../src/io/onnx/export-onnx.ts';
import type { BenchConfig } from '../lib/configs.ts';
import { median } from '../lib/median.ts';

/** The layouts measured. */
export const SAMPLE_LAYOUTS = ['loop', 'unrolled'] as const;
export type SampleLayout = (typeof SAMPLE_LAYOUTS)[number];

/** One config's sampling medians. */
export interface OnnxSampleResult {
  rows: number;
  maflowSamplesPerS: number;
  /** Per layout: model bytes, seconds from the bytes to a session, samples/s. */
  layouts: Record<SampleLayout, { modelBytes: number; loadSeconds: number; samplesPerS: number }>;
  /** The largest relative difference between the two layouts' draws. */
  layoutDifference: number;
}

/** Times the sampling graphs of `flow` (rounds of: maflow, then each layout's `run`; one load per layout). */
export async function timeOnnxSampling(flow: Distribution, config: BenchConfig, options: { quick: boolean; rounds: number; threads: number;
  log: (line: string) => void }): Promise<OnnxSampleResult> {
  const rows = options.quick ? 1_000 : 5_000;
  const rng = new Rng(4);
  const noise = new ort.Tensor('float32', Float32Array.from({ length: rows * config.features }, () => rng.normal()), [rows, config.features]);
  const layouts = {} as OnnxSampleResult['layouts'];
  const sessions = new Map<SampleLayout, ort.InferenceSession>();
  for (const layout of SAMPLE_LAYOUTS) {
    const bytes = exportOnnx(flow, { graph: 'sample', sequential: layout });
    const start = performance.now();
    sessions.set(layout, await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
    }));
    layouts[layout] = { modelBytes: bytes.length, loadSeconds: (performance.now() - start) / 1e3, samplesPerS: 0 };
    options.log(`# onnx ${config.name} sampling graph '${layout}': ${(bytes.length / 1e6).toFixed(1)} MB, loaded in ${layouts[layout].loadSeconds.toFixed(2)} s`);
  }
  const maflowRuns: number[] = [];
  const runs: Record<SampleLayout, number[]> = { loop: [], unrolled: [] };
  const draws = new Map<SampleLayout, Float32Array>();
  flow.sample(Math.min(rows, 100), { rng: new Rng(1) });
  for (const session of sessions.values()) await session.run({ noise });
  for (let round = 0; round < options.rounds; round++) {
    let start = performance.now();
    flow.sample(rows, { rng: new Rng(round) });
    maflowRuns.push(rows / ((performance.now() - start) / 1e3));
    for (const layout of SAMPLE_LAYOUTS) {
      start = performance.now();
      const out = await sessions.get(layout)!.run({ noise });
      runs[layout].push(rows / ((performance.now() - start) / 1e3));
      draws.set(layout, out.samples.data as Float32Array);
    }
  }
  for (const session of sessions.values()) await session.release();
  for (const layout of SAMPLE_LAYOUTS) layouts[layout].samplesPerS = median(runs[layout]);
  const [a, b] = SAMPLE_LAYOUTS.map((l) => draws.get(l)!);
  let layoutDifference = 0;
  for (let k = 0; k < a.length; k++) layoutDifference = Math.max(layoutDifference, Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(b[k])));
  return { rows, maflowSamplesPerS: median(maflowRuns), layouts, layoutDifference };
}
