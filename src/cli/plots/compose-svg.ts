import * as Plot from '@observablehq/plot';
import { fitText, type Label, labelSvg, type Rect } from './label.ts';
import { createPlotDocument } from './plot-document.ts';
import { textWidth } from './text-width.ts';

/** Colours used across the plots: model samples vs. training data, train vs. validation. */
export const COLORS = { samples: '#4269d0', data: '#ef7b2c', grid: '#888888' } as const;

/** One panel placed at `(x, y)` below the title band of the composed figure. */
export interface Panel {
  readonly svg: string;
  readonly x: number;
  /** Measured from the bottom of the title band. */
  readonly y: number;
  /** Drawn centred at the top of the panel, inside Plot's top margin. */
  readonly title?: string;
  /** Panel width, needed to centre the title. */
  readonly width?: number;
  /** Where the panel draws its data, in panel coordinates: no label may enter it. */
  readonly frame?: Rect;
  /** Further labels in panel coordinates (a colour bar's ticks), checked for overlaps like the others. */
  readonly labels?: readonly Label[];
}

/** A legend entry drawn as a coloured marker and its label. */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  /** @default 'dot' */
  readonly marker?: 'dot' | 'line';
}

/** Options for {@link composeSvg}. */
export interface ComposeSvgOptions {
  /** Width of the panels' area (the figure is wider only when the legend needs it). */
  readonly width: number;
  /** Height of the panels' area: the figure is this plus the title band, which grows when the legend needs a row. */
  readonly height: number;
  readonly title?: string;
  readonly panels: readonly Panel[];
  /** Right-aligned in the title band, on the title's row when both fit, else on a row of its own. */
  readonly legend?: readonly LegendEntry[];
}

