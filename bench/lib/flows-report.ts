/**
 * The per-config results of the `flows`/`train` suites and how they are reported: one table (config, metric,
 * maflow per backend, PyTorch, speed-up) plus a GFLOP/s table, and one JSON line per config with everything.
 * Speed-up is always "times faster than PyTorch" (> 1: maflow wins): `torch_ms / maflow_ms` for train steps,
 * `maflow_rows_per_s / torch_rows_per_s` for throughputs.
 */
import type { BenchConfig } from './configs.ts';
import { formatNumber, formatTable } from './format-table.ts';
import type { RunPlan } from './run-plan.ts';

export interface BackendSummary {
  backend: 'reference' | 'native';
  plan: RunPlan;
  trainStepMs: number;
  /** Per-round medians (the reported value is their median). */
  trainStepMsRounds: number[];
  trainStepMsP10: number;
  trainStepMsP90: number;
  logprobRowsPerS: number | null;
  sampleRowsPerS: number | null;
  lossFirst: number;
  lossLast: number;
  finite: boolean;
  gflopsTrain: number;
  gflopsLogprob: number | null;
  /** Dense GEMM `[B, H]·[H, H]` on the same backend in the same run. */
  denseGflopsTrain: number;
  /** Dense GEMM `[chunk, H]·[H, H]`. */
  denseGflopsLogprob: number | null;
  /** Kernel calls of one training step (the JavaScript → backend crossings). */
  kernelCallsPerStep: number;
}

export type TorchSummary =
  | {
    ok: true; version: string; params: number; trainStepMs: number; trainStepMsRounds: number[];
    logprobRowsPerS: number | null; sampleRowsPerS: number | null; gflopsTrain: number;
    records: Record<string, unknown>[];
  }
  | { ok: false; error: string };

export interface ConfigResult {
  config: BenchConfig;
  params: number;
  /** Unmasked multiply-adds per row, all MADEs (what maflow computes). */
  multiplyAddsPerRow: number;
  /** Multiply-adds per row of the dense masked matmuls the peer computes. */
  denseMultiplyAddsPerRow: number;
  rounds: number;
  maflow: BackendSummary[];
  torch: TorchSummary | null;
}

/** `torch / maflow` for times, `maflow / torch` for rates; null when either is missing. */
export function speedUp(maflow: number | null, torch: number | null, kind: 'time' | 'rate'): number | null {
  if (maflow === null || torch === null || !(maflow > 0) || !(torch > 0)) return null;
  return kind === 'time' ? torch / maflow : maflow / torch;
}

const METRICS = [
  { label: 'train ms/step', kind: 'time', mine: (s: BackendSummary) => s.trainStepMs, theirs: (t: TorchSummary & { ok: true }) => t.trainStepMs },
  { label: 'log-prob rows/s', kind: 'rate', mine: (s: BackendSummary) => s.logprobRowsPerS, theirs: (t: TorchSummary & { ok: true }) => t.logprobRowsPerS },
  { label: 'sample rows/s', kind: 'rate', mine: (s: BackendSummary) => s.sampleRowsPerS, theirs: (t: TorchSummary & { ok: true }) => t.sampleRowsPerS },
] as const;

/** The main table: one row per config and metric. */
export function comparisonTable(results: readonly ConfigResult[]): string {
  if (results.length === 0) return '(no results)';
  const backends = results[0].maflow.map((s) => s.backend);
  const torchVersion = results.map((r) => r.torch).find((t) => t?.ok === true);
  const torchLabel = torchVersion?.ok === true ? `PyTorch ${torchVersion.version}` : 'PyTorch';
  const header = ['config', 'metric', ...backends.map((b) => `maflow (${b})`), torchLabel, ...backends.map((b) => `speed-up (${b})`)];
  const rows: string[][] = [];
  for (const result of results) {
    for (const metric of METRICS) {
      if (result.maflow.every((s) => metric.mine(s) === null)) continue;
      const torch = result.torch?.ok === true ? metric.theirs(result.torch) : null;
      rows.push([
        result.config.name, metric.label,
        ...result.maflow.map((s) => formatNumber(metric.mine(s))),
        result.torch === null ? 'n/a' : result.torch.ok ? formatNumber(torch) : 'error',
        ...result.maflow.map((s) => {
          const ratio = speedUp(metric.mine(s), torch, metric.kind);
          return ratio === null ? '–' : `${formatNumber(ratio)}×`;
        }),
      ]);
    }
  }
  return formatTable(header, rows, { leftColumns: 2 });
}

