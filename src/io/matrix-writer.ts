import { extname } from 'node:path';
import { checkShape, dtypeOf, rowSlice, type Matrix } from '../core/matrix.ts';
import { writeAtomically, type AtomicWriteOptions } from './atomic-write.ts';
import { formatCsv } from './csv.ts';
import { DataError } from './data-error.ts';
import { encodeNpyHeader, npyDataBytes, type NpyShape } from './npy.ts';
import { MATRIX_FILE_EXTENSIONS } from './read-matrix.ts';

/** Rows formatted into one CSV string: bounds the text held at once (a few MB for wide rows). */
const CSV_CHUNK_ROWS = 4096;

/** Where CSV text goes: an `AtomicFile`, a process stream, a test buffer. */
export interface TextChunkSink {
  write(text: string): unknown;
}

/** Where `.npy` bytes go: an `AtomicFile`. */
export interface ByteChunkSink {
  write(bytes: Uint8Array): unknown;
}

/** Takes a matrix in row chunks, in order, and writes each at once: memory stays bounded by one chunk. */
export interface MatrixWriter {
  /** Appends the rows of `chunk [n, cols]`. */
  writeRows(chunk: Matrix): void;
  /** Rows written so far. */
  readonly rows: number;
}

/** Options of `CsvChunkWriter`. */
export interface CsvChunkWriterOptions {
  /** Columns of every chunk. */
  cols: number;
  /** Header names, one per column; the header is written at once. @default no header */
  columns?: readonly string[];
  /** @default ',' */
  delimiter?: ',' | ';' | '\t';
}

/**
 * CSV in row chunks, exactly as `formatCsv` writes the whole matrix (header, then each value with the fewest digits
 * that round-trip in its precision), formatted 4096 rows at a time, so that no string holds the whole output.
 *
 * @example
 * import { matrix } from 'maflow';
 * import { CsvChunkWriter } from './matrix-writer.ts';
 * const writer = new CsvChunkWriter(process.stdout, { cols: 2, columns: ['x1', 'x2'] });
 * writer.writeRows(matrix([[1, 2]]));
 * writer.writeRows(matrix([[3, 4], [5, 6]]));
 * console.log(writer.rows); // → 3 (after the lines x1,x2 / 1,2 / 3,4 / 5,6)
 */
export class CsvChunkWriter implements MatrixWriter {
  private written = 0;
  private readonly delimiter: ',' | ';' | '\t';

  constructor(private readonly sink: TextChunkSink, private readonly options: CsvChunkWriterOptions) {
    this.delimiter = options.delimiter ?? ',';
    if (options.columns !== undefined) {
      sink.write(formatCsv({ rows: 0, cols: options.cols, data: new Float64Array(0) }, { columns: options.columns, delimiter: this.delimiter }));
    }
  }

  get rows(): number {
    return this.written;
  }

  writeRows(chunk: Matrix): void {
    checkShape('CsvChunkWriter.writeRows', 'chunk', chunk, this.options.cols);
    for (let start = 0; start < chunk.rows; start += CSV_CHUNK_ROWS) {
      const part = rowSlice(chunk, start, Math.min(chunk.rows, start + CSV_CHUNK_ROWS));
      this.sink.write(formatCsv(part, { delimiter: this.delimiter }));
    }
    this.written += chunk.rows;
  }
}

/**
 * A `.npy` file in row chunks: the header for `shape` at once (so the row count must be known), then the raw
 * little-endian data of each chunk, which must have `shape`'s columns and dtype.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { matrix, openAtomicFile, parseNpy } from 'maflow';
 * import { NpyChunkWriter } from './matrix-writer.ts';
 * const file = openAtomicFile('rows.npy');
 * const writer = new NpyChunkWriter(file, { rows: 3, cols: 2, dtype: 'float32' });
 * writer.writeRows(matrix([[1, 2]]));
 * writer.writeRows(matrix([[3, 4], [5, 6]]));
 * file.commit();
 * console.log(parseNpy(readFileSync('rows.npy')).data); // → Float32Array(6) [ 1, 2, 3, 4, 5, 6 ]
 */
export class NpyChunkWriter implements MatrixWriter {
  private written = 0;

  constructor(private readonly sink: ByteChunkSink, private readonly shape: NpyShape) {
    sink.write(encodeNpyHeader(shape));
  }

  get rows(): number {
    return this.written;
  }

  writeRows(chunk: Matrix): void {
    checkShape('NpyChunkWriter.writeRows', 'chunk', chunk, this.shape.cols);
    if (dtypeOf(chunk.data) !== this.shape.dtype) {
      throw new RangeError(`NpyChunkWriter.writeRows: expected ${this.shape.dtype} rows (the header says so), got ${dtypeOf(chunk.data)}`);
    }
    if (this.written + chunk.rows > this.shape.rows) {
      throw new RangeError(`NpyChunkWriter.writeRows: ${this.written + chunk.rows} rows exceed the ${this.shape.rows} of the header`);
    }
    this.sink.write(npyDataBytes(chunk.data));
    this.written += chunk.rows;
  }
}

/** Options of `writeMatrixStream`. */
export interface WriteMatrixStreamOptions extends AtomicWriteOptions {
  /** Header names for CSV output (ignored for `.npy`). @default no header */
  columns?: readonly string[];
}

/**
 * Writes a matrix `[shape.rows, shape.cols]` that `fill` produces in row chunks (`writer.writeRows(chunk)`), as CSV
 * (`.csv`, `.tsv` tab-separated, `.txt`) or `.npy` by extension, atomically: the chunks go to a temporary file, which
 * replaces `path` only once `fill` has written exactly `shape.rows` rows. Memory is bounded by a chunk, not the
 * matrix. An unknown extension is a `DataError`; a wrong row count, an error thrown by `fill` or a failed write
 * (`ENOSPC`, naming `path`) leaves `path` as it was.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { matrix, writeMatrixStream } from 'maflow';
 * writeMatrixStream('squares.csv', { rows: 4, cols: 1, dtype: 'float32' }, (writer) => {
 *   for (let i = 0; i < 4; i += 2) writer.writeRows(matrix([[i * i], [(i + 1) * (i + 1)]]));   // two rows at a time
 * }, { columns: ['square'] });
 * console.log(readFileSync('squares.csv', 'utf8')); // → square / 0 / 1 / 4 / 9 (five lines)
 */
export function writeMatrixStream(path: string, shape: NpyShape, fill: (writer: MatrixWriter) => void,
  options: WriteMatrixStreamOptions = {}): void {
  const extension = extname(path).toLowerCase();
  if (!(MATRIX_FILE_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new DataError(`cannot write ${extension === '' ? 'a file without an extension' : `"${extension}" files`}; ` +
      `supported: ${MATRIX_FILE_EXTENSIONS.join(', ')}`, { file: path });
  }
  writeAtomically(path, (file) => {
    const writer = extension === '.npy'
      ? new NpyChunkWriter(file, shape)
      : new CsvChunkWriter(file, { cols: shape.cols, columns: options.columns, delimiter: extension === '.tsv' ? '\t' : ',' });
    fill(writer);
    if (writer.rows !== shape.rows) throw new RangeError(`writeMatrixStream: ${path}: ${writer.rows} rows were written, expected ${shape.rows}`);
  }, options);
}
