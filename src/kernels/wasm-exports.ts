/**
 * The functions wasm/kernels.c exports (pointers are byte offsets into the linear memory; 0 = absent operand), in the
 * order worker tasks name them by index.
 */
export interface WasmExports {
  prefix_gemm(batch: number, inDim: number, outDim: number, x: number, w: number, prefix: number, bias: number, out: number,
    accumulate: number, act: number, outStart: number, outEnd: number): void;
  prefix_gemm_backward_input(batch: number, inDim: number, outDim: number, dOut: number, w: number, prefix: number,
    dIn: number, accumulate: number, inStart: number, inEnd: number): void;
  prefix_gemm_backward_weight(batch: number, inDim: number, outDim: number, dOut: number, x: number, prefix: number,
    dW: number, dBias: number, accumulate: number, outStart: number, outEnd: number): void;
  activation_rows(act: number, rows: number, cols: number, colStart: number, colEnd: number, x: number, out: number): void;
  activation_backward(act: number, n: number, y: number, dOut: number, dIn: number): void;
  affine_transform(inverse: number, batch: number, features: number, dStart: number, dEnd: number, input: number,
    params: number, output: number, logDet: number, accumulate: number, bound: number, shiftOnly: number): void;
  affine_backward(inverse: number, batch: number, features: number, params: number, z: number, dOutput: number,
    dLogDet: number, dInput: number, dParams: number, bound: number, shiftOnly: number): void;
  spline_transform(inverse: number, batch: number, features: number, dStart: number, dEnd: number, input: number,
    params: number, output: number, logDet: number, accumulate: number, bins: number, tailBound: number, minW: number,
    minH: number, minD: number): number;
  adam_step(rows: number, cols: number, staircase: number, param: number, grad: number, m: number, v: number, lr: number,
    beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number, average: number,
    averageDecay: number): void;
  // fused.c: a MADE's passes, the layer kernels back to back in one call (threads split the forward ones by rows).
  staircase_train_forward(batch: number, features: number, contextFeatures: number, residual: number, hiddenLayers: number,
    table: number, context: number, x: number, z: number, logDet: number, saved: number, savedRows: number, savedRow: number,
    kind: number, bound: number, shiftOnly: number, bins: number, tailBound: number, minW: number, minH: number, minD: number): number;
  staircase_sequential(batch: number, features: number, contextFeatures: number, residual: number, hiddenLayers: number,
    table: number, degreeStarts: number, context: number, u: number, x: number, logDet: number, work: number, workRows: number,
    workRow: number, kind: number, bound: number, shiftOnly: number, bins: number, tailBound: number, minW: number, minH: number,
    minD: number): number;
  staircase_train_backward(batch: number, features: number, contextFeatures: number, residual: number, hiddenLayers: number,
    table: number, context: number, x: number, z: number, saved: number, dZ: number, dLogDet: number, dX: number,
    dContext: number, work: number, width: number, bound: number, shiftOnly: number): void;
  // The multi-tensor kernels' bodies, one tensor's live entries per call.
  sum_of_squares(rows: number, cols: number, staircase: number, x: number): number;
  axpby(rows: number, cols: number, staircase: number, alpha: number, beta: number, x: number, y: number): void;
  sgd_momentum_step(rows: number, cols: number, staircase: number, param: number, grad: number, velocity: number, lr: number,
    momentum: number, weightDecay: number, gradScale: number, average: number, averageDecay: number): void;
  /** 1 in the relaxed-SIMD build, 0 in the plain one. */
  relaxed_simd(): number;
}

/**
 * int32 words per layer of fused.c's layer table: inDim, outDim, activation code, then the byte offsets of weight,
 * prefix, bias, context weight, dWeight, dBias, dContextWeight, then the accumulate and accumulateContext flags.
 */
export const FUSED_LAYER_WORDS = 12;

/** The kernels that threads split, in the order tasks refer to them. */
export const WASM_EXPORT_NAMES = [
  'prefix_gemm', 'prefix_gemm_backward_input', 'prefix_gemm_backward_weight', 'activation_rows', 'activation_backward',
  'affine_transform', 'affine_backward', 'spline_transform', 'adam_step', 'staircase_train_forward', 'staircase_sequential',
] as const satisfies ReadonlyArray<keyof WasmExports>;
