/**
 * The effect of `--backend native|wasm|reference` (`backend-option.ts`): the choice (or `MAFLOW_BACKEND`) goes to
 * `selectBackend`, which prints one line when native is unavailable.
 */
import { selectBackend } from '../kernels/select.ts';
import type { CliIo } from './cli-io.ts';
import { UsageError } from './usage-error.ts';

/**
 * Activates the backend for this run: `name` when given, else `MAFLOW_BACKEND`, else native-if-available.
 * Returns the environment to hand to a worker thread so that it makes the same choice.
 *
 * @example
 * import { describeBackend } from '../kernels/select.ts';
 * import { TextBuffer } from './cli-io.ts';
 * import { useBackend } from './use-backend.ts';
 * const env = useBackend({ stdout: new TextBuffer(), stderr: new TextBuffer() }, 'reference');   // as `--backend reference`
 * console.log(env.MAFLOW_BACKEND, describeBackend()); // → reference reference (pure TypeScript)
 */
export function useBackend(io: CliIo, name: string | undefined): Record<string, string | undefined> {
  const env = { ...(io.env ?? process.env), ...(name === undefined ? {} : { MAFLOW_BACKEND: name }) };
  try {
    selectBackend({ env, warn: (line) => io.stderr.write(`${line}\n`) });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return env;
}
