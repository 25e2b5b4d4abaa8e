/**
 * The reference backend's backward kernels against central finite differences in float64: prefix GEMM (input,
 * weights, bias) through every activation, every transformer description's transforms in both directions (with
 * their log-determinants: affine with soft clip bound 5 and Infinity and shiftOnly, rational-quadratic and circular
 * splines, Bernstein, NAF and UMNN, the base → data direction of the last three through their numerical inverse), and
 * training-mode batch norm including the log-det term. Also checks that the masked part of a staircase weight is never
 * read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { ACTIVATIONS, transformerParamsPerFeature } from '../../src/kernels/kernels.ts';
import { referenceKernels as ref } from '../../src/kernels/reference.ts';
import { forFeatures, TRANSFORMERS } from './conformance-cases.ts';

const H = 1e-6;

function normals(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.normal() * scale;
  return a;
}

/** Σ c·a: the scalar loss whose gradient with respect to `a` is `c`. */
function dot(c: ArrayLike<number>, a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < c.length; k++) s += c[k] * a[k];
  return s;
}

/** Checks `analytic[k]` against the central difference of `loss` in `param[k]`, for every k. */
function checkGradient(label: string, loss: () => number, param: Float64Array, analytic: ArrayLike<number>): void {
  for (let k = 0; k < param.length; k++) {
    const saved = param[k];
    param[k] = saved + H;
    const up = loss();
    param[k] = saved - H;
    const down = loss();
    param[k] = saved;
    const numeric = (up - down) / (2 * H);
    const tolerance = 1e-6 + 1e-5 * Math.abs(numeric);
    assert.ok(Math.abs(analytic[k] - numeric) <= tolerance,
      `${label}[${k}]: analytic ${analytic[k]} vs finite difference ${numeric}`);
  }
}

