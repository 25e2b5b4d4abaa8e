/**
 * A user's mistake on the command line or in an input (bad option value, conditional model without `--context`).
 * The CLI prints its message as one line and exits with status 2, like a `DataError`.
 *
 * @example
 * import { UsageError } from './usage-error.ts';
 * try {
 *   throw new UsageError('--hidden: expected positive integers separated by commas, got "64,x"');
 * } catch (error) {
 *   console.log(error instanceof UsageError, (error as Error).message); // → true --hidden: expected positive integers …
 * }
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
