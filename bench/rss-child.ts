/**
 * Child process of the `rss` suite: trains one paper config for `--steps` steps on `--rows` synthetic rows and prints
 * one JSON line with its peak resident set size (MiB) after start-up,
 * after building the model and data, and at the end. Run alone so that no other measurement inflates the peak:
 * `node --import tsx bench/rss-child.ts --config miniboone --steps 1000 --rows 30000 --backend native --threads 2`.
 */
import { readFileSync } from 'node:fs';
import { gatherRows } from '../src/core/matrix.ts';
import { Rng } from '../src/core/rng.ts';
import { BenchAdam } from './lib/bench-adam.ts';
import { resolveBackends, useBackend } from './lib/bench-backends.ts';
import { pickConfigs } from './lib/configs.ts';
import { createPaperMaf } from './lib/measure-config.ts';
import { syntheticData } from './lib/synthetic-data.ts';

/**
 * Peak RSS of this process in MiB: `VmHWM` of /proc/self/status on Linux. `resourceUsage().maxRSS` is not used there:
 * Linux carries `ru_maxrss` over fork + exec, so a child would report its parent's (the benchmark's) peak.
 */
function mib(): number {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const startRss = mib();
const [config] = pickConfigs([option('config', 'miniboone')]);
const steps = Number(option('steps', '1000'));
const rows = Number(option('rows', '30000'));
const backend = option('backend', 'native') as 'reference' | 'native';
resolveBackends(backend, Number(option('threads', '2')));
useBackend(backend);
const data = syntheticData(rows, config.features, 1);
const flow = createPaperMaf(config, 0);
const adam = new BenchAdam(flow, { lr: 1e-4 });
const setupRss = mib();
const rng = new Rng(2);
const indices = new Int32Array(config.batch);
const dLogProb = new Float64Array(config.batch).fill(-1 / config.batch);
let lossFirst = NaN;
let lossLast = NaN;
const start = performance.now();
flow.train(true);
for (let step = 0; step < steps; step++) {
  for (let b = 0; b < config.batch; b++) indices[b] = rng.int(rows);
  adam.zeroGrad();
  const pass = flow.logProbTrain(gatherRows(data, indices));
  pass.backward(dLogProb);
  adam.step();
  const loss = -pass.logProb.reduce((a, v) => a + v, 0) / config.batch;
  if (step === 0) lossFirst = loss;
  lossLast = loss;
}
const seconds = (performance.now() - start) / 1e3;
process.stdout.write(`${JSON.stringify({
  config: config.name, backend, steps, rows, seconds, ms_per_step: (seconds * 1e3) / steps,
  start_rss_mib: startRss, setup_rss_mib: setupRss, max_rss_mib: mib(), loss_first: lossFirst, loss_last: lossLast,
})}\n`);
