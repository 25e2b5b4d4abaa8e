/**
 * What `maflow eval` does when it runs (its arguments, options and help: `commands/eval.ts`).
 */
import type { TableFormat } from '../../io/table-format.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { LogLikelihoodAccumulator } from '../log-likelihood-accumulator.ts';
import { streamModelData } from '../model-data-stream.ts';
import { logDensities } from '../model-space.ts';
import { useBackend } from '../use-backend.ts';
import { isSequenceModelFile } from '../../io/sequence-model-file.ts';
import { evalSequenceModel } from '../sequences/sequence-commands.ts';

interface EvalOptions {
  json?: boolean;
  format?: TableFormat;
  backend?: string;
}

/** Runs `maflow eval` with its parsed arguments and options. */
export async function evalAction(io: CliIo, modelPath: string, dataPath: string, options: EvalOptions): Promise<void> {
  const startedAt = performance.now();
  useBackend(io, options.backend);
  // A sequence model (temporal MAF): log-likelihood per sequence and per step.
  if (isSequenceModelFile(modelPath)) return evalSequenceModel(io, modelPath, dataPath, options);
  const model = loadCliModel(modelPath);
  const data = await streamModelData(dataPath, model, io, options.format);
  const threshold = model.trainingLogProb?.min;
  const accumulator = new LogLikelihoodAccumulator(model.flow.features, threshold);
  let summary;
  try {
    for await (const { x, context, firstRow } of data.chunks) accumulator.add(logDensities(model, x, context, firstRow), firstRow);
    summary = accumulator.summary();
  } finally {
    accumulator.dispose();
  }
  const tail = threshold === undefined ? undefined : accumulator.below;
  if (tail !== undefined && tail.count > 0) {
    io.stderr.write(`maflow: warning: ${tail.count} of ${summary.rows} rows score below ${threshold!.toFixed(2)} ` +
      `nats, the lowest log-density of any training row (data row${tail.count === 1 ? '' : 's'} ${listRows(tail.first, tail.count)}); ` +
      'they lie outside the training data, and the mean is sensitive to them: compare it with the median\n');
  }
  if (options.json === true) {
    const json = { ...runInfo('eval', startedAt), model: modelPath, data: dataPath, logLikelihood: summary.mean,
      twoStandardErrors: summary.twoStandardErrors, bitsPerDimension: summary.bitsPerDimension,
      rows: summary.rows, dimensions: summary.dimensions, median: summary.median, worst: summary.worst,
      worstRow: summary.worstRow + 1,
      ...(tail === undefined ? {} : { trainingMinimum: threshold, rowsBelowTrainingMinimum: tail.count }) };
    writeJsonSummary(io, json, { json: true });
    return;
  }
  io.stdout.write(`log-likelihood: ${summary.mean.toFixed(4)} ± ${summary.twoStandardErrors.toFixed(4)} nats ` +
    `(mean ± 2 s.e. over ${summary.rows} rows, ${summary.dimensions} dimension${summary.dimensions === 1 ? '' : 's'})\n` +
    `median row:     ${summary.median.toFixed(4)} nats; worst row: ${summary.worst.toFixed(4)} nats (data row ${summary.worstRow + 1})\n` +
    `bits/dim:       ${summary.bitsPerDimension.toFixed(4)}\n`);
}

/** `3, 17, 90` (1-based) for the first rows of `count`, followed by `…` when there are more. */
function listRows(first: readonly number[], count: number): string {
  const head = first.map((r) => String(r + 1)).join(', ');
  return count > first.length ? `${head}, … (${count - first.length} more)` : head;
}
