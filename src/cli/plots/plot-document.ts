import { parseHTML } from 'linkedom';
import { encodePng } from './encode-png.ts';

interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/**
 * The slice of `HTMLCanvasElement` that Observable Plot's raster mark uses: create, fill and put one image, then
 * read it back as a PNG data URL.
 */
class PixelCanvas {
  width = 300;
  height = 150;
  private image: PixelImage | undefined;

  getContext(type: string): object | null {
    if (type !== '2d') return null;
    return {
      createImageData: (width: number, height: number): PixelImage =>
        ({ width, height, data: new Uint8ClampedArray(width * height * 4) }),
      putImageData: (image: PixelImage, dx: number, dy: number): void => {
        if (dx !== 0 || dy !== 0) throw new Error('PixelCanvas.putImageData: only an offset of (0, 0) is supported');
        this.image = image;
      },
    };
  }

  toDataURL(): string {
    const image = this.image ?? { width: this.width, height: this.height,
      data: new Uint8ClampedArray(this.width * this.height * 4) };
    const png = encodePng(image.width, image.height, image.data);
    return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  }
}

/**
 * A fresh server-side DOM document for `Plot.plot({document})`, so Plot runs in Node without a browser or globals.
 *
 * linkedom has no canvas (it would need the native `canvas` package), so `createElement('canvas')` returns a
 * {@link PixelCanvas}; that is enough for `Plot.raster`, whose pixels then travel inside the SVG as a PNG data URL.
 */
export function createPlotDocument(): Document {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const createElement = document.createElement.bind(document);
  const patched = Object.assign(document, {
    createElement: (tagName: string, options?: ElementCreationOptions): unknown =>
      tagName.toLowerCase() === 'canvas' ? new PixelCanvas() : createElement(tagName, options),
  });
  return patched as unknown as Document;
}
