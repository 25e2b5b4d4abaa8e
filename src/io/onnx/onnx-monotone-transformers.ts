/**
 * maflow's monotone neural transformers (`MonotoneTransformer`: NAF's deep sigmoidal flow, UMNN's integral of a positive
 * network, the Bernstein polynomial) as ONNX subgraphs. Their closed form is data → base, `z = g(x; θ)`, which the
 * graphs compute as maflow does (in the compute type); base → data, `x = g⁻¹(z)`, is bisection inside a bracket that
 * provably holds the root, `g.bisectionSteps` steps in one ONNX Loop (the root to `2^−steps` of the bracket's width:
 * with the default 60 steps and float64, far below float32's resolution for any bracket narrower than 10⁹), then
 * `log g'` at the float32 root, as maflow evaluates it at the value it stores.
 */
import type { BernsteinTransformer } from '../../bijectors/bernstein-transformer.ts';
import type { NeuralAutoregressiveTransformer } from '../../bijectors/neural-autoregressive-transformer.ts';
import type { UmnnTransformer } from '../../bijectors/umnn-transformer.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { bisect, logSumExp, sliceAxis, softplus, sumAxis } from './onnx-ops.ts';
import type { OnnxTransformer } from './onnx-transformers.ts';

/** `g(x)` and `log g'(x)`, `[n, F]` each (compute type). */
interface Evaluated {
  z: Value;
  logDerivative: Value;
}

/**
 * A monotone transformer's graph pieces over the parameters `p [n, F, P]` (compute type): `evaluate` at `x [n, F]`,
 * and `solve`, `g⁻¹(z)` by bisection. Parameter-only quantities are computed once, outside the bisection loop.
 */
interface MonotoneGraph {
  evaluate(g: OnnxGraph, x: Value): Evaluated;
  solve(g: OnnxGraph, z: Value): Value;
}

/** The OnnxTransformer of a monotone transformer given how to build its pieces from `p`. */
function monotone(paramsPerFeature: number, build: (g: OnnxGraph, p: Value) => MonotoneGraph): OnnxTransformer {
  return {
    groups: [{ size: paramsPerFeature, vector: true }],
    apply(g, direction, stored, [params]) {
      const pieces = build(g, g.toCompute(params));
      if (direction === 'inverse') {
        const e = pieces.evaluate(g, g.toCompute(stored));
        return { output: g.toStorage(e.z), logDet: sumAxis(g, e.logDerivative) };
      }
      const output = g.toStorage(pieces.solve(g, g.toCompute(stored)));
      return { output, logDet: g.op('Neg', [sumAxis(g, pieces.evaluate(g, g.toCompute(output)).logDerivative)]) };
    },
  };
}

/** `v [n, F, K]` squeezed on its last axis of size 1. */
const squeeze2 = (g: OnnxGraph, v: Value): Value => g.op('Squeeze', [v, g.ints([2])]);
/** `v [n, F]` as `[n, F, 1]`. */
const unsqueeze2 = (g: OnnxGraph, v: Value): Value => g.op('Unsqueeze', [v, g.ints([2])]);

/** Smallest slope / integrand value of NAF and UMNN units (the classes' `MIN_SLOPE`). */
const MIN_SLOPE = 1e-3;
/** Raw offset so that a raw 0 gives a slope (NAF) or integrand (UMNN) of 1. */
const SLOPE_SHIFT = Math.log(Math.expm1(1 - MIN_SLOPE));

/** The units' fixed offsets `β_k`, spread over [−2, 2] (0 for one unit), as NAF and UMNN place them. */
function unitOffsets(K: number): number[] {
  return Array.from({ length: K }, (_, k) => (K === 1 ? 0 : 2 * ((2 * k) / (K - 1) - 1)));
}

/**
 * NAF (deep sigmoidal flow), per block `z = logit(Σ_k w_k σ(a_k x + b_k + β_k))` in log space, the blocks composed.
 * Inverse: block by block from the last, each by bisection in `[min_k (t − c_k)/a_k, max_k (t − c_k)/a_k]`
 * (`c_k = b_k + β_k`), where every unit's sigmoid is below, resp. above, `σ(t)`, so the mixture is too.
 */
