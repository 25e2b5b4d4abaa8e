/**
 * A user's mistake on the command line or in an input (bad option value, conditional model without `--context`).
 * The CLI prints its message as one line and exits with status 2, like a `DataError`.
 *
 * @example
 * throw new UsageError('--hidden: expected positive integers separated by commas, got "64,x"');
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
