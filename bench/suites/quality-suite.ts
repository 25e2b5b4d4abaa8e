/**
 * The quality suite: held-out log-likelihood on real data (bench/data/), maflow against the plain PyTorch MAF on the
 * same seeded splits. maflow runs as a user runs it — `maflow train` with its defaults (plus `--validation-data`, so
 * that both libraries see the same validation rows, and the paper's 300-epoch cap), then `maflow logprob` on the test
 * rows — and also without the tighter log-scale bound, the weight average and batch norm in turn (maflow 0.2's
 * defaults last); PyTorch runs `quality_torch_plain.py` (the paper's protocol) on the same files. Per dataset,
 * configuration and seed: mean, median and worst test row, and wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeLogLikelihood } from '../../src/cli/log-likelihood-summary.ts';
import { readNpy } from '../../src/node.ts';
import { REAL_DATASETS, realSplit, writeSplit, type RealDataset } from '../lib/real-datasets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = [`--import`, import.meta.resolve('tsx'), path.join(ROOT, 'src', 'cli', 'main.ts')];

/** One configuration's outcome on one split. */
export interface QualityRun {
  dataset: RealDataset;
  seed: number;
  config: string;
  mean: number;
  median: number;
  worst: number;
  seconds: number;
}

export interface QualitySuiteOptions {
  datasets?: readonly RealDataset[];
  seeds?: readonly number[];
  /** PyTorch's interpreter and peer script, or null to run maflow only. */
  torch: { python: string; script: string; threads: number } | null;
  /** maflow's `train` flags per configuration name. */
  configs?: Readonly<Record<string, readonly string[]>>;
  log: (line: string) => void;
}

/** Today's defaults (log-scale bound 3, weight average, batch norm), then without each in turn: 0.2's defaults last. */
export const DEFAULT_QUALITY_CONFIGS: Readonly<Record<string, readonly string[]>> = {
  'maflow train (defaults)': [],
  'maflow train --log-scale-bound 5': ['--log-scale-bound', '5'],
  '… --ema-decay 0': ['--log-scale-bound', '5', '--ema-decay', '0'],
  '… --no-batch-norm (0.2 defaults)': ['--log-scale-bound', '5', '--ema-decay', '0', '--no-batch-norm'],
};

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.slice(-6).join(' ')} failed:\n${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** Mean, median and worst of per-row log-likelihoods (the CLI's own summary). */
export function summarizeRows(values: ArrayLike<number>): { mean: number; median: number; worst: number } {
  const { mean, median, worst } = summarizeLogLikelihood(values, 1);
  return { mean, median, worst };
}

/**
 * maflow `train` + `logprob` on one split with `flags`; returns per-row test log-likelihoods and the wall time.
 * `cli` is the `node` arguments that start maflow (default: its sources through tsx).
 */
export function runMaflowQuality(dir: string, files: { train: string; val: string; test: string }, seed: number,
  flags: readonly string[], tag: string, cli: readonly string[] = CLI): { rows: Float64Array; seconds: number } {
  const model = path.join(dir, `${tag}.safetensors`);
  const out = path.join(dir, `${tag}-test-ll.npy`);
  const env = { ...process.env };
  delete env.MAFLOW_BACKEND;
  const seconds = run(process.execPath, [...cli, 'train', files.train, '--validation-data', files.val, '--out', model,
    '--seed', String(seed), '--epochs', '300', ...flags], env)
    + run(process.execPath, [...cli, 'logprob', model, files.test, '--out', out], env);
  return { rows: Float64Array.from(readNpy(out).data), seconds };
}

export function runQualitySuite(options: QualitySuiteOptions): QualityRun[] {
  const results: QualityRun[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'maflow-quality-'));
  const configs = options.configs ?? DEFAULT_QUALITY_CONFIGS;
  try {
    for (const dataset of options.datasets ?? REAL_DATASETS) {
      for (const seed of options.seeds ?? [1, 2, 3]) {
        const dir = path.join(work, `${dataset}-s${seed}`);
        mkdirSync(dir);
        const files = writeSplit(realSplit(dataset, seed), dir);
        Object.entries(configs).forEach(([config, flags], i) => {
          const { rows, seconds } = runMaflowQuality(dir, files, seed, flags, `maflow${i}`);
          results.push({ dataset, seed, config, ...summarizeRows(rows), seconds });
          options.log(`# ${dataset} seed ${seed} ${config}: mean ${results.at(-1)!.mean.toFixed(3)}`);
        });
        if (options.torch !== null) {
          const saved = path.join(dir, 'torch-test-ll.npy');
          const seconds = run(options.torch.python, [options.torch.script, '--peer', 'torch_plain', '--hidden', '512',
            '--train', files.train, '--val', files.val, '--test', files.test, '--max-epochs', '300', '--seed', String(seed),
            '--threads', String(options.torch.threads), '--save-test-ll', saved]);
          const rows = readNpy(saved).data;
          results.push({ dataset, seed, config: 'PyTorch plain MAF', ...summarizeRows(rows), seconds });
          options.log(`# ${dataset} seed ${seed} PyTorch: mean ${results.at(-1)!.mean.toFixed(3)}`);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(2));

/** One table: dataset × configuration, means over seeds of each seed's mean/median/worst, and per-seed means. */
export function printQualityReport(results: readonly QualityRun[], print: (line: string) => void): void {
  print('Held-out log-likelihood on real data (nats per row, standardized units; higher is better). Per cell: the mean');
  print('over seeds of the test mean, median and worst row; then each seed\'s test mean; wall time per run.');
  print('| dataset | configuration | mean | median | worst row | per-seed means | s/run |');
  print('|---|---|---:|---:|---:|---|---:|');
  const keys = [...new Set(results.map((r) => `${r.dataset}\u0000${r.config}`))];
  for (const key of keys) {
    const [dataset, config] = key.split('\u0000');
    const runs = results.filter((r) => r.dataset === dataset && r.config === config);
    const avg = (f: (r: QualityRun) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;
    print(`| ${dataset} | ${config} | ${fmt(avg((r) => r.mean))} | ${fmt(avg((r) => r.median))} | ` +
      `${fmt(Math.min(...runs.map((r) => r.worst)))} | ${runs.map((r) => fmt(r.mean)).join(', ')} | ${avg((r) => r.seconds).toFixed(1)} |`);
  }
  for (const r of results) print(JSON.stringify({ bench: 'quality', ...r }));
}
