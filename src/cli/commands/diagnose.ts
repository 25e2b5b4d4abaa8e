/**
 * `maflow diagnose <model> <data> [--plot FILE.png] [--json]`: the MAF paper's diagnostic. If the flow fits, the
 * data mapped to base space, `u = f⁻¹(x)`, is standard normal in every dimension; this reports per dimension the
 * mean, std, skewness, excess kurtosis and the Kolmogorov–Smirnov statistic against N(0, 1) (with its p-value),
 * and draws normal QQ plots of u.
 */
import { basename } from 'node:path';
import { Command } from 'commander';
import { printable, printableJson } from '../../core/printable.ts';
import { writeFileAtomic } from '../../io/atomic-write.ts';
import type { CliIo } from '../cli-io.ts';
import { loadCliModel } from '../cli-model.ts';
import { columnMoments } from '../column-moments.ts';
import { guardOutputs } from '../guard-outputs.ts';
import { ksTest } from '../ks-test.ts';
import { toBaseSpace } from '../model-space.ts';
import { readModelData } from '../read-model-data.ts';
import { UsageError } from '../usage-error.ts';
import { addBackendOption, useBackend } from '../use-backend.ts';

interface DiagnoseOptions {
  plot?: string;
  json?: boolean;
  backend?: string;
}

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

/** The `diagnose` command. */
export function diagnoseCommand(io: CliIo): Command {
  const command = new Command('diagnose')
    .description('map data to base space and test it against N(0,1): moments, Kolmogorov–Smirnov, QQ plots')
    .argument('<model>', 'model file written by `maflow train`')
    .argument('<data>', 'data (.csv or .npy) with the model\'s columns')
    .option('--plot <file.png>', 'write normal QQ plots of the base-space values')
    .option('--json', 'print one JSON object instead of a table');
  return addBackendOption(command).action(async (modelPath: string, dataPath: string, options: DiagnoseOptions) => {
    if (options.plot !== undefined && !options.plot.toLowerCase().endsWith('.png')) {
      throw new UsageError(`--plot: expected a .png file name, got "${options.plot}"`);
    }
    if (options.plot !== undefined) {
      guardOutputs({ inputs: [{ label: 'model', path: modelPath }, { label: 'data', path: dataPath }], outputs: [{ option: '--plot', path: options.plot }] });
    }
    useBackend(io, options.backend);
    const model = loadCliModel(modelPath);
    const { x, context } = readModelData(dataPath, model);
    if (x.rows < 2) throw new UsageError(`${dataPath}: diagnose needs at least 2 rows, got ${x.rows}`);
    const u = toBaseSpace(model, x, context);
    const dims: DimensionDiagnostic[] = columnMoments(u).map((m, d) => {
      const values = new Float64Array(u.rows);
      for (let r = 0; r < u.rows; r++) values[r] = u.data[r * u.cols + d];
      const ks = ksTest(values);
      return { column: model.columns[d], ...m, ks: ks.statistic, ksPValue: ks.pValue };
    });
    if (options.plot !== undefined) {
      // The plotting stack takes about half a second to load: only when a plot is asked for.
      const { qqPlot } = await import('../plots/index.ts');
      const title = `${basename(modelPath)} on ${basename(dataPath)}: normal QQ plots of u = f⁻¹(x)`;
      writeFileAtomic(options.plot, qqPlot({ latent: u, columns: model.columns.map((name) => `u(${name})`), title }).png);
    }
    if (options.json === true) {
      io.stdout.write(`${printableJson({ model: modelPath, data: dataPath, rows: x.rows, dimensions: dims,
        ...(options.plot === undefined ? {} : { plot: options.plot }) })}\n`);
      return;
    }
    io.stdout.write(formatTable(dims, x.rows) + (options.plot === undefined ? '' : `QQ plots written to ${options.plot}\n`));
  });
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
