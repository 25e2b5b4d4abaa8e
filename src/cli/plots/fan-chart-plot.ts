import * as Plot from '@observablehq/plot';
import { COLORS, composeSvg, plotFrame, plotSvg, type LegendEntry, type Panel } from './compose-svg.ts';
import type { PlotImage } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** One history with its forecast paths (one feature), for {@link fanChartPlot}. */
export interface FanChartSeries {
  /** Its name, the panel's title. */
  readonly name: string;
  /** The history's values per step. */
  readonly history: ArrayLike<number>;
  /** The forecast paths: each an array of values for the steps after the history. */
  readonly paths: readonly ArrayLike<number>[];
  /** What really followed the history, when known (as many steps as the paths, or fewer). */
  readonly truth?: ArrayLike<number>;
}

/** Options for {@link fanChartPlot}. */
export interface FanChartPlotOptions {
  /** One panel each (at most 4 are drawn). */
  readonly series: readonly FanChartSeries[];
  /** The feature's name, for the y axis. */
  readonly feature: string;
  /** @default 'Forecast fan chart' */
  readonly title?: string;
}

const PANEL = { width: 480, height: 320 } as const;
const MARGINS = { marginLeft: 60, marginRight: 16, marginTop: 28, marginBottom: 40 } as const;
const MAX_PANELS = 4;

/** The `q`-quantile of `values` by linear interpolation between order statistics. */
function quantile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

interface Band { readonly step: number; readonly q05: number; readonly q25: number; readonly q50: number; readonly q75: number; readonly q95: number }

/** The 5–95% and 25–75% bands and the median of the paths, step by step, from step `first`. */
export function forecastBands(paths: readonly ArrayLike<number>[], first: number): Band[] {
  const horizon = Math.max(0, ...paths.map((p) => p.length));
  return Array.from({ length: horizon }, (_, h) => {
    const values = paths.map((p) => p[h]).filter((v) => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
    return { step: first + h, q05: quantile(values, 0.05), q25: quantile(values, 0.25), q50: quantile(values, 0.5), q75: quantile(values, 0.75), q95: quantile(values, 0.95) };
  });
}

/**
 * A fan chart per history: the history as a line, then the forecast's quantile bands (5–95% light, 25–75% darker)
 * and its median, with the true continuation on top when it is known, so that calibration shows: the truth should
 * leave the 90% band about one step in ten.
 *
 * @example
 * import { fanChartPlot } from './fan-chart-plot.ts';
 * const paths = Array.from({ length: 50 }, (_, k) => [1 + 0.01 * k, 1.2 - 0.01 * k]);
 * const { width } = fanChartPlot({ feature: 'x', series: [{ name: 'a', history: [0, 0.5, 1], paths, truth: [1.1, 1.0] }] });
 * console.log(width); // → 480
 */
export function fanChartPlot(options: FanChartPlotOptions): PlotImage {
  const shown = options.series.slice(0, MAX_PANELS);
  if (shown.length === 0) throw new Error('fanChartPlot: no series to draw');
  const panels: Panel[] = shown.map((s, i) => {
    const first = s.history.length;
    const bands = forecastBands(s.paths, first);
    const history = Array.from(s.history, (value, step) => ({ step, value }));
    const truth = Array.from(s.truth ?? [], (value, h) => ({ step: first + h, value }));
    // The median line starts at the history's last value, so that the two join.
    const median = [...(first > 0 ? [{ step: first - 1, value: s.history[first - 1] }] : []), ...bands.map((b) => ({ step: b.step, value: b.q50 }))];
    return {
      svg: plotSvg({
        ...PANEL, ...MARGINS,
        x: { label: 'step', labelAnchor: 'center', labelArrow: 'none' },
        y: { label: options.feature, labelAnchor: 'center', labelArrow: 'none', nice: true },
        marks: [
          Plot.gridY({ stroke: COLORS.grid, strokeOpacity: 0.2 }),
          Plot.areaY(bands, { x: 'step', y1: 'q05', y2: 'q95', fill: COLORS.samples, fillOpacity: 0.18 }),
          Plot.areaY(bands, { x: 'step', y1: 'q25', y2: 'q75', fill: COLORS.samples, fillOpacity: 0.35 }),
          Plot.lineY(median, { x: 'step', y: 'value', stroke: COLORS.samples, strokeWidth: 2 }),
          Plot.lineY(history, { x: 'step', y: 'value', stroke: '#333333', strokeWidth: 1.5 }),
          Plot.lineY(truth, { x: 'step', y: 'value', stroke: COLORS.data, strokeWidth: 2 }),
          Plot.frame({ strokeOpacity: 0.4 }),
        ],
      }),
      x: (i % 2) * PANEL.width, y: Math.floor(i / 2) * PANEL.height, title: s.name, width: PANEL.width,
      frame: plotFrame(PANEL.width, PANEL.height, MARGINS),
    };
  });
  const legend: LegendEntry[] = [
    { label: 'history', color: '#333333', marker: 'line' }, { label: 'median, 50% and 90% bands', color: COLORS.samples, marker: 'line' },
    ...(shown.some((s) => s.truth !== undefined) ? [{ label: 'truth', color: COLORS.data, marker: 'line' as const }] : []),
  ];
  const composed = composeSvg({
    width: Math.min(2, shown.length) * PANEL.width, height: Math.ceil(shown.length / 2) * PANEL.height,
    title: options.title ?? 'Forecast fan chart', legend, panels,
  });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}
