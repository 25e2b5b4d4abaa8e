/**
 * `maflow export <model> --onnx FILE [--onnx-sample FILE] [--onnx-compute float64|float32]`: the model as ONNX graphs for ONNX Runtime and the engines
 * that run ONNX at scale — the log-density graph (`x [n, D]`, `context [n, C]` → `log_prob [n]`) and/or the sampling
 * graph (`noise`, `uniform` for mixture bases, `context` → `samples`, `log_prob`); for a sequence model (temporal
 * MAF) the log-density graph over windows (`x [n, T, F]`, `lengths [n]`, `context` → `log_prob_steps [n, T]`,
 * `log_prob [n]`) and the forecasting graph (histories `x`, `lengths`, `noise [n, S, F]`, `context` → `samples
 * [n, S, F]`, `log_prob_steps [n, S]`). Each is written atomically, with one
 * line per file naming its inputs and outputs (with `--json`, one JSON summary instead: `json-summary.ts`). A model the
 * export cannot translate is one line and exit status 2, with nothing written.
 */
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { DataError } from '../../io/data-error.ts';
import { exportOnnx, onnxSignature, type OnnxGraphKind } from '../../io/onnx/export-onnx.ts';
import { ONNX_OPSET, type ComputeType } from '../../io/onnx/onnx-graph.ts';
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

/** The `export` command. */
export function exportCommand(io: CliIo): Command {
  return new Command('export')
    .description(`write a model as ONNX (opset ${ONNX_OPSET}, float32) for ONNX Runtime, Spark, Triton`)
    .argument('<model>', 'model file written by `maflow train`')
    .option('--onnx <file>', 'the log-density graph: x [n, D] (and context [n, C]) → log_prob [n]')
    .option('--onnx-sample <file>', 'the sampling graph: noise [n, D] (uniform [n, U] for mixture bases, context) → samples [n, D], log_prob [n]')
    .addOption(new Option('--onnx-compute <type>', 'element type of the arithmetic between the float32 layers (float32: for engines without float64 kernels, e.g. WebGPU)')
      .choices(['float64', 'float32']).default('float64'))
    .option('--json', 'print a JSON summary (the graphs written, their inputs and outputs, sizes, timing) on stdout instead of text')
    .action((modelPath: string, options: ExportOptions) => {
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
    });
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
