/**
 * `npm run bench -- backends`: every kernel backend on the paper configurations in one run, on the same data and the
 * same seeded model: train ms/step, log-prob rows/s, sample rows/s and effective GFLOP/s (masked multiply-adds of the
 * MADEs only) for reference, wasm (the SIMD128 build on 1 thread and all, its relaxed-SIMD build on 1 thread) and native
 * (1 thread and the --threads limit), with the ratios the issue asks for (wasm ÷ reference, wasm ÷ native 1-thread, for
 * both builds); then NSF (rational-quadratic spline MAF, 8 bins) against
 * the affine MAF of the same size on native. Each flow is created while its backend is active, so the wasm backend's
 * parameters and buffers live in its memory. The reference backend runs fewer steps and rows (it is 10–100× slower).
 * The other backends warm up for a time, not a count of steps (V8 runs WebAssembly on its baseline compiler until the
 * optimised code arrives, which a few steps never reach): train steps for WARMUP_SECONDS, whose mean the report gives
 * as what a user sees in the first second, then the steady state; log-prob and sampling a shorter while.
 */
import { setFlagsFromString } from 'node:v8';
import { rowSlice } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import type { TransformedDistribution } from '../../src/distributions/transformed-distribution.ts';
import { createMaf } from '../../src/flows/create-maf.ts';
import { createNsf } from '../../src/flows/create-nsf.ts';
import { registerBackend, setBackend } from '../../src/kernels/backend.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { loadWasmBackend, wasmRelaxedSimdSupported } from '../../src/kernels/wasm.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { nodeWasmWorkers } from '../../src/kernels/wasm-node-workers.ts';
import { pickConfigs, type BenchConfig } from '../lib/configs.ts';
import { countMultiplyAdds, effectiveGflops, maskedLayersOf, TRAIN_PRODUCTS } from '../lib/count-flops.ts';
import { formatNumber, formatTable } from '../lib/format-table.ts';
import { timeLogProb, timeSample, timeTrainSteps } from '../lib/measure-flow.ts';
import { syntheticData } from '../lib/synthetic-data.ts';

export interface BackendsSuiteOptions {
  readonly configNames: readonly string[];
  readonly quick: boolean;
  /** Threads of native's "all threads" line. */
  readonly threads: number;
  readonly log: (line: string) => void;
}

/** Seconds of untimed train steps before the timed ones (not for the reference backend). */
const WARMUP_SECONDS = 1;
/** Seconds of untimed log-prob and sampling calls. */
const THROUGHPUT_WARMUP_SECONDS = 0.3;

interface Row {
  config: string;
  backend: string;
  flow: 'maf' | 'nsf';
  trainMs: number;
  /** Mean ms/step over the warm-up (the first second). */
  trainFirstSecondMs: number;
  logProbRowsPerS: number;
  sampleRowsPerS: number;
  trainGflops: number;
  logProbGflops: number;
}

interface Variant {
  readonly label: string;
  readonly activate: () => void;
  readonly slow: boolean;
}

