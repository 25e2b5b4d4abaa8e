/**
 * Kernel micro-benchmark: native vs reference prefix GEMM (forward, backward input, backward weight) at the MADE
 * shapes of the MAF paper's configurations (batch 100), and a dense float32 GEMM measured inside the addon.
 * GFLOP/s count only the unmasked multiply-adds (2 · batch · Σ_j prefix[j]), so "effective" rates are directly
 * comparable with the dense GEMM's. The sampler rows time the staircase sampler's call pattern (per feature d: one
 * degree's hidden units of each layer, then the P = 2 outputs of feature d, accumulated) on 2,000 rows. Run: `node --import tsx bench/kernels.ts` (MAFLOW_BENCH_QUICK=1 for a short run).
 */
import { Rng } from '../src/core/rng.ts';
import type { Kernels } from '../src/kernels/kernels.ts';
import { loadNativeBackend } from '../src/kernels/native.ts';
import { referenceKernels } from '../src/kernels/reference.ts';

const quick = process.env.MAFLOW_BENCH_QUICK === '1';
const BATCH = 100;

/** Sorted MADE hidden degrees in 1..D−1 (sequential assignment, then sorted: the staircase layout). */
function hiddenDegrees(units: number, features: number): Int32Array {
  const d = new Int32Array(units);
  for (let k = 0; k < units; k++) d[k] = (k % Math.max(1, features - 1)) + 1;
  return d.sort();
}

/** prefix[j] = number of inputs whose degree is ≤ limit(j) (inputs sorted by degree). */
function prefixFor(inDegrees: Int32Array, outLimits: ArrayLike<number>): Int32Array {
  const p = new Int32Array(outLimits.length);
  for (let j = 0; j < outLimits.length; j++) {
    let n = 0;
    while (n < inDegrees.length && inDegrees[n] <= outLimits[j]) n++;
    p[j] = n;
  }
  return p;
}

interface Layer { name: string; inDim: number; outDim: number; prefix: Int32Array }

/** The three masked layers of one MADE with 2 hidden layers of `hidden` units over `features` inputs. */
function madeLayers(config: string, features: number, hidden: number): Layer[] {
  const inputDegrees = Int32Array.from({ length: features }, (_, i) => i + 1);
  const h = hiddenDegrees(hidden, features);
  const outLimits = Int32Array.from({ length: 2 * features }, (_, j) => Math.floor(j / 2)); // output d reads degree ≤ d
  return [
    { name: `${config} in ${features}->${hidden}`, inDim: features, outDim: hidden, prefix: prefixFor(inputDegrees, h) },
    { name: `${config} hid ${hidden}->${hidden}`, inDim: hidden, outDim: hidden, prefix: prefixFor(h, h) },
    { name: `${config} out ${hidden}->${2 * features}`, inDim: hidden, outDim: 2 * features, prefix: prefixFor(h, outLimits) },
  ];
}

