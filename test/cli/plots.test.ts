import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { niceTicks } from '../../src/cli/plots/nice-ticks.ts';
import { composeSvg } from '../../src/cli/plots/compose-svg.ts';
import { intersects, labelBox, type Label, type Rect } from '../../src/cli/plots/label.ts';
import { textWidth } from '../../src/cli/plots/text-width.ts';
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

/** Every label the figure placed (`<text class="maflow-label">`), read back from the SVG's attributes. */
function labels(svg: string): Label[] {
  const found: Label[] = [];
  const pattern = /<text class="maflow-label" x="([^"]+)" y="([^"]+)" font-size="([^"]+)" text-anchor="([^"]+)"([^>]*)>([^<]*)<\/text>/g;
  for (const m of svg.matchAll(pattern)) {
    const text = m[6].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    found.push({ text, x: Number(m[1]), y: Number(m[2]), fontSize: Number(m[3]), anchor: m[4] as Label['anchor'],
      vertical: m[5].includes(`transform="rotate(-90 ${m[1]} ${m[2]})"`) });
  }
  assert.equal(found.length, count(svg, /class="maflow-label"/g), 'every label parsed');
  return found;
}

function dataFrames(svg: string): Rect[] {
  return Array.from(svg.matchAll(/data-frame="([^"]+)"/g), (m) => {
    const [x0, y0, x1, y1] = m[1].split(' ').map(Number);
    return { x0, y0, x1, y1 };
  });
}

/**
 * The layout rule of every figure: each label lies inside the figure, enters no panel's data frame and touches no
 * other label (boxes from the bundled font's advance widths, ascender and descender).
 */
