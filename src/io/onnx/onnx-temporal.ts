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
import { logProbPass } from './onnx-distributions.ts';
import type { OnnxGraph, OnnxTensorInfo, Value } from './onnx-graph.ts';
import { sliceAxis } from './onnx-ops.ts';

/** The inputs and outputs of a temporal MAF's log-density graph. */
export function temporalSignature(model: TemporalMaf): { inputs: OnnxTensorInfo[]; outputs: OnnxTensorInfo[] } {
  const F = model.features;
  const C = model.contextFeatures;
  return {
    inputs: [
      { name: 'x', type: 'float', shape: ['n', 'T', F], description: 'sequences (windows) of T steps, in the data\'s units; steps from lengths on are padding' },
      { name: 'lengths', type: 'int64', shape: ['n'], description: 'the real steps of each sequence (1 … T)' },
      ...(C === 0 ? [] : [{ name: 'context', type: 'float' as const, shape: ['n', C], description: 'static covariates of each sequence, in their units' }]),
    ],
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
  const states = encoderStates(g, model.encoder, g.op('Transpose', [sequences], { perm: [1, 0, 2] }));
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

/**
 * The encoder's state before each step, `[T, n, H]`, by one ONNX Loop over `x [T, n, F]`: each iteration emits the
 * state it starts from (a scan output) and advances it by one cell step (float32, as maflow's float32 encoder).
 */
function encoderStates(g: OnnxGraph, encoder: RecurrentEncoder, x: Value): Value {
  if (!(encoder instanceof Lstm || encoder instanceof Gru)) throw new UnsupportedOnnxError(`the recurrent encoder ${encoder.constructor.name} (the export knows Lstm, Gru)`);
  const H = encoder.units;
  const F = encoder.inputFeatures;
  const { weightIh, weightHh, biasIh, biasHh } = encoder.weights;
  const gates = biasIh.value.length;
  const wIh = g.floats(weightIh.value, [gates, F], 'weight_ih');
  const wHh = g.floats(weightHh.value, [gates, H], 'weight_hh');
  const lstm = encoder instanceof Lstm;
  const zeros = g.op('Expand', [g.floats([0], [1], 'zero'), g.op('Concat', [g.op('Shape', [x], { start: 1, end: 2 }), g.ints([H])], { axis: 0 })], {}, 'h0');
  const trips = g.op('Squeeze', [g.op('Shape', [x], { start: 0, end: 1 }), g.ints([0])], {}, 'steps');
  const carried = [{ value: zeros, type: 'float' as const }, ...(lstm ? [{ value: zeros, type: 'float' as const }] : [])];
  const outputs = g.loopWithScan(trips, carried, 1, (b, i, [h, c]) => {
    const xt = b.op('Gather', [x, i], { axis: 0 }, 'x_t');
    const slice = (v: Value, k: number) => sliceAxis(b, v, 1, k * H, (k + 1) * H);
    if (lstm) {
      const bias = b.floats(Array.from(biasIh.value, (v, k) => v + biasHh.value[k]), [gates], 'lstm_bias');
      const a = b.op('Add', [b.op('Gemm', [xt, wIh, bias], { transB: 1 }), b.op('Gemm', [h, wHh], { transB: 1 })], {}, 'gates');
      const [ig, fg, gg, og] = [0, 1, 2, 3].map((k) => b.op(k === 2 ? 'Tanh' : 'Sigmoid', [slice(a, k)]));
      const cNext = b.op('Add', [b.op('Mul', [fg, c]), b.op('Mul', [ig, gg])], {}, 'c');
      return { carried: [b.op('Mul', [og, b.op('Tanh', [cNext])], {}, 'h'), cNext], scan: [h] };
    }
    const a = b.op('Gemm', [xt, wIh, b.floats(biasIh.value, [gates], 'bias_ih')], { transB: 1 }, 'gates_in');
    const r = b.op('Gemm', [h, wHh, b.floats(biasHh.value, [gates], 'bias_hh')], { transB: 1 }, 'gates_hidden');
    const [reset, update] = [0, 1].map((k) => b.op('Sigmoid', [b.op('Add', [slice(a, k), slice(r, k)])]));
    const candidate = b.op('Tanh', [b.op('Add', [slice(a, 2), b.op('Mul', [reset, slice(r, 2)])])]);
    const hNext = b.op('Add', [b.op('Mul', [b.op('Sub', [b.float(1), update]), candidate]), b.op('Mul', [update, h])], {}, 'h');
    return { carried: [hNext], scan: [h] };
  }, 'encoder');
  return outputs[outputs.length - 1];
}
