import * as Plot from '@observablehq/plot';
import { COLORS, type LegendEntry, TITLE_HEIGHT, cappedTitle, composeSvg, plotFrame, plotSvg, shownDims } from './compose-svg.ts';
import { histogram } from './histogram.ts';
import { type PlotImage, type PlotMatrix, checkPlotMatrix, column, thinnedRows } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** Options for {@link pairPlot}. */
export interface PairPlotOptions {
  /** Model samples `[n, D]`. */
  readonly samples: PlotMatrix;
  /** Training data `[m, D]`, overlaid in another colour. */
  readonly data?: PlotMatrix;
  /** A name per column, `[D]`. */
  readonly columns: readonly string[];
  /** Without `dimensions`, only the first `maxDims` dimensions are drawn (and the title says so). @default 6 */
  readonly maxDims?: number;
  /** The 0-based columns to draw, in this order (any number; the title names how many of `D`). */
  readonly dimensions?: readonly number[];
  /** @default 'Pairwise marginals: model samples vs data' (or '…: model samples' without data) */
  readonly title?: string;
  /** Points per series and panel beyond which every k-th row is drawn. @default 2000 */
  readonly maxPoints?: number;
  /** Histogram bins on the diagonal. @default 30 */
  readonly bins?: number;
  /** Legend names of the two series (e.g. two groups of data rows). @default { samples: 'model samples', data: 'data' } */
  readonly seriesLabels?: { readonly samples: string; readonly data: string };
}

const PANEL_MARGINS = { marginLeft: 40, marginRight: 8, marginTop: 8, marginBottom: 30 } as const;

