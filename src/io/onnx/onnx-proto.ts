/**
 * The subset of ONNX's protobuf schema (`onnx/onnx.proto`, proto2) that maflow writes — models, graphs, nodes,
 * attributes, tensors and value infos — as a protobufjs reflection descriptor, so that no code generation step is
 * needed and the encoder runs in the browser too (`protobufjs/light`). Field numbers are those of onnx.proto;
 * repeated scalars that onnx.proto declares unpacked stay unpacked.
 */
import protobuf from 'protobufjs/light.js';

/** ONNX tensor element types maflow writes (`TensorProto.DataType`). */
export const ONNX_TYPE = { float: 1, int64: 7, bool: 9, double: 11 } as const;

/** An element type maflow writes. */
export type OnnxElementType = keyof typeof ONNX_TYPE;

/** `AttributeProto.AttributeType` values used here. */
export const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, graph: 5, floats: 6, ints: 7 } as const;

/** A tensor as `TensorProto` (little-endian `rawData`). */
export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** A node attribute as `AttributeProto`. */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  g?: GraphMessage;
}

/** A node as `NodeProto`. */
export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

/** A graph input or output as `ValueInfoProto` (a tensor type; a string dimension is symbolic; no shape: unknown). */
export interface ValueInfoMessage {
  name: string;
  docString?: string;
  type: { tensorType: { elemType: number; shape?: { dim: Array<{ dimValue: number } | { dimParam: string }> } } };
}

/** A graph as `GraphProto` (the main graph, or a loop body). */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  docString?: string;
}

/** A whole model as `ModelProto`. */
export interface ModelMessage {
  irVersion: number;
  opsetImport: Array<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: GraphMessage;
  metadataProps: Array<{ key: string; value: string }>;
}

const unpacked = { packed: false };

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: unpacked },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: unpacked },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: unpacked },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: {
            Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

/** The ONNX message type `name` (`'ModelProto'`, …), built once from the descriptor. */
export function onnxMessageType(name: string): protobuf.Type {
  if (modelType === undefined) modelType = protobuf.Root.fromJSON(DESCRIPTOR).lookupType('onnx.ModelProto');
  return name === 'ModelProto' ? modelType : modelType.root.lookupType(`onnx.${name}`);
}

/** The bytes of an ONNX model file (`.onnx`). */
export function encodeModelMessage(model: ModelMessage): Uint8Array {
  const type = onnxMessageType('ModelProto');
  // A plain object of the descriptor's shape encodes as it is (fromObject would copy every tensor's bytes).
  const bytes = type.encode(model as unknown as protobuf.Message).finish();
  // Node's protobufjs writer returns a Buffer; hand out a plain Uint8Array view everywhere.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
