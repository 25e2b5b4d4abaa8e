/**
 * The live-training demo page: pick a 2-D dataset, a flow and its size, press Train, and watch the flow's density,
 * its samples and its log-likelihood curve change as it trains — all on maflow's wasm backend (the reference
 * TypeScript one where WebAssembly SIMD is missing), in small time slices between animation frames so that the page never freezes: each frame spends about
 * `TRAIN_BUDGET_MS` on optimiser steps, then a few milliseconds on the heatmap and on a set of samples, both
 * evaluated a chunk at a time on a snapshot of the flow taken when their pass began (so neither shows bands of
 * different optimiser steps).
 */
import { Rng, useBackend, type Distribution, type Matrix } from '../../src/index.ts';
import { drawCurve, drawHeatmap, drawScatter } from './canvas-plots.ts';
import { densityToRgba } from './color-map.ts';
import { createDemoFlow, describeDemoFlow, type DemoFlowKind, type DemoFlowSize } from './create-demo-flow.ts';
import { DEMO_DATASETS, type DemoDataset, type DemoDatasetName } from './demo-datasets.ts';
import { evaluateGrid, gridPoints } from './density-grid.ts';
import { LiveTrainer, referenceLogLik } from './live-trainer.ts';
import { ProgressiveGrid } from './progressive-grid.ts';
import { ProgressiveSampler } from './progressive-sampler.ts';

const DATA_ROWS = 2000;
const GRID = 100;
const SAMPLES = 1500;
/** Milliseconds of each animation frame given to training, to the heatmap and to the samples. */
const TRAIN_BUDGET_MS = 14;
const GRID_BUDGET_MS = 5;
const SAMPLE_BUDGET_MS = 4;
/** Grid points and samples per evaluation call: small, so that one call fits in its budget. */
const GRID_CHUNK_ROWS = 200;
const SAMPLE_CHUNK_ROWS = 150;
const SAMPLE_EVERY_MS = 600;

interface Session {
  dataset: DemoDataset;
  trainer: LiveTrainer;
  data: Matrix;
  reference: number;
  grid: ProgressiveGrid;
  /** The flow frozen when the current heatmap pass began. */
  gridFlow: Distribution | null;
  sampler: ProgressiveSampler;
  /** The flow frozen when the current set of samples began. */
  sampleFlow: Distribution | null;
  sampleRng: Rng;
  lastSampleAt: number;
  firstValidation: number;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo: the page has no element #${id}`);
  return found as T;
}

const ui = {
  dataset: element<HTMLSelectElement>('dataset'),
  flow: element<HTMLSelectElement>('flow'),
  size: element<HTMLSelectElement>('size'),
  seed: element<HTMLInputElement>('seed'),
  train: element<HTMLButtonElement>('train'),
  reset: element<HTMLButtonElement>('reset'),
  dataCanvas: element<HTMLCanvasElement>('data-canvas'),
  densityCanvas: element<HTMLCanvasElement>('density-canvas'),
  samplesCanvas: element<HTMLCanvasElement>('samples-canvas'),
  curveCanvas: element<HTMLCanvasElement>('curve-canvas'),
  flowInfo: element('flow-info'),
  epoch: element('stat-epoch'),
  step: element('stat-step'),
  trainLogLik: element('stat-train'),
  validationLogLik: element('stat-validation'),
  reference: element('stat-reference'),
  referenceRow: element('stat-reference-row'),
  referenceKey: element('key-reference'),
  speed: element('stat-speed'),
  status: element('status'),
};

let session: Session | null = null;
let running = false;
const rgba = new Uint8ClampedArray(4 * GRID * GRID);

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

