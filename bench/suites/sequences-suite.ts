/**
 * `npm run bench -- sequences`: the temporal MAF (LSTM 64 units, MAF 5×[64, 64], conditional-normal base) on
 * sequences of 50 steps × 4 features against the plain PyTorch temporal MAF of the same architecture
 * (`bench/torch_temporal_maf.py`), run in the same invocation: train ms/step on batches of 100 sequences (zero the
 * gradients, `logProbTrain`, BPTT, one Adam step) and log-prob sequences/s (chunks of 500). Medians.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.ts';
import { gatherSequences, type Sequences } from '../../src/core/sequences.ts';
import { createTemporalMaf } from '../../src/flows/create-temporal-maf.ts';
import type { TemporalMaf } from '../../src/flows/temporal-maf.ts';
import { parameterCount } from '../../src/nn/parameter.ts';
import { BenchAdam } from '../lib/bench-adam.ts';
import type { BenchBackends } from '../lib/bench-backends.ts';
import { useBackend } from '../lib/bench-backends.ts';
import { median } from '../lib/median.ts';
import type { TorchPeer } from '../lib/torch-peer.ts';

/** The PyTorch temporal MAF beside this suite. */
const TORCH_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'torch_temporal_maf.py');

/** The benchmark's configuration (the issue's): steps, features, encoder units, MAF layers and widths, batch. */
const CONFIG = { steps: 50, features: 4, units: 64, layers: 5, hidden: [64, 64], batch: 100, sequences: 2000, chunk: 500 };

export interface SequencesSuiteOptions {
  quick: boolean;
  /** Interleaved maflow/PyTorch rounds; medians over rounds. @default 3 (quick: 1) */
  rounds?: number;
  threads: number;
  backends: BenchBackends;
  torch: TorchPeer | null;
  log: (line: string) => void;
}

export interface SequencesResult {
  backend: string;
  params: number;
  trainStepMs: number;
  logProbSequencesPerSecond: number;
  finite: boolean;
  torch: { train_step_ms: number; logprob_sequences_per_s: number; params: number } | { error: string } | null;
  rounds: number;
}

/** AR(1) sequences `[n, T, F]`, as the PyTorch side draws them. */
function arSequences(n: number, rng: Rng): Sequences {
  const { steps, features } = CONFIG;
  const data = new Float32Array(n * steps * features);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: features }, () => rng.normal());
    for (let t = 0; t < steps; t++) {
      for (let f = 0; f < features; f++) {
        x[f] = 0.8 * x[f] + 0.5 * rng.normal();
        data[(i * steps + t) * features + f] = x[f];
      }
    }
  }
  return { count: n, steps, features, data, lengths: null };
}

function timeTrain(model: TemporalMaf, data: Sequences, warmup: number, steps: number): { ms: number; finite: boolean } {
  const rng = new Rng(1);
  const adam = new BenchAdam(model, { lr: 1e-4 });
  const dLogProb = new Float64Array(CONFIG.batch).fill(-1 / CONFIG.batch);
  const times: number[] = [];
  let finite = true;
  model.train(true);
  for (let i = 0; i < warmup + steps; i++) {
    const batch = gatherSequences(data, Int32Array.from({ length: CONFIG.batch }, () => rng.int(data.count)));
    const start = performance.now();
    adam.zeroGrad();
    const pass = model.logProbTrain(batch);
    pass.backward(dLogProb);
    adam.step();
    const elapsed = performance.now() - start;
    finite = finite && pass.logProb.every(Number.isFinite);
    if (i >= warmup) times.push(elapsed);
  }
  model.train(false);
  return { ms: median(times), finite };
}

function timeLogProb(model: TemporalMaf, data: Sequences, repeats: number): number {
  model.logProb(gatherSequences(data, Int32Array.from({ length: 64 }, (_, i) => i)));
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let s = 0; s < data.count; s += CONFIG.chunk) {
      model.logProb(gatherSequences(data, Int32Array.from({ length: Math.min(CONFIG.chunk, data.count - s) }, (_, i) => s + i)));
    }
    times.push((performance.now() - start) / 1e3);
  }
  return data.count / median(times);
}

