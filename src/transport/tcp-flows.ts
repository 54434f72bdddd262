// The flow table: TCP connections keyed by their 5-tuple, both directions together, each direction
// reassembled (tcp-stream.ts), and each connection's state as a passive observer can tell it.
//
// Stream numbers are tshark's `tcp.stream`: connections are numbered in order of first appearance,
// and a SYN (without ACK) on a known 5-tuple whose sequence number differs from the base of that
// direction starts a new connection (port reuse), as packet-tcp.c does; the base is the SYN's
// sequence number, or one less than the first sequence number seen (a capture that starts mid-way),
// or one less than an ACK seen before the other direction sent anything.
import { decodePacket, dissectorFor } from '../dissect.js';
import { WireError } from '../errors.js';
import { IpDefragmenter } from '../network/defrag.js';
import { formatIpv6 } from '../network/ip-address.js';
import type { Packet } from '../packet/packet.js';
import type { Layer } from '../packet/protocol.js';
import { BatchLayer, type PacketTable } from '../batch.js';
import type { CaptureRecord } from '../capture/types.js';
import { REASSEMBLY_REGION_SIZE } from '../wasm/arena.js';
import { wasmArena } from '../wasm/backend.js';
import { REASM_BLOCK, REASM_MAX_WINDOW } from '../kernels/tcp-reassembly.js';
import { reassemblyMemory, type ReassemblyMemory } from './tcp-buffers.js';
import { PLAN_BLOCKS, PLAN_HANDED, PLAN_LENGTH, PLAN_MAX_ROWS, PLAN_MID, PLAN_RECORD, PLAN_START, RunPlan } from '../kernels/tcp-plan.js';
import { TcpDirection, type DirectionHost, type GapReason, type OverlapPolicy, type TcpDirectionStats } from './tcp-stream.js';

export type { GapReason, OverlapPolicy, TcpDirectionStats };
export { TcpDirection };

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;
const PSH = 0x08;

/**
 * A connection's state as seen from the wire (RFC 9293 3.3.2, observed passively):
 * - `syn-sent`: a SYN was seen (SYN-SENT at the client);
 * - `syn-received`: the SYN-ACK too (SYN-RECEIVED at the server);
 * - `established`: the handshake's ACK, or data of a connection picked up mid-way;
 * - `half-closed`: one side sent FIN (FIN-WAIT at it, CLOSE-WAIT at its peer);
 * - `closing`: both sides sent FIN, the last one not yet acknowledged;
 * - `closed`: both FINs sent and acknowledged (TIME-WAIT / CLOSED);
 * - `reset`: a RST ended it.
 */
export type TcpConnectionState = 'syn-sent' | 'syn-received' | 'established' | 'half-closed' | 'closing' | 'closed' | 'reset';

/** Why a connection's reassembly ended: `end` of input, `evicted` (idle or over `maxFlows`), or `replaced` by a new connection on its 5-tuple. */
export type TcpCloseReason = 'end' | 'evicted' | 'replaced';

/** One TCP connection: both directions, its state and its counters. */
export class TcpConnection {
  /** tshark's `tcp.stream`: the connection's index in order of first appearance. */
  readonly stream: number;
  readonly ipVersion: 4 | 6;
  /** Addresses and ports of node 0 (the sender of the connection's first packet) and node 1. */
  readonly addresses: readonly [string, string];
  readonly ports: readonly [number, number];
  /** Direction 0 carries node 0's bytes to node 1; direction 1 the reverse. */
  readonly directions: readonly [TcpDirection, TcpDirection];
  state: TcpConnectionState = 'established';
  /** The node that sent the SYN, when one was seen. */
  client: 0 | 1 | undefined;
  /** True when no SYN was seen: the capture began after the handshake. */
  midstream = true;
  /** Frames and frame bytes each way (what `tshark -z conv,tcp` counts). */
  readonly frames: [number, number] = [0, 0];
  readonly frameBytes: [number, number] = [0, 0];
  firstTimestamp: bigint;
  lastTimestamp: bigint;
  /** Capture times of the handshake's SYN, SYN-ACK and ACK (ns since the epoch), as seen. */
  synTimestamp: bigint | undefined;
  synAckTimestamp: bigint | undefined;
  ackTimestamp: bigint | undefined;
  /** Set once reassembly of this connection has ended. */
  closeReason: TcpCloseReason | undefined;
  /** @internal stream-numbering bases, per direction (see the file comment). */
  readonly bases: [number | undefined, number | undefined] = [undefined, undefined];
  /** @internal */ readonly endpoint0: string;
  /** @internal LRU links */ newer: TcpConnection | undefined;
  /** @internal */ older: TcpConnection | undefined;
  /** @internal */ readonly key: string;

  constructor(stream: number, key: string, endpoint0: string, ipVersion: 4 | 6, addresses: [string, string], ports: [number, number], host: DirectionHost, timestamp: bigint) {
    this.stream = stream;
    this.key = key;
    this.endpoint0 = endpoint0;
    this.ipVersion = ipVersion;
    this.addresses = addresses;
    this.ports = ports;
    this.directions = [new TcpDirection(0, host), new TcpDirection(1, host)];
    this.directions[0].connection = this;
    this.directions[1].connection = this;
    this.firstTimestamp = timestamp;
    this.lastTimestamp = timestamp;
  }

  /**
   * Round-trip time from the handshake in nanoseconds: SYN to the ACK of the SYN-ACK as captured
   * (the whole round trip wherever the capture point is), or undefined without a full handshake.
   */
  get rtt(): number | undefined {
    if (this.synTimestamp === undefined || this.ackTimestamp === undefined) return undefined;
    return Number(this.ackTimestamp - this.synTimestamp);
  }

  /** Nanoseconds from first to last packet. */
  get duration(): number {
    return Number(this.lastTimestamp - this.firstTimestamp);
  }

  /** Segments that carried only bytes seen before, both ways. */
  get retransmissions(): number {
    return this.directions[0].stats.retransmissions + this.directions[1].stats.retransmissions;
  }

  /** `addr:port` of a node (IPv6 in brackets). */
  endpoint(node: 0 | 1): string {
    const a = this.addresses[node];
    return a.includes(':') ? `[${a}]:${this.ports[node]}` : `${a}:${this.ports[node]}`;
  }
}

