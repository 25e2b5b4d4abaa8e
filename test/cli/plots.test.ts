import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import * as plots from '../../src/cli/plots/index.ts';
import {
  densityPlot, encodePng, histogram, lossCurvePlot, normalQuantile, pairPlot, qqPlot, qqPoints, renderPng,
  type PlotImage, type PlotMatrix,
} from '../../src/cli/plots/index.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, after checking the signature and that IHDR comes first. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual(Array.from(png.subarray(0, 8)), PNG_SIGNATURE, 'PNG signature');
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function assertPng(image: PlotImage, width: number, height: number, minBytes: number): void {
  assert.deepEqual({ width: image.width, height: image.height }, { width, height });
  assert.deepEqual(pngSize(image.png), { width, height });
  assert.equal(String.fromCharCode(...image.png.subarray(image.png.length - 8, image.png.length - 4)), 'IEND');
  assert.ok(image.png.length > minBytes, `PNG of ${image.png.length} bytes, expected > ${minBytes}`);
}

const count = (svg: string, pattern: RegExp): number => svg.match(pattern)?.length ?? 0;
const panels = (svg: string): number => count(svg, /class="maflow-panel"/g);
const circles = (svg: string): number => count(svg, /<circle/g);

function gaussianMatrix(rng: Rng, rows: number, cols: number): PlotMatrix {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

function gaussianGrid(nx: number, ny: number) {
  const xs = Float64Array.from({ length: nx }, (_, i) => -3 + (6 * i) / (nx - 1));
  const ys = Float64Array.from({ length: ny }, (_, j) => -2 + (5 * j) / (ny - 1));
  const logDensity = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) logDensity[j * nx + i] = -0.5 * (xs[i] ** 2 + (ys[j] - 1) ** 2) - Math.log(2 * Math.PI);
  }
  return { xs, ys, logDensity };
}

describe('normalQuantile', () => {
  it('matches reference values of Φ⁻¹ to 1e-12 relative', () => {
    const reference: [number, number][] = [
      [0.975, 1.959963984540054], [0.9, 1.2815515655446004], [0.3, -0.5244005127080407],
      [0.999, 3.090232306167813], [1e-4, -3.719016485455709], [1e-10, -6.361340902404056],
      [1e-20, -9.262340089798408],
    ];
    for (const [p, z] of reference) {
      assert.ok(Math.abs(normalQuantile(p) - z) <= 1e-12 * Math.abs(z), `Φ⁻¹(${p}) = ${normalQuantile(p)}, want ${z}`);
    }
    assert.equal(normalQuantile(0.5), 0);
  });

  it('is antisymmetric about 1/2 and infinite at the ends', () => {
    for (const p of [0.25, 0.125, 0.0625, 2 ** -20]) assert.equal(normalQuantile(p), -normalQuantile(1 - p));
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
  });

  it('rejects probabilities outside [0, 1]', () => {
    assert.throws(() => normalQuantile(1.5), /normalQuantile: p must lie in \[0, 1\], got 1.5/);
    assert.throws(() => normalQuantile(Number.NaN), /got NaN/);
  });
});

describe('renderPng', () => {
  it('rasterises at the requested width', () => {
    const png = renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', { width: 20 });
    assert.deepEqual(pngSize(png), { width: 20, height: 20 });
  });

  it('draws text with the bundled font (no system fonts are loaded)', () => {
    const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">${body}</svg>`;
    const blank = renderPng(svg(''), { width: 200 });
    const text = renderPng(svg('<text x="5" y="28" font-family="sans-serif" font-size="20">Hello, flows</text>'),
      { width: 200 });
    assert.ok(text.length > blank.length + 300, `text PNG ${text.length} bytes vs blank ${blank.length}`);
  });

  it('rejects a bad width', () => {
    assert.throws(() => renderPng('<svg xmlns="http://www.w3.org/2000/svg"/>', { width: 0 }), /renderPng: width/);
  });
});

