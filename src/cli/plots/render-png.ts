import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY, FONT_FILE } from './font-file.ts';

/** Options for {@link renderPng}. */
export interface RenderPngOptions {
  /** Width of the PNG in pixels; the height follows the SVG's aspect ratio. */
  width: number;
}

/**
 * Rasterises an SVG document to PNG bytes on a white background.
 *
 * System fonts are deliberately not loaded: every family (including Plot's `system-ui, sans-serif`) resolves to the
 * bundled DejaVu Sans, so the output is the same on a developer machine and on a bare CI runner.
 *
 * @example
 * import { renderPng } from './render-png.ts';
 * const png = renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', { width: 20 });
 * const view = new DataView(png.buffer, png.byteOffset);
 * console.log(Buffer.from(png.subarray(0, 8)).toString('hex'), view.getUint32(16), view.getUint32(20)); // → 89504e470d0a1a0a 20 20
 */
export function renderPng(svg: string, options: RenderPngOptions): Uint8Array {
  if (!Number.isInteger(options.width) || options.width <= 0) {
    throw new Error(`renderPng: width must be a positive integer, got ${options.width}`);
  }
  // Without its font resvg silently drops all text, so a missing file (e.g. a bundler that skipped it) must be loud.
  if (!existsSync(FONT_FILE)) throw new Error(`renderPng: the bundled font is missing at ${FONT_FILE}`);
  const resvg = new Resvg(xmlCharacters(svg), {
    background: 'white',
    fitTo: { mode: 'width', value: options.width },
    font: {
      fontFiles: [FONT_FILE],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * `svg` with the characters XML 1.0 forbids (C0 controls other than tab and line ends, lone surrogates, U+FFFE/FFFF)
 * written as visible escapes (`\x1b`): they can only come from a file's strings (column names in labels and titles),
 * and the parser would refuse the whole document.
 */
function xmlCharacters(svg: string): string {
  return svg.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
}
