/**
 * Runs a `TrainJob` on a worker thread, so that the main thread stays free to draw the progress bar and to receive
 * Ctrl-C: aborting `signal` sets a flag the worker checks after every step; it then saves the best model and
 * returns normally (`stoppedBy: 'abort'`).
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../io/module-worker.ts';
import type { EpochEvent, StepEvent } from '../train/progress-event.ts';
import type { SequenceTrainJob, SequenceTrainResult } from './sequences/sequence-train-job.ts';
import type { TrainJob, TrainJobHooks, TrainJobResult } from './train-job.ts';
import { UsageError } from './usage-error.ts';

/** What the worker runs: a tabular flow's job, or a temporal MAF's. */
export type WorkerTask = { kind: 'table'; job: TrainJob } | { kind: 'sequences'; job: SequenceTrainJob };

/** The kind of task a worker is started for: it loads that kind's training code only (`train-worker.ts`). */
export type WorkerTaskKind = WorkerTask['kind'];

/** Messages from the worker. */
export type WorkerMessage =
  | { type: 'step'; event: StepEvent }
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'done'; result: TrainJobResult | SequenceTrainResult }
  | { type: 'error'; user: boolean; message: string; stack?: string; system?: SystemErrorFields };

/** The fields of a Node system error (and of a failed model save) that travel back from the worker. */
export interface SystemErrorFields {
  code: string;
  errno?: number;
  syscall?: string;
  /** The file the failed call was about. */
  path?: string;
  /** Where `saveWithRescue` put the model instead. */
  rescuedTo?: string;
}

/**
 * Runs `job` in a worker with `env` (the backend choice); user mistakes found there come back as `UsageError`s.
 *
 * @example
 * import { Rng, twoMoons } from 'maflow';
 * import { runTrainWorker } from './run-train-worker.ts';
 * import type { TrainJob } from './train-job.ts';
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const job: TrainJob = { spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 2, hiddenUnits: [8] }, x: data,
 *   columns: ['x1', 'x2'], contextColumns: [], standardize: true, validationFraction: 0.1, epochs: 2, batchSize: 50,
 *   learningRate: 1e-3, weightDecay: 0, patience: 30, seed: 0, out: 'model.safetensors', dataPath: 'moons.csv' };
 * const signal = new AbortController().signal;   // aborting it stops training after the current step
 * const result = await runTrainWorker(job, { onEpoch: (e) => console.log(e.epoch, e.validationLogLik), signal }, process.env);
 * console.log(result.stoppedBy); // → epochs
 */
export function runTrainWorker(job: TrainJob, hooks: TrainJobHooks,
  env: Readonly<Record<string, string | undefined>>): Promise<TrainJobResult> {
  return startTrainWorker(env, 'table').run({ kind: 'table', job }, hooks) as Promise<TrainJobResult>;
}

/** Runs a temporal MAF's `job` in the worker, as `runTrainWorker` runs a tabular one (Ctrl-C saves the best model). */
export function runSequenceTrainWorker(job: SequenceTrainJob, hooks: TrainJobHooks,
  env: Readonly<Record<string, string | undefined>>): Promise<SequenceTrainResult> {
  return startTrainWorker(env, 'sequences').run({ kind: 'sequences', job }, hooks) as Promise<SequenceTrainResult>;
}

/** A training worker started before its task is known (see `startTrainWorker`). */
export interface TrainWorker {
  /** Runs `task` (once, of the kind the worker was started for); resolves with its result as `runTrainWorker` does. */
  run(task: WorkerTask, hooks: TrainJobHooks): Promise<TrainJobResult | SequenceTrainResult>;
  /** Ends a worker that will get no task (reading the data failed). */
  cancel(): Promise<void>;
}

/**
 * Starts a training worker for tasks of `kind` with `env` now, so that its start (a second JavaScript heap, the
 * modules that train `kind`, the kernel backend) overlaps whatever comes before the task: `maflow train` reads and
 * parses the data meanwhile.
 *
 * @example
 * import { Rng, twoMoons } from 'maflow';
 * import { startTrainWorker } from './run-train-worker.ts';
 * const worker = startTrainWorker(process.env, 'table');   // starting while the data are prepared
 * const { data } = twoMoons(200, { rng: new Rng(1) });
 * const job = { spec: { kind: 'maf', features: 2, contextFeatures: 0, layers: 2, hiddenUnits: [8] }, x: data,
 *   columns: ['x1', 'x2'], contextColumns: [], standardize: true, validationFraction: 0.1, epochs: 2, batchSize: 50,
 *   learningRate: 1e-3, weightDecay: 0, patience: 30, seed: 0, out: 'model.safetensors', dataPath: 'moons.csv' } as const;
 * const result = await worker.run({ kind: 'table', job }, {});
 * console.log(result.stoppedBy); // → epochs
 */
export function startTrainWorker(env: Readonly<Record<string, string | undefined>>, kind: WorkerTaskKind): TrainWorker {
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = startModuleWorker(import.meta.url, 'train-worker', { workerData: { stopFlag, env, kind } });
  // Until a task is posted, an error or exit of the worker waits to be reported by run().
  let early: Error | undefined;
  const onEarlyError = (error: Error): void => { early ??= error; };
  const onEarlyExit = (code: number): void => { early ??= new Error(`the training worker exited with code ${code} before finishing`); };
  worker.on('error', onEarlyError);
  worker.on('exit', onEarlyExit);
  return {
    run: (task, hooks) => {
      worker.off('error', onEarlyError);
      worker.off('exit', onEarlyExit);
      if (early !== undefined) return Promise.reject(early);
      worker.postMessage(task);
      return settleWorker(worker, stopFlag, hooks);
    },
    cancel: async () => {
      worker.off('exit', onEarlyExit);
      await worker.terminate();
    },
  };
}

/** The result of the task `worker` runs, with its progress sent to `hooks` and `hooks.signal` setting `stopFlag`. */
function settleWorker(worker: Worker, stopFlag: Int32Array, hooks: TrainJobHooks): Promise<TrainJobResult | SequenceTrainResult> {
  const onAbort = (): void => {
    Atomics.store(stopFlag, 0, 1);
  };
  if (hooks.signal?.aborted === true) onAbort();
  hooks.signal?.addEventListener('abort', onAbort);
  return new Promise<TrainJobResult | SequenceTrainResult>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      action();
    };
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'step': hooks.onStep?.(message.event); break;
        case 'epoch': hooks.onEpoch?.(message.event); break;
        case 'done': settle(() => resolve(message.result)); break;
        case 'error': {
          const error = message.user ? new UsageError(message.message) : new Error(message.message);
          if (!message.user && message.stack !== undefined) error.stack = message.stack;
          // ENOSPC writing the model: the code and the file reach run.ts as they would from the main thread.
          if (message.system !== undefined) Object.assign(error, message.system);
          settle(() => reject(error));
          break;
        }
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the training worker exited with code ${code} before finishing`))));
  });
}