/** Seconds per call: best mean over 3 rounds of enough calls to fill `budget` seconds. */
function time(fn: () => void, budget: number): number {
  fn();
  const start = performance.now();
  fn();
  const once = Math.max((performance.now() - start) / 1000, 1e-7);
  const reps = Math.max(1, Math.min(100000, Math.round(budget / 3 / once)));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

function benchLayer(k: Kernels, layer: Layer, rng: Rng, budget: number): [number, number, number] {
  const { inDim, outDim, prefix } = layer;
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  const [x, w, bias, out, dOut, dIn, dW, dBias] = [fill(BATCH * inDim), fill(outDim * inDim), fill(outDim),
    fill(BATCH * outDim), fill(BATCH * outDim), fill(BATCH * inDim), fill(outDim * inDim), fill(outDim)];
  return [
    time(() => k.prefixGemm({ batch: BATCH, inDim, outDim, x, weight: w, prefix, bias, out, activation: 'relu' }), budget),
    time(() => k.prefixGemmBackwardInput({ batch: BATCH, inDim, outDim, dOut, weight: w, prefix, dIn }), budget),
    time(() => k.prefixGemmBackwardWeight({ batch: BATCH, inDim, outDim, dOut, x, prefix, dWeight: dW, dBias }), budget),
  ];
}

const load = loadNativeBackend();
if (!load.ok) {
  console.error(`native backend unavailable (${load.reason}); nothing to compare`);
  process.exit(1);
}
const { addon } = load;
const threads = addon.threads();
const budget = quick ? 0.05 : 0.3;
console.log(`native ISA ${addon.isa()}, ${threads} thread(s); batch ${BATCH}; GFLOP/s over unmasked multiply-adds`);

const dense: string[] = [];
for (const [m, n, k] of [[100, 512, 512], [100, 1024, 1024]]) {
  addon.setThreads(1);
  const one = addon.denseGemmGflops(m, n, k, budget);
  addon.setThreads(threads);
  const all = addon.denseGemmGflops(m, n, k, budget);
  dense.push(`${m}x${k}·${k}x${n}: ${one.toFixed(1)} (1 thread), ${all.toFixed(1)} (${threads} threads)`);
}
console.log(`dense f32 GEMM (addon): ${dense.join('; ')}`);

const configs: [string, number, number][] = quick
  ? [['hepmass', 21, 512]]
  : [['power', 6, 100], ['gas', 8, 100], ['hepmass', 21, 512], ['miniboone', 43, 512], ['bsds300', 63, 1024]];
const header = ['layer', 'density', 'pass', 'reference', 'native 1T', `native ${threads}T`, 'native µs'];
console.log(header.join('\t'));
const rng = new Rng(1);
for (const [config, features, hidden] of configs) {
  for (const layer of madeLayers(config, features, hidden)) {
    let macs = 0;
    for (const p of layer.prefix) macs += BATCH * p;
    const density = macs / (BATCH * layer.inDim * layer.outDim);
    const ref = benchLayer(referenceKernels, layer, rng, quick ? 0.05 : 0.15);
    addon.setThreads(1);
    const one = benchLayer(load.kernels, layer, rng, budget);
    addon.setThreads(threads);
    const all = benchLayer(load.kernels, layer, rng, budget);
    ['forward', 'dX', 'dW'].forEach((pass, i) => {
      const rate = (t: number): string => (2 * macs / t / 1e9).toFixed(1);
      console.log([layer.name, density.toFixed(2), pass, rate(ref[i]), rate(one[i]), rate(all[i]),
        (all[i] * 1e6).toFixed(1)].join('\t'));
    });
  }
}

/** The staircase sampler's narrow prefixGemm calls for one MADE (hidden layers then the 2 outputs of each feature). */
function benchSampler(k: Kernels, config: string, features: number, hidden: number, rows: number, rng: Rng): string {
  const layers = madeLayers(config, features, hidden);
  const h = hiddenDegrees(hidden, features);
  const starts = Int32Array.from({ length: features + 1 }, (_, d) => { let n = 0; while (n < h.length && h[n] <= d) n++; return n; });
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  const x = fill(rows * features);
  const w = layers.map((l) => fill(l.outDim * l.inDim));
  const out = layers.map((l) => fill(rows * l.outDim));
  let macs = 0;
  const pass = (): void => {
    for (let d = 0; d < features; d++) {
      for (let l = 0; l < 2; l++) {
        const { inDim, outDim, prefix } = layers[l];
        if (starts[d] < starts[d + 1]) {
          k.prefixGemm({ batch: rows, inDim, outDim, x: l === 0 ? x : out[0], weight: w[l], prefix, bias: null, out: out[l],
            accumulate: true, activation: 'relu', outStart: starts[d], outEnd: starts[d + 1] });
        }
      }
      const o = layers[2];
      k.prefixGemm({ batch: rows, inDim: o.inDim, outDim: o.outDim, x: out[1], weight: w[2], prefix: o.prefix, bias: null,
        out: out[2], accumulate: true, outStart: 2 * d, outEnd: 2 * d + 2 });
    }
  };
  for (const l of layers) for (const p of l.prefix) macs += rows * p;
  const t = time(pass, budget);
  return [`${config} sampler`, rows, (2 * macs / t / 1e9).toFixed(1), (t * 1e3).toFixed(2)].join('\t');
}

console.log(['sampler pattern', 'rows', `native ${threads}T GFLOP/s`, 'ms per MADE'].join('\t'));
for (const [config, features, hidden] of configs) console.log(benchSampler(load.kernels, config, features, hidden, 2000, rng));
