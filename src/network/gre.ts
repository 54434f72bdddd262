// Generic Routing Encapsulation, IP protocol 47: RFC 2784 (flags, version, protocol type, optional
// checksum) with the key and sequence number of RFC 2890, and the enhanced GRE of PPTP (RFC 2637,
// version 1: the key holds the payload length and call ID, an acknowledgment number may follow).
//
// The protocol type is an ethertype: the payload is dispatched through the ethertype table, save
// 0x6558 (transparent Ethernet bridging, RFC 1701), which is Ethernet, and 0x880b, which is PPP.
// Like tshark 4.0, a version other than 0 and 1 is read with version 0's layout and dispatched.
// The source routing of RFC 1701 (R bit) is not decoded: the fixed fields are, and the layer then
// reports `unsupported` (RFC 2784 section 2.3 has receivers discard such packets).
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { scanned } from '../packet/packet.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import { ipCarrier } from './ip-carrier.js';
import { rangeChecker } from '../packet/range.js';

export const GRE_MIN_HEADER_LENGTH = 4;
export const IP_PROTO_GRE = 47;
/** Protocol types with a meaning of their own in GRE (the rest are ethertypes). */
export const GRE_PROTO_TRANSPARENT_ETHERNET = 0x6558;
export const GRE_PROTO_PPP = 0x880b;

const C = 0x8000;
const R = 0x4000;
const K = 0x2000;
const S = 0x1000;
const STRICT = 0x0800;
const A = 0x0080;

export interface GreHeader {
  /** gre.flags_and_version: the first 16 bits as they are. */
  flagsAndVersion: number;
  /** gre.flags.checksum (C), gre.flags.routing (R), gre.flags.key (K), gre.flags.sequence_number (S). */
  checksumPresent: boolean;
  routingPresent: boolean;
  keyPresent: boolean;
  sequencePresent: boolean;
  /** gre.flags.strict_source_route (s, RFC 1701). */
  strictSourceRoute: boolean;
  /** gre.flags.recursion_control (RFC 1701), 0-7. */
  recursionControl: number;
  /** gre.flags.ack (A): version 1 only; an acknowledgment number follows. */
  ackPresent: boolean;
  /** gre.flags.reserved: 5 bits in version 0, 4 in version 1 (where A takes one). */
  flagsReserved: number;
  /** gre.flags.version: 0 (RFC 2784), 1 (PPTP's enhanced GRE). */
  version: number;
  /** gre.proto: an ethertype; 0x6558 Ethernet, 0x880b PPP. */
  protocolType: number;
  /** gre.checksum, with C (or R): over the GRE header and payload. */
  checksum?: number;
  /** gre.checksum.status: `unverified` when verification is off or the packet is a quoted one. */
  checksumStatus?: ChecksumStatus;
  /** gre.offset: RFC 2784's Reserved1, RFC 1701's routing offset. */
  offset?: number;
  /** gre.key, with K. In version 1, its high 16 bits are gre.key.payload_length and its low 16 gre.key.call_id. */
  key?: number;
  /** gre.sequence_number, with S. */
  sequenceNumber?: number;
  /** gre.ack_number, with A in version 1. */
  ackNumber?: number;
}

/**
 * Input for encoding. A field given turns its flag on (`key: 5` sets K); `checksumPresent: true`
 * asks for a checksum, computed unless `checksum` is given. `protocolType` comes from the next layer
 * when left out (`ip` 0x0800, `ipv6` 0x86dd, `eth` 0x6558, `ppp` 0x880b).
 */
