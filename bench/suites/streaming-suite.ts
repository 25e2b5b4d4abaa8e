/**
 * `npm run bench -- streaming`: `maflow logprob` as it streams (chunks in, chunks out) against the whole-file path it
 * replaced (read the file, score it, write the result), on the same model (maflow train's defaults: a MAF of 5 layers,
 * trained two epochs on 8-D synthetic data) and the same CSV and .npy files of 10⁵ to 10⁷ rows × 8 columns (10⁸ with
 * `--configs 100000000`: 7 GB of CSV), interleaved per file, each run in its own process (the compiled CLI, or
 * `bench/logprob-child.ts` for the whole-file path: see `child`) so that its peak RSS is its own. Reports rows/s, the
 * streamed/whole-file ratio and both peaks; medians over rounds.
 *
 * Then rows/s against file size (10⁵ to 10⁸ rows with `--configs 100000,1000000,10000000,100000000`): a light MAF
 * (1 layer of [64, 64]), for which reading and parsing are most of the work, streamed with the CSV parse workers
 * (`defaultParseThreads`) and without them (`MAFLOW_PARSE_THREADS=0`: parsing and scoring take turns on one thread), with peaks.
 * The whole-file comparison runs up to 10⁷ rows (it holds the file: 10⁸ rows would need ~13 GB), up to 10⁶ with --quick.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.ts';
import { TextBuffer } from '../../src/cli/cli-io.ts';
import { main } from '../../src/cli/run.ts';
import { encodeNpyHeader } from '../../src/io/npy.ts';
import { median } from '../lib/median.ts';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'logprob-child.ts');
const MAFLOW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'maflow.js');
const COLUMNS = 8;

export interface StreamingSuiteOptions {
  quick: boolean;
  rounds: number | undefined;
  /** Row counts (default 10⁵, 10⁶, 10⁷; quick 10⁵, 10⁶). */
  rows?: readonly number[];
  log: (line: string) => void;
}

interface Run {
  seconds: number;
  peakMiB: number;
  error: string | null;
}

export interface StreamingResult {
  rows: number;
  format: 'csv' | 'npy';
  fileMB: number;
  /** maflow train's default MAF, streamed and whole-file (rows ≤ 10⁷). */
  streamed: Run | null;
  memory: Run | null;
  /** The light MAF, streamed with parse workers and without (CSV only). */
  light: Run;
  lightSerial: Run | null;
}

/** The largest file the whole-file path is run on. */
const MEMORY_MAX_ROWS = 10_000_000;

