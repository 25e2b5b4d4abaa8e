/**
 * Drawing on the demo's canvases: a heatmap image, point clouds and the log-likelihood curve. Every panel maps a
 * `ViewBox` in data units onto the whole canvas (y up). Canvases are sized in CSS pixels and drawn at the device
 * pixel ratio, so lines stay sharp on high-density screens.
 */
import type { Matrix } from '../../src/index.ts';
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

/** Fills the panel with an RGBA image `[gridHeight, gridWidth]` (e.g. from `densityToRgba`), smoothly scaled. */
export function drawHeatmap(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, gridWidth: number, gridHeight: number): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const image = document.createElement('canvas');
  image.width = gridWidth;
  image.height = gridHeight;
  const imageCtx = image.getContext('2d');
  if (imageCtx === null) throw new Error('drawHeatmap: this browser gives no 2-D canvas context');
  imageCtx.putImageData(new ImageData(new Uint8ClampedArray(rgba), gridWidth, gridHeight), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(image, 0, 0, width, height);
}

export interface ScatterStyle {
  /** Point colour (CSS). */
  color: string;
  /** Background (CSS) painted first; none keeps what is there. */
  background?: string;
  /** Point radius in CSS pixels. @default 1.6 */
  radius?: number;
  /** @default 0.55 */
  alpha?: number;
}

/** Draws the rows of `points [n, 2]` that fall inside `view`. */
export function drawScatter(canvas: HTMLCanvasElement, points: Matrix, view: ViewBox, style: ScatterStyle): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  if (style.background !== undefined) {
    ctx.fillStyle = style.background;
    ctx.fillRect(0, 0, width, height);
  }
  const [x0, x1] = view.x;
  const [y0, y1] = view.y;
  const radius = style.radius ?? 1.6;
  ctx.globalAlpha = style.alpha ?? 0.55;
  ctx.fillStyle = style.color;
  ctx.beginPath();
  for (let r = 0; r < points.rows; r++) {
    const px = ((points.data[2 * r] - x0) / (x1 - x0)) * width;
    const py = ((y1 - points.data[2 * r + 1]) / (y1 - y0)) * height;
    if (px < 0 || px > width || py < 0 || py > height) continue;
    ctx.moveTo(px + radius, py);
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.globalAlpha = 1;
}

const CURVE_COLORS = { train: '#9aa5b1', validation: '#e8590c', reference: '#2b8a3e', axis: '#6b7280', grid: '#e5e7eb' };

/** The training and validation log-likelihood per epoch, with the exact density's value as a dashed line. */
export function drawCurve(canvas: HTMLCanvasElement, history: readonly LiveEpoch[], reference: number): void {
  const { ctx, width, height } = prepareCanvas(canvas);
  const pad = { left: 52, right: 14, top: 12, bottom: 26 };
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
  ctx.fillText(`epoch (1 – ${epochs})`, (pad.left + width - pad.right) / 2, height - pad.bottom + 8);

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