export interface GreInput {
  checksumPresent?: boolean;
  checksum?: number;
  offset?: number;
  keyPresent?: boolean;
  key?: number;
  sequencePresent?: boolean;
  sequenceNumber?: number;
  /** Version 1 only. */
  ackPresent?: boolean;
  ackNumber?: number;
  strictSourceRoute?: boolean;
  recursionControl?: number;
  flagsReserved?: number;
  /** 0 (default) or 1. */
  version?: number;
  protocolType?: number;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The length of the header these flags announce. */
function headerLengthOf(flags: number): number {
  const version = flags & 7;
  return (
    GRE_MIN_HEADER_LENGTH +
    (flags & (C | R) ? 4 : 0) +
    (flags & K ? 4 : 0) +
    (flags & S ? 4 : 0) +
    (version === 1 && flags & A ? 4 : 0)
  );
}

function nextOf(protocolType: number): Next {
  if (protocolType === GRE_PROTO_TRANSPARENT_ETHERNET) return { protocol: 'eth' };
  if (protocolType === GRE_PROTO_PPP) return { protocol: 'ppp' };
  return { table: 'ethertype', value: protocolType };
}

/** The checks `scan` and `decode` share: header length, truncation, routing, next protocol. */
function scanGre(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const available = Math.min(ctx.end, bytes.length) - offset;
  if (offset < 0 || available < GRE_MIN_HEADER_LENGTH) {
    throw new WireError('truncated', `header needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
      layer: 'gre',
      offset,
      required: GRE_MIN_HEADER_LENGTH,
      available: Math.max(0, available),
    });
  }
  const flags = u16(bytes, offset);
  const length = headerLengthOf(flags);
  if (available < length) {
    const error = new WireError('truncated', `flags 0x${flags.toString(16).padStart(4, '0')} announce a ${length}-byte header, ${available} captured at offset ${offset}`, {
      layer: 'gre',
      offset,
      required: length,
      available,
    });
    // The whole optional words that fit are decoded (as tshark shows them); the rest is missing.
    return scanned(available - ((available - GRE_MIN_HEADER_LENGTH) % 4), undefined, undefined, error);
  }
  if ((flags & R) !== 0) {
    const error = new WireError('unsupported', `source routing (RFC 1701, R bit set) is not decoded, at offset ${offset}`, { layer: 'gre', offset });
    return scanned(length, undefined, undefined, error);
  }
  // No payload (a PPTP acknowledgement, say): nothing follows, as tshark hands GRE's payload on
  // only when there is one.
  return scanned(length, undefined, available > length ? nextOf(u16(bytes, offset + 2)) : undefined);
}

/** The header object for a scanned layer: the optional words that fit in `headerLength`. */
function buildHeader(ctx: DecodeContext, headerLength: number): GreHeader {
  const { bytes, offset } = ctx;
  const flags = u16(bytes, offset);
  const version = flags & 7;
  const header: GreHeader = {
    flagsAndVersion: flags,
    checksumPresent: (flags & C) !== 0,
    routingPresent: (flags & R) !== 0,
    keyPresent: (flags & K) !== 0,
    sequencePresent: (flags & S) !== 0,
    strictSourceRoute: (flags & STRICT) !== 0,
    recursionControl: (flags >>> 8) & 7,
    ackPresent: version === 1 && (flags & A) !== 0,
    flagsReserved: version === 1 ? (flags >>> 3) & 0xf : (flags >>> 3) & 0x1f,
    version,
    protocolType: u16(bytes, offset + 2),
  };
  let at = offset + GRE_MIN_HEADER_LENGTH;
  const end = offset + headerLength;
  if (flags & (C | R) && at + 4 <= end) {
    header.checksum = u16(bytes, at);
    header.checksumStatus = 'unverified';
    header.offset = u16(bytes, at + 2);
    // Over the header and payload: what this layer was given, as tshark checks what it has; but
    // not in a fragment of a datagram, whose other fragments hold the rest (packet-gre.c leaves a
    // fragment's checksum unverified too).
    if ((flags & C) !== 0 && ctx.verifyChecksum && !ctx.quoted && ipCarrier(ctx)?.fragment !== true) {
      header.checksumStatus = internetChecksum(bytes.subarray(offset, Math.min(ctx.end, bytes.length))) === 0 ? 'good' : 'bad';
    }
    at += 4;
  }
  if (flags & K && at + 4 <= end) {
    header.key = u32(bytes, at);
    at += 4;
  }
  if (flags & S && at + 4 <= end) {
    header.sequenceNumber = u32(bytes, at);
    at += 4;
  }
  if (header.ackPresent && at + 4 <= end) header.ackNumber = u32(bytes, at);
  return header;
}

/**
 * Decodes the GRE header at bytes[offset, end) (the checksum, when present, is verified over
 * everything up to `end`). Throws `truncated` when the header the flags announce does not fit.
 *
 * @example
 * decodeGre(packet, 34).protocolType; // 0x0800: IPv4 inside
 */
export function decodeGre(bytes: Uint8Array, offset = 0, end = bytes.length): GreHeader {
  const ctx: DecodeContext = { bytes, offset, end, below: [], quoted: false, verifyChecksum: true };
  const result = scanGre(ctx);
  if (result.error?.code === 'truncated') throw result.error;
  return buildHeader(ctx, result.headerLength);
}

const checkRange = rangeChecker('gre');

/** The flags word an input asks for (every flag a given field needs turned on). */
function flagsOf(h: GreInput): number {
  const version = checkRange('version', h.version ?? 0, 7);
  let flags = version;
  if (h.checksumPresent === true || (h.checksumPresent === undefined && (h.checksum !== undefined || h.offset !== undefined))) flags |= C;
  if (h.keyPresent === true || (h.keyPresent === undefined && h.key !== undefined)) flags |= K;
  if (h.sequencePresent === true || (h.sequencePresent === undefined && h.sequenceNumber !== undefined)) flags |= S;
  if (h.strictSourceRoute) flags |= STRICT;
  flags |= checkRange('recursionControl', h.recursionControl ?? 0, 7) << 8;
  const ack = h.ackPresent === true || (h.ackPresent === undefined && h.ackNumber !== undefined);
  if (ack && version !== 1) throw new WireError('bad-value', 'an acknowledgment number needs version 1', { layer: 'gre' });
  if (ack) flags |= A;
  flags |= checkRange('flagsReserved', h.flagsReserved ?? 0, version === 1 ? 0xf : 0x1f) << 3;
  return flags;
}

/** Bytes the header takes for this input: 4, plus 4 for each of checksum, key, sequence and acknowledgment. */
export function greHeaderLength(header: GreInput): number {
  return headerLengthOf(flagsOf(header));
}

const NEXT_TYPE: Record<string, number> = { eth: GRE_PROTO_TRANSPARENT_ETHERNET, ppp: GRE_PROTO_PPP };

function emitHeader(h: GreInput, protocolType: number, out: Uint8Array, offset: number, payloadLength: number, fill: boolean): number {
  const flags = flagsOf(h);
  const length = headerLengthOf(flags);
  if (offset < 0 || out.length - offset < length + payloadLength) {
    throw new WireError('bad-length', `output needs ${length + payloadLength} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'gre', offset });
  }
  checkRange('protocolType', protocolType, 0xffff);
  out[offset] = flags >>> 8;
  out[offset + 1] = flags;
  out[offset + 2] = protocolType >>> 8;
  out[offset + 3] = protocolType;
  let at = offset + GRE_MIN_HEADER_LENGTH;
  const put32 = (v: number) => {
    out[at] = v >>> 24;
    out[at + 1] = v >>> 16;
    out[at + 2] = v >>> 8;
    out[at + 3] = v;
    at += 4;
  };
  let checksumAt = -1;
  if (flags & C) {
    checksumAt = at;
    put32(((checkRange('checksum', h.checksum ?? 0, 0xffff) << 16) | checkRange('offset', h.offset ?? 0, 0xffff)) >>> 0);
  }
  if (flags & K) put32(checkRange('key', h.key ?? 0, 0xffffffff));
  if (flags & S) put32(checkRange('sequenceNumber', h.sequenceNumber ?? 0, 0xffffffff));
  if (flags & A) put32(checkRange('ackNumber', h.ackNumber ?? 0, 0xffffffff));
  if (checksumAt >= 0 && h.checksum === undefined && fill) {
    const sum = internetChecksum(out.subarray(offset, offset + length + payloadLength));
    out[checksumAt] = sum >>> 8;
    out[checksumAt + 1] = sum;
  }
  return length;
}