export function nafTransformer(t: NeuralAutoregressiveTransformer): OnnxTransformer {
  const K = t.hiddenUnits;
  return monotone(t.paramsPerFeature, (g, p) => {
    const blocks = Array.from({ length: t.blocks }, (_, l) => {
      const o = 3 * K * l;
      const a = g.op('Add', [softplus(g, g.op('Add', [sliceAxis(g, p, 2, o, o + K), g.scalar(SLOPE_SHIFT)])), g.scalar(MIN_SLOPE)], {}, 'naf_a');
      const c = g.op('Add', [sliceAxis(g, p, 2, o + K, o + 2 * K), g.constant(unitOffsets(K), [K], 'naf_offsets')], {}, 'naf_c');
      const logW = g.op('LogSoftmax', [sliceAxis(g, p, 2, o + 2 * K, o + 3 * K)], { axis: -1 }, 'naf_log_w');
      return { a, c, logW, logA: g.op('Log', [a]) };
    });
    type Block = (typeof blocks)[number];
    const block = (b: OnnxGraph, { a, c, logW, logA }: Block, x: Value, withDerivative: boolean): Evaluated => {
      const h = b.op('Add', [b.op('Mul', [a, unsqueeze2(b, x)]), c], {}, 'naf_h');
      const sp = softplus(b, h);
      const logS = squeeze2(b, logSumExp(b, b.op('Sub', [b.op('Add', [logW, h]), sp]), 2));
      const log1mS = squeeze2(b, logSumExp(b, b.op('Sub', [logW, sp]), 2));
      const z = b.op('Sub', [logS, log1mS], {}, 'naf_z');
      if (!withDerivative) return { z, logDerivative: z };
      const slopeTerms = b.op('Sub', [b.op('Add', [b.op('Add', [logW, logA]), h]), b.op('Mul', [sp, b.scalar(2)])]);
      const logSlope = squeeze2(b, logSumExp(b, slopeTerms, 2));
      return { z, logDerivative: b.op('Sub', [b.op('Sub', [logSlope, logS]), log1mS], {}, 'naf_log_derivative') };
    };
    return {
      evaluate(b, x) {
        let v = x;
        let sum: Value | null = null;
        for (const k of blocks) {
          const e = block(b, k, v, true);
          v = e.z;
          sum = sum === null ? e.logDerivative : b.op('Add', [sum, e.logDerivative]);
        }
        return { z: v, logDerivative: sum! };
      },
      solve(b, z) {
        let target = z;
        for (const k of [...blocks].reverse()) {
          const r = b.op('Div', [b.op('Sub', [unsqueeze2(b, target), k.c]), k.a]);
          const lo = b.op('ReduceMin', [r], { axes: [2], keepdims: 0 }, 'naf_lo');
          const hi = b.op('ReduceMax', [r], { axes: [2], keepdims: 0 }, 'naf_hi');
          const goal = target;
          target = bisect(b, lo, hi, (body, mid) => body.op('Less', [block(body, k, mid, false).z, goal]));
        }
        return target;
      },
    };
  });
}

/**
 * UMNN, `z = β + x Σ_j ω_j f(x s_j)` (Clenshaw–Curtis on [0, x]) with `f(t) = 10⁻³ + softplus(v₀ + c + Σ_k v_k
 * tanh((1 + w_k) t + b_k + β_k))`, `log g' = log f(x)` (x's node is the last, s_N = 1). Inverse: with
 * `f_min ≤ f ≤ f_max` (`10⁻³ + softplus(v₀ + c ∓ Σ|v_k|)`) and positive weights summing to 1, the root of
 * `β + Q(x) = z` lies between `(z − β)/f_max` and `(z − β)/f_min`.
 */
