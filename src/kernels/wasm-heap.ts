/**
 * The allocator of the wasm backend's linear memory: first fit over a free list kept sorted by address, blocks of
 * 16-byte multiples (SIMD loads), neighbours merged on free. The memory never grows once views of it are handed out
 * (growing a non-shared memory detaches every view), so an allocation that does not fit returns 0 and the caller falls
 * back (a plain typed array, or the reference loops for one call).
 */
export class WasmHeap {
  /** Free blocks as [start, end) byte offsets, sorted and disjoint. */
  private readonly free: Array<[number, number]>;
  private readonly sizes = new Map<number, number>();
  private used = 0;

  constructor(start: number, end: number) {
    const first = Math.ceil(start / 16) * 16;
    this.free = first < end ? [[first, end]] : [];
  }

  /** Bytes handed out and not freed. */
  get bytesInUse(): number {
    return this.used;
  }

  /** A block of at least `bytes` bytes (16-byte aligned), or 0 when none is free. */
  allocate(bytes: number): number {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    for (let i = 0; i < this.free.length; i++) {
      const [start, end] = this.free[i];
      if (end - start < size) continue;
      if (end - start === size) this.free.splice(i, 1);
      else this.free[i][0] = start + size;
      this.sizes.set(start, size);
      this.used += size;
      return start;
    }
    return 0;
  }

  /** Returns a block from `allocate` (unknown offsets are ignored). */
  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) return;
    this.sizes.delete(offset);
    this.used -= size;
    const end = offset + size;
    let i = 0;
    while (i < this.free.length && this.free[i][0] < offset) i++;
    const before = i > 0 ? this.free[i - 1] : undefined;
    const after = i < this.free.length ? this.free[i] : undefined;
    if (before !== undefined && before[1] === offset) {
      before[1] = end;
      if (after !== undefined && after[0] === end) {
        before[1] = after[1];
        this.free.splice(i, 1);
      }
    } else if (after !== undefined && after[0] === end) {
      after[0] = offset;
    } else {
      this.free.splice(i, 0, [offset, end]);
    }
  }
}
