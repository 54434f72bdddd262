// Convenience over TcpReassembler: a whole capture reassembled, as an async stream of events, as
// the chunks of one connection, as a web ReadableStream of one direction's bytes, or (for a capture
// in memory) synchronously through the batch decoder with no per-packet objects.
import { captureBatchesResident, type CaptureBatch } from '../batch-capture.js';
import { BATCH_ERROR_LAYER, BATCH_STATUS } from '../kernels/batch.js';
import { readCapture } from '../capture/reader.js';
import type { CaptureSource } from '../capture/types.js';
import { WireError } from '../errors.js';
import {
  TcpReassembler,
  type GapReason,
  type TcpCloseReason,
  type TcpConnection,
  type TcpReassemblyHandlers,
  type TcpReassemblyOptions,
} from './tcp-flows.js';

/** What `reassembleCapture` yields, in the order the reassembler tells it. */
export type TcpStreamEvent =
  | { type: 'open'; connection: TcpConnection }
  | { type: 'data'; connection: TcpConnection; direction: 0 | 1; data: Uint8Array; offset: number; timestamp: bigint; filler?: boolean }
  | { type: 'gap'; connection: TcpConnection; direction: 0 | 1; size: number; reason: GapReason; offset: number; timestamp: bigint }
  | { type: 'close'; connection: TcpConnection; reason: TcpCloseReason };

function queueing(queue: TcpStreamEvent[]): TcpReassemblyHandlers {
  return {
    onConnection: (connection) => queue.push({ type: 'open', connection }),
    onData: (connection, direction, data, info) => {
      const e: TcpStreamEvent = { type: 'data', connection, direction, data, offset: info.offset, timestamp: info.timestamp };
      if (info.filler) e.filler = true;
      queue.push(e);
    },
    onGap: (connection, direction, size, reason, info) => queue.push({ type: 'gap', connection, direction, size, reason, offset: info.offset, timestamp: info.timestamp }),
    onClose: (connection, reason) => queue.push({ type: 'close', connection, reason }),
  };
}

/**
 * Reassembles every TCP connection of a capture (pcap or pcapng: bytes, a Node or web stream, or
 * chunks), yielding events as the packets are read, so memory stays within the reassembler's caps
 * whatever the capture's size. Data chunks may be views of the reader's buffers: copy what you keep.
 *
 * @example
 * for await (const e of reassembleCapture(createReadStream('trace.pcap'))) {
 *   if (e.type === 'data') console.log(e.connection.stream, e.direction, e.data.length);
 *   if (e.type === 'gap') console.log('missing', e.size, e.reason);
 * }
 */
export async function* reassembleCapture(source: CaptureSource, options: TcpReassemblyOptions = {}): AsyncGenerator<TcpStreamEvent, void, undefined> {
  const queue: TcpStreamEvent[] = [];
  const r = new TcpReassembler(queueing(queue), options);
  for await (const record of readCapture(source)) {
    r.pushRecord(record);
    if (queue.length > 0) {
      yield* queue;
      queue.length = 0;
    }
  }
  r.end();
  yield* queue;
}

/** One chunk of a followed connection: bytes of a direction, or a gap in it. */
export type TcpFollowChunk = { direction: 0 | 1; data: Uint8Array; timestamp: bigint } | { direction: 0 | 1; gap: number; reason: GapReason; timestamp: bigint };

/**
 * The chunks of one connection (`stream` is tshark's `tcp.stream` number), both directions in the
 * order they complete, like Wireshark's "Follow TCP Stream".
 *
 * @example
 * for await (const c of followTcpStream(bytes, 0)) if ('data' in c) process.stdout.write(c.data);
 */
export async function* followTcpStream(source: CaptureSource, stream: number, options: TcpReassemblyOptions = {}): AsyncGenerator<TcpFollowChunk, void, undefined> {
  if (!Number.isInteger(stream) || stream < 0) throw new WireError('bad-value', `stream must be a non-negative integer, got ${stream}`, { layer: 'tcp' });
  for await (const e of reassembleCapture(source, options)) {
    if (e.type === 'data' && e.connection.stream === stream) yield { direction: e.direction, data: e.data, timestamp: e.timestamp };
    else if (e.type === 'gap' && e.connection.stream === stream) yield { direction: e.direction, gap: e.size, reason: e.reason, timestamp: e.timestamp };
    else if (e.type === 'close' && e.connection.stream === stream) return;
  }
}

