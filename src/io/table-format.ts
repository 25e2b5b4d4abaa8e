/**
 * The table formats the streaming readers and writers understand, told by a file's extension, by an explicit
 * `--format`, or (for standard input and extensionless files) by the first bytes of the data.
 */
/**
 * A table format: `csv` (comma, semicolon or tab, auto-detected), `tsv` (tab-separated), `npy` (NumPy), `jsonl` (JSON
 * lines: one object or array per line), `parquet` (Apache Parquet), `arrow` (Apache Arrow IPC, file or stream).
 */
export type TableFormat = 'csv' | 'tsv' | 'npy' | 'jsonl' | 'parquet' | 'arrow';

/** Every `TableFormat`, in the order help texts list them. */
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'npy', 'jsonl', 'parquet', 'arrow'];

/** The path that stands for standard input (as a data file) or standard output (as `--out`). */
export const STDIO_PATH = '-';

const EXTENSIONS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.npy': 'npy', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
  '.parquet': 'parquet', '.pq': 'parquet', '.arrow': 'arrow', '.arrows': 'arrow', '.feather': 'arrow', '.ipc': 'arrow',
};

/** The extensions `tableFormatOf` knows (each text format also with `.gz` for reading). */
export const TABLE_FILE_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS);

/** What a path's name says about its contents. */
export interface PathFormat {
  /** The format its extension names, or undefined (no extension, `-`, an unknown one). */
  format: TableFormat | undefined;
  /** Whether the name ends in `.gz`. */
  gzip: boolean;
}

/**
 * The format a file name tells: `data.csv` → csv, `events.jsonl.gz` → jsonl (gzip), `-` → none.
 *
 * @example
 * import { tableFormatOf } from './table-format.ts';
 * console.log(tableFormatOf('logs/day.csv.gz'), tableFormatOf('-')); // → { format: 'csv', gzip: true } { format: undefined, gzip: false }
 */
export function tableFormatOf(path: string): PathFormat {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const stem = gzip ? lower.slice(0, -3) : lower;
  const dot = stem.lastIndexOf('.');
  const slash = Math.max(stem.lastIndexOf('/'), stem.lastIndexOf('\\'));
  const extension = dot > slash ? stem.slice(dot) : '';
  return { format: Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined, gzip };
}

/**
 * The format of data that start with `head` (at least the first 8 bytes when the data have them): the magic strings
 * of `.npy` (`\x93NUMPY`), Parquet (`PAR1`) and Arrow (`ARROW1`, or a stream's 0xFFFFFFFF continuation), a JSON object
 * or array for JSON lines, and CSV for anything else.
 */
export function sniffTableFormat(head: Uint8Array): TableFormat {
  const text = String.fromCharCode(...head.subarray(0, 8));
  if (text.startsWith('\x93NUMPY')) return 'npy';
  if (text.startsWith('PAR1')) return 'parquet';
  if (text.startsWith('ARROW1') || (head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) return 'arrow';
  const first = text.replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart()[0];
  return first === '{' || first === '[' ? 'jsonl' : 'csv';
}

/** Whether `head` starts with gzip's magic bytes. */
export function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}
