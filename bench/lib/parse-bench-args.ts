/**
 * The command line of `npm run bench`:
 * `npm run bench -- [flows|train|rss|quality|onnx|gemm|all] [--configs power,gas] [--threads 2] [--quick] [--rounds 3]
 *  [--backend default|reference|native] [--both] [--no-torch] [--python /usr/bin/python3] [--peer path.py]`.
 * Unknown options fail with one line naming the option and what is accepted.
 */
import os from 'node:os';
import type { BackendRequest } from './bench-backends.ts';

export type Suite = 'flows' | 'train' | 'rss' | 'quality' | 'onnx' | 'sequences' | 'transformers' | 'streaming' | 'gemm' | 'backends' | 'browser' | 'e2e' | 'all';

export const SUITES: readonly Suite[] = ['flows', 'train', 'rss', 'quality', 'onnx', 'sequences', 'transformers', 'streaming', 'gemm', 'backends', 'browser', 'e2e', 'all'];

export interface BenchArgs {
  suite: Suite;
  /** Config names (empty = the suite's default list). */
  configs: string[];
  threads: number;
  quick: boolean;
  /** Interleaved rounds per config (medians over rounds); undefined = the suite's default. */
  rounds: number | undefined;
  backend: BackendRequest;
  torch: boolean;
  python: string | undefined;
  peer: string | undefined;
  help: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [suite] [options]
suites:
  flows   train ms/step, log-prob rows/s, sample rows/s and GFLOP/s for the paper configs vs PyTorch (default)
  train   train ms/step only, for the paper configs vs PyTorch
  rss     peak RSS while training miniboone for 1000 steps on 30k rows
  quality held-out log-likelihood on real data (bench/data/): maflow train vs PyTorch, 3 seeds (--quick: 1 seed, 2 sets)
  onnx    log-prob rows/s of maflow against ONNX Runtime (onnxruntime-node) on the same exported model, paper configs
  sequences  temporal MAF (50 steps × 4 features, LSTM 64, MAF 5×[64, 64]): train ms/step, log-prob sequences/s vs PyTorch
  transformers  NAF, UMNN, Bernstein and spline MAFs against the affine MAF of the same size: train ms/step, log-prob and sample rows/s
  streaming  maflow logprob streamed vs the whole-file path, CSV and .npy of 1e5..1e7 rows (--configs 100000,…: row counts): rows/s and peak RSS
  gemm    the addon's dense f32 GEMM (1 and --threads threads) vs OpenBLAS sgemm (numpy), per shape and register tile
  backends  reference, wasm and native (1 and --threads threads) on the paper configs: train ms/step, log-prob and sample rows/s, GFLOP/s, ratios; NSF vs MAF on native
  browser   reference and wasm inside headless Chromium on power, miniboone and the demo's training loop (--configs power,miniboone,demo,demo-32): train ms/step, steps/s, log-prob and sample rows/s, ratios
  e2e     whole processes as a user runs them: maflow train (30000 x 43 CSV, MAF 5 x [512, 512], 2 epochs) and logprob (1e6 rows; --quick 1e5) vs a PyTorch script doing the same
  all     flows, then rss, then quality
options:
  --configs a,b      power, gas, hepmass, miniboone, bsds300 (default: all; --quick: power,hepmass)
  --threads N        threads for maflow's native kernels and for PyTorch (default: usable cores, at most 2)
  --quick            fewer configs, steps and repeats (under a minute)
  --rounds N         interleaved maflow/PyTorch rounds per config; medians over rounds
  --backend B        default (native when built), reference or native
  --both             measure native and reference (reference with fewer repeats)
  --no-torch         maflow only
  --python PATH      interpreter with torch (default /usr/bin/python3)
  --peer PATH        PyTorch peer script (default ../shared/peers/bench_torch_plain.py)`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    suite: 'flows', configs: [], threads: Math.min(2, os.availableParallelism()), quick: false, rounds: undefined,
    backend: 'default', torch: true, python: undefined, peer: undefined, help: false,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`bench: ${flag} needs a value`);
    return v;
  };
  const positive = (text: string, flag: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${flag} expects a positive integer, got '${text}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i += 1;
      return v;
    };
    switch (flag) {
      case '--configs': args.configs = take().split(',').filter((c) => c !== ''); break;
      case '--threads': args.threads = positive(take(), flag); break;
      case '--rounds': args.rounds = positive(take(), flag); break;
      case '--quick': args.quick = true; break;
      case '--both': args.backend = 'both'; break;
      case '--no-torch': args.torch = false; break;
      case '--python': args.python = take(); break;
      case '--peer': args.peer = take(); break;
      case '--help': case '-h': args.help = true; break;
      case '--backend': {
        const b = take();
        if (b !== 'default' && b !== 'reference' && b !== 'native') {
          throw new Error(`bench: --backend expects default, reference or native, got '${b}'`);
        }
        args.backend = b;
        break;
      }
      default:
        if (flag.startsWith('-')) throw new Error(`bench: unknown option '${flag}'\n${BENCH_USAGE}`);
        if (!(SUITES as readonly string[]).includes(flag)) {
          throw new Error(`bench: unknown suite '${flag}' (expected one of ${SUITES.join(', ')})`);
        }
        args.suite = flag as Suite;
    }
  }
  return args;
}
