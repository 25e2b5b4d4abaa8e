/**
 * The bytes of a data file or of standard input, read a block at a time (so memory holds a block, not the file), with
 * gzip data inflated on the fly whatever the name says (told by gzip's magic bytes).
 */
import { openSync, statSync, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError } from './data-error.ts';
import { fileError } from './read-file-bytes.ts';
import { isGzip, STDIO_PATH } from './table-format.ts';

/**
 * Bytes per block read from a file. A block is what the table readers turn into one chunk of rows, and so what
 * `logprob` scores in one go: 1 MiB blocks gave a 43-column float64 `.npy` 3,048-row chunks, and scoring 10⁶ rows took
 * 6–9 % longer than with 4 MiB (AMD EPYC Zen 4, miniboone-sized MAF).
 */
const BLOCK_BYTES = 4 << 20;

/** A sequential reader of byte blocks that can look ahead (`peek`) and read exact lengths (binary headers). */
export class ByteReader implements AsyncIterable<Uint8Array> {
  private readonly pending: Uint8Array[] = [];
  private readonly iterator: AsyncIterator<Uint8Array>;
  /** Bytes handed out so far. */
  offset = 0;

  /**
   * `inflated`: whether the blocks are gzip data inflated (so the file itself cannot be read at random); `size`: the
   * bytes there are, when known before reading (a file that is not inflated); `blockBytes`: the usual block size.
   */
  constructor(source: AsyncIterable<Uint8Array>, readonly file: string, readonly inflated = false,
    readonly size: number | undefined = undefined, readonly blockBytes = BLOCK_BYTES) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next block, or undefined at the end. */
  async read(): Promise<Uint8Array | undefined> {
    const block = this.pending.shift() ?? await this.pull();
    if (block !== undefined) this.offset += block.length;
    return block;
  }

  /** Up to `n` bytes from the current position, without consuming them (fewer only at the end). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.pendingBytes() < n) {
      const block = await this.pull();
      if (block === undefined) break;
      this.pending.push(block);
    }
    const all = concatBytes(this.pending);
    this.pending.length = 0;
    if (all.length > 0) this.pending.push(all);
    return all.subarray(0, n);
  }

  /** Exactly `n` bytes (fewer only at the end of the data). */
  async readExactly(n: number): Promise<Uint8Array> {
    const head = await this.peek(n);
    const rest = this.pending[0]?.subarray(head.length);
    this.pending.length = 0;
    if (rest !== undefined && rest.length > 0) this.pending.push(rest);
    this.offset += head.length;
    return head;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let block = await this.read(); block !== undefined; block = await this.read()) yield block;
  }

  private pendingBytes(): number {
    return this.pending.reduce((sum, block) => sum + block.length, 0);
  }

  private async pull(): Promise<Uint8Array | undefined> {
    try {
      const next = await this.iterator.next();
      return next.done === true ? undefined : next.value;
    } catch (error) {
      throw readError(this.file, error);
    }
  }
}

/**
 * Opens `path` (or standard input for `-`, read from `stdin`) for block reads, inflating gzip data. A missing file or a
 * directory is a `DataError` at once; other system errors keep their code (the CLI's exit status 4). `blockBytes`: the
 * size of the blocks read from a file (tests make it small to cross block boundaries).
 */
export async function openByteReader(path: string, stdin?: AsyncIterable<Uint8Array>, blockBytes = BLOCK_BYTES): Promise<ByteReader> {
  let source: AsyncIterable<Uint8Array>;
  let size: number | undefined;
  const file = path === STDIO_PATH ? '<stdin>' : path;
  if (path === STDIO_PATH) {
    if (stdin === undefined) throw new DataError('standard input is not available here', { file });
    source = stdin;
  } else {
    let fd: number;
    try {
      const stats = statSync(path);
      if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (stats.isFile()) size = stats.size;
      fd = openSync(path, 'r');
    } catch (error) {
      throw fileError(path, error);
    }
    source = createReadStream(path, { fd, highWaterMark: blockBytes });
  }
  const raw = new ByteReader(source, file, false, size, blockBytes);
  if (!isGzip(await raw.peek(2))) return raw;
  const gunzip = Readable.from(raw).pipe(createGunzip({ chunkSize: Math.max(64, blockBytes) }));
  return new ByteReader(gunzip, file, true, undefined, blockBytes);
}

function concatBytes(blocks: readonly Uint8Array[]): Uint8Array {
  if (blocks.length === 1) return blocks[0];
  const out = new Uint8Array(blocks.reduce((sum, block) => sum + block.length, 0));
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

function readError(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new DataError(`not valid gzip data (${(error as Error).message})`, { file });
  }
  return file === '<stdin>' ? error : fileError(file, error);
}
