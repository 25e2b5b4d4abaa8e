/**
 * How the wasm backend splits a kernel call over its threads, the way the native pool does: batch rows for the
 * forward GEMM, dX, the transforms, activations and Adam (each task gets the same kernel on its rows, by pointer
 * offsets), output units for dW (a range of the kernel's own), and the forward GEMM's output units when the batch is
 * too short to share. Tasks are about equal in work (a staircase's prefixes weigh its units) and several per thread,
 * claimed dynamically, so that a core taken by the engine's compiler or collector only slows its own share. Calls
 * estimated under `minWork` flops run whole on the calling thread: waking a worker costs more than they take.
 */
import { WASM_EXPORT_NAMES, type WasmExports } from './wasm-exports.ts';
import { MAX_TASKS, type WasmThreadPool } from './wasm-threads.ts';

const INDEX = new Map<string, number>(WASM_EXPORT_NAMES.map((n, i) => [n, i]));
const TASKS_PER_THREAD = 4;
/** Rough flops per element of the elementwise kernels (double-precision exp/tanh/log per feature). */
const ACTIVATION_FLOPS = [1, 40, 30, 40, 60, 1];
const TRANSFORM_FLOPS = 40;

/** Cuts [begin, end) into at most `tasks` ranges on multiples of `step` from begin, of about equal `work(i)`. */
export function balancedRanges(begin: number, end: number, step: number, tasks: number, work: (i: number) => number): Array<[number, number]> {
  let total = 0;
  for (let i = begin; i < end; i++) total += work(i);
  const ranges: Array<[number, number]> = [];
  let start = begin;
  let seen = 0;
  for (let i0 = begin; i0 < end; i0 += step) {
    const i1 = Math.min(end, i0 + step);
    for (let i = i0; i < i1; i++) seen += work(i);
    if (seen >= total * (ranges.length + 1) / tasks || i1 === end) {
      ranges.push([start, i1]);
      start = i1;
    }
  }
  return ranges;
}

