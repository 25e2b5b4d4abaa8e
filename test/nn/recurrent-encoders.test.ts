/**
 * The recurrent context encoders (LSTM, GRU): BPTT against finite differences (parameters and inputs), the packed
 * pass against an independent cell written here from PyTorch's equations, the step-by-step pass against the packed
 * one, and the truncation's cut of the gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { Gru } from '../../src/nn/gru.ts';
import { Lstm } from '../../src/nn/lstm.ts';
import { parametersOf, zeroGrad } from '../../src/nn/parameter.ts';
import { packSteps, type PackedSteps, type RecurrentEncoder } from '../../src/nn/recurrent-encoder.ts';
import { gradientCheck, maxAbsDiff, paramTargets } from '../helpers/numeric.ts';
import { referenceCell } from '../helpers/recurrent-reference.ts';

const kinds: Array<[string, (rng: Rng) => RecurrentEncoder]> = [
  ['Lstm', (rng) => new Lstm({ inputFeatures: 3, units: 4, dtype: 'float64', rng })],
  ['Gru', (rng) => new Gru({ inputFeatures: 3, units: 4, dtype: 'float64', rng })],
];

/** Packed random inputs for sequences of the given (decreasing) lengths. */
function packedInput(lengths: number[], F: number, rng: Rng): { layout: PackedSteps; x: Float64Array } {
  const layout = packSteps(Int32Array.from(lengths));
  const x = rng.fillNormal(new Float64Array(layout.offsets[layout.steps] * F));
  return { layout, x };
}

for (const [name, make] of kinds) {
  test(`${name}: the packed pass equals the reference cell run per sequence, and step() agrees`, () => {
    const rng = new Rng(1);
    const encoder = make(rng);
    const H = encoder.units;
    const F = encoder.inputFeatures;
    const lengths = [5, 3, 3, 1];
    const { layout, x } = packedInput(lengths, F, rng);
    const { hidden } = encoder.forwardTrain(layout, x);
    let worst = 0;
    lengths.forEach((length, i) => {
      let h = new Array(H).fill(0);
      let c = new Array(H).fill(0);
      const state = encoder.initialState(1);
      for (let t = 0; t < length; t++) {
        const row = layout.offsets[t] + i;
        worst = Math.max(worst, maxAbsDiff(hidden.subarray(row * H, (row + 1) * H), h));
        worst = Math.max(worst, maxAbsDiff(state.h, h));
        const xt = Array.from(x.subarray(row * F, (row + 1) * F));
        [h, c] = referenceCell(encoder, xt, h, c);
        encoder.step(1, Float64Array.from(xt), state);
      }
    });
    assert.ok(worst < 1e-12, `worst difference ${worst}`);
  });

  test(`${name}: backpropagation through time matches finite differences (parameters and inputs)`, () => {
    const rng = new Rng(2);
    const encoder = make(rng);
    const { layout, x } = packedInput([6, 4, 2], encoder.inputFeatures, rng);
    const total = layout.offsets[layout.steps];
    const weights = rng.fillNormal(new Float64Array(total * encoder.units));
    const loss = () => {
      const { hidden } = encoder.forwardTrain(layout, x);
      let s = 0;
      for (let k = 0; k < hidden.length; k++) s += weights[k] * Math.sin(hidden[k]);
      return s;
    };
    const dX = new Float64Array(x.length);
    const analytic = () => {
      zeroGrad(encoder);
      const pass = encoder.forwardTrain(layout, x);
      const dHidden = pass.hidden.map((h, k) => weights[k] * Math.cos(h));
      dX.set(pass.backward(dHidden));
    };
    const worst = gradientCheck(loss, analytic, [...paramTargets(parametersOf(encoder)), { value: x, grad: dX }], rng, 20);
    assert.ok(worst < 1e-6, `worst relative error ${worst}`);
  });

  test(`${name}: truncation K stops the gradient at the states h_t with t a multiple of K; K ≥ T is full BPTT`, () => {
    const rng = new Rng(3);
    const encoder = make(rng);
    const F = encoder.inputFeatures;
    const H = encoder.units;
    const { layout, x } = packedInput([8], F, rng);
    const s = 7; // the loss reads h_7 only
    const gradientOfInputs = (truncation: number) => {
      zeroGrad(encoder);
      const pass = encoder.forwardTrain(layout, x, { truncation });
      const dHidden = new Float64Array(pass.hidden.length);
      dHidden.fill(1, s * H, (s + 1) * H);
      return pass.backward(dHidden).slice();
    };
    const full = gradientOfInputs(Infinity);
    assert.ok(maxAbsDiff(gradientOfInputs(8), full) === 0);
    const K = 3;
    const cut = gradientOfInputs(K);
    for (let t = 0; t < 8; t++) {
      const reached = t < s && !Array.from({ length: s - 1 - t }, (_, k) => t + 1 + k).some((b) => b % K === 0);
      const part = cut.subarray(t * F, (t + 1) * F);
      if (reached) assert.ok(maxAbsDiff(part, full.subarray(t * F, (t + 1) * F)) < 1e-12, `step ${t} keeps its full gradient`);
      else assert.ok(part.every((v) => v === 0), `step ${t} gets no gradient with K = ${K}`);
    }
    assert.throws(() => encoder.forwardTrain(layout, x, { truncation: 0 }), /truncation must be a positive integer or Infinity, got 0/);
  });
}
