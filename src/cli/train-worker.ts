/**
 * Entry point of the training worker thread (started by `run-train-worker.ts` before its task is ready: the task
 * comes as the first message), for tabular flows and temporal MAFs alike. `fit` is synchronous, so Ctrl-C
 * cannot reach it on the main thread; here the main thread sets a shared flag, which the step and epoch hooks turn
 * into an abort of `fit`'s signal (it stops after the current step). Progress goes back as messages, steps at most
 * ten times a second.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../io/data-error.ts';
import { selectBackend } from '../kernels/select.ts';
import { runSequenceTrainJob } from './sequences/train-sequence-model.ts';
import { runTrainJob, type TrainJobHooks } from './train-job.ts';
import { UsageError } from './usage-error.ts';
import type { SystemErrorFields, WorkerMessage, WorkerTask } from './run-train-worker.ts';
import type { RescuedSaveError } from './save-with-rescue.ts';

const { stopFlag, env } = workerData as { stopFlag: Int32Array; env: Record<string, string | undefined> };
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
const controller = new AbortController();
const checkStop = (): void => {
  if (Atomics.load(stopFlag, 0) === 1 && !controller.signal.aborted) controller.abort();
};
let lastStepPost = 0;

// The backend loads while the main thread still reads the data; the task follows as the one message.
let backendError: unknown;
try {
  selectBackend({ env, warn: () => {} });
} catch (error) {
  backendError = error;
}
parentPort!.once('message', (task: WorkerTask) => {
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
    post({ type: 'done', result: task.kind === 'table' ? runTrainJob(task.job, hooks) : runSequenceTrainJob(task.job, hooks) });
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
