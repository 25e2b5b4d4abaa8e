/**
 * The `flows` and `train` suites: for each paper config, `rounds` interleaved rounds of maflow (each backend) and the
 * PyTorch peer (`--threads` like maflow's pool), alternating which goes first; medians over rounds; one comparison
 * table, a GFLOP/s table (with the kernel calls of one training step) and one JSON line per config on stdout, progress
 * on stderr.
 */
import { rowSlice } from '../../src/core/matrix.ts';
import { parameterCount } from '../../src/nn/parameter.ts';
import { useBackend, type BenchBackends } from '../lib/bench-backends.ts';
import { pickConfigs, type BenchConfig } from '../lib/configs.ts';
import { countDenseMultiplyAdds, countMultiplyAdds, effectiveGflops, maskedLayersOf, TRAIN_PRODUCTS } from '../lib/count-flops.ts';
import { trainStepKernelCalls } from '../lib/count-kernel-calls.ts';
import { denseGemmGflops } from '../lib/dense-gemm-gflops.ts';
import { comparisonTable, gflopsTable, resultRecord, type BackendSummary, type ConfigResult, type TorchSummary } from '../lib/flows-report.ts';
import { formatNumber } from '../lib/format-table.ts';
import { measureConfig, createPaperMaf, type ConfigMeasurement } from '../lib/measure-config.ts';
import { median } from '../lib/median.ts';
import { runPlan, type RunPlan } from '../lib/run-plan.ts';
import { syntheticData } from '../lib/synthetic-data.ts';
import { runTorchPeer, type TorchPeer, type TorchRecord } from '../lib/torch-peer.ts';

