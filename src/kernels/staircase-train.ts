/**
 * The training pass of a MADE with its transformer (`Kernels.staircaseTrainForward` / `staircaseTrainBackward`)
 * composed of a backend's own layer kernels: the definition the reference backend runs, and what an engine without a
 * fused version of a call (the native spline backward, a wasm memory too full) runs on its own kernels. The
 * arithmetic is `MaskedLinear.forward` / `MaskedLinear.backward` layer by layer, as `Made` and
 * `MaskedAutoregressiveFlow` compose them without the fused kernels.
 */
import type { FloatArray } from '../core/matrix.ts';
import type { Activation, Kernels, StaircaseLayer, StaircaseNetwork, StaircaseTrainBackwardOp, StaircaseTrainForwardOp } from './kernels.ts';

/** Allocates a work buffer like `like` (a backend's own memory where it has one). */
export type WorkAllocator = (like: FloatArray, length: number) => FloatArray;

const plainAllocator: WorkAllocator = (like, length) => (like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length));

/** Views of `saved`: `a[l]`, `h[l]` (what layer l passes on: its residual sum or `a[l]`) and the parameters θ. */
export function savedViews(network: StaircaseNetwork, batch: number, saved: FloatArray): { a: FloatArray[]; h: FloatArray[]; params: FloatArray } {
  let offset = 0;
  const take = (n: number): FloatArray => saved.subarray(offset, (offset += n));
  const a: FloatArray[] = [];
  const h: FloatArray[] = [];
  for (const layer of network.hidden) {
    a.push(take(batch * layer.outDim));
    h.push(network.residual ? take(batch * layer.outDim) : a[a.length - 1]);
  }
  return { a, h, params: take(batch * network.output.outDim) };
}

/** `out = act(W · in + W_c · c + b)` as `MaskedLinear.forward` computes it. */
function layerForward(k: Kernels, layer: StaircaseLayer, batch: number, contextFeatures: number, context: FloatArray | null,
  input: FloatArray, out: FloatArray, activation: Activation): void {
  if (layer.contextWeight !== null && context !== null) {
    k.prefixGemm({ batch, inDim: contextFeatures, outDim: layer.outDim, x: context, weight: layer.contextWeight, prefix: null,
      bias: layer.bias, out });
    k.prefixGemm({ batch, inDim: layer.inDim, outDim: layer.outDim, x: input, weight: layer.weight, prefix: layer.prefix,
      bias: null, out, accumulate: true, activation });
  } else {
    k.prefixGemm({ batch, inDim: layer.inDim, outDim: layer.outDim, x: input, weight: layer.weight, prefix: layer.prefix,
      bias: layer.bias, out, activation });
  }
}

/** `staircaseTrainForward` composed of `k`'s kernels. */
export function composeStaircaseTrainForward(k: Kernels, op: StaircaseTrainForwardOp): void {
  const { network, batch, context, input: x, output: z, logDet, saved } = op;
  const { a, h, params } = savedViews(network, batch, saved);
  let input = x;
  network.hidden.forEach((layer, l) => {
    layerForward(k, layer, batch, network.contextFeatures, context, input, a[l], layer.activation);
    if (network.residual) {
      const below = l === 0 ? null : h[l - 1];
      for (let i = 0; i < a[l].length; i++) h[l][i] = (below === null ? 0 : below[i]) + a[l][i];
    }
    input = h[l];
  });
  layerForward(k, network.output, batch, network.contextFeatures, context, input, params, 'identity');
  k.transformInverse({ transformer: network.transformer, batch, features: network.features, input: x, params, output: z,
    logDet, accumulateLogDet: true });
}

/** `staircaseTrainBackward` composed of `k`'s kernels; `allocate` gives its work buffers. */
export function composeStaircaseTrainBackward(k: Kernels, op: StaircaseTrainBackwardOp, allocate: WorkAllocator = plainAllocator): void {
  const { network, batch, context, input: x, saved, dInput, dContext, gradients } = op;
  const { a, h, params } = savedViews(network, batch, saved);
  const L = network.hidden.length;
  const dParams = allocate(x, params.length);
  k.transformInverseBackward({ transformer: network.transformer, batch, features: network.features, input: x, params,
    output: op.output, dOutput: op.dOutput, dLogDet: op.dLogDet, dInput, dParams });
  const layerBackward = (layer: StaircaseLayer, l: number, input: FloatArray, dOut: FloatArray, dIn: FloatArray): void => {
    const g = gradients[l];
    k.prefixGemmBackwardWeight({ batch, inDim: layer.inDim, outDim: layer.outDim, dOut, x: input, prefix: layer.prefix,
      dWeight: g.dWeight, dBias: g.dBias, accumulate: g.accumulate });
    if (layer.contextWeight !== null && context !== null) {
      if (g.dContextWeight !== null) {
        k.prefixGemmBackwardWeight({ batch, inDim: network.contextFeatures, outDim: layer.outDim, dOut, x: context, prefix: null,
          dWeight: g.dContextWeight, dBias: null, accumulate: g.accumulateContext });
      }
      if (dContext !== null) {
        k.prefixGemmBackwardInput({ batch, inDim: network.contextFeatures, outDim: layer.outDim, dOut, weight: layer.contextWeight,
          prefix: null, dIn: dContext, accumulate: true });
      }
    }
    k.prefixGemmBackwardInput({ batch, inDim: layer.inDim, outDim: layer.outDim, dOut, weight: layer.weight, prefix: layer.prefix, dIn });
  };
  let dh = allocate(x, batch * network.output.inDim);
  layerBackward(network.output, L, h[L - 1], dParams, dh);
  for (let l = L - 1; l >= 0; l--) {
    const layer = network.hidden[l];
    const dA = network.residual ? dh.slice() : dh;
    if (layer.activation !== 'identity') k.activationBackward({ activation: layer.activation, n: dA.length, y: a[l], dOut: dA, dIn: dA });
    const dIn = allocate(x, batch * layer.inDim);
    layerBackward(layer, l, l === 0 ? x : h[l - 1], dA, dIn);
    // The skip connection h_l = h_{l−1} + … passes dh straight through.
    if (network.residual && l > 0) for (let i = 0; i < dIn.length; i++) dIn[i] += dh[i];
    dh = dIn;
  }
  // x reaches z twice: directly through τ⁻¹ and through the conditioner.
  for (let i = 0; i < dInput.length; i++) dInput[i] += dh[i];
}
