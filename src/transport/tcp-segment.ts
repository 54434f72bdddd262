// TCP segmentation on the sending side: an application byte stream cut into segments of at most
// the effective send MSS, with the sequence numbers, flags, options and checksums each one needs.
//
// Two forms. `segmentTcp` returns every segment as a header object and bytes: simple, allocating,
// the reference. `compileSegmenter` (src/segment-frames.ts) works like TSO hardware (Linux's tcp_gso_segment does the same
// in software): the link, IP and TCP headers become a template once, and one WebAssembly call per
// 256 KiB of frames (per stream, when stream and output both live in allocBuffer memory) writes
// whole frames back to back, each a copy of the template, its payload slice (copied and summed in
// one pass) and a few patched fields, checksums finished from sums taken once over everything that
// does not change.
//
// Choices, each where a sender has to make one:
// - MSS counts payload only. RFC 9293 3.7.1 (and RFC 6691): the MSS a peer advertises leaves out
//   IP and TCP options, so the sender takes them off: payload per segment = mss - TCP option bytes
//   (padded to 4) - IPv4 option bytes, and IPv6 extension header bytes likewise (they take the room
//   IPv4 options would). An MSS that leaves no room is an error, not a 1-byte trickle.
// - Flags as Linux GSO sets them: FIN and PSH only on the last segment, CWR only on the first
//   (RFC 3168 6.1.2: one CWR per window reduction); PSH is added to the last one unless `push` is
//   false. SYN and RST are refused: segmentation is for data on a synchronized connection.
// - Options are the same in every segment, as TSO replicates the header; `tsvalStep` advances the
//   timestamp option's TSval per segment for callers that model a clock (RFC 7323 3: TSval is a
//   clock, so equal values within one burst are what Linux sends).
// - IPv4 id counts up by `idStep` (default 1) per segment, as Linux TSO does (RFC 6864 only
//   requires unique ids for fragmentable datagrams).
// - An empty stream is no segments: a bare ACK or FIN is one encodeFrame call, not segmentation.
import { WireError } from '../errors.js';
import { encodeTcp, TCP_HEADER_LENGTH, TcpFlag, type TcpInput } from './tcp.js';
import { tcpOptionLength } from './tcp-options.js';
import type { PseudoHeaderAddresses } from '../network/ip-carrier.js';

export const LAYER = 'tcp-segment';

export function bad(message: string): WireError {
  return new WireError('bad-value', message, { layer: LAYER });
}

export function checkInt(v: unknown, min: number, max: number, name: string): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) throw bad(`${name} must be an integer ${min}..${max}, got ${String(v)}`);
  return v;
}

/** How segmentation behaves, shared by `segmentTcp` and `compileSegmenter`. */
export interface SegmentationOptions {
  /**
   * The peer's maximum segment size (its MSS option, RFC 9293 3.7.1): payload bytes per segment
   * when there are no options. TCP options (and, in frames, IPv4 options or IPv6 extension
   * headers) take their bytes off it. 1..65535.
   */
  mss: number;
  /** Set PSH on the last segment (default true, as Linux does at the end of a write). */
  push?: boolean;
  /** Added to the timestamp option's TSval from one segment to the next (default 0: TSO's copy). */
  tsvalStep?: number;
}

/** Options of `segmentTcp`: the fields every segment shares, as `encodeTcp` takes them, and the segmentation. */
export interface TcpSegmentOptions extends SegmentationOptions {
  srcport: number;
  dstport: number;
  /** Sequence number of the stream's first byte (ISN + 1 after a handshake: the SYN takes one). Default 0. */
  seq?: number;
  /** Default 0. */
  ack?: number;
  /** The flags every segment carries (default ACK), adjusted per segment: see `compileSegmenter`. */
  flags?: number;
  /** Default 65535. */
  window?: number;
  urgentPointer?: number;
  /** The same options in every segment (a timestamp option's TSval advances by `tsvalStep`). */
  options?: TcpInput['options'];
  /** Pseudo-header addresses (IPv4 or IPv6): the checksum is filled when given, else left 0. */
  addresses?: PseudoHeaderAddresses;
}

/** One segment from `segmentTcp`. */
export interface TcpSegment {
  /** The header as `encodeTcp` and `encodeFrame` take it: `encodeFrame([..., { tcp: header }], payload)` builds the frame. */
  header: TcpInput;
  /** Where the payload starts in the stream. */
  offset: number;
  /** The payload: a view of the stream, not a copy. */
  payload: Uint8Array;
  /** The whole segment, header and payload, its checksum filled when addresses were given. */
  bytes: Uint8Array;
}

