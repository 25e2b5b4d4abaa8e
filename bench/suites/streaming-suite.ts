/**
 * `npm run bench -- streaming`: `maflow logprob` as it streams (chunks in, chunks out) against the whole-file path it
 * replaced (read the file, score it, write the result), on the same model (maflow train's defaults: a MAF of 5 layers,
 * trained two epochs on 8-D synthetic data) and the same CSV and .npy files of 10⁵ to 10⁷ rows × 8 columns (10⁸ with
 * `--rows 100000000`: 7 GB of CSV), interleaved per file, each run in its own child process (`bench/logprob-child.ts`)
 * so that its peak RSS is its own. Reports rows/s, the streamed/whole-file ratio and both peaks; medians over rounds.
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
  streamed: Run;
  memory: Run;
}

/** Runs the suite; files live in a temporary directory removed at the end. */
export async function runStreamingSuite(options: StreamingSuiteOptions): Promise<StreamingResult[]> {
  const sizes = options.rows ?? (options.quick ? [1e5, 1e6] : [1e5, 1e6, 1e7]);
  const rounds = options.rounds ?? (options.quick ? 1 : 2);
  const dir = mkdtempSync(path.join(tmpdir(), 'maflow-bench-streaming-'));
  const at = (name: string): string => path.join(dir, name);
  try {
    writeData(at('train.csv'), 'csv', 5000, 1);
    const trained = await main(['train', at('train.csv'), '--out', at('m.safetensors'), '--epochs', '2', '--seed', '1'],
      { stdout: new TextBuffer(), stderr: new TextBuffer() });
    if (trained !== 0) throw new Error('streaming suite: training the model failed');
    const results: StreamingResult[] = [];
    for (const rows of sizes) {
      for (const format of ['csv', 'npy'] as const) {
        const file = at(`data-${rows}.${format}`);
        options.log(`# streaming: writing ${rows} rows of ${format}`);
        writeData(file, format, rows, 2);
        const streamed: Run[] = [];
        const memory: Run[] = [];
        for (let round = 0; round < rounds; round++) {
          for (const mode of round % 2 === 0 ? ['streamed', 'memory'] as const : ['memory', 'streamed'] as const) {
            const run = child(mode, at('m.safetensors'), file, at('out.npy'));
            options.log(`# streaming: ${rows} ${format} ${mode}: ${run.error ?? `${run.seconds.toFixed(1)} s, ${run.peakMiB.toFixed(0)} MiB`}`);
            (mode === 'streamed' ? streamed : memory).push(run);
          }
        }
        results.push({ rows, format, fileMB: statSync(file).size / 1e6, streamed: medianRun(streamed), memory: medianRun(memory) });
        rmSync(file);
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(mode: 'streamed' | 'memory', model: string, data: string, out: string): Run {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD, '--mode', mode, model, data, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
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
  print('## maflow logprob: streamed against the whole-file path it replaced (8 columns, MAF 5 layers, --out .npy)');
  print('| rows | format | file MB | streamed rows/s | whole-file rows/s | streamed / whole-file | streamed peak MiB | whole-file peak MiB |');
  print('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const rate = (run: Run): string => (run.error !== null ? `failed: ${run.error}` : (r.rows / run.seconds).toFixed(0));
    const ratio = r.streamed.error === null && r.memory.error === null ? `${(r.memory.seconds / r.streamed.seconds).toFixed(2)}` : '–';
    print(`| ${r.rows} | ${r.format} | ${r.fileMB.toFixed(0)} | ${rate(r.streamed)} | ${rate(r.memory)} | ${ratio} | ` +
      `${r.streamed.peakMiB.toFixed(0)} | ${r.memory.error === null ? r.memory.peakMiB.toFixed(0) : '–'} |`);
  }
  for (const r of results) print(JSON.stringify({ suite: 'streaming', ...extra, ...r }));
}
