/**
 * How the wasm backend splits a kernel call over its threads, the way the native pool does: the GEMMs by the columns
 * of their result when it is wider than tall (forward: output units; dX: inputs; dW: always units — ranges of the
 * kernels' own, so that each task packs only its own panels of the shared operand), else by blocks of rows; the
 * transforms, activations and Adam by rows (each task gets the same kernel on its rows, by pointer offsets). Tasks are about equal in work (a staircase's prefixes weigh its units) and several per thread,
 * claimed dynamically, so that a core taken by the engine's compiler or collector only slows its own share. Calls
 * estimated under `minWork` flops run whole on the calling thread: waking a worker costs more than they take; so do
 * all calls while the pool finds that sharing slows them (`WasmThreadPool.sharing`: cores taken by other processes).
 */
import { FUSED_LAYER_WORDS, WASM_EXPORT_NAMES, type WasmExports } from './wasm-exports.ts';
import { MAX_TASKS, type WasmThreadPool } from './wasm-threads.ts';

const INDEX = new Map<string, number>(WASM_EXPORT_NAMES.map((n, i) => [n, i]));
/** Tasks per thread: a few, so that a core taken by the engine only slows its share, not so many that each task's
 * packing of its panels (which the GEMMs amortise over a task's rows) costs much. */
const TASKS_PER_THREAD = 2;
/** Rows per task of a GEMM split by rows, at least: the weight panels are packed once per task. */
const ROW_BLOCK = 64;
/** Rough flops per element of the elementwise kernels (double-precision exp/tanh/log per feature). */
const ACTIVATION_FLOPS = [1, 40, 30, 40, 60, 1];
const TRANSFORM_FLOPS = 40;
/** Rows per task of a fused pass split by rows, at least (each task packs every layer's weight panels). */
const PASS_ROWS = 8;
/**
 * A fused pass under this many times `minWork` flops (4 MFLOP at the default 300 000, the native addon's
 * kMinRowSplitFlops) runs whole on the calling thread. Split into tasks of `minWork`, a small network's pass gains
 * nothing and its training step loses: power's 5 × [100, 100] step (batch 100, 1.2 MFLOP per forward pass) on 2
 * threads took 1.51 ms (median; p25 1.18) with its forward passes split in 4 tasks, 1.36 (p25 1.09) whole, 1.35 (p25
 * 1.09) on 1 thread; gas 1.19 → 1.15 ms (AMD EPYC Zen 4, interleaved blocks of 8 steps in one process, 80 rounds).
 */