/** Extra facts about a chunk of bytes. */
export interface TcpDataInfo {
  /** Where the chunk starts in its direction's byte stream (gaps count as their size). */
  offset: number;
  /** Capture time of the packet that completed the chunk. */
  timestamp: bigint;
  /** True for zeros standing in for a gap (`fillGaps`). */
  filler?: boolean;
}

/** What a reassembler tells as it goes. Every callback is optional. */
export interface TcpReassemblyHandlers {
  /** A new connection (its first packet). */
  onConnection?(connection: TcpConnection): void;
  /**
   * Bytes of one direction, in order, one chunk per segment as sent. A chunk from a segment that
   * continued the stream is a view of the packet's own bytes (copy it to keep it past the packet's
   * buffer); chunks that waited in the buffer are copies (views of a 256 KiB array shared by later
   * chunks, never overwritten), or with `zeroCopy` mostly views of the packet's bytes as well.
   */
  onData?(connection: TcpConnection, direction: 0 | 1, data: Uint8Array, info: TcpDataInfo): void;
  /** Bytes that will never come, skipped so the stream goes on. */
  onGap?(connection: TcpConnection, direction: 0 | 1, size: number, reason: GapReason, info: TcpDataInfo): void;
  /** Reassembly of a connection ended (its table entry is gone). */
  onClose?(connection: TcpConnection, reason: TcpCloseReason): void;
}

export interface TcpReassemblyOptions {
  /** Which bytes win where segments overlap buffered ones (default `first`; see `OverlapPolicy`). */
  overlap?: OverlapPolicy;
  /**
   * Reassembly memory one connection may hold, both directions together, in bytes (default 1 MiB; a
   * direction never reaches more than 3 MiB - 4 KiB past its next expected byte). A direction's
   * window (how far past the next expected byte it buffers) is this less what the other direction
   * holds; a segment beyond it skips holes (reported as `buffer-limit` gaps) until it fits.
   */
  maxBufferedPerFlow?: number;
  /** Bytes of reassembly memory all connections may hold together, in 4 KiB blocks (default and maximum 32 MiB). */
  maxBufferedTotal?: number;
  /** Connections tracked at once; beyond it the least recently active is evicted (default 262144). */
  maxFlows?: number;
  /** Seconds of capture time without a packet after which a connection is evicted (default: never). */
  idleTimeout?: number;
  /** Hand on zeros in place of each gap, after reporting it (default false). */
  fillGaps?: boolean;
  /**
   * Zero-window probes (one byte at the next sequence number while the peer advertises a zero
   * window): `drop` them (the default: they are counted, not delivered; the byte comes again once the
   * window opens) or `deliver` them like any byte (as tshark's follow does).
   */
  zeroWindowProbes?: 'drop' | 'deliver';
  /**
   * Keep segments that wait for earlier bytes as views of the bytes you pushed instead of copying
   * them into reassembly memory (default false; `reassembleTcp` turns it on, its input being the
   * whole capture). Only when those bytes stay as they are until `end()`: an in-memory capture, not
   * a buffer reused for the next packet. Chunks handed on after waiting are then views of your
   * bytes too. Caps, gaps and counters are the same either way (the memory is counted as if it were
   * copied); a direction whose held segments another segment overlaps copies them first and works
   * as without this option until its buffer empties. A view found detached when its turn comes
   * (WebAssembly memory grew under an `allocBuffer` capture) is a `WireError`.
   */
  zeroCopy?: boolean;
  /**
   * Reassemble IPv4 and IPv6 fragments first and take the TCP segment from the whole datagram, as
   * tshark does by default (ip.defragment, ipv6.defragment): the segment counts at the frame that
   * completes it (default true). `false` takes what a first fragment holds of a segment (the rest
   * is a gap) and ignores later fragments. The datagrams wait in an `IpDefragmenter` with its
   * default caps (4 MiB, 60 s of capture time; overlaps resolved as tshark does).
   */
  defragment?: boolean;
}

/** Counters of a reassembler, for watching its memory. */
export interface TcpReassemblyStats {
  /** Connections in the table now. */
  flows: number;
  /** Connections seen in all. */
  streams: number;
  packets: number;
  /** Bytes waiting in buffers now, and the reassembly memory (4 KiB blocks) they occupy. */
  bufferedBytes: number;
  bufferedMemory: number;
  /** The most reassembly memory held at once. */
  peakBufferedMemory: number;
  evictedFlows: number;
  gaps: number;
  gapBytes: number;
  backend: 'wasm' | 'js';
}

/** TCP fields of one segment, however it was decoded. */
interface Segment {
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: Uint8Array;
  /** Payload length on the wire (>= payload.length when the capture cut it). */
  length: number;
}

const DEFAULT_PER_FLOW = 1 << 20;
const DEFAULT_MAX_FLOWS = 262144;
const ZERO_CHUNK = 64 * 1024;
const EMPTY = new Uint8Array(0);
const OUT_POOL = 256 * 1024;

/** Endpoint keys: IPv4 as 2 UTF-16 units + port, IPv6 as 8 + port; cheap to build, exact. */
function endpointV4(ip: number, port: number): string {
  return String.fromCharCode(ip >>> 16, ip & 0xffff, port);
}

function endpointV6(b: Uint8Array, at: number, port: number): string {
  let s = '';
  for (let i = 0; i < 16; i += 2) s += String.fromCharCode((b[at + i]! << 8) | b[at + i + 1]!);
  return s + String.fromCharCode(port);
}

/** IP protocols of tunnels decodePacket walks into: IP in IP (4), IPv6 (41), GRE (47). */
const TUNNEL_PROTOCOLS = new Set([4, 41, 47]);
/** Ethertypes decodePacket reads and the batch decoder does not: MPLS (0x8847, 0x8848), PPPoE session (0x8864). */
const LATER_ETHERTYPES = new Set([0x8847, 0x8848, 0x8864]);

/** Where the low and high 32-bit words of a BigInt64Array element sit in an Int32Array view of it. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

/** Whether time a is later than time b (elements of the BigInt64Array `words` views). */
function later(words: Int32Array, a: number, b: number): boolean {
  const ha = words[2 * a + HIGH]!;
  const hb = words[2 * b + HIGH]!;
  return ha > hb || (ha === hb && words[2 * a + LOW]! >>> 0 > words[2 * b + LOW]! >>> 0);
}

