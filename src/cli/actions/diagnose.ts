/**
 * What `maflow diagnose` does when it runs (its arguments, options and help: `commands/diagnose.ts`).
 */
import { basename } from 'node:path';
import { printable } from '../../core/printable.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { runInfo, writeJsonSummary } from '../json-summary.ts';
import { ksTestAscending, type KsTestResult } from '../ks-test.ts';
import { streamModelData } from '../model-data-stream.ts';
import { MomentAccumulator } from '../moment-accumulator.ts';
import { toBaseSpace } from '../model-space.ts';
import { SortedValues } from '../sorted-values.ts';
import type { TableFormat } from '../../io/table-format.ts';
import type { Matrix } from '../../core/matrix.ts';
import { UsageError } from '../usage-error.ts';
import { useBackend } from '../use-backend.ts';

interface DiagnoseOptions {
  plot?: string;
  json?: boolean;
  format?: TableFormat;
  backend?: string;
}

/** Values of u held in memory (over all dimensions) before sorted runs go to disk. */
const MEMORY_VALUES = 1 << 20;

/** Order statistics per dimension that the QQ plot shows. */
const QQ_POINTS = 1000;

/** Per-dimension diagnostic of the base-space values. */
export interface DimensionDiagnostic {
  column: string;
  mean: number;
  std: number;
  skewness: number;
  excessKurtosis: number;
  ks: number;
  ksPValue: number;
}

/** Runs `maflow diagnose` with its parsed arguments and options. */
export async function diagnoseAction(io: CliIo, modelPath: string, dataPath: string, options: DiagnoseOptions): Promise<void> {
  const startedAt = performance.now();
  if (options.plot !== undefined && !options.plot.toLowerCase().endsWith('.png')) {
    throw new UsageError(`--plot: expected a .png file name, got "${options.plot}"`);
  }
  if (options.plot !== undefined) {
    guardOutputs({ inputs: [{ label: 'model', path: modelPath }, { label: 'data', path: dataPath }], outputs: [{ option: '--plot', path: options.plot }] });
  }
  useBackend(io, options.backend);
  const model = loadCliModel(modelPath);
  const data = await streamModelData(dataPath, model, io, options.format);
  const D = model.flow.features;
  const moments = new MomentAccumulator(D);
  const sorted = Array.from({ length: D }, () => new SortedValues({ memoryValues: Math.max(1 << 16, Math.floor(MEMORY_VALUES / D)) }));
  let dims: DimensionDiagnostic[];
  let quantiles: Matrix;
  try {
    for await (const { x, context } of data.chunks) {
      const u = toBaseSpace(model, x, context);
      moments.add(u);
      const column = new Float64Array(u.rows);
      for (let d = 0; d < D; d++) {
        for (let r = 0; r < u.rows; r++) column[r] = u.data[r * D + d];
        sorted[d].add(column);
      }
    }
    if (moments.rows < 2) throw new UsageError(`${data.file}: diagnose needs at least 2 rows, got ${moments.rows}`);
    const n = moments.rows;
    const keep = Math.min(n, QQ_POINTS);
    const ranks = Array.from({ length: keep }, (_, k) => Math.round((k * (n - 1)) / (keep - 1)));
    quantiles = { rows: keep, cols: D, data: new Float64Array(keep * D) };
    dims = moments.moments().map((m, d) => {
      const ks = ksWithQuantiles(sorted[d], n, ranks, (k, value) => { quantiles.data[k * D + d] = value; });
      return { column: model.columns[d], ...m, ks: ks.statistic, ksPValue: ks.pValue };
    });
  } finally {
    for (const values of sorted) values.dispose();
  }
  const rows = moments.rows;
  if (options.plot !== undefined) {
    // The plotting stack takes about half a second to load: only when a plot is asked for.
    const { qqPlot } = await import('../plots/index.ts');
    const title = `${basename(modelPath)} on ${basename(dataPath)}: normal QQ plots of u = f⁻¹(x)`;
    writeFileAtomic(options.plot, qqPlot({ u: quantiles, columns: model.columns.map((name) => `u(${name})`), title }).png);
  }
  if (options.json === true) {
    const summary = { ...runInfo('diagnose', startedAt), model: modelPath, data: dataPath, rows, dimensions: dims,
      ...(options.plot === undefined ? {} : { plot: options.plot }) };
    writeJsonSummary(io, summary, { json: true });
    return;
  }
  io.stdout.write(formatTable(dims, rows) + (options.plot === undefined ? '' : `QQ plots written to ${options.plot}\n`));
}

/** The KS test of the `n` values in `values`, handing the values at the ascending `ranks` to `quantile` on the way. */
function ksWithQuantiles(values: SortedValues, n: number, ranks: readonly number[], quantile: (k: number, value: number) => void): KsTestResult {
  let k = 0;
  return ksTestAscending(n, (visit) => values.forEachAscending((value, rank) => {
    visit(value, rank);
    while (k < ranks.length && ranks[k] === rank) quantile(k++, value);
  }));
}

function formatTable(dims: readonly DimensionDiagnostic[], rows: number): string {
  const header = ['column', 'mean', 'std', 'skew', 'ex.kurt', 'KS', 'KS p'];
  // Column names come from the model file: escaped, and cut to 40 characters so the table stays a table.
  const body = dims.map((d) => [printable(d.column, { maxLength: 40 }), d.mean, d.std, d.skewness, d.excessKurtosis, d.ks, d.ksPValue]
    .map((v) => (typeof v === 'number' ? v.toFixed(4) : v)));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `base-space u = f⁻¹(x) over ${rows} rows (N(0,1) if the flow fits: mean 0, std 1, skew 0, ex.kurt 0, KS small)\n` +
    [line(header), ...body.map(line)].join('\n') + '\n';
}