const PASS_SPLIT_FACTOR = 13;

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
  /**
   * The call whole when it is small, else one task per range of [begin, end) (on multiples of `step`, of about equal
   * `work`): `args(i0, i1)` gives a task's arguments.
   */
  const byRanges = (name: keyof WasmExports, flops: number, begin: number, end: number, step: number, work: (i: number) => number,
    whole: () => void, args: (i0: number, i1: number) => number[]): void => {
    const tasks = Math.min(maxTasks, Math.ceil((end - begin) / step));
    if (flops < minWork || tasks < 2 || !pool.sharing) {
      whole();
      return;
    }
    const fn = INDEX.get(name) as number;
    pool.run(balancedRanges(begin, end, step, tasks, work).map(([i0, i1]) => [fn, ...args(i0, i1)]));
  };
  /** `byRanges` over rows of equal work. */
  const byRows = (name: keyof WasmExports, flops: number, rows: number, step: number, whole: () => void,
    args: (r0: number, r1: number) => number[]): void => byRanges(name, flops, 0, rows, step, () => 1, whole, args);
  const at = (ptr: number, offset: number): number => (ptr === 0 ? 0 : ptr + offset);
  /** Flops of one row through a fused pass: every layer's live weights (and context weights), then the transform. */
  const passFlopsPerRow = (table: number, hiddenLayers: number, features: number, contextFeatures: number): number => {
    const t = new Int32Array(buffer, table, (hiddenLayers + 1) * FUSED_LAYER_WORDS);
    let live = 0;
    for (let l = 0; l <= hiddenLayers; l++) {
      const [inDim, outDim, , , prefix, , contextWeight] = t.subarray(l * FUSED_LAYER_WORDS, (l + 1) * FUSED_LAYER_WORDS);
      live += prefix === 0 ? inDim * outDim : sum(0, outDim, prefixWork(prefix, outDim, inDim));
      if (contextWeight !== 0) live += contextFeatures * outDim;
    }
    return 2 * live + TRANSFORM_FLOPS * features;
  };
  /**
   * A fused pass split by rows (rows are independent in it): each task runs every layer on its rows, so that the
   * threads meet once per pass, not once per layer kernel. Passes of at least PASS_SPLIT_FACTOR · `minWork` flops
   * only, in tasks of at least `minWork` flops and PASS_ROWS rows, a multiple of the threads when there are enough.
   */
  const byPassRows = (name: keyof WasmExports, flops: number, batch: number, whole: () => number,
    args: (r0: number, r1: number) => number[]): number => {
    if (flops < PASS_SPLIT_FACTOR * minWork) return whole();
    let tasks = Math.min(maxTasks, Math.floor(flops / minWork), Math.floor(batch / PASS_ROWS));
    if (tasks > pool.threads) tasks -= tasks % pool.threads;
    if (tasks < 2 || !pool.sharing) return whole();
    const fn = INDEX.get(name) as number;
    // (A task's status is dropped: the caller sends only splines within the engine's limit, which cannot fail.)
    pool.run(balancedRanges(0, batch, 4, tasks, () => 1).map(([r0, r1]) => [fn, ...args(r0, r1)]));
    return 0;
  };

  return {
    staircase_train_forward(batch, D, C, residual, L, table, context, xp, z, logDet, saved, savedRows, savedRow, kind, bound,
      shiftOnly, bins, tailBound, minW, minH, minD) {
      return byPassRows('staircase_train_forward', batch * passFlopsPerRow(table, L, D, C), batch,
        () => x.staircase_train_forward(batch, D, C, residual, L, table, context, xp, z, logDet, saved, savedRows, savedRow, kind,
          bound, shiftOnly, bins, tailBound, minW, minH, minD),
        (r0, r1) => [r1 - r0, D, C, residual, L, table, at(context, 4 * r0 * C), xp + 4 * r0 * D, z + 4 * r0 * D, at(logDet, 8 * r0),
          saved, savedRows, savedRow + r0, kind, bound, shiftOnly, bins, tailBound, minW, minH, minD]);
    },
    staircase_sequential(batch, D, C, residual, L, table, degreeStarts, context, u, xp, logDet, work, workRows, workRow, kind,
      bound, shiftOnly, bins, tailBound, minW, minH, minD) {
      return byPassRows('staircase_sequential', batch * passFlopsPerRow(table, L, D, C), batch,
        () => x.staircase_sequential(batch, D, C, residual, L, table, degreeStarts, context, u, xp, logDet, work, workRows, workRow,
          kind, bound, shiftOnly, bins, tailBound, minW, minH, minD),
        (r0, r1) => [r1 - r0, D, C, residual, L, table, degreeStarts, at(context, 4 * r0 * C), u + 4 * r0 * D, xp + 4 * r0 * D,
          at(logDet, 8 * r0), work, workRows, workRow + r0, kind, bound, shiftOnly, bins, tailBound, minW, minH, minD]);
    },
    staircase_train_backward: x.staircase_train_backward,
    sum_of_squares: x.sum_of_squares,
    axpby: x.axpby,
    sgd_momentum_step: x.sgd_momentum_step,
    relaxed_simd: x.relaxed_simd,
    prefix_gemm(batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, outStart, outEnd) {
      // Most calls of a small model are far below the threshold even if dense: no staircase to read.
      if (2 * batch * (inDim + 4) * (outEnd - outStart) < minWork) return x.prefix_gemm(batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, outStart, outEnd);
      const work = prefixWork(prefix, outDim, inDim);
      const flops = 2 * batch * sum(outStart, outEnd, work) + 8 * batch * (outEnd - outStart);
      const whole = (): void => x.prefix_gemm(batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, outStart, outEnd);
      // Wider than tall: each task packs only its own weight panels (8 units) and runs every row over them.
      if (outEnd - outStart >= batch) {
        byRanges('prefix_gemm', flops, outStart, outEnd, 8, (j) => work(j) + 4, whole,
          (j0, j1) => [batch, inDim, outDim, xp, w, prefix, bias, out, accumulate, act, j0, j1]);
        return;
      }
      byRanges('prefix_gemm', flops, 0, batch, ROW_BLOCK, () => 1, whole, (r0, r1) => [r1 - r0, inDim, outDim,
        xp + 4 * r0 * inDim, w, prefix, bias, out + 4 * r0 * outDim, accumulate, act, outStart, outEnd]);
    },
    prefix_gemm_backward_input(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, inStart, inEnd) {
      if (2 * batch * inDim * outDim < minWork) return x.prefix_gemm_backward_input(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, inStart, inEnd);
      const work = prefixWork(prefix, outDim, inDim);
      const flops = 2 * batch * sum(0, outDim, work);
      const whole = (): void => x.prefix_gemm_backward_input(batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, inStart, inEnd);
      if (inEnd - inStart >= 16) {
        // By inputs (each task packs only its own panels of the weights); input i is read by the units whose prefix
        // exceeds it, a suffix of them.
        const p = prefix === 0 ? null : new Int32Array(buffer, prefix, outDim);
        const readers = (i: number): number => {
          if (p === null) return outDim;
          let [lo, hi] = [0, outDim]; // the first unit whose prefix exceeds i
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (p[mid] <= i) lo = mid + 1;
            else hi = mid;
          }
          return outDim - lo;
        };
        byRanges('prefix_gemm_backward_input', flops, inStart, inEnd, 8, (i) => readers(i) + 1, whole,
          (i0, i1) => [batch, inDim, outDim, dOut, w, prefix, dIn, accumulate, i0, i1]);
        return;
      }
      byRanges('prefix_gemm_backward_input', flops, 0, batch, ROW_BLOCK, () => 1, whole,
        (r0, r1) => [r1 - r0, inDim, outDim, dOut + 4 * r0 * outDim, w, prefix, dIn + 4 * r0 * inDim, accumulate, inStart, inEnd]);
    },
    prefix_gemm_backward_weight(batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, outStart, outEnd) {
      if (2 * batch * inDim * (outEnd - outStart) < minWork) return x.prefix_gemm_backward_weight(batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, outStart, outEnd);
      const work = prefixWork(prefix, outDim, inDim);
      byRanges('prefix_gemm_backward_weight', 2 * batch * sum(outStart, outEnd, work), outStart, outEnd, 4, (j) => work(j) + 1,
        () => x.prefix_gemm_backward_weight(batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, outStart, outEnd),
        (j0, j1) => [batch, inDim, outDim, dOut, xp, prefix, dW, dBias, accumulate, j0, j1]);
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
    adam_step(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale, average, averageDecay) {
      byRows('adam_step', rows * cols * 20, rows, 1,
        () => x.adam_step(rows, cols, staircase, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale, average, averageDecay),
        (r0, r1) => {
          const o = 4 * r0 * cols;
          return [r1 - r0, cols, at(staircase, 4 * r0), param + o, grad + o, m + o, v + o, lr, beta1, beta2, eps, weightDecay, step,
            gradScale, at(average, o), averageDecay];
        });
    },
  };
}
