// ICMP for IPv4 (RFC 792): echo, destination unreachable (with the RFC 1191 next-hop MTU), source
// quench, redirect, time exceeded, parameter problem, timestamp, information and address mask
// (RFC 950) messages. Error messages quote the datagram that caused them; the dissector decodes that
// quoted datagram leniently, as the IP packet it is.
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned, withHeader } from '../packet/packet.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Layer, Protocol, Scanned } from '../packet/protocol.js';
// Where the IP layer below says its payload ends, and whether it is a fragment: as TCP and UDP read it.
import { ipCarrier } from './ip-carrier.js';
import { formatIpv4, writeIpv4 } from './ip-address.js';

/** The header every known ICMP message has: type, code, checksum and a 4-byte type-specific word. */
export const ICMP_HEADER_LENGTH = 8;
/** Type, code and checksum: all a message of a type we do not know is sure to have. */
const COMMON_LENGTH = 4;

/** ICMP message types this module gives fields to (RFC 792, RFC 950). */
export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  InformationRequest: 15,
  InformationReply: 16,
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
} as const;

/** Destination unreachable code 4, "fragmentation needed and DF set": carries the next-hop MTU (RFC 1191 section 4). */
const FRAGMENTATION_NEEDED = 4;

/**
 * A decoded ICMP message. Every field its type defines is present (others are absent): `ident`
 * and `seq` for echo, timestamp, information and address mask messages; `unused` and `length`
 * for destination unreachable, time exceeded and parameter problem; and so on. Types not listed
 * in `IcmpType` have only `type`, `code` and the checksum: the rest of the message is payload.
 */
export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
  checksumStatus: ChecksumStatus;
  /** Echo, timestamp, information and address mask messages: identifier and sequence number (big-endian). */
  ident?: number;
  seq?: number;
  /** Destination unreachable code 4: the next-hop MTU (RFC 1191). */
  mtu?: number;
  /** Parameter problem: the byte of the quoted datagram where the problem is. */
  pointer?: number;
  /**
   * Destination unreachable, time exceeded and parameter problem: the length of the quoted datagram
   * in 32-bit words when the sender follows RFC 4884 (extension objects may follow it), else 0.
   */
  length?: number;
  /** The bits of the second word the type leaves unused (RFC 792 "unused"), as a 32-bit number; normally 0. */
  unused?: number;
  /** Redirect: the gateway to use instead. */
  gateway?: string;
  /** Timestamp and timestamp reply: milliseconds since midnight UT (RFC 792). */
  originateTimestamp?: number;
  receiveTimestamp?: number;
  transmitTimestamp?: number;
  /** Address mask request and reply (RFC 950). */
  addressMask?: string;
}

/**
 * Input for encoding: `type` and the fields of that type; `code` and numbers left out are 0,
 * addresses left out are 0.0.0.0, and `checksum` is computed unless given.
 */
export type IcmpInput = Partial<Omit<IcmpHeader, 'checksumStatus'>> & { type: number };

type Kind = 'query' | 'unreachable' | 'quench' | 'redirect' | 'exceeded' | 'problem' | 'unknown';

function kindOf(type: number): Kind {
  switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
    case 18:
      return 'query';
    case 3:
      return 'unreachable';
    case 4:
      return 'quench';
    case 5:
      return 'redirect';
    case 11:
      return 'exceeded';
    case 12:
      return 'problem';
    default:
      return 'unknown';
  }
}

/** Whether the message quotes the datagram that caused it (RFC 792: the error messages). */
function quotesDatagram(kind: Kind): boolean {
  return kind === 'unreachable' || kind === 'quench' || kind === 'redirect' || kind === 'exceeded' || kind === 'problem';
}

/**
 * Header length for a type: timestamps carry three more words, address masks one (RFC 792,
 * RFC 950); a type this module does not know has only its first 4 bytes counted as header.
 *
 * @example
 * icmpHeaderLength(IcmpType.EchoRequest) // 8
 * icmpHeaderLength(IcmpType.Timestamp)   // 20
 */
