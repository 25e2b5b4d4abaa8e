/**
 * A temporal MAF's log-density as one ONNX graph over windows of sequences (`TemporalMaf.logProbSteps`): the data
 * standardization, the recurrent encoder (LSTM or GRU, PyTorch's cells as maflow runs them) as one ONNX Loop over the
 * steps whose scan output is the state before each step (`h_0 = 0`), then the step flow over all `n · T` (sequence,
 * step) rows at once with context `[h_{t−1}, static covariates]`, and the padding masked by each sequence's length.
 */
import type { TemporalMaf } from '../../flows/temporal-maf.ts';
import { Gru } from '../../nn/gru.ts';
import { Lstm } from '../../nn/lstm.ts';
import type { RecurrentEncoder } from '../../nn/recurrent-encoder.ts';
import { UnsupportedOnnxError } from './unsupported-onnx-error.ts';
import { standardize } from './onnx-bijectors.ts';
import { logProbPass, samplePass, uniformColumns } from './onnx-distributions.ts';
import type { OnnxGraph, OnnxTensorInfo, Value } from './onnx-graph.ts';
import { sliceAxis, sumAxis } from './onnx-ops.ts';

/**
 * The inputs and outputs of a temporal MAF's graphs: the log-density over windows, or (`'sample'`) forecasting from
 * histories with given noise.
 */
export function temporalSignature(model: TemporalMaf, graph: 'logProb' | 'sample'): { inputs: OnnxTensorInfo[]; outputs: OnnxTensorInfo[] } {
  const F = model.features;
  const C = model.contextFeatures;
  const inputs: OnnxTensorInfo[] = [
    { name: 'x', type: 'float', shape: ['n', 'T', F], description: graph === 'logProb' ? 'sequences (windows) of T steps, in the data\'s units; steps from lengths on are padding'
      : 'histories of T steps, in the data\'s units; steps from lengths on are padding' },
    { name: 'lengths', type: 'int64', shape: ['n'], description: 'the real steps of each sequence (1 … T)' },
    ...(graph === 'logProb' ? [] : [{ name: 'noise', type: 'float' as const, shape: ['n', 'S', F], description: 'standard normal draws for the S steps ahead' }]),
    ...(C === 0 ? [] : [{ name: 'context', type: 'float' as const, shape: ['n', C], description: 'static covariates of each sequence, in their units' }]),
  ];
  if (graph === 'sample') {
    return { inputs, outputs: [
      { name: 'samples', type: 'float', shape: ['n', 'S', F], description: 'the S steps drawn after each history, in the data\'s units' },
      { name: 'log_prob_steps', type: 'float', shape: ['n', 'S'], description: 'log p(x_t | x_<t, context) of each step drawn' },
    ] };
  }
  return {
    inputs,
    outputs: [
      { name: 'log_prob_steps', type: 'float', shape: ['n', 'T'], description: 'log p(x_t | x_<t, context) per step (natural log); 0 on padding' },
      { name: 'log_prob', type: 'float', shape: ['n'], description: 'log-likelihood of each sequence (the sum over its steps)' },
    ],
  };
}

/** Builds the graph from the declared inputs; returns the two outputs (float32). */
export function temporalLogProb(g: OnnxGraph, model: TemporalMaf, x: Value, lengths: Value, context: Value | null): { steps: Value; total: Value } {
  const F = model.features;
  const H = model.encoder.units;
  const data = model.dataStandardize;
  const rows = g.op('Reshape', [x, g.ints([-1, F])], {}, 'rows');
  const scaled = data === undefined ? rows : standardize(g, data.mean, data.std, 'inverse', rows).output;
  const shape = g.op('Shape', [x], { start: 0, end: 2 }, 'n_T');
  const sequences = g.op('Reshape', [scaled, g.op('Concat', [shape, g.ints([F])], { axis: 0 })], {}, 'standardized');
  const states = encoderStates(g, recurrentCell(g, model.encoder, x), g.op('Transpose', [sequences], { perm: [1, 0, 2] })).before;
  const hidden = g.op('Reshape', [g.op('Transpose', [states], { perm: [1, 0, 2] }), g.ints([-1, H])], {}, 'history');
  let flowContext = hidden;
  if (context !== null) {
    const pre = model.contextStandardize;
    const s = pre === undefined ? context : standardize(g, pre.mean, pre.std, 'inverse', context).output;
    const perStep = g.op('Expand', [g.op('Unsqueeze', [s, g.ints([1])]), g.op('Concat', [shape, g.ints([model.contextFeatures])], { axis: 0 })]);
    flowContext = g.op('Concat', [hidden, g.op('Reshape', [perStep, g.ints([-1, model.contextFeatures])])], { axis: 1 }, 'step_context');
  }
  const lp = logProbPass(g, model.flow, scaled, flowContext);
  const logStd = data === undefined ? 0 : data.std.reduce((a, v) => a + Math.log(v), 0);
  const perRow = g.op('Add', [lp.value!, g.scalar(lp.constant - logStd)], {}, 'step_log_prob');
  const perStep = g.op('Reshape', [perRow, shape]);
  const T = g.op('Squeeze', [sliceAxis(g, shape, 0, 1, 2), g.ints([0])], {}, 'T');
  const real = g.op('Less', [g.op('Unsqueeze', [g.op('Range', [g.ints([0], []), T, g.ints([1], [])]), g.ints([0])]),
    g.op('Unsqueeze', [lengths, g.ints([1])])], {}, 'real_step');
  const masked = g.op('Where', [real, perStep, g.scalar(0)], {}, 'masked');
  return { steps: g.toStorage(masked), total: g.toStorage(g.op('ReduceSum', [masked, g.ints([1])], { keepdims: 0 }, 'sequence_log_prob')) };
}

