import * as Plot from '@observablehq/plot';
import { COLORS, composeSvg, plotFrame, plotSvg, type Panel } from './compose-svg.ts';
import type { PlotImage } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** Options for {@link sequencePathsPlot}. */
export interface SequencePathsPlotOptions {
  /** Model sample paths of one feature: each an array of values per step. */
  readonly samples: readonly ArrayLike<number>[];
  /** Data paths of the same feature. */
  readonly data: readonly ArrayLike<number>[];
  /** The feature's name, for the y axis. */
  readonly feature: string;
  /** @default 'Sample paths and data paths' */
  readonly title?: string;
}

/** Pixel size of the paths figure. */
export const SEQUENCE_PATHS_PLOT_SIZE = { width: 960, height: 400 } as const;
const PANEL = { width: 480, height: 364 } as const;
const MARGINS = { marginLeft: 60, marginRight: 16, marginTop: 28, marginBottom: 40 } as const;

interface PathPoint { readonly path: number; readonly step: number; readonly value: number }

function points(paths: readonly ArrayLike<number>[]): PathPoint[] {
  return paths.flatMap((p, path) => Array.from(p, (value, step) => ({ path, step, value })).filter((q) => Number.isFinite(q.value)));
}

/**
 * Sample paths of a sequence model beside data paths, one feature against the step, on one y scale: whether the
 * model's paths move like the data's (level, spread, persistence) shows at a glance.
 *
 * @example
 * import { sequencePathsPlot } from './sequence-paths-plot.ts';
 * const { width, height } = sequencePathsPlot({ samples: [[0, 1, 0.5], [1, 0.2, 0]], data: [[0.1, 0.9, 0.4]], feature: 'x' });
 * console.log(width, height); // → 960 400
 */
export function sequencePathsPlot(options: SequencePathsPlotOptions): PlotImage {
  const samples = points(options.samples);
  const data = points(options.data);
  const all = [...samples, ...data].map((p) => p.value);
  if (all.length === 0) throw new Error('sequencePathsPlot: no finite values to draw');
  const domain = [Math.min(...all), Math.max(...all)];
  const panel = (values: PathPoint[], color: string, title: string, x: number): Panel => ({
    svg: plotSvg({
      ...PANEL, ...MARGINS,
      x: { label: 'step', labelAnchor: 'center', labelArrow: 'none' },
      y: { label: options.feature, labelAnchor: 'center', labelArrow: 'none', domain, nice: true },
      marks: [
        Plot.gridY({ stroke: COLORS.grid, strokeOpacity: 0.2 }),
        Plot.lineY(values, { x: 'step', y: 'value', z: 'path', stroke: color, strokeOpacity: 0.6, strokeWidth: 1.2 }),
        Plot.frame({ strokeOpacity: 0.4 }),
      ],
    }),
    x, y: 0, title, width: PANEL.width, frame: plotFrame(PANEL.width, PANEL.height, MARGINS),
  });
  const composed = composeSvg({
    width: 2 * PANEL.width, height: PANEL.height, title: options.title ?? 'Sample paths and data paths',
    panels: [panel(samples, COLORS.samples, `model samples (${options.samples.length} paths)`, 0),
      panel(data, COLORS.data, `data (${options.data.length} paths)`, PANEL.width)],
  });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}