/**
 * Writes the header at out[offset], the payload (`payloadLength` bytes) already right after it, and
 * returns the header's length. `protocolType` must be given; the checksum, when asked for and not
 * given, is computed over header and payload.
 *
 * @example
 * const out = new Uint8Array(8 + inner.length);
 * out.set(inner, 8);
 * emitGre({ checksumPresent: true, protocolType: 0x0800 }, out, 0, inner.length);
 */
export function emitGre(header: GreInput, out: Uint8Array, offset = 0, payloadLength = 0): number {
  if (header.protocolType === undefined) throw new WireError('bad-value', 'protocolType is required outside encodeFrame', { layer: 'gre' });
  return emitHeader(header, header.protocolType, out, offset, payloadLength, true);
}

/** A new buffer holding the header and `payload`. */
export function encodeGre(header: GreInput, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = greHeaderLength(header);
  const out = new Uint8Array(length + payload.length);
  out.set(payload, length);
  emitGre(header, out, 0, payload.length);
  return out;
}

/** GRE for `encodeFrame`: `[{ ip: {...} }, { gre: { key: 1 } }, { ip: {...} }, ...]`. */
export const greEncoder: Encoder<GreInput> = {
  name: 'gre',
  headerLength: (header) => greHeaderLength(header),
  emit(header, out, offset, payloadLength, ctx: EncodeContext) {
    const type = nextLayerCode(header.protocolType, ctx, (name) => NEXT_TYPE[name] ?? ctx.codeFor('ethertype', name), 'protocolType', 'gre');
    emitHeader(header, type, out, offset, payloadLength, ctx.fill);
  },
};

