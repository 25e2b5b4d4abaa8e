/**
 * Every flow kind exported to ONNX and run in ONNX Runtime (onnxruntime-node, CPU): the log-density graph against
 * `flow.logProb`, and the sampling graph, fed the very standard normals and uniforms that maflow's sampler drew (a
 * recording generator), against `flow.sampleAndLogProb` — to 1e-5 relative (relative to max(|value|, 1), so that a
 * log-density near 0 is not held to an absolute 1e-10). Weights are perturbed away from the near-identity
 * initialisation (by 0.2 · N(0, 1)), so that every layer matters; much further (0.4), sharp spline bins and mixture
 * components make float32 itself the limit: maflow's own reference and native backends then differ by 4e-3.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  AffineCoupling, BernsteinTransformer, Bijector, Bounds, Chain, CircularSpline, StandardNormal, createUmnn, DiagNormal, Exp, MaskedAutoregressiveFlow, RationalQuadraticSpline, Rng, Scale, Shift, Sigmoid, Softplus, Standardize, Tanh, TransformedDistribution,
  createIaf, createMade, createNaf, createMadeMog, createMaf, createMafMog, createNsf, createRealNvp, exportOnnx, onnxSignature,
  withContextEncoder, withStandardization, type BijectorConfig, type BijectorResult, type Transformer, type TransformerConfig, type Distribution, type Matrix,
} from '../../../src/index.ts';
import { collectBuffers } from '../../../src/bijectors/collect-buffers.ts';
import { UnsupportedOnnxError } from '../../../src/io/onnx/unsupported-onnx-error.ts';

const D = 3;
const C = 2;
const N = 40;
const TOLERANCE = 1e-5;

/** A generator that records the standard normals and uniforms it hands out (not the uniforms behind a normal). */
class RecordingRng extends Rng {
  readonly normals: number[] = [];
  readonly uniforms: number[] = [];
  private inNormal = 0;
  override normal(): number {
    this.inNormal++;
    const v = super.normal();
    this.inNormal--;
    this.normals.push(v);
    return v;
  }
  override uniform(): number {
    const v = super.uniform();
    if (this.inNormal === 0) this.uniforms.push(v);
    return v;
  }
}

/** Moves every parameter and batch-norm statistic away from its initial value (the masked entries do not matter). */
function perturb(flow: Distribution, seed: number, scale = 0.2): Distribution {
  const rng = new Rng(seed);
  for (const [, p] of flow.namedParameters()) for (let k = 0; k < p.value.length; k++) p.value[k] += scale * rng.normal();
  for (const [name, b] of collectBuffers(flow)) {
    for (let k = 0; k < b.length; k++) b[k] = name.endsWith('Variance') ? 0.5 + rng.uniform() : 0.3 * rng.normal();
  }
  flow.train(false);
  return flow;
}

const rng = () => new Rng(7);
const hiddenUnits = [8, 8];
const standardization = {
  data: new Standardize({ mean: [10, -3, 0.5], std: [2, 0.5, 4] }),
  context: new Standardize({ mean: [100, -1], std: [20, 3] }),
};
/** A chain of the elementwise bijectors over a diagonal normal base. */
function shiftScale(): Distribution {
  const bijector = new Chain([new Shift({ features: D, shift: [0.5, -1, 2] }), new Scale({ features: D, logScale: [0.3, -0.2, 0.1] }),
    new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], rng: rng() })]);
  return new TransformedDistribution(new DiagNormal({ features: D, loc: [0.1, 0.2, -0.3], logScale: [0.2, -0.1, 0.3] }), bijector);
}

