/**
 * `npm run bench -- [flows|train|rss|quality|onnx|all] [options]` (see `BENCH_USAGE`): maflow against the plain PyTorch MAF peer,
 * run in the same invocation and interleaved per config, so that the ratios compare like with like on a noisy
 * machine. The report (machine, tables, JSON lines) goes to stdout, progress to stderr.
 */
import path from 'node:path';
import { resolveBackends } from './lib/bench-backends.ts';
import { correctedCore, measureBlasLimit } from './lib/blas-limit.ts';
import { describeMachine, loadLine, machineLine } from './lib/machine.ts';
import { BENCH_USAGE, parseBenchArgs, type BenchArgs } from './lib/parse-bench-args.ts';
import { DEFAULT_PEER_SCRIPT, DEFAULT_PYTHON, findTorchPeer, type TorchPeer } from './lib/torch-peer.ts';
import { printBackendsReport, runBackendsSuite } from './suites/backends-suite.ts';
import { printBrowserReport, runBrowserSuite } from './suites/browser-suite.ts';
import { printE2eReport, runE2eSuite } from './suites/e2e-suite.ts';
import { printFlowsReport, runFlowsSuite } from './suites/flows-suite.ts';
import { printGemmReport, runGemmSuite } from './suites/gemm-suite.ts';
import { printOnnxReport, runOnnxSuite } from './suites/onnx-suite.ts';
import { printQualityReport, runQualitySuite } from './suites/quality-suite.ts';
import { printRssReport, runRssSuite } from './suites/rss-suite.ts';
import { printSequencesReport, runSequencesSuite } from './suites/sequences-suite.ts';
import { printStreamingReport, runStreamingSuite } from './suites/streaming-suite.ts';
import { printTransformersReport, runTransformersSuite } from './suites/transformers-suite.ts';

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function main(args: BenchArgs): void {
  const machine = describeMachine();
  const peerBlas = args.torch ? fairPeerBlas(args.python ?? DEFAULT_PYTHON, machine.simd) : null;
  if (peerBlas !== null) print(`# ${peerBlas}`);
  const backends = resolveBackends(args.backend, args.threads);
  const addonInfo = backends.addon === null ? '' : ` (native: ${backends.addon.isa()}, ${backends.addon.threads()} threads)`;
  let torch: TorchPeer | null = null;
  if (args.suite === 'onnx') {
    print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
    print(`# maflow backend: ${backends.names[0]}${addonInfo}; suite: onnx${args.quick ? ' (quick)' : ''}; every figure is a median`);
    const extra = { machine: machineLine(machine), backend: backends.names, native_isa: backends.addon?.isa() ?? null, threads: args.threads, quick: args.quick };
    void runOnnxSuite({ configNames: args.configs, quick: args.quick, rounds: args.rounds, threads: args.threads, backends, log }).then((results) => {
      print('');
      printOnnxReport(results, extra, print);
      print(`# ${loadLine()} at end`);
    });
    return;
  }
  if (args.suite === 'backends') {
    print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
    void runBackendsSuite({ configNames: args.configs, quick: args.quick, threads: args.threads, log }).then((rows) => {
      printBackendsReport(rows, args.threads, print);
      print(`# ${loadLine()} at end`);
    });
    return;
  }
  if (args.suite === 'browser') {
    print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
    void runBrowserSuite({ configNames: args.configs, quick: args.quick, rounds: args.rounds, log }).then((result) => {
      printBrowserReport(result, print);
      print(`# ${loadLine()} at end`);
    });
    return;
  }
  if (args.suite === 'streaming') {
    print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
    const extra = { machine: machineLine(machine), backend: backends.names, native_isa: backends.addon?.isa() ?? null, quick: args.quick };
    const rows = args.configs.length === 0 ? undefined : args.configs.map(Number);
    void runStreamingSuite({ quick: args.quick, rounds: args.rounds, ...(rows === undefined ? {} : { rows }), log }).then((results) => {
      print('');
      printStreamingReport(results, extra, print);
      print(`# ${loadLine()} at end`);
    });
    return;
  }
  if (args.suite === 'e2e') {
    print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
    print(`# maflow backend: ${backends.names[0]}${addonInfo}; PyTorch threads: ${args.threads}; every figure is a median over --rounds`);
    const peer = args.peer ?? DEFAULT_PEER_SCRIPT;
    const result = runE2eSuite({ quick: args.quick, rounds: args.rounds, python: args.python ?? DEFAULT_PYTHON, peerDir: path.dirname(peer), threads: args.threads, log });
    print('');
    printE2eReport(result, { machine: machineLine(machine), native_isa: backends.addon?.isa() ?? null, threads: args.threads, quick: args.quick }, print);
    print(`# ${loadLine()} at end`);
    return;
  }
  if (args.torch) {
    torch = findTorchPeer(args.python ?? DEFAULT_PYTHON, args.peer ?? DEFAULT_PEER_SCRIPT);
    if (!torch.ok) log(`# PyTorch peer unavailable: ${torch.reason}; printing maflow-only numbers`);
  }
  const torchText = torch === null ? 'not run (--no-torch)' : torch.ok ? `${torch.torchVersion} (${args.threads} threads)` : `unavailable (${torch.reason})`;
  print(`# machine: ${machineLine(machine)}; ${loadLine()} at start`);
  print(`# maflow backend: ${backends.names.join(' + ')}${addonInfo}; PyTorch: ${torchText}`);
  if (backends.note !== null) print(`# ${backends.note}`);
  print(`# suite: ${args.suite}${args.quick ? ' (quick)' : ''}; every figure is a median; speed-up > 1 means maflow is faster`);
  const extra = {
    machine: machineLine(machine), backend: backends.names, native_isa: backends.addon?.isa() ?? null,
    threads: args.threads, torch_version: torch?.ok === true ? torch.torchVersion : null, quick: args.quick,
  };
  if (args.suite === 'flows' || args.suite === 'train' || args.suite === 'all') {
    const results = runFlowsSuite({
      trainOnly: args.suite === 'train', configNames: args.configs, quick: args.quick, rounds: args.rounds,
      threads: args.threads, backends, torch, seed: 0, log,
    });
    print('');
    printFlowsReport(results, extra, print);
  }
  if (args.suite === 'transformers') {
    print('');
    printTransformersReport(runTransformersSuite({ quick: args.quick, rounds: args.rounds, backends, log }), extra, print);
  }
  if (args.suite === 'sequences') {
    print('');
    printSequencesReport(runSequencesSuite({ quick: args.quick, rounds: args.rounds, threads: args.threads, backends, torch, log }), extra, print);
  }
  if (args.suite === 'rss' || args.suite === 'all') {
    print('');
    printRssReport(runRssSuite({ quick: args.quick, threads: args.threads, backends, torch, log }), print);
  }
  if (args.suite === 'quality' || args.suite === 'all') {
    print('');
    const results = runQualitySuite({
      ...(args.quick ? { datasets: ['breast-cancer', 'wine'] as const, seeds: [1] } : {}),
      torch: torch?.ok === true ? { python: args.python ?? DEFAULT_PYTHON, script: qualityScript(args.peer ?? DEFAULT_PEER_SCRIPT), threads: args.threads } : null,
      log,
    });
    printQualityReport(results, print);
  }
  if (args.suite === 'gemm') {
    print('');
    if (backends.addon === null) print('# gemm: the native addon is not loaded; nothing to measure');
    else {
      printGemmReport(runGemmSuite({
        addon: backends.addon, threads: [...new Set([1, args.threads])], quick: args.quick, rounds: args.rounds,
        python: args.torch ? args.python ?? DEFAULT_PYTHON : null, log,
      }), print);
    }
  }
  print(`# ${loadLine()} at end`);
}

