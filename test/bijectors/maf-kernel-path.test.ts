/**
 * A MAF takes its fused kernel path from its transformer's description, not from the transformer's class: every
 * built-in transformer describes one (`kernelPath` 'fused'); a transformer without a `kernel` (here a wrapper that hides
 * a built-in one's description) falls back to the layer-by-layer path, says so, and computes the same density, samples
 * and gradients. Training takes the fused path too (two kernel
 * calls per MADE), with the layer-by-layer path's gradients on every backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cast, matrix, type Dtype, type Matrix } from '../../src/core/matrix.ts';
import { withBackend } from '../../src/kernels/backend.ts';
import type { Kernels } from '../../src/kernels/kernels.ts';
import { loadNativeBackend } from '../../src/kernels/native.ts';
import { referenceKernels } from '../../src/kernels/reference.ts';
import { loadWasmBackendSync } from '../../src/kernels/wasm-sync.ts';
import { Rng } from '../../src/core/rng.ts';
import { AffineTransformer } from '../../src/bijectors/affine-transformer.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { BernsteinTransformer } from '../../src/bijectors/bernstein-transformer.ts';
import { CircularSpline } from '../../src/bijectors/circular-spline.ts';
import { NeuralAutoregressiveTransformer } from '../../src/bijectors/neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import { UmnnTransformer } from '../../src/bijectors/umnn-transformer.ts';
import type { Transformer } from '../../src/bijectors/transformer.ts';

/** A transformer's arithmetic behind an object with no kernel description. */
function undescribed(inner: Transformer): Transformer {
  return {
    paramsPerFeature: inner.paramsPerFeature,
    constantJacobian: inner.constantJacobian,
    inverse: inner.inverse.bind(inner),
    forward: inner.forward.bind(inner),
    inverseBackward: inner.inverseBackward.bind(inner),
    forwardBackward: inner.forwardBackward.bind(inner),
    forwardDerivative: inner.forwardDerivative.bind(inner),
    config: inner.config.bind(inner),
  };
}

/** Every built-in transformer for 3 features (the circular spline with angles in columns 0 and 2). */
const BUILT_IN: [string, () => Transformer][] = [
  ['affine', () => new AffineTransformer({ logScaleBound: 3 })],
  ['spline', () => new RationalQuadraticSpline()],
  ['circular spline', () => new CircularSpline({ circular: [true, false, true], bins: 5 })],
  ['bernstein', () => new BernsteinTransformer({ degree: 5 })],
  ['naf', () => new NeuralAutoregressiveTransformer({ hiddenUnits: 3, blocks: 2 })],
  ['umnn', () => new UmnnTransformer({ hiddenUnits: 3, intervals: 8 })],
];

test('every built-in transformer takes the fused path with the layer-by-layer path\'s density, samples and inversion report', () => {
  for (const [name, make] of BUILT_IN) {
    const build = (transformer: Transformer) => new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [10, 10],
      contextFeatures: 2, rng: new Rng(4), dtype: 'float64', transformer, outputInitScale: 0.5 });
    const fused = build(make());
    const plain = build(undescribed(make()));
    assert.equal(fused.kernelPath, 'fused', name);
    assert.equal(plain.kernelPath, 'layer-by-layer', name);
    const x = cast(matrix([[0.3, -1.2, 2], [1, 0.5, -0.7], [-2.5, 3.5, 0.1]]), 'float64');
    const c = cast(matrix([[1, 0], [-0.5, 2], [0, 0.3]]), 'float64');
    const a = fused.inverseAndLogDet(x, { context: c });
    const b = plain.inverseAndLogDet(x, { context: c });
    for (let k = 0; k < 9; k++) assert.ok(Math.abs(a.output.data[k] - b.output.data[k]) < 1e-12, `${name} inverse ${k}`);
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(a.logDet[r] - b.logDet[r]) < 1e-12, `${name} logDet ${r}`);
    const fa = fused.forwardAndLogDet(a.output, { context: c });
    const report = (fused.transformer as { lastInversion?: { entries: number; unconverged: number } }).lastInversion;
    if (report !== undefined) assert.deepEqual([report.entries, report.unconverged], [9, 0], `${name} inversion report`);
    const fb = plain.forwardAndLogDet(b.output, { context: c });
    for (let k = 0; k < 9; k++) {
      assert.ok(Math.abs(fa.output.data[k] - fb.output.data[k]) < 1e-9, `${name} forward ${k}`);
      // Angles come back modulo 2π (wrapped into [−π, π)).
      const back = name === 'circular spline' && k % 3 !== 1 ? x.data[k] - 2 * Math.PI * Math.round(x.data[k] / (2 * Math.PI)) : x.data[k];
      assert.ok(Math.abs(fa.output.data[k] - back) < 1e-8, `${name} round trip ${k}: ${fa.output.data[k]} vs ${back}`);
    }
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(fa.logDet[r] + a.logDet[r]) < 1e-8, `${name} forward logDet ${r}`);
  }
});

