/**
 * The `rss` suite: peak resident memory while training the miniboone config (D = 43, H = 512, 5 MADEs, batch 100)
 * for 1000 steps on 30k rows, each backend and the PyTorch peer in its own child process (`rss-child.ts`,
 * `torch-rss.py`) so that nothing else in the benchmark inflates the high-water mark. The reference backend trains
 * and the PyTorch peer train fewer steps (slow; memory does not grow with steps once the first ones are done).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchBackends } from '../lib/bench-backends.ts';
import { formatNumber, formatTable } from '../lib/format-table.ts';
import type { TorchPeer } from '../lib/torch-peer.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface RssSuiteOptions {
  quick: boolean;
  threads: number;
  backends: BenchBackends;
  torch: TorchPeer | null;
  log: (line: string) => void;
}

export interface RssRecord {
  who: string;
  steps: number;
  rows: number;
  ms_per_step: number;
  start_rss_mib: number;
  setup_rss_mib: number;
  max_rss_mib: number;
  loss_first: number;
  loss_last: number;
}

/** Runs the children; a child that fails gives a record with `error` and the suite goes on. */
export function runRssSuite(options: RssSuiteOptions): Array<RssRecord | { who: string; error: string }> {
  const rows = 30_000;
  const results: Array<RssRecord | { who: string; error: string }> = [];
  const nativeSteps = options.quick ? 100 : 1000;
  for (const backend of options.backends.names) {
    const steps = backend === 'reference' ? (options.quick ? 10 : 50) : nativeSteps;
    const args = [...process.execArgv, path.join(HERE, '..', 'rss-child.ts'), '--config', 'miniboone', '--steps', String(steps),
      '--rows', String(rows), '--backend', backend, '--threads', String(options.threads)];
    options.log(`# rss: maflow ${backend}, ${steps} steps …`);
    results.push(runChild(`maflow (${backend})`, process.execPath, args));
  }
  if (options.torch?.ok === true) {
    // The peak is reached within the first steps (steady-state allocator); on a loaded 2-core machine the peer can
    // take 0.3 s a step, so it trains fewer steps than maflow.
    const torchSteps = Math.min(nativeSteps, 200);
    const args = [path.join(HERE, '..', 'torch-rss.py'), '--peer-dir', path.dirname(options.torch.script), '--config', 'miniboone',
      '--steps', String(torchSteps), '--rows', String(rows), '--threads', String(options.threads)];
    options.log(`# rss: PyTorch, ${torchSteps} steps …`);
    results.push(runChild(`PyTorch ${options.torch.torchVersion}`, options.torch.python, args));
  }
  return results;
}

function runChild(who: string, command: string, args: string[]): RssRecord | { who: string; error: string } {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 4 * 1024 * 1024 });
  const line = run.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (run.status !== 0 || line === undefined) {
    const why = run.error?.message ?? run.stderr?.trim().split('\n').slice(-2).join(' / ') ?? 'no output';
    return { who, error: `exit ${run.status}: ${why}` };
  }
  return { who, ...(JSON.parse(line) as Omit<RssRecord, 'who'>) };
}

/** The rss table and one JSON line per child. */
export function printRssReport(results: Array<RssRecord | { who: string; error: string }>, print: (text: string) => void): void {
  const header = ['miniboone training', 'steps', 'ms/step', 'RSS at start MiB', 'RSS after setup MiB', 'peak RSS MiB', 'loss first → last'];
  const rows = results.map((r) => ('error' in r
    ? [r.who, '–', '–', '–', '–', '–', `error: ${r.error}`]
    : [r.who, String(r.steps), formatNumber(r.ms_per_step), formatNumber(r.start_rss_mib), formatNumber(r.setup_rss_mib),
      formatNumber(r.max_rss_mib), `${formatNumber(r.loss_first)} → ${formatNumber(r.loss_last)}`]));
  print(formatTable(header, rows));
  for (const r of results) print(JSON.stringify({ bench: 'maflow-rss', ...r }));
}
