/**
 * The browser build: `src/index.ts` bundles for the browser platform with no Node built-ins, and the bundle runs in a
 * bare JavaScript context (no `process`, `require`, `Buffer` or file system) — creating, evaluating, sampling and
 * training a flow on the reference backend.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

test('the browser bundle has no Node built-ins and trains a flow in a bare context', async () => {
  const result = await build({
    entryPoints: [resolve(root, 'src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'maflow',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  assert.doesNotMatch(code, /require\(["']node:|from ["']node:/, 'the bundle must not import Node built-ins');

  // Only globals every browser has (TextEncoder/TextDecoder: protobufjs, behind the ONNX export, makes its UTF-8 codec at load).
  const sandbox: Record<string, unknown> = { console, performance, TextEncoder, TextDecoder };
  createContext(sandbox);
  runInContext(code, sandbox);
  const script = `
    (() => {
      const m = maflow;
      if (typeof process !== 'undefined' || typeof require !== 'undefined') throw new Error('not a bare context');
      const rng = new m.Rng(0);
      const data = m.twoMoons(400, { rng }).data;
      const flow = m.createMaf({ features: 2, layers: 2, hiddenUnits: [16, 16], rng: new m.Rng(1) });
      const mean = (lp) => lp.reduce((a, b) => a + b, 0) / lp.length;
      const initial = mean(flow.logProb(data));
      let trained = initial;
      if (m.fit) {
        m.fit(flow, data, { epochs: 15, batchSize: 50, learningRate: 3e-3, validationFraction: 0.1, rng: new m.Rng(2) });
        trained = mean(flow.logProb(data));
      }
      const s = flow.sample(10, { rng: new m.Rng(3) });
      const onnx = m.exportOnnx(flow, { graph: 'sample' });
      return { backend: m.kernels().name, initial, trained, rows: s.rows, cols: s.cols, hasFit: Boolean(m.fit), onnxBytes: onnx.length };
    })()`;
  const out = runInContext(script, sandbox) as { backend: string; initial: number; trained: number; rows: number; cols: number; hasFit: boolean; onnxBytes: number };
  assert.equal(out.backend, 'reference');
  assert.equal(out.rows, 10);
  assert.equal(out.cols, 2);
  assert.ok(Number.isFinite(out.initial));
  assert.ok(out.hasFit, 'fit is part of the browser barrel');
  assert.ok(out.onnxBytes > 1000, `exportOnnx encodes in the bare context (${out.onnxBytes} bytes)`);
  assert.ok(out.trained > out.initial + 0.3, `training in the browser bundle improved the log-likelihood: ${out.initial} → ${out.trained}`);
});