export function umnnTransformer(t: UmnnTransformer): OnnxTransformer {
  const K = t.hiddenUnits;
  const [nodes, weights] = clenshawCurtis(t.intervals);
  const J = nodes.length;
  return monotone(t.paramsPerFeature, (g, p) => {
    const beta = squeeze2(g, sliceAxis(g, p, 2, 0, 1));
    const base = g.op('Add', [squeeze2(g, sliceAxis(g, p, 2, 1, 2)), g.scalar(SLOPE_SHIFT)], {}, 'umnn_v0');
    const units = g.op('Reshape', [sliceAxis(g, p, 2, 2, 3 * K + 2), g.ints([0, 0, K, 3])]);
    const unit = (k: number) => g.op('Reshape', [sliceAxis(g, units, 3, k, k + 1), g.ints([0, 0, 1, K])]);
    const slope = g.op('Add', [unit(0), g.scalar(1)], {}, 'umnn_slope');
    const offset = g.op('Add', [unit(1), g.constant(unitOffsets(K), [K], 'umnn_offsets')], {}, 'umnn_offset');
    const v = unit(2);
    const s = g.constant(nodes, [J], 'cc_nodes');
    const w = g.constant(weights, [J], 'cc_weights');
    /** f at `x·s_j` for every node: `[n, F, J]`. */
    const integrand = (b: OnnxGraph, x: Value): Value => {
      const at = b.op('Unsqueeze', [b.op('Mul', [unsqueeze2(b, x), s]), b.ints([3])]);
      const th = b.op('Tanh', [b.op('Add', [b.op('Mul', [at, slope]), offset])]);
      const u = b.op('Add', [b.op('ReduceSum', [b.op('Mul', [th, v]), b.ints([3])], { keepdims: 0 }), unsqueeze2(b, base)]);
      return b.op('Add', [softplus(b, u), b.scalar(MIN_SLOPE)], {}, 'umnn_f');
    };
    const value = (b: OnnxGraph, x: Value, f: Value): Value => b.op('Add', [beta, b.op('Mul', [x, sumAxis(b, b.op('Mul', [f, w]), 2)])], {}, 'umnn_z');
    return {
      evaluate(b, x) {
        const f = integrand(b, x);
        return { z: value(b, x, f), logDerivative: b.op('Log', [squeeze2(b, sliceAxis(b, f, 2, J - 1, J))]) };
      },
      solve(b, z) {
        const spread = squeeze2(b, b.op('ReduceSum', [b.op('Abs', [v]), b.ints([3])], { keepdims: 0 }));
        const fMin = b.op('Add', [softplus(b, b.op('Sub', [base, spread])), b.scalar(MIN_SLOPE)]);
        const fMax = b.op('Add', [softplus(b, b.op('Add', [base, spread])), b.scalar(MIN_SLOPE)]);
        const r = b.op('Sub', [z, beta]);
        const q1 = b.op('Div', [r, fMin]);
        const q2 = b.op('Div', [r, fMax]);
        return bisect(b, b.op('Min', [q1, q2]), b.op('Max', [q1, q2]), (body, mid) => body.op('Less', [value(body, mid, integrand(body, mid)), z]));
      },
    };
  });
}

/** Clenshaw–Curtis nodes `s_j = (1 − cos(jπ/N))/2` and weights on [0, 1] for N (even) intervals, as `UmnnTransformer`'s. */
function clenshawCurtis(N: number): [number[], number[]] {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let j = 0; j <= N; j++) {
    nodes.push((1 - Math.cos((j * Math.PI) / N)) / 2);
    let sum = 0;
    for (let k = 1; k <= N / 2; k++) sum += ((k === N / 2 ? 1 : 2) * Math.cos((2 * k * j * Math.PI) / N)) / (4 * k * k - 1);
    weights.push((((j === 0 || j === N ? 1 : 2) / N) * (1 - sum)) / 2);
  }
  return [nodes, weights];
}

/**
 * Bernstein, on `[−B, B]` `z = Σ_k θ_k C(M, k) t^k (1 − t)^{M−k}` (`t = (x + B)/2B`, `θ` the cumulated positive steps),
 * linear outside with the end slopes. Inverse: the tails in closed form, the polynomial by bisection on `[−B, B]`.
 */
