// Every kind of byte source as one async iterator of Uint8Array chunks: web ReadableStreams
// through getReader (the only way every browser supports), Node readable streams and other async
// iterables as they are, and synchronous iterables.
import { fileError } from './errors.js';
import type { CaptureSource } from './types.js';

function isReadableStream(source: object): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream).getReader === 'function';
}

function asChunk(chunk: unknown, index: number): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const kind = typeof chunk === 'string' ? 'a string (open the stream without an encoding)' : typeof chunk;
  throw fileError('capture', 'bad-value', `chunk ${index} of the source is ${kind}, not bytes`, 0);
}

/** The source's chunks, checked to be bytes, empty ones dropped. `return()` releases the source. */
export async function* sourceChunks(source: CaptureSource): AsyncGenerator<Uint8Array, void, undefined> {
  let index = 0;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = asChunk(source, 0);
    if (bytes.length > 0) yield bytes;
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        const chunk = asChunk(value, index++);
        if (chunk.length > 0) yield chunk;
      }
    } finally {
      // Stopped early (an error, or the consumer broke out): tell the producer nobody listens.
      if (!finished) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
    return;
  }
  // for await works on both async and sync iterables, and returns them when stopped early.
  for await (const value of source as AsyncIterable<unknown> | Iterable<unknown>) {
    const chunk = asChunk(value, index++);
    if (chunk.length > 0) yield chunk;
  }
}
