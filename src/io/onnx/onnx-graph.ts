import { ATTRIBUTE_TYPE, encodeModelMessage, ONNX_TYPE, type AttributeMessage, type GraphMessage, type NodeMessage,
  type OnnxElementType, type TensorMessage, type ValueInfoMessage } from './onnx-proto.ts';
import { ONNX_IR_VERSION, ONNX_OPSET } from './onnx-opset.ts';

/** A value in the graph: the name of a tensor. */
export type Value = string;

/** A node attribute: integers are `int` attributes; wrap a float in `{ float }`, a float list in `{ floats }`. */
export type AttributeValue = number | readonly number[] | string | { float: number } | { floats: readonly number[] } | { graph: OnnxGraph };

/** A dimension of a graph input or output: a size, or a symbolic name such as `'n'` (the batch). */
export type Dimension = number | string;

/** A graph input or output: name, element type, shape and what it holds. */
export interface OnnxTensorInfo {
  name: string;
  type: OnnxElementType;
  shape: Dimension[];
  description: string;
}

/** A declared input or output of a graph; a loop body's values have no shape (unknown: it may change per iteration). */
type Declaration = Omit<OnnxTensorInfo, 'shape'> & { shape?: Dimension[] };

/** A value carried from one iteration of `OnnxGraph.loop` to the next: its initial value and element type. */
export interface LoopCarried {
  value: Value;
  type: OnnxElementType;
}

/** What the graphs of one model share: names are unique across the main graph and every loop body (ONNX scoping). */
interface SharedState {
  used: Set<string>;
  reserved: Set<string>;
  initializers: TensorMessage[];
  scalars: Map<string, Value>;
}

/** The element type of the elementwise arithmetic (transformers, mixtures, log-determinants); weights stay float32. */
export type ComputeType = 'float64' | 'float32';

/** How a sequential pass (MAF sampling, IAF density) is laid out: one ONNX `Loop` over the features, or step by step. */
export type SequentialLayout = 'loop' | 'unrolled';

/** How the graph lays out its computation (`exportOnnx`'s options of the same names). */
export interface GraphLayout {
  /**
   * The element type of the elementwise parts: `'float64'` mirrors maflow, whose layers store float32 values but
   * transform them, and sum log-determinants, in float64 (a sharp spline bin or mixture component keeps its digits);
   * `'float32'` for engines without float64 kernels.
   */
  compute: ComputeType;
  /** How many Gemms a masked (MADE) layer is split into, each over the prefix of inputs its units read (1: one dense Gemm). */
  staircaseBlocks: number;
  /** Bisection steps of a numerical inversion: the root is within `2^−steps` of its starting bracket's width. */
  bisectionSteps: number;
  /** `'loop'`: a sequential pass is one ONNX Loop over the features; `'unrolled'`: laid out feature by feature. */
  sequential: SequentialLayout;
}

/** The defaults of `GraphLayout`. */
export const DEFAULT_LAYOUT: GraphLayout = { compute: 'float64', staircaseBlocks: 1, bisectionSteps: 60, sequential: 'loop' };

/**
 * Builds one ONNX graph: inputs, constant initializers (deduplicated scalars), nodes in topological order (each node is
 * appended after its inputs exist), outputs; `encode` gives the `.onnx` bytes. Names are made unique from hints.
 */
export class OnnxGraph {
  private readonly nodes: NodeMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly casts = new Map<Value, Value>();
  private readonly shared: SharedState;
  /** The graph whose values this one (a loop body) sees, or null for the main graph. */
  private readonly parent: OnnxGraph | null;

  /** The element type of the elementwise parts (see `GraphLayout`). */
  readonly compute: ComputeType;
  /** How many Gemms a masked (MADE) layer of a parallel pass is split into (see `GraphLayout`). */
  readonly staircaseBlocks: number;
  /** Bisection steps of a numerical inversion (see `GraphLayout`). */
  readonly bisectionSteps: number;
  /** How a sequential (autoregressive) pass is laid out (see `GraphLayout`). */
  readonly sequential: SequentialLayout;
  private readonly layout: GraphLayout;

  /** A main graph with `layout` (defaults: `DEFAULT_LAYOUT`), or, given `parent`, a loop body inside it. */
  constructor(layout: Partial<GraphLayout> = {}, parent: OnnxGraph | null = null) {
    this.layout = { ...DEFAULT_LAYOUT, ...layout };
    ({ compute: this.compute, staircaseBlocks: this.staircaseBlocks, bisectionSteps: this.bisectionSteps, sequential: this.sequential } = this.layout);
    this.parent = parent;
    this.shared = parent?.shared ?? { used: new Set(), reserved: new Set(), initializers: [], scalars: new Map() };
  }

  /** `v` (float32) in the compute type. */
  toCompute(v: Value): Value {
    if (this.compute === 'float32') return v;
    let cast = this.cachedCast(v);
    if (cast === undefined) {
      cast = this.op('Cast', [v], { to: ONNX_TYPE.double }, `${v}_c`);
      this.casts.set(v, cast);
    }
    return cast;
  }

