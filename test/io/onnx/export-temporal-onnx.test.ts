/**
 * A temporal MAF's log-density graph in ONNX Runtime (onnxruntime-node): per-step conditional log-densities and
 * per-sequence log-likelihoods of ragged windows (padding filled with garbage, which must not matter) against
 * `logProbSteps` and `logProb`, to 1e-5 relative — LSTM and GRU encoders, static covariates, both standardizations,
 * both bases; and the forecasting graph, fed the noise maflow's forecast drew, against `TemporalMaf.forecast`, with
 * each draw's log-density against `logProbSteps` of the history and its continuation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Gru, Rng, Standardize, TemporalMaf, createMaf, createTemporalMaf, exportOnnx, onnxSignature } from '../../../src/index.ts';
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

/** A generator that records the standard normals it hands out. */
class RecordingRng extends Rng {
  readonly normals: number[] = [];
  override normal(): number {
    const v = super.normal();
    this.normals.push(v);
    return v;
  }
}

for (const [name, encoder, C, base] of [['LSTM, covariates, conditional-normal base', 'lstm', 1, 'conditional-normal'],
  ['GRU, standard normal base', 'gru', 0, 'normal']] as const) {
  test(`ONNX Runtime forecasts as TemporalMaf.forecast does, from the same noise: ${name}`, async () => {
    const m = model(encoder, C, base);
    const r = new Rng(6);
    const S = 4;
    const lengths = Int32Array.from({ length: N }, (_, i) => 1 + (i % T));
    const history = Float32Array.from({ length: N * T * F }, (_, k) => ((k % (T * F)) < lengths[Math.floor(k / (T * F))] * F ? 4 * (k % 2 === 0 ? 1 : -0.25) + r.normal() : 0));
    const prefixes = { count: N, steps: T, features: F, data: history, lengths };
    const context = C === 0 ? undefined : { rows: N, cols: C, data: Float32Array.from({ length: N }, () => 10 + 3 * r.normal()) };
    const recorder = new RecordingRng(2);
    const paths = m.forecast(prefixes, { steps: S, rng: recorder, ...(context === undefined ? {} : { context }) });
    // maflow draws step by step, each step row by row: normals [S][n][F]; the graph takes them as [n, S, F].
    const noise = Float32Array.from({ length: N * S * F }, (_, k) => {
      const [i, s, f] = [Math.floor(k / (S * F)), Math.floor(k / F) % S, k % F];
      return recorder.normals[(s * N + i) * F + f];
    });
    const session = await ort.InferenceSession.create(exportOnnx(m, { graph: 'sample' }));
    assert.deepEqual(session.inputNames, onnxSignature(m, 'sample').inputs.map((i) => i.name));
    const out = await session.run({
      x: new ort.Tensor('float32', history, [N, T, F]), lengths: new ort.Tensor('int64', BigInt64Array.from(lengths, (l) => BigInt(l)), [N]),
      noise: new ort.Tensor('float32', noise, [N, S, F]), ...(context === undefined ? {} : { context: new ort.Tensor('float32', context.data, [N, C]) }),
    });
    assert.deepEqual(out.samples.dims, [N, S, F]);
    const got = out.samples.data as Float32Array;
    for (let k = 0; k < got.length; k++) assert.ok(Math.abs(got[k] - paths.data[k]) <= 1e-5 * Math.max(1, Math.abs(paths.data[k])), `samples[${k}]: onnx ${got[k]}, maflow ${paths.data[k]}`);
    // Each draw's log-density: the history and its continuation scored by logProbSteps.
    const joined = new Float32Array(N * (T + S) * F);
    for (let i = 0; i < N; i++) {
      joined.set(history.subarray(i * T * F, (i * T + lengths[i]) * F), i * (T + S) * F);
      joined.set(got.subarray(i * S * F, (i + 1) * S * F), (i * (T + S) + lengths[i]) * F);
    }
    const scored = m.logProbSteps({ count: N, steps: T + S, features: F, data: joined, lengths: Int32Array.from(lengths, (l) => l + S) },
      context === undefined ? {} : { context });
    const lp = out.log_prob_steps.data as Float32Array;
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < S; s++) {
        const v = scored.data[i * (T + S) + lengths[i] + s];
        assert.ok(Math.abs(lp[i * S + s] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `log_prob_steps[${i}, ${s}]: onnx ${lp[i * S + s]}, maflow ${v}`);
      }
    }
  });
}

test('a step flow with a mixture base has no forecasting graph: one line saying so', () => {
  const encoder = new Gru({ inputFeatures: F, units: 3, rng: new Rng(0) });
  const m = new TemporalMaf({ encoder, flow: createMaf({ features: F, layers: 1, hiddenUnits: [4], contextFeatures: 3, base: 'mog', components: 2, rng: new Rng(0) }) });
  assert.ok(exportOnnx(m).length > 0, 'its log-density graph exports');
  assert.throws(() => exportOnnx(m, { graph: 'sample' }), (error: Error) => error instanceof UnsupportedOnnxError
    && /cannot export the forecasting graph of a temporal MAF whose step flow has a mixture base/.test(error.message));
});
