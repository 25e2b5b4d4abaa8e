/**
 * `node --import tsx bench/inversion.ts [--rows N] [--methods a,b] [--backend default|reference|native] [--threads T]`:
 * time and iterations of each numerical inverse (`invert`) against the exact staircase pass (`forward`) on the
 * MINIBOONE model size (D = 43, 5 MADEs of two 512-unit hidden layers, float32, reversed orders), for N rows
 * (default 10,000) of standard-normal base draws. The flow's MADEs are perturbed away from the identity start so that
 * every layer is a genuinely nonlinear autoregressive map.
 */
import { Rng } from '../src/core/rng.ts';
import { zeros } from '../src/core/matrix.ts';
import { invert, INVERSION_METHODS, type InversionMethod } from '../src/bijectors/inversion/invert.ts';
import { createMaf } from '../src/flows/create-maf.ts';
import { parametersOf } from '../src/nn/parameter.ts';
import { resolveBackends, useBackend, type BackendRequest } from './lib/bench-backends.ts';
import { formatTable } from './lib/format-table.ts';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const rows = Number(flag('rows', '10000'));
const methods = flag('methods', INVERSION_METHODS.join(',')).split(',') as InversionMethod[];
const threads = Number(flag('threads', '2'));
if (!Number.isInteger(rows) || rows < 1) throw new Error(`bench/inversion: --rows must be a positive integer, got ${flag('rows', '')}`);
for (const m of methods) if (!INVERSION_METHODS.includes(m)) throw new Error(`bench/inversion: unknown method '${m}' (expected ${INVERSION_METHODS.join(', ')})`);

const backends = resolveBackends(flag('backend', 'default') as BackendRequest, threads);
useBackend(backends.names[0]);
const rng = new Rng(0);
const flow = createMaf({ features: 43, layers: 5, hiddenUnits: [512, 512], dtype: 'float32', rng });
for (const p of parametersOf(flow)) for (let k = 0; k < p.value.length; k++) p.value[k] *= 1 + 0.5 * rng.normal();
for (const [name, p] of flow.bijector.namedParameters()) {
  if (name.endsWith('made.output.bias')) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.3 * rng.normal();
}
const u = zeros(rows, 43, 'float32');
rng.fillNormal(u.data);

const time = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const out = fn();
  return [out, (performance.now() - t0) / 1000];
};
// Warm up (JIT, the native thread pool) so that the first timed call is not charged for it.
flow.bijector.forward(u);
const [exact, exactSeconds] = time(() => flow.bijector.forward(u));
const [back] = time(() => flow.bijector.inverse(exact));
let exactResidual = 0;
for (let k = 0; k < u.data.length; k++) exactResidual = Math.max(exactResidual, Math.abs(back.data[k] - u.data[k]));

const header = ['method', 'seconds', 'vs staircase', 'iterations mean', 'iterations max', 'converged', 'max residual', 'max |x − exact|'];
const table: string[][] = [];
table.push(['staircase forward (exact)', exactSeconds.toFixed(2), '1.0', '-', '-', '-', exactResidual.toExponential(1), '0']);
for (const method of methods) {
  const [r, seconds] = time(() => invert(flow.bijector, u, { method }));
  let sum = 0;
  let max = 0;
  let converged = 0;
  let residual = 0;
  let error = 0;
  for (let i = 0; i < rows; i++) {
    sum += r.iterations[i];
    max = Math.max(max, r.iterations[i]);
    converged += r.converged[i];
    residual = Math.max(residual, r.residual[i]);
  }
  for (let k = 0; k < u.data.length; k++) error = Math.max(error, Math.abs(r.x.data[k] - exact.data[k]));
  table.push([method, seconds.toFixed(2), (seconds / exactSeconds).toFixed(1), (sum / rows).toFixed(1), String(max),
    `${converged}/${rows}`, residual.toExponential(1), error.toExponential(1)]);
  process.stderr.write(`# ${method} done in ${seconds.toFixed(1)} s\n`);
}
process.stdout.write(`# invert() on MINIBOONE size (D=43, 5 × MADE[512, 512], float32), ${rows} rows; backend ${backends.names[0]}` +
  `${backends.addon === null ? '' : ` (${backends.addon.isa()}, ${threads} threads)`}; tolerance 1e-4 (float32 default)\n`);
process.stdout.write(`${formatTable(header, table)}\n`);