function format(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function newSession(): Session {
  const dataset = DEMO_DATASETS[ui.dataset.value as DemoDatasetName];
  const kind = ui.flow.value as DemoFlowKind;
  const size = ui.size.value as DemoFlowSize;
  const seed = Number.parseInt(ui.seed.value, 10) || 0;
  const generated = dataset.generate(DATA_ROWS, new Rng(seed));
  const flow = createDemoFlow({ kind, size, rng: new Rng(seed + 1) });
  const trainer = new LiveTrainer(flow, generated.data, { rng: new Rng(seed + 2), learningRate: kind === 'nsf' ? 2e-3 : 3e-3 });
  const points = gridPoints(dataset.view, GRID, GRID);
  ui.flowInfo.textContent = `${describeDemoFlow(kind, size)} · ${flow.namedParameters().reduce((n, [, p]) => n + p.size, 0).toLocaleString()} parameters`;
  const created: Session = {
    dataset, trainer, data: generated.data,
    reference: referenceLogLik(generated.logProb, trainer.validationData()),
    grid: new ProgressiveGrid(points, { chunkRows: GRID_CHUNK_ROWS }), gridFlow: null,
    sampler: new ProgressiveSampler(SAMPLES, { chunkRows: SAMPLE_CHUNK_ROWS }), sampleFlow: null,
    sampleRng: new Rng(seed + 3), lastSampleAt: 0, firstValidation: NaN,
  };
  // Legend entries and statistics only for what is drawn: the exact density's line exists only when it is known.
  const exact = Number.isFinite(created.reference);
  ui.referenceKey.hidden = !exact;
  ui.referenceRow.hidden = !exact;
  drawScatter(ui.dataCanvas, created.data, dataset.view, { color: '#1c7ed6' });
  drawDensity(created, evaluateGrid(points, (m) => trainer.logDensity(m)));
  drawSamples(created, trainer.sample(SAMPLES, created.sampleRng));
  return created;
}

function drawDensity(s: Session, logDensity: Float64Array): void {
  densityToRgba(logDensity, rgba);
  drawHeatmap(ui.densityCanvas, rgba, GRID, GRID, s.dataset.view);
}

function drawSamples(s: Session, samples: Matrix): void {
  drawScatter(ui.samplesCanvas, samples, s.dataset.view, { color: '#e8590c' });
  s.lastSampleAt = performance.now();
}

/** One frame's share of the heatmap and of the samples, each on the snapshot its pass began with. */
function advanceViews(s: Session): void {
  s.gridFlow ??= s.trainer.snapshot();
  const gridFlow = s.gridFlow;
  const done = s.grid.advance((m) => gridFlow.logProb(m), GRID_BUDGET_MS);
  if (done !== null) {
    drawDensity(s, done);
    s.gridFlow = null;
  }
  if (!s.sampler.busy && performance.now() - s.lastSampleAt < SAMPLE_EVERY_MS) return;
  s.sampleFlow ??= s.trainer.snapshot();
  const sampleFlow = s.sampleFlow;
  const samples = s.sampler.advance((n) => sampleFlow.sample(n, { rng: s.sampleRng }), SAMPLE_BUDGET_MS);
  if (samples !== null) {
    drawSamples(s, samples);
    s.sampleFlow = null;
  }
}

function showStats(s: Session): void {
  const last = s.trainer.history.at(-1);
  ui.epoch.textContent = String(s.trainer.epoch);
  ui.step.textContent = s.trainer.step.toLocaleString();
  ui.trainLogLik.textContent = format(last?.trainLogLik ?? NaN);
  ui.validationLogLik.textContent = format(last?.validationLogLik ?? NaN);
  ui.validationLogLik.dataset.value = String(last?.validationLogLik ?? NaN);
  ui.validationLogLik.dataset.first = String(s.firstValidation);
  ui.reference.textContent = format(s.reference);
  ui.speed.textContent = Math.round(s.trainer.rowsPerSecond).toLocaleString();
  drawCurve(ui.curveCanvas, s.trainer.history, s.reference);
}

function setStatus(text: string, kind: 'idle' | 'running' | 'error' = 'idle'): void {
  ui.status.textContent = text;
  ui.status.className = `status ${kind}`;
}

async function train(): Promise<void> {
  session ??= newSession();
  const s = session;
  running = true;
  ui.train.textContent = 'Stop';
  ui.train.classList.add('stop');
  setStatus('training…', 'running');
  while (running && session === s) {
    await nextFrame();
    if (!running || session !== s) break;
    try {
      const epochs = s.trainer.run(TRAIN_BUDGET_MS);
      if (epochs.length > 0 && Number.isNaN(s.firstValidation)) s.firstValidation = epochs[0].validationLogLik;
      advanceViews(s);
      if (epochs.length > 0) showStats(s);
      else ui.speed.textContent = Math.round(s.trainer.rowsPerSecond).toLocaleString();
    } catch (error) {
      running = false;
      setStatus(error instanceof Error ? error.message : String(error), 'error');
    }
  }
  if (session === s && ui.status.className !== 'status error') setStatus(`stopped after ${s.trainer.epoch} epochs`);
  ui.train.textContent = 'Train';
  ui.train.classList.remove('stop');
}

function reset(): void {
  running = false;
  session = newSession();
  showStats(session);
  setStatus('ready: press Train');
}

ui.train.addEventListener('click', () => {
  if (running) running = false;
  else void train();
});
ui.reset.addEventListener('click', reset);
for (const control of [ui.dataset, ui.flow, ui.size, ui.seed]) control.addEventListener('change', reset);

// The wasm backend where the browser runs WebAssembly SIMD, else the reference one (useBackend's browser order);
// chosen before the first flow is made, so that its parameters live in the backend's memory.
void useBackend().then((backend) => {
  document.body.dataset.backend = backend.name;
  reset();
});