export function bernsteinTransformer(t: BernsteinTransformer): OnnxTransformer {
  const M = t.degree;
  const B = t.bound;
  const step = (2 * B) / M;
  const minStep = 1e-3 * step;
  const stepShift = Math.log(Math.expm1(step - minStep));
  const binomials = (n: number) => {
    const row = [1];
    for (let k = 1; k <= n; k++) row.push((row[k - 1] * (n - k + 1)) / k);
    return row;
  };
  return monotone(t.paramsPerFeature, (g, p) => {
    const first = g.op('Add', [sliceAxis(g, p, 2, 0, 1), g.scalar(-B)]);
    const delta = g.op('Add', [softplus(g, g.op('Add', [sliceAxis(g, p, 2, 1, M + 1), g.scalar(stepShift)])), g.scalar(minStep)], {}, 'bernstein_delta');
    const theta = g.op('CumSum', [g.op('Concat', [first, delta], { axis: 2 }), g.ints([2], [])], {}, 'bernstein_theta');
    const theta0 = squeeze2(g, first);
    const thetaM = squeeze2(g, sliceAxis(g, theta, 2, M, M + 1));
    const slope0 = g.op('Mul', [squeeze2(g, sliceAxis(g, delta, 2, 0, 1)), g.scalar(M / (2 * B))], {}, 'slope_low');
    const slopeM = g.op('Mul', [squeeze2(g, sliceAxis(g, delta, 2, M - 1, M)), g.scalar(M / (2 * B))], {}, 'slope_high');
    /** `Σ_k c_k C(n, k) t^k (1 − t)^{n−k}` over the last axis of `coefficients [n, F, n + 1]`. */
    const polynomial = (b: OnnxGraph, x: Value, n: number, coefficients: Value): Value => {
      const tt = unsqueeze2(b, b.op('Div', [b.op('Add', [x, b.scalar(B)]), b.scalar(2 * B)]));
      const k = Array.from({ length: n + 1 }, (_, j) => j);
      const basis = b.op('Mul', [b.op('Mul', [b.op('Pow', [tt, b.constant(k, [n + 1], 'powers')]),
        b.op('Pow', [b.op('Sub', [b.scalar(1), tt]), b.constant(k.map((j) => n - j), [n + 1], 'powers')])]), b.constant(binomials(n), [n + 1], 'binomials')]);
      return sumAxis(b, b.op('Mul', [basis, coefficients]), 2);
    };
    return {
      evaluate(b, x) {
        const low = b.op('Less', [x, b.scalar(-B)]);
        const high = b.op('Greater', [x, b.scalar(B)]);
        const inside = polynomial(b, x, M, theta);
        const derivative = b.op('Mul', [polynomial(b, x, M - 1, delta), b.scalar(M / (2 * B))]);
        const zLow = b.op('Add', [theta0, b.op('Mul', [slope0, b.op('Add', [x, b.scalar(B)])])]);
        const zHigh = b.op('Add', [thetaM, b.op('Mul', [slopeM, b.op('Sub', [x, b.scalar(B)])])]);
        return {
          z: b.op('Where', [low, zLow, b.op('Where', [high, zHigh, inside])], {}, 'bernstein_z'),
          logDerivative: b.op('Log', [b.op('Where', [low, slope0, b.op('Where', [high, slopeM, derivative])])], {}, 'bernstein_log_derivative'),
        };
      },
      solve(b, z) {
        const like = b.op('Mul', [z, b.scalar(0)]);
        const root = bisect(b, b.op('Add', [like, b.scalar(-B)]), b.op('Add', [like, b.scalar(B)]),
          (body, mid) => body.op('Less', [polynomial(body, mid, M, theta), z]));
        const xLow = b.op('Sub', [b.op('Div', [b.op('Sub', [z, theta0]), slope0]), b.scalar(B)]);
        const xHigh = b.op('Add', [b.op('Div', [b.op('Sub', [z, thetaM]), slopeM]), b.scalar(B)]);
        return b.op('Where', [b.op('Less', [z, theta0]), xLow, b.op('Where', [b.op('Greater', [z, thetaM]), xHigh, root])], {}, 'bernstein_root');
      },
    };
  });
}
