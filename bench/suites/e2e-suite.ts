/**
 * `npm run bench -- e2e`: maflow as a user runs it against a PyTorch script doing the same job (`bench/torch_e2e.py`,
 * the plain PyTorch MAF of ../shared/peers), whole processes timed from start to exit, interleaved per round:
 * - train: the miniboone-sized MAF (K = 5 MADEs of 2 × 512, no batch norm in either, batch 100, Adam 1e-4, 2 epochs,
 *   10 % validation scored after every epoch, best parameters kept and saved) on a 30,000 × 43 table: `maflow train`
 *   reads the CSV, the script the same values from .npy;
 * - logprob: the trained model scores 10⁶ rows (10⁵ with --quick) of 43 columns and writes one float64 per row to
 *   .npy: `maflow logprob` from the CSV and from the .npy, the script from the .npy (load, standardize, score, write).
 * Where maflow's wall time goes is reported beside it: node's own start, the CLI's start (`train --help`), and train's
 * fit seconds (from its --json summary) against its wall time; the script reports its phases itself. maflow runs as
 * the compiled CLI (`bin/maflow.js`), so the suite refuses to run on a dist/ older than a source file (`npm run build`
 * first): it would time the code of the last build.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.ts';
import { encodeNpyHeader } from '../../src/io/npy.ts';
import { median } from '../lib/median.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAFLOW = path.join(ROOT, 'bin', 'maflow.js');
const TORCH_SCRIPT = path.join(ROOT, 'bench', 'torch_e2e.py');
const FEATURES = 43;
const TRAIN_ROWS = 30_000;
const ARCHITECTURE = ['--layers', '5', '--hidden', '512,512', '--no-batch-norm', '--batch-size', '100', '--epochs', '2', '--seed', '1'];

export interface E2eSuiteOptions {
  quick: boolean;
  rounds: number | undefined;
  python: string;
  peerDir: string;
  threads: number;
  log: (line: string) => void;
}

/** One timed process: wall seconds, and what it reported about itself. */
interface Timed {
  seconds: number;
  report: Record<string, unknown> | null;
  error: string | null;
}

export interface E2eResult {
  scoreRows: number;
  nodeStart: number;
  cliStart: number;
  train: { maflow: Timed; torch: Timed };
  logprob: { maflowCsv: Timed; maflowNpy: Timed; torch: Timed };
}

/** @throws when dist/ is missing or older than a file of src/ (the CLI would run the last build's code). */
function checkBuild(): void {
  const built = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(built)) throw new Error(`bench e2e: ${path.relative(ROOT, built)} is missing: run npm run build first`);
  const builtAt = statSync(built).mtimeMs;
  const src = path.join(ROOT, 'src');
  const newer = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name))
    .find((file) => statSync(file).mtimeMs > builtAt);
  if (newer !== undefined) {
    throw new Error(`bench e2e: ${path.relative(ROOT, newer)} is newer than dist/ (the CLI runs dist/): run npm run build first`);
  }
}

