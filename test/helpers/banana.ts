import { zeros, type Matrix } from '../../src/core/matrix.ts';
import type { Rng } from '../../src/core/rng.ts';

/** `n` rows of a 2-D banana: `a ~ N(0, 1)`, `b = a²/2 + N(0, 1/4)` (the training tests' small non-Gaussian data). */
export function banana(n: number, rng: Rng): Matrix {
  const m = zeros(n, 2);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    m.data[2 * i] = a;
    m.data[2 * i + 1] = 0.5 * a * a + 0.5 * rng.normal();
  }
  return m;
}
