// Output bytes gathered into ~1 MiB chunks for NDJSON. Lines are written straight into the chunk
// by json-line.ts (building each line as a JS string and encoding it later costs a rope, a flatten
// and a UTF-8 pass); full chunks go to `drain` and a fresh one is taken, since the stream may
// still hold the old one.

const CHUNK = 1 << 20;
/** A line ending past this point sends the chunk on, so a line (~1.5 KiB) rarely outgrows it. */
const FLUSH_AT = CHUNK - (64 << 10);

export type ChunkSink = (chunk: Uint8Array) => Promise<void> | undefined;

export class ByteWriter {
  /** The current chunk and the write position in it: writers fill it after `reserve`. */
  buf = new Uint8Array(CHUNK);
  pos = 0;
  readonly #drain: ChunkSink;

  constructor(drain: ChunkSink) {
    this.#drain = drain;
  }

  /** Makes room for `n` more bytes at `pos`. Chunks are sent between lines, never mid-line: a line that outgrows the chunk (a huge field) is kept whole in a larger one. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(CHUNK, this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** Ends a line; sends the chunk on once it is nearly full. */
  endLine(): Promise<void> | undefined {
    this.reserve(1);
    this.buf[this.pos++] = 0x0a;
    return this.pos >= FLUSH_AT ? this.flush() : undefined;
  }

  /** Hands what is buffered to the sink; a promise when the sink must be waited for. */
  flush(): Promise<void> | undefined {
    if (this.pos === 0) return undefined;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(CHUNK);
    this.pos = 0;
    return this.#drain(chunk);
  }
}
