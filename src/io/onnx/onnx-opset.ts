/**
 * The ONNX versions the exported graphs target, apart from the graph builder so that naming them (the CLI's `export`
 * help) does not load the protobuf encoder.
 */

/** The ONNX operator set the exported graphs use (ONNX 1.12; onnxruntime ≥ 1.12, onnxruntime-web included). */
export const ONNX_OPSET = 17;
/** The ONNX IR version that goes with `ONNX_OPSET`. */
export const ONNX_IR_VERSION = 8;