  /** A cast of `v` made in this graph or in one whose values it sees. */
  private cachedCast(v: Value): Value | undefined {
    return this.casts.get(v) ?? this.parent?.cachedCast(v);
  }

  /** `v` (compute type) as float32, what maflow's float32 layers store. */
  toStorage(v: Value): Value {
    return this.compute === 'float32' ? v : this.op('Cast', [v], { to: ONNX_TYPE.float }, `${v}_f`);
  }

  /** A constant in the compute type. */
  constant(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): Value {
    return this.compute === 'float32' ? this.floats(values, dims, hint) : this.doubles(values, dims, hint);
  }

  /** Keeps `names` for `output` (no node takes them before). */
  reserve(names: readonly string[]): void {
    for (const name of names) {
      this.shared.used.add(name);
      this.shared.reserved.add(name);
    }
  }

  /** A fresh name from `hint`. */
  name(hint: string): string {
    let name = hint;
    for (let k = 1; this.shared.used.has(name); k++) name = `${hint}_${k}`;
    this.shared.used.add(name);
    return name;
  }

  /** Declares a graph input and returns its value. */
  input(info: Declaration): Value {
    if (this.shared.used.has(info.name)) throw new Error(`OnnxGraph: the name '${info.name}' is taken`);
    this.shared.used.add(info.name);
    this.inputs.push(valueInfo(info));
    return info.name;
  }

  /** Declares `value` as the graph output `info.name` (renaming it through an Identity node). */
  output(value: Value, info: Declaration): void {
    if (!this.shared.reserved.delete(info.name)) {
      if (this.shared.used.has(info.name)) throw new Error(`OnnxGraph: the name '${info.name}' is taken`);
      this.shared.used.add(info.name);
    }
    this.nodes.push({ name: this.name(`Identity_${info.name}`), opType: 'Identity', input: [value], output: [info.name], attribute: [] });
    this.outputs.push(valueInfo(info));
  }

  /** Appends a node with one output; `''` in `inputs` is an omitted optional input. */
  op(opType: string, inputs: readonly Value[], attributes: Record<string, AttributeValue> = {}, hint = opType): Value {
    return this.opN(opType, inputs, 1, attributes, hint)[0];
  }

  /** Appends a node with `count` outputs. */
  opN(opType: string, inputs: readonly Value[], count: number, attributes: Record<string, AttributeValue> = {}, hint = opType): Value[] {
    const output = Array.from({ length: count }, () => this.name(hint));
    const attribute = Object.entries(attributes).map(([name, value]) => attributeMessage(name, value));
    this.nodes.push({ name: output[0], opType, input: [...inputs], output, attribute });
    return output;
  }

  /** A float32 constant of shape `dims` (values rounded from whatever precision they come in). */
  floats(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): Value {
    return this.tensor(new Float32Array(Array.from(values)), 'float', dims, hint);
  }

  /** A float64 constant. */
  doubles(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): Value {
    return this.tensor(new Float64Array(Array.from(values)), 'double', dims, hint);
  }

  /** An int64 constant (indices, shapes, axes). */
  ints(values: readonly number[], dims: readonly number[] = [values.length], hint = 'ints'): Value {
    return this.tensor(new BigInt64Array(values.map((v) => BigInt(v))), 'int64', dims, hint);
  }

  /** A scalar in the compute type, one initializer per distinct value. */
  scalar(value: number): Value {
    return this.compute === 'float32' ? this.float(value) : this.double(value);
  }

  /** A float32 scalar, one initializer per distinct value. */
  float(value: number): Value {
    const key = `f${Object.is(value, -0) ? '-0' : value}`;
    let name = this.shared.scalars.get(key);
    if (name === undefined) {
      name = this.floats([value], [], 'scalar');
      this.shared.scalars.set(key, name);
    }
    return name;
  }

  /** A float64 scalar, one initializer per distinct value. */
  double(value: number): Value {
    const key = `d${Object.is(value, -0) ? '-0' : value}`;
    let name = this.shared.scalars.get(key);
    if (name === undefined) {
      name = this.doubles([value], [], 'scalar');
      this.shared.scalars.set(key, name);
    }
    return name;
  }

