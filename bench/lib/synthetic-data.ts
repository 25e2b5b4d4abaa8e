/**
 * The benchmark data of the PyTorch harness (`harness.make_data`): standard normals with a mild chain correlation,
 * `x_0 = e_0`, `x_d = e_d + ½ e_{d−1}`, all divided by `sqrt(1.25)`. Only its distribution matches the peer's (the
 * generators differ), which is all a timing needs.
 *
 * @example
 * const x = syntheticData(10_000, 6, 1);   // [10000, 6] float32
 */
import { zeros, type Matrix } from '../../src/core/matrix.ts';
import { Rng } from '../../src/core/rng.ts';

export function syntheticData(rows: number, features: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const noise = new Float64Array(rows * features);
  for (let k = 0; k < noise.length; k++) noise[k] = rng.normal();
  const out = zeros(rows, features, 'float32');
  const scale = 1 / Math.sqrt(1.25);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < features; d++) {
      const k = r * features + d;
      out.data[k] = (noise[k] + (d > 0 ? 0.5 * noise[k - 1] : 0)) * scale;
    }
  }
  return out;
}
