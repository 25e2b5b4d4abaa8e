/**
 * Only the wasm build that is instantiated is loaded: bundled with esbuild's code splitting (what Vite, Rollup and
 * webpack do by default with a dynamic `import()`), the browser entry holds none of the four binaries, each binary is
 * a chunk of its own, and loading the backend imports exactly one of them, the one this engine runs (SIMD128 on
 * Node 20, the relaxed-SIMD build with --experimental-wasm-relaxed-simd, as in Chromium and Node ≥ 22).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { WASM_BINARIES, type WasmBuild } from '../../src/kernels/wasm-binaries.ts';
import { moduleTracer } from '../helpers/module-trace.ts';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'maflow-wasm-chunks-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Each build's base64, and three of its 116-character lines (as its module breaks them) that no other build's holds. */
const base64 = Object.fromEntries(Object.entries(WASM_BINARIES).map(([build, { file }]) =>
  [build, readFileSync(join(root, 'wasm', file)).toString('base64')])) as Record<WasmBuild, string>;
const fingerprints = Object.fromEntries(Object.entries(base64).map(([build, text]) => {
  const lines = text.match(/.{116}/g) ?? [];
  const own = lines.filter((line) => Object.entries(base64).every(([other, t]) => other === build || !t.includes(line)));
  assert.ok(own.length >= 3, `${build}: ${own.length} lines of its own`);
  return [build, [0.25, 0.5, 0.75].map((at) => own[Math.floor(own.length * at)])];
})) as Record<WasmBuild, string[]>;

const holds = (code: string, build: WasmBuild): boolean => fingerprints[build].every((line) => code.includes(line));
const holdsAny = (code: string, build: WasmBuild): boolean => fingerprints[build].some((line) => code.includes(line));

test('split by esbuild, the entry holds no binary and loading the backend imports exactly the chunk it instantiates', async () => {
  writeFileSync(join(work, 'page.ts'), `
    import { kernels, useBackend } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
    // The test runs the bundle in Node: MAFLOW_TEST_RELAXED=0 asks for the SIMD128 build where relaxed SIMD validates.
    const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
    await useBackend('wasm', env.MAFLOW_TEST_RELAXED === '0' ? { relaxedSimd: false } : undefined);
    const k = kernels() as { name: string; relaxedSimd: boolean; threads: number };
    console.log(JSON.stringify({ name: k.name, relaxedSimd: k.relaxedSimd, threads: k.threads }));
  `);
  const outdir = join(work, 'out');
  const result = await build({ entryPoints: [join(work, 'page.ts')], bundle: true, splitting: true, format: 'esm',
    platform: 'browser', target: 'es2022', outdir, entryNames: '[name]', logLevel: 'silent' });
  assert.deepEqual(result.warnings, []);
  const files = readdirSync(outdir).filter((name) => name.endsWith('.js'));
  const entry = readFileSync(join(outdir, 'page.js'), 'utf8');
  const builds = Object.keys(WASM_BINARIES) as WasmBuild[];
  for (const build of builds) assert.ok(!holdsAny(entry, build), `the entry chunk holds the ${build} binary`);
  assert.ok(entry.length < 400_000, `the entry chunk is ${entry.length} bytes`);
  /** Which chunk holds each build: one each, holding nothing else. */
  const chunkOf = new Map<WasmBuild, string>();
  for (const name of files.filter((n) => n !== 'page.js')) {
    const code = readFileSync(join(outdir, name), 'utf8');
    const held = builds.filter((build) => holdsAny(code, build));
    if (held.length === 0) continue;
    assert.equal(held.length, 1, `${name} holds ${held.join(' and ')}`);
    assert.ok(holds(code, held[0]), `${name} holds all of the ${held[0]} binary`);
    assert.ok(!chunkOf.has(held[0]), `${held[0]} is in two chunks`);
    chunkOf.set(held[0], name);
  }
  assert.deepEqual([...chunkOf.keys()].sort(), [...builds].sort(), `chunks: ${files.join(', ')}`);

  // Run the bundle (a browser bundle: no worker platform in Node, so one thread) recording every module it imports.
  const tracer = moduleTracer(work);
  // Node 20 validates relaxed SIMD behind a flag (which Node ≥ 22 no longer accepts); by default on Node ≥ 22.
  const relaxedFlag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  const cases = [
    { label: 'default', flags: [], relaxed: '', expected: undefined },
    { label: 'relaxed SIMD validates', flags: relaxedFlag, relaxed: '', expected: true },
    { label: 'relaxedSimd: false', flags: relaxedFlag, relaxed: '0', expected: false },
  ];
  const seen = new Set<WasmBuild>();
  for (const [i, { label, flags, relaxed, expected }] of cases.entries()) {
    const trace = join(work, `${i}.trace`);
    const run = spawnSync(process.execPath, [...flags, ...tracer, join(outdir, 'page.js')],
      { cwd: work, encoding: 'utf8', env: { ...process.env, TRACE_FILE: trace, MAFLOW_TEST_RELAXED: relaxed, NODE_OPTIONS: '' } });
    assert.equal(run.status, 0, `${label}: ${run.stdout}${run.stderr}`);
    const got = JSON.parse(run.stdout) as { name: string; relaxedSimd: boolean; threads: number };
    assert.deepEqual(got, { name: 'wasm', relaxedSimd: expected ?? got.relaxedSimd, threads: 1 }, label);
    const build: WasmBuild = got.relaxedSimd ? 'relaxed' : 'simd128';
    const loaded = [...chunkOf.entries()].filter(([, name]) => readFileSync(trace, 'utf8').includes(`/out/${name}`)).map(([b]) => b);
    assert.deepEqual(loaded, [build], `${label}: the binary chunks imported`);
    seen.add(build);
  }
  assert.deepEqual([...seen].sort(), ['relaxed', 'simd128']);
});
