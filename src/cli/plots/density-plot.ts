import * as Plot from '@observablehq/plot';
import { colorBar } from './color-bar.ts';
import { COLORS, type LegendEntry, TITLE_HEIGHT, composeSvg, plotFrame, plotSvg } from './compose-svg.ts';
import { type PlotImage, type PlotMatrix, checkPlotMatrix, thinnedRows } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** A density evaluated on a regular 2-D grid. */
export interface DensityGrid {
  /** Grid-point x coordinates, strictly increasing and evenly spaced, `[nx]`. */
  readonly xs: ArrayLike<number>;
  /** Grid-point y coordinates, strictly increasing and evenly spaced, `[ny]`. */
  readonly ys: ArrayLike<number>;
  /** `log p(xs[i], ys[j])` at index `j · nx + i` (row-major `[ny, nx]`); `-Infinity` is allowed, NaN is not. */
  readonly logDensity: ArrayLike<number>;
}

/** Options for {@link densityPlot}. */
export interface DensityPlotOptions {
  readonly grid: DensityGrid;
  /** Model samples `[n, 2]`, drawn in the right panel. */
  readonly samples?: PlotMatrix;
  /** Training data `[m, 2]`, drawn semi-transparent over the samples. */
  readonly data?: PlotMatrix;
  /** @default 'Model density' */
  readonly title?: string;
  /** Axis labels. @default ['x1', 'x2'] */
  readonly labels?: readonly [string, string];
  /** Points per series beyond which every k-th row is drawn. @default 5000 */
  readonly maxPoints?: number;
  /** Titles of the two panels. @default ['density p(x) with contours', 'model samples' (or '… vs data')] */
  readonly panelTitles?: readonly [string, string];
}

/** Pixel size of every density figure (with a one-row title band). */
export const DENSITY_PLOT_SIZE = { width: 1000, height: 476 } as const;

const COLOR_BAR_WIDTH = 90;
const PANEL_WIDTH = (DENSITY_PLOT_SIZE.width - COLOR_BAR_WIDTH) / 2;
const PANEL_HEIGHT = DENSITY_PLOT_SIZE.height - TITLE_HEIGHT;
const MARGINS = { marginLeft: 56, marginRight: 14, marginTop: 24, marginBottom: 44 } as const;
const FRAME = plotFrame(PANEL_WIDTH, PANEL_HEIGHT, MARGINS);
const SCHEME: Plot.ColorScheme = 'viridis';

interface GridExtent {
  readonly nx: number;
  readonly ny: number;
  /** Cell edges: grid points are cell centres, so the extent reaches half a step beyond the first and last point. */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

function checkAxis(name: string, values: ArrayLike<number>): readonly [number, number] {
  if (values.length < 2) throw new Error(`densityPlot: grid.${name} needs at least 2 points, got ${values.length}`);
  for (let i = 1; i < values.length; i++) {
    if (!(values[i] > values[i - 1])) {
      throw new Error(`densityPlot: grid.${name} must be strictly increasing (index ${i}: ${values[i]})`);
    }
  }
  const half = (values[values.length - 1] - values[0]) / (values.length - 1) / 2;
  return [values[0] - half, values[values.length - 1] + half];
}

function gridExtent(grid: DensityGrid): GridExtent {
  const x = checkAxis('xs', grid.xs);
  const y = checkAxis('ys', grid.ys);
  const nx = grid.xs.length;
  const ny = grid.ys.length;
  if (grid.logDensity.length !== nx * ny) {
    throw new Error(`densityPlot: expected grid.logDensity [${ny}, ${nx}] (${nx * ny} values), `
      + `got ${grid.logDensity.length} values`);
  }
  return { nx, ny, x, y };
}

/** `exp(logDensity)`, row-major with the first row at the lowest y, as Plot's dense-grid raster expects. */
function densities(logDensity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logDensity.length);
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(logDensity[i])) throw new Error(`densityPlot: grid.logDensity[${i}] is NaN`);
    out[i] = Math.exp(logDensity[i]);
  }
  return out;
}

function maximum(values: Float64Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max > 0 ? max : 1;
}

function heatmapPanel(values: Float64Array, max: number, extent: GridExtent, labels: readonly [string, string]): string {
  const dense = { width: extent.nx, height: extent.ny, x1: extent.x[0], x2: extent.x[1], y1: extent.y[0],
    y2: extent.y[1] };
  return plotSvg({
    width: PANEL_WIDTH, height: PANEL_HEIGHT, ...MARGINS,
    x: { domain: extent.x, label: labels[0], labelAnchor: 'center', labelArrow: 'none' },
    y: { domain: extent.y, label: labels[1], labelAnchor: 'center', labelArrow: 'none' },
    color: { type: 'linear', scheme: SCHEME, domain: [0, max] },
    marks: [
      Plot.raster(values, { ...dense, fill: Plot.identity, imageRendering: 'pixelated' }),
      Plot.contour(values, { ...dense, stroke: 'white', strokeOpacity: 0.75, strokeWidth: 0.8, thresholds: 8 }),
      Plot.frame(),
    ],
  });
}

