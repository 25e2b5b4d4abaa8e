import { allocate, type FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import {
  checkTruncation, denseGemm, denseGemmBackward, GatedRecurrentLayer, type PackedSteps, type RecurrentLayerOptions,
  type RecurrentState, type RecurrentTrainOptions, type RecurrentTrainPass,
} from './recurrent-encoder.ts';

/** Options of `new Lstm(options)`. */
export type LstmOptions = RecurrentLayerOptions;

/**
 * A one-layer LSTM (Hochreiter & Schmidhuber 1997), PyTorch's `nn.LSTM` cell with its gate order (i, f, g, o) and
 * tensor layout: `a = W_ih x_t + b_ih + W_hh h_t + b_hh` `[batch, 4H]`, `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_g)`,
 * `o = σ(a_o)`, `c_{t+1} = f ⊙ c_t + i ⊙ g`, `h_{t+1} = o ⊙ tanh(c_{t+1})`, from `h_0 = c_0 = 0`. The gate products
 * run on the backend's GEMMs and the gate nonlinearities on its activation kernel, one call per gate block and step;
 * `forwardTrain` runs the
 * packed batch (see `PackedSteps`) and its backward is backpropagation through time (optionally truncated).
 *
 * @example
 * import { Lstm, Rng } from 'maflow';
 * const lstm = new Lstm({ inputFeatures: 2, units: 3, rng: new Rng(0) });
 * const state = lstm.initialState(1);
 * lstm.step(1, new Float32Array([0.5, -1]), state);   // h_1, c_1
 * console.log(state.h.length, lstm.namedParameters().map(([name]) => name)); // → 3 [ 'weightIh', 'weightHh', 'biasIh', 'biasHh' ]
 */
export class Lstm extends GatedRecurrentLayer {
  constructor(options: LstmOptions) {
    super('Lstm', 4, options);
  }

  override initialState(batch: number): RecurrentState {
    return { h: allocate(this.dtype, batch * this.units), c: allocate(this.dtype, batch * this.units) };
  }

  override step(batch: number, x: FloatArray, state: RecurrentState): void {
    if (state.c === null) throw new Error('Lstm.step: an LSTM state needs its cell values c');
    const gates = this.scratch.get('step.gates', this.dtype, batch * 4 * this.units);
    const tanhC = this.scratch.get('step.tanhC', this.dtype, batch * this.units);
    this.cell(batch, x, state.h, state.c, gates, state.h, state.c, tanhC, this.biasSum());
  }

  override forwardTrain(layout: PackedSteps, x: FloatArray, options: RecurrentTrainOptions = {}): RecurrentTrainPass {
    const truncation = checkTruncation('Lstm.forwardTrain', options.truncation);
    const { steps, batchSizes, offsets } = layout;
    const H = this.units;
    const F = this.inputFeatures;
    const G = 4 * H;
    const total = offsets[steps];
    const hidden = this.scratch.get('train.h', this.dtype, total * H);
    const cell = this.scratch.get('train.c', this.dtype, total * H);
    const gates = this.scratch.get('train.gates', this.dtype, total * G);
    const tanhC = this.scratch.get('train.tanhC', this.dtype, total * H);
    hidden.fill(0, 0, batchSizes[0] * H);
    cell.fill(0, 0, batchSizes[0] * H);
    const bias = this.biasSum();
    for (let t = 0; t + 1 < steps; t++) {
      const m = batchSizes[t + 1];
      const src = offsets[t];
      const dst = offsets[t + 1];
      this.cell(m, x.subarray(src * F, (src + m) * F), hidden.subarray(src * H, (src + m) * H), cell.subarray(src * H, (src + m) * H),
        gates.subarray(dst * G, (dst + m) * G), hidden.subarray(dst * H, (dst + m) * H), cell.subarray(dst * H, (dst + m) * H),
        tanhC.subarray(dst * H, (dst + m) * H), bias);
    }
    return {
      hidden,
      backward: (dHidden) => this.backward(layout, x, hidden, cell, gates, tanhC, dHidden, truncation),
    };
  }

  /**
   * One step for `m` rows: gates from `x [m, F]` and `hPrev [m, H]` on the GEMMs, the gate nonlinearities on the
   * backend's activation kernel (σ over the i, f and o blocks, tanh over g), then the cell update into `hOut`, `cOut`
   * (which may alias `hPrev`, `cPrev`: the GEMMs have read `hPrev` before anything is written). `gates` keeps the
   * activated (i, f, g, o) and `tanhC` the `tanh(c_{t+1})` for the backward pass.
   */
  private cell(m: number, x: FloatArray, hPrev: FloatArray, cPrev: FloatArray, gates: FloatArray, hOut: FloatArray,
    cOut: FloatArray, tanhC: FloatArray, bias: FloatArray): void {
    const H = this.units;
    const G = 4 * H;
    const k = kernels();
    denseGemm(m, this.inputFeatures, G, x, this.weights.weightIh.value, bias, gates, false);
    denseGemm(m, H, G, hPrev, this.weights.weightHh.value, null, gates, true);
    k.activation({ activation: 'sigmoid', rows: m, cols: G, colStart: 0, colEnd: 2 * H, x: gates, out: gates });
    k.activation({ activation: 'tanh', rows: m, cols: G, colStart: 2 * H, colEnd: 3 * H, x: gates, out: gates });
    k.activation({ activation: 'sigmoid', rows: m, cols: G, colStart: 3 * H, colEnd: G, x: gates, out: gates });
    for (let r = 0; r < m; r++) {
      const g0 = r * G;
      for (let j = 0; j < H; j++) cOut[r * H + j] = gates[g0 + H + j] * cPrev[r * H + j] + gates[g0 + j] * gates[g0 + 2 * H + j];
    }
    k.activation({ activation: 'tanh', rows: m, cols: H, x: cOut, out: tanhC });
    for (let r = 0; r < m; r++) {
      const g0 = r * G + 3 * H;
      for (let j = 0; j < H; j++) hOut[r * H + j] = gates[g0 + j] * tanhC[r * H + j];
    }
  }

  /** `b_ih + b_hh`, added once by the input GEMM. */
  private biasSum(): FloatArray {
    const { biasIh, biasHh } = this.weights;
    const sum = this.scratch.get('bias', this.dtype, biasIh.size);
    for (let k = 0; k < sum.length; k++) sum[k] = biasIh.value[k] + biasHh.value[k];
    return sum;
  }

  private backward(layout: PackedSteps, x: FloatArray, hidden: FloatArray, cell: FloatArray, gates: FloatArray,
    tanhC: FloatArray, dHidden: FloatArray, truncation: number): FloatArray {
    const { steps, batchSizes, offsets } = layout;
    const H = this.units;
    const F = this.inputFeatures;
    const G = 4 * H;
    const total = offsets[steps];
    const dH = this.scratch.get('back.dh', this.dtype, total * H);
    dH.set(dHidden.subarray(0, total * H));
    const dC = this.scratch.get('back.dc', this.dtype, total * H).fill(0);
    const dX = this.scratch.get('back.dx', this.dtype, total * F).fill(0);
    const dG = this.scratch.get('back.dg', this.dtype, (batchSizes[0] ?? 0) * G);
    const { weightIh, weightHh, biasIh, biasHh } = this.weights;
    for (let t = steps - 2; t >= 0; t--) {
      const m = batchSizes[t + 1];
      const src = offsets[t];
      const dst = offsets[t + 1];
      // h_t for t a multiple of the truncation length is a constant to the steps after it.
      const propagate = t > 0 && t % truncation !== 0;
      for (let r = 0; r < m; r++) {
        const g0 = (dst + r) * G;
        for (let j = 0; j < H; j++) {
          const i = gates[g0 + j];
          const f = gates[g0 + H + j];
          const g = gates[g0 + 2 * H + j];
          const o = gates[g0 + 3 * H + j];
          const tc = tanhC[(dst + r) * H + j];
          const dh = dH[(dst + r) * H + j];
          const dc = dC[(dst + r) * H + j] + dh * o * (1 - tc * tc);
          const d0 = r * G;
          dG[d0 + j] = dc * g * i * (1 - i);
          dG[d0 + H + j] = dc * cell[(src + r) * H + j] * f * (1 - f);
          dG[d0 + 2 * H + j] = dc * i * (1 - g * g);
          dG[d0 + 3 * H + j] = dh * tc * o * (1 - o);
          if (propagate) dC[(src + r) * H + j] += dc * f;
        }
      }
      const dGm = dG.subarray(0, m * G);
      denseGemmBackward(m, F, G, dGm, x.subarray(src * F, (src + m) * F), weightIh, biasIh, dX.subarray(src * F, (src + m) * F));
      denseGemmBackward(m, H, G, dGm, hidden.subarray(src * H, (src + m) * H), weightHh, biasHh,
        propagate ? dH.subarray(src * H, (src + m) * H) : null);
    }
    return dX;
  }
}
