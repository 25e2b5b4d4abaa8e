/** An independent recurrent cell for tests, written from PyTorch's LSTM and GRU equations (one row at a time). */
import { Gru } from '../../src/nn/gru.ts';
import { Lstm } from '../../src/nn/lstm.ts';
import type { RecurrentEncoder } from '../../src/nn/recurrent-encoder.ts';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** One step of the cell from PyTorch's equations, for one row: returns [h', c']. */
export function referenceCell(encoder: RecurrentEncoder, x: number[], h: number[], c: number[]): [number[], number[]] {
  const w = (encoder as Lstm | Gru).weights;
  const H = encoder.units;
  const F = encoder.inputFeatures;
  const lin = (W: Float64Array | Float32Array, b: Float64Array | Float32Array, v: number[], j: number, width: number) => {
    let s = b[j];
    for (let i = 0; i < width; i++) s += W[j * width + i] * v[i];
    return s;
  };
  const a = (j: number) => lin(w.weightIh.value, w.biasIh.value, x, j, F);
  const b = (j: number) => lin(w.weightHh.value, w.biasHh.value, h, j, H);
  if (encoder instanceof Lstm) {
    const hOut: number[] = [];
    const cOut: number[] = [];
    for (let j = 0; j < H; j++) {
      const i = sigmoid(a(j) + b(j));
      const f = sigmoid(a(H + j) + b(H + j));
      const g = Math.tanh(a(2 * H + j) + b(2 * H + j));
      const o = sigmoid(a(3 * H + j) + b(3 * H + j));
      cOut.push(f * c[j] + i * g);
      hOut.push(o * Math.tanh(cOut[j]));
    }
    return [hOut, cOut];
  }
  const hOut: number[] = [];
  for (let j = 0; j < H; j++) {
    const r = sigmoid(a(j) + b(j));
    const z = sigmoid(a(H + j) + b(H + j));
    const n = Math.tanh(a(2 * H + j) + r * b(2 * H + j));
    hOut.push((1 - z) * n + z * h[j]);
  }
  return [hOut, c];
}