/** Runs the suite in a temporary directory (removed at the end). */
export function runE2eSuite(options: E2eSuiteOptions): E2eResult {
  checkBuild();
  const scoreRows = options.quick ? 100_000 : 1_000_000;
  const rounds = options.rounds ?? 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'maflow-bench-e2e-'));
  const at = (name: string): string => path.join(dir, name);
  try {
    options.log('# e2e: writing the data');
    for (const format of ['csv', 'npy'] as const) {
      writeData(at(`train.${format}`), format, TRAIN_ROWS, 1);
      writeData(at(`score.${format}`), format, scoreRows, 2);
    }
    const env = { ...process.env, OMP_NUM_THREADS: String(options.threads) };
    const torch = (args: string[]): Timed => timed(options.python, [TORCH_SCRIPT, ...args, '--peer-dir', options.peerDir, '--threads', String(options.threads)], env, 'json');
    const maflow = (args: string[], report: 'json' | 'none'): Timed => timed(process.execPath, [MAFLOW, ...args], env, report);
    const runs: Record<'nodeStart' | 'cliStart' | 'trainMaflow' | 'trainTorch' | 'csv' | 'npy' | 'torchScore', Timed[]> = {
      nodeStart: [], cliStart: [], trainMaflow: [], trainTorch: [], csv: [], npy: [], torchScore: [],
    };
    for (let round = 0; round < rounds; round++) {
      runs.nodeStart.push(timed(process.execPath, ['-e', '0'], env, 'none'));
      runs.cliStart.push(maflow(['train', '--help'], 'none'));
      const trainPair = [
        (): void => { runs.trainMaflow.push(maflow(['train', at('train.csv'), '--out', at('m.safetensors'), ...ARCHITECTURE, '--json'], 'json')); },
        (): void => { runs.trainTorch.push(torch(['train', '--data', at('train.npy'), '--model', at('t.pt'), '--epochs', '2', '--seed', '1'])); },
      ];
      for (const run of round % 2 === 0 ? trainPair : trainPair.reverse()) run();
      options.log(`# e2e: train round ${round + 1}: maflow ${describe(runs.trainMaflow.at(-1)!)}, PyTorch ${describe(runs.trainTorch.at(-1)!)}`);
      const scorePair = [
        (): void => { runs.csv.push(maflow(['logprob', at('m.safetensors'), at('score.csv'), '--out', at('lp.npy')], 'none')); },
        (): void => { runs.npy.push(maflow(['logprob', at('m.safetensors'), at('score.npy'), '--out', at('lp.npy')], 'none')); },
        (): void => { runs.torchScore.push(torch(['logprob', '--data', at('score.npy'), '--model', at('t.pt'), '--out', at('tlp.npy')])); },
      ];
      for (const run of round % 2 === 0 ? scorePair : scorePair.reverse()) run();
      options.log(`# e2e: logprob round ${round + 1}: maflow csv ${describe(runs.csv.at(-1)!)}, npy ${describe(runs.npy.at(-1)!)}, ` +
        `PyTorch ${describe(runs.torchScore.at(-1)!)}`);
    }
    return {
      scoreRows, nodeStart: median(runs.nodeStart.map((r) => r.seconds)), cliStart: median(runs.cliStart.map((r) => r.seconds)),
      train: { maflow: medianRun(runs.trainMaflow), torch: medianRun(runs.trainTorch) },
      logprob: { maflowCsv: medianRun(runs.csv), maflowNpy: medianRun(runs.npy), torch: medianRun(runs.torchScore) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a process to its end; `report: 'json'` reads the last JSON object line of its stdout. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, report: 'json' | 'none'): Timed {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    return { seconds: NaN, report: null, error: (result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`).slice(0, 200) };
  }
  if (report === 'none') return { seconds, report: null, error: null };
  const line = result.stdout.trim().split('\n').reverse().find((text) => text.startsWith('{')) ?? '';
  try {
    return { seconds, report: JSON.parse(line) as Record<string, unknown>, error: null };
  } catch {
    return { seconds, report: null, error: `no JSON report on stdout: ${line.slice(0, 100)}` };
  }
}

/** The run of median wall time (its own report with it). */
function medianRun(runs: readonly Timed[]): Timed {
  const failed = runs.find((run) => run.error !== null);
  if (failed !== undefined) return failed;
  const seconds = median(runs.map((run) => run.seconds));
  return runs.reduce((best, run) => (Math.abs(run.seconds - seconds) < Math.abs(best.seconds - seconds) ? run : best));
}

function describe(run: Timed): string {
  return run.error ?? `${run.seconds.toFixed(1)} s`;
}

/** `rows` × 43 correlated normal columns (a random lower-triangular mixing, different means), CSV (6 decimals) or float64 .npy. */
function writeData(file: string, format: 'csv' | 'npy', rows: number, seed: number): void {
  const mixing = new Rng(7);
  const lower = Float64Array.from({ length: FEATURES * FEATURES }, (_, i) => {
    const [r, c] = [Math.floor(i / FEATURES), i % FEATURES];
    return c > r ? 0 : c === r ? 1 : 0.3 * mixing.normal();
  });
  const rng = new Rng(seed);
  const fd = openSync(file, 'w');
  try {
    if (format === 'csv') writeSync(fd, `${Array.from({ length: FEATURES }, (_, c) => `x${c}`).join(',')}\n`);
    else writeSync(fd, encodeNpyHeader({ rows, cols: FEATURES, dtype: 'float64' }));
    const block = 8192;
    const z = new Float64Array(FEATURES);
    const values = new Float64Array(block * FEATURES);
    for (let start = 0; start < rows; start += block) {
      const n = Math.min(block, rows - start);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < FEATURES; c++) z[c] = rng.normal();
        for (let c = 0; c < FEATURES; c++) {
          let sum = 0.5 * c;
          for (let k = 0; k <= c; k++) sum += lower[c * FEATURES + k] * z[k];
          values[r * FEATURES + c] = sum;
        }
      }
      if (format === 'npy') {
        writeSync(fd, new Uint8Array(values.buffer, 0, n * FEATURES * 8));
        continue;
      }
      const lines: string[] = [];
      for (let r = 0; r < n; r++) lines.push(Array.from(values.subarray(r * FEATURES, (r + 1) * FEATURES), (v) => v.toFixed(6)).join(','));
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

export function printE2eReport(result: E2eResult, extra: Record<string, unknown>, print: (line: string) => void): void {
  const { train, logprob } = result;
  const ratio = (torch: Timed, maflow: Timed): string =>
    (torch.error === null && maflow.error === null ? `${(torch.seconds / maflow.seconds).toFixed(2)}×` : '–');
  const seconds = (run: Timed): string => run.error ?? `${run.seconds.toFixed(2)} s`;
  print('## end to end as a user runs it: whole processes, wall time (speed-up > 1: maflow is faster)');
  print('| job | maflow | PyTorch script | speed-up |');
  print('|---|---|---|---|');
  print(`| train 30000 × 43 CSV (PyTorch: .npy), MAF 5 × [512, 512], batch 100, 2 epochs | ${seconds(train.maflow)} | ${seconds(train.torch)} | ${ratio(train.torch, train.maflow)} |`);
  print(`| logprob ${result.scoreRows} × 43 from CSV (PyTorch: .npy) to .npy | ${seconds(logprob.maflowCsv)} | ${seconds(logprob.torch)} | ${ratio(logprob.torch, logprob.maflowCsv)} |`);
  print(`| logprob ${result.scoreRows} × 43 from .npy to .npy | ${seconds(logprob.maflowNpy)} | ${seconds(logprob.torch)} | ${ratio(logprob.torch, logprob.maflowNpy)} |`);
  const fit = Number(train.maflow.report?.trainingSeconds);
  print('');
  print(`# where maflow train's wall time goes: node start ${result.nodeStart.toFixed(2)} s; CLI start (train --help) ` +
    `${result.cliStart.toFixed(2)} s; fit (steps + validation) ${Number.isFinite(fit) ? fit.toFixed(2) : '?'} s; the rest ` +
    `(data, worker, standardization, training log-densities, writing) ${Number.isFinite(fit) ? (train.maflow.seconds - fit - result.cliStart).toFixed(2) : '?'} s`);
  print(`# PyTorch train phases (s): ${JSON.stringify(train.torch.report?.phases ?? null)}`);
  print(`# PyTorch logprob phases (s): ${JSON.stringify(logprob.torch.report?.phases ?? null)}`);
  print(JSON.stringify({ suite: 'e2e', ...extra, ...result }));
}
