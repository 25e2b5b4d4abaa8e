import { existsSync } from 'node:fs';
import type { FloatArray } from '../core/matrix.ts';
import type { TrainingState } from '../train/training-state.ts';
import { DataError } from './data-error.ts';
import { readSafetensors, writeSafetensors } from './safetensors-file.ts';
import type { SafetensorsTensor } from './safetensors.ts';

/** The `format` metadata entry of a checkpoint file. */
export const CHECKPOINT_FORMAT = 'maflow-checkpoint';
/** The `formatVersion` metadata entry of a checkpoint file written by this version. */
export const CHECKPOINT_FORMAT_VERSION = '1';

/** A checkpoint file at `path`, from `fileCheckpointer(path)`. */
export interface FileCheckpointer {
  readonly path: string;
  /** Writes `state` atomically, replacing any earlier checkpoint. */
  save(state: TrainingState): void;
  /** Reads the checkpoint back; throws a `DataError` naming the file when it is missing or not a checkpoint. */
  load(): TrainingState;
  /** Whether a checkpoint file exists at `path`. */
  exists(): boolean;
}

/**
 * Training checkpoints as safetensors files, so that `fit` (which knows nothing about files) can save and resume:
 * `fit(flow, data, { checkpoint: { every: 5, save: ckpt.save }, resume: ckpt.exists() ? ckpt.load() : undefined })`.
 *
 * Layout (all tensors in the dtype they have in memory, F32 or F64):
 * - `parameters.<name>` — parameter values by `namedParameters()` name;
 * - `buffers.<name>` — batch-norm running statistics;
 * - `optimizer.<slot>.<name>` — optimiser slots (`m`, `v` for Adam; `velocity` for SGD);
 * - `best.parameters.<name>`, `best.buffers.<name>` — the early-stopping champion;
 * - `average.<name>` — the sums of the moving average of the parameters, when `fit` keeps one (`emaDecay`; their
 *   weight is `averageWeight` in `state`);
 * - `__metadata__`: `format = 'maflow-checkpoint'`, `formatVersion = '1'`, and `state`, the JSON of the scalar part
 *   (epoch, step, rng state, patience counter, learning-rate scale, history, optimiser type and step, best epoch and
 *   score, the initial parameters' validation score (`NaN` when read from a checkpoint that predates it); non-finite
 *   numbers are written as the strings "NaN", "Infinity", "-Infinity").
 * Saving is atomic (temporary file + rename), so a crash never leaves a half-written checkpoint.
 *
 * @example
 * import { Rng, createMaf, fileCheckpointer, fit, twoMoons } from 'maflow';
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const flow = createMaf({ features: 2, layers: 2, hiddenUnits: [8], rng: new Rng(0) });
 * const ckpt = fileCheckpointer('run.ckpt.safetensors');
 * fit(flow, data, { epochs: 2, checkpoint: { every: 1, save: ckpt.save } });
 * const resumed = fit(flow, data, { epochs: 4, resume: ckpt.load() });   // e.g. after an interruption: epochs 3 and 4
 * console.log(resumed.history.length); // → 4
 */
export function fileCheckpointer(path: string): FileCheckpointer {
  return {
    path,
    save: (state) => writeSafetensors(path, checkpointTensors(state), {
      format: CHECKPOINT_FORMAT, formatVersion: CHECKPOINT_FORMAT_VERSION, state: JSON.stringify(scalarState(state), finiteReplacer),
    }),
    load: () => loadCheckpoint(path),
    exists: () => existsSync(path),
  };
}

function checkpointTensors(state: TrainingState): Record<string, SafetensorsTensor> {
  const out: Record<string, SafetensorsTensor> = {};
  const add = (prefix: string, tensors: Record<string, FloatArray>) => {
    for (const [name, data] of Object.entries(tensors)) {
      out[`${prefix}.${name}`] = { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape: [data.length], data };
    }
  };
  add('parameters', state.parameters);
  add('buffers', state.buffers);
  add('optimizer', state.optimizer.tensors);
  if (state.average !== undefined) add('average', state.average.sums);
  if (state.best !== null) {
    add('best.parameters', state.best.parameters);
    add('best.buffers', state.best.buffers);
  }
  return out;
}