/** Runs the suite; files live in a temporary directory removed at the end. */
export async function runStreamingSuite(options: StreamingSuiteOptions): Promise<StreamingResult[]> {
  const sizes = options.rows ?? (options.quick ? [1e5, 1e6] : [1e5, 1e6, 1e7]);
  const rounds = options.rounds ?? (options.quick ? 1 : 2);
  const dir = mkdtempSync(path.join(tmpdir(), 'maflow-bench-streaming-'));
  const at = (name: string): string => path.join(dir, name);
  try {
    writeData(at('train.csv'), 'csv', 5000, 1);
    for (const [model, flags] of [['m', []], ['light', ['--layers', '1', '--hidden', '64,64']]] as const) {
      const trained = await main(['train', at('train.csv'), '--out', at(`${model}.safetensors`), '--epochs', '2', '--seed', '1', ...flags],
        { stdout: new TextBuffer(), stderr: new TextBuffer() });
      if (trained !== 0) throw new Error(`streaming suite: training the ${model} model failed`);
    }
    const results: StreamingResult[] = [];
    for (const rows of sizes) {
      for (const format of ['csv', 'npy'] as const) {
        const file = at(`data-${rows}.${format}`);
        options.log(`# streaming: writing ${rows} rows of ${format}`);
        writeData(file, format, rows, 2);
        const runs: Record<'streamed' | 'memory' | 'light' | 'lightSerial', Run[]> = { streamed: [], memory: [], light: [], lightSerial: [] };
        const plan: [keyof typeof runs, () => Run][] = [
          ['light', () => child('streamed', at('light.safetensors'), file, at('out.npy'))],
          ...(format === 'csv' ? [['lightSerial', () => child('streamed', at('light.safetensors'), file, at('out.npy'), { MAFLOW_PARSE_THREADS: '0' })] as [keyof typeof runs, () => Run]] : []),
          ...(rows <= (options.quick ? MEMORY_MAX_ROWS / 10 : MEMORY_MAX_ROWS) ? [
            ['streamed', () => child('streamed', at('m.safetensors'), file, at('out.npy'))],
            ['memory', () => child('memory', at('m.safetensors'), file, at('out.npy'))],
          ] as [keyof typeof runs, () => Run][] : []),
        ];
        for (let round = 0; round < rounds; round++) {
          for (const [mode, run] of round % 2 === 0 ? plan : [...plan].reverse()) {
            const result = run();
            options.log(`# streaming: ${rows} ${format} ${mode}: ${result.error ?? `${result.seconds.toFixed(1)} s, ${result.peakMiB.toFixed(0)} MiB`}`);
            runs[mode].push(result);
          }
        }
        const or = (list: Run[]): Run | null => (list.length === 0 ? null : medianRun(list));
        results.push({ rows, format, fileMB: statSync(file).size / 1e6, streamed: or(runs.streamed), memory: or(runs.memory),
          light: medianRun(runs.light), lightSerial: or(runs.lightSerial) });
        rmSync(file);
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One scoring run in its own process. Streamed: the compiled CLI as a user runs it (`bin/maflow.js logprob … --out`,
 * so its parse workers start as they do for users, not through tsx; `npm run build` first), its wall time from start
 * to exit and its peak RSS from GNU time. Whole-file: `bench/logprob-child.ts`, timed from after its imports.
 */
function child(mode: 'streamed' | 'memory', model: string, data: string, out: string, env: Record<string, string> = {}): Run {
  const options = { encoding: 'utf8' as const, maxBuffer: 1 << 24, env: { ...process.env, ...env } };
  if (mode === 'streamed') {
    const started = performance.now();
    const result = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, MAFLOW, 'logprob', model, data, '--out', out], options);
    const seconds = (performance.now() - started) / 1000;
    const lines = result.stderr.trim().split('\n');
    const maxrss = /^maxrss (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (result.status !== 0 || maxrss === null) {
      return { seconds: NaN, peakMiB: NaN, error: (lines.filter((line) => !line.startsWith('maxrss')).pop() ?? `exit ${result.status}`).slice(0, 200) };
    }
    return { seconds, peakMiB: Number(maxrss[1]) / 1024, error: null };
  }
  const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD, '--mode', mode, model, data, out], options);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Run;
  } catch {
    return { seconds: NaN, peakMiB: NaN, error: (result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`).slice(0, 200) };
  }
}

function medianRun(runs: readonly Run[]): Run {
  const error = runs.find((run) => run.error !== null)?.error ?? null;
  return { seconds: median(runs.map((run) => run.seconds)), peakMiB: median(runs.map((run) => run.peakMiB)), error };
}

/** `rows` × 8 normal columns with different means, as CSV (6 decimals) or float64 .npy, written a block at a time. */
function writeData(file: string, format: 'csv' | 'npy', rows: number, seed: number): void {
  const rng = new Rng(seed);
  const fd = openSync(file, 'w');
  try {
    if (format === 'csv') writeSync(fd, `${Array.from({ length: COLUMNS }, (_, c) => `x${c}`).join(',')}\n`);
    else writeSync(fd, encodeNpyHeader({ rows, cols: COLUMNS, dtype: 'float64' }));
    const block = 65536;
    const values = new Float64Array(block * COLUMNS);
    for (let start = 0; start < rows; start += block) {
      const n = Math.min(block, rows - start);
      for (let i = 0; i < n * COLUMNS; i++) values[i] = rng.normal() + (i % COLUMNS);
      if (format === 'npy') {
        writeSync(fd, new Uint8Array(values.buffer, 0, n * COLUMNS * 8));
        continue;
      }
      const lines: string[] = [];
      for (let r = 0; r < n; r++) lines.push(Array.from(values.subarray(r * COLUMNS, (r + 1) * COLUMNS), (v) => v.toFixed(6)).join(','));
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

export function printStreamingReport(results: readonly StreamingResult[], extra: Record<string, unknown>, print: (line: string) => void): void {
  const rate = (rows: number, run: Run | null): string => (run === null ? '–' : run.error !== null ? `failed: ${run.error}` : (rows / run.seconds).toFixed(0));
  const peak = (run: Run | null): string => (run === null || run.error !== null ? '–' : run.peakMiB.toFixed(0));
  const ratio = (slow: Run | null, fast: Run | null): string =>
    (slow === null || fast === null || slow.error !== null || fast.error !== null ? '–' : (slow.seconds / fast.seconds).toFixed(2));
  const compared = results.filter((r) => r.streamed !== null);
  if (compared.length > 0) {
    print('## maflow logprob: streamed against the whole-file path it replaced (8 columns, MAF 5 layers, --out .npy)');
    print('| rows | format | file MB | streamed rows/s | whole-file rows/s | streamed / whole-file | streamed peak MiB | whole-file peak MiB |');
    print('|---|---|---|---|---|---|---|---|');
    for (const r of compared) {
      print(`| ${r.rows} | ${r.format} | ${r.fileMB.toFixed(0)} | ${rate(r.rows, r.streamed)} | ${rate(r.rows, r.memory)} | ${ratio(r.memory, r.streamed)} | ` +
        `${peak(r.streamed)} | ${peak(r.memory)} |`);
    }
    print('');
  }
  print('## rows/s against file size: a light MAF (1 layer of [64, 64]), streamed; CSV with the parse workers and without (MAFLOW_PARSE_THREADS=0)');
  print('| rows | format | file MB | rows/s | MB/s | peak MiB | rows/s, no parse workers | peak MiB | parse workers speed-up |');
  print('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const mbs = r.light.error === null ? (r.fileMB / r.light.seconds).toFixed(0) : '–';
    print(`| ${r.rows} | ${r.format} | ${r.fileMB.toFixed(0)} | ${rate(r.rows, r.light)} | ${mbs} | ${peak(r.light)} | ${rate(r.rows, r.lightSerial)} | ` +
      `${peak(r.lightSerial)} | ${ratio(r.lightSerial, r.light)} |`);
  }
  for (const r of results) print(JSON.stringify({ suite: 'streaming', ...extra, ...r }));
}