export interface FlowsSuiteOptions {
  trainOnly: boolean;
  configNames: string[];
  quick: boolean;
  rounds: number | undefined;
  threads: number;
  backends: BenchBackends;
  torch: TorchPeer | null;
  seed: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Runs the suite and returns the per-config results (the caller prints the report). */
export function runFlowsSuite(options: FlowsSuiteOptions): ConfigResult[] {
  const configs = pickConfigs(options.configNames.length > 0 || !options.quick ? options.configNames : ['power', 'hepmass']);
  const rounds = options.rounds ?? (options.quick ? 1 : options.trainOnly ? 5 : 3);
  return configs.map((config) => runConfig(config, rounds, options));
}

function runConfig(config: BenchConfig, rounds: number, options: FlowsSuiteOptions): ConfigResult {
  const { backends, seed, log } = options;
  const plans = backends.names.map((name) => runPlan(config, { trainOnly: options.trainOnly, quick: options.quick, reference: name === 'reference' }));
  const torchPlan = plans[0];
  const trainData = syntheticData(Math.max(20 * config.batch, 10_000), config.features, seed + 1);
  const evalData = syntheticData(Math.max(...plans.map((p) => p.logprobRows)), config.features, seed + 3);
  const runs: ConfigMeasurement[][] = backends.names.map(() => []);
  const torchRecords: TorchRecord[] = [];
  let torchError: string | null = null;
  for (let round = 0; round < rounds; round++) {
    const torchFirst = round % 2 === 1;
    const runTorch = (): void => {
      if (options.torch?.ok !== true || torchError !== null) return;
      const record = runTorchPeer(options.torch, config.name, {
        threads: options.threads, steps: torchPlan.steps, warmup: torchPlan.warmup,
        logprobRows: torchPlan.throughput ? torchPlan.logprobRows : 100, chunk: torchPlan.chunk,
        repeats: torchPlan.throughput ? torchPlan.repeats : 1, sampleRows: torchPlan.throughput ? torchPlan.sampleRows : 1,
        sampleRepeats: torchPlan.sampleRepeats, seed,
      });
      if ('error' in record) torchError = String(record.error);
      else torchRecords.push(record);
      log(`# ${config.name} round ${round + 1}/${rounds}: PyTorch ${'error' in record ? record.error : `${formatNumber(record.train_step_ms)} ms/step`}`);
    };
    if (torchFirst) runTorch();
    backends.names.forEach((name, b) => {
      useBackend(name);
      const m = measureConfig(config, plans[b], trainData, evalData, seed);
      runs[b].push(m);
      log(`# ${config.name} round ${round + 1}/${rounds}: maflow ${name} ${formatNumber(m.train.stepMs)} ms/step`);
    });
    if (!torchFirst) runTorch();
  }
  const probe = createPaperMaf(config, seed);
  const layers = maskedLayersOf(probe);
  const multiplyAddsPerRow = countMultiplyAdds(layers);
  const denseMultiplyAddsPerRow = countDenseMultiplyAdds(layers);
  const maflow = backends.names.map((name, b) => {
    useBackend(name);
    const calls = trainStepKernelCalls(createPaperMaf(config, seed), rowSlice(trainData, 0, config.batch)).total;
    return summarize(name, plans[b], runs[b], config, multiplyAddsPerRow, backends, calls);
  });
  return {
    config, params: parameterCount(probe), multiplyAddsPerRow, denseMultiplyAddsPerRow, rounds, maflow,
    torch: summarizeTorch(options.torch, torchRecords, torchError, config, multiplyAddsPerRow, torchPlan),
  };
}

function medianOrNull(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

function summarize(backend: 'reference' | 'native', plan: RunPlan, runs: ConfigMeasurement[], config: BenchConfig,
  multiplyAddsPerRow: number, backends: BenchBackends, kernelCallsPerStep: number): BackendSummary {
  const trainStepMs = median(runs.map((r) => r.train.stepMs));
  const logprobRowsPerS = medianOrNull(runs.map((r) => r.logProb?.rowsPerSecond ?? null));
  // The yardstick GEMM runs at the batch of the measured operation; reference gets a small one (JS loops are slow).
  const m = (rows: number): number => (backend === 'reference' ? Math.min(rows, 100) : rows);
  const seconds = backend === 'reference' ? 0.2 : 0.3;
  return {
    backend, plan, trainStepMs, trainStepMsRounds: runs.map((r) => r.train.stepMs),
    trainStepMsP10: median(runs.map((r) => r.train.stepMsP10)), trainStepMsP90: median(runs.map((r) => r.train.stepMsP90)),
    logprobRowsPerS, sampleRowsPerS: medianOrNull(runs.map((r) => r.sample?.rowsPerSecond ?? null)),
    lossFirst: runs[0].train.lossFirst, lossLast: runs[0].train.lossLast,
    finite: runs.every((r) => r.train.finite && (r.logProb?.finite ?? true) && (r.sample?.finite ?? true)),
    gflopsTrain: effectiveGflops(multiplyAddsPerRow, config.batch, TRAIN_PRODUCTS, trainStepMs / 1e3),
    gflopsLogprob: logprobRowsPerS === null ? null : effectiveGflops(multiplyAddsPerRow, logprobRowsPerS, 1, 1),
    denseGflopsTrain: denseGemmGflops(backends.addon, m(config.batch), config.hidden, config.hidden, seconds),
    denseGflopsLogprob: plan.throughput ? denseGemmGflops(backends.addon, m(plan.chunk), config.hidden, config.hidden, seconds) : null,
    kernelCallsPerStep,
  };
}

function summarizeTorch(peer: TorchPeer | null, records: TorchRecord[], error: string | null, config: BenchConfig,
  multiplyAddsPerRow: number, plan: RunPlan): TorchSummary | null {
  if (peer === null || !peer.ok) return null;
  if (records.length === 0) return { ok: false, error: error ?? 'no PyTorch record' };
  const trainStepMs = median(records.map((r) => r.train_step_ms));
  return {
    ok: true, version: peer.torchVersion, params: records[0].params, trainStepMs,
    trainStepMsRounds: records.map((r) => r.train_step_ms),
    logprobRowsPerS: plan.throughput ? median(records.map((r) => r.logprob_rows_per_s)) : null,
    sampleRowsPerS: plan.throughput ? median(records.map((r) => r.sample_rows_per_s)) : null,
    gflopsTrain: effectiveGflops(multiplyAddsPerRow, config.batch, TRAIN_PRODUCTS, trainStepMs / 1e3),
    records: records as unknown as Record<string, unknown>[],
  };
}

/** The report: the comparison table, the GFLOP/s table, then one JSON line per config. */
export function printFlowsReport(results: ConfigResult[], extra: Record<string, unknown>, print: (text: string) => void): void {
  print(comparisonTable(results));
  const blas = results.flatMap((r) => (r.torch?.ok === true ? r.torch.records : [])).map((r) => r.blas);
  if (blas.length > 0) {
    // Debian's torch calls whatever libblas.so.3 is installed; the netlib fallback is ~20× slower than OpenBLAS and
    // would flatter maflow, so say which one ran.
    print(typeof blas[0] === 'string' ? `# PyTorch BLAS: ${blas[0]}`
      : '# WARNING: PyTorch ran on the generic (netlib) BLAS; install libopenblas0-pthread for a fair comparison');
  }
  print('');
  print('Effective GFLOP/s (unmasked multiply-adds only; ×3 products per training step) against a dense f32 GEMM on the same backend:');
  print(gflopsTable(results));
  print('');
  for (const result of results) {
    const record = resultRecord(result, extra);
    const paramsTorch = result.torch?.ok === true ? result.torch.params : null;
    if (paramsTorch !== null && paramsTorch !== result.params) record.warning = `parameter counts differ: maflow ${result.params}, PyTorch ${paramsTorch}`;
    print(JSON.stringify(record));
  }
}
