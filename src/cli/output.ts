// Buffered standard output. Decoding writes a line per packet; one write() per line costs more
// than decoding the line (a syscall, a Buffer, a callback), so text is gathered into ~1 MiB chunks.
// When the reader goes away (`wirekit decode | head`) the write fails with EPIPE: that is a normal
// way for a pipeline to end, so it stops the command quietly instead of crashing it.
import type { Writable } from 'node:stream';

const CHUNK = 1 << 20;

/** Raised out of `write` once the reader of our output has gone; commands stop and exit 0. */
export class OutputClosed extends Error {
  override name = 'OutputClosed';
}

/** Standard output, buffered in large chunks, with backpressure and a quiet end on EPIPE. */
export class BufferedOutput {
  readonly #stream: Writable;
  #pending = '';
  #closed = false;
  #error: Error | undefined;

  constructor(stream: Writable = process.stdout) {
    this.#stream = stream;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.#closed = true;
      else this.#error = error;
    });
  }

  /** Whether the reader has gone away: callers may stop producing. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends text; returns a promise only when a chunk was handed to a stream that is full. */
  write(text: string): Promise<void> | undefined {
    this.#pending += text;
    if (this.#pending.length < CHUNK) return undefined;
    return this.flush();
  }

  /** Sends a chunk of bytes (after any buffered text); a promise only when the stream is full. */
  writeChunk(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#error !== undefined || this.#closed || this.#pending.length > 0) return this.#writeChunkSlow(chunk);
    return this.#stream.write(chunk) ? undefined : this.#drained().then(() => this.#check());
  }

  async #writeChunkSlow(chunk: Uint8Array): Promise<void> {
    await this.flush();
    if (!this.#stream.write(chunk)) await this.#drained();
    this.#check();
  }

  #check(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed) throw new OutputClosed();
  }

  /** Hands buffered text to the stream and waits for it to drain if it is full. */
  async flush(): Promise<void> {
    this.#check();
    if (this.#pending.length === 0) return;
    const text = this.#pending;
    this.#pending = '';
    if (!this.#stream.write(text)) await this.#drained();
    this.#check();
  }

  /** Flushes everything and waits until the stream has taken it (so the process may exit). */
  async end(): Promise<void> {
    await this.flush();
    if (this.#closed) return;
    if (this.#stream.writableLength > 0) await this.#drained();
  }

  /** Resolves on drain, or when the stream fails or closes (the error handler records which). */
  #drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#stream.off('drain', done);
        this.#stream.off('error', done);
        this.#stream.off('close', done);
        resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('error', done);
      this.#stream.on('close', done);
    });
  }
}