async function variants(threads: number): Promise<Variant[]> {
  const out: Variant[] = [{ label: 'reference', activate: () => setBackend('reference'), slow: true }];
  const wasm = loadWasmBackendSync({ memoryMiB: 1024, relaxedSimd: false });
  const activateWasm = (k: typeof wasm) => () => { registerBackend(k); setBackend('wasm'); };
  out.push({ label: 'wasm 1t', activate: activateWasm(wasm), slow: false });
  // The relaxed-SIMD build (what Node ≥ 22 and Chromium load): Node 20's V8 validates it only behind a flag, which the
  // bench sets for itself.
  if (!wasmRelaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (wasmRelaxedSimdSupported()) {
    out.push({ label: 'wasm relaxed 1t', activate: activateWasm(loadWasmBackendSync({ memoryMiB: 1024, relaxedSimd: true })), slow: false });
  }
  if (threads > 1) {
    const wasmThreads = await loadWasmBackend({ memoryMiB: 1024, threads, workers: nodeWasmWorkers, relaxedSimd: false });
    out.push({ label: `wasm ${threads}t`, activate: activateWasm(wasmThreads), slow: false });
  }
  const native = loadNativeBackend();
  if (native.ok) {
    registerBackend(native.kernels);
    out.push({ label: 'native 1t', activate: () => { setBackend('native'); native.addon.setThreads(1); }, slow: false });
    if (threads > 1) out.push({ label: `native ${threads}t`, activate: () => { setBackend('native'); native.addon.setThreads(threads); }, slow: false });
  }
  return out;
}

function measure(config: BenchConfig, flowKind: 'maf' | 'nsf', v: Variant, quick: boolean): Row {
  v.activate();
  const options = { features: config.features, layers: config.layers, hiddenUnits: [config.hidden, config.hidden],
    order: 'reverse' as const, dtype: 'float32' as const, rng: new Rng(0) };
  const flow: TransformedDistribution = flowKind === 'maf' ? createMaf({ ...options, activation: 'relu' }) : createNsf({ ...options, bins: 8 });
  const data = syntheticData(quick || v.slow ? 2000 : 10000, config.features, 1);
  const steps = v.slow ? 3 : quick ? 10 : 30;
  const train = timeTrainSteps(flow, data, { batch: config.batch, warmup: v.slow ? 1 : 5, warmupSeconds: v.slow ? 0 : WARMUP_SECONDS,
    steps, seed: 2 });
  flow.train(false);
  const rows = v.slow ? 500 : quick ? 2000 : 10000;
  const warm = v.slow ? 0 : THROUGHPUT_WARMUP_SECONDS;
  const logProb = timeLogProb(flow, rowSlice(data, 0, rows), 2000, v.slow ? 1 : 3, warm);
  const sample = timeSample(flow, v.slow ? 100 : quick ? 500 : 2000, v.slow ? 1 : 3, 3, warm);
  const perRow = countMultiplyAdds(maskedLayersOf(flow));
  return {
    config: config.name, backend: v.label, flow: flowKind, trainMs: train.stepMs, trainFirstSecondMs: train.warmupStepMs, logProbRowsPerS: logProb.rowsPerSecond,
    sampleRowsPerS: sample.rowsPerSecond, trainGflops: effectiveGflops(perRow, config.batch, TRAIN_PRODUCTS, train.stepMs / 1e3),
    logProbGflops: effectiveGflops(perRow, logProb.rows, 1, logProb.seconds),
  };
}

/** Measures every backend on each config, then NSF against MAF on native. */
export async function runBackendsSuite(options: BackendsSuiteOptions): Promise<Row[]> {
  const configs = pickConfigs(options.configNames.length > 0 ? options.configNames : options.quick ? ['power', 'hepmass'] : []);
  const all = await variants(options.threads);
  const rows: Row[] = [];
  for (const config of configs) {
    for (const v of all) {
      if (v.slow && config.hidden > 512 && !options.quick) continue; // bsds300 on the reference loops: minutes per step
      options.log(`# ${config.name}: ${v.label}`);
      rows.push(measure(config, 'maf', v, options.quick));
    }
    const native = all.find((v) => v.label === 'native 1t');
    if (native !== undefined) {
      options.log(`# ${config.name}: nsf on native 1t`);
      rows.push(measure(config, 'nsf', native, options.quick));
    }
  }
  return rows;
}

export function printBackendsReport(rows: readonly Row[], threads: number, print: (line: string) => void): void {
  const find = (config: string, backend: string, flow = 'maf') => rows.find((r) => r.config === config && r.backend === backend && r.flow === flow);
  print(formatTable(['config', 'flow', 'backend', 'train ms/step', 'train ms/step 1st s', 'log-prob rows/s', 'sample rows/s', 'train GFLOP/s',
    'log-prob GFLOP/s'],
    rows.map((r) => [r.config, r.flow, r.backend, formatNumber(r.trainMs), formatNumber(r.trainFirstSecondMs), formatNumber(r.logProbRowsPerS), formatNumber(r.sampleRowsPerS),
      formatNumber(r.trainGflops), formatNumber(r.logProbGflops)])));
  print('');
  print('# ratios (aims: wasm/reference ≥ 25 on train and log-prob; wasm 1t / native 1t ≥ 0.4 on hepmass and miniboone); wasm: the SIMD128 build, relaxed: the relaxed-SIMD one');
  const configs = [...new Set(rows.map((r) => r.config))];
  print(formatTable(['config', 'wasm/ref train', 'wasm/ref log-prob', 'wasm/native1t train', 'wasm/native1t log-prob', 'wasm/native1t sample',
    'relaxed/native1t train', 'relaxed/native1t log-prob', 'nsf/maf train ms', 'maf/nsf log-prob', 'maf/nsf sample', `wasm ${threads}t/1t train`, `wasm ${threads}t/1t log-prob`,
    `wasm ${threads}t/1t sample`], configs.map((c) => {
    const [ref, wasm, nat, nsf] = [find(c, 'reference'), find(c, 'wasm 1t'), find(c, 'native 1t'), find(c, 'native 1t', 'nsf')];
    const relaxed = find(c, 'wasm relaxed 1t');
    const wasmN = find(c, `wasm ${threads}t`);
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : formatNumber(a / b));
    return [c, ratio(ref?.trainMs, wasm?.trainMs), ratio(wasm?.logProbRowsPerS, ref?.logProbRowsPerS), ratio(nat?.trainMs, wasm?.trainMs),
      ratio(wasm?.logProbRowsPerS, nat?.logProbRowsPerS), ratio(wasm?.sampleRowsPerS, nat?.sampleRowsPerS),
      ratio(nat?.trainMs, relaxed?.trainMs), ratio(relaxed?.logProbRowsPerS, nat?.logProbRowsPerS), ratio(nsf?.trainMs, nat?.trainMs),
      ratio(nat?.logProbRowsPerS, nsf?.logProbRowsPerS), ratio(nat?.sampleRowsPerS, nsf?.sampleRowsPerS), ratio(wasm?.trainMs, wasmN?.trainMs),
      ratio(wasmN?.logProbRowsPerS, wasm?.logProbRowsPerS), ratio(wasmN?.sampleRowsPerS, wasm?.sampleRowsPerS)];
  })));
  for (const r of rows) print(JSON.stringify({ suite: 'backends', ...r }));
}