/**
 * A planner's arrays given back by an ended reassembler, for the next one (they cost more to make
 * than a small capture's whole run). One reassembler holds them at a time.
 */
let sparePlan: RunPlan | undefined;

/** Protocols bound to UDP ports that carry whole frames or packets decodePacket walks into: VXLAN, Geneve. */
const UDP_TUNNELS = new Set(['vxlan', 'geneve']);

/** Whether row i of a table stopped where decodePacket would go on towards a TCP segment. */
function stopsShort(table: PacketTable, i: number): boolean {
  const layers = table.layers[i]!;
  if (layers & BatchLayer.UDP) {
    const a = dissectorFor('udp.port', table.srcPort[i]!);
    const b = dissectorFor('udp.port', table.dstPort[i]!);
    return (a !== undefined && UDP_TUNNELS.has(a)) || (b !== undefined && UDP_TUNNELS.has(b));
  }
  if (layers & (BatchLayer.ICMP | BatchLayer.ICMPV6 | BatchLayer.ARP)) return false;
  if (layers & (BatchLayer.IPV4 | BatchLayer.IPV6)) return TUNNEL_PROTOCOLS.has(table.protocol[i]!);
  return LATER_ETHERTYPES.has(table.ethertype[i]!);
}

const ipv4Text = (v: number) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;

/**
 * Passive TCP reassembly over any number of connections. Feed it packets in capture order (`push`,
 * `pushRecord`, `pushFrame`, or a whole decoded capture with `pushTable`), call `end()` when the
 * input ends, and take the bytes from the handlers.
 *
 * @example
 * const r = new TcpReassembler({
 *   onData(conn, dir, data) { console.log(conn.stream, dir, data.length); },
 *   onGap(conn, dir, size, reason) { console.log('missing', size, reason); },
 * });
 * for (const record of readCaptureSync(bytes)) r.pushRecord(record);
 * r.end();
 * r.stats(); // { flows, bufferedBytes, evictedFlows, ... }
 */
export class TcpReassembler implements DirectionHost {
  readonly memory: ReassemblyMemory;
  readonly policy: number;
  readonly window: number;
  readonly zeroCopy: boolean;
  readonly #handlers: TcpReassemblyHandlers;
  readonly #maxBlocks: number;
  readonly #maxFlows: number;
  readonly #idle: bigint | undefined;
  readonly #fillGaps: boolean;
  readonly #dropProbes: boolean;
  readonly #flows = new Map<string, TcpConnection>();
  /**
   * Directions holding buffered bytes, oldest first (the ones to give up when memory runs out): a
   * list through their bufferingPrev/bufferingNext links. A Set cost ~100 ns per add and delete
   * pair, paid each time a direction starts and stops waiting.
   */
  #bufferingFirst: TcpDirection | undefined;
  #bufferingLast: TcpDirection | undefined;
  #blocks = 0;
  #peakBlocks = 0;
  #streams = 0;
  #packets = 0;
  #evicted = 0;
  #gaps = 0;
  #gapBytes = 0;
  #newest: TcpConnection | undefined;
  #oldest: TcpConnection | undefined;
  #now = 0n;
  #out = EMPTY;
  #outUsed = 0;
  #last: TcpConnection | undefined;
  /** The connection and direction of the previous IPv4 packet, by its numbers (consecutive packets are mostly one flow's). */
  #lastConn: TcpConnection | undefined;
  #lastSrc = -1;
  #lastDst = -1;
  #lastPorts = -1;
  #lastDir: 0 | 1 = 0;
  readonly #defragment: boolean;
  /** Made at the first fragment. */
  #defrag: IpDefragmenter | undefined;
  /** pushTable's run planner's arrays (tcp-plan.ts), taken at the first run and given back at end(). */
  #plan: RunPlan | undefined;
  /** True while #replay hands on a planned run (handlers may not push then). */
  #replaying = false;

  constructor(handlers: TcpReassemblyHandlers = {}, options: TcpReassemblyOptions = {}) {
    this.#handlers = handlers;
    const overlap = options.overlap ?? 'first';
    if (overlap !== 'first' && overlap !== 'last' && overlap !== 'tshark') {
      throw new WireError('bad-value', `overlap must be 'first', 'last' or 'tshark', got '${String(overlap)}'`, { layer: 'tcp' });
    }
    this.policy = overlap === 'last' ? 1 : overlap === 'tshark' ? 2 : 0;
    const perFlow = options.maxBufferedPerFlow ?? DEFAULT_PER_FLOW;
    const total = options.maxBufferedTotal ?? REASSEMBLY_REGION_SIZE;
    const flows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    const check = (name: string, v: number, min: number) => {
      if (!(v >= min)) throw new WireError('bad-value', `${name} must be a number >= ${min}, got ${v}`, { layer: 'tcp' });
    };
    check('maxBufferedPerFlow', perFlow, 0);
    check('maxBufferedTotal', total, 0);
    check('maxFlows', flows, 1);
    this.window = Math.min(perFlow, REASM_MAX_WINDOW - REASM_BLOCK);
    this.#maxBlocks = Math.floor(Math.min(total, REASSEMBLY_REGION_SIZE) / REASM_BLOCK);
    this.#maxFlows = Math.floor(flows);
    if (options.idleTimeout !== undefined) {
      check('idleTimeout', options.idleTimeout, 0);
      this.#idle = BigInt(Math.round(options.idleTimeout * 1e9));
    }
    this.#fillGaps = options.fillGaps ?? false;
    this.#dropProbes = (options.zeroWindowProbes ?? 'drop') === 'drop';
    this.zeroCopy = options.zeroCopy === true;
    this.#defragment = options.defragment ?? true;
    this.memory = reassemblyMemory(wasmArena());
  }

  // -- input --------------------------------------------------------------------------------------