/** GRE, bound to IP protocol 47; its checksum policy name is `gre`. */
export const gre: Protocol<GreHeader> = {
  name: 'gre',
  scan: scanGre,
  decode(ctx: DecodeContext): Decoded<GreHeader> {
    const decoded = scanGre(ctx) as Decoded<GreHeader>;
    decoded.header = buildHeader(ctx, decoded.headerLength);
    return decoded;
  },
  fields(h: GreHeader, out: FieldSink): void {
    out.add('gre.flags_and_version', h.flagsAndVersion);
    out.add('gre.flags.checksum', h.checksumPresent ? 1 : 0);
    out.add('gre.flags.routing', h.routingPresent ? 1 : 0);
    out.add('gre.flags.key', h.keyPresent ? 1 : 0);
    out.add('gre.flags.sequence_number', h.sequencePresent ? 1 : 0);
    out.add('gre.flags.strict_source_route', h.strictSourceRoute ? 1 : 0);
    out.add('gre.flags.recursion_control', h.recursionControl);
    if (h.version === 1) out.add('gre.flags.ack', h.ackPresent ? 1 : 0);
    out.add('gre.flags.reserved', h.flagsReserved);
    out.add('gre.flags.version', h.version);
    out.add('gre.proto', h.protocolType);
    if (h.checksum !== undefined) {
      // tshark shows the word after the flags as a checksum only when C is set (with R alone it is
      // still read, as RFC 1701 says, and shown as the offset).
      if (h.checksumPresent) {
        out.add('gre.checksum', h.checksum);
        out.add('gre.checksum.status', h.checksumStatus ?? 'unverified');
      }
      out.add('gre.offset', h.offset!);
    }
    if (h.key !== undefined) {
      if (h.version === 1) {
        out.add('gre.key.payload_length', h.key >>> 16);
        out.add('gre.key.call_id', h.key & 0xffff);
      } else {
        out.add('gre.key', h.key);
      }
    }
    if (h.sequenceNumber !== undefined) out.add('gre.sequence_number', h.sequenceNumber);
    if (h.ackNumber !== undefined) out.add('gre.ack_number', h.ackNumber);
  },
};