function runTorch(peer: TorchPeer & { ok: true }, options: SequencesSuiteOptions): SequencesResult['torch'] {
  const args = [TORCH_SCRIPT, '--threads', String(options.threads), '--steps-per-sequence', String(CONFIG.steps),
    '--features', String(CONFIG.features), '--units', String(CONFIG.units), '--layers', String(CONFIG.layers),
    '--hidden', CONFIG.hidden.join(','), '--batch', String(CONFIG.batch), '--train-steps', options.quick ? '5' : '20',
    '--logprob-sequences', String(options.quick ? 500 : CONFIG.sequences), '--chunk', String(CONFIG.chunk), '--repeats', options.quick ? '1' : '3'];
  const run = spawnSync(peer.python, args, { encoding: 'utf8', timeout: 900_000 });
  if (run.error !== undefined) return { error: `PyTorch temporal MAF did not run: ${run.error.message}` };
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) return { error: `PyTorch temporal MAF gave no record (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-2).join(' / ')}` };
  return JSON.parse(line) as SequencesResult['torch'];
}

/**
 * Interleaved rounds (PyTorch, then maflow on each backend), so that both sides see the same machine load; every
 * figure is the median over rounds of per-round medians.
 */
export function runSequencesSuite(options: SequencesSuiteOptions): SequencesResult[] {
  const data = arSequences(options.quick ? 500 : CONFIG.sequences, new Rng(0));
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const torchRuns: NonNullable<SequencesResult['torch']>[] = [];
  const ours = new Map<string, { params: number; train: number[]; logProb: number[]; finite: boolean }>();
  for (let round = 0; round < rounds; round++) {
    if (options.torch?.ok === true) {
      options.log(`# sequences: round ${round + 1}/${rounds}: PyTorch`);
      const run = runTorch(options.torch, options);
      if (run !== null) torchRuns.push(run);
    }
    for (const backend of options.backends.names) {
      useBackend(backend);
      options.log(`# sequences: round ${round + 1}/${rounds}: maflow on ${backend}`);
      const model = createTemporalMaf({
        features: CONFIG.features, layers: CONFIG.layers, hiddenUnits: CONFIG.hidden, encoder: 'lstm', encoderUnits: CONFIG.units, rng: new Rng(0),
      });
      const train = timeTrain(model, data, 3, options.quick ? 5 : 20);
      const entry = ours.get(backend) ?? { params: parameterCount(model), train: [], logProb: [], finite: true };
      entry.train.push(train.ms);
      entry.logProb.push(timeLogProb(model, data, options.quick ? 1 : 3));
      entry.finite = entry.finite && train.finite;
      ours.set(backend, entry);
    }
  }
  const good = torchRuns.filter((r): r is Exclude<typeof r, { error: string }> => !('error' in r));
  const torch: SequencesResult['torch'] = good.length > 0
    ? { ...good[0], train_step_ms: median(good.map((r) => r.train_step_ms)), logprob_sequences_per_s: median(good.map((r) => r.logprob_sequences_per_s)) }
    : torchRuns[0] ?? null;
  return [...ours].map(([backend, e]) => ({
    backend, params: e.params, trainStepMs: median(e.train), logProbSequencesPerSecond: median(e.logProb), finite: e.finite, torch, rounds,
  }));
}

/** The table and one JSON line per backend. */
export function printSequencesReport(results: readonly SequencesResult[], extra: Record<string, unknown>, print: (line: string) => void): void {
  print(`## temporal MAF: steps ${CONFIG.steps}, features ${CONFIG.features}, LSTM ${CONFIG.units}, MAF ${CONFIG.layers}×[${CONFIG.hidden.join(', ')}], ` +
    `batch ${CONFIG.batch} sequences`);
  print('| backend | params | train ms/step | PyTorch ms/step | speed-up | log-prob seq/s | PyTorch seq/s | speed-up |');
  print('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const t = r.torch !== null && !('error' in r.torch) ? r.torch : null;
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
    print(`| ${r.backend} | ${r.params} | ${r.trainStepMs.toFixed(1)} | ${t?.train_step_ms.toFixed(1) ?? '–'} | ${ratio(t?.train_step_ms, r.trainStepMs)} ` +
      `| ${r.logProbSequencesPerSecond.toFixed(0)} | ${t?.logprob_sequences_per_s.toFixed(0) ?? '–'} | ${ratio(r.logProbSequencesPerSecond, t?.logprob_sequences_per_s)} |`);
  }
  for (const r of results) {
    if (r.torch !== null && 'error' in r.torch) print(`# PyTorch: ${r.torch.error}`);
    print(JSON.stringify({ suite: 'sequences', ...CONFIG, ...extra, ...r }));
  }
}
