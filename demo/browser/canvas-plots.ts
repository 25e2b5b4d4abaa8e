/**
 * Drawing on the demo's canvases: a heatmap image, point clouds and the log-likelihood curve. Every panel maps a
 * `ViewBox` in data units onto its plot area (y up), with ticked axes on the left and at the bottom. Canvases are sized in CSS pixels and drawn at the device
 * pixel ratio, so lines stay sharp on high-density screens.
 */
import type { Matrix } from '../../src/index.ts';
import { niceTicks } from '../../src/cli/plots/nice-ticks.ts';
import { curveRange } from './curve-range.ts';
import type { ViewBox } from './density-grid.ts';
import type { LiveEpoch } from './live-trainer.ts';

/** A 2-D context whose user space is the canvas's CSS pixel box; returns it with that box's size. */
export function prepareCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('prepareCanvas: this browser gives no 2-D canvas context');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/** Room around a panel's plot area for the tick labels: left and bottom axes, CSS pixels. */
export const PANEL_MARGIN = { left: 36, right: 10, top: 8, bottom: 24 } as const;

/** Where a panel of `width × height` CSS pixels draws its data. */
export interface PlotRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The plot area of a `width × height` panel, inside `PANEL_MARGIN`. */
export function plotRect(width: number, height: number): PlotRect {
  return { x: PANEL_MARGIN.left, y: PANEL_MARGIN.top, width: Math.max(1, width - PANEL_MARGIN.left - PANEL_MARGIN.right),
    height: Math.max(1, height - PANEL_MARGIN.top - PANEL_MARGIN.bottom) };
}

/** Canvas position of the data point `(x, y)` (y up) in `rect` showing `view`. */
export function toCanvas(rect: PlotRect, view: ViewBox, x: number, y: number): [number, number] {
  return [rect.x + ((x - view.x[0]) / (view.x[1] - view.x[0])) * rect.width,
    rect.y + ((view.y[1] - y) / (view.y[1] - view.y[0])) * rect.height];
}

/** Axis ticks of a panel: round values inside the view, each with its canvas position and label. */
export function axisTicks(rect: PlotRect, view: ViewBox): { x: { at: number; label: string }[]; y: { at: number; label: string }[] } {
  const label = (v: number): string => String(Number(v.toPrecision(3)));
  return {
    x: niceTicks(view.x[0], view.x[1], Math.max(2, Math.round(rect.width / 60))).map((v) => ({ at: toCanvas(rect, view, v, 0)[0], label: label(v) })),
    y: niceTicks(view.y[0], view.y[1], Math.max(2, Math.round(rect.height / 50))).map((v) => ({ at: toCanvas(rect, view, 0, v)[1], label: label(v) })),
  };
}

function drawAxes(ctx: CanvasRenderingContext2D, rect: PlotRect, view: ViewBox): void {
  const ticks = axisTicks(rect, view);
  ctx.strokeStyle = CURVE_COLORS.axis;
  ctx.fillStyle = CURVE_COLORS.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(rect.x - 0.5, rect.y - 0.5, rect.width + 1, rect.height + 1);
  ctx.font = '10px system-ui, sans-serif';
  ctx.beginPath();
  for (const tick of ticks.x) {
    ctx.moveTo(tick.at, rect.y + rect.height);
    ctx.lineTo(tick.at, rect.y + rect.height + 4);
  }
  for (const tick of ticks.y) {
    ctx.moveTo(rect.x, tick.at);
    ctx.lineTo(rect.x - 4, tick.at);
  }
  ctx.stroke();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const tick of ticks.x) ctx.fillText(tick.label, tick.at, rect.y + rect.height + 6);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const tick of ticks.y) ctx.fillText(tick.label, rect.x - 6, tick.at);
}