/** A tick label short enough for a small panel: thousands and millions as k and M (1,500 → 1.5k). */
function compactTick(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (magnitude >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

/** Side of one (square) panel: larger when there are few dimensions. */
function cellSize(dims: number): number {
  return dims === 1 ? 480 : dims <= 3 ? 220 : 150;
}

/** The pixel size of a pair plot with `dims` dimensions (a `dims × dims` grid under the title band). */
export function pairPlotSize(dims: number): { width: number; height: number } {
  const side = dims * cellSize(dims);
  return { width: side, height: TITLE_HEIGHT + side };
}

/**
 * The 0.5 %–99.5 % range of the values in both series, padded by 5 %: robust to a few wild samples from a poorly
 * trained model, which would otherwise squash everything else into one pixel.
 */
function robustDomain(series: readonly Float64Array[]): [number, number] {
  const all = Float64Array.from(series.flatMap((s) => Array.from(s))).sort();
  const at = (q: number): number => all[Math.min(all.length - 1, Math.max(0, Math.round(q * (all.length - 1))))];
  let lo = at(0.005);
  let hi = at(0.995);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

interface Columns {
  readonly samples: Float64Array[];
  readonly data: Float64Array[];
  readonly domains: [number, number][];
}

function checkFinite(name: string, m: PlotMatrix, columns: readonly string[], shown: readonly number[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const d of shown) {
    const values = column(m, d);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`pairPlot: ${name} row ${bad}, column '${columns[d]}' is ${values[bad]}`);
    out.push(values);
  }
  return out;
}

function readColumns(options: PairPlotOptions, shown: readonly number[]): Columns {
  const samples = checkFinite('samples', options.samples, options.columns, shown);
  const data = options.data === undefined ? [] : checkFinite('data', options.data, options.columns, shown);
  const domains = samples.map((s, d) => robustDomain(data.length > 0 ? [s, data[d]] : [s]));
  return { samples, data, domains };
}

function diagonalPanel(cols: Columns, d: number, size: number, bins: number, name: string): string {
  const sampleBars = histogram(cols.samples[d], cols.domains[d], bins);
  const dataBars = cols.data.length > 0 ? histogram(cols.data[d], cols.domains[d], bins) : [];
  // Headroom above the tallest bar keeps the column name clear of the bars.
  const top = 1.3 * Math.max(...sampleBars.map((b) => b.density), ...dataBars.map((b) => b.density));
  return plotSvg({
    width: size, height: size, ...PANEL_MARGINS,
    x: { domain: cols.domains[d], ticks: 3, label: null, tickFormat: compactTick },
    y: { domain: [0, top > 0 ? top : 1], axis: null },
    marks: [
      Plot.rectY(sampleBars, { x1: 'x1', x2: 'x2', y: 'density', fill: COLORS.samples, fillOpacity: 0.55 }),
      Plot.rectY(dataBars, { x1: 'x1', x2: 'x2', y: 'density', stroke: COLORS.data, strokeWidth: 1.2 }),
      Plot.text([name], { frameAnchor: 'top-left', dx: 4, dy: 4, fontSize: 12 }),
      Plot.frame({ strokeOpacity: 0.4 }),
    ],
  });
}

function scatterPanel(cols: Columns, row: number, col: number, size: number, maxPoints: number): string {
  const dots = (series: Float64Array[], color: string, opacity: number): Plot.Markish => {
    const index = thinnedRows(series.length === 0 ? 0 : series[col].length, maxPoints);
    return Plot.dot(index, { x: (r: number) => series[col][r], y: (r: number) => series[row][r], r: 1,
      fill: color, fillOpacity: opacity, clip: true });
  };
  return plotSvg({
    width: size, height: size, ...PANEL_MARGINS,
    x: { domain: cols.domains[col], ticks: 3, label: null, tickFormat: compactTick },
    y: { domain: cols.domains[row], ticks: 3, label: null, axis: col === 0 ? 'left' : null, tickFormat: compactTick },
    marks: [
      dots(cols.samples, COLORS.samples, 0.5),
      dots(cols.data, COLORS.data, 0.35),
      Plot.frame({ strokeOpacity: 0.4 }),
    ],
  });
}

/**
 * A corner pair plot of model samples against data: the lower triangle shows pairwise scatter plots, the diagonal
 * the marginal histograms (as densities, so series of different sizes compare). Domains are shared along each row
 * and column, so panels line up. `dimensions` chooses the columns; without it, for `D` above `maxDims` only the
 * first `maxDims` dimensions are drawn, and the title says so.
 *
 * Shapes: `samples [n, D]`, `data [m, D]`, `columns [D]`. Output: {@link pairPlotSize}`(k)` pixels for `k` drawn
 * dimensions (one title row taller when a long title and the legend do not fit side by side).
 *
 * @example
 * import { pairPlot } from './pair-plot.ts';
 * const samples = { rows: 4, cols: 3, data: [0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 1, 1] };
 * const { width, height } = pairPlot({ samples, columns: ['a', 'b', 'c'] });
 * console.log(width, height); // → 660 696
 */
export function pairPlot(options: PairPlotOptions): PlotImage {
  const { samples, columns } = options;
  checkPlotMatrix('pairPlot', 'samples', samples);
  if (options.data !== undefined) checkPlotMatrix('pairPlot', 'data', options.data, samples.cols);
  if (columns.length !== samples.cols) {
    throw new Error(`pairPlot: samples are [${samples.rows}, ${samples.cols}] but ${columns.length} column names `
      + 'were given');
  }
  if (samples.rows < 1) throw new Error('pairPlot: samples are empty');
  const shown = shownColumns(options);
  const dims = shown.length;
  const cols = readColumns(options, shown);
  const size = cellSize(dims);
  const frame = plotFrame(size, size, PANEL_MARGINS);
  const panels = [];
  for (let row = 0; row < dims; row++) {
    for (let col = 0; col <= row; col++) {
      const svg = row === col ? diagonalPanel(cols, row, size, options.bins ?? 30, columns[shown[row]])
        : scatterPanel(cols, row, col, size, options.maxPoints ?? 2000);
      panels.push({ svg, x: col * size, y: row * size, frame });
    }
  }
  const names = options.seriesLabels ?? { samples: 'model samples', data: 'data' };
  const legend: LegendEntry[] = [{ label: names.samples, color: COLORS.samples }];
  if (options.data !== undefined) legend.push({ label: names.data, color: COLORS.data });
  const defaultTitle = options.data === undefined ? 'Pairwise marginals: model samples'
    : 'Pairwise marginals: model samples vs data';
  const title = options.dimensions === undefined ? cappedTitle(options.title ?? defaultTitle, dims, samples.cols)
    : dims < samples.cols ? `${options.title ?? defaultTitle} (${dims} of ${samples.cols} dimensions)`
      : options.title ?? defaultTitle;
  const { width, height } = pairPlotSize(dims);
  const composed = composeSvg({ width, height: height - TITLE_HEIGHT, title, legend, panels });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}

function shownColumns(options: PairPlotOptions): number[] {
  const total = options.samples.cols;
  if (options.dimensions === undefined) {
    return Array.from({ length: shownDims('pairPlot', total, options.maxDims ?? 6) }, (_, d) => d);
  }
  const shown = [...options.dimensions];
  if (shown.length === 0) throw new Error('pairPlot: dimensions is empty');
  for (const d of shown) {
    if (!Number.isInteger(d) || d < 0 || d >= total) {
      throw new Error(`pairPlot: dimension ${d} is out of range for samples [${options.samples.rows}, ${total}]`);
    }
  }
  if (new Set(shown).size !== shown.length) throw new Error(`pairPlot: dimensions [${shown.join(', ')}] repeat a column`);
  return shown;
}
