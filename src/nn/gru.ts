import { allocate, type FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import {
  checkTruncation, denseGemm, denseGemmBackward, GatedRecurrentLayer, type PackedSteps, type RecurrentLayerOptions,
  type RecurrentState, type RecurrentTrainOptions, type RecurrentTrainPass,
} from './recurrent-encoder.ts';

/** Options of `new Gru(options)`. */
export type GruOptions = RecurrentLayerOptions;

/**
 * A one-layer GRU (Cho et al. 2014), PyTorch's `nn.GRU` cell with its gate order (r, z, n) and tensor layout:
 * `a = W_ih x_t + b_ih`, `b = W_hh h_t + b_hh` (`[batch, 3H]` each), `r = σ(a_r + b_r)`, `z = σ(a_z + b_z)`,
 * `n = tanh(a_n + r ⊙ b_n)`, `h_{t+1} = (1 − z) ⊙ n + z ⊙ h_t`, from `h_0 = 0`. The gate products run on the
 * backend's GEMMs, the nonlinearities on its activation kernel; `forwardTrain` runs the packed batch and its
 * backward is (optionally truncated) backpropagation through time.
 *
 * @example
 * import { Gru, Rng } from 'maflow';
 * const gru = new Gru({ inputFeatures: 2, units: 3, rng: new Rng(0) });
 * const state = gru.initialState(1);
 * gru.step(1, new Float32Array([0.5, -1]), state);   // h_1
 * console.log(state.h.length, state.c); // → 3 null
 */
export class Gru extends GatedRecurrentLayer {
  constructor(options: GruOptions) {
    super('Gru', 3, options);
  }

  override initialState(batch: number): RecurrentState {
    return { h: allocate(this.dtype, batch * this.units), c: null };
  }

  override step(batch: number, x: FloatArray, state: RecurrentState): void {
    const G = 3 * this.units;
    this.cell(batch, x, state.h, this.scratch.get('step.a', this.dtype, batch * G), this.scratch.get('step.b', this.dtype, batch * G), state.h);
  }

  override forwardTrain(layout: PackedSteps, x: FloatArray, options: RecurrentTrainOptions = {}): RecurrentTrainPass {
    const truncation = checkTruncation('Gru.forwardTrain', options.truncation);
    const { steps, batchSizes, offsets } = layout;
    const H = this.units;
    const F = this.inputFeatures;
    const G = 3 * H;
    const total = offsets[steps];
    const hidden = this.scratch.get('train.h', this.dtype, total * H);
    const gatesIn = this.scratch.get('train.a', this.dtype, total * G);
    const gatesHidden = this.scratch.get('train.b', this.dtype, total * G);
    hidden.fill(0, 0, batchSizes[0] * H);
    for (let t = 0; t + 1 < steps; t++) {
      const m = batchSizes[t + 1];
      const src = offsets[t];
      const dst = offsets[t + 1];
      this.cell(m, x.subarray(src * F, (src + m) * F), hidden.subarray(src * H, (src + m) * H),
        gatesIn.subarray(dst * G, (dst + m) * G), gatesHidden.subarray(dst * G, (dst + m) * G), hidden.subarray(dst * H, (dst + m) * H));
    }
    return { hidden, backward: (dHidden) => this.backward(layout, x, hidden, gatesIn, gatesHidden, dHidden, truncation) };
  }

  /**
   * One step for `m` rows into `hOut` (which may alias `hPrev`). Afterwards `a` holds the activated (r, z, n) and `b`
   * the hidden products `W_hh h + b_hh` (its n block is needed by the backward pass).
   */
  private cell(m: number, x: FloatArray, hPrev: FloatArray, a: FloatArray, b: FloatArray, hOut: FloatArray): void {
    const H = this.units;
    const G = 3 * H;
    const { weightIh, weightHh, biasIh, biasHh } = this.weights;
    const k = kernels();
    denseGemm(m, this.inputFeatures, G, x, weightIh.value, biasIh.value, a, false);
    denseGemm(m, H, G, hPrev, weightHh.value, biasHh.value, b, false);
    for (let row = 0; row < m; row++) for (let c = row * G, end = row * G + 2 * H; c < end; c++) a[c] += b[c];
    k.activation({ activation: 'sigmoid', rows: m, cols: G, colStart: 0, colEnd: 2 * H, x: a, out: a });
    for (let row = 0; row < m; row++) for (let c = row * G + 2 * H, end = (row + 1) * G; c < end; c++) a[c] += a[c - 2 * H] * b[c];
    k.activation({ activation: 'tanh', rows: m, cols: G, colStart: 2 * H, colEnd: G, x: a, out: a });
    for (let row = 0; row < m; row++) {
      const g0 = row * G;
      for (let j = 0; j < H; j++) {
        const z = a[g0 + H + j];
        hOut[row * H + j] = (1 - z) * a[g0 + 2 * H + j] + z * hPrev[row * H + j];
      }
    }
  }

  private backward(layout: PackedSteps, x: FloatArray, hidden: FloatArray, gatesIn: FloatArray, gatesHidden: FloatArray,
    dHidden: FloatArray, truncation: number): FloatArray {
    const { steps, batchSizes, offsets } = layout;
    const H = this.units;
    const F = this.inputFeatures;
    const G = 3 * H;
    const total = offsets[steps];
    const dH = this.scratch.get('back.dh', this.dtype, total * H);
    dH.set(dHidden.subarray(0, total * H));
    const dX = this.scratch.get('back.dx', this.dtype, total * F).fill(0);
    const dA = this.scratch.get('back.da', this.dtype, (batchSizes[0] ?? 0) * G);
    const dB = this.scratch.get('back.db', this.dtype, (batchSizes[0] ?? 0) * G);
    const { weightIh, weightHh, biasIh, biasHh } = this.weights;
    for (let t = steps - 2; t >= 0; t--) {
      const m = batchSizes[t + 1];
      const src = offsets[t];
      const dst = offsets[t + 1];
      const propagate = t > 0 && t % truncation !== 0;
      for (let row = 0; row < m; row++) {
        const g0 = (dst + row) * G;
        const d0 = row * G;
        for (let j = 0; j < H; j++) {
          const r = gatesIn[g0 + j];
          const z = gatesIn[g0 + H + j];
          const n = gatesIn[g0 + 2 * H + j];
          const bn = gatesHidden[g0 + 2 * H + j];
          const hp = hidden[(src + row) * H + j];
          const dh = dH[(dst + row) * H + j];
          const dn = dh * (1 - z) * (1 - n * n);
          const dr = dn * bn * r * (1 - r);
          const dz = dh * (hp - n) * z * (1 - z);
          dA[d0 + j] = dr;
          dA[d0 + H + j] = dz;
          dA[d0 + 2 * H + j] = dn;
          dB[d0 + j] = dr;
          dB[d0 + H + j] = dz;
          dB[d0 + 2 * H + j] = dn * r;
          if (propagate) dH[(src + row) * H + j] += dh * z;
        }
      }
      denseGemmBackward(m, F, G, dA.subarray(0, m * G), x.subarray(src * F, (src + m) * F), weightIh, biasIh,
        dX.subarray(src * F, (src + m) * F));
      denseGemmBackward(m, H, G, dB.subarray(0, m * G), hidden.subarray(src * H, (src + m) * H), weightHh, biasHh,
        propagate ? dH.subarray(src * H, (src + m) * H) : null);
    }
    return dX;
  }
}
