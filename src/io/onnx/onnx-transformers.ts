/**
 * maflow's elementwise transformers as ONNX subgraphs over `F` features at once (all D of a parallel pass, one of a
 * sequential step): the affine transformer with its soft-clipped log-scale, the rational-quadratic spline with
 * identity tails (bins found by counting knots, the inverse by the quadratic root and one Newton step, as maflow does),
 * the circular spline, and the monotone neural transformers (`onnx-monotone-transformers.ts`).
 */
import type { Direction } from '../../bijectors/bijector.ts';
import { AffineTransformer } from '../../bijectors/affine-transformer.ts';
import { BernsteinTransformer } from '../../bijectors/bernstein-transformer.ts';
import { CircularSpline } from '../../bijectors/circular-spline.ts';
import { NeuralAutoregressiveTransformer } from '../../bijectors/neural-autoregressive-transformer.ts';
import { RationalQuadraticSpline } from '../../bijectors/rational-quadratic-spline.ts';
import type { Transformer } from '../../bijectors/transformer.ts';
import { UmnnTransformer } from '../../bijectors/umnn-transformer.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { bernsteinTransformer, nafTransformer, umnnTransformer } from './onnx-monotone-transformers.ts';
import { constantsAt, softClip, softplus, sliceAxis, sumAxis, type FeatureAt, type ParamGroup } from './onnx-ops.ts';
import { UnsupportedOnnxError } from './unsupported-onnx-error.ts';

/**
 * A transformer as ONNX: its parameter groups and the map in either direction, `[n, F]` → `[n, F]` with log-det `[n]`,
 * for the features `at` of the transformer's own numbering (a transformer whose map differs per feature reads it).
 */
export interface OnnxTransformer {
  readonly groups: readonly ParamGroup[];
  apply(g: OnnxGraph, direction: Direction, input: Value, params: readonly Value[], at: FeatureAt): { output: Value; logDet: Value | null };
}

/** The transformers the export translates. */
export const ONNX_TRANSFORMERS = ['affine', 'spline', 'circular spline', 'NAF', 'UMNN', 'Bernstein'];

/** The ONNX form of `transformer` (a `UnsupportedOnnxError` for a transformer the export does not know). */
export function onnxTransformer(transformer: Transformer): OnnxTransformer {
  if (transformer instanceof AffineTransformer) return affine(transformer);
  if (transformer instanceof RationalQuadraticSpline) return spline(transformer);
  if (transformer instanceof CircularSpline) return circularSpline(transformer);
  if (transformer instanceof NeuralAutoregressiveTransformer) return nafTransformer(transformer);
  if (transformer instanceof UmnnTransformer) return umnnTransformer(transformer);
  if (transformer instanceof BernsteinTransformer) return bernsteinTransformer(transformer);
  throw new UnsupportedOnnxError(`the transformer ${transformer.constructor.name} (the export knows ${ONNX_TRANSFORMERS.join(', ')})`);
}

/**
 * The circular spline: on angle columns `z = τ⁻¹(wrap(x − φ))` and `x = wrap(τ(wrap(z)) + φ)` (`wrap` into [−π, π)),
 * on the others the plain spline on [−π, π]; τ is `RationalQuadraticSpline` with tail bound π, as `CircularSpline`
 * builds it. The wrapped input is rounded to float32 before the spline, as maflow stores it.
 */
function circularSpline(t: CircularSpline): OnnxTransformer {
  const inner = spline(new RationalQuadraticSpline({ bins: t.bins, tailBound: Math.PI }));
  const flags = t.circular.map((c) => (c ? 1 : 0));
  return {
    groups: [{ size: 1, vector: false }, ...inner.groups],
    apply(g, direction, stored, [phi, ...params], at) {
      if ('count' in at && at.start + at.count > flags.length) {
        throw new Error(`exportOnnx: a circular spline of ${flags.length} features used on features ${at.start}…${at.start + at.count - 1}`);
      }
      const angle = g.op('Greater', [constantsAt(g, flags, at, 'circular'), g.scalar(0.5)], {}, 'is_angle');
      // On angle columns wrap(v + sign·φ), on the others v (float32).
      const onAngles = (v: Value, sign: -1 | 0 | 1): Value => {
        const rotated = sign === 0 ? v : g.op(sign > 0 ? 'Add' : 'Sub', [v, g.toCompute(phi)]);
        return g.toStorage(g.op('Where', [angle, wrap(g, rotated), v]));
      };
      if (direction === 'inverse') return inner.apply(g, 'inverse', onAngles(g.toCompute(stored), -1), params, at);
      const pass = inner.apply(g, 'forward', onAngles(g.toCompute(stored), 0), params, at);
      return { output: onAngles(g.toCompute(pass.output), 1), logDet: pass.logDet };
    },
  };
}

/** `v − 2π·floor((v + π)/2π)`: `v` wrapped into [−π, π). */
function wrap(g: OnnxGraph, v: Value): Value {
  const turns = g.op('Floor', [g.op('Div', [g.op('Add', [v, g.scalar(Math.PI)]), g.scalar(2 * Math.PI)])]);
  return g.op('Sub', [v, g.op('Mul', [turns, g.scalar(2 * Math.PI)])], {}, 'wrapped');
}

