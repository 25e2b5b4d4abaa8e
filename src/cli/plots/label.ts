import { textWidth } from './text-width.ts';

/** An axis-aligned rectangle in pixels, `x0 ≤ x1`, `y0 ≤ y1` (y down, as in SVG). */
export interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** One line of text that a figure places itself (not one of Plot's tick labels). */
export interface Label {
  readonly text: string;
  /** Anchor point; `y` is the baseline (for a rotated label, the baseline runs upwards through `x`). */
  readonly x: number;
  readonly y: number;
  readonly fontSize: number;
  /** @default 'start' */
  readonly anchor?: 'start' | 'middle' | 'end';
  /** @default '#333' */
  readonly fill?: string;
  /** Turned 90° anticlockwise about its anchor (a vertical axis title). @default false */
  readonly vertical?: boolean;
}

/** DejaVu Sans's ascender and descender, in em: the vertical extent of any line of text. */
const ASCENT = 0.93;
const DESCENT = 0.24;

/** The box a label's text occupies, from the font's advance widths and its ascender and descender. */
export function labelBox(label: Label): Rect {
  const length = textWidth(label.text, label.fontSize);
  const start = label.anchor === 'middle' ? -length / 2 : label.anchor === 'end' ? -length : 0;
  const above = ASCENT * label.fontSize;
  const below = DESCENT * label.fontSize;
  if (label.vertical === true) {
    return { x0: label.x - above, x1: label.x + below, y0: label.y - start - length, y1: label.y - start };
  }
  return { x0: label.x + start, x1: label.x + start + length, y0: label.y - above, y1: label.y + below };
}

/** `text` cut with an ellipsis to at most `maxWidth` pixels at `fontSize`. */
export function fitText(text: string, fontSize: number, maxWidth: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = Array.from(text);
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, fontSize) > maxWidth) chars.pop();
  return `${chars.join('')}…`;
}

/** Whether two rectangles share interior points. */
export function intersects(a: Rect, b: Rect): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Escapes text for use inside SVG/XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The label as a `<text class="maflow-label">` whose attributes are all that {@link labelBox} needs. */
export function labelSvg(label: Label): string {
  const anchor = label.anchor ?? 'start';
  const rotate = label.vertical === true ? ` transform="rotate(-90 ${label.x} ${label.y})"` : '';
  return `<text class="maflow-label" x="${label.x}" y="${label.y}" font-size="${label.fontSize}" `
    + `text-anchor="${anchor}" fill="${label.fill ?? '#333'}"${rotate}>${escapeXml(label.text)}</text>`;
}