export function icmpHeaderLength(type: number): number {
  if (type === 13 || type === 14) return 20;
  if (type === 17 || type === 18) return 12;
  return kindOf(type) === 'unknown' ? COMMON_LENGTH : ICMP_HEADER_LENGTH;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/** Which bits of the second word are `unused` for each error type (the rest are `length`, `mtu`, `pointer`). */
function unusedMask(kind: Kind, code: number): number {
  switch (kind) {
    case 'unreachable':
      return code === FRAGMENTATION_NEEDED ? 0xff000000 : 0xff00ffff;
    case 'exceeded':
      return 0xff00ffff;
    case 'problem':
      return 0x0000ffff;
    case 'quench':
      return 0xffffffff;
    default:
      return 0;
  }
}

/** Fills the fields the second word (bytes 4-7) holds for this type. */
function splitWord(h: IcmpHeader, kind: Kind, word: number, bytes: Uint8Array, at: number): void {
  switch (kind) {
    case 'query':
      h.ident = word >>> 16;
      h.seq = word & 0xffff;
      return;
    case 'redirect':
      h.gateway = formatIpv4(bytes, at);
      return;
    case 'unknown':
      return;
    default:
  }
  if (kind === 'problem') h.pointer = word >>> 24;
  // RFC 4884 section 4.1: the length sits in the second byte of the word for every error that has it.
  if (kind !== 'quench') h.length = (word >>> 16) & 0xff;
  if (kind === 'unreachable' && h.code === FRAGMENTATION_NEEDED) h.mtu = word & 0xffff;
  h.unused = (word & unusedMask(kind, h.code)) >>> 0;
}

function checkUint(name: string, value: number | undefined, max: number): number {
  const v = value ?? 0;
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${String(value)}`, { layer: 'icmp' });
  }
  return v;
}

/** The second word for this input; redirect gateways are written separately (they are text). */
function joinWord(h: IcmpInput, kind: Kind): number {
  const code = h.code ?? 0;
  switch (kind) {
    case 'query':
      return ((checkUint('ident', h.ident, 0xffff) << 16) | checkUint('seq', h.seq, 0xffff)) >>> 0;
    case 'redirect':
    case 'unknown':
      return 0;
    default:
  }
  let word = checkUint('unused', h.unused, 0xffffffff) & unusedMask(kind, code);
  if (kind === 'problem') word |= checkUint('pointer', h.pointer, 0xff) << 24;
  if (kind !== 'quench') word |= checkUint('length', h.length, 0xff) << 16;
  if (kind === 'unreachable' && code === FRAGMENTATION_NEEDED) word |= checkUint('mtu', h.mtu, 0xffff);
  return word >>> 0;
}

/**
 * A zero-copy view of an ICMP message in a buffer, from `offset` to `end` (the end of the IP
 * payload). `check()` once, then read or rewrite fields in place and fix the checksum.
 *
 * @example
 * const v = new IcmpView(bytes, 34).check();
 * if (v.type === IcmpType.EchoRequest) { v.type = IcmpType.EchoReply; v.fillChecksum(); }
 */
export class IcmpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    readonly end = bytes.length,
  ) {}

  /** Throws `truncated` unless the 8-byte header fits before `end`. */
  check(): this {
    const available = Math.max(0, Math.min(this.end, this.bytes.length) - this.offset);
    if (available < ICMP_HEADER_LENGTH) throw truncated(this.offset, ICMP_HEADER_LENGTH, available, 'header');
    return this;
  }
  get type(): number {
    return this.bytes[this.offset]!;
  }
  set type(value: number) {
    this.bytes[this.offset] = value;
  }
  get code(): number {
    return this.bytes[this.offset + 1]!;
  }
  set code(value: number) {
    this.bytes[this.offset + 1] = value;
  }
  get checksum(): number {
    return (this.bytes[this.offset + 2]! << 8) | this.bytes[this.offset + 3]!;
  }
  set checksum(value: number) {
    this.bytes[this.offset + 2] = value >>> 8;
    this.bytes[this.offset + 3] = value;
  }
  /** Bytes 4-7, whatever the type makes of them. */
  get word(): number {
    return readU32(this.bytes, this.offset + 4);
  }
  set word(value: number) {
    writeU32(this.bytes, this.offset + 4, value);
  }
  /** Echo and other queries: the identifier (bytes 4-5). */
  get ident(): number {
    return this.word >>> 16;
  }
  set ident(value: number) {
    this.bytes[this.offset + 4] = value >>> 8;
    this.bytes[this.offset + 5] = value;
  }
  /** Echo and other queries: the sequence number (bytes 6-7). */
  get seq(): number {
    return this.word & 0xffff;
  }
  set seq(value: number) {
    this.bytes[this.offset + 6] = value >>> 8;
    this.bytes[this.offset + 7] = value;
  }
  /** Fragmentation needed: the next-hop MTU (bytes 6-7, RFC 1191). */
  get mtu(): number {
    return this.word & 0xffff;
  }
  set mtu(value: number) {
    this.seq = value;
  }
  /** Parameter problem: the pointer (byte 4). */
  get pointer(): number {
    return this.bytes[this.offset + 4]!;
  }
  set pointer(value: number) {
    this.bytes[this.offset + 4] = value;
  }
  /** Redirect: the gateway address (bytes 4-7). */
  get gateway(): string {
    return formatIpv4(this.bytes, this.offset + 4);
  }
  set gateway(address: string) {
    writeIpv4(address, this.bytes, this.offset + 4);
  }
  /** Everything after the 8-byte header: echo data, or the quoted datagram of an error. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + ICMP_HEADER_LENGTH, this.end);
  }
  /** Whether the checksum over the whole message is right. */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes.subarray(this.offset, this.end)) === 0;
  }
  /** Recomputes the checksum after an edit (RFC 792: over the whole message, checksum field zero). */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.bytes.subarray(this.offset, this.end));
  }
}

function truncated(offset: number, required: number, available: number, what: string): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${available} captured at offset ${offset}`, {
    layer: 'icmp',
    offset,
    required,
    available,
  });
}