function assertReadableLayout(image: PlotImage, minLabels: number): void {
  const placed = labels(image.svg).map((label) => ({ label, box: labelBox(label) }));
  assert.ok(placed.length >= minLabels, `${placed.length} labels, expected at least ${minLabels}`);
  const frames = dataFrames(image.svg);
  assert.ok(frames.length > 0, 'the panels state their data frames');
  for (const { label, box } of placed) {
    assert.ok(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= image.width && box.y1 <= image.height,
      `'${label.text}' ${JSON.stringify(box)} leaves the ${image.width}×${image.height} figure`);
    for (const frame of frames) {
      assert.ok(!intersects(box, frame), `'${label.text}' ${JSON.stringify(box)} overlaps the data in ${JSON.stringify(frame)}`);
    }
  }
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      assert.ok(!intersects(placed[i].box, placed[j].box), `'${placed[i].label.text}' overlaps '${placed[j].label.text}'`);
    }
  }
}

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
  it('draws a 1000×476 heatmap with contours, a colour bar and a scatter panel with legend', () => {
    const rng = new Rng(1);
    const image = densityPlot({ grid: gaussianGrid(40, 30), samples: gaussianMatrix(rng, 300, 2),
      data: gaussianMatrix(rng, 200, 2), title: 'test density', labels: ['a', 'b'] });
    assertPng(image, 1000, 476, 5000);
    assert.equal(panels(image.svg), 3, 'heatmap, colour bar, scatter');
    assert.equal(count(image.svg, /<image/g), 1, 'one raster');
    assert.ok(count(image.svg, /aria-label="contour"/g) === 1, 'one contour mark');
    assert.ok(count(image.svg, /<path[^>]*d="M/g) > 20, 'contour and axis paths');
    assert.equal(circles(image.svg), 300 + 200 + 2, 'every point plus two legend dots');
    assert.match(image.svg, /test density/);
    assertReadableLayout(image, 8);
  });

  it('has a colour bar from 0 to the peak density, with round ticks and the density\'s units', () => {
    const grid = gaussianGrid(41, 31);
    const image = densityPlot({ grid, labels: ['alcohol', 'malic_acid'] });
    assert.equal(count(image.svg, /class="maflow-colorbar"/g), 1);
    assert.ok(count(image.svg, /<stop /g) > 10, 'a gradient of the colour scheme');
    const text = labels(image.svg).map((l) => l.text);
    assert.ok(text.includes('density p(alcohol, malic_acid), per unit alcohol × unit malic_acid'), text.join(' | '));
    const peak = Math.max(...Array.from(grid.logDensity, Math.exp)); // 1/(2π) ≈ 0.159 at the grid point (0, 1)
    const ticks = text.filter((t) => /^[\d.]+$/.test(t)).map(Number);
    assert.deepEqual(ticks, niceTicks(0, peak, 5));
    assert.equal(ticks[0], 0);
    assert.ok(ticks.at(-1)! <= peak && ticks.at(-1)! > peak / 2, `ticks ${ticks} up to the peak ${peak}`);
    assertReadableLayout(image, 6);
  });

  it('titles its panels as told', () => {
    const image = densityPlot({ grid: gaussianGrid(9, 7), panelTitles: ['exact posterior', 'samples of q'] });
    const text = labels(image.svg).map((l) => l.text);
    assert.ok(text.includes('exact posterior') && text.includes('samples of q'), text.join(' | '));
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
    assertReadableLayout(image, 3);
  });

  it('draws the chosen dimensions in their order and says how many of D', () => {
    const rng = new Rng(6);
    const columns = Array.from({ length: 8 }, (_, i) => `x${i}`);
    const image = pairPlot({ samples: gaussianMatrix(rng, 40, 8), columns, dimensions: [7, 2] });
    assertPng(image, 440, 502, 2000); // the title and the legend do not fit on one row of 440 pixels
    assert.equal(panels(image.svg), 3);
    assert.match(image.svg, /\(2 of 8 dimensions\)/);
    assert.ok(image.svg.indexOf('>x7<') < image.svg.indexOf('>x2<'), 'x7 first');
    assert.throws(() => pairPlot({ samples: gaussianMatrix(rng, 4, 3), columns: ['a', 'b', 'c'], dimensions: [3] }),
      /pairPlot: dimension 3 is out of range for samples \[4, 3\]/);
    assert.throws(() => pairPlot({ samples: gaussianMatrix(rng, 4, 3), columns: ['a', 'b', 'c'], dimensions: [1, 1] }),
      /repeat a column/);
  });

  it('caps at maxDims and says so in the title', () => {
    const rng = new Rng(3);
    const image = pairPlot({ samples: gaussianMatrix(rng, 60, 8), columns: Array.from({ length: 8 }, (_, i) => `x${i}`) });
    assertPng(image, 900, 936, 5000);
    assert.equal(panels(image.svg), 21);
    assert.match(image.svg, /first 6 of 8 dimensions/);
    assertReadableLayout(image, 2);
  });

  it('names the two series as told (two groups of rows instead of samples and data)', () => {
    const rng = new Rng(7);
    const image = pairPlot({ samples: gaussianMatrix(rng, 30, 1), data: gaussianMatrix(rng, 20, 1), columns: ['score'],
      seriesLabels: { samples: 'benign test rows', data: 'malignant rows' } });
    assertPng(image, 480, 542, 2000); // the default title and this legend need two title rows at 480 pixels
    assert.deepEqual(labels(image.svg).map((l) => l.text).slice(-2), ['benign test rows', 'malignant rows']);
    assertReadableLayout(image, 3);
  });

  it('writes thousands compactly on its small panels (1.5k, not 1,500), so tick labels do not run into each other', () => {
    const rng = new Rng(8);
    const samples = { rows: 200, cols: 2, data: Float64Array.from({ length: 400 }, () => 1000 + 400 * rng.normal()) };
    const image = pairPlot({ samples, columns: ['a', 'b'] });
    assert.match(image.svg, />1(\.\d)?k</);
    assert.doesNotMatch(image.svg, />\d,\d{3}</);
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
    const image = qqPlot({ u: gaussianMatrix(rng, 150, 4), columns: ['a', 'b', 'c', 'd'] });
    assertPng(image, 960, 636, 5000);
    assert.equal(panels(image.svg), 4);
    assert.equal(circles(image.svg), 4 * 150);
    assert.equal(count(image.svg, /aria-label="link"/g), 4);
    assertReadableLayout(image, 5);
    assert.match(image.svg, /Normal QQ plots of u = f⁻¹\(x\)/, 'the latent is named as the library names it');
    assert.match(image.svg, /sorted u/);
    assert.doesNotMatch(image.svg, /\bz = f\(x\)/);
  });

  it('caps at maxDims', () => {
    const image = qqPlot({ u: gaussianMatrix(new Rng(5), 20, 5), columns: ['a', 'b', 'c', 'd', 'e'], maxDims: 2 });
    assertPng(image, 640, 336, 2000);
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
    assert.throws(() => qqPlot({ u: { rows: 2, cols: 2, data: [0, 1, 2, 3] }, columns: ['a'] }),
      /qqPlot: u is \[2, 2\] but 1 column names were given/);
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
    assert.ok(labels(image.svg).some((l) => l.text === 'best 1.550 (epoch 4)'), 'the best epoch is named in the legend');
    assertReadableLayout(image, 4);
  });

  it('rejects losses that do not line up with the epochs or are not finite', () => {
    assert.throws(() => lossCurvePlot({ epochs: [1, 2], train: [1] }), /expected train \[2\] \(one per epoch\), got \[1\]/);
    assert.throws(() => lossCurvePlot({ epochs: [1, 2], train: [1, Number.NaN] }), /train\[1\] \(epoch 2\) is NaN/);
  });
});

