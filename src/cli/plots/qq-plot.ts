import * as Plot from '@observablehq/plot';
import { COLORS, TITLE_HEIGHT, cappedTitle, composeSvg, plotFrame, plotSvg, shownDims } from './compose-svg.ts';
import { normalQuantile } from './normal-quantile.ts';
import { type PlotImage, type PlotMatrix, checkPlotMatrix, column } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** Options for {@link qqPlot}. */
export interface QqPlotOptions {
  /** The data mapped to base space, `u = f⁻¹(x)`, `[n, D]`; ideally standard normal in every column. */
  readonly u: PlotMatrix;
  /** A name per column, `[D]`. */
  readonly columns: readonly string[];
  /** Only the first `maxDims` dimensions are drawn. @default 9 */
  readonly maxDims?: number;
  /** @default 'Normal QQ plots of u = f⁻¹(x)' */
  readonly title?: string;
  /** Points per panel beyond which evenly spaced ranks are drawn (the extremes always are). @default 1000 */
  readonly maxPoints?: number;
}

/** Pixel size of one small multiple. */
export const QQ_PANEL_SIZE = { width: 320, height: 300 } as const;
const MARGINS = { marginLeft: 52, marginRight: 16, marginTop: 24, marginBottom: 42 } as const;
const GRID_COLUMNS = 3;
/** Axes span at least ±3 (where a standard normal sample lives) and at most ±8 (beyond which points are clipped). */
const MIN_SPAN = 3;
const MAX_SPAN = 8;

/** The pixel size of a QQ figure with `dims` panels (three per row). */
export function qqPlotSize(dims: number): { width: number; height: number } {
  const gridColumns = Math.min(dims, GRID_COLUMNS);
  return { width: gridColumns * QQ_PANEL_SIZE.width,
    height: TITLE_HEIGHT + Math.ceil(dims / GRID_COLUMNS) * QQ_PANEL_SIZE.height };
}

interface QqPoint { readonly theoretical: number; readonly sample: number }

/** Sorted values against standard-normal quantiles at plotting positions `(i + 0.5) / n`. */
export function qqPoints(values: ArrayLike<number>, maxPoints: number): QqPoint[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const keep = Math.min(n, Math.max(2, maxPoints));
  const points: QqPoint[] = [];
  for (let k = 0; k < keep; k++) {
    const i = keep === 1 ? 0 : Math.round((k * (n - 1)) / (keep - 1));
    points.push({ theoretical: normalQuantile((i + 0.5) / n), sample: sorted[i] });
  }
  return points;
}

function summary(values: Float64Array): string {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / Math.max(1, values.length - 1);
  return `mean ${mean.toFixed(2)}, sd ${Math.sqrt(variance).toFixed(2)}`;
}

function qqPanel(points: QqPoint[]): string {
  let span = MIN_SPAN;
  for (const p of points) span = Math.max(span, Math.abs(p.theoretical), Math.abs(p.sample));
  span = Math.min(MAX_SPAN, Math.ceil(span));
  const domain = [-span, span];
  return plotSvg({
    ...QQ_PANEL_SIZE, ...MARGINS,
    x: { domain, ticks: 5, label: 'standard normal quantile', labelAnchor: 'center', labelArrow: 'none' },
    y: { domain, ticks: 5, label: 'sorted u', labelAnchor: 'center', labelArrow: 'none' },
    marks: [
      Plot.gridX({ stroke: COLORS.grid, strokeOpacity: 0.15 }),
      Plot.gridY({ stroke: COLORS.grid, strokeOpacity: 0.15 }),
      Plot.link([{ x1: -span, x2: span }], { x1: 'x1', x2: 'x2', y1: 'x1', y2: 'x2', stroke: '#d62728',
        strokeDasharray: '4,3' }),
      Plot.dot(points, { x: 'theoretical', y: 'sample', r: 1.6, fill: COLORS.samples, fillOpacity: 0.7,
        clip: true }),
      Plot.frame(),
    ],
  });
}

/**
 * Per-dimension normal QQ plots of the base-space values `u = f⁻¹(x)`, as small multiples (three per row) with the line `y = x`.
 * A trained flow maps data to `N(0, I)`, so each panel should hug the line; an S-shape means tails that are too
 * light or heavy, an offset or a tilt means a wrong mean or scale.
 *
 * Shapes: `u [n, D]`, `columns [D]`. Output: {@link qqPlotSize}`(min(D, maxDims))` pixels.
 *
 * @example
 * import { qqPlot } from './qq-plot.ts';
 * const u = { rows: 3, cols: 1, data: [-1, 0, 1] };
 * const { width, height } = qqPlot({ u, columns: ['u(x1)'] });
 * console.log(width, height); // → 320 336
 */
export function qqPlot(options: QqPlotOptions): PlotImage {
  const { u, columns } = options;
  checkPlotMatrix('qqPlot', 'u', u);
  if (columns.length !== u.cols) {
    throw new Error(`qqPlot: u is [${u.rows}, ${u.cols}] but ${columns.length} column names were given`);
  }
  if (u.rows < 2) throw new Error(`qqPlot: need at least 2 rows of u, got ${u.rows}`);
  const dims = shownDims('qqPlot', u.cols, options.maxDims ?? 9);
  const size = qqPlotSize(dims);
  const panels = [];
  for (let d = 0; d < dims; d++) {
    const values = column(u, d);
    panels.push({
      svg: qqPanel(qqPoints(values, options.maxPoints ?? 1000)),
      x: (d % GRID_COLUMNS) * QQ_PANEL_SIZE.width,
      y: Math.floor(d / GRID_COLUMNS) * QQ_PANEL_SIZE.height,
      width: QQ_PANEL_SIZE.width,
      frame: plotFrame(QQ_PANEL_SIZE.width, QQ_PANEL_SIZE.height, MARGINS),
      title: `${columns[d]} (${summary(values)})`,
    });
  }
  const title = cappedTitle(options.title ?? 'Normal QQ plots of u = f⁻¹(x)', dims, u.cols);
  const composed = composeSvg({ width: size.width, height: size.height - TITLE_HEIGHT, title, panels });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}