/** Effective GFLOP/s (unmasked multiply-adds only) against the dense GEMM of the same backend. */
export function gflopsTable(results: readonly ConfigResult[]): string {
  const header = ['config', 'backend', 'MACs/row', 'train GFLOP/s', 'dense GEMM [B,H]·[H,H]', 'train % of dense',
    'log-prob GFLOP/s', 'dense GEMM [chunk,H]·[H,H]', 'log-prob % of dense', 'PyTorch train GFLOP/s', 'kernel calls/step'];
  const rows: string[][] = [];
  const percent = (a: number | null, b: number | null): string => (a === null || b === null ? '–' : `${formatNumber((100 * a) / b)}%`);
  for (const result of results) {
    for (const s of result.maflow) {
      rows.push([
        result.config.name, s.backend, formatNumber(result.multiplyAddsPerRow),
        formatNumber(s.gflopsTrain), formatNumber(s.denseGflopsTrain), percent(s.gflopsTrain, s.denseGflopsTrain),
        formatNumber(s.gflopsLogprob), formatNumber(s.denseGflopsLogprob), percent(s.gflopsLogprob, s.denseGflopsLogprob),
        result.torch?.ok === true ? formatNumber(result.torch.gflopsTrain) : '–', String(s.kernelCallsPerStep),
      ]);
    }
  }
  // The train suite has no log-prob figures: drop those columns rather than print dashes.
  const keep = results.some((r) => r.maflow.some((s) => s.gflopsLogprob !== null)) ? header.map(() => true) : header.map((_, c) => c < 6 || c > 8);
  const pick = (cells: readonly string[]): string[] => cells.filter((_, c) => keep[c]);
  return formatTable(pick(header), rows.map(pick), { leftColumns: 2 });
}

/** Everything about one config as one JSON object (rounded for readability). */
export function resultRecord(result: ConfigResult, extra: Record<string, unknown>): Record<string, unknown> {
  const round = (v: number | null): number | null => (v === null ? null : Number(v.toPrecision(5)));
  const { config } = result;
  const maflow: Record<string, unknown> = {};
  for (const s of result.maflow) {
    const torch = result.torch?.ok === true ? result.torch : null;
    maflow[s.backend] = {
      train_step_ms: round(s.trainStepMs), train_step_ms_rounds: s.trainStepMsRounds.map(round),
      train_step_ms_p10: round(s.trainStepMsP10), train_step_ms_p90: round(s.trainStepMsP90),
      logprob_rows_per_s: round(s.logprobRowsPerS), sample_rows_per_s: round(s.sampleRowsPerS),
      loss_first: round(s.lossFirst), loss_last: round(s.lossLast), finite: s.finite,
      gflops_train: round(s.gflopsTrain), gflops_logprob: round(s.gflopsLogprob),
      dense_gemm_gflops_train: round(s.denseGflopsTrain), dense_gemm_gflops_logprob: round(s.denseGflopsLogprob),
      kernel_calls_per_step: s.kernelCallsPerStep,
      speedup_train: round(speedUp(s.trainStepMs, torch?.trainStepMs ?? null, 'time')),
      speedup_logprob: round(speedUp(s.logprobRowsPerS, torch?.logprobRowsPerS ?? null, 'rate')),
      speedup_sample: round(speedUp(s.sampleRowsPerS, torch?.sampleRowsPerS ?? null, 'rate')),
      plan: s.plan,
    };
  }
  let torch: unknown = null;
  if (result.torch?.ok === true) {
    const t = result.torch;
    torch = {
      version: t.version, params: t.params, train_step_ms: round(t.trainStepMs), train_step_ms_rounds: t.trainStepMsRounds.map(round),
      logprob_rows_per_s: round(t.logprobRowsPerS), sample_rows_per_s: round(t.sampleRowsPerS), gflops_train: round(t.gflopsTrain),
      records: t.records,
    };
  } else if (result.torch !== null) {
    torch = { error: result.torch.error };
  }
  return {
    bench: 'maflow', config: config.name, D: config.features, K: config.layers, H: config.hidden, B: config.batch,
    params: result.params, macs_per_row: result.multiplyAddsPerRow, dense_macs_per_row: result.denseMultiplyAddsPerRow,
    rounds: result.rounds, maflow, torch, ...extra,
  };
}