/** Every flow kind, small; the conditional ones take a context of width C. */
const CASES: Array<[string, () => Distribution]> = [
  ['MAF', () => createMaf({ features: D, layers: 3, hiddenUnits, rng: rng() })],
  ['MAF, batch norm', () => createMaf({ features: D, layers: 2, hiddenUnits, batchNorm: true, rng: rng() })],
  ['MAF, random degrees and order, tanh, residual, shift-only', () => createMaf({
    features: D, layers: 2, hiddenUnits, degrees: 'random', order: 'random', activation: 'tanh', residual: true, shiftOnly: true, rng: rng(),
  })],
  ['MAF, elu, unclipped log-scale', () => createMaf({ features: D, layers: 2, hiddenUnits: [8], activation: 'elu', logScaleBound: Infinity, rng: rng() })],
  ['MAF, conditional, standardized', () => withStandardization(createMaf({ features: D, layers: 2, hiddenUnits, contextFeatures: C, rng: rng() }), standardization)],
  ['MAF, mixture-of-Gaussians base', () => createMaf({ features: D, layers: 2, hiddenUnits, base: 'mog', components: 3, rng: rng() })],
  ['IAF', () => createIaf({ features: D, layers: 2, hiddenUnits, rng: rng() })],
  ['IAF, conditional', () => createIaf({ features: D, layers: 2, hiddenUnits, contextFeatures: C, rng: rng() })],
  ['Real NVP, batch norm', () => createRealNvp({ features: D, layers: 3, hiddenUnits, batchNorm: true, rng: rng() })],
  ['Real NVP, conditional, softplus', () => createRealNvp({ features: D, layers: 2, hiddenUnits, contextFeatures: C, activation: 'softplus', rng: rng() })],
  ['NSF', () => createNsf({ features: D, layers: 2, hiddenUnits, bins: 5, tailBound: 2, rng: rng() })],
  ['NSF, conditional', () => createNsf({ features: D, layers: 2, hiddenUnits, bins: 3, contextFeatures: C, rng: rng() })],
  ['MADE', () => createMade({ features: D, hiddenUnits, rng: rng() })],
  ['MADE MoG', () => createMadeMog({ features: D, hiddenUnits, components: 4, rng: rng() })],
  ['MADE MoG, conditional', () => createMadeMog({ features: D, hiddenUnits, components: 3, contextFeatures: C, rng: rng() })],
  ['MAF MoG, conditional, standardized', () => withStandardization(createMafMog({ features: D, layers: 2, hiddenUnits, components: 3, contextFeatures: C, rng: rng() }), standardization)],
  ['a spline coupling', () => new TransformedDistribution(new DiagNormal({ features: D }), new AffineCoupling({
    features: D, hiddenUnits: [8], contextFeatures: C, transformer: new RationalQuadraticSpline({ bins: 4 }), rng: rng(),
  }))],
  ['shift, scale, diagonal normal', shiftScale],
  ['MAF, bounded columns, LU mixing, ActNorm', () => createMaf({
    features: D, layers: 3, hiddenUnits, order: 'lu', actNorm: true, bounds: [[0, 1], [-1, Infinity], [-Infinity, 2]], rng: rng(),
  })],
  ['NSF, conditional, bounded, standardized', () => withStandardization(createNsf({
    features: D, layers: 2, hiddenUnits, bins: 4, contextFeatures: C, bounds: [[-5, 25], [-Infinity, Infinity], [-20, Infinity]], rng: rng(),
  }), standardization)],
  ['MAF, conditional through a context encoder', () => withContextEncoder(
    createMaf({ features: D, layers: 2, hiddenUnits, contextFeatures: 4, rng: rng() }), { contextFeatures: C, hiddenUnits: [6], rng: rng() })],
  ['IAF, LU mixing, ActNorm', () => createIaf({ features: D, layers: 2, hiddenUnits, order: 'lu', actNorm: true, rng: rng() })],
  ['NAF, 2 blocks', () => createNaf({ features: D, layers: 2, hiddenUnits, sigmoidUnits: 4, blocks: 2, rng: rng() })],
  ['UMNN, conditional', () => createUmnn({ features: D, layers: 2, hiddenUnits, integrandUnits: 3, intervals: 8, contextFeatures: C, rng: rng() })],
  ['Bernstein, unrolled', () => createMaf({ features: D, layers: 2, hiddenUnits, transformer: new BernsteinTransformer({ degree: 5, bound: 2 }), rng: rng() })],
  ['circular spline, then a spline coupling with an angle', () => new TransformedDistribution(new StandardNormal(D), new Chain([
    new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], transformer: new CircularSpline({ circular: [true, false, true], bins: 4 }), rng: rng() }),
    new AffineCoupling({ features: D, hiddenUnits: [8], transformer: new CircularSpline({ circular: [true], bins: 3 }), rng: rng() }),
    new Bounds({ bounds: [[-Math.PI, Math.PI], [-Infinity, Infinity], [-Math.PI, Math.PI]] }),
  ]))],
  ['sigmoid, tanh, exp, softplus', () => new TransformedDistribution(new DiagNormal({ features: D }), new Chain([
    new Sigmoid({ features: D, low: -2, high: 5 }), new Softplus({ features: D }), new Shift({ features: D, shift: [-1, -1, -1] }),
    new Tanh({ features: D }), new Scale({ features: D, logScale: [1, 1, 1] }), new Exp({ features: D }),
    new Shift({ features: D, shift: [-3, -3, -3] }), new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [8], rng: rng() }),
  ]))],
];

