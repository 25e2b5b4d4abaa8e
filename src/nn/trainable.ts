import type { Module, NamedParameters } from './parameter.ts';

/**
 * What bijectors and distributions share as modules: a training-mode flag (batch statistics in
 * `BatchNormalization`) and the parameter listing, empty unless a subclass owns parameters.
 */
export abstract class Trainable implements Module {
  /** Training mode; see `train()`. */
  protected training = false;

  /** Switches training mode (batch statistics) on or off; returns `this`. Containers pass it on to their parts. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Whether training mode is on. */
  get isTraining(): boolean {
    return this.training;
  }

  namedParameters(_prefix?: string): NamedParameters {
    return [];
  }
}
