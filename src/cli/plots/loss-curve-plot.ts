import * as Plot from '@observablehq/plot';
import { COLORS, type LegendEntry, TITLE_HEIGHT, composeSvg, plotFrame, plotSvg } from './compose-svg.ts';
import type { PlotImage } from './plot-image.ts';
import { renderPng } from './render-png.ts';

/** Options for {@link lossCurvePlot}. */
export interface LossCurvePlotOptions {
  /** Epoch numbers, `[E]`. */
  readonly epochs: ArrayLike<number>;
  /** Mean training loss per epoch, `[E]`. */
  readonly train: ArrayLike<number>;
  /** Mean validation loss per epoch, `[E]`; its minimum is marked. */
  readonly validation?: ArrayLike<number>;
  /** @default 'Training curve' */
  readonly title?: string;
  /** @default 'mean negative log-likelihood (nats)' */
  readonly yLabel?: string;
}

/** Pixel size of every loss-curve figure (with a one-row title band). */
export const LOSS_CURVE_PLOT_SIZE = { width: 800, height: 420 } as const;
const PANEL = { width: LOSS_CURVE_PLOT_SIZE.width, height: LOSS_CURVE_PLOT_SIZE.height - TITLE_HEIGHT } as const;
const MARGINS = { marginLeft: 64, marginRight: 24, marginTop: 16, marginBottom: 44 } as const;

interface LossPoint { readonly epoch: number; readonly loss: number }

function series(name: string, epochs: ArrayLike<number>, losses: ArrayLike<number>): LossPoint[] {
  if (losses.length !== epochs.length) {
    throw new Error(`lossCurvePlot: expected ${name} [${epochs.length}] (one per epoch), got [${losses.length}]`);
  }
  return Array.from(epochs, (epoch, i) => {
    if (!Number.isFinite(losses[i])) throw new Error(`lossCurvePlot: ${name}[${i}] (epoch ${epoch}) is ${losses[i]}`);
    return { epoch, loss: losses[i] };
  });
}

function bestOf(points: readonly LossPoint[]): LossPoint {
  return points.reduce((best, p) => (p.loss < best.loss ? p : best));
}

/**
 * Training (and validation) loss against epoch, with the epoch of lowest validation loss marked by a dot on the
 * curve and named in the legend (never as text over the curves): the curve the demo draws after fitting.
 *
 * Shapes: `epochs [E]`, `train [E]`, `validation [E]`. Output: {@link LOSS_CURVE_PLOT_SIZE} (800 × 420 pixels).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { lossCurvePlot } from './loss-curve-plot.ts';
 * const { png, width, height } = lossCurvePlot({ epochs: [1, 2, 3], train: [2.1, 1.6, 1.4], validation: [2, 1.7, 1.5] });
 * writeFileSync('loss.png', png);
 * console.log(width, height); // → 800 420
 */
export function lossCurvePlot(options: LossCurvePlotOptions): PlotImage {
  const { epochs } = options;
  if (epochs.length < 1) throw new Error('lossCurvePlot: need at least one epoch');
  const train = series('train', epochs, options.train);
  const validation = options.validation === undefined ? [] : series('validation', epochs, options.validation);
  const best = validation.length > 0 ? [bestOf(validation)] : [];
  const panel = plotSvg({
    ...PANEL, ...MARGINS,
    x: { label: 'epoch', labelAnchor: 'center', labelArrow: 'none', nice: true },
    y: { label: options.yLabel ?? 'mean negative log-likelihood (nats)', labelAnchor: 'center', labelArrow: 'none',
      nice: true },
    marks: [
      Plot.gridY({ stroke: COLORS.grid, strokeOpacity: 0.2 }),
      Plot.lineY(train, { x: 'epoch', y: 'loss', stroke: COLORS.samples, strokeWidth: 2 }),
      Plot.lineY(validation, { x: 'epoch', y: 'loss', stroke: COLORS.data, strokeWidth: 2 }),
      Plot.dot(best, { x: 'epoch', y: 'loss', r: 4, fill: COLORS.data, stroke: 'white' }),
      Plot.frame({ strokeOpacity: 0.4 }),
    ],
  });
  const legend: LegendEntry[] = [{ label: 'train', color: COLORS.samples, marker: 'line' }];
  if (validation.length > 0) legend.push({ label: 'validation', color: COLORS.data, marker: 'line' });
  for (const p of best) legend.push({ label: `best ${p.loss.toFixed(3)} (epoch ${p.epoch})`, color: COLORS.data });
  const composed = composeSvg({ width: PANEL.width, height: PANEL.height, title: options.title ?? 'Training curve',
    legend, panels: [{ svg: panel, x: 0, y: 0, frame: plotFrame(PANEL.width, PANEL.height, MARGINS) }] });
  return { png: renderPng(composed.svg, { width: composed.width }), ...composed };
}
