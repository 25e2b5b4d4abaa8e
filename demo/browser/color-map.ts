/**
 * Colours for the density heatmap: a perceptually ordered dark-to-bright ramp (matplotlib's "magma" at nine stops,
 * linearly interpolated), and the mapping of a grid of log-densities onto RGBA pixels.
 *
 * @example
 * colorMap(0);   // [0, 0, 4]     (near black: no mass)
 * colorMap(1);   // [252, 253, 191] (pale yellow: the mode)
 * const rgba = densityToRgba(logDensity, new Uint8ClampedArray(4 * logDensity.length));
 */

/** Magma sampled at t = 0, 1/8, …, 1. */
const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122],
  [229, 80, 100], [251, 135, 97], [254, 194, 135], [252, 253, 191],
];

/** The colour `[r, g, b]` (0–255) at `t ∈ [0, 1]`; values outside are clamped, NaN maps to 0. */
export function colorMap(t: number): [number, number, number] {
  const clamped = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const position = clamped * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(position));
  const f = position - k;
  const a = STOPS[k];
  const b = STOPS[k + 1];
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/** Options of `densityToRgba`. */
export interface DensityToRgbaOptions {
  /**
   * Exponent applied to the relative density `p / max p` before colouring; below 1 it lifts the tails so that
   * low-density structure stays visible next to a sharp mode. @default 0.5
   */
  gamma?: number;
}

/**
 * Writes one opaque RGBA pixel per grid cell: `colorMap((p / max p)^gamma)` with `p = exp(logDensity)`, computed as
 * `exp(gamma · (logDensity − max))` so that no density under- or overflows. Non-finite log-densities (−∞ outside a
 * support, NaN) get the colour of zero density. Shapes: `logDensity [m]`, `out [4m]`.
 * Returns `out` and the largest finite log-density (−∞ when there is none).
 */
export function densityToRgba(logDensity: Float64Array, out: Uint8ClampedArray, options: DensityToRgbaOptions = {}):
  { rgba: Uint8ClampedArray; maxLogDensity: number } {
  if (out.length !== 4 * logDensity.length) {
    throw new RangeError(`densityToRgba: expected out of length ${4 * logDensity.length} (4 × ${logDensity.length}), got ${out.length}`);
  }
  const gamma = options.gamma ?? 0.5;
  if (!(gamma > 0)) throw new RangeError(`densityToRgba: gamma must be > 0, got ${gamma}`);
  let max = -Infinity;
  for (const v of logDensity) if (Number.isFinite(v) && v > max) max = v;
  for (let k = 0; k < logDensity.length; k++) {
    const v = logDensity[k];
    const t = Number.isFinite(v) ? Math.exp(gamma * (v - max)) : 0;
    const [r, g, b] = colorMap(t);
    out[4 * k] = r;
    out[4 * k + 1] = g;
    out[4 * k + 2] = b;
    out[4 * k + 3] = 255;
  }
  return { rgba: out, maxLogDensity: max };
}
