/**
 * `maflow export` as a user runs it: a trained model file to ONNX graphs that ONNX Runtime runs with the model's
 * log-densities (the CLI's own `logprob`), and one clear line with exit status 2 — nothing written — for a corrupt
 * model, a missing option, or a wrong extension.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Rng, Standardize, createMafMog, createTemporalMaf, saveModel, saveSequenceModel, sequences, withStandardization } from '../../src/node.ts';
import { assertUserError, runInProcess, tempDir } from './cli-harness.ts';

test('maflow export writes log-density and sampling graphs that ONNX Runtime runs like maflow logprob', async () => {
  const { dir, remove } = tempDir('export');
  try {
    const flow = withStandardization(createMafMog({ features: 2, layers: 2, hiddenUnits: [8], components: 3, contextFeatures: 1, rng: new Rng(0) }),
      { data: new Standardize({ mean: [5, -2], std: [2, 0.5] }), context: new Standardize({ mean: [10], std: [3] }) });
    const modelPath = join(dir, 'model.safetensors');
    saveModel(modelPath, flow, { columns: ['a', 'b'], contextColumns: ['t'] });
    const rows = [[5.5, -2.1, 9], [3, -1.5, 14], [7.25, -2.5, 4]];
    writeFileSync(join(dir, 'data.csv'), `a,b,t\n${rows.map((r) => r.join(',')).join('\n')}\n`);

    const result = await runInProcess(['export', modelPath, '--onnx', join(dir, 'model.onnx'), '--onnx-sample', join(dir, 'sampler.onnx')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /model\.onnx: log-density graph, opset 17, float32; inputs x \[n, 2\], context \[n, 1\]; outputs log_prob \[n\]/);
    assert.match(result.stdout, /sampler\.onnx: sampling graph, .*inputs noise \[n, 2\], uniform \[n, 2\], context \[n, 1\]; outputs samples \[n, 2\], log_prob \[n\]/);

    const expected = (await runInProcess(['logprob', modelPath, join(dir, 'data.csv')])).stdout.trim().split('\n').map(Number);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => r.slice(0, 2))), [3, 2]),
      context: new ort.Tensor('float32', Float32Array.from(rows.map((r) => r[2])), [3, 1]),
    });
    const got = out.log_prob.data as Float32Array;
    expected.forEach((v, k) => assert.ok(Math.abs(got[k] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `row ${k}: ${got[k]} vs ${v}`));
    const sampler = await ort.InferenceSession.create(readFileSync(join(dir, 'sampler.onnx')));
    assert.deepEqual(sampler.inputNames, ['noise', 'uniform', 'context']);

    const json = await runInProcess(['export', modelPath, '--onnx', join(dir, 'json.onnx'), '--onnx-sample', join(dir, 'json-sampler.onnx'), '--json']);
    assert.equal(json.status, 0, json.stderr);
    const summary = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(summary).slice(0, 5), ['command', 'maflowVersion', 'backend', 'cpu', 'wallSeconds']);
    assert.deepEqual({ ...summary, maflowVersion: '', backend: '', cpu: '', wallSeconds: 0, graphs: null }, {
      command: 'export', maflowVersion: '', backend: '', cpu: '', wallSeconds: 0, model: modelPath, opset: 17, compute: 'float64',
      dimensions: 2, contextDimensions: 1, graphs: null,
    });
    assert.deepEqual(summary.graphs, [
      { file: join(dir, 'json.onnx'), graph: 'logProb', bytes: readFileSync(join(dir, 'json.onnx')).length,
        inputs: [{ name: 'x', shape: ['n', 2] }, { name: 'context', shape: ['n', 1] }], outputs: [{ name: 'log_prob', shape: ['n'] }] },
      { file: join(dir, 'json-sampler.onnx'), graph: 'sample', bytes: readFileSync(join(dir, 'json-sampler.onnx')).length,
        inputs: [{ name: 'noise', shape: ['n', 2] }, { name: 'uniform', shape: ['n', 2] }, { name: 'context', shape: ['n', 1] }],
        outputs: [{ name: 'samples', shape: ['n', 2] }, { name: 'log_prob', shape: ['n'] }] },
    ]);

    const f32 = await runInProcess(['export', modelPath, '--onnx', join(dir, 'model32.onnx'), '--onnx-compute', 'float32']);
    assert.match(f32.stdout, /float32 \(float32 arithmetic\)/);
    assert.match(readFileSync(join(dir, 'model32.onnx')).toString('latin1'), /maflow\.compute.{1,4}float32/);
  } finally {
    remove();
  }
});

test('maflow export of a sequence model: the per-step log-density graph as ONNX Runtime runs it, and the forecasting graph', async () => {
  const { dir, remove } = tempDir('export-seq');
  try {
    const model = createTemporalMaf({ features: 2, layers: 1, hiddenUnits: [8], encoder: 'gru', encoderUnits: 4, rng: new Rng(0) });
    const modelPath = join(dir, 'seq.safetensors');
    saveSequenceModel(modelPath, model);
    const result = await runInProcess(['export', modelPath, '--onnx', join(dir, 'seq.onnx')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /seq\.onnx: log-density graph, .*inputs x \[n, T, 2\], lengths \[n\]; outputs log_prob_steps \[n, T\], log_prob \[n\]/);
    const windows = sequences([[[0.5, 1], [0.2, -0.3], [1, 1]], [[-1, 0.5], [0, 0]]]);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'seq.onnx')));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(windows.data), [2, 3, 2]), lengths: new ort.Tensor('int64', BigInt64Array.from([3n, 2n]), [2]) });
    const expected = model.logProb(windows);
    expected.forEach((v, k) => assert.ok(Math.abs((out.log_prob.data as Float32Array)[k] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `sequence ${k}`));
    const forecaster = await runInProcess(['export', modelPath, '--onnx-sample', join(dir, 'seq-sampler.onnx')]);
    assert.equal(forecaster.status, 0, forecaster.stderr);
    assert.match(forecaster.stdout, /sampling graph, .*inputs x \[n, T, 2\], lengths \[n\], noise \[n, S, 2\]; outputs samples \[n, S, 2\], log_prob_steps \[n, S\]/);
    const sampler = await ort.InferenceSession.create(readFileSync(join(dir, 'seq-sampler.onnx')));
    const drawn = await sampler.run({ x: new ort.Tensor('float32', Float32Array.from(windows.data), [2, 3, 2]), lengths: new ort.Tensor('int64', BigInt64Array.from([3n, 2n]), [2]),
      noise: new ort.Tensor('float32', new Float32Array(2 * 5 * 2), [2, 5, 2]) });
    assert.deepEqual(drawn.samples.dims, [2, 5, 2]);
  } finally {
    remove();
  }
});

test('maflow export refuses a corrupt model, a missing --onnx and a wrong extension in one line, writing nothing', async () => {
  const { dir, remove } = tempDir('export-bad');
  try {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, 'not a model at all');
    const out = join(dir, 'out.onnx');
    assertUserError(await runInProcess(['export', bad, '--onnx', out]), /bad\.safetensors/);
    assert.equal(existsSync(out), false, 'nothing written');
    // A real model cut short, and one whose header is intact but a tensor's bytes are missing.
    const whole = join(dir, 'whole.safetensors');
    saveModel(whole, createMafMog({ features: 2, layers: 1, hiddenUnits: [4], components: 2, rng: new Rng(0) }));
    const bytes = readFileSync(whole);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
    for (const [label, cut] of [['truncated', 20], ['short of its tensors', headerEnd + 16]] as const) {
      const broken = join(dir, `broken-${cut}.safetensors`);
      writeFileSync(broken, bytes.subarray(0, cut));
      const result = await runInProcess(['export', broken, '--onnx', out]);
      assertUserError(result, new RegExp(`broken-${cut}\\.safetensors`));
      assert.equal(existsSync(out), false, `${label}: nothing written`);
    }
    const good = join(dir, 'good.safetensors');
    saveModel(good, createMafMog({ features: 2, layers: 1, hiddenUnits: [4], components: 2, rng: new Rng(0) }));
    assertUserError(await runInProcess(['export', good]), /give --onnx FILE/);
    assertUserError(await runInProcess(['export', good, '--onnx', out, '--onnx-compute', 'float16']), /--onnx-compute/);
    assertUserError(await runInProcess(['export', good, '--onnx', join(dir, 'out.bin')]), /--onnx .*out\.bin: an ONNX model file must have the extension \.onnx/);
    assertUserError(await runInProcess(['export', good, '--onnx', good.replace('.safetensors', '.onnx'), '--onnx-sample', good.replace('.safetensors', '.onnx')]),
      /same file/);
  } finally {
    remove();
  }
});
