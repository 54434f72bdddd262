// Every kind of byte source as one async iterator of Uint8Array chunks: web ReadableStreams
// through getReader (the only way every browser supports), Node readable streams and other async
// iterables as they are, and synchronous iterables. A gzip-compressed source (a .pcap.gz, say) is
// decompressed on the way, as tshark reads one, by the platform's DecompressionStream (Node 18+,
// every current browser).
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

/**
 * The source's chunks, checked to be bytes, empty ones dropped, gzip-compressed ones decompressed.
 * `return()` releases the source.
 */
export async function* sourceChunks(source: CaptureSource): AsyncGenerator<Uint8Array, void, undefined> {
  const raw = rawChunks(source);
  // The first two bytes say whether it is gzip.
  let head: Uint8Array = new Uint8Array(0);
  let next = await raw.next();
  while (next.done !== true && head.length < 2) {
    head = head.length === 0 ? next.value : concat(head, next.value);
    if (head.length < 2) next = await raw.next();
  }
  if (isGzip(head) && typeof globalThis.DecompressionStream === 'function') {
    yield* gunzip(head, raw);
    return;
  }
  try {
    if (head.length > 0) yield head;
    if (next.done === true) return;
    yield* raw;
  } finally {
    // Stopped early (an error, or the consumer broke out) while `head` was out: release the source.
    await raw.return(undefined);
  }
}

/** Whether bytes start with gzip's magic number (RFC 1952 section 2.3.1: 0x1f 0x8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The decompressed bytes of `first` and the chunks after it. Damaged data is a WireError. */
async function* gunzip(first: Uint8Array, rest: AsyncGenerator<Uint8Array, void, undefined>): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let sourceError: unknown;
  let out = 0;
  // Compressed chunks go in while decompressed ones come out (the stream applies back-pressure).
  // A write fails only when the stream has failed, which the reading side reports; a failing
  // source is kept to be thrown as it is.
  const pump = (async () => {
    if (!(await put(first))) return;
    for (;;) {
      let n: IteratorResult<Uint8Array, void>;
      try {
        n = await rest.next();
      } catch (error) {
        sourceError = error;
        await writer.abort(error).catch(() => undefined);
        return;
      }
      if (n.done === true) break;
      if (!(await put(n.value))) return;
    }
    await writer.close().catch(() => undefined);
  })();
  async function put(chunk: Uint8Array): Promise<boolean> {
    try {
      await writer.write(chunk as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      return false;
    }
  }
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        await pump;
        if (sourceError !== undefined) throw sourceError;
        throw fileError('capture', 'bad-value', `the gzip-compressed capture is damaged after ${out} decompressed bytes (${(error as Error)?.message ?? String(error)})`, 0);
      }
      if (step.done) break;
      if (step.value.length > 0) {
        out += step.value.length;
        yield step.value;
      }
    }
    await pump;
    if (sourceError !== undefined) throw sourceError;
  } finally {
    // Stopped early: stop the pump and release the source.
    await reader.cancel().catch(() => undefined);
    await rest.return(undefined);
  }
}

async function* rawChunks(source: CaptureSource): AsyncGenerator<Uint8Array, void, undefined> {
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
