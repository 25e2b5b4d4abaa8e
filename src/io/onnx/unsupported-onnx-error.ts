/**
 * A flow that the ONNX export cannot translate: a bijector, transformer or distribution it does not know (one
 * written outside maflow, or added to maflow after the export). The message names it and says what the export
 * supports; the CLI reports it as one line with exit status 2.
 *
 * @example
 * import { UnsupportedOnnxError } from 'maflow';
 * const error = new UnsupportedOnnxError('the bijector MyBijector');
 * console.log(error.message); // → exportOnnx: cannot export the bijector MyBijector
 */
export class UnsupportedOnnxError extends Error {
  constructor(what: string) {
    super(`exportOnnx: cannot export ${what}`);
    this.name = 'UnsupportedOnnxError';
  }
}
