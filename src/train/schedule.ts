/**
 * Learning-rate schedules: functions from the 0-based optimiser step to a multiplier of the base learning rate,
 * `lr(step) = learningRate · schedule(step)`.
 * - constant: `1`;
 * - cosine (to a floor): `floor + (1 − floor) · ½(1 + cos(π · min(step, totalSteps) / totalSteps))`, from 1 down to
 *   `floor` at `totalSteps` and flat afterwards (Loshchilov & Hutter 2017, without restarts);
 * - step: `factor^⌊step / every⌋`.
 *
 * @example
 * import { cosineSchedule } from 'maflow';
 * const s = cosineSchedule({ totalSteps: 1000, floor: 0.01 });
 * console.log(s(0), s(500), s(1000)); // → 1 0.505 0.01
 */

/** A learning-rate multiplier as a function of the 0-based step. */
export type Schedule = (step: number) => number;

/** Always 1. */
export function constantSchedule(): Schedule {
  return () => 1;
}

/** Options of `cosineSchedule`. */
export interface CosineScheduleOptions {
  /** Steps over which the multiplier decays from 1 to `floor`. */
  totalSteps: number;
  /** Final multiplier. @default 0 */
  floor?: number;
}

/** Cosine decay from 1 to `floor` over `totalSteps`, then constant. */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const { totalSteps } = options;
  const floor = options.floor ?? 0;
  if (!(totalSteps > 0)) throw new RangeError(`cosineSchedule: totalSteps must be > 0, got ${totalSteps}`);
  if (!(floor >= 0 && floor <= 1)) throw new RangeError(`cosineSchedule: floor must be in [0, 1], got ${floor}`);
  return (step) => floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}

/** Options of `stepSchedule`. */
export interface StepScheduleOptions {
  /** Steps between decays. */
  every: number;
  /** Multiplier applied at each decay. @default 0.1 */
  factor?: number;
}

/** Multiplies by `factor` every `every` steps. */
export function stepSchedule(options: StepScheduleOptions): Schedule {
  const { every } = options;
  const factor = options.factor ?? 0.1;
  if (!(Number.isInteger(every) && every > 0)) throw new RangeError(`stepSchedule: every must be a positive integer, got ${every}`);
  if (!(factor > 0)) throw new RangeError(`stepSchedule: factor must be > 0, got ${factor}`);
  return (step) => factor ** Math.floor(step / every);
}

/** A schedule by name, or any function. */
export type ScheduleOption = 'constant' | 'cosine' | Schedule;

/**
 * The schedule an option names (`'cosine'` over `totalSteps`); throws naming `where` for an unknown name.
 *
 * @example
 * import { resolveSchedule } from './schedule.ts';
 * console.log(resolveSchedule('fit', 'cosine', 1000)(1000)); // → 0
 */
export function resolveSchedule(where: string, schedule: ScheduleOption, totalSteps: number): Schedule {
  if (typeof schedule === 'function') return schedule;
  if (schedule === 'constant') return constantSchedule();
  if (schedule === 'cosine') return cosineSchedule({ totalSteps });
  throw new Error(`${where}: unknown schedule '${schedule as string}' (expected 'constant', 'cosine' or a function)`);
}