function tensor(data: ArrayLike<number>, rows: number, cols: number): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(data), [rows, cols]);
}

/**
 * Rows to score in the flow's units: the flow's own samples (inside any bounds), and a few wide draws (the spline
 * tails; outside bounds, where the log-density is −∞).
 */
function dataRows(flow: Distribution, seed: number, context: Matrix | undefined): Matrix {
  const r = new Rng(seed);
  const wide = 8;
  const drawn = flow.sample(N, { rng: new Rng(seed + 1), ...(context === undefined ? {} : { context }) });
  const data = Float32Array.from(drawn.data);
  const dataStd = hasStandardization(flow) ? standardization.data : null;
  for (let k = (N - wide) * D; k < data.length; k++) {
    data[k] = dataStd === null ? 1.5 * r.normal() : dataStd.mean[k % D] + dataStd.std[k % D] * 1.5 * r.normal();
  }
  return { rows: N, cols: D, data };
}

function contextRows(flow: Distribution, seed: number): Matrix | undefined {
  if (flow.contextFeatures === 0) return undefined;
  const r = new Rng(seed);
  const data = new Float32Array(N * C);
  const pre = hasStandardization(flow) ? standardization.context : null;
  for (let k = 0; k < data.length; k++) data[k] = pre === null ? r.normal() : pre.mean[k % C] + pre.std[k % C] * r.normal();
  return { rows: N, cols: C, data };
}

function hasStandardization(flow: Distribution): boolean {
  return flow instanceof TransformedDistribution && flow.contextStandardize !== undefined;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = TOLERANCE): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let k = 0; k < expected.length; k++) {
    const error = actual[k] === expected[k] ? 0 : Math.abs(actual[k] - expected[k]) / Math.max(1, Math.abs(expected[k]));
    if (!(error <= worst)) {
      worst = error;
      at = k;
    }
  }
  assert.ok(worst <= tolerance, `${what}: relative error ${worst} at ${at} (onnx ${actual[at]}, maflow ${expected[at]})`);
}

for (const [name, make] of CASES) {
  test(`ONNX Runtime gives maflow's log-densities and samples: ${name}`, async () => {
    const flow = perturb(make(), 11);
    const context = contextRows(flow, 4);
    const x = dataRows(flow, 3, context);
    const feeds: Record<string, ort.Tensor> = { x: tensor(x.data, N, D) };
    if (context !== undefined) feeds.context = tensor(context.data, N, C);
    const session = await ort.InferenceSession.create(exportOnnx(flow));
    assert.deepEqual(session.inputNames, onnxSignature(flow).inputs.map((i) => i.name));
    const { log_prob: logProb } = await session.run(feeds);
    assert.deepEqual(logProb.dims, [N]);
    assertClose(logProb.data as Float32Array, flow.logProb(x, context === undefined ? {} : { context }), 'log_prob');

    const recorder = new RecordingRng(5);
    const drawn = flow.sampleAndLogProb(N, { rng: recorder, ...(context === undefined ? {} : { context }) });
    const sampler = await ort.InferenceSession.create(exportOnnx(flow, { graph: 'sample', sequential: name.includes('unrolled') ? 'unrolled' : 'loop' }));
    const uniform = onnxSignature(flow, 'sample').inputs.find((i) => i.name === 'uniform');
    const U = uniform === undefined ? 0 : uniform.shape[1] as number;
    // A MADE MoG draws feature by feature (d outer, row inner); every other base row by row.
    const featureMajor = U === D;
    const sampleFeeds: Record<string, ort.Tensor> = { noise: tensor(rowMajor(recorder.normals, D, featureMajor), N, D) };
    if (U > 0) sampleFeeds.uniform = tensor(rowMajor(recorder.uniforms, U, featureMajor), N, U);
    if (context !== undefined) sampleFeeds.context = feeds.context;
    const out = await sampler.run(sampleFeeds);
    const samples = out.samples.data as Float32Array;
    if (/NAF|UMNN|Bernstein/.test(name)) {
      // maflow inverts these numerically to a residual of 1e-4 (float32), the graph bisects to float32's resolution:
      // the graph's draws map back to the very noise (maflow's own come back within 2e-5), and score as maflow scores them.
      const bijector = (flow as TransformedDistribution).bijector;
      const back = bijector.inverse({ rows: N, cols: D, data: samples }, context === undefined ? {} : { context });
      assertClose(back.data, recorder.normals, 'noise from the samples');
      assertClose(out.log_prob.data as Float32Array, flow.logProb({ rows: N, cols: D, data: samples }, context === undefined ? {} : { context }), 'sample log_prob');
      assertClose(samples, drawn.samples.data, 'samples', 1e-3);
      return;
    }
    assertClose(samples, drawn.samples.data, 'samples');
    assertClose(out.log_prob.data as Float32Array, drawn.logProb, 'sample log_prob');
  });
}