describe('encodePng', () => {
  it('writes a PNG that the rasteriser can embed', () => {
    const rgba = new Uint8Array(3 * 2 * 4).fill(200);
    const png = encodePng(3, 2, rgba);
    assert.deepEqual(pngSize(png), { width: 3, height: 2 });
    const href = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><image href="${href}" width="30" `
      + 'height="20"/></svg>';
    assert.deepEqual(pngSize(renderPng(svg, { width: 30 })), { width: 30, height: 20 });
  });

  it('rejects a pixel buffer of the wrong length', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /expected 16 RGBA bytes for 2×2, got 15/);
  });
});

describe('histogram', () => {
  it('normalises bars to a density', () => {
    assert.deepEqual(histogram([0.1, 0.2, 0.7], [0, 1], 2),
      [{ x1: 0, x2: 0.5, density: 4 / 3 }, { x1: 0.5, x2: 1, density: 2 / 3 }]);
  });
});

describe('densityPlot', () => {
  it('draws a 900×450 heatmap with contours and a scatter panel with legend', () => {
    const rng = new Rng(1);
    const image = densityPlot({ grid: gaussianGrid(40, 30), samples: gaussianMatrix(rng, 300, 2),
      data: gaussianMatrix(rng, 200, 2), title: 'test density', labels: ['a', 'b'] });
    assertPng(image, 900, 450, 5000);
    assert.equal(panels(image.svg), 2);
    assert.equal(count(image.svg, /<image/g), 1, 'one raster');
    assert.ok(count(image.svg, /aria-label="contour"/g) === 1, 'one contour mark');
    assert.ok(count(image.svg, /<path[^>]*d="M/g) > 20, 'contour and axis paths');
    assert.equal(circles(image.svg), 300 + 200 + 2, 'every point plus two legend dots');
    assert.match(image.svg, /test density/);
  });

  it('embeds the raster as a PNG of one pixel per grid point', () => {
    const image = densityPlot({ grid: gaussianGrid(17, 11) });
    const href = /href="data:image\/png;base64,([^"]+)"/.exec(image.svg);
    assert.ok(href !== null, 'raster data URL');
    assert.deepEqual(pngSize(new Uint8Array(Buffer.from(href[1], 'base64'))), { width: 17, height: 11 });
    assert.equal(circles(image.svg), 0, 'no points and no legend without samples or data');
  });

  it('rejects mis-shaped inputs with the expected and actual shapes', () => {
    const grid = gaussianGrid(5, 4);
    assert.throws(() => densityPlot({ grid: { ...grid, logDensity: new Float64Array(19) } }),
      /densityPlot: expected grid.logDensity \[4, 5\] \(20 values\), got 19 values/);
    assert.throws(() => densityPlot({ grid: { ...grid, xs: [0, 0, 1, 2, 3] } }), /grid.xs must be strictly increasing/);
    assert.throws(() => densityPlot({ grid, samples: { rows: 1, cols: 3, data: [1, 2, 3] } }),
      /densityPlot: expected samples \[n, 2\], got \[1, 3\]/);
    const withNaN = Float64Array.from(grid.logDensity);
    withNaN[7] = Number.NaN;
    assert.throws(() => densityPlot({ grid: { ...grid, logDensity: withNaN } }), /grid.logDensity\[7\] is NaN/);
  });
});

describe('pairPlot', () => {
  it('draws the lower triangle and diagonal for D = 3', () => {
    const rng = new Rng(2);
    const image = pairPlot({ samples: gaussianMatrix(rng, 100, 3), data: gaussianMatrix(rng, 50, 3),
      columns: ['a', 'b', 'c'] });
    assertPng(image, 660, 696, 5000);
    assert.equal(panels(image.svg), 6);
    assert.equal(circles(image.svg), 3 * (100 + 50) + 2, 'three scatter panels plus two legend dots');
    assert.doesNotMatch(image.svg, /first \d+ of/);
  });

  it('caps at maxDims and says so in the title', () => {
    const rng = new Rng(3);
    const image = pairPlot({ samples: gaussianMatrix(rng, 60, 8), columns: Array.from({ length: 8 }, (_, i) => `x${i}`) });
    assertPng(image, 900, 936, 5000);
    assert.equal(panels(image.svg), 21);
    assert.match(image.svg, /first 6 of 8 dimensions/);
  });

  it('rejects mismatched columns and non-finite samples', () => {
    const samples = { rows: 2, cols: 2, data: [0, 1, 2, Number.POSITIVE_INFINITY] };
    assert.throws(() => pairPlot({ samples, columns: ['a'] }), /samples are \[2, 2\] but 1 column names/);
    assert.throws(() => pairPlot({ samples, columns: ['a', 'b'] }), /samples row 1, column 'b' is Infinity/);
    assert.throws(() => pairPlot({ samples, data: { rows: 1, cols: 3, data: [0, 0, 0] }, columns: ['a', 'b'] }),
      /expected data \[n, 2\], got \[1, 3\]/);
  });
});

describe('qqPlot', () => {
  it('draws one panel per dimension with every point and the y = x line', () => {
    const rng = new Rng(4);
    const image = qqPlot({ latent: gaussianMatrix(rng, 150, 4), columns: ['a', 'b', 'c', 'd'] });
    assertPng(image, 780, 516, 5000);
    assert.equal(panels(image.svg), 4);
    assert.equal(circles(image.svg), 4 * 150);
    assert.equal(count(image.svg, /aria-label="link"/g), 4);
  });

  it('caps at maxDims', () => {
    const image = qqPlot({ latent: gaussianMatrix(new Rng(5), 20, 5), columns: ['a', 'b', 'c', 'd', 'e'], maxDims: 2 });
    assertPng(image, 520, 276, 2000);
    assert.equal(panels(image.svg), 2);
    assert.match(image.svg, /first 2 of 5 dimensions/);
  });

  it('pairs sorted values with normal quantiles at (i + 0.5) / n', () => {
    const points = qqPoints([3, -1, 2, 0], 1000);
    assert.deepEqual(points.map((p) => p.sample), [-1, 0, 2, 3]);
    assert.equal(points[0].theoretical, normalQuantile(0.125));
    assert.equal(points[3].theoretical, -normalQuantile(0.125));
    const thinned = qqPoints(Array.from({ length: 101 }, (_, i) => i), 11);
    assert.deepEqual(thinned.map((p) => p.sample), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('rejects a column-name count that does not match', () => {
    assert.throws(() => qqPlot({ latent: { rows: 2, cols: 2, data: [0, 1, 2, 3] }, columns: ['a'] }),
      /qqPlot: latent is \[2, 2\] but 1 column names were given/);
  });
});

describe('lossCurvePlot', () => {
  it('draws train and validation curves and marks the best validation epoch', () => {
    const epochs = [1, 2, 3, 4, 5];
    const image = lossCurvePlot({ epochs, train: [3, 2, 1.5, 1.3, 1.2], validation: [3.1, 2.2, 1.6, 1.55, 1.7] });
    assertPng(image, 800, 420, 5000);
    assert.equal(panels(image.svg), 1);
    assert.equal(count(image.svg, /aria-label="line"/g), 2);
    assert.match(image.svg, /best 1\.550 \(epoch 4\)/);
  });

  it('rejects losses that do not line up with the epochs or are not finite', () => {
    assert.throws(() => lossCurvePlot({ epochs: [1, 2], train: [1] }), /expected train \[2\] \(one per epoch\), got \[1\]/);
    assert.throws(() => lossCurvePlot({ epochs: [1, 2], train: [1, Number.NaN] }), /train\[1\] \(epoch 2\) is NaN/);
  });
});

describe('doc examples', () => {
  it('run as documented', () => {
    const xs = Float64Array.from({ length: 40 }, (_, i) => -3 + (6 * i) / 39);
    const logDensity = Float64Array.from({ length: 1600 },
      (_, k) => -0.5 * (xs[k % 40] ** 2 + xs[Math.floor(k / 40)] ** 2));
    assert.deepEqual(pngSize(densityPlot({ grid: { xs, ys: xs, logDensity } }).png), { width: 900, height: 450 });
    const latent = { rows: 3, cols: 1, data: [-1, 0, 1] };
    assert.deepEqual(pngSize(qqPlot({ latent, columns: ['z'] }).png), { width: 260, height: 276 });
    const samples = { rows: 4, cols: 3, data: [0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 1, 1] };
    assert.deepEqual(pngSize(pairPlot({ samples, columns: ['a', 'b', 'c'] }).png), { width: 660, height: 696 });
    const loss = lossCurvePlot({ epochs: [1, 2, 3], train: [2.1, 1.6, 1.4], validation: [2, 1.7, 1.5] });
    assert.deepEqual(pngSize(loss.png), { width: 800, height: 420 });
  });
});

describe('plots barrel', () => {
  it('exports exactly the public surface', () => {
    assert.deepEqual(Object.keys(plots).sort(), [
      'DENSITY_PLOT_SIZE', 'LOSS_CURVE_PLOT_SIZE', 'QQ_PANEL_SIZE', 'densityPlot', 'encodePng', 'histogram',
      'lossCurvePlot', 'normalQuantile', 'pairPlot', 'pairPlotSize', 'qqPlot', 'qqPlotSize', 'qqPoints', 'renderPng',
    ]);
  });
});