/**
 * Whether tshark would verify this checksum: not inside an ICMP error's quoted datagram, not in an
 * IP fragment (the rest of the message is elsewhere), not cut short by the capture.
 */
function verifiable(ctx: DecodeContext): boolean {
  if (!ctx.verifyChecksum || ctx.quoted) return false;
  const carrier = ipCarrier(ctx);
  if (carrier === undefined) return true;
  return !carrier.fragment && (carrier.claimedEnd === undefined || carrier.claimedEnd <= ctx.end);
}

/**
 * The one walk behind `decodeIcmp`, the `icmp` protocol's `decode` and its `scan`: every check,
 * and with `build` the header object too (its checksum verified when `build` is `verify`). Without
 * `build` it reads bytes and allocates nothing but its result (and a `WireError` for a short message).
 */
function parseIcmp(bytes: Uint8Array, offset: number, end: number, build: 'verify' | 'skip' | false): Scanned & { header?: IcmpHeader } {
  const available = Math.max(0, end - offset);
  if (available < COMMON_LENGTH) throw truncated(offset, COMMON_LENGTH, available, 'message');
  const type = bytes[offset]!;
  const kind = kindOf(type);
  const header: IcmpHeader | undefined = build
    ? {
        type,
        code: bytes[offset + 1]!,
        checksum: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
        checksumStatus: build === 'skip' ? 'unverified' : internetChecksum(bytes.subarray(offset, end)) === 0 ? 'good' : 'bad',
      }
    : undefined;
  const wanted = icmpHeaderLength(type);
  if (kind === 'unknown') return withHeader(scanned(COMMON_LENGTH), header);
  if (available < ICMP_HEADER_LENGTH) {
    // tshark reads the second word's first half (an identifier, a pointer) with the first word.
    if (header !== undefined && available >= 6) {
      if (kind === 'query') header.ident = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
      else if (kind === 'problem') header.pointer = bytes[offset + 4]!;
    }
    return withHeader(scanned(available, undefined, undefined, truncated(offset, wanted, available, `type ${type} header`)), header);
  }
  const word = readU32(bytes, offset + 4);
  if (header !== undefined) splitWord(header, kind, word, bytes, offset + 4);
  if (wanted > ICMP_HEADER_LENGTH) {
    if (available < wanted) {
      return withHeader(scanned(ICMP_HEADER_LENGTH, undefined, undefined, truncated(offset, wanted, available, `type ${type} message`)), header);
    }
    if (header !== undefined && wanted === 20) {
      header.originateTimestamp = readU32(bytes, offset + 8);
      header.receiveTimestamp = readU32(bytes, offset + 12);
      header.transmitTimestamp = readU32(bytes, offset + 16);
    } else if (header !== undefined) {
      header.addressMask = formatIpv4(bytes, offset + 8);
    }
  }
  const decoded: Scanned & { header?: IcmpHeader } = withHeader(scanned(wanted), header);
  if (quotesDatagram(kind)) {
    decoded.quotes = true;
    const start = offset + ICMP_HEADER_LENGTH;
    // RFC 4884 section 4: a non-zero length bounds the quoted datagram (of the errors that carry
    // one: not source quench, not redirect); extension objects follow it.
    const length = kind === 'quench' || kind === 'redirect' ? 0 : (word >>> 16) & 0xff;
    if (length) decoded.payloadEnd = Math.min(end, start + length * 4);
    const quotedEnd = decoded.payloadEnd ?? end;
    // The quoted datagram is IP: tshark hands a version-6 one to IPv6, as we do.
    if (quotedEnd > start) decoded.next = { protocol: bytes[start]! >>> 4 === 6 ? 'ipv6' : 'ip' };
  }
  return decoded;
}

