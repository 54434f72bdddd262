// The streaming reader's buffer: chunks as they arrive, consumed from the front. A unit (header,
// record, block) that lies inside one chunk is read where it is, with no copy; one that straddles
// chunks is copied once into a buffer of exactly its length. So memory stays at the current unit
// plus the chunks it touches, whatever the file size.
export interface Window {
  bytes: Uint8Array;
  view: DataView;
  at: number;
}

export class ChunkQueue {
  /** File offset of the first unconsumed byte. */
  offset = 0;
  /** Unconsumed bytes buffered. */
  available = 0;
  private chunks: Uint8Array[] = [];
  private views: DataView[] = [];
  /** Index of the first unconsumed byte in chunks[0]. */
  private head = 0;
  private ended = false;
  private readonly source: AsyncIterator<Uint8Array>;
  private readonly window: Window = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)), at: 0 };

  constructor(source: AsyncIterator<Uint8Array>) {
    this.source = source;
  }

  /** Buffers at least `n` bytes; false when the source ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n) {
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const chunk = next.value;
      this.chunks.push(chunk);
      this.views.push(new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.available += chunk.length;
    }
    return true;
  }

  /** The next `n` buffered bytes as one contiguous range (`n <= available`). The result is reused. */
  contiguous(n: number): Window {
    const first = this.chunks[0]!;
    const w = this.window;
    if (first.length - this.head < n) this.coalesce(n);
    w.bytes = this.chunks[0]!;
    w.view = this.views[0]!;
    w.at = this.head;
    return w;
  }

  /** Consumes `n` buffered bytes. */
  advance(n: number): void {
    this.offset += n;
    this.available -= n;
    let head = this.head + n;
    let used = 0;
    while (used < this.chunks.length && head >= this.chunks[used]!.length) {
      head -= this.chunks[used]!.length;
      used++;
    }
    this.drop(used);
    this.head = head;
  }

  /** Stops the source (the consumer is done early, or an error ended reading). */
  async close(): Promise<void> {
    this.chunks = [];
    this.views = [];
    await this.source.return?.();
  }

  /** Moves the next `n` bytes into one fresh buffer at the front (never reused: records may view it). */
  private coalesce(n: number): void {
    const merged = new Uint8Array(n);
    let filled = 0;
    let used = 0;
    let head = this.head;
    while (filled < n) {
      const chunk = this.chunks[used]!;
      const take = Math.min(n - filled, chunk.length - head);
      merged.set(chunk.subarray(head, head + take), filled);
      filled += take;
      if (head + take === chunk.length) {
        used++;
        head = 0;
      } else {
        // Keep the rest of a partly used chunk as its own view, so the merged buffer stays n bytes.
        const rest = chunk.subarray(head + take);
        this.chunks[used] = rest;
        this.views[used] = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
        head = 0;
      }
    }
    // The chunks used up go in one splice, not a shift each (a unit across 200,000 one-byte chunks
    // took ~100 s that way).
    this.chunks.splice(0, used, merged);
    this.views.splice(0, used, new DataView(merged.buffer));
    this.head = 0;
  }

  /** Drops the first `k` chunks. */
  private drop(k: number): void {
    if (k === 1) {
      this.chunks.shift();
      this.views.shift();
    } else if (k > 1) {
      this.chunks.splice(0, k);
      this.views.splice(0, k);
    }
  }
}
