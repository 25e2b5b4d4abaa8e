import { VERSION } from '../../core/version.ts';
import type { Distribution } from '../../distributions/distribution.ts';
import { TemporalMaf } from '../../flows/temporal-maf.ts';
import { defaultColumns } from '../model-columns.ts';
import { logProbPass, samplePass, uniformColumns } from './onnx-distributions.ts';
import { OnnxGraph, type ComputeType, type OnnxTensorInfo, type SequentialLayout, type Value } from './onnx-graph.ts';
import type { LogDet } from './onnx-bijectors.ts';
import { ONNX_OPSET } from './onnx-opset.ts';
import { temporalForecast, temporalLogProb, temporalSignature } from './onnx-temporal.ts';

/** Which graph `exportOnnx` writes: the log-density, or a draw from given noise. */
export type OnnxGraphKind = 'logProb' | 'sample';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /**
   * `'logProb'`: inputs `x [n, D]` (and `context [n, C]`), output `log_prob [n]`. `'sample'`: inputs `noise [n, D]`
   * (standard normals), `uniform [n, U]` (only for mixture bases: U(0, 1) draws that choose the components) and
   * `context`, outputs `samples [n, D]` and `log_prob [n]`. See `onnxSignature`. @default 'logProb'
   */
  graph?: OnnxGraphKind;
  /** Names of the data columns, recorded in the model's metadata (`maflow.columns`). @default ['col0', …] */
  columns?: readonly string[];
  /** Names of the context columns (`maflow.contextColumns`). @default ['col{D}', …] */
  contextColumns?: readonly string[];
  /** Extra `metadata_props` entries. */
  metadata?: Record<string, string>;
  /**
   * The element type of the elementwise arithmetic — transformers, mixtures, base densities, log-determinant sums —
   * between the float32 layers: `'float64'` computes as maflow does (it stores float32 values but transforms them in
   * float64); `'float32'` for engines without float64 kernels (onnxruntime-web's WebGPU backend), at the cost of a
   * few float32 ulps more in sharp spline bins and mixture components. Inputs and outputs are float32 either way.
   * @default 'float64'
   */
  compute?: ComputeType;
  /**
   * How many Gemms each masked (MADE) layer of the log-density graph becomes: 1 is one dense Gemm over the masked
   * weights (zeros included); k > 1 splits the layer's units into k consecutive groups, each a Gemm over only the
   * prefix of inputs its units read, skipping the zero blocks of the staircase (about (k + 1)/(2k) of the
   * multiply-adds, at the cost of k slices and a concatenation). `npm run bench -- onnx` measures both. @default 1
   */
  staircaseBlocks?: number;
  /**
   * How the sequential passes (MAF sampling, IAF density, MADE MoG sampling) are laid out: `'loop'`, one ONNX Loop over
   * the features per layer (a small graph whatever D: it loads in a fraction of a second), or `'unrolled'`, step by
   * step (a node group per feature: ONNX Runtime's session creation grows with D — about 80 s for a 5-layer MAF over
   * 63 features — but each step has static shapes). `npm run bench -- onnx` measures both. @default 'loop'
   */
  sequential?: SequentialLayout;
  /**
   * Bisection steps of the numerical inversions in sampling graphs (NAF, UMNN and Bernstein transformers): each root is
   * bracketed where it provably lies and found to within `2^−steps` of the bracket's width (60: below float32's
   * resolution for brackets up to ~10⁹ wide, in float64), in one ONNX Loop. @default 60
   */
  bisectionSteps?: number;
}

/** The inputs and outputs of an exported graph, in order. */
export interface OnnxSignature {
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
}

