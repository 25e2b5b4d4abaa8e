/**
 * The PyTorch reference peer (`../shared/peers/bench_torch_plain.py`), run as a child process with Debian's
 * interpreter. One call benchmarks one config and returns the harness's JSON record. A missing interpreter, torch or
 * script is reported by `findTorchPeer` once; a failing run returns `{ error }` instead of throwing, so the
 * benchmark always finishes with maflow's numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the peer lives by default: the shared folder beside the repository. */
export const DEFAULT_PEER_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..',
  'shared', 'peers', 'bench_torch_plain.py');

/** Debian's interpreter, which has `python3-torch`. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

export type TorchPeer =
  | { readonly ok: true; readonly python: string; readonly script: string; readonly torchVersion: string }
  | { readonly ok: false; readonly reason: string };

/** Checks that the interpreter, torch and the peer script are all there. */
export function findTorchPeer(python = DEFAULT_PYTHON, script = DEFAULT_PEER_SCRIPT): TorchPeer {
  if (!existsSync(script)) return { ok: false, reason: `peer script ${script} not found` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (probe.error !== undefined) return { ok: false, reason: `${python} cannot be run (${probe.error.message})` };
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? '';
    return { ok: false, reason: `PyTorch is not installed for ${python} (${last}); install: apt-get install -y python3-torch python3-numpy` };
  }
  return { ok: true, python, script, torchVersion: probe.stdout.trim() };
}

/** The harness's per-config record (fields used here; the rest is passed through into the JSON line). */
export interface TorchRecord {
  readonly config: string;
  readonly params: number;
  readonly train_step_ms: number;
  readonly logprob_rows_per_s: number;
  readonly sample_rows_per_s: number;
  readonly [field: string]: unknown;
}

/** What the peer is asked to do; names follow the harness's command-line flags. */
export interface TorchRunOptions {
  threads: number;
  steps: number;
  warmup: number;
  logprobRows: number;
  chunk: number;
  repeats: number;
  sampleRows: number;
  sampleRepeats: number;
  seed: number;
  /** Kill the child after this many seconds. @default 600 */
  timeoutSeconds?: number;
}

/** Benchmarks `config` in a fresh peer process. */
export function runTorchPeer(peer: TorchPeer & { ok: true }, config: string, options: TorchRunOptions):
  TorchRecord | { error: string } {
  const args = [peer.script, '--configs', config, '--threads', String(options.threads),
    '--steps', String(options.steps), '--warmup', String(options.warmup),
    '--logprob-rows', String(options.logprobRows), '--chunk', String(options.chunk),
    '--repeats', String(options.repeats), '--sample-rows', String(options.sampleRows),
    '--sample-repeats', String(options.sampleRepeats), '--seed', String(options.seed)];
  const run = spawnSync(peer.python, args, {
    encoding: 'utf8', timeout: (options.timeoutSeconds ?? 600) * 1e3, maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error !== undefined) return { error: `PyTorch peer did not run: ${run.error.message}` };
  const record = parseTorchOutput(run.stdout, config);
  if (record !== null) return record;
  const tail = run.stderr.trim().split('\n').slice(-3).join(' / ');
  return { error: `PyTorch peer gave no record for ${config} (exit ${run.status}): ${tail}` };
}

/** The record for `config` among the JSON lines of the peer's stdout; null when absent or an error record. */
export function parseTorchOutput(stdout: string, config: string): TorchRecord | { error: string } | null {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (parsed.config !== config) continue;
    if (typeof parsed.error === 'string') return { error: `PyTorch peer: ${parsed.error}` };
    if (typeof parsed.skipped === 'string') return { error: `PyTorch peer skipped: ${parsed.skipped}` };
    if (typeof parsed.train_step_ms === 'number') return parsed as TorchRecord;
  }
  return null;
}
