import { fileURLToPath } from 'node:url';

/** The font every plot is drawn with, shipped in the repository so that text renders without system fonts. */
export const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url));

/** Its family name, to which every family an SVG asks for resolves. */
export const FONT_FAMILY = 'DejaVu Sans';