  /**
   * One decoded packet and its capture time (ns). Its TCP segment is the first one directly over an
   * IP layer, tunnels crossed (GRE, IP in IP, 6in4, MPLS: the inner connection is the one tracked, as
   * in tshark); packets without one are ignored, and so is a TCP header an ICMP error quotes (not a
   * live segment). `frameLength` is the length on the wire for the frame counters (default: the
   * bytes decoded).
   */
  push(packet: Packet, timestamp: bigint, frameLength = packet.bytes.length): void {
    this.#enter();
    this.#last = undefined;
    const layers = packet.layers;
    for (let i = 0; i < layers.length; i++) {
      const ip = layers[i]!;
      if (ip.name === 'icmp' || ip.name === 'icmpv6') return;
      if (ip.name !== 'ip' && ip.name !== 'ipv6') continue;
      if (this.#defragment && this.#fragment(packet, ip, timestamp, frameLength)) return;
      if (i + 1 === layers.length) return;
      const t = layers[i + 1]!;
      // Not TCP here: a tunnel's inner IP layer may carry it further in.
      if (t.name !== 'tcp') continue;
      const b = packet.bytes;
      const o = t.offset;
      if (o + 20 > b.length) return;
      const dataOffset = (b[o + 12]! >>> 4) * 4;
      // A header length below 20, or past the segment's length on the wire, is bogus: tshark reads
      // such a segment no further (no connection, no data), nor does the batch decoder's row.
      if (dataOffset < 20) return;
      // A header cut short by the snaplen leaves the layer's payload starting inside the options:
      // none of those bytes are data.
      const start = Math.max(t.payloadOffset, o + dataOffset);
      const captured = Math.max(0, t.payloadOffset + t.payloadLength - start);
      let wire: number;
      if (ip.name === 'ip') {
        const total = (b[ip.offset + 2]! << 8) | b[ip.offset + 3]!;
        wire = total === 0 ? captured : total - (o - ip.offset) - dataOffset;
      } else {
        const plen = (b[ip.offset + 4]! << 8) | b[ip.offset + 5]!;
        wire = plen === 0 ? captured : plen - (o - ip.offset - 40) - dataOffset;
      }
      if (wire < 0) return;
      const seg: Segment = {
        seq: ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0,
        ack: ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0,
        flags: ((b[o + 12]! & 0x0f) << 8) | b[o + 13]!,
        window: (b[o + 14]! << 8) | b[o + 15]!,
        // The constructor, not subarray (twice as fast); start + captured is within the packet.
        payload: captured === 0 ? EMPTY : new Uint8Array(b.buffer, b.byteOffset + start, Math.min(captured, b.length - start)),
        length: Math.max(wire, captured),
      };
      const sp = (b[o]! << 8) | b[o + 1]!;
      const dp = (b[o + 2]! << 8) | b[o + 3]!;
      if (ip.name === 'ip') {
        const src = ((b[ip.offset + 12]! << 24) | (b[ip.offset + 13]! << 16) | (b[ip.offset + 14]! << 8) | b[ip.offset + 15]!) >>> 0;
        const dst = ((b[ip.offset + 16]! << 24) | (b[ip.offset + 17]! << 16) | (b[ip.offset + 18]! << 8) | b[ip.offset + 19]!) >>> 0;
        this.#v4(src, dst, sp, dp, seg, timestamp, frameLength);
      } else {
        this.#v6(b, ip.offset + 8, ip.offset + 24, sp, dp, seg, timestamp, frameLength);
      }
      return;
    }
  }

  /** One capture record: decoded (checksums not verified), then `push`ed. */
  pushRecord(record: CaptureRecord): void {
    this.push(decodePacket(record.data, { linkType: record.linkType, checksums: false }), record.timestamp, record.originalLength);
  }

  /** One frame of a link type (LINKTYPE number, default Ethernet) at a capture time. */
  pushFrame(frame: Uint8Array, timestamp: bigint, linkType = 1): void {
    this.push(decodePacket(frame, { linkType, checksums: false }), timestamp);
  }

  /**
   * Whether the IP layer `ip` of `packet` is a fragment, taken by the defragmenter: when it
   * completes a datagram, the datagram is pushed in its place (at this frame's time and length).
   */
  #fragment(packet: Packet, ip: Layer, timestamp: bigint, frameLength: number): boolean {
    const b = packet.bytes;
    // Cheap tests first, as tshark's: an IPv4 header with neither MF nor an offset, an IPv6 header
    // without extension headers, is no fragment.
    if (ip.name === 'ip' ? (((b[ip.offset + 6]! << 8) | b[ip.offset + 7]!) & 0x3fff) === 0 : ip.length === 40) return false;
    const end = Math.min(b.length, ip.payloadOffset + ip.payloadLength);
    this.#defrag ??= new IpDefragmenter({ ipv4Overlap: 'tshark' });
    const result = this.#defrag.push(b.subarray(ip.offset, end), timestamp);
    if (result.status === 'not-fragment') return false;
    if (result.status === 'complete') this.push(decodePacket(result.packet, { linkType: 'raw', checksums: false }), timestamp, frameLength);
    return true;
  }