describe('reference backward kernels match finite differences (float64)', () => {
  for (const activation of ACTIVATIONS) {
    it(`prefixGemm backward input, weight and bias through ${activation}`, () => {
      const rng = new Rng(3);
      const [batch, inDim, outDim] = [4, 5, 7];
      const prefix = Int32Array.from([0, 1, 2, 2, 4, 5, 5]);
      const x = normals(rng, batch * inDim);
      const w = normals(rng, outDim * inDim, 0.7);
      const bias = normals(rng, outDim, 0.5);
      const c = normals(rng, batch * outDim);
      const out = new Float64Array(batch * outDim);
      const loss = (): number => {
        ref.prefixGemm({ batch, inDim, outDim, x, weight: w, prefix, bias, out, activation });
        return dot(c, out);
      };
      loss();
      const dPre = new Float64Array(batch * outDim);
      ref.activationBackward({ activation, n: batch * outDim, y: out, dOut: c, dIn: dPre });
      const dIn = new Float64Array(batch * inDim);
      const dW = new Float64Array(outDim * inDim);
      const dBias = new Float64Array(outDim);
      ref.prefixGemmBackwardInput({ batch, inDim, outDim, dOut: dPre, weight: w, prefix, dIn });
      ref.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut: dPre, x, prefix, dWeight: dW, dBias, accumulate: true });
      checkGradient('dX', loss, x, dIn);
      checkGradient('dW', loss, w, dW); // masked entries: both 0
      checkGradient('dBias', loss, bias, dBias);
      // Overwriting: stale live entries are replaced by the same sums, masked entries are left as they were.
      const stale = dW.map((_, k) => 100 + k);
      const staleBias = dBias.map(() => -7);
      ref.prefixGemmBackwardWeight({ batch, inDim, outDim, dOut: dPre, x, prefix, dWeight: stale, dBias: staleBias });
      dW.forEach((g, k) => {
        const live = prefix === null || k % inDim < prefix[Math.floor(k / inDim)];
        assert.equal(stale[k], live ? g : 100 + k, `overwritten dW[${k}]`);
      });
      assert.deepEqual(staleBias, dBias);
    });

    it(`activationBackward of ${activation} from the output`, () => {
      const rng = new Rng(5);
      const n = 40;
      const x = normals(rng, n, 3);
      const c = normals(rng, n);
      const y = new Float64Array(n);
      const loss = (): number => {
        ref.prefixGemm({ batch: n, inDim: 1, outDim: 1, x, weight: Float64Array.of(1), prefix: null, bias: null, out: y, activation });
        return dot(c, y);
      };
      loss();
      const dIn = c.slice();
      ref.activationBackward({ activation, n, y, dOut: dIn, dIn });
      checkGradient(`${activation}'`, loss, x, dIn);
    });
  }

  it('prefixGemm never reads the masked part of the weights', () => {
    const rng = new Rng(9);
    const [batch, inDim, outDim] = [3, 6, 5];
    const prefix = Int32Array.from([0, 0, 2, 3, 6]);
    const x = Float32Array.from(normals(rng, batch * inDim));
    const w = Float32Array.from(normals(rng, outDim * inDim));
    for (let j = 0; j < outDim; j++) w.fill(NaN, j * inDim + prefix[j], (j + 1) * inDim);
    const out = new Float32Array(batch * outDim);
    ref.prefixGemm({ batch, inDim, outDim, x, weight: w, prefix, bias: null, out, activation: 'tanh' });
    assert.ok(out.every(Number.isFinite), 'prefixGemm output has NaN from masked weights');
    const dIn = new Float32Array(batch * inDim);
    ref.prefixGemmBackwardInput({ batch, inDim, outDim, dOut: Float32Array.from(normals(rng, batch * outDim)), weight: w, prefix, dIn });
    assert.ok(dIn.every(Number.isFinite), 'prefixGemmBackwardInput has NaN from masked weights');
    assert.equal(out[0], 0, 'an output with an empty prefix is act(0)');
  });

  for (const description of TRANSFORMERS) {
    const transformer = forFeatures(description, 4);
    const name = JSON.stringify(transformer, (_, v: unknown) => (v instanceof Int32Array ? [...v] : v));
    for (const direction of ['inverse', 'forward'] as const) {
      it(`${name} ${direction} backward incl. dLogDet`, () => {
        const rng = new Rng(21);
        const [batch, features] = [3, 4];
        // Inside and outside a spline's [−B, B].
        const input = normals(rng, batch * features, transformer.kind === 'spline' ? transformer.tailBound * 0.8 : 1);
        const params = normals(rng, batch * features * transformerParamsPerFeature(transformer), transformer.kind === 'affine' ? 2 : 1);
        const cOut = normals(rng, batch * features);
        const cLogDet = normals(rng, batch);
        const output = new Float64Array(batch * features);
        const logDet = new Float64Array(batch);
        const loss = (): number => {
          const op = { transformer, batch, features, input, params, output, logDet };
          if (direction === 'inverse') ref.transformInverse(op);
          else ref.transformForward(op);
          return dot(cOut, output) + dot(cLogDet, logDet);
        };
        loss();
        const dInput = new Float64Array(batch * features);
        const dParams = new Float64Array(params.length);
        const op = { transformer, batch, features, input, params, output, dOutput: cOut, dLogDet: cLogDet, dInput, dParams };
        if (direction === 'inverse') ref.transformInverseBackward(op);
        else ref.transformForwardBackward(op);
        checkGradient('dInput', loss, input, dInput);
        checkGradient('dParams', loss, params, dParams);
      });
    }
  }

  it('batchNormBackward in training mode, incl. the log-det term (dLogDetSum)', () => {
    const rng = new Rng(31);
    const [batch, cols, eps] = [6, 3, 1e-3];
    const x = normals(rng, batch * cols, 2);
    const logGamma = normals(rng, cols, 0.3);
    const beta = normals(rng, cols);
    const c = normals(rng, batch * cols);
    const cLogDet = normals(rng, batch);
    const mean = new Float64Array(cols);
    const variance = new Float64Array(cols);
    const out = new Float64Array(batch * cols);
    const loss = (): number => {
      ref.columnMoments({ batch, cols, x, mean, variance });
      ref.batchNormApply({ batch, cols, x, mean, variance, eps, logGamma, beta, out });
      let logDet = 0;
      for (let k = 0; k < cols; k++) logDet += logGamma[k] - 0.5 * Math.log(variance[k] + eps);
      let s = dot(c, out);
      for (let b = 0; b < batch; b++) s += cLogDet[b] * logDet;
      return s;
    };
    loss();
    const dLogDetSum = cLogDet.reduce((a, v) => a + v, 0);
    const dX = new Float64Array(batch * cols);
    const dLogGamma = new Float64Array(cols);
    const dBeta = new Float64Array(cols);
    ref.batchNormBackward({ batch, cols, x, mean, variance, eps, logGamma, dOut: c, dLogDetSum, dX, dLogGamma, dBeta });
    checkGradient('dX', loss, x, dX);
    checkGradient('dLogGamma', loss, logGamma, dLogGamma);
    checkGradient('dBeta', loss, beta, dBeta);
  });
});