/**
 * Decodes the ICMP message at `offset` (to the end of `bytes`, or `end`) and verifies its
 * checksum. Throws `WireError` when the message is cut short; the dissector (`decodePacket`) is
 * the lenient way.
 *
 * @example
 * decodeIcmp(new Uint8Array([8, 0, 0xf7, 0xf8, 0, 1, 0, 6]))
 * // { type: 8, code: 0, checksum: 0xf7f8, checksumStatus: 'good', ident: 1, seq: 6 }
 */
export function decodeIcmp(bytes: Uint8Array, offset = 0, end = bytes.length): IcmpHeader {
  const decoded = parseIcmp(bytes, offset, Math.min(end, bytes.length), 'verify');
  if (decoded.error) throw decoded.error;
  return decoded.header!;
}

function emitHeader(h: IcmpInput, out: Uint8Array, offset: number, payloadLength: number, fill: boolean): void {
  const kind = kindOf(checkUint('type', h.type, 0xff));
  out[offset] = h.type;
  out[offset + 1] = checkUint('code', h.code, 0xff);
  out[offset + 2] = 0;
  out[offset + 3] = 0;
  if (kind !== 'unknown') {
    if (kind === 'redirect') writeIpv4(h.gateway ?? '0.0.0.0', out, offset + 4);
    else writeU32(out, offset + 4, joinWord(h, kind));
  }
  if (h.type === 13 || h.type === 14) {
    writeU32(out, offset + 8, checkUint('originateTimestamp', h.originateTimestamp, 0xffffffff));
    writeU32(out, offset + 12, checkUint('receiveTimestamp', h.receiveTimestamp, 0xffffffff));
    writeU32(out, offset + 16, checkUint('transmitTimestamp', h.transmitTimestamp, 0xffffffff));
  } else if (h.type === 17 || h.type === 18) {
    writeIpv4(h.addressMask ?? '0.0.0.0', out, offset + 8);
  }
  let checksum = h.checksum;
  if (checksum === undefined && fill) {
    checksum = internetChecksum(out.subarray(offset, offset + icmpHeaderLength(h.type) + payloadLength));
  }
  checksum = checkUint('checksum', checksum, 0xffff);
  out[offset + 2] = checksum >>> 8;
  out[offset + 3] = checksum;
}

/**
 * Writes the message (header, then payload) at out[offset] and returns its length. The checksum
 * is computed unless `header.checksum` is given.
 *
 * @example
 * const out = new Uint8Array(1500);
 * const length = emitIcmp({ type: IcmpType.EchoReply, ident: 7, seq: 1 }, data, out, 34);
 */
