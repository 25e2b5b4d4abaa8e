/**
 * The file a failed run with checkpoints writes its best model to, beside `out`:
 * `models/flow.safetensors` → `models/flow.best-before-failure.safetensors`.
 *
 * @example
 * import { bestBeforeFailurePath } from './best-before-failure-path.ts';
 * console.log(bestBeforeFailurePath('models/flow.safetensors')); // → models/flow.best-before-failure.safetensors
 */
export function bestBeforeFailurePath(out: string): string {
  return `${out.replace(/\.safetensors$/i, '')}.best-before-failure.safetensors`;
}