/** Everything but the tensors. */
function scalarState(state: TrainingState): object {
  return {
    epoch: state.epoch, step: state.step, rng: state.rng, patienceCounter: state.patienceCounter,
    learningRateScale: state.learningRateScale, initialValidationLogLik: state.initialValidationLogLik, history: state.history,
    optimizer: { type: state.optimizer.type, step: state.optimizer.step },
    best: state.best === null ? null : { epoch: state.best.epoch, validationLogLik: state.best.validationLogLik },
    ...(state.average === undefined ? {} : { averageWeight: state.average.weight }),
  };
}

interface ScalarState {
  epoch: number;
  step: number;
  rng: number[];
  patienceCounter: number;
  learningRateScale: number;
  /** Absent in checkpoints written before it was kept. */
  initialValidationLogLik?: number;
  history: TrainingState['history'];
  optimizer: { type: string; step: number };
  best: { epoch: number; validationLogLik: number } | null;
  /** The moving average's total weight, with `average.<name>` tensors. */
  averageWeight?: number;
}

function loadCheckpoint(path: string): TrainingState {
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new DataError(`not a maflow checkpoint file (format '${metadata.format ?? '<none>'}', expected '${CHECKPOINT_FORMAT}')`, { file: path });
  }
  if (metadata.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new DataError(`unsupported checkpoint format version '${metadata.formatVersion}' (this maflow reads '${CHECKPOINT_FORMAT_VERSION}')`, { file: path });
  }
  let s: ScalarState;
  try {
    s = JSON.parse(metadata.state ?? '', finiteReviver) as ScalarState;
  } catch (error) {
    throw new DataError(`the checkpoint state is not valid JSON (${(error as Error).message})`, { file: path });
  }
  for (const field of ['epoch', 'step', 'rng', 'patienceCounter', 'learningRateScale', 'history', 'optimizer', 'best'] as const) {
    if (s === null || typeof s !== 'object' || s[field] === undefined) throw new DataError(`the checkpoint state has no '${field}'`, { file: path });
  }
  const groups: Record<string, Record<string, FloatArray>> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    const group = ['best.parameters', 'best.buffers', 'parameters', 'buffers', 'optimizer', 'average'].find((g) => name.startsWith(`${g}.`));
    if (group === undefined || !(tensor.data instanceof Float32Array || tensor.data instanceof Float64Array)) {
      throw new DataError(`unexpected tensor '${name}' (${tensor.dtype}) in a checkpoint`, { file: path });
    }
    (groups[group] ??= {})[name.slice(group.length + 1)] = tensor.data;
  }
  return {
    epoch: s.epoch, step: s.step, rng: s.rng, patienceCounter: s.patienceCounter, learningRateScale: s.learningRateScale,
    initialValidationLogLik: typeof s.initialValidationLogLik === 'number' ? s.initialValidationLogLik : NaN, history: s.history,
    parameters: groups.parameters ?? {},
    buffers: groups.buffers ?? {},
    optimizer: { type: s.optimizer.type, step: s.optimizer.step, tensors: groups.optimizer ?? {} },
    ...(groups.average === undefined || typeof s.averageWeight !== 'number' ? {} : { average: { sums: groups.average, weight: s.averageWeight } }),
    best: s.best === null ? null : {
      epoch: s.best.epoch, validationLogLik: s.best.validationLogLik,
      parameters: groups['best.parameters'] ?? {}, buffers: groups['best.buffers'] ?? {},
    },
  };
}

function finiteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function finiteReviver(_key: string, value: unknown): unknown {
  return value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? Number(value) : value;
}