/** `x = z · exp(s) + m`, `s = c · tanh(r / c)`; shift only: `x = z + m` (log-det none: 0). */
function affine(t: AffineTransformer): OnnxTransformer {
  return {
    groups: t.shiftOnly ? [{ size: 1, vector: false }] : [{ size: 1, vector: false }, { size: 1, vector: false }],
    apply(g, direction, stored, params) {
      const input = g.toCompute(stored);
      const [m, r] = params.map((p) => g.toCompute(p));
      if (t.shiftOnly) return { output: g.toStorage(g.op(direction === 'forward' ? 'Add' : 'Sub', [input, m])), logDet: null };
      const s = softClip(g, r, t.logScaleBound);
      if (direction === 'forward') {
        return { output: g.toStorage(g.op('Add', [g.op('Mul', [input, g.op('Exp', [s])]), m])), logDet: sumAxis(g, s) };
      }
      const output = g.op('Mul', [g.op('Sub', [input, m]), g.op('Exp', [g.op('Neg', [s])])]);
      return { output: g.toStorage(output), logDet: g.op('Neg', [sumAxis(g, s)]) };
    },
  };
}

/** Knots and derivatives of one spline per feature: `[n, F, K + 1]` each. */
interface Knots {
  x: Value;
  y: Value;
  d: Value;
}

/** Bin quantities at a bin index `k [n, F, 1]`, each `[n, F]`. */
interface Bin {
  xk: Value; w: Value; yk: Value; h: Value; s: Value; d0: Value; d1: Value;
}

function spline(t: RationalQuadraticSpline): OnnxTransformer {
  const K = t.bins;
  const B = t.tailBound;
  return {
    groups: [{ size: K, vector: true }, { size: K, vector: true }, { size: K - 1, vector: true }],
    apply(g, direction, stored, params) {
      const input = g.toCompute(stored);
      const [rawWidths, rawHeights, rawDerivatives] = params.map((p) => g.toCompute(p));
      const knots: Knots = {
        x: binKnots(g, rawWidths, K, t.minBinWidth, B),
        y: binKnots(g, rawHeights, K, t.minBinHeight, B),
        d: knotDerivatives(g, rawDerivatives, t),
      };
      const inside = g.op('And', [g.op('GreaterOrEqual', [input, g.scalar(-B)]), g.op('Less', [input, g.scalar(B)])], {}, 'inside');
      let output: Value;
      let logDerivative: Value;
      if (direction === 'forward') {
        const bin = binAt(g, knots, findBin(g, knots.x, input, K));
        const e = evaluate(g, bin, input);
        output = g.op('Add', [bin.yk, g.op('Mul', [bin.h, e.R])]);
        logDerivative = e.logDerivative;
      } else {
        output = root(g, knots, input, K);
        logDerivative = g.op('Neg', [evaluate(g, binAt(g, knots, findBin(g, knots.x, output, K)), output).logDerivative]);
      }
      // Outside [−B, B) the spline is the identity (log-det 0); Where keeps a NaN of the unused branch out.
      return {
        output: g.toStorage(g.op('Where', [inside, output, input])),
        logDet: sumAxis(g, g.op('Where', [inside, logDerivative, g.scalar(0)])),
      };
    },
  };
}

/** `[−B, …, B]` from raw sizes `[n, F, K]`: `minBin + (1 − K·minBin) · softmax`, accumulated, scaled to `2B`. */
function binKnots(g: OnnxGraph, raw: Value, K: number, minBin: number, B: number): Value {
  const sizes = g.op('Add', [g.op('Mul', [g.op('Softmax', [raw], { axis: -1 }), g.scalar(1 - K * minBin)]), g.scalar(minBin)]);
  const cumulative = g.op('CumSum', [sizes, g.ints([2], [])]);
  const interior = g.op('Add', [g.op('Mul', [sliceAxis(g, cumulative, 2, 0, K - 1), g.scalar(2 * B)]), g.scalar(-B)]);
  const padded = g.op('Pad', [interior, g.ints([0, 0, 1, 0, 0, 1]), g.scalar(0)]);
  const ends = new Array<number>(K + 1).fill(0);
  ends[0] = -B;
  ends[K] = B;
  return g.op('Add', [padded, g.constant(ends, [K + 1], 'knot_ends')], {}, 'knots');
}

/** `[1, δ_1, …, δ_{K−1}, 1]` with `δ = minDerivative + softplus(min(raw + shift, 1e6))` (raw 0 gives δ = 1). */
function knotDerivatives(g: OnnxGraph, raw: Value, t: RationalQuadraticSpline): Value {
  const shift = Math.log(Math.expm1(1 - t.minDerivative));
  const clamped = g.op('Min', [g.op('Add', [raw, g.scalar(shift)]), g.scalar(1e6)]);
  const interior = g.op('Add', [softplus(g, clamped), g.scalar(t.minDerivative)]);
  return g.op('Pad', [interior, g.ints([0, 0, 1, 0, 0, 1]), g.scalar(1)], {}, 'derivatives');
}

