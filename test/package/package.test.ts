/**
 * The package as a user gets it: `npm pack`, then the tarball installed into a fresh project, offline from the npm
 * cache, with no C++ compiler on PATH, and used the ways people use a package — ESM `import`, CommonJS `require`,
 * strict TypeScript under `nodenext` and `bundler` resolution, a browser bundle run in a bare context that loads a
 * model from bytes, a Node bundle, and the `maflow` command. The native addon must be the prebuilt one, in use.
 * Then the same tarball on each Node line users run (./node-lines.ts). Prints the tarball's size and the install
 * times.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { buildSync } from 'esbuild';
import { moduleTracer } from '../helpers/module-trace.ts';
import { compilerFreeEnv, installTarball, npmCli, packTarball, root, run } from '../helpers/packed-package.ts';
import { describeNodeLines } from './node-lines.ts';

const work = mkdtempSync(join(tmpdir(), 'maflow-package-'));
const project = join(work, 'consumer');

let env: NodeJS.ProcessEnv;
let tarball: string;

before(() => {
  tarball = packTarball(work);
  env = compilerFreeEnv(join(work, 'bin'));
  const started = performance.now();
  installTarball(project, tarball, env);
  const seconds = (performance.now() - started) / 1000;
  console.log(`# npm install of the tarball (offline, no compiler): ${seconds.toFixed(1)} s`);
  // @types/node for the TypeScript consumer, as a Node TypeScript project has it.
  run(process.execPath, [npmCli(), 'install', '--offline', '--no-audit', '--no-fund', '--save-dev', '@types/node@20'], project, env);
});

after(() => rmSync(work, { recursive: true, force: true }));

const node = (args: readonly string[]): string => run(process.execPath, args, project, env).stdout;

describe('the installed tarball', () => {
  it('carries dist/, the prebuilt addon, LICENSE and CHANGELOG, and no tests, bench or demo', () => {
    const pkg = join(project, 'node_modules', 'maflow');
    for (const file of ['dist/node.js', 'dist/node.d.ts', 'dist/index.js', 'dist/cli/main.js', 'LICENSE', 'CHANGELOG.md',
      'README.md', 'binding.gyp', 'native/gemm.cc', 'scripts/build-native.mjs']) {
      assert.ok(statSync(join(pkg, file)).isFile(), `${file} missing`);
    }
    assert.ok(readdirSync(join(pkg, 'prebuilds', 'linux-x64')).some((f) => f.endsWith('.node')), 'no prebuilt addon');
    for (const absent of ['test', 'bench', 'demo', 'docs', 'build']) {
      assert.throws(() => statSync(join(pkg, absent)), `${absent}/ should not be in the package`);
    }
    const deps = Object.keys((JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as
      { dependencies: Record<string, string> }).dependencies);
    for (const dev of ['tsx', 'typescript', 'node-gyp']) assert.ok(!deps.includes(dev), `${dev} is a runtime dependency`);
  });

  it('imports from plain ESM, evaluates and samples on the native backend', () => {
    writeFileSync(join(project, 'esm.mjs'), `
      const { createMaf, kernels, matrix, Rng } = await import('maflow');
      const imported = performance.now();
      const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [16, 16], rng: new Rng(0) });
      const lp = flow.logProb(matrix([[0.5, -1], [1, 2]]));
      const firstLogProb = performance.now();
      const s = flow.sample(5, { rng: new Rng(1) });
      console.log(JSON.stringify({ backend: kernels().name, lp: [...lp], rows: s.rows, cols: s.cols, imported, firstLogProb }));
    `);
    const out = JSON.parse(node(['esm.mjs'])) as
      { backend: string; lp: number[]; rows: number; cols: number; imported: number; firstLogProb: number };
    console.log(`# fresh process: import('maflow') done at ${out.imported.toFixed(0)} ms, first logProb at ` +
      `${out.firstLogProb.toFixed(0)} ms after process start`);
    assert.equal(out.backend, 'native');
    assert.equal(out.lp.length, 2);
    assert.ok(out.lp.every(Number.isFinite));
    assert.deepEqual([out.rows, out.cols], [5, 2]);
  });

  it('requires from CommonJS', () => {
    writeFileSync(join(project, 'cjs.cjs'), `
      const { createMaf, kernels, matrix, Rng } = require('maflow');
      const flow = createMaf({ features: 3, rng: new Rng(0) });
      console.log(kernels().name, flow.logProb(matrix([[0, 1, 2]]))[0]);
    `);
    const result = run(process.execPath, ['cjs.cjs'], project, env);
    assert.match(result.stdout, /^native -?\d+\.\d+/);
    assert.equal(result.stderr, '', 'require printed a warning');
  });

  it('runs the wasm backend: imported on demand from ESM, read from wasm/ by the synchronous loader under CommonJS', () => {
    writeFileSync(join(project, 'wasm.mjs'), `
      const { createMaf, kernels, matrix, Rng, useBackend } = await import('maflow');
      await useBackend('wasm', { threads: 2 });
      const lp = createMaf({ features: 2, rng: new Rng(0) }).logProb(matrix([[1, 2]]))[0];
      console.log(JSON.stringify({ name: kernels().name, threads: kernels().threads, lp }));
    `);
    const esm = JSON.parse(node(['wasm.mjs'])) as { name: string; threads: number; lp: number };
    assert.deepEqual([esm.name, esm.threads, Number.isFinite(esm.lp)], ['wasm', 2, true]);
    writeFileSync(join(project, 'wasm.cjs'), `
      const { createMaf, kernels, matrix, Rng } = require('maflow');
      console.log(createMaf({ features: 2, rng: new Rng(0) }).logProb(matrix([[1, 2]]))[0], kernels().name);
    `);
    const cjs = run(process.execPath, ['wasm.cjs'], project, { ...env, MAFLOW_BACKEND: 'wasm' });
    assert.equal(cjs.stdout, `${esm.lp} wasm\n`);
  });

  it('bundles for the browser with code splitting: each wasm build in a chunk of its own, none in the entry', () => {
    writeFileSync(join(project, 'split.js'), "import { useBackend } from 'maflow'; await useBackend('wasm');");
    const bundle = buildSync({ entryPoints: [join(project, 'split.js')], bundle: true, splitting: true, format: 'esm',
      platform: 'browser', outdir: join(project, 'split'), write: false, logLevel: 'silent', absWorkingDir: project });
    const sizes = bundle.outputFiles.map((file) => ({ name: file.path.slice(file.path.lastIndexOf('/') + 1), bytes: file.contents.length }));
    const entry = sizes.find((file) => file.name === 'split.js')!;
    const binaries = sizes.filter((file) => /^maflow-kernels(-threads)?(-relaxed)?-\w+\.js$/.test(file.name));
    assert.equal(binaries.length, 4, JSON.stringify(sizes));
    for (const file of binaries) assert.ok(file.bytes > 140_000 && file.bytes < 160_000, JSON.stringify(file));
    assert.ok(entry.bytes < 400_000, `the entry is ${entry.bytes} bytes`);
  });

  for (const resolution of ['nodenext', 'bundler'] as const) {
    it(`type-checks a strict consumer under ${resolution} resolution`, () => {
      writeFileSync(join(project, 'consumer.ts'), `
        import { createMaf, fit, loadModel, matrix, Rng, type Distribution, type FitResult, type Matrix } from 'maflow';
        const flow: Distribution = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
        const x: Matrix = matrix([[0.5, -1]]);
        const lp: Float64Array = flow.logProb(x);
        const result: FitResult = fit(flow, x, { epochs: 1, rng: new Rng(1) });
        export const values = [lp[0], result.stoppedBy, loadModel];
      `);
      const tsconfig = {
        compilerOptions: {
          strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false,
          noEmit: true, target: 'ES2022', types: ['node'],
          ...(resolution === 'nodenext' ? { module: 'nodenext', moduleResolution: 'nodenext' }
            : { module: 'esnext', moduleResolution: 'bundler' }),
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig));
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: project, env, encoding: 'utf8' });
      assert.equal(result.status, 0, `tsc reported:\n${result.stdout}${result.stderr}`);
    });
  }

  it('runs the maflow command: --help, train and eval on the native backend', () => {
    const lines = ['a,b', ...Array.from({ length: 300 }, (_, i) => `${Math.sin(i)},${Math.cos(i * 0.7) + 0.1 * Math.sin(i * 3)}`)];
    writeFileSync(join(project, 'data.csv'), `${lines.join('\n')}\n`);
    const maflow = join(project, 'node_modules', '.bin', 'maflow');
    assert.match(run(maflow, ['--help'], project, env).stdout, /Usage: maflow/);
    run(maflow, ['train', 'data.csv', '--out', 'model.safetensors', '--epochs', '3', '--hidden', '16,16', '--seed', '1'], project, env);
    const summary = JSON.parse(run(maflow, ['eval', 'model.safetensors', 'data.csv', '--json'], project, env).stdout) as
      { logLikelihood: number; backend: string };
    assert.ok(Number.isFinite(summary.logLikelihood));
    assert.match(summary.backend, /^native/);
  });

  it('bundles for the browser, and the bundle loads the trained model from bytes in a bare context', () => {
    writeFileSync(join(project, 'page.js'), `
      import { decodeModel, matrix } from 'maflow';
      // The bytes come from outside the page's realm: copy them into one of its own arrays, as a fetch would give.
      globalThis.score = (bytes, rows) => decodeModel(Uint8Array.from(bytes), 'model.safetensors').flow.logProb(matrix(rows));
    `);
    const bundle = buildSync({ entryPoints: [join(project, 'page.js')], bundle: true, platform: 'browser', format: 'iife',
      write: false, logLevel: 'silent', absWorkingDir: project });
    const code = bundle.outputFiles[0]!.text;
    assert.doesNotMatch(code, /require\(["']node:|from ["']node:/);
    // Only what every browser has: console and the text codecs.
    const sandbox: Record<string, unknown> = { console, TextDecoder, TextEncoder };
    createContext(sandbox);
    runInContext(code, sandbox);
    if (runInContext('typeof process + typeof require', sandbox) !== 'undefinedundefined') assert.fail('not a bare context');
    const rows = [[0.2, 0.4], [-0.5, 1.0]];
    const inPage = [...(sandbox.score as (b: Uint8Array, r: number[][]) => Float64Array)(
      new Uint8Array(readFileSync(join(project, 'model.safetensors'))), rows)];
    writeFileSync(join(project, 'score.mjs'), `
      import { loadModel, matrix } from 'maflow';
      console.log(JSON.stringify([...loadModel('model.safetensors').flow.logProb(matrix(${JSON.stringify(rows)}))]));
    `);
    const inNode = JSON.parse(node(['score.mjs'])) as number[];
    inPage.forEach((v, i) => assert.ok(Math.abs(v - inNode[i]!) < 1e-4 * (1 + Math.abs(v)), `row ${i}: page ${v}, node ${inNode[i]}`));
  });

  it("neither import 'maflow' nor `maflow eval` loads the plotting stack", () => {
    // A resolve hook records every module the process loads.
    const tracer = moduleTracer(project);
    const plotting = /@observablehq|linkedom|@resvg|cli-progress/;
    const traced = (args: readonly string[], name: string): string => {
      const file = join(project, `${name}.trace`);
      run(process.execPath, [...tracer, ...args], project, { ...env, TRACE_FILE: file });
      return readFileSync(file, 'utf8');
    };
    const library = traced(['-e', "await import('maflow')", '--input-type=module'], 'import');
    assert.match(library, /maflow\/dist\/node\.js/, 'the trace saw maflow load');
    assert.doesNotMatch(library, plotting);
    assert.doesNotMatch(library, /maflow\/dist\/cli\//, 'the library loaded the CLI');
    const evaluate = traced([join('node_modules', 'maflow', 'bin', 'maflow.js'), 'eval', 'model.safetensors', 'data.csv'], 'eval');
    assert.match(evaluate, /dist\/cli\/commands\/eval\.js/);
    assert.doesNotMatch(evaluate, /@observablehq|linkedom|@resvg/);
  });

  it('a Node application bundled with esbuild finds the native addon', () => {
    writeFileSync(join(project, 'app.mjs'), `
      import { createMaf, kernels, matrix, Rng } from 'maflow';
      console.log(kernels().name, createMaf({ features: 2, rng: new Rng(0) }).logProb(matrix([[1, 2]]))[0]);
    `);
    mkdirSync(join(project, 'out'));
    buildSync({ entryPoints: [join(project, 'app.mjs')], bundle: true, platform: 'node', format: 'esm',
      outfile: join(project, 'out', 'app.mjs'), logLevel: 'silent', absWorkingDir: project });
    const result = run(process.execPath, [join('out', 'app.mjs')], project, env);
    assert.match(result.stdout, /^native -?\d/);
    assert.equal(result.stderr, '');
  });
});

describeNodeLines(() => ({ tarball, work }));
