import type { FloatArray } from '../core/matrix.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import { restoreTensors, snapshotTensors } from './tensor-snapshot.ts';

/** A `WeightAverage`'s state: the unnormalised sums by parameter name and their total weight `1 − decay^t`. */
export interface WeightAverageState {
  sums: Record<string, FloatArray>;
  weight: number;
}

/**
 * The exponential moving average of a model's parameters over the optimiser steps, bias-corrected as Adam's moments
 * are: after t updates it is `Σ_s decay^(t−s) (1 − decay) θ_s / (1 − decay^t)`, a weighted mean of the visited
 * parameters only (the initial ones have weight 0, so a short run is not held back at its starting point).
 * `useAverage()` puts the average into the live parameters (to score or keep them) and `useLive()` puts the training
 * values back.
 */
export class WeightAverage {
  private readonly sums: FloatArray[];
  private readonly live: FloatArray[];
  private weight = 0;
  private averaged = false;

  constructor(private readonly parameters: NamedParameters, private readonly decay: number) {
    this.sums = parameters.map(([, p]) => new (p.value.constructor as new (n: number) => FloatArray)(p.value.length));
    this.live = parameters.map(([, p]) => p.value.slice());
  }

  /** `sum ← decay · sum + (1 − decay) · θ` after an optimiser step (on the training values). */
  update(): void {
    const d = this.decay;
    this.parameters.forEach(([, p], i) => {
      const sum = this.sums[i];
      const v = p.value;
      for (let j = 0; j < v.length; j++) sum[j] = d * sum[j] + (1 - d) * v[j];
    });
    this.weight = d * this.weight + (1 - d);
  }

  /** Puts the average into the parameters, keeping the training values aside (no-op before the first update). */
  useAverage(): void {
    if (this.averaged || this.weight === 0) return;
    this.parameters.forEach(([, p], i) => {
      this.live[i].set(p.value);
      const sum = this.sums[i];
      for (let j = 0; j < sum.length; j++) p.value[j] = sum[j] / this.weight;
    });
    this.averaged = true;
  }

  /** Puts the training values back after `useAverage()`. */
  useLive(): void {
    if (!this.averaged) return;
    this.parameters.forEach(([, p], i) => p.value.set(this.live[i]));
    this.averaged = false;
  }

  /** A deep copy of the state (for snapshots and checkpoints). */
  state(): WeightAverageState {
    return { sums: snapshotTensors(this.parameters.map(([n], i) => [n, this.sums[i]])), weight: this.weight };
  }

  /** Restores a state from `state()`; `undefined` (a checkpoint without one) starts the average afresh. */
  restore(where: string, state: WeightAverageState | undefined): void {
    if (state === undefined) {
      for (const sum of this.sums) sum.fill(0);
      this.weight = 0;
      return;
    }
    restoreTensors(where, this.parameters.map(([n], i) => [n, this.sums[i]]), state.sums);
    this.weight = state.weight;
  }
}
