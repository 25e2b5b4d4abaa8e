/**
 * The Node.js entry point: everything in the browser-safe barrel, with the kernel backend chosen at start-up
 * (the native addon when it loads, else the reference backend with one line on stderr; `MAFLOW_BACKEND` forces one).
 */
import { selectBackend } from './kernels/select.ts';

selectBackend();

export * from './index.ts';
export { selectBackend } from './kernels/select.ts';
export { loadNativeBackend } from './kernels/native.ts';

// File formats and loaders (they use node:fs, so they are not in the browser barrel).
export { DataError } from './io/data-error.ts';
export { writeFileAtomic } from './io/atomic-write.ts';
export { readMatrix, writeMatrix } from './io/read-matrix.ts';
export { readCsv, parseCsv, writeCsv, formatCsv } from './io/csv.ts';
export { readNpy, parseNpy, encodeNpy, writeNpy } from './io/npy.ts';
export { readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors } from './io/safetensors.ts';
export { loadPaperDataset, PAPER_DATASETS } from './data/paper-datasets.ts';
export { saveModel, loadModel, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './io/model-file.ts';
export type { SaveModelOptions, LoadedModel } from './io/model-file.ts';
export { fileCheckpointer, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION } from './io/checkpoint-file.ts';
export type { FileCheckpointer } from './io/checkpoint-file.ts';
// @exports:node
