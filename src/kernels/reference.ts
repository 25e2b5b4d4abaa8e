import type { FloatArray } from '../core/matrix.ts';
import type {
  Activation, AffineTransformerKernel, Kernels, StaircaseLayer, StaircaseNetwork, TensorListLayout, TransformBackwardOp, ParameterUpdateOp,
} from './kernels.ts';
import { transformerParamsPerFeature } from './kernels.ts';
import { circularSplineMath } from './circular-spline-math.ts';
import { monotoneMath } from './monotone-math.ts';
import { splineMath } from './spline-math.ts';
import { composeStaircaseTrainBackward, composeStaircaseTrainForward } from './staircase-train.ts';

function activate(kind: Activation, v: number): number {
  switch (kind) {
    case 'relu': return v > 0 ? v : 0;
    case 'tanh': return Math.tanh(v);
    case 'elu': return v > 0 ? v : Math.expm1(v);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    // log(1 + e^v) without overflow for large v.
    case 'softplus': return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    case 'identity': return v;
  }
}

function derivativeFromOutput(kind: Activation, y: number): number {
  switch (kind) {
    case 'relu': return y > 0 ? 1 : 0;
    case 'tanh': return 1 - y * y;
    case 'elu': return y > 0 ? 1 : y + 1;
    case 'sigmoid': return y * (1 - y);
    case 'softplus': return -Math.expm1(-y);
    case 'identity': return 1;
  }
}

/** `s = c·tanh(r/c)`: the soft-clipped log-scale (identity when `c` is infinite). */
function softClip(r: number, bound: number): number {
  return bound === Infinity ? r : bound * Math.tanh(r / bound);
}

function softClipDerivative(s: number, bound: number): number {
  if (bound === Infinity) return 1;
  const t = s / bound;
  return 1 - t * t;
}

/** `out[:, s:e] = (base ? base[:, s:e] : 0) + add[:, s:e]` for `[rows, cols]` buffers (residual MADE sums). */
function addColumns(rows: number, cols: number, start: number, end: number, base: FloatArray | null, add: FloatArray,
  out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    for (let k = r * cols + start, stop = r * cols + end; k < stop; k++) out[k] = (base === null ? 0 : base[k]) + add[k];
  }
}

/** Calls `body(k0, k1)` for each run of live entries of tensor `t` of a list: the whole tensor, or each row's prefix. */
function forEachLiveRange(layout: TensorListLayout, t: number, body: (k0: number, k1: number) => void): void {
  const [rows, cols, staircase] = [layout.rows[t], layout.cols[t], layout.staircases[t]];
  if (staircase === null) {
    body(0, rows * cols);
    return;
  }
  for (let r = 0; r < rows; r++) body(r * cols, r * cols + staircase[r]);
}

/**
 * The `reference` backend: plain TypeScript loops over Float32Array or Float64Array. It runs everywhere (the browser
 * included) and is the oracle every other backend is tested against; it is written for clarity, not speed.
 */
