/**
 * The page script of `npm run bench -- browser` (bundled by bench/suites/browser-suite.ts): `window.maflowBench(request)`
 * measures one config on one backend inside the browser and returns its row. Paper configs: a fresh `createMaf` of the
 * paper's size (ReLU, reverse order, float32), its train step (zero grads, logProbTrain, backward, Adam), log-prob and
 * sampling throughput, as the Node backends suite measures them. Demo configs: the demo's own training loop
 * (`LiveTrainer` on two moons: standardization, gradient clipping, Adam, validation at epoch ends) for a time budget,
 * as steps per second.
 */
import {
  createMaf, loadWasmBackend, referenceKernels, Rng, withBackend, type Kernels, type TransformedDistribution, type WasmKernels,
} from '../../src/index.ts';
import { createDemoFlow } from '../../demo/browser/create-demo-flow.ts';
import { DEMO_DATASETS } from '../../demo/browser/demo-datasets.ts';
import { LiveTrainer } from '../../demo/browser/live-trainer.ts';
import { pickConfigs } from '../lib/configs.ts';
import { countMultiplyAdds, effectiveGflops, maskedLayersOf, TRAIN_PRODUCTS } from '../lib/count-flops.ts';
import { timeLogProb, timeSample, timeTrainSteps } from '../lib/measure-flow.ts';
import { syntheticData } from '../lib/synthetic-data.ts';

/** What the Node side asks for. */
export interface BrowserBenchRequest {
  /** A paper config name, or `demo` (the demo's default 5 × [48, 48] MAF) or `demo-32` (5 × [32, 32]). */
  readonly config: string;
  /**
   * `wasm 1t`: one thread; `wasm`: the backend's default, every logical processor where the page is cross-origin
   * isolated (both the build the engine's features pick: relaxed SIMD in Chromium); `wasm 1t SIMD128`: one thread of
   * the plain SIMD128 build.
   */
  readonly backend: 'reference' | 'wasm 1t' | 'wasm' | 'wasm 1t SIMD128';
  /** The reference loops run fewer steps and rows (they are 10–100× slower). */
  readonly slow: boolean;
  readonly quick: boolean;
}

/** One measurement; `null` where a figure does not apply. */
export interface BrowserBenchRow {
  readonly config: string;
  readonly backend: string;
  readonly trainMs: number;
  readonly logProbRowsPerS: number;
  readonly sampleRowsPerS: number;
  readonly trainGflops: number;
  readonly logProbGflops: number;
  /** The demo loop's optimiser steps per second (demo configs only). */
  readonly stepsPerS: number | null;
}

/** Seconds of untimed train steps, and of log-prob and sampling calls, before the timed ones (as `bench backends`). */
const WARMUP_SECONDS = 1;
const THROUGHPUT_WARMUP_SECONDS = 0.3;

function throughput(flow: TransformedDistribution, features: number, request: BrowserBenchRequest) {
  const rows = request.slow ? 500 : request.quick ? 2000 : 6000;
  const warm = request.slow ? 0 : THROUGHPUT_WARMUP_SECONDS;
  const logProb = timeLogProb(flow, syntheticData(rows, features, 3), 2000, request.slow ? 1 : 3, warm);
  const sample = timeSample(flow, request.slow ? 100 : request.quick ? 500 : 2000, request.slow ? 1 : 3, 3, warm);
  return { logProb, sample, perRow: countMultiplyAdds(maskedLayersOf(flow)) };
}

function paperRow(request: BrowserBenchRequest): BrowserBenchRow {
  const [config] = pickConfigs([request.config]);
  const flow = createMaf({ features: config.features, layers: config.layers, hiddenUnits: [config.hidden, config.hidden],
    activation: 'relu', order: 'reverse', dtype: 'float32', rng: new Rng(0) });
  const data = syntheticData(request.slow ? 2000 : 10000, config.features, 1);
  const train = timeTrainSteps(flow, data, { batch: config.batch, warmup: request.slow ? 1 : 5, warmupSeconds: request.slow ? 0 : WARMUP_SECONDS,
    steps: request.slow ? 3 : request.quick ? 10 : 30, seed: 2 });
  const { logProb, sample, perRow } = throughput(flow, config.features, request);
  return { config: config.name, backend: request.backend, trainMs: train.stepMs, logProbRowsPerS: logProb.rowsPerSecond,
    sampleRowsPerS: sample.rowsPerSecond, trainGflops: effectiveGflops(perRow, config.batch, TRAIN_PRODUCTS, train.stepMs / 1e3),
    logProbGflops: effectiveGflops(perRow, logProb.rows, 1, logProb.seconds), stepsPerS: null };
}

function demoRow(request: BrowserBenchRequest): BrowserBenchRow {
  const flow = request.config === 'demo' ? createDemoFlow({ kind: 'maf', size: 'medium', rng: new Rng(1) })
    : createMaf({ features: 2, layers: 5, hiddenUnits: [32, 32], rng: new Rng(1) });
  const { data } = DEMO_DATASETS.moons.generate(2000, new Rng(0));
  const trainer = new LiveTrainer(flow, data, { rng: new Rng(2) });
  trainer.run(request.slow ? 300 : 100); // warm-up (the wasm tiers, the first epoch's allocations)
  const budget = request.quick ? 1000 : 2500;
  const steps0 = trainer.step;
  const start = performance.now();
  while (performance.now() - start < budget) trainer.run(50);
  const stepsPerS = (trainer.step - steps0) / ((performance.now() - start) / 1e3);
  trainer.flow.train(false);
  const { logProb, sample, perRow } = throughput(trainer.flow, 2, request);
  return { config: request.config, backend: request.backend, trainMs: 1e3 / stepsPerS, logProbRowsPerS: logProb.rowsPerSecond,
    sampleRowsPerS: sample.rowsPerSecond, trainGflops: effectiveGflops(perRow, 100, TRAIN_PRODUCTS, 1 / stepsPerS),
    logProbGflops: effectiveGflops(perRow, logProb.rows, 1, logProb.seconds), stepsPerS };
}

const wasmBackends = new Map<string, Promise<WasmKernels>>();

/** The request's backend (each wasm variant loaded once, with its own memory). */
async function backendOf(name: BrowserBenchRequest['backend']): Promise<Kernels> {
  if (name === 'reference') return referenceKernels;
  let loading = wasmBackends.get(name);
  if (loading === undefined) {
    loading = loadWasmBackend(name === 'wasm' ? { memoryMiB: 1024 } : { threads: 1, memoryMiB: 1024, relaxedSimd: name === 'wasm 1t SIMD128' ? false : undefined });
    wasmBackends.set(name, loading);
  }
  return loading;
}

/** The flow is made while its backend is active, so a wasm backend's parameters live in its memory. */
async function maflowBench(request: BrowserBenchRequest): Promise<BrowserBenchRow & { threads: number; relaxedSimd: boolean }> {
  const backend = await backendOf(request.backend);
  const row = withBackend(backend, () => (request.config.startsWith('demo') ? demoRow(request) : paperRow(request)));
  return { ...row, threads: (backend as Partial<WasmKernels>).threads ?? 1, relaxedSimd: (backend as Partial<WasmKernels>).relaxedSimd ?? false };
}

Object.assign(globalThis, { maflowBench });
