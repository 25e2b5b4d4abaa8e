/**
 * Exported graphs in onnxruntime-web (its wasm execution provider) inside headless Chromium, served locally (no
 * network): log-density graphs of a conditional standardized NSF, a MAF MoG, a NAF and a temporal MAF — loops,
 * float64 arithmetic and all — against maflow's own log-densities to 1e-5 relative, and a MAF's sampling graph (one
 * ONNX Loop) against maflow's draws from the same noise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import {
  Rng, Standardize, createMaf, createMafMog, createNaf, createNsf, createTemporalMaf, exportOnnx, withStandardization,
  type Distribution, type Matrix, type TemporalMaf,
} from '../../src/index.ts';
import { launchChromium } from '../helpers/chromium.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ORT_DIST = path.join(root, 'node_modules/onnxruntime-web/dist');
const N = 16;

/** A model's bytes, its feeds (name → data, dims, type) and maflow's values for one output. */
interface Case {
  name: string;
  model: Uint8Array;
  feeds: Record<string, { data: number[]; dims: number[]; type: 'float32' | 'int64' }>;
  output: string;
  expected: number[];
}

function perturbed<T extends { namedParameters(): Array<[string, { value: Float32Array | Float64Array }]> }>(flow: T): T {
  const r = new Rng(11);
  for (const [, p] of flow.namedParameters()) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.2 * r.normal();
  return flow;
}

function rows(cols: number, seed: number, scale = 1, shift = 0): Matrix {
  const r = new Rng(seed);
  return { rows: N, cols, data: Float32Array.from({ length: N * cols }, () => shift + scale * r.normal()) };
}

function logProbCase(name: string, flow: Distribution, x: Matrix, context?: Matrix): Case {
  return {
    name, model: exportOnnx(flow), output: 'log_prob', expected: Array.from(flow.logProb(x, context === undefined ? {} : { context })),
    feeds: {
      x: { data: Array.from(x.data), dims: [N, x.cols], type: 'float32' },
      ...(context === undefined ? {} : { context: { data: Array.from(context.data), dims: [N, context.cols], type: 'float32' } }),
    },
  };
}

function cases(): Case[] {
  const nsf = perturbed(withStandardization(createNsf({ features: 3, layers: 2, hiddenUnits: [8], bins: 4, contextFeatures: 1, rng: new Rng(1) }),
    { data: new Standardize({ mean: [10, 0, -5], std: [2, 1, 3] }), context: new Standardize({ mean: [4], std: [2] }) }));
  const mog = perturbed(createMafMog({ features: 2, layers: 2, hiddenUnits: [8], components: 3, rng: new Rng(2) }));
  const naf = perturbed(createNaf({ features: 2, layers: 2, hiddenUnits: [8], sigmoidUnits: 3, rng: new Rng(3) }));
  const temporal: TemporalMaf = perturbed(createTemporalMaf({ features: 2, layers: 1, hiddenUnits: [8], encoderUnits: 4, rng: new Rng(4) }));
  const T = 3;
  const windows = { count: N, steps: T, features: 2, data: rows(2 * T, 9).data, lengths: null };
  const maf = perturbed(createMaf({ features: 3, layers: 2, hiddenUnits: [8], rng: new Rng(5) }));
  const noise = rows(3, 10);
  return [
    logProbCase('NSF, conditional, standardized', nsf, rows(3, 6, 2, 1), rows(1, 7, 2, 4)),
    logProbCase('MAF MoG', mog, rows(2, 8)),
    logProbCase('NAF', naf, rows(2, 12)),
    {
      name: 'temporal MAF (LSTM encoder loop)', model: exportOnnx(temporal), output: 'log_prob', expected: Array.from(temporal.logProb(windows)),
      feeds: { x: { data: Array.from(windows.data), dims: [N, T, 2], type: 'float32' }, lengths: { data: new Array(N).fill(T), dims: [N], type: 'int64' } },
    },
    {
      name: 'MAF sampling graph', model: exportOnnx(maf, { graph: 'sample' }), output: 'samples',
      expected: Array.from(maf.bijector.forward(noise).data), feeds: { noise: { data: Array.from(noise.data), dims: [N, 3], type: 'float32' } },
    },
  ];
}

const PAGE = `<!doctype html><script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;
globalThis.runCase = async (k, feeds, output) => {
  const bytes = new Uint8Array(await (await fetch('/model/' + k)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const inputs = {};
  for (const [name, f] of Object.entries(feeds)) {
    inputs[name] = new ort.Tensor(f.type, f.type === 'int64' ? BigInt64Array.from(f.data, BigInt) : Float32Array.from(f.data), f.dims);
  }
  const out = await session.run(inputs);
  return Array.from(out[output].data);
};
globalThis.ready = true;
</script>`;

test('in Chromium: onnxruntime-web (wasm) runs exported graphs as maflow does, to 1e-5', { timeout: 120_000 }, async () => {
  const all = cases();
  // The browser first: when it cannot be had the test fails at once, with no server left listening (which would keep
  // this file's process alive after the failure, and the whole suite waiting on it).
  const browser = await launchChromium();
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    if (url.startsWith('/ort/')) {
      const file = path.join(ORT_DIST, path.basename(url));
      response.writeHead(200, { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
      response.end(readFileSync(file));
    } else if (url.startsWith('/model/')) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(all[Number(url.slice('/model/'.length))].model);
    } else {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(PAGE);
    }
  });
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route((url) => !url.href.startsWith(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), (route) => route.abort());
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'ready' in globalThis);
    for (const [k, c] of all.entries()) {
      const got = await page.evaluate(([index, feeds, output]) => (globalThis as unknown as {
        runCase(k: number, feeds: unknown, output: string): Promise<number[]>;
      }).runCase(index, feeds, output), [k, c.feeds, c.output] as const);
      assert.equal(got.length, c.expected.length, c.name);
      c.expected.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${c.name} [${i}]: onnxruntime-web ${got[i]}, maflow ${v}`));
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
