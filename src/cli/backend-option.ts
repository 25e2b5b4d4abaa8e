/**
 * The `--backend native|wasm|reference` option every computing command takes; `use-backend.ts` acts on it. Apart from
 * the backends themselves so that a command's definition (its `--help`, its choices) loads no kernels.
 */
import { Option, type Command } from 'commander';
import type { BACKEND_NAMES } from '../kernels/select.ts';

/** `BACKEND_NAMES` spelled out, since importing it loads the backends; the type says they are the same, in order. */
const BACKEND_CHOICES = ['native', 'wasm', 'reference'] as const satisfies typeof BACKEND_NAMES;

/** Adds `--backend <name>` to `command`. */
export function addBackendOption(command: Command): Command {
  return command.addOption(new Option('--backend <name>', 'kernel backend (default: native when it loads, else wasm, else reference; or $MAFLOW_BACKEND)')
    .choices([...BACKEND_CHOICES]));
}