export function emitIcmp(header: IcmpInput, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  const length = icmpHeaderLength(header.type) + payload.length;
  if (out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${out.length - offset}`, {
      layer: 'icmp',
      offset,
      required: length,
      available: out.length - offset,
    });
  }
  out.set(payload, offset + icmpHeaderLength(header.type));
  emitHeader(header, out, offset, payload.length, true);
  return length;
}

/**
 * A new buffer holding the message.
 *
 * @example
 * encodeIcmp({ type: IcmpType.EchoRequest, ident: 1, seq: 1 }, new TextEncoder().encode('ping'))
 * encodeIcmp({ type: IcmpType.DestinationUnreachable, code: 4, mtu: 1400 }, quotedDatagram)
 */
export function encodeIcmp(header: IcmpInput, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(icmpHeaderLength(header.type) + payload.length);
  emitIcmp(header, payload, out);
  return out;
}

export const icmpEncoder: Encoder<IcmpInput> = {
  name: 'icmp',
  headerLength: (header) => icmpHeaderLength(header.type),
  emit(header, out, offset, payloadLength, ctx: EncodeContext) {
    emitHeader(header, out, offset, payloadLength, ctx.fill);
  },
};

function wordBytes(word: number, from: number, to: number): string {
  const b = new Uint8Array(4);
  writeU32(b, 0, word);
  return bytesField(b.subarray(from, to));
}

/** Second-word fields the way tshark 4.0 lays them out: RFC 4884's length splits the unused bytes. */
function addErrorWordFields(h: IcmpHeader, kind: Kind, out: FieldSink): void {
  const word = joinWord(h, kind);
  const length = h.length ?? 0;
  if (kind === 'problem') out.add('icmp.pointer', h.pointer!);
  if (length > 0) {
    if (kind !== 'problem') out.add('icmp.unused', wordBytes(word, 0, 1));
    out.add('icmp.length', length);
    out.add('icmp.length.original_datagram', length * 4);
    if (h.mtu !== undefined) out.add('icmp.mtu', h.mtu);
    else out.add('icmp.unused', wordBytes(word, 2, 4));
  } else if (kind === 'problem') {
    out.add('icmp.unused', wordBytes(word, 1, 4));
  } else if (h.mtu !== undefined) {
    out.add('icmp.unused', wordBytes(word, 0, 2));
    out.add('icmp.mtu', h.mtu);
  } else {
    out.add('icmp.unused', wordBytes(word, 0, 4));
  }
}

/** Registered for IP protocol 1. */
/** A 16-bit field as tshark shows an echo's identifier and sequence number: as sent, and byte-swapped (`_le`). */
function identFields(name: 'icmp.ident' | 'icmp.seq', value: number, out: FieldSink): void {
  out.add(name, value);
  out.add(`${name}_le`, ((value & 0xff) << 8) | (value >>> 8));
}

export const icmp: Protocol<IcmpHeader> = {
  name: 'icmp',
  scan(ctx: DecodeContext): Scanned {
    return parseIcmp(ctx.bytes, ctx.offset, Math.min(ctx.end, ctx.bytes.length), false);
  },
  decode(ctx: DecodeContext): Decoded<IcmpHeader> {
    return parseIcmp(ctx.bytes, ctx.offset, Math.min(ctx.end, ctx.bytes.length), verifiable(ctx) ? 'verify' : 'skip') as Decoded<IcmpHeader>;
  },
  // tshark names a header cut below 4 bytes but shows none of it.
  partialFields: () => undefined,
  fields(h: IcmpHeader, out: FieldSink, layer?: Layer<IcmpHeader>): void {
    const kind = kindOf(h.type);
    // A header cut before its second word: tshark shows nothing until it has read 6 bytes, then the
    // first word and the second word's first half (an echo's identifier, a problem's pointer).
    const cut = layer !== undefined && kind !== 'unknown' && layer.length < ICMP_HEADER_LENGTH;
    if (cut && layer.length < 6) return;
    out.add('icmp.type', h.type);
    out.add('icmp.code', h.code);
    out.add('icmp.checksum', h.checksum);
    out.add('icmp.checksum.status', h.checksumStatus);
    if (cut) {
      if (kind === 'query' && h.ident !== undefined) {
        identFields('icmp.ident', h.ident, out);
      } else if (kind === 'problem' && h.pointer !== undefined) {
        out.add('icmp.pointer', h.pointer);
      }
      return;
    }
    if (kind === 'query' && h.ident !== undefined && h.seq !== undefined) {
      identFields('icmp.ident', h.ident, out);
      identFields('icmp.seq', h.seq, out);
    } else if (kind === 'redirect' && h.gateway !== undefined) {
      out.add('icmp.redir_gw', h.gateway);
    } else if ((kind === 'unreachable' || kind === 'exceeded' || kind === 'problem') && h.unused !== undefined) {
      addErrorWordFields(h, kind, out);
    }
    if (h.originateTimestamp !== undefined) {
      out.add('icmp.originate_timestamp', h.originateTimestamp);
      out.add('icmp.receive_timestamp', h.receiveTimestamp!);
      out.add('icmp.transmit_timestamp', h.transmitTimestamp!);
    }
    if (h.addressMask !== undefined) out.add('icmp.address_mask', h.addressMask);
  },
};
