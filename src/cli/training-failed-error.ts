/**
 * Thrown by `maflow train` when training failed (diverged, exploded, or never improved on the initial model): the
 * CLI prints its one-line message and exits with status 3. Nothing was written over `--out`.
 *
 * @example
 * import { TextBuffer } from './cli-io.ts';
 * import { reportError } from './run.ts';
 * import { TrainingFailedError } from './training-failed-error.ts';
 * const io = { stdout: new TextBuffer(), stderr: new TextBuffer() };
 * const status = reportError(new TrainingFailedError('training failed (divergence): the training loss became Infinity at epoch 1, step 2; model.safetensors was not written'), io);
 * console.log(status, io.stderr.text()); // → 3 maflow: training failed (divergence): the training loss became Infinity at epoch 1, step 2; …
 */
export class TrainingFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingFailedError';
  }
}
