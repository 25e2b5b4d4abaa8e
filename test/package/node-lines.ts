/**
 * The packed tarball on each Node line users run (NODE_LINES: the official binaries from the npm registry, fetched
 * once into a cache): a fresh project installs it offline with that Node's npm run and no compiler, imports it from
 * ESM and CommonJS on the native backend, loads the wasm backend with `MAFLOW_BACKEND=wasm` in its relaxed-SIMD build
 * (these engines all validate relaxed SIMD) with the same numbers, and trains and scores a model through the `maflow`
 * command. package.test.ts runs these on its own tarball: a second `npm pack` would rebuild dist/ under the first.
 * Prints each line's wall time. Without a registry, the binaries that are not cached cannot be had: the suite fails
 * with one message saying so.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureNodeBinary, NODE_LINES } from '../helpers/node-binaries.ts';
import { compilerFreeEnv, installTarball, run } from '../helpers/packed-package.ts';

interface Probe {
  readonly node: string;
  readonly backend: string;
  readonly relaxedSimd: boolean | null;
  readonly lp: number[];
}

const PROBE = `
  const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], rng: new Rng(0) });
  const lp = flow.logProb(matrix([[0.5, -1], [1, 2]]));
  const active = kernels();
  console.log(JSON.stringify({ node: process.version, backend: active.name, relaxedSimd: active.relaxedSimd ?? null, lp: [...lp] }));
`;

function assertClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-4 * (1 + Math.abs(v)), `${what}, row ${i}: ${v} vs ${expected[i]}`));
}

/** One line's checks in `dir`, with `node` the binary of that line. */
function checkNodeLine(version: string, node: string, tarball: string, dir: string): void {
  const started = performance.now();
  const env = compilerFreeEnv(join(dir, 'bin'), node);
  const project = join(dir, 'consumer');
  installTarball(project, tarball, env);
  const installed = performance.now();
  const exec = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } =>
    run(join(dir, 'bin', 'node'), args, project, { ...env, ...extra });

  writeFileSync(join(project, 'probe.mjs'), `import { createMaf, kernels, matrix, Rng } from 'maflow';\n${PROBE}`);
  writeFileSync(join(project, 'probe.cjs'), `const { createMaf, kernels, matrix, Rng } = require('maflow');\n${PROBE}`);
  const esm = exec(['probe.mjs']);
  const cjs = exec(['probe.cjs']);
  const wasm = exec(['probe.mjs'], { MAFLOW_BACKEND: 'wasm' });
  for (const [name, result] of [['ESM', esm], ['CommonJS', cjs], ['wasm', wasm]] as const) {
    // Nothing on stderr: no fallback notice, no experimental or deprecation warning from this Node.
    assert.equal(result.stderr, '', `${name} on Node ${version} printed:\n${result.stderr}`);
  }
  const [fromEsm, fromCjs, onWasm] = [esm, cjs, wasm].map((r) => JSON.parse(r.stdout) as Probe) as [Probe, Probe, Probe];
  assert.equal(fromEsm.node, `v${version}`);
  assert.deepEqual([fromEsm.backend, fromCjs.backend], ['native', 'native']);
  assert.deepEqual([onWasm.backend, onWasm.relaxedSimd], ['wasm', true], `Node ${version} validates relaxed SIMD`);
  assert.deepEqual(fromCjs.lp, fromEsm.lp);
  assertClose(onWasm.lp, fromEsm.lp, 'wasm against native');

  const lines = ['a,b', ...Array.from({ length: 200 }, (_, i) => `${Math.sin(i)},${Math.cos(i * 0.7) + 0.1 * Math.sin(i * 3)}`)];
  writeFileSync(join(project, 'data.csv'), `${lines.join('\n')}\n`);
  // The bin link's `#!/usr/bin/env node` finds this line's Node on PATH.
  const maflow = join(project, 'node_modules', '.bin', 'maflow');
  run(maflow, ['train', 'data.csv', '--out', 'model.safetensors', '--epochs', '2', '--hidden', '16,16', '--seed', '1'], project, env);
  const evaluate = (backend: string): { logLikelihood: number; backend: string } =>
    JSON.parse(run(maflow, ['eval', 'model.safetensors', 'data.csv', '--json', '--backend', backend], project, env).stdout) as
      { logLikelihood: number; backend: string };
  const [native, relaxed] = [evaluate('native'), evaluate('wasm')];
  assert.match(native.backend, /^native \(/);
  assert.match(relaxed.backend, /^wasm \(relaxed SIMD, /);
  assert.ok(Number.isFinite(native.logLikelihood), `log-likelihood ${native.logLikelihood}`);
  assertClose([relaxed.logLikelihood], [native.logLikelihood], 'the CLI on wasm against native');
  const done = performance.now();
  console.log(`# Node ${version}: install ${((installed - started) / 1000).toFixed(1)} s, ESM/CommonJS/wasm/CLI ` +
    `${((done - installed) / 1000).toFixed(1)} s`);
}

/** The suite, on the tarball and work directory that `packed()` returns once package.test.ts has packed. */
export function describeNodeLines(packed: () => { tarball: string; work: string }): void {
  describe(`the installed tarball on Node ${NODE_LINES.join(', ')}`, () => {
    const binaries = new Map<string, string>();
    before(() => {
      const failures: string[] = [];
      for (const version of NODE_LINES) {
        try {
          binaries.set(version, ensureNodeBinary(version));
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      if (failures.length > 0) throw new Error(failures.join('\n'));
    });
    for (const version of NODE_LINES) {
      it(`Node ${version}: installs with the prebuilt addon, imports from ESM and CommonJS (native), loads wasm (relaxed SIMD), trains and scores through the CLI`, () => {
        const { tarball, work } = packed();
        checkNodeLine(version, binaries.get(version)!, tarball, join(work, `node-${version}`));
      });
    }
  });
}
