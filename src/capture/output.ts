// Where writers put bytes: encoders reserve room in a 64 KiB buffer and fill it in place; full
// buffers go to a destination (collected in memory, a Node writable stream, a web WritableStream)
// as one write each, so a million small records cost a few hundred writes, not a million.

import { WireError } from '../errors.js';

/** A Node writable stream, as far as writers need it (no import of node:stream: isomorphic). */
export interface NodeWritableLike {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  on(event: 'drain' | 'error' | 'finish', listener: (...args: unknown[]) => void): unknown;
}

/** Where a CaptureWriter writes: nothing (collect bytes for `toBytes()`), a Node or a web stream. */
export type CaptureDestination = NodeWritableLike | WritableStream<Uint8Array>;

const BUFFER_SIZE = 64 * 1024;

interface Room {
  bytes: Uint8Array;
  view: DataView;
  at: number;
}

export class Output {
  private buffer: Uint8Array;
  private view: DataView;
  private used = 0;
  private readonly room: Room;
  private readonly ready: Uint8Array[] = [];
  private readonly collected: Uint8Array[] = [];
  private readonly destination: Destination | undefined;

  constructor(destination?: CaptureDestination) {
    this.buffer = new Uint8Array(BUFFER_SIZE);
    this.view = new DataView(this.buffer.buffer);
    this.room = { bytes: this.buffer, view: this.view, at: 0 };
    this.destination = destination === undefined ? undefined : toDestination(destination);
  }

  /** Room for `n` bytes, to be filled and then `commit(n)`ed. */
  reserve(n: number): Room {
    if (this.buffer.length - this.used < n) {
      this.seal();
      this.buffer = new Uint8Array(Math.max(BUFFER_SIZE, n));
      this.view = new DataView(this.buffer.buffer);
      this.used = 0;
    }
    const room = this.room;
    room.bytes = this.buffer;
    room.view = this.view;
    room.at = this.used;
    return room;
  }

  commit(n: number): void {
    this.used += n;
  }

  /** Sends sealed buffers to the destination, waiting while it asks us to (backpressure). */
  async drain(force = false): Promise<void> {
    if (force) this.seal();
    while (this.ready.length > 0) {
      const chunk = this.ready.shift()!;
      if (this.destination === undefined) this.collected.push(chunk);
      else await this.destination.write(chunk);
    }
  }

  /** True when sealed buffers wait to be drained. */
  get pending(): boolean {
    return this.ready.length > 0;
  }

  async close(): Promise<void> {
    await this.drain(true);
    await this.destination?.close();
  }

  /** Everything written, in one array (only without a destination). */
  bytes(): Uint8Array {
    if (this.destination !== undefined) {
      throw new WireError('bad-value', 'toBytes() is for writers without a destination: the bytes went to the stream', { layer: 'capture' });
    }
    this.seal();
    while (this.ready.length > 0) this.collected.push(this.ready.shift()!);
    if (this.collected.length === 1) return this.collected[0]!;
    const total = this.collected.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of this.collected) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.collected.length = 0;
    this.collected.push(out);
    return out;
  }

  private seal(): void {
    if (this.used === 0) return;
    this.ready.push(this.buffer.subarray(0, this.used));
    this.buffer = new Uint8Array(BUFFER_SIZE);
    this.view = new DataView(this.buffer.buffer);
    this.used = 0;
  }
}

interface Destination {
  write(chunk: Uint8Array): Promise<void> | void;
  close(): Promise<void>;
}

function toDestination(target: CaptureDestination): Destination {
  if (typeof (target as WritableStream).getWriter === 'function') return webDestination(target as WritableStream<Uint8Array>);
  return nodeDestination(target as NodeWritableLike);
}

function webDestination(stream: WritableStream<Uint8Array>): Destination {
  const writer = stream.getWriter();
  let failure: unknown;
  return {
    async write(chunk) {
      if (failure !== undefined) throw failure;
      // `ready` is the stream's backpressure; the write itself is not awaited, so writes queue.
      await writer.ready;
      writer.write(chunk).catch((e: unknown) => {
        failure ??= e;
      });
    },
    async close() {
      if (failure !== undefined) throw failure;
      await writer.close();
    },
  };
}

function nodeDestination(stream: NodeWritableLike): Destination {
  // One listener per event for the writer's whole life (a listener per wait would pile up and
  // trip Node's leak warning); each routes to whoever waits now.
  let failure: unknown;
  let waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const wait = () => new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.resolve();
  };
  stream.on('drain', wake);
  stream.on('finish', wake);
  stream.on('error', (e) => {
    failure ??= e;
    const w = waiter;
    waiter = undefined;
    w?.reject(e);
  });
  return {
    write(chunk) {
      if (failure !== undefined) throw failure;
      if (stream.write(chunk)) return;
      return wait();
    },
    close() {
      if (failure !== undefined) return Promise.reject(failure);
      const finished = wait();
      stream.end();
      return finished;
    },
  };
}