/**
 * One direction of one connection as a web `ReadableStream` of bytes (direction 0: what the
 * connection's first sender sent). Pulled: the capture is read only as fast as the stream is.
 * Gaps are skipped, or filled with zeros under `fillGaps`.
 *
 * @example
 * const body = tcpStreamReadable(bytes, 0, 1);  // the server's bytes of connection 0
 * const text = await new Response(body).text();
 */
export function tcpStreamReadable(source: CaptureSource, stream: number, direction: 0 | 1, options: TcpReassemblyOptions = {}): ReadableStream<Uint8Array> {
  if (direction !== 0 && direction !== 1) throw new WireError('bad-value', `direction must be 0 or 1, got ${String(direction)}`, { layer: 'tcp' });
  let chunks: AsyncGenerator<TcpFollowChunk, void, undefined> | undefined;
  return new globalThis.ReadableStream<Uint8Array>({
    async pull(controller) {
      chunks ??= followTcpStream(source, stream, options);
      for (;;) {
        const next = await chunks.next();
        if (next.done) {
          controller.close();
          return;
        }
        const c = next.value;
        if (c.direction === direction && 'data' in c && c.data.length > 0) {
          // A copy: the reader's buffer under a view may be reused once we read on.
          controller.enqueue(c.data.slice());
          return;
        }
      }
    },
    async cancel() {
      await chunks?.return(undefined);
    },
  });
}

/**
 * Reassembles an in-memory capture (pcap or pcapng bytes) synchronously through the batch decoder:
 * no object per packet, the fast path for a whole file. The capture is indexed and decoded a batch
 * at a time (`decodeCaptureBatches`: one WebAssembly walk per batch for pcap, read in place when
 * the bytes are in WASM memory) and each batch's table handed to `pushTable`. Chunks are views of
 * `capture`, those that waited for earlier bytes included (`zeroCopy` is on unless the options turn
 * it off; where segments overlap, the bytes are copied as without it). Returns the reassembler,
 * ended, for its `stats()` (its table is empty once
 * ended: collect connections in `onClose`). A damaged file is reassembled up to the damage, the
 * reassembler ended (buffered bytes and gaps handed on, connections closed), and the capture's
 * WireError thrown.
 *
 * @example
 * let bytes = 0;
 * reassembleTcp(file, { onData: (conn, dir, data) => { bytes += data.length; } });
 */
export function reassembleTcp(capture: Uint8Array, handlers: TcpReassemblyHandlers = {}, options: TcpReassemblyOptions = {}): TcpReassembler {
  const r = new TcpReassembler(handlers, options.zeroCopy === undefined ? { ...options, zeroCopy: true } : options);
  // Each batch is pushed before the next is asked for: they can live in WASM memory (no copy-out).
  const batches = captureBatchesResident(capture);
  try {
    for (;;) {
      let next: IteratorResult<CaptureBatch>;
      try {
        next = batches.next();
      } catch (e) {
        // Damage in the file: what came before it has been pushed; hand it all on, then report it.
        r.end();
        throw e;
      }
      if (next.done === true) break;
      pushBatch(r, next.value);
    }
  } finally {
    // A callback that threw leaves the walk open: close it, which frees the internal region.
    batches.return(undefined);
  }
  r.end();
  return r;
}

const UNSUPPORTED = BATCH_STATUS.indexOf('unsupported');
const AT_FRAME = BATCH_ERROR_LAYER.indexOf('frame');

/**
 * One batch, in record order: rows through pushTable, except records whose link type the batch
 * decoder does not read (BSD loopback NULL/LOOP, and any other), which go through pushRecord
 * (decodePacket).
 */
function pushBatch(r: TcpReassembler, { table, index }: CaptureBatch): void {
  const status = table.status;
  const where = table.errorLayer;
  let from = 0;
  for (let i = 0; i < table.count; i++) {
    if (status[i] !== UNSUPPORTED || where[i] !== AT_FRAME) continue;
    r.pushTable(table, index, from, i);
    const at = index.offsets[i]!;
    const length = index.lengths[i]!;
    r.pushRecord({
      data: index.data.subarray(at, at + length),
      linkType: index.linkTypes[i]!,
      timestamp: index.timestamps[i]!,
      capturedLength: length,
      originalLength: index.originalLengths[i]!,
      interfaceId: index.interfaceIds[i]!,
    });
    from = i + 1;
  }
  r.pushTable(table, index, from, table.count);
}
