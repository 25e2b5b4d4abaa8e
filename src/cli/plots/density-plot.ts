import * as Plot from '@observablehq/plot';
import { COLORS, TITLE_HEIGHT, composeSvg, plotSvg } from './compose-svg.ts';
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
}

/** Pixel size of every density figure. */
export const DENSITY_PLOT_SIZE = { width: 900, height: 450 } as const;

const PANEL_WIDTH = DENSITY_PLOT_SIZE.width / 2;
const PANEL_HEIGHT = DENSITY_PLOT_SIZE.height - TITLE_HEIGHT;
const MARGINS = { marginLeft: 52, marginRight: 20, marginTop: 24, marginBottom: 42 } as const;

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

function heatmapPanel(grid: DensityGrid, extent: GridExtent, labels: readonly [string, string]): string {
  const values = densities(grid.logDensity);
  const dense = { width: extent.nx, height: extent.ny, x1: extent.x[0], x2: extent.x[1], y1: extent.y[0],
    y2: extent.y[1] };
  return plotSvg({
    width: PANEL_WIDTH, height: PANEL_HEIGHT, ...MARGINS,
    x: { domain: extent.x, label: labels[0] }, y: { domain: extent.y, label: labels[1] },
    color: { type: 'linear', scheme: 'viridis' },
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
    x: { domain: extent.x, label: labels[0] }, y: { domain: extent.y, label: labels[1] },
    marks: [
      Plot.dot(samples, { x: 'x', y: 'y', r: 1.4, fill: COLORS.samples, fillOpacity: 0.6, clip: true }),
      Plot.dot(data, { x: 'x', y: 'y', r: 1.4, fill: COLORS.data, fillOpacity: 0.4, clip: true }),
      Plot.frame(),
    ],
  });
}

/**
 * A two-panel PNG for a 2-D flow: left, the model density `exp(logDensity)` as a heatmap with contour lines; right,
 * model samples with the training data overlaid. Both panels share the grid's extent (points outside are clipped).
 *
 * Shapes: `grid.xs [nx]`, `grid.ys [ny]`, `grid.logDensity [ny · nx]`, `samples [n, 2]`, `data [m, 2]`.
 * Output: {@link DENSITY_PLOT_SIZE} (900 × 450 pixels).
 *
 * @example
 * import { densityPlot } from './density-plot.ts';
 * const xs = Float64Array.from({ length: 40 }, (_, i) => -3 + (6 * i) / 39);
 * const logDensity = Float64Array.from({ length: 1600 }, (_, k) => -0.5 * (xs[k % 40] ** 2 + xs[Math.floor(k / 40)] ** 2));
 * const { png, width, height } = densityPlot({ grid: { xs, ys: xs, logDensity } });
 * console.log(width, height, png.length > 0); // → 900 450 true
 */
export function densityPlot(options: DensityPlotOptions): PlotImage {
  const extent = gridExtent(options.grid);
  if (options.samples !== undefined) checkPlotMatrix('densityPlot', 'samples', options.samples, 2);
  if (options.data !== undefined) checkPlotMatrix('densityPlot', 'data', options.data, 2);
  const labels = options.labels ?? ['x1', 'x2'];
  const legend = [];
  if (options.samples !== undefined) legend.push({ label: 'model samples', color: COLORS.samples });
  if (options.data !== undefined) legend.push({ label: 'data', color: COLORS.data });
  const svg = composeSvg({
    ...DENSITY_PLOT_SIZE,
    title: options.title ?? 'Model density',
    legend,
    panels: [
      { svg: heatmapPanel(options.grid, extent, labels), x: 0, y: TITLE_HEIGHT, width: PANEL_WIDTH,
        title: 'density p(x) with contours' },
      { svg: scatterPanel(options, extent, labels), x: PANEL_WIDTH, y: TITLE_HEIGHT, width: PANEL_WIDTH,
        title: options.data === undefined ? 'model samples' : 'model samples vs data' },
    ],
  });
  return { png: renderPng(svg, { width: DENSITY_PLOT_SIZE.width }), ...DENSITY_PLOT_SIZE, svg };
}