/** `x` with its large calls split over `pool`'s threads; `buffer` is the shared memory (to read staircases). */
export function splitExports(x: WasmExports, pool: WasmThreadPool, buffer: ArrayBufferLike, minWork: number): WasmExports {
  const maxTasks = Math.min(MAX_TASKS, pool.threads * TASKS_PER_THREAD);
  const prefixWork = (ptr: number, dim: number, full: number): ((j: number) => number) => {
    if (ptr === 0) return () => full;
    const prefix = new Int32Array(buffer, ptr, dim);
    return (j) => prefix[j];
  };
  const sum = (begin: number, end: number, work: (j: number) => number): number => {
    let s = 0;
    for (let j = begin; j < end; j++) s += work(j);
    return s;
  };
  /** The call whole, or one task per range of rows: `args(r0, r1)` gives a task's arguments. */
  const byRows = (name: keyof WasmExports, work: number, rows: number, step: number, whole: () => void,
    args: (r0: number, r1: number) => number[]): void => {
    const tasks = Math.min(maxTasks, Math.ceil(rows / step));
    if (work < minWork || tasks < 2) {
      whole();
      return;
    }
    const fn = INDEX.get(name) as number;
    pool.run(balancedRanges(0, rows, step, tasks, () => 1).map(([r0, r1]) => [fn, ...args(r0, r1)]));
  };
  const at = (ptr: number, offset: number): number => (ptr === 0 ? 0 : ptr + offset);

  return {
    staircase_train_forward: x.staircase_train_forward,
    staircase_train_backward: x.staircase_train_backward,
    prefix_gemm(batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, outStart, outEnd) {
      const work = prefixWork(prefix, outDim, inDim);
      const flops = 2 * batch * sum(outStart, outEnd, work) + 8 * batch * (outEnd - outStart);
      const whole = (): void => x.prefix_gemm(batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, outStart, outEnd);
      if (batch >= 8 * pool.threads || flops < minWork) {
        byRows('prefix_gemm', flops, batch, 4, whole, (r0, r1) => [r1 - r0, inDim, outDim, xp + 4 * r0 * inDim, w, prefix, bias,
          out + 4 * r0 * outDim, accumulate, act, outStart, outEnd]);
        return;
      }
      const ranges = balancedRanges(outStart, outEnd, 2, Math.min(maxTasks, Math.ceil((outEnd - outStart) / 2)), (j) => batch * (work(j) + 4));
      if (ranges.length < 2) return whole();
      const fn = INDEX.get('prefix_gemm') as number;
      pool.run(ranges.map(([j0, j1]) => [fn, batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, j0, j1]));
    },
    prefix_gemm_backward_input(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate) {
      const flops = 2 * batch * sum(0, outDim, prefixWork(prefix, outDim, inDim));
      byRows('prefix_gemm_backward_input', flops, batch, 4,
        () => x.prefix_gemm_backward_input(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate),
        (r0, r1) => [r1 - r0, inDim, outDim, dOut + 4 * r0 * outDim, w, prefix, dIn + 4 * r0 * inDim, accumulate]);
    },
    prefix_gemm_backward_weight(batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, outStart, outEnd) {
      const work = prefixWork(prefix, outDim, inDim);
      const flops = 2 * batch * sum(outStart, outEnd, work);
      const ranges = flops < minWork ? [] : balancedRanges(outStart, outEnd, 4, Math.min(maxTasks, Math.ceil((outEnd - outStart) / 4)), (j) => work(j) + 1);
      if (ranges.length < 2) return x.prefix_gemm_backward_weight(batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, outStart, outEnd);
      const fn = INDEX.get('prefix_gemm_backward_weight') as number;
      pool.run(ranges.map(([j0, j1]) => [fn, batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, j0, j1]));
    },
    activation_rows(act, rows, cols, colStart, colEnd, xp, out) {
      byRows('activation_rows', rows * (colEnd - colStart) * (ACTIVATION_FLOPS[act] ?? 1), rows, 1,
        () => x.activation_rows(act, rows, cols, colStart, colEnd, xp, out),
        (r0, r1) => [act, r1 - r0, cols, colStart, colEnd, xp + 4 * r0 * cols, out + 4 * r0 * cols]);
    },
    activation_backward(act, n, y, dOut, dIn) {
      byRows('activation_backward', n * (act === 0 ? 1 : 4), n, 64, () => x.activation_backward(act, n, y, dOut, dIn),
        (k0, k1) => [act, k1 - k0, y + 4 * k0, dOut + 4 * k0, dIn + 4 * k0]);
    },
    affine_transform(inverse, batch, features, dStart, dEnd, input, params, output, logDet, accumulate, bound, shiftOnly) {
      const stride = shiftOnly !== 0 ? features : 2 * features;
      byRows('affine_transform', batch * (dEnd - dStart) * TRANSFORM_FLOPS, batch, 1,
        () => x.affine_transform(inverse, batch, features, dStart, dEnd, input, params, output, logDet, accumulate, bound, shiftOnly),
        (r0, r1) => [inverse, r1 - r0, features, dStart, dEnd, input + 4 * r0 * features, params + 4 * r0 * stride,
          output + 4 * r0 * features, at(logDet, 8 * r0), accumulate, bound, shiftOnly]);
    },
    affine_backward(inverse, batch, features, params, z, dOutput, dLogDet, dInput, dParams, bound, shiftOnly) {
      const stride = shiftOnly !== 0 ? features : 2 * features;
      byRows('affine_backward', batch * features * TRANSFORM_FLOPS, batch, 1,
        () => x.affine_backward(inverse, batch, features, params, z, dOutput, dLogDet, dInput, dParams, bound, shiftOnly),
        (r0, r1) => [inverse, r1 - r0, features, params + 4 * r0 * stride, at(z, 4 * r0 * features), dOutput + 4 * r0 * features,
          at(dLogDet, 8 * r0), dInput + 4 * r0 * features, dParams + 4 * r0 * stride, bound, shiftOnly]);
    },
    spline_transform(inverse, batch, features, dStart, dEnd, input, params, output, logDet, accumulate, bins, tailBound, minW, minH, minD) {
      const P = 3 * bins - 1;
      let status = 0;
      byRows('spline_transform', batch * (dEnd - dStart) * (30 * bins + 100), batch, 1,
        () => { status = x.spline_transform(inverse, batch, features, dStart, dEnd, input, params, output, logDet, accumulate, bins, tailBound, minW, minH, minD); },
        (r0, r1) => [inverse, r1 - r0, features, dStart, dEnd, input + 4 * r0 * features, params + 4 * r0 * features * P,
          output + 4 * r0 * features, at(logDet, 8 * r0), accumulate, bins, tailBound, minW, minH, minD]);
      return status;
    },
    adam_step(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step) {
      byRows('adam_step', rows * cols * 20, rows, 1,
        () => x.adam_step(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step),
        (r0, r1) => {
          const o = 4 * r0 * cols;
          return [r1 - r0, cols, at(staircase, 4 * r0), param + o, grad + o, m + o, v + o, lr, beta1, beta2, eps, weightDecay, step];
        });
    },
  };
}
