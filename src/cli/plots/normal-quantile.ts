// Coefficients of Wichura's rational approximations (AS241, PPND16): |p - 0.5| ≤ 0.425, r ≤ 5, and r > 5.
const CENTRAL_NUM = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const CENTRAL_DEN = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
  39307.89580009271061, 28729.085735721942674, 5226.495278852545925];
const NEAR_NUM = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const NEAR_DEN = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
  0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
const TAIL_NUM = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const TAIL_DEN = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

/** Evaluates `c[0] + c[1]·x + … + c[7]·x⁷` by Horner's rule. */
function polynomial(c: readonly number[], x: number): number {
  let sum = 0;
  for (let i = c.length - 1; i >= 0; i--) sum = sum * x + c[i];
  return sum;
}

/**
 * The standard normal quantile function Φ⁻¹(p): the `z` with `P(Z ≤ z) = p` for `Z ~ N(0, 1)`.
 *
 * Wichura's algorithm AS241 (PPND16), accurate to about 1e-16 relative error over `0 < p < 1`. Returns `-Infinity`
 * and `Infinity` at `p = 0` and `p = 1`.
 *
 * Reference: M. J. Wichura (1988), "Algorithm AS 241: The percentage points of the normal distribution",
 * Applied Statistics 37(3), 477–484.
 *
 * @example
 * import { normalQuantile } from './normal-quantile.ts';
 * console.log(normalQuantile(0.975), normalQuantile(0.5)); // → 1.9599639845400536 0 (Φ⁻¹(0.975) = 1.95996398454005423…)
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`normalQuantile: p must lie in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(CENTRAL_NUM, r)) / polynomial(CENTRAL_DEN, r);
  }
  // Tails: work with r = sqrt(-log(min(p, 1 - p))) and restore the sign at the end.
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = polynomial(NEAR_NUM, r) / polynomial(NEAR_DEN, r);
  } else {
    r -= 5;
    z = polynomial(TAIL_NUM, r) / polynomial(TAIL_DEN, r);
  }
  return q < 0 ? -z : z;
}
