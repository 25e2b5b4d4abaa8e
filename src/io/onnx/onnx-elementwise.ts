/**
 * maflow's parameter-free elementwise bijectors (`Sigmoid`, `Tanh`, `Exp`, `Softplus`, `Bounds`) as ONNX, computed in
 * float64 as maflow computes them (a logit near a bound keeps its digits): per column `x = shift + scale · f(u)`,
 * the columns grouped by their map. Data → base outside a column's open support gives 0 with log-determinant −∞ (a
 * log-density of −∞, as in maflow); base → data keeps every float32 output strictly inside the support.
 */
import type { Direction } from '../../bijectors/bijector.ts';
import type { ElementwiseBijector } from '../../bijectors/elementwise-bijector.ts';
import type { ScalarBijectionName } from '../../bijectors/scalar-bijections.ts';
import { nextFloat } from '../../core/next-float.ts';
import type { LogDet, OnnxPass } from './onnx-bijectors.ts';
import type { OnnxGraph, Value } from './onnx-graph.ts';
import { gatherColumns, sumAxis } from './onnx-ops.ts';

/** `f(u)`, `f⁻¹(t)` and `log f'(u)` of a scalar bijection, on float64 values. */
interface ScalarOps {
  forward(g: OnnxGraph, u: Value): Value;
  inverse(g: OnnxGraph, t: Value): Value;
  logDerivative(g: OnnxGraph, u: Value): Value;
}

/** `b` in `direction` (columns with no map pass through). */
export function elementwisePass(g: OnnxGraph, b: ElementwiseBijector, direction: Direction, input: Value): OnnxPass {
  const byMap = new Map<ScalarBijectionName | null, number[]>();
  b.columns.forEach((c, d) => byMap.set(c.map, [...(byMap.get(c.map) ?? []), d]));
  const parts: Value[] = [];
  const order: number[] = [];
  let logDet: LogDet = { value: null, constant: 0 };
  for (const [map, columns] of byMap) {
    const part = gatherColumns(g, input, columns);
    order.push(...columns);
    if (map === null) {
      parts.push(part);
      continue;
    }
    const shift = columns.map((d) => b.columns[d].shift ?? 0);
    const scale = columns.map((d) => b.columns[d].scale ?? 1);
    const pass = mapped(g, SCALAR[map], direction, part, shift, scale, columns.map((d) => b.support(d)));
    parts.push(pass.output);
    const logScales = scale.reduce((s, v) => s + Math.log(Math.abs(v)), 0);
    logDet = {
      value: logDet.value === null ? pass.logDet : g.op('Add', [logDet.value, pass.logDet]),
      constant: logDet.constant + (direction === 'forward' ? logScales : -logScales),
    };
  }
  const joined = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 1 });
  const inverse = new Array<number>(order.length);
  order.forEach((d, k) => { inverse[d] = k; });
  const identityOrder = order.every((d, k) => d === k);
  return { output: identityOrder ? joined : gatherColumns(g, joined, inverse), logDet };
}

/** One group of columns with the same map: output `[n, k]` (float32) and `Σ log f'` per row (compute type; log|scale| aside). */
function mapped(g: OnnxGraph, f: ScalarOps, direction: Direction, part: Value, shift: number[], scale: number[],
  support: Array<[number, number]>): { output: Value; logDet: Value } {
  const k = shift.length;
  const v = g.op('Cast', [part], { to: 11 });
  const shifts = g.doubles(shift, [k], 'shift');
  const scales = g.doubles(scale, [k], 'scale');
  let output: Value;
  let logDerivative: Value;
  if (direction === 'forward') {
    logDerivative = f.logDerivative(g, v);
    const x = g.op('Cast', [g.op('Add', [g.op('Mul', [f.forward(g, v), scales]), shifts])], { to: 1 });
    // Strictly inside the support in float32, as maflow keeps its forward values.
    const low = g.floats(support.map(([a]) => (a === -Infinity ? -Infinity : nextFloat(a, 1, 'float32'))), [k], 'low_inside');
    const high = g.floats(support.map(([, b]) => (b === Infinity ? Infinity : nextFloat(b, -1, 'float32'))), [k], 'high_inside');
    output = g.op('Min', [g.op('Max', [x, low]), high]);
  } else {
    const inside = g.op('And', [g.op('Greater', [v, g.doubles(support.map(([a]) => a), [k], 'low')]),
      g.op('Less', [v, g.doubles(support.map(([, b]) => b), [k], 'high')])]);
    const u = f.inverse(g, g.op('Div', [g.op('Sub', [v, shifts]), scales]));
    output = g.op('Cast', [g.op('Where', [inside, u, g.double(0)])], { to: 1 });
    logDerivative = g.op('Where', [inside, g.op('Neg', [f.logDerivative(g, u)]), g.double(-Infinity)]);
  }
  const sum = sumAxis(g, logDerivative);
  return { output, logDet: g.compute === 'float64' ? sum : g.op('Cast', [sum], { to: 1 }) };
}

const one = (g: OnnxGraph) => g.double(1);

/** `log(1 + e^v) = max(v, 0) + log(1 + e^{−|v|})`, without overflow. */
function softplus(g: OnnxGraph, v: Value): Value {
  const tail = g.op('Log', [g.op('Add', [one(g), g.op('Exp', [g.op('Neg', [g.op('Abs', [v])])])])]);
  return g.op('Add', [g.op('Max', [v, g.double(0)]), tail], {}, 'softplus');
}

const SCALAR: Record<ScalarBijectionName, ScalarOps> = {
  sigmoid: {
    forward: (g, u) => g.op('Div', [one(g), g.op('Add', [one(g), g.op('Exp', [g.op('Neg', [u])])])]),
    inverse: (g, t) => g.op('Sub', [g.op('Log', [t]), g.op('Log', [g.op('Sub', [one(g), t])])]),
    logDerivative: (g, u) => g.op('Neg', [g.op('Add', [softplus(g, u), softplus(g, g.op('Neg', [u]))])]),
  },
  tanh: {
    forward: (g, u) => g.op('Sub', [one(g), g.op('Div', [g.double(2), g.op('Add', [g.op('Exp', [g.op('Add', [u, u])]), one(g)])])]),
    inverse: (g, t) => g.op('Mul', [g.op('Sub', [g.op('Log', [g.op('Add', [one(g), t])]), g.op('Log', [g.op('Sub', [one(g), t])])]), g.double(0.5)]),
    logDerivative: (g, u) => {
      const a = g.op('Abs', [u]);
      const inner = g.op('Add', [a, softplus(g, g.op('Mul', [a, g.double(-2)]))]);
      return g.op('Mul', [g.op('Sub', [g.double(Math.LN2), inner]), g.double(2)]);
    },
  },
  exp: {
    forward: (g, u) => g.op('Exp', [u]),
    inverse: (g, t) => g.op('Log', [t]),
    logDerivative: (_g, u) => u,
  },
  softplus: {
    forward: softplus,
    // log(e^t − 1) = t + log(1 − e^−t): the second form above 20, where e^t loses the −1 (maflow's switch).
    inverse: (g, t) => g.op('Where', [g.op('Greater', [t, g.double(20)]),
      g.op('Add', [t, g.op('Log', [g.op('Sub', [one(g), g.op('Exp', [g.op('Neg', [t])])])])]),
      g.op('Log', [g.op('Sub', [g.op('Exp', [t]), one(g)])])]),
    logDerivative: (g, u) => g.op('Neg', [softplus(g, g.op('Neg', [u]))]),
  },
};