  /**
   * A decoded capture, with no per-packet objects: `table` from `decodeBatch(index)` and the index
   * (or any records with the same `data`, `offsets` and `timestamps`). Rows `from` to `to`.
   *
   * Under `zeroCopy`, the rows of a flow that waits for earlier bytes are planned together and
   * replayed (see tcp-plan.ts): what the handlers see is what row-by-row pushing shows them, but
   * while a planned run's bytes are handed on a handler may not push to or end this reassembler
   * (a `WireError`, code `unsupported`), and a handler that throws there loses the segments of
   * the run still waiting (the direction goes on holding nothing).
   *
   * @example
   * const index = indexCapture(bytes);
   * const r = new TcpReassembler({ onData: (c, d, data) => { total += data.length; } });
   * r.pushTable(decodeBatch(index), index);
   * r.end();
   */
  pushTable(
    table: PacketTable,
    records: { data: Uint8Array; offsets: Uint32Array; timestamps: BigInt64Array; originalLengths?: Uint32Array; lengths?: Uint32Array },
    from = 0,
    to = table.count,
  ): void {
    const { data, offsets, timestamps } = records;
    const originals = records.originalLengths ?? records.lengths;
    if (timestamps.length < to || offsets.length < to) {
      throw new WireError('bad-value', `the records hold ${Math.min(timestamps.length, offsets.length)} rows, the table ${to}`, { layer: 'tcp' });
    }
    const layers = table.layers;
    const ipVersion = table.ipVersion;
    // One segment record for every row: nothing below keeps it past the row.
    const seg: Segment = { seq: 0, ack: 0, flags: 0, window: 0, payload: data, length: 0 };
    // Payload views made with the constructor, about twice as fast as subarray (no species
    // lookup); clamped to `data` as subarray would be, so a table that does not fit reads nothing outside.
    const buffer = data.buffer;
    const base = data.byteOffset;
    const size = data.length;
    const lengths = records.lengths;
    /** Row i as a packet: decodePacket, then push. */
    const slow = (i: number) => {
      const at = offsets[i]!;
      const end = lengths === undefined ? at + table.payloadOffset[i]! + table.payloadLength[i]! : at + lengths[i]!;
      this.push(decodePacket(data.subarray(at, end), { linkType: table.linkType[i]!, checksums: false }), timestamps[i]!, originals === undefined ? end - at : originals[i]!);
    };
    // The columns read per row, taken once (calls in the loop keep the engine from doing it).
    const { payloadOffset, payloadLength, l3Offset, l4Offset, tcpHeaderLength, ipLength, tcpSeq, tcpAck, tcpFlags, tcpWindow, ipSrc, ipDst, srcPort, dstPort } = table;
    /** Rows before this one were looked at by a plan already: plan none from them again. */
    let planFrom = from;
    this.#enter();
    for (let i = from; i < to; i++) {
      if (layers[i]! & BatchLayer.FRAGMENT && this.#defragment) {
        // Rare: the record goes through decodePacket, and push sends it to the defragmenter.
        slow(i);
        continue;
      }
      if (!(layers[i]! & BatchLayer.TCP)) {
        // The batch decoder stops at a tunnel (GRE, IP in IP, 6in4) and at ethertypes it does not
        // read (MPLS, PPPoE sessions), where a TCP segment may still be: those go through
        // decodePacket and push, which walk on.
        if (stopsShort(table, i)) slow(i);
        else this.#last = undefined;
        continue;
      }
      const start = Math.min(offsets[i]! + payloadOffset[i]!, size);
      const captured = Math.min(payloadLength[i]!, size - start);
      const hdr = l4Offset[i]! - l3Offset[i]! + tcpHeaderLength[i]!;
      const v4 = ipVersion[i] === 4;
      const ipLen = ipLength[i]!;
      const wire = v4 ? ipLen - hdr : ipLen + 40 - hdr;
      const flags = tcpFlags[i]!;
      const payload = captured === 0 ? EMPTY : new Uint8Array(buffer, base + start, captured);
      const frameLength = originals === undefined ? 0 : originals[i]!;
      const sp = srcPort[i]!;
      const dp = dstPort[i]!;
      if (v4) {
        const src = ipSrc[i]!;
        const dst = ipDst[i]!;
        const conn = this.#lastConn;
        if (conn !== undefined && (flags | PSH) === (ACK | PSH) && captured >= 2 && wire <= captured && src === this.#lastSrc && dst === this.#lastDst && sp * 65536 + dp === this.#lastPorts && this.#plain(conn, this.#lastDir)) {
          // A data segment in the plain course of the previous packet's flow and direction: of
          // #packet, only what such a segment does.
          const dir = this.#lastDir;
          const fwd = conn.directions[dir];
          if ((tcpSeq[i]! | 0) !== fwd.next && this.zeroCopy && i >= planFrom && !fwd.holding) {
            // A segment ahead of the stream: it and the rows of the flow up to where nothing waits
            // any more, planned together (see tcp-plan.ts).
            const rows = this.#planned(table, offsets, timestamps, originals, buffer, base, size, i, to, conn, dir);
            planFrom = this.#plan!.stop + 1;
            if (rows > 0) {
              i += rows - 1;
              continue;
            }
          }
          const ts = timestamps[i]!;
          this.#packets++;
          this.#now = ts;
          this.#last = conn;
          conn.frames[dir]++;
          conn.frameBytes[dir] += frameLength;
          if (ts > conn.lastTimestamp) conn.lastTimestamp = ts;
          fwd.stats.segments++;
          fwd.window = tcpWindow[i]!;
          fwd.whole(tcpSeq[i]! | 0, payload, ts);
          continue;
        }
      }
      seg.seq = tcpSeq[i]!;
      seg.ack = tcpAck[i]!;
      seg.flags = flags;
      seg.window = tcpWindow[i]!;
      seg.payload = payload;
      seg.length = wire > captured ? wire : captured;
      // As push: no connection is the packet's until its segment reaches one (an eviction's
      // callback on the way sees none).
      this.#last = undefined;
      if (v4) {
        this.#v4(ipSrc[i]!, ipDst[i]!, sp, dp, seg, timestamps[i]!, frameLength);
      } else {
        const k = table.ipv6Index[i]!;
        if (k >= 0) this.#v6(table.ipv6Addresses, k * 32, k * 32 + 16, sp, dp, seg, timestamps[i]!, frameLength);
      }
    }
  }