/**
 * Fills the panel's plot area with an RGBA image `[gridHeight, gridWidth]` (e.g. from `densityToRgba`) covering
 * `view`, smoothly scaled, and draws the axes.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, gridWidth: number, gridHeight: number, view: ViewBox): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const rect = plotRect(width, height);
  const image = document.createElement('canvas');
  image.width = gridWidth;
  image.height = gridHeight;
  const imageCtx = image.getContext('2d');
  if (imageCtx === null) throw new Error('drawHeatmap: this browser gives no 2-D canvas context');
  imageCtx.putImageData(new ImageData(new Uint8ClampedArray(rgba), gridWidth, gridHeight), 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(image, rect.x, rect.y, rect.width, rect.height);
  drawAxes(ctx, rect, view);
}

export interface ScatterStyle {
  /** Point colour (CSS). */
  color: string;
  /** Point radius in CSS pixels. @default 1.6 */
  radius?: number;
  /** @default 0.55 */
  alpha?: number;
}

/** Clears the panel and draws the rows of `points [n, 2]` that fall inside `view`, with axes. */
export function drawScatter(canvas: HTMLCanvasElement, points: Matrix, view: ViewBox, style: ScatterStyle): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const rect = plotRect(width, height);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  const radius = style.radius ?? 1.6;
  ctx.globalAlpha = style.alpha ?? 0.55;
  ctx.fillStyle = style.color;
  ctx.beginPath();
  for (let r = 0; r < points.rows; r++) {
    const [px, py] = toCanvas(rect, view, points.data[2 * r], points.data[2 * r + 1]);
    if (px < rect.x || px > rect.x + rect.width || py < rect.y || py > rect.y + rect.height) continue;
    ctx.moveTo(px + radius, py);
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.globalAlpha = 1;
  drawAxes(ctx, rect, view);
}

const CURVE_COLORS = { train: '#9aa5b1', validation: '#e8590c', reference: '#2b8a3e', axis: '#6b7280', grid: '#e5e7eb' };

/** The training and validation log-likelihood per epoch, with the exact density's value as a dashed line. */
export function drawCurve(canvas: HTMLCanvasElement, history: readonly LiveEpoch[], reference: number): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const pad = { left: 52, right: 14, top: 12, bottom: 30 };
  ctx.clearRect(0, 0, width, height);
  const [lo, hi] = curveRange(history.flatMap((h) => [h.trainLogLik, h.validationLogLik]), reference);
  const epochs = Math.max(10, history.length);
  const px = (epoch: number): number => pad.left + ((epoch - 1) / Math.max(1, epochs - 1)) * (width - pad.left - pad.right);
  const py = (value: number): number => pad.top + ((hi - Math.min(hi, Math.max(lo, value))) / (hi - lo)) * (height - pad.top - pad.bottom);

  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const value = lo + ((hi - lo) * k) / 4;
    ctx.strokeStyle = CURVE_COLORS.grid;
    ctx.beginPath();
    ctx.moveTo(pad.left, py(value));
    ctx.lineTo(width - pad.right, py(value));
    ctx.stroke();
    ctx.fillStyle = CURVE_COLORS.axis;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(value.toFixed(2), pad.left - 6, py(value));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const epoch of niceTicks(1, epochs, 8).filter((e) => Number.isInteger(e) && e >= 1)) {
    ctx.fillText(String(epoch), px(epoch), height - pad.bottom + 4);
  }
  ctx.textAlign = 'right';
  ctx.fillText('epoch', width - pad.right, height - pad.bottom + 16);

  if (Number.isFinite(reference)) {
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = CURVE_COLORS.reference;
    ctx.beginPath();
    ctx.moveTo(pad.left, py(reference));
    ctx.lineTo(width - pad.right, py(reference));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  const line = (key: 'trainLogLik' | 'validationLogLik', color: string, lineWidth: number): void => {
    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    history.forEach((h, i) => (i === 0 ? ctx.moveTo(px(h.epoch), py(h[key])) : ctx.lineTo(px(h.epoch), py(h[key]))));
    ctx.stroke();
  };
  line('trainLogLik', CURVE_COLORS.train, 1.25);
  line('validationLogLik', CURVE_COLORS.validation, 2);
}