/**
 * Gives every Python child (PyTorch peers, numpy limits) OpenBLAS's kernels for this CPU where OpenBLAS by itself
 * falls back to pre-AVX2 ones (`correctedCore`): a peer on SSE3 kernels would make maflow look faster than it is.
 * Sets OPENBLAS_CORETYPE in this process's environment, which the children inherit, unless the user set it; returns
 * the line saying so, or null when nothing was changed.
 */
function fairPeerBlas(python: string, simd: readonly string[]): string | null {
  if (process.env.OPENBLAS_CORETYPE !== undefined) return `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} (set by the caller) for the Python peers`;
  const probe = measureBlasLimit(python, [], [1], 0);
  const corename = 'error' in probe ? null : probe.corename;
  if (corename === null) return null;
  const corrected = correctedCore(corename, simd);
  if (corrected === undefined) return null;
  process.env.OPENBLAS_CORETYPE = corrected;
  return `OpenBLAS takes this CPU for ${corename}; the Python peers run its ${corrected} kernels (OPENBLAS_CORETYPE=${corrected})`;
}

/** quality_torch_plain.py sits beside the speed peer script (../shared/peers/). */
function qualityScript(peerScript: string): string {
  return path.join(path.dirname(peerScript), 'quality_torch_plain.py');
}

let parsed: BenchArgs;
try {
  parsed = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  log((error as Error).message);
  process.exit(2);
}
if (parsed.help) print(BENCH_USAGE);
else main(parsed);