export const referenceKernels: Kernels = {
  name: 'reference',

  prefixGemm({ batch, inDim, outDim, x, weight: w, prefix, bias, out, accumulate = false, activation = 'identity',
    outStart = 0, outEnd = outDim }) {
    for (let b = 0; b < batch; b++) {
      const xo = b * inDim;
      const oo = b * outDim;
      for (let j = outStart; j < outEnd; j++) {
        const p = prefix === null ? inDim : prefix[j];
        const wo = j * inDim;
        let acc = accumulate ? out[oo + j] : bias === null ? 0 : bias[j];
        for (let i = 0; i < p; i++) acc += x[xo + i] * w[wo + i];
        out[oo + j] = activation === 'identity' ? acc : activate(activation, acc);
      }
    }
  },

  prefixGemmBackwardInput({ batch, inDim, outDim, dOut, weight: w, prefix, dIn, accumulate = false }) {
    if (!accumulate) dIn.fill(0, 0, batch * inDim);
    for (let b = 0; b < batch; b++) {
      const io = b * inDim;
      const oo = b * outDim;
      for (let j = 0; j < outDim; j++) {
        const g = dOut[oo + j];
        if (g === 0) continue;
        const p = prefix === null ? inDim : prefix[j];
        const wo = j * inDim;
        for (let i = 0; i < p; i++) dIn[io + i] += g * w[wo + i];
      }
    }
  },

  prefixGemmBackwardWeight({ batch, inDim, outDim, dOut, x, prefix, dWeight: dW, dBias, accumulate = false }) {
    if (!accumulate) {
      for (let j = 0; j < outDim; j++) dW.fill(0, j * inDim, j * inDim + (prefix === null ? inDim : prefix[j]));
      dBias?.fill(0, 0, outDim);
    }
    for (let b = 0; b < batch; b++) {
      const xo = b * inDim;
      const oo = b * outDim;
      for (let j = 0; j < outDim; j++) {
        const g = dOut[oo + j];
        if (dBias !== null) dBias[j] += g;
        if (g === 0) continue;
        const p = prefix === null ? inDim : prefix[j];
        const wo = j * inDim;
        for (let i = 0; i < p; i++) dW[wo + i] += g * x[xo + i];
      }
    }
  },

  activation({ activation, rows, cols, colStart = 0, colEnd = cols, x, out }) {
    for (let r = 0; r < rows; r++) {
      for (let c = r * cols + colStart, end = r * cols + colEnd; c < end; c++) out[c] = activate(activation, x[c]);
    }
  },

  activationBackward({ activation, n, y, dOut, dIn }) {
    for (let k = 0; k < n; k++) dIn[k] = dOut[k] * derivativeFromOutput(activation, y[k]);
  },

  transformInverse(op) {
    const { transformer: t, batch, features, dStart = 0, dEnd = features, input, params, output, logDet } = op;
    const accumulate = op.accumulateLogDet ?? false;
    switch (t.kind) {
      case 'affine': return affineInverse(t, batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      case 'spline': return splineMath(t).inverse(batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      case 'circular-spline':
        return circularSplineMath(t).inverse(batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      default: return monotoneMath(t).inverse(batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
    }
  },

  transformForward(op) {
    const { transformer: t, batch, features, dStart = 0, dEnd = features, input, params, output, logDet } = op;
    const accumulate = op.accumulateLogDet ?? false;
    switch (t.kind) {
      case 'affine': return affineForward(t, batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      case 'spline': return splineMath(t).forward(batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      case 'circular-spline':
        return circularSplineMath(t).forward(batch, features, dStart, dEnd, input, params, output, logDet, accumulate);
      default:
        return monotoneMath(t).forward(batch, features, dStart, dEnd, input, params, output, logDet, accumulate,
          op.inversion ?? null);
    }
  },

  transformInverseBackward(op) {
    const { transformer: t, batch, features, input, params, output, dOutput, dLogDet, dInput, dParams } = op;
    switch (t.kind) {
      case 'affine': return affineInverseBackward(t, op);
      case 'spline': return splineMath(t).inverseBackward(batch, features, input, params, output, dOutput, dLogDet, dInput, dParams);
      case 'circular-spline':
        return circularSplineMath(t).inverseBackward(batch, features, input, params, output, dOutput, dLogDet, dInput, dParams);
      default: return monotoneMath(t).inverseBackward(batch, features, input, params, dOutput, dLogDet, dInput, dParams);
    }
  },

  transformForwardBackward(op) {
    const { transformer: t, batch, features, input, params, output, dOutput, dLogDet, dInput, dParams } = op;
    switch (t.kind) {
      case 'affine': return affineForwardBackward(t, op);
      case 'spline': return splineMath(t).forwardBackward(batch, features, input, params, output, dOutput, dLogDet, dInput, dParams);
      case 'circular-spline':
        return circularSplineMath(t).forwardBackward(batch, features, input, params, output, dOutput, dLogDet, dInput, dParams);
      default: return monotoneMath(t).forwardBackward(batch, features, params, output, dOutput, dLogDet, dInput, dParams);
    }
  },

  staircaseSequential({ network, batch, context, input: u, output: x, logDet, inversion = null }) {
    const P = transformerParamsPerFeature(network.transformer);
    const pass = madePass(referenceKernels, network, batch, context, x);
    for (let d = 0; d < network.features; d++) {
      pass.step((l) => [network.hidden[l].degreeStarts[d], network.hidden[l].degreeStarts[d + 1]], d * P, (d + 1) * P);
      referenceKernels.transformForward({
        transformer: network.transformer, batch, features: network.features, dStart: d, dEnd: d + 1, input: u,
        params: pass.params, output: x, logDet, accumulateLogDet: true, inversion,
      });
    }
  },

  staircaseParallel({ network, batch, context, input: x, output: z, logDet }) {
    const pass = madePass(referenceKernels, network, batch, context, x);
    pass.step((l) => [0, network.hidden[l].outDim], 0, network.output.outDim);
    referenceKernels.transformInverse({
      transformer: network.transformer, batch, features: network.features, input: x, params: pass.params, output: z,
      logDet, accumulateLogDet: true,
    });
  },

  staircaseTrainForward(op) {
    composeStaircaseTrainForward(referenceKernels, op);
  },

  staircaseTrainBackward(op) {
    composeStaircaseTrainBackward(referenceKernels, op);
  },

  gatherColumns({ rows, cols, x, index, out }) {
    for (let o = 0, end = rows * cols; o < end; o += cols) {
      for (let i = 0; i < cols; i++) out[o + i] = x[o + index[i]];
    }
  },

  columnMoments({ batch, cols, x, mean, variance }) {
    mean.fill(0, 0, cols);
    variance.fill(0, 0, cols);
    for (let b = 0; b < batch; b++) for (let c = 0; c < cols; c++) mean[c] += x[b * cols + c];
    for (let c = 0; c < cols; c++) mean[c] /= batch;
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < cols; c++) {
        const d = x[b * cols + c] - mean[c];
        variance[c] += d * d;
      }
    }
    for (let c = 0; c < cols; c++) variance[c] /= batch;
  },

  batchNormApply({ batch, cols, x, mean, variance, eps, logGamma, beta, out }) {
    for (let c = 0; c < cols; c++) {
      const scale = Math.exp(logGamma[c]) / Math.sqrt(variance[c] + eps);
      for (let b = 0; b < batch; b++) {
        const k = b * cols + c;
        out[k] = (x[k] - mean[c]) * scale + beta[c];
      }
    }
  },

  batchNormBackward({ batch, cols, x, mean, variance, eps, logGamma, dOut, dLogDetSum, dX, dLogGamma, dBeta }) {
    for (let c = 0; c < cols; c++) {
      const sigma = Math.sqrt(variance[c] + eps);
      const gamma = Math.exp(logGamma[c]);
      let sumG = 0;
      let sumGH = 0;
      let sumOutH = 0;
      for (let b = 0; b < batch; b++) {
        const k = b * cols + c;
        const h = (x[k] - mean[c]) / sigma;
        const g = dOut[k] * gamma;
        sumG += g;
        sumGH += g * h;
        sumOutH += dOut[k] * h;
        dBeta[c] += dOut[k];
      }
      dLogGamma[c] += sumOutH * gamma + dLogDetSum;
      // Batch statistics depend on x: the usual BN backward, plus the log-det's −½ log(var + eps) term.
      const meanG = sumG / batch;
      const meanGH = (sumGH + dLogDetSum) / batch;
      for (let b = 0; b < batch; b++) {
        const k = b * cols + c;
        const h = (x[k] - mean[c]) / sigma;
        dX[k] = (dOut[k] * gamma - meanG - h * meanGH) / sigma;
      }
    }
  },

  sumOfSquares({ layout, x, out }) {
    for (let t = 0; t < layout.rows.length; t++) {
      const xt = x[t];
      let sum = 0;
      forEachLiveRange(layout, t, (k0, k1) => {
        for (let k = k0; k < k1; k++) sum += xt[k] * xt[k];
      });
      out[t] = sum;
    }
  },

  axpby({ layout, alpha, beta, x, y }) {
    for (let t = 0; t < layout.rows.length; t++) {
      const [xt, yt] = [x === null ? null : x[t], y[t]];
      forEachLiveRange(layout, t, (k0, k1) => {
        for (let k = k0; k < k1; k++) {
          const scaled = alpha === 0 ? 0 : alpha * yt[k];
          yt[k] = xt === null ? scaled : scaled + beta * xt[k];
        }
      });
    }
  },

  adamUpdate(op) {
    const { lr, beta1, beta2, eps, weightDecay, step } = op;
    const c1 = 1 - Math.pow(beta1, step);
    const c2 = 1 - Math.pow(beta2, step);
    updatePass(op, [op.m, op.v], (p, g, [mt, vt], k) => {
      const gk = g + weightDecay * p;
      mt[k] = beta1 * mt[k] + (1 - beta1) * gk;
      vt[k] = beta2 * vt[k] + (1 - beta2) * gk * gk;
      return p - (lr * (mt[k] / c1)) / (Math.sqrt(vt[k] / c2) + eps);
    });
  },

  sgdMomentumUpdate(op) {
    const { lr, momentum, weightDecay } = op;
    updatePass(op, [op.velocity], (p, g, [bt], k) => {
      bt[k] = momentum * bt[k] + g + weightDecay * p;
      return p - lr * bt[k];
    });
  },
};

/**
 * The pass of an optimiser's update kernel over the live entries: `update(param, grad, slots, k)` gives entry k's new
 * value from its parameter and its gradient (scaled by `gradScale` and rounded to the gradient's dtype, as a clipping
 * `axpby` before the step would have left it), and `UpdatePassOp`'s sums of squares and moving average come along.
 */
function updatePass(op: ParameterUpdateOp,
  slots: ReadonlyArray<readonly FloatArray[]>, update: (param: number, grad: number, slots: FloatArray[], k: number) => number): void {
  const { layout, param, grad, gradSquares, average } = op;
  const scale = op.gradScale ?? 1;
  const decay = op.averageDecay ?? 0;
  for (let t = 0; t < layout.rows.length; t++) {
    const [pt, gt, at] = [param[t], grad[t], average?.[t]];
    const st = slots.map((slot) => slot[t]);
    const round = gt instanceof Float32Array ? Math.fround : (v: number): number => v;
    let squares = 0;
    forEachLiveRange(layout, t, (k0, k1) => {
      for (let k = k0; k < k1; k++) {
        squares += gt[k] * gt[k];
        pt[k] = update(pt[k], scale === 1 ? gt[k] : round(scale * gt[k]), st, k);
        if (at !== undefined) at[k] = decay * at[k] + (1 - decay) * pt[k];
      }
    });
    if (gradSquares != null) gradSquares[t] = squares;
  }
}

function affineInverse(t: AffineTransformerKernel, batch: number, features: number, dStart: number, dEnd: number,
  x: FloatArray, params: FloatArray, z: FloatArray, logDet: Float64Array | null, accumulateLogDet: boolean): void {
  const { shiftOnly, logScaleBound: bound } = t;
  const stride = shiftOnly ? features : 2 * features;
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let d = dStart; d < dEnd; d++) {
      const k = b * features + d;
      if (shiftOnly) {
        z[k] = x[k] - params[b * stride + d];
      } else {
        const m = params[b * stride + 2 * d];
        const s = softClip(params[b * stride + 2 * d + 1], bound);
        z[k] = (x[k] - m) * Math.exp(-s);
        sum -= s;
      }
    }
    if (logDet !== null) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

function affineForward(t: AffineTransformerKernel, batch: number, features: number, dStart: number, dEnd: number,
  z: FloatArray, params: FloatArray, x: FloatArray, logDet: Float64Array | null, accumulateLogDet: boolean): void {
  const { shiftOnly, logScaleBound: bound } = t;
  const stride = shiftOnly ? features : 2 * features;
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let d = dStart; d < dEnd; d++) {
      const k = b * features + d;
      if (shiftOnly) {
        x[k] = z[k] + params[b * stride + d];
      } else {
        const m = params[b * stride + 2 * d];
        const s = softClip(params[b * stride + 2 * d + 1], bound);
        x[k] = z[k] * Math.exp(s) + m;
        sum += s;
      }
    }
    if (logDet !== null) logDet[b] = accumulateLogDet ? logDet[b] + sum : sum;
  }
}

/** `dX = dZ·exp(−s)`, `∂/∂m = −dZ·exp(−s)`, `∂/∂r = (−dZ·z − dLogDet)·∂s/∂r` with `∂s/∂r = 1 − (s/c)²`. */
function affineInverseBackward(t: AffineTransformerKernel, op: TransformBackwardOp): void {
  const { batch, features, params, output: z, dOutput: dZ, dLogDet, dInput: dX, dParams } = op;
  const { shiftOnly, logScaleBound: bound } = t;
  const stride = shiftOnly ? features : 2 * features;
  for (let b = 0; b < batch; b++) {
    const gl = dLogDet === null ? 0 : dLogDet[b];
    for (let d = 0; d < features; d++) {
      const k = b * features + d;
      if (shiftOnly) {
        dX[k] = dZ[k];
        dParams[b * stride + d] = -dZ[k];
      } else {
        const s = softClip(params[b * stride + 2 * d + 1], bound);
        const e = Math.exp(-s);
        dX[k] = dZ[k] * e;
        dParams[b * stride + 2 * d] = -dZ[k] * e;
        dParams[b * stride + 2 * d + 1] = (-dZ[k] * z[k] - gl) * softClipDerivative(s, bound);
      }
    }
  }
}

/** `dZ = dX·exp(s)`, `∂/∂m = dX`, `∂/∂r = (dX·z·exp(s) + dLogDet)·∂s/∂r`. */
function affineForwardBackward(t: AffineTransformerKernel, op: TransformBackwardOp): void {
  const { batch, features, params, input: z, dOutput: dX, dLogDet, dInput: dZ, dParams } = op;
  const { shiftOnly, logScaleBound: bound } = t;
  const stride = shiftOnly ? features : 2 * features;
  for (let b = 0; b < batch; b++) {
    const gl = dLogDet === null ? 0 : dLogDet[b];
    for (let d = 0; d < features; d++) {
      const k = b * features + d;
      if (shiftOnly) {
        dZ[k] = dX[k];
        dParams[b * stride + d] = dX[k];
      } else {
        const s = softClip(params[b * stride + 2 * d + 1], bound);
        const e = Math.exp(s);
        dZ[k] = dX[k] * e;
        dParams[b * stride + 2 * d] = dX[k];
        dParams[b * stride + 2 * d + 1] = (dX[k] * z[k] * e + gl) * softClipDerivative(s, bound);
      }
    }
  }
}

/** Exposed for tests and for backends that delegate float64 work to the reference loops. */
export type ReferenceKernels = typeof referenceKernels;
export type { FloatArray };

/**
 * The MADE of the fused passes on `x` (read at every step, so the sequential pass may write it in between), composed
 * from `k`'s `prefixGemm` (a backend without a fused engine composes its passes so): every layer's output starts at
 * `bias + W_c · c`; `step(rangeOf, outStart, outEnd)` computes hidden layer l's columns `rangeOf(l)` and then the
 * output columns `[outStart, outEnd)` into `params`. `allocate` gives the work buffers (a backend's own memory).
 */
export function madePass(k: Kernels, network: StaircaseNetwork, batch: number, context: FloatArray | null, x: FloatArray,
  allocate: (n: number) => FloatArray = (n) => (x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n))) {
  const { hidden, output, residual, contextFeatures } = network;
  const init = (layer: StaircaseLayer): FloatArray => {
    const out = allocate(batch * layer.outDim);
    if (layer.contextWeight !== null && context !== null) {
      k.prefixGemm({ batch, inDim: contextFeatures, outDim: layer.outDim, x: context, weight: layer.contextWeight,
        prefix: null, bias: layer.bias, out });
    } else {
      for (let b = 0; b < batch; b++) out.set(layer.bias.subarray(0, layer.outDim), b * layer.outDim);
    }
    return out;
  };
  const a = hidden.map(init);
  const h = residual ? hidden.map((layer) => allocate(batch * layer.outDim)) : a;
  const params = init(output);
  const step = (rangeOf: (l: number) => [number, number], outStart: number, outEnd: number): void => {
    hidden.forEach((layer, l) => {
      const [start, end] = rangeOf(l);
      if (start === end) return;
      k.prefixGemm({ batch, inDim: layer.inDim, outDim: layer.outDim, x: l === 0 ? x : h[l - 1], weight: layer.weight,
        prefix: layer.prefix, bias: null, out: a[l], accumulate: true, activation: layer.activation, outStart: start, outEnd: end });
      if (residual) addColumns(batch, layer.outDim, start, end, l === 0 ? null : h[l - 1], a[l], h[l]);
    });
    k.prefixGemm({ batch, inDim: output.inDim, outDim: output.outDim, x: h[h.length - 1], weight: output.weight,
      prefix: output.prefix, bias: null, out: params, accumulate: true, outStart, outEnd });
  };
  return { params, step };
}