/**
 * The graph inputs and outputs `exportOnnx` writes for `flow` (names, element types, shapes with the symbolic batch
 * dimension `'n'`, and what each holds). A `TemporalMaf`'s log-density graph takes `x [n, T, F]` (T symbolic),
 * `lengths [n]` (int64) and `context [n, C]`, and gives `log_prob_steps [n, T]` and `log_prob [n]`; its sampling
 * graph forecasts: histories `x`, `lengths`, `noise [n, S, F]` and `context` give `samples [n, S, F]` and
 * `log_prob_steps [n, S]`.
 *
 * @example
 * import { Rng, createMafMog, onnxSignature } from 'maflow';
 * const flow = createMafMog({ features: 3, layers: 2, components: 4, hiddenUnits: [8], contextFeatures: 1, rng: new Rng(0) });
 * const { inputs, outputs } = onnxSignature(flow, 'sample');
 * console.log(inputs.map((i) => `${i.name} [${i.shape}]`), outputs.map((o) => o.name)); // → [ 'noise [n,3]', 'uniform [n,3]', 'context [n,1]' ] [ 'samples', 'log_prob' ]
 */
export function onnxSignature(flow: Distribution | TemporalMaf, graph: OnnxGraphKind = 'logProb'): OnnxSignature {
  if (graph !== 'logProb' && graph !== 'sample') throw new RangeError(`exportOnnx: graph must be 'logProb' or 'sample', got ${JSON.stringify(graph)}`);
  if (flow instanceof TemporalMaf) return temporalSignature(flow, graph);
  const D = flow.features;
  const C = flow.contextFeatures;
  const context: OnnxTensorInfo[] = C === 0 ? [] : [{ name: 'context', type: 'float', shape: ['n', C], description: 'conditioning values, in the data\'s units' }];
  const logProb: OnnxTensorInfo = { name: 'log_prob', type: 'float', shape: ['n'], description: 'log-density of each row (natural log)' };
  if (graph === 'logProb') {
    return { inputs: [{ name: 'x', type: 'float', shape: ['n', D], description: 'rows to score, in the data\'s units' }, ...context], outputs: [logProb] };
  }
  const U = uniformColumns(flow);
  return {
    inputs: [
      { name: 'noise', type: 'float', shape: ['n', D], description: 'standard normal draws' },
      ...(U === 0 ? [] : [{ name: 'uniform', type: 'float' as const, shape: ['n', U], description: 'uniform draws in [0, 1) that choose mixture components' }]),
      ...context,
    ],
    outputs: [{ name: 'samples', type: 'float', shape: ['n', D], description: 'draws in the data\'s units' }, { ...logProb, description: 'log-density of each draw' }],
  };
}

/**
 * `flow` as an ONNX model (the bytes of a `.onnx` file), for ONNX Runtime in Node, Python and the browser, and the
 * engines that run ONNX at scale. Opset 17, float32 inputs and outputs, dynamic batch size `n`; the whole model is
 * inside — standardization, context pre-map and context encoder included — so the graph takes data and context in
 * their own units, like `flow.logProb`. Every flow kind of maflow exports: MAF, IAF, Real NVP, NSF, MADE, MADE MoG,
 * MAF MoG, batch norm (in evaluation mode: the running statistics, whatever the flow's mode), ActNorm, LU mixing,
 * bounded columns and the elementwise bijectors, shift, scale, conditional flows, and temporal MAFs (`TemporalMaf`: the
 * per-step conditional log-densities of windows of sequences, the LSTM/GRU as one ONNX Loop over the steps; and
 * forecasting, a Loop over the steps ahead that feeds each draw back through the encoder). MADE layers are dense Gemms over the
 * masked weights (see `staircaseBlocks`). Transformers: affine, spline, circular spline, NAF, UMNN and Bernstein;
 * where maflow inverts one numerically (sampling NAF, UMNN, Bernstein), the graph bisects inside a bracket that holds
 * the root (see `bisectionSteps`). The log-density graph of an autoregressive flow is one parallel pass per layer (IAF:
 * the sequential one); the sampling graph is parallel for IAF and Real NVP and sequential for MAF, one staircase step
 * per feature (each hidden unit computed once), as an ONNX Loop (see `sequential`). A flow holding a bijector,
 * transformer or distribution the export does not know is an `UnsupportedOnnxError`. Rows holding ±Infinity get NaN,
 * not −∞.
 *
 * @example
 * import { Rng, createMaf, exportOnnx } from 'maflow';
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const bytes = exportOnnx(flow);                           // log-density: x [n, 2] → log_prob [n]
 * const sampler = exportOnnx(flow, { graph: 'sample' });    // noise [n, 2] → samples [n, 2], log_prob [n]
 * console.log(bytes.length > 1000, sampler.length > 1000); // → true true
 */
