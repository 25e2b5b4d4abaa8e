/**
 * Entry point of the training worker thread (started by `run-train-worker.ts` before its task is ready: the task
 * comes as the first message), for tabular flows and temporal MAFs alike. `fit` is synchronous, so Ctrl-C
 * cannot reach it on the main thread; here the main thread sets a shared flag, which the step and epoch hooks turn
 * into an abort of `fit`'s signal (it stops after the current step). Progress goes back as messages, steps at most
 * ten times a second. The worker loads the training code of the one kind of task it was started for (`workerData.kind`):
 * a tabular run never loads the temporal MAF's, and neither loads the CLI's commands or any file format but the model's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../io/data-error.ts';
import { selectBackend } from '../kernels/select.ts';
import type { SequenceTrainResult } from './sequences/sequence-train-job.ts';
import type { TrainJobHooks, TrainJobResult } from './train-job.ts';
import { UsageError } from './usage-error.ts';
import type { SystemErrorFields, WorkerMessage, WorkerTask, WorkerTaskKind } from './run-train-worker.ts';
import type { RescuedSaveError } from './save-with-rescue.ts';

const { stopFlag, env, kind } = workerData as { stopFlag: Int32Array; env: Record<string, string | undefined>; kind: WorkerTaskKind };
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
const controller = new AbortController();
const checkStop = (): void => {
  if (Atomics.load(stopFlag, 0) === 1 && !controller.signal.aborted) controller.abort();
};
let lastStepPost = 0;

// The training code and the backend load while the main thread still reads the data; the task follows as the one
// message. A failed import is reported when the task comes (`runTask` imports the same module again).
loadTraining(kind).catch(() => {});
let backendError: unknown;
try {
  selectBackend({ env, warn: () => {} });
} catch (error) {
  backendError = error;
}
parentPort!.once('message', async (task: WorkerTask) => {
  try {
    if (backendError !== undefined) throw backendError;
    const hooks: TrainJobHooks = {
      signal: controller.signal,
      onStep: (event) => {
        checkStop();
        const now = Date.now();
        if (now - lastStepPost >= 100) {
          lastStepPost = now;
          post({ type: 'step', event });
        }
      },
      onEpoch: (event) => {
        checkStop();
        post({ type: 'epoch', event });
      },
    };
    post({ type: 'done', result: await runTask(task, hooks) });
  } catch (error) {
    const userError = error instanceof DataError || error instanceof UsageError;
    post({
      type: 'error',
      user: userError,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
      ...systemFields(error),
    });
  }
});

/** The module that trains tasks of `taskKind`. */
function loadTraining(taskKind: WorkerTaskKind): Promise<unknown> {
  return taskKind === 'table' ? import('./train-job.ts') : import('./sequences/sequence-train-job.ts');
}

/** Builds, fits and writes the model of `task`. */
async function runTask(task: WorkerTask, hooks: TrainJobHooks): Promise<TrainJobResult | SequenceTrainResult> {
  if (task.kind === 'table') return (await import('./train-job.ts')).runTrainJob(task.job, hooks);
  return (await import('./sequences/sequence-train-job.ts')).runSequenceTrainJob(task.job, hooks);
}

/** A system error's code and file (ENOSPC writing the model), which a cloned message would otherwise drop. */
function systemFields(error: unknown): { system?: SystemErrorFields } {
  const system = error as RescuedSaveError;
  if (!(error instanceof Error) || typeof system.code !== 'string') return {};
  return {
    system: {
      code: system.code,
      ...(system.errno === undefined ? {} : { errno: system.errno }),
      ...(system.syscall === undefined ? {} : { syscall: system.syscall }),
      ...(system.path === undefined ? {} : { path: system.path }),
      ...(system.rescuedTo === undefined ? {} : { rescuedTo: system.rescuedTo }),
    },
  };
}