/** The bin `k [n, F, 1]` (int64) holding `v [n, F]`: the number of interior knots `≤ v` (maflow's findBin). */
function findBin(g: OnnxGraph, knots: Value, v: Value, K: number): Value {
  const interior = sliceAxis(g, knots, 2, 1, K);
  const above = g.op('GreaterOrEqual', [g.op('Unsqueeze', [v, g.ints([2])]), interior]);
  return g.op('ReduceSum', [g.op('Cast', [above], { to: 7 }), g.ints([2])], { keepdims: 1 }, 'bin');
}

function binAt(g: OnnxGraph, knots: Knots, k: Value): Bin {
  const next = g.op('Add', [k, g.ints([1], [])]);
  const at = (v: Value, index: Value) => g.op('Squeeze', [g.op('GatherElements', [v, index], { axis: 2 }), g.ints([2])]);
  const xk = at(knots.x, k);
  const yk = at(knots.y, k);
  const w = g.op('Sub', [at(knots.x, next), xk], {}, 'w');
  const h = g.op('Sub', [at(knots.y, next), yk], {}, 'h');
  return { xk, w, yk, h, s: g.op('Div', [h, w], {}, 's'), d0: at(knots.d, k), d1: at(knots.d, next) };
}

/** The spline at `t` inside its bin: `R` (so that `τ(t) = y_k + h·R`) and `log τ'(t)` (maflow's evaluate). */
function evaluate(g: OnnxGraph, bin: Bin, t: Value): { R: Value; logDerivative: Value } {
  const { s, d0, d1 } = bin;
  const xi = g.op('Clip', [g.op('Div', [g.op('Sub', [t, bin.xk]), bin.w]), g.scalar(0), g.scalar(1)], {}, 'xi');
  const oneMinus = g.op('Sub', [g.scalar(1), xi]);
  const q = g.op('Mul', [xi, oneMinus], {}, 'q');
  const xi2 = g.op('Mul', [xi, xi]);
  const twoS = g.op('Mul', [s, g.scalar(2)]);
  const Dn = g.op('Add', [s, g.op('Mul', [g.op('Sub', [g.op('Add', [d0, d1]), twoS]), q])], {}, 'Dn');
  const R = g.op('Div', [g.op('Add', [g.op('Mul', [s, xi2]), g.op('Mul', [d0, q])]), Dn], {}, 'R');
  const M = g.op('Add', [g.op('Add', [g.op('Mul', [d1, xi2]), g.op('Mul', [twoS, q])]),
    g.op('Mul', [d0, g.op('Mul', [oneMinus, oneMinus])])], {}, 'M');
  const logDerivative = g.op('Sub', [g.op('Add', [g.op('Mul', [g.op('Log', [s]), g.scalar(2)]), g.op('Log', [M])]),
    g.op('Mul', [g.op('Log', [Dn]), g.scalar(2)])], {}, 'log_derivative');
  return { R, logDerivative };
}

/** `τ⁻¹(y)`: the stable root `ξ = 2c / (−b − √(b² − 4ac))` in y's bin, then one Newton step kept inside the bin. */
function root(g: OnnxGraph, knots: Knots, y: Value, K: number): Value {
  const bin = binAt(g, knots, findBin(g, knots.y, y, K));
  const { h, s, d0, d1 } = bin;
  const dy = g.op('Sub', [y, bin.yk]);
  const sum = g.op('Sub', [g.op('Add', [d0, d1]), g.op('Mul', [s, g.scalar(2)])]);
  const dySum = g.op('Mul', [dy, sum]);
  const a = g.op('Add', [g.op('Mul', [h, g.op('Sub', [s, d0])]), dySum]);
  const b = g.op('Sub', [g.op('Mul', [h, d0]), dySum]);
  const c = g.op('Neg', [g.op('Mul', [s, dy])]);
  const discriminant = g.op('Max', [g.op('Sub', [g.op('Mul', [b, b]), g.op('Mul', [g.op('Mul', [a, c]), g.scalar(4)])]), g.scalar(0)]);
  const den = g.op('Sub', [g.op('Neg', [b]), g.op('Sqrt', [discriminant])]);
  const ratio = g.op('Clip', [g.op('Div', [g.op('Mul', [c, g.scalar(2)]), den]), g.scalar(0), g.scalar(1)]);
  const xi = g.op('Where', [g.op('Equal', [den, g.scalar(0)]), g.scalar(0), ratio]);
  const t = g.op('Add', [bin.xk, g.op('Mul', [xi, bin.w])], {}, 't');
  const e = evaluate(g, bin, t);
  const slope = g.op('Exp', [e.logDerivative]);
  const residual = g.op('Sub', [g.op('Add', [bin.yk, g.op('Mul', [h, e.R])]), y]);
  const polished = g.op('Sub', [t, g.op('Div', [residual, slope])]);
  const xk1 = g.op('Add', [bin.xk, bin.w]);
  const within = g.op('And', [g.op('GreaterOrEqual', [polished, bin.xk]), g.op('LessOrEqual', [polished, xk1])]);
  return g.op('Where', [within, polished, t], {}, 'root');
}
