import type { FloatArray } from '../core/matrix.ts';
import { kernels } from '../kernels/backend.ts';
import type { NamedParameters } from '../nn/parameter.ts';
import type { StepAverage } from './optimizer.ts';
import { ParameterList } from './parameter-list.ts';
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
 * values back. The average's update is part of the optimiser's own pass (`stepTarget`), and putting the average into
 * the parameters one kernel call (`axpby`), both over the live entries of staircase-masked weights only: a masked
 * entry's sum stays 0 and its value is left as it is (NaN there never reaches the average).
 */
export class WeightAverage {
  private readonly list: ParameterList;
  private readonly sums: FloatArray[];
  private readonly live: FloatArray[];
  private weight = 0;
  private averaged = false;

  constructor(private readonly parameters: NamedParameters, private readonly decay: number) {
    this.list = new ParameterList(parameters.map(([, p]) => p));
    this.sums = this.list.slot();
    this.live = parameters.map(([, p]) => p.value.slice());
  }

  /**
   * The sums for the optimiser's step to update in its own pass (`StepOptions.average`:
   * `sum ← decay · sum + (1 − decay) · θ` after the step, on the training values), counting that update.
   */
  stepTarget(): StepAverage {
    this.weight = this.decay * this.weight + (1 - this.decay);
    return { sums: this.sums, decay: this.decay };
  }

  /** Puts the average into the parameters, keeping the training values aside (no-op before the first update). */
  useAverage(): void {
    if (this.averaged || this.weight === 0) return;
    this.parameters.forEach(([, p], i) => this.live[i].set(p.value));
    this.combine(0, 1 / this.weight, this.sums, this.list.values);
    this.averaged = true;
  }

  /** `y ← alpha · y + beta · x` on the live entries of every parameter's tensor. */
  private combine(alpha: number, beta: number, x: readonly FloatArray[], y: readonly FloatArray[]): void {
    const k = kernels();
    for (const group of this.list.groups) {
      k.axpby({ layout: group.layout, alpha, beta, x: this.list.pick(group, x), y: this.list.pick(group, y) });
    }
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