/** A composed figure: the SVG and its size in pixels. */
export interface ComposedSvg {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

/** Height of one row of the title band. */
export const TITLE_HEIGHT = 36;
const TITLE_SIZE = 16;
const MIN_TITLE_SIZE = 11;
/** The smallest title size that shares its row with the legend. */
const SHARED_TITLE_SIZE = 13;
const LEGEND_SIZE = 13;
const PANEL_TITLE_SIZE = 12;
const SIDE = 16;
const GAP = 24;

/**
 * Renders one Observable Plot chart to an SVG string. Plot's `<style>` block is dropped: it only sets browser layout
 * (`display`, `max-width`) and uses `:where()` selectors that the rasteriser does not need.
 */
export function plotSvg(options: Plot.PlotOptions): string {
  const chart = Plot.plot({ ...options, document: createPlotDocument(), style: { fontSize: '11px' } });
  if (chart.tagName.toLowerCase() !== 'svg') {
    throw new Error(`plotSvg: Plot returned a <${chart.tagName}>, expected a bare <svg> (no Plot title or legend)`);
  }
  return chart.outerHTML.replace(/<style>[\s\S]*?<\/style>/, '');
}

/** The plotting area of a Plot chart of `width × height` with these margins, in its own coordinates. */
export function plotFrame(width: number, height: number,
  margins: { marginLeft: number; marginRight: number; marginTop: number; marginBottom: number }): Rect {
  return { x0: margins.marginLeft, y0: margins.marginTop, x1: width - margins.marginRight,
    y1: height - margins.marginBottom };
}

const MARKER = 18;

function legendWidth(entries: readonly LegendEntry[]): number {
  if (entries.length === 0) return 0;
  return entries.reduce((sum, e) => sum + MARKER + textWidth(e.label, LEGEND_SIZE), 0) + 14 * (entries.length - 1);
}

/** The legend right-aligned to `right` with its baseline at `y`: marker SVG and the labels. */
function legendLayout(entries: readonly LegendEntry[], right: number, y: number): { svg: string; labels: Label[] } {
  let x = right - legendWidth(entries);
  const markers: string[] = [];
  const labels: Label[] = [];
  for (const entry of entries) {
    const cy = y - 4.5;
    markers.push(entry.marker === 'line'
      ? `<line x1="${x}" x2="${x + 13}" y1="${cy}" y2="${cy}" stroke="${entry.color}" stroke-width="2.5"/>`
      : `<circle cx="${x + 6}" cy="${cy}" r="5" fill="${entry.color}"/>`);
    x += MARKER;
    labels.push({ text: entry.label, x, y, fontSize: LEGEND_SIZE });
    x += textWidth(entry.label, LEGEND_SIZE) + 14;
  }
  return { svg: `<g class="maflow-legend">${markers.join('')}</g>`, labels };
}

interface TitleBand {
  readonly height: number;
  readonly svg: string;
  readonly labels: Label[];
}

/** The title at the left and the legend at the right of one row when they fit side by side, else on two rows. */
function titleBand(width: number, title: string | undefined, legend: readonly LegendEntry[]): TitleBand {
  const legendSpace = legend.length === 0 ? 0 : legendWidth(legend);
  const labels: Label[] = [];
  let rows = 1;
  if (title !== undefined) {
    const full = width - 2 * SIDE;
    const shared = full - (legendSpace > 0 ? legendSpace + GAP : 0);
    // Beside the legend only at a readable size; else the legend takes a row of its own.
    const sharesRow = legendSpace === 0 || textWidth(title, SHARED_TITLE_SIZE) <= shared;
    if (!sharesRow) rows = 2;
    const space = sharesRow ? shared : full;
    let size = TITLE_SIZE;
    while (size > MIN_TITLE_SIZE && textWidth(title, size) > space) size -= 1;
    labels.push({ text: fitText(title, size, space), x: SIDE, y: 24, fontSize: size, fill: '#222' });
  }
  const legendRow = legend.length === 0 ? undefined : legendLayout(legend, width - SIDE, 22 + (rows - 1) * 26);
  return { height: TITLE_HEIGHT + (rows - 1) * 26, svg: legendRow?.svg ?? '', labels: [...labels, ...(legendRow?.labels ?? [])] };
}

function moved(label: Label, dx: number, dy: number): Label {
  return { ...label, x: label.x + dx, y: label.y + dy };
}

/**
 * Stacks pre-rendered panels into one SVG figure under a title band with an optional legend. Each panel is wrapped in
 * `<g class="maflow-panel">` (with its data frame in `data-frame="x0 y0 x1 y1"`, figure coordinates), and every
 * label the figure adds (title, legend, panel titles, a panel's own labels) is a `<text class="maflow-label">` placed
 * with the font's real metrics, so that tests can check that no label leaves the figure, enters a data frame or
 * touches another.
 */
export function composeSvg(options: ComposeSvgOptions): ComposedSvg {
  // A legend wider than the panels widens the figure rather than leave it.
  const width = Math.max(options.width, Math.ceil(legendWidth(options.legend ?? []) + 2 * SIDE));
  const band = titleBand(width, options.title, options.legend ?? []);
  const height = band.height + options.height;
  const labels = [...band.labels];
  const panels: string[] = [];
  for (const panel of options.panels) {
    const y = band.height + panel.y;
    if (panel.title !== undefined) {
      const room = (panel.width ?? width) - 8;
      labels.push({ text: fitText(panel.title, PANEL_TITLE_SIZE, room), x: panel.x + (panel.width ?? 0) / 2, y: y + 13,
        fontSize: PANEL_TITLE_SIZE, anchor: 'middle', fill: '#333' });
    }
    for (const label of panel.labels ?? []) labels.push(moved(label, panel.x, y));
    const frame = panel.frame === undefined ? ''
      : ` data-frame="${panel.x + panel.frame.x0} ${y + panel.frame.y0} ${panel.x + panel.frame.x1} ${y + panel.frame.y1}"`;
    panels.push(`<g class="maflow-panel" transform="translate(${panel.x},${y})"${frame}>${panel.svg}</g>`);
  }
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" `
    + `height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    band.svg,
    ...panels,
    ...labels.map(labelSvg),
    '</svg>',
  ].join('');
  return { svg, width, height };
}

/** `title`, plus a note when only the first `shown` of `total` dimensions are drawn. */
export function cappedTitle(title: string, shown: number, total: number): string {
  return shown < total ? `${title} (first ${shown} of ${total} dimensions)` : title;
}

/** Resolves a `maxDims` option to the number of dimensions actually drawn. */
export function shownDims(where: string, total: number, maxDims: number): number {
  if (!Number.isInteger(maxDims) || maxDims < 1) {
    throw new Error(`${where}: maxDims must be a positive integer, got ${maxDims}`);
  }
  return Math.min(total, maxDims);
}