  /** The model bytes, with `metadata` as `metadata_props`. */
  encode(options: { docString: string; producerVersion: string; metadata: Record<string, string> }): Uint8Array {
    return encodeModelMessage({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'maflow',
      producerVersion: options.producerVersion,
      docString: options.docString,
      graph: { name: 'maflow', node: this.nodes, initializer: this.shared.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    });
  }

  /** The number of nodes so far (loop bodies counted as their Loop node). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * An ONNX `Loop` of `trips` iterations over the `carried` values: `body(b, i, values)` builds the body in the loop
   * graph `b` from the iteration number `i` (int64 scalar) and the current values (every value of this graph is
   * visible in `b`), and returns the next values, in the same order and types (their shapes may change from one
   * iteration to the next). Returns the final values. Constants made in the body are initializers of the model, so
   * the body stays small and is parsed once, however many iterations run.
   */
  loop(trips: number | Value, carried: readonly LoopCarried[], body: (b: OnnxGraph, i: Value, values: Value[]) => Value[],
    hint = 'loop'): Value[] {
    return this.loopWithScan(trips, carried, 0, (b, i, values) => ({ carried: body(b, i, values), scan: [] }), hint);
  }

  /**
   * `loop` whose body also emits `scans` float32 values per iteration, which the Loop stacks along a new first axis
   * (ONNX scan outputs, `[trips, …]`): returns the final carried values, then the stacked ones.
   */
  loopWithScan(trips: number | Value, carried: readonly LoopCarried[], scans: number,
    body: (b: OnnxGraph, i: Value, values: Value[]) => { carried: Value[]; scan: Value[] }, hint = 'loop'): Value[] {
    const b = new OnnxGraph(this.layout, this);
    const declare = (list: ValueInfoMessage[], hint: string, type: OnnxElementType, shape?: Dimension[]): Value => {
      const name = this.name(hint);
      list.push(valueInfo({ name, type, description: '', ...(shape === undefined ? {} : { shape }) }));
      return name;
    };
    const i = declare(b.inputs, `${hint}_i`, 'int64', []);
    const condition = declare(b.inputs, `${hint}_cond`, 'bool', []);
    const values = carried.map((c) => declare(b.inputs, `${hint}_in`, c.type));
    const next = body(b, i, values);
    if (next.carried.length !== carried.length || next.scan.length !== scans) {
      throw new Error(`OnnxGraph.loop: the body returned ${next.carried.length} carried and ${next.scan.length} scanned values for ${carried.length} and ${scans}`);
    }
    // A body output is the value a body node made, as it is (an Identity would copy it every iteration); a value that
    // comes back unchanged, an outer value or one returned twice goes through an Identity node.
    const types: OnnxElementType[] = ['bool', ...carried.map((c) => c.type), ...next.scan.map(() => 'float' as const)];
    const made = new Set(b.nodes.flatMap((node) => node.output));
    const taken = new Set<Value>();
    [condition, ...next.carried, ...next.scan].forEach((v, k) => {
      const shape = k === 0 ? [] : undefined;
      if (made.has(v) && !taken.has(v)) {
        taken.add(v);
        b.outputs.push(valueInfo({ name: v, type: types[k], description: '', ...(shape === undefined ? {} : { shape }) }));
        return;
      }
      const name = declare(b.outputs, k === 0 ? `${hint}_cond_out` : `${hint}_out`, types[k], shape);
      b.nodes.push({ name: this.name(`Identity_${name}`), opType: 'Identity', input: [v], output: [name], attribute: [] });
    });
    const count = typeof trips === 'number' ? this.ints([trips], [], 'trips') : trips;
    return this.opN('Loop', [count, '', ...carried.map((c) => c.value)], carried.length + scans, { body: { graph: b } }, hint);
  }

  /** This graph as a `GraphProto` (a loop body). */
  graphMessage(name: string): GraphMessage {
    return { name, node: this.nodes, initializer: [], input: this.inputs, output: this.outputs };
  }

  private tensor(data: Float32Array | Float64Array | BigInt64Array, type: OnnxElementType, dims: readonly number[], hint: string): Value {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`OnnxGraph: ${data.length} values for a tensor of shape [${dims.join(', ')}]`);
    const name = this.name(hint);
    this.shared.initializers.push({ name, dims: [...dims], dataType: ONNX_TYPE[type], rawData: littleEndianBytes(data) });
    return name;
  }
}

/** The bytes of `data` in little-endian order (ONNX's raw_data), whatever the platform's order. */
function littleEndianBytes(data: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  const view = new DataView(bytes.buffer);
  const width = data.BYTES_PER_ELEMENT;
  for (let k = 0; k < data.length; k++) {
    if (data instanceof Float32Array) view.setFloat32(k * width, data[k], true);
    else if (data instanceof Float64Array) view.setFloat64(k * width, data[k], true);
    else view.setBigInt64(k * width, data[k], true);
  }
  return bytes;
}

function valueInfo(info: Declaration): ValueInfoMessage {
  return {
    name: info.name,
    docString: info.description,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[info.type],
        ...(info.shape === undefined ? {} : { shape: { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }),
      },
    },
  };
}

function attributeMessage(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === 'number') return { name, type: ATTRIBUTE_TYPE.int, i: value };
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: ATTRIBUTE_TYPE.ints, ints: [...value] };
  if ('float' in value) return { name, type: ATTRIBUTE_TYPE.float, f: value.float };
  if ('graph' in value) return { name, type: ATTRIBUTE_TYPE.graph, g: value.graph.graphMessage(name) };
  return { name, type: ATTRIBUTE_TYPE.floats, floats: [...(value as { floats: readonly number[] }).floats] };
}
