/**
 * `maflow export <model> --onnx FILE [--onnx-sample FILE] [--onnx-compute float64|float32]`: the model as ONNX graphs for ONNX Runtime and the engines
 * that run ONNX at scale — the log-density graph (`x [n, D]`, `context [n, C]` → `log_prob [n]`) and/or the sampling
 * graph (`noise`, `uniform` for mixture bases, `context` → `samples`, `log_prob`); for a sequence model (temporal
 * MAF) the log-density graph over windows (`x [n, T, F]`, `lengths [n]`, `context` → `log_prob_steps [n, T]`,
 * `log_prob [n]`) and the forecasting graph (histories `x`, `lengths`, `noise [n, S, F]`, `context` → `samples
 * [n, S, F]`, `log_prob_steps [n, S]`). Each is written atomically, with one
 * line per file naming its inputs and outputs (with `--json`, one JSON summary instead: `json-summary.ts`). A model the
 * export cannot translate is one line and exit status 2, with nothing written.
 *
 * This file defines the command (its arguments, options and help) and loads only what that needs; `actions/export.ts`,
 * imported when the command runs (program.ts), does the work.
 */
import { Command, Option } from 'commander';
import { ONNX_OPSET } from '../../io/onnx/onnx-opset.ts';

/** The `export` command. */
export function exportCommand(): Command {
  return new Command('export')
    .description(`write a model as ONNX (opset ${ONNX_OPSET}, float32) for ONNX Runtime, Spark, Triton`)
    .argument('<model>', 'model file written by `maflow train`')
    .option('--onnx <file>', 'the log-density graph: x [n, D] (and context [n, C]) → log_prob [n]')
    .option('--onnx-sample <file>', 'the sampling graph: noise [n, D] (uniform [n, U] for mixture bases, context) → samples [n, D], log_prob [n]')
    .addOption(new Option('--onnx-compute <type>', 'element type of the arithmetic between the float32 layers (float32: for engines without float64 kernels, e.g. WebGPU)')
      .choices(['float64', 'float32']).default('float64'))
    .option('--json', 'print a JSON summary (the graphs written, their inputs and outputs, sizes, timing) on stdout instead of text')
    ;
}
