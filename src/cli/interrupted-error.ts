/**
 * Thrown by a command that stopped early because the user pressed Ctrl-C, after it saved what it could; the CLI
 * prints its message and exits with status 130 (the shell convention for SIGINT).
 *
 * @example
 * throw new InterruptedError('interrupted: saved the best model so far (epoch 12) to model.safetensors');
 */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}