/** One step of a recurrent cell: the next `h` (and, for an LSTM, `c`) from `x_t [n, F]` and the state (float32). */
type Cell = (b: OnnxGraph, xt: Value, h: Value, c: Value | null) => { h: Value; c: Value | null };

/** PyTorch's LSTM or GRU cell as maflow runs it (`Lstm`, `Gru`), with `[n, H]` zeros for its initial state (n from `like [n, …]`). */
function recurrentCell(g: OnnxGraph, encoder: RecurrentEncoder, like: Value): { cell: Cell; zeros: Value; lstm: boolean } {
  if (!(encoder instanceof Lstm || encoder instanceof Gru)) throw new UnsupportedOnnxError(`the recurrent encoder ${encoder.constructor.name} (the export knows Lstm, Gru)`);
  const H = encoder.units;
  const F = encoder.inputFeatures;
  const { weightIh, weightHh, biasIh, biasHh } = encoder.weights;
  const gates = biasIh.value.length;
  const wIh = g.floats(weightIh.value, [gates, F], 'weight_ih');
  const wHh = g.floats(weightHh.value, [gates, H], 'weight_hh');
  const lstm = encoder instanceof Lstm;
  const zeros = g.op('Expand', [g.floats([0], [1], 'zero'), g.op('Concat', [g.op('Shape', [like], { start: 0, end: 1 }), g.ints([H])], { axis: 0 })], {}, 'h0');
  const lstmBias = lstm ? g.floats(Array.from(biasIh.value, (v, k) => v + biasHh.value[k]), [gates], 'lstm_bias') : '';
  const cell: Cell = (b, xt, h, c) => {
    const slice = (v: Value, k: number) => sliceAxis(b, v, 1, k * H, (k + 1) * H);
    if (lstm) {
      const a = b.op('Add', [b.op('Gemm', [xt, wIh, lstmBias], { transB: 1 }), b.op('Gemm', [h, wHh], { transB: 1 })], {}, 'gates');
      const [ig, fg, gg, og] = [0, 1, 2, 3].map((k) => b.op(k === 2 ? 'Tanh' : 'Sigmoid', [slice(a, k)]));
      const cNext = b.op('Add', [b.op('Mul', [fg, c!]), b.op('Mul', [ig, gg])], {}, 'c');
      return { h: b.op('Mul', [og, b.op('Tanh', [cNext])], {}, 'h'), c: cNext };
    }
    const a = b.op('Gemm', [xt, wIh, b.floats(biasIh.value, [gates], 'bias_ih')], { transB: 1 }, 'gates_in');
    const r = b.op('Gemm', [h, wHh, b.floats(biasHh.value, [gates], 'bias_hh')], { transB: 1 }, 'gates_hidden');
    const [reset, update] = [0, 1].map((k) => b.op('Sigmoid', [b.op('Add', [slice(a, k), slice(r, k)])]));
    const candidate = b.op('Tanh', [b.op('Add', [slice(a, 2), b.op('Mul', [reset, slice(r, 2)])])]);
    return { h: b.op('Add', [b.op('Mul', [b.op('Sub', [b.float(1), update]), candidate]), b.op('Mul', [update, h])], {}, 'h'), c: null };
  };
  return { cell, zeros, lstm };
}

/**
 * The encoder over `x [T, n, F]` by one ONNX Loop over the steps, float32 as maflow's float32 encoder: the state
 * before each step, `[T, n, H]` (`h_0 = 0`), and after each step, `h` and (LSTM) `c`, `[T, n, H]` each.
 */