/** Recorded draws as a row-major `[N, cols]` matrix (transposed when they were drawn column by column). */
function rowMajor(draws: number[], cols: number, featureMajor: boolean): number[] {
  assert.equal(draws.length, N * cols, 'one draw per entry');
  if (!featureMajor) return draws;
  return Array.from({ length: N * cols }, (_, k) => draws[(k % cols) * N + Math.floor(k / cols)]);
}

test("compute: 'float32' (no float64 kernels) stays within a few float32 ulps of maflow", async () => {
  for (const [name, make] of CASES.filter(([n]) => /^(MAF|NSF, conditional|MAF MoG|IAF, conditional|NAF|UMNN|Bernstein|circular)/.test(n))) {
    const flow = perturb(make(), 11);
    const context = contextRows(flow, 4);
    const x = dataRows(flow, 3, context);
    const session = await ort.InferenceSession.create(exportOnnx(flow, { compute: 'float32' }));
    const feeds: Record<string, ort.Tensor> = { x: tensor(x.data, N, D), ...(context === undefined ? {} : { context: tensor(context.data, N, C) }) };
    const { log_prob: logProb } = await session.run(feeds);
    assertClose(logProb.data as Float32Array, flow.logProb(x, context === undefined ? {} : { context }), `${name}: log_prob`, 1e-4);
  }
});

test('staircaseBlocks: masked layers split into prefix Gemms give the same log-densities', async () => {
  const cases = CASES.filter(([n]) => /^(MAF, conditional, standardized|MAF, random degrees.*|MADE MoG, conditional|NSF)$/.test(n));
  assert.equal(cases.length, 4);
  for (const [name, make] of cases) {
    const flow = perturb(make(), 11);
    const context = contextRows(flow, 4);
    const x = dataRows(flow, 3, context);
    const feeds: Record<string, ort.Tensor> = { x: tensor(x.data, N, D), ...(context === undefined ? {} : { context: tensor(context.data, N, C) }) };
    for (const staircaseBlocks of [2, 5]) {
      const session = await ort.InferenceSession.create(exportOnnx(flow, { staircaseBlocks }));
      const { log_prob: logProb } = await session.run(feeds);
      assertClose(logProb.data as Float32Array, flow.logProb(x, context === undefined ? {} : { context }), `${name}, ${staircaseBlocks} blocks`);
    }
  }
  assert.throws(() => exportOnnx(createMaf({ features: D, layers: 1, rng: rng() }), { staircaseBlocks: 0 }), /staircaseBlocks must be a positive integer/);
});

