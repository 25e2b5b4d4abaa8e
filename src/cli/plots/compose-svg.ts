import * as Plot from '@observablehq/plot';
import { createPlotDocument } from './plot-document.ts';

/** Colours used across the plots: model samples vs. training data, train vs. validation. */
export const COLORS = { samples: '#4269d0', data: '#ef7b2c', grid: '#888888' } as const;

/** One panel placed at `(x, y)` inside the composed figure. */
export interface Panel {
  readonly svg: string;
  readonly x: number;
  readonly y: number;
  /** Drawn centred at the top of the panel, inside Plot's top margin. */
  readonly title?: string;
  /** Panel width, needed to centre the title. */
  readonly width?: number;
}

/** A legend entry drawn as a coloured dot and its label. */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
}

/** Options for {@link composeSvg}. */
export interface ComposeSvgOptions {
  readonly width: number;
  readonly height: number;
  readonly title?: string;
  readonly panels: readonly Panel[];
  /** Drawn in the top-right corner, in the title band. */
  readonly legend?: readonly LegendEntry[];
}

/** Height of the title band at the top of every composed figure. */
export const TITLE_HEIGHT = 36;

/** Escapes text for use inside SVG/XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

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

function legendSvg(width: number, entries: readonly LegendEntry[]): string {
  let x = width - 16;
  const items: string[] = [];
  for (const entry of [...entries].reverse()) {
    const textWidth = entry.label.length * 7.5;
    x -= textWidth;
    items.push(`<text x="${x}" y="22" font-size="13">${escapeXml(entry.label)}</text>`);
    items.push(`<circle cx="${x - 9}" cy="17.5" r="5" fill="${entry.color}"/>`);
    x -= 28;
  }
  return `<g class="maflow-legend">${items.join('')}</g>`;
}

function panelSvg(panel: Panel): string {
  const title = panel.title === undefined ? ''
    : `<text x="${(panel.width ?? 0) / 2}" y="13" font-size="12" text-anchor="middle" fill="#333">`
      + `${escapeXml(panel.title)}</text>`;
  return `<g class="maflow-panel" transform="translate(${panel.x},${panel.y})">${panel.svg}${title}</g>`;
}

/**
 * Stacks pre-rendered panels into one SVG figure with a title band and an optional legend. Each panel is wrapped in
 * `<g class="maflow-panel">` so callers and tests can count them.
 */
export function composeSvg(options: ComposeSvgOptions): string {
  const { width, height } = options;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" `
    + `height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title !== undefined) {
    parts.push(`<text x="16" y="24" font-size="16" fill="#222">${escapeXml(options.title)}</text>`);
  }
  if (options.legend !== undefined) parts.push(legendSvg(width, options.legend));
  for (const panel of options.panels) parts.push(panelSvg(panel));
  parts.push('</svg>');
  return parts.join('');
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