export function exportOnnx(flow: Distribution | TemporalMaf, options: ExportOnnxOptions = {}): Uint8Array {
  const kind = options.graph ?? 'logProb';
  const signature = onnxSignature(flow, kind);
  const compute = options.compute ?? 'float64';
  if (compute !== 'float64' && compute !== 'float32') throw new RangeError(`exportOnnx: compute must be 'float64' or 'float32', got ${JSON.stringify(compute)}`);
  const blocks = options.staircaseBlocks ?? 1;
  if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`exportOnnx: staircaseBlocks must be a positive integer, got ${JSON.stringify(blocks)}`);
  const sequential = options.sequential ?? 'loop';
  if (sequential !== 'loop' && sequential !== 'unrolled') throw new RangeError(`exportOnnx: sequential must be 'loop' or 'unrolled', got ${JSON.stringify(sequential)}`);
  const bisectionSteps = options.bisectionSteps ?? 60;
  if (!Number.isInteger(bisectionSteps) || bisectionSteps < 1) throw new RangeError(`exportOnnx: bisectionSteps must be a positive integer, got ${JSON.stringify(bisectionSteps)}`);
  const g = new OnnxGraph({ compute, staircaseBlocks: blocks, sequential, bisectionSteps });
  g.reserve(signature.outputs.map((o) => o.name));
  const values = new Map(signature.inputs.map((info) => [info.name, g.input(info)]));
  const context = values.get('context') ?? null;
  if (flow instanceof TemporalMaf && kind === 'sample') {
    const { samples, steps } = temporalForecast(g, flow, values.get('x')!, values.get('lengths')!, values.get('noise')!, context);
    g.output(samples, signature.outputs[0]);
    g.output(steps, signature.outputs[1]);
  } else if (flow instanceof TemporalMaf) {
    const { steps, total } = temporalLogProb(g, flow, values.get('x')!, values.get('lengths')!, context);
    g.output(steps, signature.outputs[0]);
    g.output(total, signature.outputs[1]);
  } else if (kind === 'logProb') {
    g.output(total(g, logProbPass(g, flow, values.get('x')!, context), values.get('x')!), signature.outputs[0]);
  } else {
    const noise = values.get('noise')!;
    const draw = samplePass(g, flow, { noise, uniform: values.get('uniform') ?? null }, context);
    g.output(draw.samples, signature.outputs[0]);
    g.output(total(g, draw.logProb, noise), signature.outputs[1]);
  }
  const defaults = defaultColumns(flow.features, flow.contextFeatures);
  return g.encode({
    producerVersion: VERSION,
    docString: `maflow ${kind === 'logProb' ? 'log-density' : 'sampling'} graph of a ${describe(flow)}; inputs ${signature.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}; outputs ${signature.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', ')}`,
    metadata: {
      ...options.metadata,
      'maflow.graph': kind,
      'maflow.columns': JSON.stringify(options.columns ?? defaults.columns),
      'maflow.contextColumns': JSON.stringify(options.contextColumns ?? defaults.contextColumns),
      'maflow.opset': String(ONNX_OPSET),
      'maflow.compute': compute,
      'maflow.sequential': sequential,
      'maflow.bisectionSteps': String(bisectionSteps),
    },
  });
}

/** The log-density `[n]` as one value: the per-row part plus the constant (a row of zeros plus it, when all is constant). */
function total(g: OnnxGraph, logProb: LogDet, like: Value): Value {
  const value = logProb.value ?? g.op('Mul', [g.toCompute(g.op('ReduceSum', [like, g.ints([1])], { keepdims: 0 })), g.scalar(0)]);
  return g.toStorage(logProb.constant === 0 ? value : g.op('Add', [value, g.scalar(logProb.constant)], {}, 'log_prob'));
}

function describe(flow: Distribution | TemporalMaf): string {
  return `${flow.constructor.name} with ${flow.features} features${flow.contextFeatures > 0 ? ` and ${flow.contextFeatures} context features` : ''}`;
}
