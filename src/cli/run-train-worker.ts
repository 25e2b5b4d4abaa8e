/**
 * Runs a `TrainJob` on a worker thread, so that the main thread stays free to draw the progress bar and to receive
 * Ctrl-C: aborting `signal` sets a flag the worker checks after every step; it then saves the best model and
 * returns normally (`stoppedBy: 'abort'`).
 */
import { Worker } from 'node:worker_threads';
import type { EpochEvent, StepEvent } from '../train/progress-event.ts';
import type { SequenceTrainJob, SequenceTrainResult } from './sequences/train-sequence-model.ts';
import type { TrainJob, TrainJobHooks, TrainJobResult } from './train-job.ts';
import { UsageError } from './usage-error.ts';

/** What the worker runs: a tabular flow's job, or a temporal MAF's. */
export type WorkerTask = { kind: 'table'; job: TrainJob } | { kind: 'sequences'; job: SequenceTrainJob };

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
  return runInWorker({ kind: 'table', job }, hooks, env) as Promise<TrainJobResult>;
}

/** Runs a temporal MAF's `job` in the worker, as `runTrainWorker` runs a tabular one (Ctrl-C saves the best model). */
export function runSequenceTrainWorker(job: SequenceTrainJob, hooks: TrainJobHooks,
  env: Readonly<Record<string, string | undefined>>): Promise<SequenceTrainResult> {
  return runInWorker({ kind: 'sequences', job }, hooks, env) as Promise<SequenceTrainResult>;
}

function runInWorker(task: WorkerTask, hooks: TrainJobHooks,
  env: Readonly<Record<string, string | undefined>>): Promise<TrainJobResult | SequenceTrainResult> {
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker({ task, stopFlag, env });
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

/**
 * Starts the worker module beside this one: `train-worker.js` in the package, or, when maflow runs from its
 * TypeScript sources (tests, a checkout under tsx), `train-worker.ts` through tsx, which a worker does not inherit.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./train-worker.js', import.meta.url), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./train-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
