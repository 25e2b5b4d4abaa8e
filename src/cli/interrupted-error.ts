/**
 * Thrown by a command that stopped early because the user pressed Ctrl-C, after it saved what it could; the CLI
 * prints its message and exits with status 130 (the shell convention for SIGINT).
 *
 * @example
 * import { TextBuffer } from './cli-io.ts';
 * import { InterruptedError } from './interrupted-error.ts';
 * import { reportError } from './run.ts';
 * const io = { stdout: new TextBuffer(), stderr: new TextBuffer() };
 * const status = reportError(new InterruptedError('interrupted: saved the best model so far (epoch 12) to model.safetensors'), io);
 * console.log(status, io.stderr.text()); // → 130 maflow: interrupted: saved the best model so far (epoch 12) to model.safetensors
 */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}
