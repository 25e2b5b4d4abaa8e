/** Safetensors files on disk (Node): `readSafetensors` and `writeSafetensors` over the codec in `safetensors.ts`. */
import { writeFileAtomic } from './atomic-write.ts';
import { readFileBytes } from './read-file-bytes.ts';
import { decodeSafetensors, encodeSafetensors, type SafetensorsContents, type SafetensorsTensor } from './safetensors.ts';

/**
 * Reads a safetensors file (see `decodeSafetensors`); a missing file is a `DataError` `path: no such file`.
 *
 * @example
 * import { readSafetensors, writeSafetensors } from 'maflow';
 * writeSafetensors('model.safetensors', { w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } }, { note: 'demo' });
 * const { tensors, metadata } = readSafetensors('model.safetensors');
 * console.log(Object.keys(tensors), metadata); // → [ 'w' ] { note: 'demo' }
 */
export function readSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileBytes(path), path);
}

/**
 * Writes tensors and metadata as a safetensors file, atomically (see `encodeSafetensors`).
 *
 * @example
 * import { readSafetensors, writeSafetensors } from 'maflow';
 * const tensors = { w: { dtype: 'F32' as const, shape: [2, 1], data: Float32Array.of(1, 2) } };
 * writeSafetensors('model.safetensors', tensors, { format_version: '1' });
 * console.log(readSafetensors('model.safetensors').tensors.w.shape); // → [ 2, 1 ]
 */
export function writeSafetensors(path: string, tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
