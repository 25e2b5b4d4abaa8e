/**
 * The Node.js entry point: everything in the browser-safe barrel, plus files. Importing it does no work: the kernel
 * backend is chosen on the first computation (the native addon when it loads, else wasm, else the reference backend,
 * with one line on stderr; `MAFLOW_BACKEND` forces one), or earlier by an explicit `selectBackend()`,
 * `await useBackend(name)` or `setBackend(name)`.
 */
import { setDefaultBackend } from './kernels/backend.ts';
import { registerNodeBackends, selectBackend } from './kernels/select.ts';

setDefaultBackend(() => selectBackend());
registerNodeBackends();

export * from './index.ts';
export { selectBackend } from './kernels/select.ts';
export { loadNativeBackend } from './kernels/native.ts';

// File formats and loaders (they use node:fs, so they are not in the browser barrel).
export { openAtomicFile, writeAtomically, writeFileAtomic } from './io/atomic-write.ts';
export type { AtomicFile, AtomicWriteOptions, WriteFunction } from './io/atomic-write.ts';
export { readMatrix, writeMatrix } from './io/read-matrix.ts';
export { readCsv, parseCsv, writeCsv, formatCsv } from './io/csv.ts';
export { readNpy, parseNpy, encodeNpy, encodeNpyHeader, writeNpy } from './io/npy.ts';
export type { NpyShape } from './io/npy.ts';
export { CsvChunkWriter, NpyChunkWriter, writeMatrixStream } from './io/matrix-writer.ts';
export type { ByteChunkSink, CsvChunkWriterOptions, MatrixWriter, TextChunkSink, WriteMatrixStreamOptions } from './io/matrix-writer.ts';
export { readSafetensors, writeSafetensors } from './io/safetensors-file.ts';
export { loadPaperDataset, PAPER_DATASETS } from './data/paper-datasets.ts';
export { saveModel, loadModel } from './io/model-file.ts';
export { saveSequenceModel, loadSequenceModel, isSequenceModelFile } from './io/sequence-model-file.ts';
export { readSequences } from './io/read-sequences.ts';
export type { ReadSequencesOptions, SequenceFile, SequenceLayout } from './io/read-sequences.ts';
export { writeSequences, encodeSequencesNpy, formatSequencesCsv } from './io/write-sequences.ts';
export type { WriteSequencesOptions } from './io/write-sequences.ts';
export { parseNpyArray } from './io/npy.ts';
export type { NpyArray } from './io/npy.ts';
export { fileCheckpointer, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION } from './io/checkpoint-file.ts';
export type { FileCheckpointer } from './io/checkpoint-file.ts';
// @exports:node
