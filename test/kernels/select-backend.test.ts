/**
 * Node's backend choice: native when the addon loads, else wasm, else reference, saying once which it fell back to;
 * `MAFLOW_BACKEND=wasm` forces wasm; an unknown name is refused listing the names; the wasm backend names its build
 * (relaxed SIMD where the engine validates it). Each case runs in a child process, since the choice is made once per
 * process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { wasmRelaxedSimdSupported } from '../../src/kernels/wasm.ts';

const root = path.resolve(import.meta.dirname, '../..');
const native = loadNativeBackend();
const SCRIPT = `
import { createMaf, kernels, Rng, matrix } from './src/node.ts';
import { describeBackend } from './src/kernels/select.ts';
const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8, 8], rng: new Rng(0) });
const lp = flow.logProb(matrix([[0.5, -1], [1, 2]]));
console.log(JSON.stringify({ name: kernels().name, described: describeBackend(), finite: [...lp].every(Number.isFinite) }));
`;

function run(env: Record<string, string>, nodeFlags: string[] = []): { status: number | null; out: { name: string; described: string; finite: boolean } | null; stderr: string } {
  const child = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', SCRIPT],
    { cwd: root, encoding: 'utf8', env: { ...process.env, MAFLOW_BACKEND: '', MAFLOW_NATIVE_ADDON: '', ...env } });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return { status: child.status, out: line.startsWith('{') ? JSON.parse(line) : null, stderr: child.stderr };
}

test('Node falls back from a missing addon to wasm, saying so once; MAFLOW_BACKEND=wasm forces it; bad names are refused', () => {
  // Node 20 validates relaxed SIMD only behind its flag (Node ≥ 22 by default): there both builds are seen here.
  const builds = wasmRelaxedSimdSupported() ? [{ flags: [], build: 'relaxed SIMD' }]
    : [{ flags: [], build: 'SIMD128' }, { flags: ['--experimental-wasm-relaxed-simd'], build: 'relaxed SIMD' }];
  for (const { flags, build } of builds) {
    const fallback = run({ MAFLOW_NATIVE_ADDON: '/nonexistent/maflow_native.node' }, flags);
    assert.equal(fallback.status, 0, fallback.stderr);
    assert.deepEqual(fallback.out, { name: 'wasm', described: `wasm (${build}, 1 thread: synchronous loader)`, finite: true });
    const lines = fallback.stderr.split('\n').filter((l) => l.startsWith('maflow:'));
    assert.equal(lines.length, 1, fallback.stderr);
    assert.match(lines[0], /native backend unavailable \(MAFLOW_NATIVE_ADDON=\/nonexistent\/maflow_native.node: no such file\); running on the wasm backend/);
    assert.ok(lines[0].endsWith(`running on the wasm backend (${build})`), lines[0]);
  }

  const forced = run({ MAFLOW_BACKEND: 'wasm' });
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(forced.out?.name, 'wasm');
  assert.doesNotMatch(forced.stderr, /maflow:/);

  const bad = run({ MAFLOW_BACKEND: 'gpu' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /MAFLOW_BACKEND must be one of native, wasm, reference, got 'gpu'/);
});

test('MAFLOW_GEMM_PRECISION: bf16 runs the native bfloat16 GEMMs where the CPU has them, else is refused naming the option', () => {
  const bad = run({ MAFLOW_GEMM_PRECISION: 'fp8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /MAFLOW_GEMM_PRECISION must be one of f32, bf16, got 'fp8'/);
  const wasm = run({ MAFLOW_GEMM_PRECISION: 'bf16', MAFLOW_BACKEND: 'wasm' });
  assert.notEqual(wasm.status, 0);
  assert.match(wasm.stderr, /MAFLOW_GEMM_PRECISION=bf16 needs the native backend, but MAFLOW_BACKEND=wasm/);
  const bf16 = run({ MAFLOW_GEMM_PRECISION: 'bf16' });
  const cpu = readFileSync('/proc/cpuinfo', 'utf8');
  if (/\bavx512_bf16\b/.test(cpu) && native.ok) {
    assert.equal(bf16.status, 0, bf16.stderr);
    assert.equal(bf16.out?.name, 'native');
    assert.match(bf16.out?.described ?? '', /avx512bf16\//);
    assert.equal(bf16.out?.finite, true);
  } else {
    assert.notEqual(bf16.status, 0);
    assert.match(bf16.stderr, /MAFLOW_GEMM_PRECISION=bf16 needs/);
  }
});
