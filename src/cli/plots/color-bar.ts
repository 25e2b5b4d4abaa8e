import * as Plot from '@observablehq/plot';
import { fitText, type Label } from './label.ts';
import { niceTicks } from './nice-ticks.ts';
import { textWidth } from './text-width.ts';

/** Options for {@link colorBar}. */
export interface ColorBarOptions {
  /** The values the colours span, `[lo, hi]` (the colour scale's domain). */
  readonly domain: readonly [number, number];
  /** Observable Plot colour scheme of the scale. */
  readonly scheme: Plot.ColorScheme;
  /** Top and bottom of the bar, in the panel's coordinates (align them with the data frame beside it). */
  readonly top: number;
  readonly bottom: number;
  /** The quantity and its units, written along the bar. */
  readonly label: string;
}

/** A colour bar: its SVG, its labels (ticks and the units) and the width it takes. */
export interface ColorBar {
  readonly svg: string;
  readonly labels: Label[];
  readonly width: number;
}

const BAR = { x: 8, width: 14 } as const;
const TICK_SIZE = 11;
const STOPS = 24;

function tickText(value: number): string {
  return value === 0 ? '0' : Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? String(Number(value.toPrecision(4)))
    : value.toExponential(1);
}

/**
 * A vertical colour bar for a continuous colour scale, with round tick values and the quantity's name and units
 * written along it: what a heatmap needs to be read as numbers.
 */
export function colorBar(options: ColorBarOptions): ColorBar {
  const [lo, hi] = options.domain;
  const scale = Plot.scale({ color: { type: 'linear', scheme: options.scheme, domain: [lo, hi] } });
  const stops = Array.from({ length: STOPS + 1 }, (_, k) => {
    const t = k / STOPS;
    return `<stop offset="${t}" stop-color="${String(scale.apply(hi - t * (hi - lo)))}"/>`;
  });
  const { top, bottom } = options;
  const y = (v: number): number => bottom - ((v - lo) / (hi - lo || 1)) * (bottom - top);
  const ticks = niceTicks(lo, hi, 5);
  const labels: Label[] = ticks.map((v) => ({ text: tickText(v), x: BAR.x + BAR.width + 6, y: y(v) + 4, fontSize: TICK_SIZE }));
  const tickMarks = ticks.map((v) => `<line x1="${BAR.x + BAR.width}" x2="${BAR.x + BAR.width + 4}" y1="${y(v)}" y2="${y(v)}" stroke="#333"/>`);
  const tickWidth = Math.max(...labels.map((l) => textWidth(l.text, TICK_SIZE)));
  const titleX = BAR.x + BAR.width + 6 + tickWidth + 6 + 0.93 * TICK_SIZE;
  labels.push({ text: fitText(options.label, TICK_SIZE, bottom - top), x: titleX, y: (top + bottom) / 2, fontSize: TICK_SIZE,
    anchor: 'middle', vertical: true });
  const svg = `<g class="maflow-colorbar"><defs><linearGradient id="maflow-colorbar-ramp" x1="0" y1="0" x2="0" y2="1">`
    + `${stops.join('')}</linearGradient></defs><rect x="${BAR.x}" y="${top}" width="${BAR.width}" height="${bottom - top}" `
    + `fill="url(#maflow-colorbar-ramp)" stroke="#333" stroke-width="0.5"/>${tickMarks.join('')}</g>`;
  return { svg, labels, width: Math.ceil(titleX + 0.3 * TICK_SIZE + 6) };
}