describe('composeSvg and the label layout', () => {
  it('measures text with the bundled font (DejaVu Sans advance widths, 2048 units per em)', () => {
    assert.equal(textWidth('W', 2048), 2025);
    assert.equal(textWidth('a i', 2048), 1255 + 651 + 569);
    assert.ok(textWidth('WWWW', 12) > 2 * textWidth('iiii', 12));
  });

  it('moves the legend to a row of its own when a long title would reach it, and shrinks or cuts the title to fit', () => {
    const legend = [{ label: 'model samples', color: '#000' }, { label: 'data', color: '#f00' }];
    const frame = { x0: 40, y0: 10, x1: 380, y1: 180 };
    const panel = { svg: '', x: 0, y: 0, frame };
    const short = composeSvg({ width: 400, height: 200, title: 'short', legend, panels: [panel] });
    assert.equal(short.height, 236, 'one title row');
    const title = 'a-rather-long-model-file-name.safetensors on a-long-data-file-name.csv: pairwise marginals';
    const long = composeSvg({ width: 400, height: 200, title, legend, panels: [panel] });
    assert.equal(long.height, 262, 'a second row for the legend');
    const image = { svg: long.svg, width: 400, height: long.height, png: new Uint8Array() };
    assertReadableLayout(image, 3);
    const [placedTitle] = labels(long.svg);
    assert.ok(placedTitle.text.endsWith('…') && textWidth(placedTitle.text, placedTitle.fontSize) <= 400 - 32,
      `cut to the width: '${placedTitle.text}' at ${placedTitle.fontSize}px`);
  });

  it('finds overlaps: the check the layout tests rely on can fail', () => {
    const a = labelBox({ text: 'validation', x: 10, y: 20, fontSize: 12 });
    const b = labelBox({ text: 'x', x: 40, y: 24, fontSize: 12 });
    assert.ok(intersects(a, b));
    const vertical = labelBox({ text: 'density', x: 100, y: 100, fontSize: 10, anchor: 'middle', vertical: true });
    assert.ok(vertical.y1 - vertical.y0 > vertical.x1 - vertical.x0, 'a vertical label is tall and narrow');
    assert.ok(!intersects(a, vertical));
    assert.deepEqual(niceTicks(0, 0.159, 5), [0, 0.05, 0.1, 0.15]);
    assert.deepEqual(niceTicks(0, 7, 5), [0, 2, 4, 6]);
  });
});

describe('doc examples', () => {
  it('run as documented', () => {
    const xs = Float64Array.from({ length: 40 }, (_, i) => -3 + (6 * i) / 39);
    const logDensity = Float64Array.from({ length: 1600 },
      (_, k) => -0.5 * (xs[k % 40] ** 2 + xs[Math.floor(k / 40)] ** 2));
    assert.deepEqual(pngSize(densityPlot({ grid: { xs, ys: xs, logDensity } }).png), { width: 1000, height: 476 });
    const u = { rows: 3, cols: 1, data: [-1, 0, 1] };
    assert.deepEqual(pngSize(qqPlot({ u, columns: ['u(x1)'] }).png), { width: 320, height: 336 });
    const samples = { rows: 4, cols: 3, data: [0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 1, 1] };
    assert.deepEqual(pngSize(pairPlot({ samples, columns: ['a', 'b', 'c'] }).png), { width: 660, height: 696 });
    const loss = lossCurvePlot({ epochs: [1, 2, 3], train: [2.1, 1.6, 1.4], validation: [2, 1.7, 1.5] });
    assert.deepEqual(pngSize(loss.png), { width: 800, height: 420 });
  });
});

describe('plots barrel', () => {
  it('exports exactly the public surface', () => {
    assert.deepEqual(Object.keys(plots).sort(), [
      'DENSITY_PLOT_SIZE', 'LOSS_CURVE_PLOT_SIZE', 'QQ_PANEL_SIZE', 'SEQUENCE_PATHS_PLOT_SIZE', 'densityPlot', 'encodePng',
      'fanChartPlot', 'forecastBands', 'histogram', 'lossCurvePlot', 'normalQuantile', 'pairPlot', 'pairPlotSize', 'qqPlot',
      'qqPlotSize', 'qqPoints', 'renderPng', 'sequencePathsPlot',
    ]);
  });
});