test('kernelPath: fused for described transformers, layer-by-layer (same numbers) for one without a description', () => {
  const make = (transformer: Transformer) => new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [10, 10],
    contextFeatures: 2, rng: new Rng(4), dtype: 'float64', transformer, outputInitScale: 1 });
  const affine = make(new AffineTransformer({ logScaleBound: 3 }));
  const plain = make(undescribed(new AffineTransformer({ logScaleBound: 3 })));
  assert.equal(affine.kernelPath, 'fused');
  assert.equal(make(new RationalQuadraticSpline()).kernelPath, 'fused');
  assert.equal(plain.kernelPath, 'layer-by-layer');
  const x = cast(matrix([[0.3, -1.2, 2], [1, 0.5, -0.7]]), 'float64');
  const c = cast(matrix([[1, 0], [-0.5, 2]]), 'float64');
  const a = affine.inverseAndLogDet(x, { context: c });
  const b = plain.inverseAndLogDet(x, { context: c });
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(a.output.data[k] - b.output.data[k]) < 1e-12, `inverse ${k}`);
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(a.logDet[r] - b.logDet[r]) < 1e-12, `logDet ${r}`);
  const fa = affine.forward(a.output, { context: c });
  const fb = plain.forward(b.output, { context: c });
  for (let k = 0; k < 6; k++) {
    assert.ok(Math.abs(fa.data[k] - fb.data[k]) < 1e-12, `forward ${k}`);
    assert.ok(Math.abs(fa.data[k] - x.data[k]) < 1e-9, `round trip ${k}`);
  }
});

/** Every gradient a train pass gives: the parameters', the input's and the context's. */
function trainGradients(maf: MaskedAutoregressiveFlow, x: Matrix, c: Matrix, dOutput: Matrix, dLogDet: Float64Array): Float64Array[] {
  for (const [, p] of maf.namedParameters()) p.zeroGrad();
  const pass = maf.inverseTrain(x, { context: c });
  const { dInput, dContext } = pass.backward(dOutput, dLogDet);
  // A second pass accumulates onto the first's gradients (the fused kernels' accumulate mode).
  maf.inverseTrain(x, { context: c }).backward(dOutput, dLogDet);
  return [pass.output.data, pass.logDet, dInput.data, (dContext as Matrix).data, ...maf.namedParameters().map(([, p]) => p.grad)]
    .map((a) => Float64Array.from(a));
}

test('training: the fused path (two kernel calls per MADE) gives the layer-by-layer path\'s gradients on every backend', () => {
  const native = loadNativeBackend();
  const backends: Array<[Kernels, Dtype, number]> = [[referenceKernels, 'float64', 1e-12], [loadWasmBackendSync(), 'float32', 2e-5]];
  if (native.ok) backends.push([native.kernels, 'float32', 2e-5]);
  for (const [k, dtype, tolerance] of backends) {
    const cases = [{ residual: false, activation: 'relu' as const, transformer: BUILT_IN[0] },
      { residual: true, activation: 'tanh' as const, transformer: BUILT_IN[0] },
      ...BUILT_IN.slice(1).map((transformer) => ({ residual: false, activation: 'tanh' as const, transformer }))];
    for (const { transformer: [name, create], ...options } of cases) {
      withBackend(k, () => {
        const make = (transformer: Transformer) => new MaskedAutoregressiveFlow({ features: 3, hiddenUnits: [12, 12], ...options,
          contextFeatures: 2, rng: new Rng(5), dtype, transformer, outputInitScale: 1 });
        const fused = make(create());
        const plain = make(undescribed(create()));
        const rng = new Rng(9);
        const random = (rows: number, cols: number) => cast({ rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) }, dtype);
        const [x, c, dOutput] = [random(7, 3), random(7, 2), random(7, 3)];
        const dLogDet = Float64Array.from({ length: 7 }, () => rng.normal());
        const a = trainGradients(fused, x, c, dOutput, dLogDet);
        const b = trainGradients(plain, x, c, dOutput, dLogDet);
        a.forEach((values, i) => values.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= tolerance * (1 + Math.abs(b[i][j])),
          `${k.name} ${dtype} ${name} ${JSON.stringify(options)} array ${i} element ${j}: fused ${v}, layer by layer ${b[i][j]}`)));
      });
    }
  }
});
