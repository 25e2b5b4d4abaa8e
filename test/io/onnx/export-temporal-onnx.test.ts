/**
 * A temporal MAF's log-density graph in ONNX Runtime (onnxruntime-node): per-step conditional log-densities and
 * per-sequence log-likelihoods of ragged windows (padding filled with garbage, which must not matter) against
 * `logProbSteps` and `logProb`, to 1e-5 relative — LSTM and GRU encoders, static covariates, both standardizations,
 * both bases. The sampling graph is refused in one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Rng, Standardize, createTemporalMaf, exportOnnx, onnxSignature, type TemporalMaf } from '../../../src/index.ts';
import { UnsupportedOnnxError } from '../../../src/io/onnx/unsupported-onnx-error.ts';

const F = 2;
const N = 12;
const T = 6;

function model(encoder: 'lstm' | 'gru', contextFeatures: number, base: 'normal' | 'conditional-normal'): TemporalMaf {
  const m = createTemporalMaf({
    features: F, layers: 2, hiddenUnits: [8], encoder, encoderUnits: 5, contextFeatures, base, rng: new Rng(3),
    dataStandardize: new Standardize({ mean: [4, -1], std: [2, 0.5] }),
    ...(contextFeatures === 0 ? {} : { contextStandardize: new Standardize({ mean: [10], std: [3] }) }),
  });
  const r = new Rng(8);
  for (const [, p] of m.namedParameters()) for (let k = 0; k < p.value.length; k++) p.value[k] += 0.2 * r.normal();
  return m;
}

for (const [name, encoder, C, base] of [['LSTM, covariates, conditional-normal base', 'lstm', 1, 'conditional-normal'],
  ['GRU, standard normal base', 'gru', 0, 'normal']] as const) {
  test(`ONNX Runtime gives a temporal MAF's per-step log-densities: ${name}`, async () => {
    const m = model(encoder, C, base);
    const r = new Rng(5);
    const lengths = Int32Array.from({ length: N }, (_, i) => 1 + (i % T));
    const data = new Float32Array(N * T * F);
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < T * F; k++) data[i * T * F + k] = k < lengths[i] * F ? 4 * (k % 2 === 0 ? 1 : -0.25) + 1.5 * r.normal() : 1e30;
    }
    const s = { count: N, steps: T, features: F, data, lengths };
    const context = C === 0 ? undefined : { rows: N, cols: C, data: Float32Array.from({ length: N }, () => 10 + 3 * r.normal()) };
    const session = await ort.InferenceSession.create(exportOnnx(m));
    assert.deepEqual(session.inputNames, onnxSignature(m).inputs.map((i) => i.name));
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', data, [N, T, F]),
      lengths: new ort.Tensor('int64', BigInt64Array.from(lengths, (l) => BigInt(l)), [N]),
      ...(context === undefined ? {} : { context: new ort.Tensor('float32', context.data, [N, C]) }),
    };
    const out = await session.run(feeds);
    const expected = m.logProbSteps(s, context === undefined ? {} : { context });
    const total = m.logProb(s, context === undefined ? {} : { context });
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      assert.equal(a.length, b.length);
      for (let k = 0; k < b.length; k++) assert.ok(Math.abs(a[k] - b[k]) <= 1e-5 * Math.max(1, Math.abs(b[k])), `${what}[${k}]: onnx ${a[k]}, maflow ${b[k]}`);
    };
    assert.deepEqual(out.log_prob_steps.dims, [N, T]);
    close(out.log_prob_steps.data as Float32Array, expected.data, 'log_prob_steps');
    close(out.log_prob.data as Float32Array, total, 'log_prob');
  });
}

test('the sampling graph of a temporal MAF is refused in one line saying why', () => {
  assert.throws(() => exportOnnx(model('gru', 0, 'normal'), { graph: 'sample' }), (error: Error) => error instanceof UnsupportedOnnxError
    && /cannot export the sampling graph of a temporal MAF \(a draw feeds each step back through the encoder/.test(error.message));
});
