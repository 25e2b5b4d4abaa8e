/**
 * A MAF takes its fused kernel path from its transformer's description, not from the transformer's class: affine and
 * spline transformers describe one (`kernelPath` 'fused'); a transformer without a `kernel` (another helper's NAF or
 * Bernstein transformer, here a wrapper of the affine one that hides its description) falls back to the layer-by-layer
 * path, says so, and computes the same density, samples and gradients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cast, matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';
import { AffineTransformer } from '../../src/bijectors/affine-transformer.ts';
import { MaskedAutoregressiveFlow } from '../../src/bijectors/masked-autoregressive-flow.ts';
import { RationalQuadraticSpline } from '../../src/bijectors/rational-quadratic-spline.ts';
import type { Transformer } from '../../src/bijectors/transformer.ts';

/** The affine transformer's arithmetic behind an object with no kernel description. */
function undescribed(inner: AffineTransformer): Transformer {
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