test('a flow with a bijector the export does not know is refused naming it', () => {
  class Twist extends Bijector {
    readonly features = D;
    readonly contextFeatures = 0;
    readonly dtype = 'float32' as const;
    readonly inverseIsParallel = true;
    readonly forwardIsParallel = true;
    protected computeForward(u: Matrix): BijectorResult { return { output: u, logDet: new Float64Array(u.rows) }; }
    protected computeInverse(x: Matrix): BijectorResult { return { output: x, logDet: new Float64Array(x.rows) }; }
    config(): BijectorConfig { return { type: 'Twist' }; }
  }
  const flow = new TransformedDistribution(createMade({ features: D, hiddenUnits: [4], rng: rng() }), new Twist());
  assert.throws(() => exportOnnx(flow), (error: Error) => error instanceof UnsupportedOnnxError
    && /cannot export the bijector Twist \(the export knows Chain, /.test(error.message));
  class Doubling implements Transformer {
    readonly paramsPerFeature = 1;
    readonly constantJacobian = true;
    inverse(): void {}
    forward(): void {}
    inverseBackward(): void {}
    forwardBackward(): void {}
    forwardDerivative(): void {}
    config(): TransformerConfig { return { type: 'doubling' }; }
  }
  const custom = new MaskedAutoregressiveFlow({ features: D, hiddenUnits: [4], transformer: new Doubling(), rng: rng() });
  assert.throws(() => exportOnnx(new TransformedDistribution(new StandardNormal(D), custom)), (error: Error) => error instanceof UnsupportedOnnxError
    && /cannot export the transformer Doubling \(the export knows affine, spline, circular spline, NAF, UMNN, Bernstein\)/.test(error.message));
  assert.throws(() => exportOnnx(createMaf({ features: D, layers: 1, rng: rng() }), { graph: 'logprob' as 'logProb' }), /graph must be 'logProb' or 'sample'/);
  assert.throws(() => exportOnnx(createMaf({ features: D, layers: 1, rng: rng() }), { compute: 'float16' as 'float32' }), /compute must be 'float64' or 'float32'/);
});

test('the exported model carries its signature, columns and opset', async () => {
  const flow = withStandardization(createMaf({ features: D, layers: 1, hiddenUnits: [4], contextFeatures: C, rng: rng() }), standardization);
  const bytes = exportOnnx(flow, { columns: ['a', 'b', 'c'], contextColumns: ['t', 'u'], metadata: { trainedOn: 'x.csv' } });
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['x', 'context']);
  assert.deepEqual(session.outputNames, ['log_prob']);
  const text = new TextDecoder('latin1').decode(bytes);
  for (const needle of ['maflow.columns', '["a","b","c"]', '["t","u"]', 'trainedOn', 'x.csv']) assert.ok(text.includes(needle), needle);
  // An empty batch is a batch too.
  const empty = await session.run({ x: tensor([], 0, D), context: tensor([], 0, C) });
  assert.deepEqual(empty.log_prob.dims, [0]);
});


test("sequential: 'unrolled' (step by step) and 'loop' (one ONNX Loop) give the same sequential passes", async () => {
  const cases = CASES.filter(([n]) => /^(IAF, conditional|MADE MoG, conditional|MAF, random degrees.*)$/.test(n));
  assert.equal(cases.length, 3);
  for (const [name, make] of cases) {
    const flow = perturb(make(), 11);
    const context = contextRows(flow, 4);
    const graph = name.startsWith('IAF') ? 'logProb' : 'sample';
    const inputs = onnxSignature(flow, graph).inputs;
    const r = new Rng(9);
    const feeds = Object.fromEntries(inputs.map((i) => [i.name, i.name === 'context' ? tensor(context!.data, N, C)
      : tensor(Array.from({ length: N * (i.shape[1] as number) }, () => (i.name === 'uniform' ? r.uniform() : r.normal())), N, i.shape[1] as number)]));
    const [loop, unrolled] = await Promise.all((['loop', 'unrolled'] as const).map(async (sequential) =>
      (await ort.InferenceSession.create(exportOnnx(flow, { graph, sequential }))).run(feeds)));
    for (const output of Object.keys(loop)) assertClose(loop[output].data as Float32Array, unrolled[output].data as Float32Array, `${name}: ${output}`, 1e-6);
  }
  assert.throws(() => exportOnnx(createMaf({ features: D, layers: 1, rng: rng() }), { sequential: 'scan' as 'loop' }), /sequential must be 'loop' or 'unrolled'/);
  assert.throws(() => exportOnnx(createMaf({ features: D, layers: 1, rng: rng() }), { bisectionSteps: 0 }), /bisectionSteps must be a positive integer/);
});
