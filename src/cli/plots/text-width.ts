import { readFileSync } from 'node:fs';
import { FONT_FILE } from './font-file.ts';

/** Advance widths of the bundled font, in em, by code point (read once from its `cmap` and `hmtx` tables). */
interface FontMetrics {
  readonly advance: Map<number, number>;
  /** Advance of the glyph drawn for a character the font lacks (`.notdef`), in em. */
  readonly missing: number;
}

let metrics: FontMetrics | undefined;

function tableOffsets(view: DataView): Map<string, number> {
  const tables = new Map<string, number>();
  const count = view.getUint16(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(view.getUint8(record), view.getUint8(record + 1), view.getUint8(record + 2),
      view.getUint8(record + 3));
    tables.set(tag, view.getUint32(record + 8));
  }
  return tables;
}

/** Glyph index per BMP code point from the Windows Unicode (3, 1) format-4 `cmap` subtable. */
function glyphIndices(view: DataView, cmap: number): Map<number, number> {
  const subtables = view.getUint16(cmap + 2);
  let table = -1;
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + 8 * i;
    if (view.getUint16(record) === 3 && view.getUint16(record + 2) === 1) table = cmap + view.getUint32(record + 4);
  }
  if (table < 0 || view.getUint16(table) !== 4) throw new Error('textWidth: the bundled font has no format-4 Unicode cmap');
  const segments = view.getUint16(table + 6) / 2;
  const ends = table + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  const glyphs = new Map<number, number>();
  for (let s = 0; s < segments; s++) {
    const end = view.getUint16(ends + 2 * s);
    const start = view.getUint16(starts + 2 * s);
    const delta = view.getInt16(deltas + 2 * s);
    const rangeOffset = view.getUint16(rangeOffsets + 2 * s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      const glyph = rangeOffset === 0 ? (c + delta) & 0xffff
        : view.getUint16(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
      if (glyph !== 0) glyphs.set(c, rangeOffset === 0 ? glyph : (glyph + delta) & 0xffff);
    }
  }
  return glyphs;
}

function loadMetrics(): FontMetrics {
  const bytes = readFileSync(FONT_FILE);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = tableOffsets(view);
  const [head, hhea, hmtx, cmap] = ['head', 'hhea', 'hmtx', 'cmap'].map((tag) => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`textWidth: the bundled font has no '${tag}' table`);
    return offset;
  });
  const unitsPerEm = view.getUint16(head + 18);
  const longMetrics = view.getUint16(hhea + 34);
  const advanceOf = (glyph: number): number => view.getUint16(hmtx + 4 * Math.min(glyph, longMetrics - 1)) / unitsPerEm;
  const advance = new Map<number, number>();
  for (const [code, glyph] of glyphIndices(view, cmap)) advance.set(code, advanceOf(glyph));
  return { advance, missing: advanceOf(0) };
}

/**
 * The advance width in pixels of `text` set in the bundled DejaVu Sans at `fontSize` pixels: the exact width the
 * rasteriser gives it (no kerning is applied to SVG text by default), so that plots can place labels without
 * overlaps before they are drawn.
 *
 * @example
 * import { textWidth } from './text-width.ts';
 * console.log(textWidth('epoch', 10).toFixed(2)); // → 30.45
 */
export function textWidth(text: string, fontSize: number): number {
  metrics ??= loadMetrics();
  let em = 0;
  for (const char of text) em += metrics.advance.get(char.codePointAt(0) ?? 0) ?? metrics.missing;
  return em * fontSize;
}