interface Point { readonly x: number; readonly y: number; readonly series: 'samples' | 'data' }

function points(m: PlotMatrix, series: Point['series'], maxPoints: number): Point[] {
  return thinnedRows(m.rows, maxPoints).map((r) => ({ x: m.data[r * 2], y: m.data[r * 2 + 1], series }));
}

function scatterPanel(options: DensityPlotOptions, extent: GridExtent, labels: readonly [string, string]): string {
  const maxPoints = options.maxPoints ?? 5000;
  const samples = options.samples === undefined ? [] : points(options.samples, 'samples', maxPoints);
  const data = options.data === undefined ? [] : points(options.data, 'data', maxPoints);
  return plotSvg({
    width: PANEL_WIDTH, height: PANEL_HEIGHT, ...MARGINS,
    x: { domain: extent.x, label: labels[0], labelAnchor: 'center', labelArrow: 'none' },
    y: { domain: extent.y, label: labels[1], labelAnchor: 'center', labelArrow: 'none' },
    marks: [
      Plot.dot(samples, { x: 'x', y: 'y', r: 1.4, fill: COLORS.samples, fillOpacity: 0.6, clip: true }),
      Plot.dot(data, { x: 'x', y: 'y', r: 1.4, fill: COLORS.data, fillOpacity: 0.4, clip: true }),
      Plot.frame(),
    ],
  });
}

/**
 * A two-panel PNG for a 2-D flow: left, the model density `exp(logDensity)` as a heatmap with contour lines and a
 * colour bar in the density's units (per unit of the first column times unit of the second); right, model samples
 * with the training data overlaid. Both panels share the grid's extent (points outside are clipped).
 *
 * Shapes: `grid.xs [nx]`, `grid.ys [ny]`, `grid.logDensity [ny · nx]`, `samples [n, 2]`, `data [m, 2]`.
 * Output: {@link DENSITY_PLOT_SIZE} (1000 × 476 pixels).
 *
 * @example
 * import { densityPlot } from './density-plot.ts';
 * const xs = Float64Array.from({ length: 40 }, (_, i) => -3 + (6 * i) / 39);
 * const logDensity = Float64Array.from({ length: 1600 }, (_, k) => -0.5 * (xs[k % 40] ** 2 + xs[Math.floor(k / 40)] ** 2));
 * const { png, width, height } = densityPlot({ grid: { xs, ys: xs, logDensity } });
 * console.log(width, height, png.length > 0); // → 1000 476 true
 */
export function densityPlot(options: DensityPlotOptions): PlotImage {
  const extent = gridExtent(options.grid);
  if (options.samples !== undefined) checkPlotMatrix('densityPlot', 'samples', options.samples, 2);
  if (options.data !== undefined) checkPlotMatrix('densityPlot', 'data', options.data, 2);
  const labels = options.labels ?? ['x1', 'x2'];
  const legend: LegendEntry[] = [];
  if (options.samples !== undefined) legend.push({ label: 'model samples', color: COLORS.samples });
  if (options.data !== undefined) legend.push({ label: 'data', color: COLORS.data });
  const values = densities(options.grid.logDensity);
  const max = maximum(values);
  const bar = colorBar({ domain: [0, max], scheme: SCHEME, top: FRAME.y0, bottom: FRAME.y1,
    label: `density p(${labels[0]}, ${labels[1]}), per unit ${labels[0]} × unit ${labels[1]}` });
  const composed = composeSvg({
    width: DENSITY_PLOT_SIZE.width, height: PANEL_HEIGHT,
    title: options.title ?? 'Model density',
    legend,
    panels: [
      { svg: heatmapPanel(values, max, extent, labels), x: 0, y: 0, width: PANEL_WIDTH, frame: FRAME,
        title: options.panelTitles?.[0] ?? 'density p(x) with contours' },
      { svg: bar.svg, labels: bar.labels, x: PANEL_WIDTH, y: 0 },
      { svg: scatterPanel(options, extent, labels), x: PANEL_WIDTH + COLOR_BAR_WIDTH, y: 0, width: PANEL_WIDTH,
        frame: FRAME, title: options.panelTitles?.[1] ?? (options.data === undefined ? 'model samples' : 'model samples vs data') },
    ],
  });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}
