/**
 * What `maflow plot` does when it runs (its arguments, options and help: `commands/plot.ts`).
 */
import { basename } from 'node:path';
import type { Matrix } from '../../core/matrix.ts';
import { Rng } from '../../core/rng.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import { DataError } from '../../io/data-error.ts';
import { resolveColumns } from '../../io/resolve-columns.ts';
import type { CliIo } from '../cli-io.ts';
import { DEFAULT_PAIR_COLUMNS } from '../commands/plot.ts';
import { loadCliModel, type CliModel } from '../cli-model.ts';
import { densityGrid, plotRange } from '../density-grid.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { sampleOriginal } from '../model-space.ts';
import { readContext, readModelData } from '../read-model-data.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';

interface PlotOptions {
  out: string;
  data?: string;
  n: number;
  seed: number;
  context?: string;
  columns?: string;
  json?: boolean;
  backend?: string;
}

/** Runs `maflow plot` with its parsed arguments and options. */
export async function plotAction(io: CliIo, modelPath: string, options: PlotOptions): Promise<void> {
  const startedAt = performance.now();
  if (!options.out.toLowerCase().endsWith('.png')) throw new UsageError(`--out: expected a .png file name, got "${options.out}"`);
  guardOutputs({
    inputs: [{ label: 'model', path: modelPath }, ...(options.data === undefined ? [] : [{ label: '--data file', path: options.data }]),
      ...(options.context === undefined ? [] : [{ label: '--context file', path: options.context }])],
    outputs: [{ option: '--out', path: options.out }],
  });
  useBackend(io, options.backend);
  const model = loadCliModel(modelPath);
  const context = contextRow(model, options.context);
  const data = options.data === undefined ? undefined : readModelData(options.data, model).x;
  const samples = sampleOriginal(model, options.n, context, new Rng(options.seed));
  const dimensions = options.columns === undefined ? undefined : pairColumns(options.columns, model.columns);
  if (model.flow.features === 2 && dimensions !== undefined) {
    throw new UsageError('--columns: this model has 2 columns, drawn as a density; --columns chooses the columns of a pair plot');
  }
  const title = `${basename(modelPath)}${options.data === undefined ? '' : ` on ${basename(options.data)}`}`;
  const { densityPlot, pairPlot } = await import('../plots/index.ts');
  const image = model.flow.features === 2
    ? densityPlot({
      grid: densityGrid(model, { x: plotRange(0, data, samples), y: plotRange(1, data, samples), context }),
      samples, data, labels: [model.columns[0], model.columns[1]], title: `${title}: model density`,
    })
    : pairPlot({ samples, data, columns: model.columns, dimensions, maxDims: DEFAULT_PAIR_COLUMNS,
      title: `${title}: pairwise marginals` });
  if (dimensions === undefined && model.flow.features > DEFAULT_PAIR_COLUMNS) {
    io.stderr.write(`the pair plot shows the first ${DEFAULT_PAIR_COLUMNS} of ${model.flow.features} columns; `
      + 'choose others with --columns\n');
  }
  writeFileAtomic(options.out, image.png);
  if (options.json === true) {
    writeJsonSummary(io, { ...runInfo('plot', startedAt), model: modelPath, data: options.data ?? null, context: options.context ?? null,
      out: options.out, kind: model.flow.features === 2 ? 'density' : 'pairs', width: image.width, height: image.height,
      samples: options.n, seed: options.seed }, { json: true });
    return;
  }
  io.stdout.write(`wrote ${options.out} (${image.width}×${image.height})\n`);
}

function contextRow(model: CliModel, path: string | undefined): Matrix | undefined {
  if (model.flow.contextFeatures === 0) {
    if (path !== undefined) throw new UsageError('--context: this model is unconditional (it takes no context)');
    return undefined;
  }
  if (path === undefined) {
    throw new UsageError(`this model is conditional: pass --context FILE with one row of ${model.contextColumns.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const context = readContext(path, model.contextColumns);
  if (context.rows !== 1) throw new DataError(`expected one context row to plot the density at, got ${context.rows}`, { file: path });
  return context;
}

/** `--columns` resolved against the model's column names: a user error names the option, not a file. */
function pairColumns(selection: string, columns: readonly string[]): number[] {
  try {
    return resolveColumns(selection, columns, '--columns');
  } catch (error) {
    if (error instanceof DataError) throw new UsageError(`--columns: ${error.detail}`);
    throw error;
  }
}
