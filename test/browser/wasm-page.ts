/**
 * The script of the wasm browser test's page (bundled by test/browser/wasm-browser.test.ts): on `window.maflowChecks()`
 * it loads the wasm backend as a page does (threaded in a cross-origin isolated page), runs the kernel conformance
 * table's quick subset on a threaded backend that splits every call (no size threshold), and trains the demo's two-moons
 * MAF on the default backend until the validation log-likelihood reaches the target or the time is up. Both load the
 * build the engine's features pick (Chromium validates relaxed SIMD: the relaxed-SIMD build).
 */
import { loadWasmBackend, Rng, useBackend, type WasmKernels } from '../../src/index.ts';
import { createDemoFlow } from '../../demo/browser/create-demo-flow.ts';
import { DEMO_DATASETS } from '../../demo/browser/demo-datasets.ts';
import { LiveTrainer } from '../../demo/browser/live-trainer.ts';
import { conformanceCases } from '../kernels/conformance-cases.ts';

interface PageReport {
  backend: string;
  crossOriginIsolated: boolean;
  /** Threads of the default backend and why, and of the one the conformance cases ran on. */
  threads: number;
  threadsReason: string;
  conformanceThreads: number;
  /** Whether the default backend and the conformance one run the relaxed-SIMD build. */
  relaxedSimd: boolean;
  conformanceRelaxedSimd: boolean;
  /** Parts of calls the workers ran: in the conformance cases and in training. */
  conformanceWorkerTasks: number;
  trainingWorkerTasks: number;
  conformance: Array<{ name: string; error: string | null }>;
  training: { epochs: number; steps: number; seconds: number; validationLogLik: number; stepsPerSecond: number };
}

async function maflowChecks(targetLogLik: number, seconds: number): Promise<PageReport> {
  const backend = await useBackend('wasm') as WasmKernels;
  const split = await loadWasmBackend({ minParallelFlops: 0 });
  const conformance = conformanceCases(true).map((c) => {
    try {
      c.run(split, { dtype: 'float32', fusedExact: true, maxBatch: 300 });
      return { name: c.name, error: null };
    } catch (error) {
      return { name: c.name, error: (error as Error).message };
    }
  });
  const conformanceWorkerTasks = split.workerTasks;
  const { data } = DEMO_DATASETS.moons.generate(2000, new Rng(0));
  const flow = createDemoFlow({ kind: 'maf', size: 'medium', rng: new Rng(1) });
  const trainer = new LiveTrainer(flow, data, { rng: new Rng(2) });
  const start = performance.now();
  let best = -Infinity;
  while (performance.now() - start < seconds * 1e3 && best < targetLogLik) {
    for (const epoch of trainer.run(200)) best = Math.max(best, epoch.validationLogLik);
  }
  const elapsed = (performance.now() - start) / 1e3;
  return {
    backend: backend.name, crossOriginIsolated: globalThis.crossOriginIsolated === true, conformance,
    threads: backend.threads, threadsReason: backend.threadsReason, conformanceThreads: split.threads,
    relaxedSimd: backend.relaxedSimd, conformanceRelaxedSimd: split.relaxedSimd,
    conformanceWorkerTasks, trainingWorkerTasks: backend.workerTasks,
    training: { epochs: trainer.epoch, steps: trainer.step, seconds: elapsed, validationLogLik: best, stepsPerSecond: trainer.step / elapsed },
  };
}

/** The threads `useBackend('wasm')` gets on this page, and why. */
async function maflowThreads(): Promise<{ threads: number; threadsReason: string; crossOriginIsolated: boolean }> {
  const backend = await useBackend('wasm') as WasmKernels;
  return { threads: backend.threads, threadsReason: backend.threadsReason, crossOriginIsolated: globalThis.crossOriginIsolated === true };
}

Object.assign(globalThis, { maflowChecks, maflowThreads });
