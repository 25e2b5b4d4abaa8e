/**
 * What `maflow export` does when it runs (its arguments, options and help: `commands/export.ts`).
 */
import { extname } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { DataError } from '../../io/data-error.ts';
import { exportOnnx, onnxSignature, type OnnxGraphKind } from '../../io/onnx/export-onnx.ts';
import type { ComputeType } from '../../io/onnx/onnx-graph.ts';
import { ONNX_OPSET } from '../../io/onnx/onnx-opset.ts';
import { UnsupportedOnnxError } from '../../io/onnx/unsupported-onnx-error.ts';
import type { Distribution } from '../../distributions/distribution.ts';
import type { TemporalMaf } from '../../flows/temporal-maf.ts';
import { isSequenceModelFile, loadSequenceModel } from '../../io/sequence-model-file.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { UsageError } from '../usage-error.ts';

interface ExportOptions {
  onnx?: string;
  onnxSample?: string;
  onnxCompute?: ComputeType;
  json?: boolean;
}

/** Runs `maflow export` with its parsed arguments and options. */
export function exportAction(io: CliIo, modelPath: string, options: ExportOptions): void {
    const startedAt = performance.now();
    const targets: Array<[string, string, OnnxGraphKind]> = [];
    if (options.onnx !== undefined) targets.push(['--onnx', options.onnx, 'logProb']);
    if (options.onnxSample !== undefined) targets.push(['--onnx-sample', options.onnxSample, 'sample']);
    if (targets.length === 0) throw new UsageError('export: give --onnx FILE (log-density graph) and/or --onnx-sample FILE (sampling graph)');
    for (const [option, path] of targets) {
      if (extname(path).toLowerCase() !== '.onnx') throw new UsageError(`${option} ${path}: an ONNX model file must have the extension .onnx`);
    }
    guardOutputs({ inputs: [{ label: 'model', path: modelPath }], outputs: targets.map(([option, path]) => ({ option, path })) });
    // A sequence model (temporal MAF) exports its log-density over windows and its forecasting graph.
    const model: ExportedModel = isSequenceModelFile(modelPath) ? loadSequenceModel(modelPath) : (({ flow, columns, contextColumns }) =>
      ({ model: flow, columns, contextColumns }))(loadCliModel(modelPath));
    // Every graph is built before anything is written, so that a refusal leaves no file behind.
    const graphs = targets.map(([, path, kind]) => ({ path, kind, bytes: encode(model, kind, modelPath, options.onnxCompute ?? 'float64') }));
    const compute = options.onnxCompute ?? 'float64';
    const written = graphs.map(({ path, kind, bytes }) => {
      writeFileAtomic(path, bytes);
      const { inputs, outputs } = onnxSignature(model.model, kind);
      const shapes = (infos: typeof inputs) => infos.map((i) => ({ name: i.name, shape: i.shape }));
      return { file: path, graph: kind, bytes: bytes.length, inputs: shapes(inputs), outputs: shapes(outputs) };
    });
    if (options.json === true) {
      writeJsonSummary(io, {
        ...runInfo('export', startedAt), model: modelPath, opset: ONNX_OPSET, compute, dimensions: model.model.features,
        contextDimensions: model.contextColumns.length, graphs: written,
      }, { json: true });
      return;
    }
    for (const { file, graph, inputs, outputs } of written) {
      const list = (infos: typeof inputs) => infos.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ');
      io.stdout.write(`${file}: ${graph === 'logProb' ? 'log-density' : 'sampling'} graph, opset ${ONNX_OPSET}, float32` +
        `${compute === 'float32' ? ' (float32 arithmetic)' : ''}; inputs ${list(inputs)}; outputs ${list(outputs)}\n`);
    }
  }

/** The model a file holds, with its column names. */
interface ExportedModel {
  model: Distribution | TemporalMaf;
  columns: readonly string[];
  contextColumns: readonly string[];
}

function encode(model: ExportedModel, kind: OnnxGraphKind, modelPath: string, compute: ComputeType): Uint8Array {
  try {
    return exportOnnx(model.model, { graph: kind, columns: model.columns, contextColumns: model.contextColumns, compute });
  } catch (error) {
    if (error instanceof UnsupportedOnnxError) throw new DataError(error.message.replace(/^exportOnnx: /, ''), { file: modelPath });
    throw error;
  }
}