/** The flag words of the first, middle, last and only segment (Linux GSO's rules, see the file head). */
export function segmentFlags(flags: number, push: boolean): { first: number; mid: number; last: number; only: number } {
  if (flags & (TcpFlag.SYN | TcpFlag.RST)) {
    throw bad(`flags ${flags} include SYN or RST: segmentation is for data on a synchronized connection (send those with encodeFrame)`);
  }
  const psh = push ? TcpFlag.PSH : 0;
  return {
    first: flags & ~(TcpFlag.FIN | TcpFlag.PSH),
    mid: flags & ~(TcpFlag.FIN | TcpFlag.PSH | TcpFlag.CWR),
    last: (flags & ~TcpFlag.CWR) | psh,
    only: flags | psh,
  };
}

/** Bytes the options take in the header: their lengths padded to a 4-byte boundary. */
export function optionBytes(options: TcpInput['options']): number {
  let n = 0;
  for (const o of options ?? []) n += tcpOptionLength(o);
  return (n + 3) & ~3;
}

/** Payload per segment: the MSS less what options take (RFC 9293 3.7.1), or a WireError when nothing is left. */
export function payloadRoom(mss: number, tcpOptions: number, ipOptions: number, cap: number): number {
  checkInt(mss, 1, 0xffff, 'mss');
  const room = mss - tcpOptions - ipOptions;
  if (room < 1) {
    const what = ipOptions > 0 ? `${tcpOptions} bytes of TCP options and ${ipOptions} of IP options/extension headers` : `${tcpOptions} bytes of TCP options`;
    throw new WireError('bad-value', `mss ${mss} leaves no room for data after ${what} (RFC 9293 3.7.1: the MSS counts payload only, options come off it)`, { layer: LAYER });
  }
  return Math.min(room, cap);
}

/**
 * Cuts an application byte stream into TCP segments: sequence numbers from `seq` (modulo 2^32),
 * payloads of at most the MSS less the option bytes, PSH on the last segment, the same options in
 * every segment, and the checksum over the pseudo-header when `addresses` are given. Each segment
 * comes as its header object (for `encodeFrame`), its payload (a view of the stream) and its bytes.
 * An empty stream gives no segments. For many frames fast, see `compileSegmenter`.
 *
 * @example
 * const segments = segmentTcp(new TextEncoder().encode('GET / HTTP/1.1\r\n...'), {
 *   srcport: 43512, dstport: 80, seq: 1001, ack: 5001, mss: 1460,
 *   options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: 7, tsecr: 3 }],
 *   addresses: { src: '192.0.2.1', dst: '198.51.100.2' },
 * });
 * segments[0].bytes;       // header + up to 1448 payload bytes (1460 less 12 of options)
 * encodeFrame([{ eth }, { ip: { src: '192.0.2.1', dst: '198.51.100.2' } }, { tcp: segments[0].header }], segments[0].payload);
 */
export function segmentTcp(stream: Uint8Array, options: TcpSegmentOptions): TcpSegment[] {
  if (!(stream instanceof Uint8Array)) throw bad('stream must be a Uint8Array');
  const tcpOptions = optionBytes(options.options);
  if (TCP_HEADER_LENGTH + tcpOptions > 60) throw bad(`options take ${tcpOptions} bytes; a TCP header has room for 40`);
  // A segment's length must fit the 16-bit lengths of IPv4 and of the IPv4 pseudo-header.
  const room = payloadRoom(options.mss, tcpOptions, 0, 0xffff - TCP_HEADER_LENGTH - tcpOptions);
  const seq0 = checkInt(options.seq ?? 0, 0, 0xffffffff, 'seq');
  const step = checkInt(options.tsvalStep ?? 0, 0, 0xffffffff, 'tsvalStep');
  const flags = segmentFlags(checkInt(options.flags ?? TcpFlag.ACK, 0, 0xfff, 'flags'), options.push ?? true);
  const base: TcpInput = { srcport: options.srcport, dstport: options.dstport, ack: options.ack ?? 0 };
  if (options.window !== undefined) base.window = options.window;
  if (options.urgentPointer !== undefined) base.urgentPointer = options.urgentPointer;
  const tsIndex = (options.options ?? []).findIndex((o) => o.kind === 'timestamp');
  const segments: TcpSegment[] = [];
  const count = Math.ceil(stream.length / room);
  for (let i = 0; i < count; i++) {
    const offset = i * room;
    const payload = stream.subarray(offset, Math.min(stream.length, offset + room));
    const first = i === 0;
    const last = i === count - 1;
    const header: TcpInput = {
      ...base,
      seq: (seq0 + offset) % 0x100000000,
      flags: first ? (last ? flags.only : flags.first) : last ? flags.last : flags.mid,
    };
    if (options.options !== undefined) {
      header.options = options.options.map((o, k) =>
        k === tsIndex && o.kind === 'timestamp' ? { ...o, tsval: (o.tsval + Math.imul(i, step)) >>> 0 } : o,
      );
    }
    segments.push({ header, offset, payload, bytes: encodeTcp(header, payload, options.addresses) });
  }
  return segments;
}