  /** Plans rows [i, to) of the previous packet's flow and direction, and replays what it commits: the rows taken. */
  #planned(
    table: PacketTable,
    offsets: Uint32Array,
    timestamps: BigInt64Array,
    originals: Uint32Array | undefined,
    buffer: ArrayBufferLike,
    base: number,
    size: number,
    i: number,
    to: number,
    conn: TcpConnection,
    dir: 0 | 1,
  ): number {
    const plan = (this.#plan ??= sparePlan ?? new RunPlan());
    sparePlan = undefined;
    const pool = this.memory.pool;
    const avail = Math.min(this.#maxBlocks - this.#blocks, pool.count - pool.inUse);
    const limit = Math.min(this.window, REASM_MAX_WINDOW - REASM_BLOCK);
    this.memory.plan(table, offsets, size, i, Math.min(to, i + PLAN_MAX_ROWS), this.#lastSrc, this.#lastDst, this.#lastPorts, conn.directions[dir].next, limit, avail, this.#defragment, plan);
    if (plan.rows > 0) this.#replay(plan, i, conn, dir, table, buffer, base, timestamps, originals);
    return plan.rows;
  }

  /**
   * Does what a plan's committed rows do, row by row as the per-row path would: the counters, the
   * bytes each row hands on (views of the records' bytes, with the row's time), what waits. The
   * blocks a waiting direction takes are counted, not taken: every committed run ends holding
   * nothing, and the plan stayed within what could have been taken.
   */
  #replay(
    plan: RunPlan,
    from: number,
    conn: TcpConnection,
    dir: 0 | 1,
    table: PacketTable,
    buffer: ArrayBufferLike,
    base: number,
    timestamps: BigInt64Array,
    originals: Uint32Array | undefined,
  ): void {
    const { record, order } = plan;
    const fwd = conn.directions[dir];
    const stats = fwd.stats;
    const blocks0 = this.#blocks;
    const tcpWindow = table.tcpWindow;
    const onData = this.#handlers.onData;
    // A waiting row's time is not read as a BigInt (an allocation each): the latest of those since
    // the last row that hands bytes on is found on the words of the times, and joins
    // conn.lastTimestamp before the next callback (nothing reads it sooner).
    const words = new Int32Array(timestamps.buffer, timestamps.byteOffset, timestamps.length * 2);
    let latest = -1;
    let at = 0;
    this.#replaying = true;
    try {
      for (let r = 0; r < plan.rows; r++) {
        const i = from + r;
        const o = r * PLAN_RECORD;
        this.#packets++;
        this.#last = conn;
        conn.frames[dir]++;
        conn.frameBytes[dir] += originals === undefined ? 0 : originals[i]!;
        stats.segments++;
        fwd.window = tcpWindow[i]!;
        const c = record[o + PLAN_HANDED]!;
        if (c === 0) {
          if (latest < 0 || later(words, i, latest)) latest = i;
          // Waits: the blocks it takes (the state block first, when the direction starts waiting).
          stats.outOfOrder++;
          if (fwd.blocks === 0) this.buffering(fwd, true);
          fwd.blocks = record[o + PLAN_BLOCKS]!;
          this.#blocks = blocks0 + fwd.blocks;
          if (this.#blocks > this.#peakBlocks) this.#peakBlocks = this.#blocks;
          fwd.buffered += record[o + PLAN_LENGTH]!;
          continue;
        }
        const ts = timestamps[i]!;
        this.#now = ts;
        if (latest >= 0 && later(words, latest, i)) {
          const t = timestamps[latest]!;
          if (t > conn.lastTimestamp) conn.lastTimestamp = t;
        } else if (ts > conn.lastTimestamp) conn.lastTimestamp = ts;
        latest = -1;
        for (let e = at + c; at < e; at++) {
          const k = order[at]!;
          const len = record[k * PLAN_RECORD + PLAN_LENGTH]!;
          fwd.next = (fwd.next + len) | 0;
          stats.bytes += len;
          if (k !== r) fwd.buffered -= len;
          // this.data, inlined.
          if (onData !== undefined) onData(conn, dir, new Uint8Array(buffer, base + record[k * PLAN_RECORD + PLAN_START]!, len), { offset: stats.bytes + stats.gapBytes - len, timestamp: ts });
          if (k === r && fwd.blocks !== 0) {
            // Its bytes moved the window on: the blocks behind it given back before the held ones follow.
            fwd.blocks = record[o + PLAN_MID]!;
            this.#blocks = blocks0 + fwd.blocks;
          }
        }
        if (fwd.blocks !== 0) {
          fwd.blocks = record[o + PLAN_BLOCKS]!;
          this.#blocks = blocks0 + fwd.blocks;
          if (fwd.blocks === 0) this.buffering(fwd, false);
        }
      }
    } catch (e) {
      // A handler threw: the rows still waiting in the plan are dropped with it, and the direction
      // left holding nothing (as the counted blocks say once given back).
      if (fwd.blocks !== 0) this.buffering(fwd, false);
      fwd.blocks = 0;
      fwd.buffered = 0;
      this.#blocks = blocks0;
      throw e;
    } finally {
      this.#replaying = false;
    }
  }

  /** A push or end from inside a handler while #replay hands on a planned run's bytes: refused. */
  #enter(): void {
    if (this.#replaying) {
      throw new WireError('unsupported', 'a handler pushed to (or ended) the reassembler that called it while pushTable hands on a planned run; push from outside the handlers', { layer: 'tcp' });
    }
  }

  /** The input ended: every connection's buffered bytes are handed on (holes as gaps) and closed. */
  end(): void {
    this.#enter();
    if (this.#plan !== undefined) {
      sparePlan = this.#plan;
      this.#plan = undefined;
    }
    for (const conn of [...this.#flows.values()]) this.#close(conn, 'end');
  }

  // -- queries ------------------------------------------------------------------------------------

  /**
   * The connection of the last packet pushed, or undefined when it carried no TCP segment: how to
   * label packets with tshark's `tcp.stream` as they go.
   */
  get lastConnection(): TcpConnection | undefined {
    return this.#last;
  }

  /** The connections in the table, oldest first. */
  connections(): IterableIterator<TcpConnection> {
    return this.#flows.values();
  }

  stats(): TcpReassemblyStats {
    let buffered = 0;
    for (let d = this.#bufferingFirst; d !== undefined; d = d.bufferingNext) buffered += d.buffered;
    return {
      flows: this.#flows.size,
      streams: this.#streams,
      packets: this.#packets,
      bufferedBytes: buffered,
      bufferedMemory: this.#blocks * REASM_BLOCK,
      peakBufferedMemory: this.#peakBlocks * REASM_BLOCK,
      evictedFlows: this.#evicted,
      gaps: this.#gaps,
      gapBytes: this.#gapBytes,
      backend: this.memory.backend,
    };
  }

  // -- flow lookup --------------------------------------------------------------------------------

  #v4(src: number, dst: number, sp: number, dp: number, seg: Segment, ts: bigint, frameLength: number): void {
    const ports = sp * 65536 + dp;
    let conn = this.#lastConn;
    let dir: 0 | 1;
    if (conn !== undefined && conn.closeReason === undefined && src === this.#lastSrc && dst === this.#lastDst && ports === this.#lastPorts) {
      dir = this.#lastDir;
    } else if (conn !== undefined && conn.closeReason === undefined && src === this.#lastDst && dst === this.#lastSrc && ports === (this.#lastPorts & 0xffff) * 65536 + (this.#lastPorts >>> 16)) {
      dir = (1 - this.#lastDir) as 0 | 1;
      this.#lastSrc = src;
      this.#lastDst = dst;
      this.#lastPorts = ports;
      this.#lastDir = dir;
    } else {
      const a = endpointV4(src, sp);
      const b = endpointV4(dst, dp);
      const key = a < b ? a + b : b + a;
      conn = this.#flows.get(key);
      if (conn === undefined) conn = this.#open(key, a, 4, [ipv4Text(src), ipv4Text(dst)], [sp, dp], ts);
      dir = a === conn.endpoint0 ? 0 : 1;
      this.#lastConn = conn;
      this.#lastSrc = src;
      this.#lastDst = dst;
      this.#lastPorts = ports;
      this.#lastDir = dir;
    }
    this.#packet(conn, dir, seg, ts, frameLength);
  }

  #v6(bytes: Uint8Array, srcAt: number, dstAt: number, sp: number, dp: number, seg: Segment, ts: bigint, frameLength: number): void {
    const a = endpointV6(bytes, srcAt, sp);
    const b = endpointV6(bytes, dstAt, dp);
    const key = a < b ? a + b : b + a;
    let conn = this.#flows.get(key);
    if (conn === undefined) conn = this.#open(key, a, 6, [formatIpv6(bytes, srcAt), formatIpv6(bytes, dstAt)], [sp, dp], ts);
    this.#lastConn = undefined;
    this.#packet(conn, a === conn.endpoint0 ? 0 : 1, seg, ts, frameLength);
  }

  #open(key: string, endpoint0: string, ipVersion: 4 | 6, addresses: [string, string], ports: [number, number], ts: bigint): TcpConnection {
    while (this.#flows.size >= this.#maxFlows && this.#oldest !== undefined) {
      this.#evicted++;
      this.#close(this.#oldest, 'evicted');
    }
    const conn = new TcpConnection(this.#streams++, key, endpoint0, ipVersion, addresses, ports, this, ts);
    this.#flows.set(key, conn);
    // Newest end of the LRU list.
    conn.older = this.#newest;
    if (this.#newest !== undefined) this.#newest.newer = conn;
    this.#newest = conn;
    this.#oldest ??= conn;
    this.#handlers.onConnection?.(conn);
    return conn;
  }

  #close(conn: TcpConnection, reason: TcpCloseReason): void {
    if (conn.closeReason !== undefined) return;
    for (const d of conn.directions) d.flush('closed', conn.lastTimestamp);
    conn.closeReason = reason;
    if (this.#flows.get(conn.key) === conn) this.#flows.delete(conn.key);
    if (conn.newer !== undefined) conn.newer.older = conn.older;
    else this.#newest = conn.older;
    if (conn.older !== undefined) conn.older.newer = conn.newer;
    else this.#oldest = conn.newer;
    conn.newer = conn.older = undefined;
    if (this.#lastConn === conn) this.#lastConn = undefined;
    this.#handlers.onClose?.(conn, reason);
  }

  #touch(conn: TcpConnection): void {
    if (this.#newest === conn) return;
    // Unlink, then put at the newest end.
    if (conn.newer !== undefined) conn.newer.older = conn.older;
    if (conn.older !== undefined) conn.older.newer = conn.newer;
    else this.#oldest = conn.newer;
    conn.older = this.#newest;
    conn.newer = undefined;
    this.#newest!.newer = conn;
    this.#newest = conn;
  }

  // -- one segment --------------------------------------------------------------------------------

  /** A new connection on `old`'s 5-tuple, whose node 0 is the sender of direction `dir` of the old one. */
  #reopen(old: TcpConnection, dir: 0 | 1, ts: bigint): TcpConnection {
    this.#close(old, 'replaced');
    const key = old.key;
    const e0 = old.endpoint0;
    const e1 = key.startsWith(e0) ? key.slice(e0.length) : key.slice(0, key.length - e0.length);
    const a = old.addresses;
    const p = old.ports;
    return dir === 0 ? this.#open(key, e0, old.ipVersion, [a[0], a[1]], [p[0], p[1]], ts) : this.#open(key, e1, old.ipVersion, [a[1], a[0]], [p[1], p[0]], ts);
  }

  /**
   * Whether a data segment (ACK, maybe PSH, 2 bytes or more, all captured) of direction `dir` of
   * `conn`, the connection of the previous packet, does in #packet only what the fast path of
   * pushTable does: the connection open and established, the newest in the LRU list, no idle
   * eviction to run, both directions' numbering bases set and this one started, and the other
   * direction holding nothing an ACK could release.
   */
  #plain(conn: TcpConnection, dir: 0 | 1): boolean {
    return (
      conn.closeReason === undefined &&
      conn.state === 'established' &&
      this.#idle === undefined &&
      this.#newest === conn &&
      conn.bases[0] !== undefined &&
      conn.bases[1] !== undefined &&
      conn.directions[dir].started &&
      conn.directions[1 - dir]!.blocks === 0
    );
  }

  #packet(conn: TcpConnection, dir: 0 | 1, seg: Segment, ts: bigint, frameLength: number): void {
    this.#packets++;
    this.#now = ts;
    this.#last = conn;
    const flags = seg.flags;
    // Port reuse: a SYN whose sequence number is not this direction's base starts a new connection.
    if ((flags & (SYN | ACK)) === SYN) {
      const base = conn.bases[dir];
      if (base !== undefined && base !== seg.seq) {
        conn = this.#reopen(conn, dir, ts);
        dir = 0;
        this.#lastConn = undefined;
        this.#last = conn;
      }
    }
    if (this.#idle !== undefined) {
      while (this.#oldest !== undefined && this.#oldest !== conn && this.#oldest.lastTimestamp + this.#idle < ts) {
        this.#evicted++;
        this.#close(this.#oldest, 'evicted');
      }
    }
    this.#touch(conn);
    conn.frames[dir]++;
    conn.frameBytes[dir] += frameLength;
    if (ts > conn.lastTimestamp) conn.lastTimestamp = ts;
    const fwd = conn.directions[dir];
    const rev = conn.directions[1 - dir]!;
    fwd.stats.segments++;
    const rdir = (1 - dir) as 0 | 1;
    if (conn.bases[dir] === undefined) conn.bases[dir] = flags & SYN ? seg.seq : (seg.seq - 1) >>> 0;
    if (flags & ACK && conn.bases[rdir] === undefined) conn.bases[rdir] = (seg.ack - 1) >>> 0;

    if (flags & SYN) {
      conn.midstream = false;
      if (flags & ACK) {
        if (conn.synAckTimestamp === undefined) conn.synAckTimestamp = ts;
        if (conn.state === 'syn-sent') conn.state = 'syn-received';
      } else {
        conn.client = dir;
        if (conn.synTimestamp === undefined) conn.synTimestamp = ts;
        if (conn.frames[0] + conn.frames[1] === 1) conn.state = 'syn-sent';
      }
      // The SYN takes one sequence number; data on it (TCP Fast Open) follows.
      if (fwd.stats.bytes === 0 && fwd.buffered === 0) {
        fwd.isn = seg.seq;
        fwd.next = (seg.seq + 1) | 0;
        fwd.started = true;
      }
    } else if (flags & ACK && conn.state === 'syn-received' && dir === conn.client) {
      conn.state = 'established';
      conn.ackTimestamp ??= ts;
    }
    // The receiver's ACK first: it may prove holes in the other direction were delivered.
    if (flags & ACK && rev.started) rev.acknowledged(seg.ack, ts);

    const dataSeq = flags & SYN ? (seg.seq + 1) | 0 : seg.seq | 0;
    const plain = (flags & (SYN | FIN | RST)) === 0;
    if (!fwd.started) {
      fwd.started = true;
      fwd.next = dataSeq;
    } else if (plain && seg.length <= 1 && dataSeq === ((fwd.next - 1) | 0)) {
      // RFC 9293 3.8.4: a keep-alive carries the sequence number before the next expected one.
      fwd.stats.keepAlives++;
      seg.length = 0;
    } else if (this.#dropProbes && plain && seg.length === 1 && dataSeq === fwd.next && rev.window === 0) {
      fwd.stats.zeroWindowProbes++;
      seg.length = 0;
    }
    fwd.window = seg.window;
    if (seg.length > 0) fwd.segment(dataSeq, seg.payload, seg.length, ts);

    if (flags & RST) {
      conn.state = 'reset';
    } else if (flags & FIN) {
      fwd.finSeq = (dataSeq + seg.length) | 0;
      if (conn.state !== 'reset' && conn.state !== 'closed') conn.state = rev.finSeq !== undefined ? 'closing' : 'half-closed';
    }
    if (flags & ACK && conn.state === 'closing' && rev.finSeq !== undefined && fwd.finSeq !== undefined && seg.ack === ((rev.finSeq + 1) >>> 0)) {
      conn.state = 'closed';
    }
    if (conn.state === 'syn-received' || conn.state === 'syn-sent') {
      if (!(flags & SYN) && seg.length > 0) conn.state = 'established';
    }
  }

  // -- DirectionHost ------------------------------------------------------------------------------

  allocBlock(requester: TcpDirection): number {
    // Small enough to be inlined where a direction takes a block; the cap's work is #reclaim's.
    if (this.#blocks < this.#maxBlocks) {
      const ptr = this.memory.pool.alloc();
      if (ptr !== 0) {
        if (++this.#blocks > this.#peakBlocks) this.#peakBlocks = this.#blocks;
        return ptr;
      }
    }
    return this.#reclaim(requester);
  }

  /** Over the total cap: gives up the directions that have waited longest (not the one asking) until a block is free; 0 when none is left to give up. */
  #reclaim(requester: TcpDirection): number {
    for (;;) {
      let victim: TcpDirection | undefined;
      for (let d = this.#bufferingFirst; d !== undefined; d = d.bufferingNext) {
        if (d !== requester) {
          victim = d;
          break;
        }
      }
      if (victim === undefined) return 0;
      victim.flush('buffer-limit', this.#now);
      if (this.#blocks < this.#maxBlocks) {
        const ptr = this.memory.pool.alloc();
        if (ptr !== 0) {
          if (++this.#blocks > this.#peakBlocks) this.#peakBlocks = this.#blocks;
          return ptr;
        }
      }
    }
  }

  /**
   * Chunks copied out of the buffer are views of one shared 256 KiB array, filled front to back and
   * never reused (a new one when it is full): a fresh ArrayBuffer per chunk costs V8 an external
   * allocation of ~2 us, several times the copy. A chunk kept alive keeps its array alive.
   */
  outBuffer(n: number): Uint8Array {
    if (n > OUT_POOL / 4) return new Uint8Array(n);
    if (this.#outUsed + n > this.#out.length) {
      this.#out = new Uint8Array(OUT_POOL);
      this.#outUsed = 0;
    }
    const view = this.#out.subarray(this.#outUsed, this.#outUsed + n);
    this.#outUsed += n;
    return view;
  }

  freeBlock(ptr: number): void {
    this.memory.pool.free(ptr);
    this.#blocks--;
  }

  buffering(direction: TcpDirection, on: boolean): void {
    if (on) {
      // Appended (a direction starts waiting only when it is not: TcpDirection#place).
      direction.bufferingPrev = this.#bufferingLast;
      direction.bufferingNext = undefined;
      if (this.#bufferingLast === undefined) this.#bufferingFirst = direction;
      else this.#bufferingLast.bufferingNext = direction;
      this.#bufferingLast = direction;
    } else {
      const { bufferingPrev: prev, bufferingNext: next } = direction;
      if (prev === undefined) this.#bufferingFirst = next;
      else prev.bufferingNext = next;
      if (next === undefined) this.#bufferingLast = prev;
      else next.bufferingPrev = prev;
      direction.bufferingPrev = direction.bufferingNext = undefined;
    }
  }

  data(direction: TcpDirection, bytes: Uint8Array, timestamp: bigint): void {
    const conn = connectionOf(direction);
    const h = this.#handlers.onData;
    if (h !== undefined) h(conn, direction.index, bytes, { offset: direction.stats.bytes + direction.stats.gapBytes - bytes.length, timestamp });
  }

  gap(direction: TcpDirection, size: number, reason: GapReason, timestamp: bigint): void {
    this.#gaps++;
    this.#gapBytes += size;
    const conn = connectionOf(direction);
    const offset = direction.stats.bytes + direction.stats.gapBytes - size;
    this.#handlers.onGap?.(conn, direction.index, size, reason, { offset, timestamp });
    const h = this.#handlers.onData;
    if (this.#fillGaps && h !== undefined) {
      for (let at = 0; at < size; at += ZERO_CHUNK) {
        h(conn, direction.index, new Uint8Array(Math.min(ZERO_CHUNK, size - at)), { offset: offset + at, timestamp, filler: true });
      }
    }
  }
}

function connectionOf(direction: TcpDirection): TcpConnection {
  return direction.connection!;
}