function encoderStates(g: OnnxGraph, { cell, zeros, lstm }: ReturnType<typeof recurrentCell>, x: Value):
  { before: Value; after: Value; cellAfter: Value | null } {
  const trips = g.op('Squeeze', [g.op('Shape', [x], { start: 0, end: 1 }), g.ints([0])], {}, 'steps');
  const carried = [{ value: zeros, type: 'float' as const }, ...(lstm ? [{ value: zeros, type: 'float' as const }] : [])];
  const outputs = g.loopWithScan(trips, carried, lstm ? 3 : 2, (b, i, [h, c]) => {
    const next = cell(b, b.op('Gather', [x, i], { axis: 0 }, 'x_t'), h, c ?? null);
    const state = next.c === null ? [next.h] : [next.h, next.c];
    return { carried: state, scan: [h, ...state] };
  }, 'encoder');
  const scans = outputs.slice(carried.length);
  return { before: scans[0], after: scans[1], cellAfter: lstm ? scans[2] : null };
}

/**
 * Forecasting as one graph: the encoder reads each history `x [n, T, F]` to its own length, then one ONNX Loop over
 * the `S` steps of `noise [n, S, F]` draws each step from the step flow given `[h, static covariates]` (its own
 * sampling pass, the step flow's noise being `noise[:, s]`) and feeds the draw back through the encoder, as
 * `TemporalMaf.forecast` does. Returns `samples [n, S, F]` (data units) and `log_prob_steps [n, S]` of each draw.
 */
export function temporalForecast(g: OnnxGraph, model: TemporalMaf, x: Value, lengths: Value, noise: Value, context: Value | null):
  { samples: Value; steps: Value } {
  const F = model.features;
  const H = model.encoder.units;
  const data = model.dataStandardize;
  if (uniformColumns(model.flow) > 0) throw new UnsupportedOnnxError('the forecasting graph of a temporal MAF whose step flow has a mixture base');
  const rows = g.op('Reshape', [x, g.ints([-1, F])], {}, 'rows');
  const scaled = data === undefined ? rows : standardize(g, data.mean, data.std, 'inverse', rows).output;
  const shape = g.op('Shape', [x], { start: 0, end: 2 }, 'n_T');
  const sequences = g.op('Reshape', [scaled, g.op('Concat', [shape, g.ints([F])], { axis: 0 })], {}, 'standardized');
  const recurrent = recurrentCell(g, model.encoder, x);
  const states = encoderStates(g, recurrent, g.op('Transpose', [sequences], { perm: [1, 0, 2] }));
  // The state after each history's last real step: [n, H].
  const last = g.op('Expand', [g.op('Reshape', [g.op('Sub', [lengths, g.ints([1], [])]), g.ints([-1, 1, 1])]),
    g.op('Concat', [g.op('Shape', [x], { start: 0, end: 1 }), g.ints([1, H])], { axis: 0 })], {}, 'last_step');
  const atLast = (v: Value) => g.op('Squeeze', [g.op('GatherElements', [g.op('Transpose', [v], { perm: [1, 0, 2] }), last], { axis: 1 }), g.ints([1])]);
  const h0 = atLast(states.after);
  const c0 = states.cellAfter === null ? null : atLast(states.cellAfter);
  const pre = model.contextStandardize;
  const covariates = context === null ? null : pre === undefined ? context : standardize(g, pre.mean, pre.std, 'inverse', context).output;
  const { cell } = recurrent;
  const noiseSteps = g.op('Transpose', [noise], { perm: [1, 0, 2] }, 'noise_steps');
  const trips = g.op('Squeeze', [g.op('Shape', [noise], { start: 1, end: 2 }), g.ints([0])], {}, 'forecast_steps');
  const logStd = data === undefined ? 0 : data.std.reduce((a, v) => a + Math.log(v), 0);
  const carried = [{ value: h0, type: 'float' as const }, ...(c0 === null ? [] : [{ value: c0, type: 'float' as const }])];
  const outputs = g.loopWithScan(trips, carried, 2, (b, i, [h, c]) => {
    const flowContext = covariates === null ? h : b.op('Concat', [h, covariates], { axis: 1 }, 'step_context');
    const draw = samplePass(b, model.flow, { noise: b.op('Gather', [noiseSteps, i], { axis: 0 }, 'noise_t'), uniform: null }, flowContext);
    const lp = draw.logProb.value === null ? b.op('Mul', [b.toCompute(sumAxis(b, draw.samples)), b.scalar(0)]) : draw.logProb.value;
    const stepLogProb = b.toStorage(b.op('Add', [lp, b.scalar(draw.logProb.constant - logStd)], {}, 'step_log_prob'));
    const original = data === undefined ? draw.samples : standardize(b, data.mean, data.std, 'forward', draw.samples).output;
    const next = cell(b, draw.samples, h, c ?? null);
    return { carried: next.c === null ? [next.h] : [next.h, next.c], scan: [original, stepLogProb] };
  }, 'forecast');
  const [samples, steps] = outputs.slice(carried.length);
  return { samples: g.op('Transpose', [samples], { perm: [1, 0, 2] }, 'samples'), steps: g.op('Transpose', [steps], { perm: [1, 0] }, 'log_prob_steps') };
}
