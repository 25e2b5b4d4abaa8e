import type { FloatArray } from '../core/matrix.ts';
import type { NamedParameters } from '../nn/parameter.ts';

/** Everything an optimiser needs to continue exactly where it stopped. */
export interface OptimizerState {
  /** Which optimiser wrote the state (`'adam'`, `'sgd'`). */
  type: string;
  /** Number of updates taken so far. */
  step: number;
  /**
   * Per-parameter slot tensors named `<slot>.<parameter name>` (e.g. `m.bijector.bijectors.0.made.output.weight`),
   * copies of the optimiser's buffers.
   */
  tensors: Record<string, FloatArray>;
}

/** A moving average of the parameters that an update keeps in its own pass (`StepOptions.average`). */
export interface StepAverage {
  /** One array per parameter (the optimiser's order), updated as `sums[i] ← decay · sums[i] + (1 − decay) · θ_i`. */
  readonly sums: readonly FloatArray[];
  /** In [0, 1). */
  readonly decay: number;
}

/**
 * What `Optimizer.step` can do in its own pass over the parameters, each of which would otherwise be a pass of its
 * own: reading the gradients scaled (clipping by a norm taken before the step), summing their squares (the norm
 * after it), updating a moving average of the parameters.
 */
export interface StepOptions {
  /** The gradients are read multiplied by this (and left as they are). @default 1 */
  gradScale?: number;
  /** Sum the squares of the gradients as given (before `gradScale`): `step` returns the sum. @default false */
  gradSquares?: boolean;
  /** The moving average to update after the step, on live entries only. */
  average?: StepAverage;
}

/**
 * The optimiser contract: an optimiser owns a named list of parameters and, on `step()`, moves each value against
 * its accumulated gradient (`Parameter.grad`). Its whole state (moments, step counter) can be captured with `state()`
 * and restored with `setState()`, so that a resumed training run continues bit for bit.
 */
export interface Optimizer {
  /** The parameters this optimiser updates, by name. */
  readonly parameters: NamedParameters;
  /** The learning rate of the next `step()` (schedules set it before every step). */
  learningRate: number;
  /** Number of updates taken so far. */
  readonly stepCount: number;
  /**
   * Applies one update from the parameters' current gradients (which it leaves untouched), with `options`' work in
   * the same pass. Returns the gradients' sum of squares with `gradSquares`, else NaN.
   */
  step(options?: StepOptions): number;
  /** A deep copy of the optimiser's state. */
  state(): OptimizerState;
  /** Restores a state captured by `state()` of an optimiser of the same type over the same parameters. */
  setState(state: OptimizerState): void;
}

/** Copies each slot buffer into a `<slot>.<name>` record. */
export function captureSlots(parameters: NamedParameters, slots: Record<string, readonly FloatArray[]>): Record<string, FloatArray> {
  const out: Record<string, FloatArray> = {};
  for (const [slot, buffers] of Object.entries(slots)) {
    parameters.forEach(([name], i) => { out[`${slot}.${name}`] = buffers[i].slice(); });
  }
  return out;
}

/**
 * Copies `<slot>.<name>` tensors of `state` into the slot buffers, checking the optimiser type and every size.
 * @throws naming the optimiser, the missing tensor or the size mismatch.
 */
export function restoreSlots(where: string, type: string, parameters: NamedParameters, state: OptimizerState,
  slots: Record<string, FloatArray[]>): void {
  if (state.type !== type) throw new Error(`${where}.setState: expected a '${type}' state, got '${state.type}'`);
  if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`${where}.setState: invalid step ${state.step}`);
  for (const [slot, buffers] of Object.entries(slots)) {
    parameters.forEach(([name], i) => {
      const key = `${slot}.${name}`;
      const saved = state.tensors[key];
      if (saved === undefined) throw new Error(`${where}.setState: missing tensor '${key}'`);
      if (saved.length !== buffers[i].length) {
        throw new RangeError(`${where}.setState: tensor '${key}' has ${saved.length} values, expected ${buffers[i].length}`);
      }
      buffers[i].set(saved);
    });
  }
}
