// ICMPv6 (RFC 4443): errors (destination unreachable, packet too big, time exceeded, parameter
// problem) that quote the offending packet, echo, and Neighbor Discovery (RFC 4861): router and
// neighbor solicitations and advertisements and redirects, with their options (./ndp.ts). The
// checksum covers an IPv6 pseudo-header (RFC 4443 section 2.3), so decoding reads the addresses of
// the IPv6 layer below and encoding those of the IPv6 layer outside.
import { internetChecksum } from '../checksum/internet.js';
import { pseudoHeaderSum } from '../checksum/incremental.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned, withHeader } from '../packet/packet.js';
import { capturedLength } from '../packet/partial.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
// The pseudo-header reader TCP and UDP use: ICMPv6 needs exactly the same (RFC 4443 section 2.3).
import { encodeCarrier, ipCarrier } from './ip-carrier.js';
import { formatIpv6, parseIpv6, writeIpv6 } from './ip-address.js';
import { ndpOptionError, ndpOptionFields, ndpOptionsLength, walkNdpOptions, writeNdpOptions, type NdpOption } from './ndp.js';
import { u16, u32 } from '../packet/bytes.js';

/** IPv6 next-header value of ICMPv6. */
export const ICMPV6_PROTOCOL = 58;
/** Type, code, checksum and the 4-byte word every known message has. */
export const ICMPV6_HEADER_LENGTH = 8;
/** Type, code and checksum (RFC 4443 section 2.1): all a message of an unknown type is sure to have. */
const COMMON_LENGTH = 4;

/** ICMPv6 message types this module gives fields to (RFC 4443, RFC 4861). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** Bytes before the options (NDP) or the payload, per known type. */
const FIXED_LENGTH: Readonly<Record<number, number>> = {
  1: 8,
  2: 8,
  3: 8,
  4: 8,
  128: 8,
  129: 8,
  133: 8,
  134: 16,
  135: 24,
  136: 24,
  137: 40,
};

const isError = (type: number) => type >= 1 && type <= 4;
const isNdp = (type: number) => type >= 133 && type <= 137;

/**
 * A decoded ICMPv6 message. Every field its type defines is present (others are absent); types not
 * listed in `Icmpv6Type` have only `type`, `code` and the checksum, and the rest is payload.
 * Neighbor Discovery messages carry their `options` in the header and have no payload.
 */
export interface Icmpv6Header {
  type: number;
  code: number;
  checksum: number;
  checksumStatus: ChecksumStatus;
  /** Echo request and reply: identifier and sequence number. */
  ident?: number;
  seq?: number;
  /** Packet too big: the MTU of the next-hop link. */
  mtu?: number;
  /** Parameter problem: the byte of the quoted packet where the problem is. */
  pointer?: number;
  /** Destination unreachable and time exceeded: the quoted packet's length in 64-bit words (RFC 4884), else 0. */
  length?: number;
  /**
   * Bits the type reserves (must be zero, RFC 4443 and RFC 4861): the 24 after `length`; the whole
   * word of router and neighbor solicitations and redirects; the 2 flag bits after P of a router
   * advertisement; the 29 bits after R, S and O of a neighbor advertisement.
   */
  reserved?: number;
  /** Router advertisement (RFC 4861 section 4.2; H is RFC 6275's, Prf RFC 4191's, P RFC 4389's). */
  curHopLimit?: number;
  managed?: boolean;
  otherConfig?: boolean;
  homeAgent?: boolean;
  /** Default router preference: 1 high, 0 medium, 3 low, 2 reserved (RFC 4191 section 2.1). */
  preference?: number;
  proxy?: boolean;
  routerLifetime?: number;
  reachableTime?: number;
  retransTimer?: number;
  /** Neighbor advertisement flags (RFC 4861 section 4.4). */
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
  /** Neighbor solicitation and advertisement, redirect: the target address. */
  targetAddress?: string;
  /** Redirect: the destination that is better reached through `targetAddress`. */
  destinationAddress?: string;
  /** Neighbor Discovery messages: the options, in order. */
  options?: NdpOption[];
}

/**
 * Input for encoding: `type` and the fields of that type; `code` and numbers left out are 0,
 * flags false, addresses `::`, and `checksum` is computed from the IPv6 layer outside unless given.
 */
export type Icmpv6Input = Partial<Omit<Icmpv6Header, 'checksumStatus'>> & { type: number };

/** Source and destination for the pseudo-header, as text or 16 bytes. */
export interface Icmpv6Addresses {
  src: string | Uint8Array;
  dst: string | Uint8Array;
}

/**
 * Bytes this message takes before its payload: its fixed part and, for Neighbor Discovery, the
 * options; 4 for a type this module does not know.
 *
 * @example
 * icmpv6HeaderLength({ type: Icmpv6Type.NeighborSolicitation, options: [{ type: 1, linkAddress: '02:00:00:00:00:01' }] }) // 32
 */
export function icmpv6HeaderLength(header: Icmpv6Input): number {
  const fixed = FIXED_LENGTH[header.type];
  if (fixed === undefined) return COMMON_LENGTH;
  return isNdp(header.type) ? fixed + ndpOptionsLength(header.options) : fixed;
}

function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

function addressBytes(value: string | Uint8Array, name: string): Uint8Array {
  if (typeof value === 'string') return parseIpv6(value);
  if (value.length !== 16) {
    throw new WireError('bad-value', `${name} must be 16 bytes (an IPv6 address), got ${value.length}`, { layer: 'icmpv6' });
  }
  return value;
}

/** The checksum's sum over the pseudo-header (RFC 4443 section 2.3, RFC 8200 section 8.1). */
function pseudoSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  return pseudoHeaderSum(src, dst, ICMPV6_PROTOCOL, length);
}

/**
 * A zero-copy view of an ICMPv6 message from `offset` to `end` (the end of the IPv6 payload).
 * `check()` once, then read or rewrite fields in place; checksum helpers need the addresses of the
 * IPv6 header around it.
 *
 * @example
 * const v = new Icmpv6View(bytes, 54).check();
 * if (v.type === Icmpv6Type.EchoRequest) v.verifyChecksum(bytes.subarray(22, 38), bytes.subarray(38, 54));
 */
export class Icmpv6View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    readonly end = bytes.length,
  ) {}

  /** Throws `truncated` unless the 8-byte header fits before `end`. */
  check(): this {
    const available = Math.max(0, Math.min(this.end, this.bytes.length) - this.offset);
    if (available < ICMPV6_HEADER_LENGTH) throw truncated(this.offset, ICMPV6_HEADER_LENGTH, available, 'header');
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
  /** Bytes 4-7: MTU, pointer, identifier and sequence, flags or reserved, by type. */
  get word(): number {
    return u32(this.bytes, this.offset + 4);
  }
  set word(value: number) {
    putU32(this.bytes, this.offset + 4, value);
  }
  /** Echo: identifier (bytes 4-5). */
  get ident(): number {
    return this.word >>> 16;
  }
  /** Echo: sequence number (bytes 6-7). */
  get seq(): number {
    return this.word & 0xffff;
  }
  /** Neighbor solicitation and advertisement, redirect: the target address (bytes 8-23; check the length first). */
  get targetAddress(): string {
    return formatIpv6(this.bytes, this.offset + 8);
  }
  set targetAddress(address: string) {
    writeIpv6(address, this.bytes, this.offset + 8);
  }
  /** Everything after the 8-byte header. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + ICMPV6_HEADER_LENGTH, this.end);
  }
  /** Whether the checksum is right for these pseudo-header addresses (16 bytes each). */
  verifyChecksum(src: Uint8Array, dst: Uint8Array): boolean {
    const message = this.bytes.subarray(this.offset, this.end);
    return internetChecksum(message, pseudoSum(src, dst, message.length)) === 0;
  }
  /** Recomputes the checksum after an edit. */
  fillChecksum(src: Uint8Array, dst: Uint8Array): void {
    this.checksum = 0;
    const message = this.bytes.subarray(this.offset, this.end);
    this.checksum = internetChecksum(message, pseudoSum(src, dst, message.length));
  }
}

function truncated(offset: number, required: number, available: number, what: string): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${available} captured at offset ${offset}`, {
    layer: 'icmpv6',
    offset,
    required,
    available,
  });
}

/**
 * The pseudo-header addresses from the IPv6 layer below (the final destination when a routing
 * header has segments left, RFC 8200 section 8.1), when tshark would verify the checksum: not
 * inside an ICMP error's quoted packet, not in a fragment, not cut short by the capture.
 */
function pseudoHeaderFrom(ctx: DecodeContext): { src: Uint8Array; dst: Uint8Array } | undefined {
  if (!ctx.verifyChecksum || ctx.quoted) return undefined;
  const carrier = ipCarrier(ctx);
  if (carrier === undefined || carrier.family !== 6 || carrier.fragment) return undefined;
  if (carrier.claimedEnd !== undefined && carrier.claimedEnd > ctx.end) return undefined;
  return { src: carrier.source, dst: carrier.destination };
}

function splitWord(h: Icmpv6Header, word: number): void {
  switch (h.type) {
    case 1:
    case 3:
      // RFC 4884 section 4.5: the length is the first byte of the word.
      h.length = word >>> 24;
      h.reserved = word & 0xffffff;
      return;
    case 2:
      h.mtu = word;
      return;
    case 4:
      h.pointer = word;
      return;
    case 128:
    case 129:
      h.ident = word >>> 16;
      h.seq = word & 0xffff;
      return;
    case 134:
      h.curHopLimit = word >>> 24;
      h.managed = (word & 0x800000) !== 0;
      h.otherConfig = (word & 0x400000) !== 0;
      h.homeAgent = (word & 0x200000) !== 0;
      h.preference = (word >>> 19) & 3;
      h.proxy = (word & 0x40000) !== 0;
      h.reserved = (word >>> 16) & 3;
      h.routerLifetime = word & 0xffff;
      return;
    case 136:
      h.router = (word & 0x80000000) !== 0;
      h.solicited = (word & 0x40000000) !== 0;
      h.override = (word & 0x20000000) !== 0;
      h.reserved = word & 0x1fffffff;
      return;
    default:
      h.reserved = word;
  }
}

/**
 * The one walk behind `decodeIcmpv6`, the `icmpv6` protocol's `decode` and its `scan`: every
 * check (Neighbor Discovery options included), and with `build` the header object too, its
 * checksum verified when `pseudo` gives the addresses. Without `build` it reads bytes and
 * allocates nothing but its result (and a `WireError` for a malformed message).
 */
function parseIcmpv6(
  bytes: Uint8Array,
  offset: number,
  end: number,
  build: boolean,
  pseudo: { src: Uint8Array; dst: Uint8Array } | undefined,
): Scanned & { header?: Icmpv6Header } {
  const available = Math.max(0, end - offset);
  if (available < COMMON_LENGTH) throw truncated(offset, COMMON_LENGTH, available, 'message');
  const type = bytes[offset]!;
  const header: Icmpv6Header | undefined = build
    ? {
        type,
        code: bytes[offset + 1]!,
        checksum: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
        checksumStatus:
          pseudo === undefined
            ? 'unverified'
            : internetChecksum(bytes.subarray(offset, end), pseudoSum(pseudo.src, pseudo.dst, available)) === 0
              ? 'good'
              : 'bad',
      }
    : undefined;
  const fixed = FIXED_LENGTH[type];
  if (fixed === undefined) return withHeader(scanned(COMMON_LENGTH), header);
  if (available < ICMPV6_HEADER_LENGTH) {
    // An echo's identifier shows once its two bytes are there (tshark reads it on its own).
    if (header !== undefined && available >= 6 && (type === 128 || type === 129)) header.ident = u16(bytes, offset + 4);
    return withHeader(scanned(available, undefined, undefined, truncated(offset, fixed, available, `type ${type} header`)), header);
  }
  const word = u32(bytes, offset + 4);
  if (header !== undefined) splitWord(header, word);
  if (available < fixed) {
    return withHeader(scanned(ICMPV6_HEADER_LENGTH, undefined, undefined, truncated(offset, fixed, available, `type ${type} message`)), header);
  }
  if (header !== undefined && type === 134) {
    header.reachableTime = u32(bytes, offset + 8);
    header.retransTimer = u32(bytes, offset + 12);
  } else if (header !== undefined && type >= 135) {
    header.targetAddress = formatIpv6(bytes, offset + 8);
    if (type === 137) header.destinationAddress = formatIpv6(bytes, offset + 24);
  }
  if (isNdp(type)) {
    const options: NdpOption[] | undefined = header === undefined ? undefined : (header.options = []);
    const stop = walkNdpOptions(bytes, offset + fixed, end, options);
    return withHeader(scanned(stop - offset, undefined, undefined, stop < end ? ndpOptionError(bytes, stop, end) : undefined), header);
  }
  const decoded: Scanned & { header?: Icmpv6Header } = withHeader(scanned(fixed), header);
  if (isError(type)) {
    decoded.quotes = true;
    const start = offset + fixed;
    // RFC 4884 section 4.5: a non-zero length (of unreachable and time exceeded messages) bounds
    // the quoted packet; extension objects follow it.
    const length = type === 1 || type === 3 ? word >>> 24 : 0;
    if (length) decoded.payloadEnd = Math.min(end, start + length * 8);
    const quotedEnd = decoded.payloadEnd ?? end;
    // As tshark does, only what looks like IPv6 is decoded as the quoted packet.
    if (quotedEnd > start && bytes[start]! >>> 4 === 6) decoded.next = { protocol: 'ipv6' };
  }
  return decoded;
}

/**
 * Decodes the ICMPv6 message at `offset` (to `options.end`, default the end of `bytes`). With the
 * pseudo-header addresses the checksum is verified, else it is `unverified`. Throws `WireError`
 * when the message is cut short or its options are malformed; `decodePacket` is the lenient way.
 *
 * @example
 * decodeIcmpv6(message, 0, { src: 'fe80::1', dst: 'ff02::1' })
 * // { type: 134, code: 0, checksum: ..., checksumStatus: 'good', curHopLimit: 64, ..., options: [...] }
 */
export function decodeIcmpv6(bytes: Uint8Array, offset = 0, options: Partial<Icmpv6Addresses> & { end?: number } = {}): Icmpv6Header {
  const pseudo =
    options.src !== undefined && options.dst !== undefined
      ? { src: addressBytes(options.src, 'src'), dst: addressBytes(options.dst, 'dst') }
      : undefined;
  const decoded = parseIcmpv6(bytes, offset, Math.min(options.end ?? bytes.length, bytes.length), true, pseudo);
  if (decoded.error) throw decoded.error;
  return decoded.header!;
}

function checkUint(name: string, value: number | undefined, max: number): number {
  const v = value ?? 0;
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${String(value)}`, { layer: 'icmpv6' });
  }
  return v;
}

function joinWord(h: Icmpv6Input): number {
  switch (h.type) {
    case 1:
    case 3:
      return ((checkUint('length', h.length, 0xff) << 24) | checkUint('reserved', h.reserved, 0xffffff)) >>> 0;
    case 2:
      return checkUint('mtu', h.mtu, 0xffffffff);
    case 4:
      return checkUint('pointer', h.pointer, 0xffffffff);
    case 128:
    case 129:
      return ((checkUint('ident', h.ident, 0xffff) << 16) | checkUint('seq', h.seq, 0xffff)) >>> 0;
    case 134:
      return (
        ((checkUint('curHopLimit', h.curHopLimit, 0xff) << 24) |
          (h.managed ? 0x800000 : 0) |
          (h.otherConfig ? 0x400000 : 0) |
          (h.homeAgent ? 0x200000 : 0) |
          (checkUint('preference', h.preference, 3) << 19) |
          (h.proxy ? 0x40000 : 0) |
          (checkUint('reserved', h.reserved, 3) << 16) |
          checkUint('routerLifetime', h.routerLifetime, 0xffff)) >>>
        0
      );
    case 136:
      return (
        ((h.router ? 0x80000000 : 0) | (h.solicited ? 0x40000000 : 0) | (h.override ? 0x20000000 : 0) | checkUint('reserved', h.reserved, 0x1fffffff)) >>>
        0
      );
    default:
      return checkUint('reserved', h.reserved, 0xffffffff);
  }
}

function emitHeader(h: Icmpv6Input, out: Uint8Array, offset: number, payloadLength: number, fill: boolean, pseudo: (() => Icmpv6Addresses | undefined)): void {
  out[offset] = checkUint('type', h.type, 0xff);
  out[offset + 1] = checkUint('code', h.code, 0xff);
  out[offset + 2] = 0;
  out[offset + 3] = 0;
  const fixed = FIXED_LENGTH[h.type];
  if (fixed !== undefined) {
    putU32(out, offset + 4, joinWord(h));
    if (h.type === 134) {
      putU32(out, offset + 8, checkUint('reachableTime', h.reachableTime, 0xffffffff));
      putU32(out, offset + 12, checkUint('retransTimer', h.retransTimer, 0xffffffff));
    } else if (h.type >= 135) {
      writeIpv6(h.targetAddress ?? '::', out, offset + 8);
      if (h.type === 137) writeIpv6(h.destinationAddress ?? '::', out, offset + 24);
    }
    if (isNdp(h.type)) writeNdpOptions(h.options, out, offset + fixed);
  }
  let checksum = h.checksum;
  if (checksum === undefined && fill) {
    const addresses = pseudo();
    if (addresses === undefined) {
      throw new WireError(
        'bad-value',
        'the checksum covers the IPv6 source and destination (RFC 4443 section 2.3): put an ipv6 layer outside this one, pass the addresses, or give checksum',
        { layer: 'icmpv6' },
      );
    }
    const length = icmpv6HeaderLength(h) + payloadLength;
    checksum = internetChecksum(
      out.subarray(offset, offset + length),
      pseudoSum(addressBytes(addresses.src, 'src'), addressBytes(addresses.dst, 'dst'), length),
    );
  }
  checksum = checkUint('checksum', checksum, 0xffff);
  out[offset + 2] = checksum >>> 8;
  out[offset + 3] = checksum;
}

/**
 * Writes the message (header, options, then payload) at out[offset] and returns its length. The
 * checksum is computed from `addresses` unless `header.checksum` is given.
 *
 * @example
 * const length = emitIcmpv6({ type: Icmpv6Type.EchoReply, ident: 7, seq: 1 }, data, out, 54, { src: 'fe80::2', dst: 'fe80::1' });
 */
export function emitIcmpv6(header: Icmpv6Input, payload: Uint8Array, out: Uint8Array, offset = 0, addresses?: Icmpv6Addresses): number {
  const headerLength = icmpv6HeaderLength(header);
  const length = headerLength + payload.length;
  if (out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${out.length - offset}`, {
      layer: 'icmpv6',
      offset,
      required: length,
      available: out.length - offset,
    });
  }
  out.set(payload, offset + headerLength);
  emitHeader(header, out, offset, payload.length, true, () => addresses);
  return length;
}

/**
 * A new buffer holding the message; `addresses` (the IPv6 source and destination) are needed for
 * the checksum unless `header.checksum` is given.
 *
 * @example
 * encodeIcmpv6(
 *   { type: Icmpv6Type.NeighborSolicitation, targetAddress: 'fe80::2', options: [{ type: 1, linkAddress: '02:00:00:00:00:01' }] },
 *   undefined,
 *   { src: 'fe80::1', dst: 'ff02::1:ff00:2' },
 * )
 */
export function encodeIcmpv6(header: Icmpv6Input, payload: Uint8Array = new Uint8Array(0), addresses?: Icmpv6Addresses): Uint8Array {
  const out = new Uint8Array(icmpv6HeaderLength(header) + payload.length);
  emitIcmpv6(header, payload, out, 0, addresses);
  return out;
}

/** The addresses of the nearest IP layer outside, when it is IPv6 (its final destination, as above). */
function outerAddresses(ctx: EncodeContext): Icmpv6Addresses | undefined {
  const carrier = encodeCarrier(ctx);
  return carrier === undefined || carrier.source.length !== 16 ? undefined : { src: carrier.source, dst: carrier.destination };
}

export const icmpv6Encoder: Encoder<Icmpv6Input> = {
  name: 'icmpv6',
  headerLength: icmpv6HeaderLength,
  emit(header, out, offset, payloadLength, ctx) {
    emitHeader(header, out, offset, payloadLength, ctx.fill, () => outerAddresses(ctx));
  },
};

function reservedBytes(value: number, bytes: number): string {
  const b = new Uint8Array(4);
  putU32(b, 0, value);
  return bytesField(b.subarray(4 - bytes));
}

/** Registered for IP protocol (next header) 58. */
export const icmpv6: Protocol<Icmpv6Header> = {
  name: 'icmpv6',
  // A header cut below 4 bytes: its type and code as far as captured, as tshark shows them.
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const n = capturedLength(ctx);
    if (n >= 1) out.add('icmpv6.type', ctx.bytes[ctx.offset]!);
    if (n >= 2) out.add('icmpv6.code', ctx.bytes[ctx.offset + 1]!);
  },
  scan(ctx: DecodeContext): Scanned {
    return parseIcmpv6(ctx.bytes, ctx.offset, Math.min(ctx.end, ctx.bytes.length), false, undefined);
  },
  decode(ctx: DecodeContext): Decoded<Icmpv6Header> {
    return parseIcmpv6(ctx.bytes, ctx.offset, Math.min(ctx.end, ctx.bytes.length), true, pseudoHeaderFrom(ctx)) as Decoded<Icmpv6Header>;
  },
  fields(h: Icmpv6Header, out: FieldSink): void {
    out.add('icmpv6.type', h.type);
    out.add('icmpv6.code', h.code);
    out.add('icmpv6.checksum', h.checksum);
    out.add('icmpv6.checksum.status', h.checksumStatus);
    if (h.length !== undefined && h.reserved !== undefined) {
      if (h.length > 0) out.add('icmpv6.length', h.length);
      out.add('icmpv6.reserved', h.length > 0 ? reservedBytes(h.reserved, 3) : reservedBytes(h.reserved, 4));
    }
    if (h.mtu !== undefined) out.add('icmpv6.mtu', h.mtu);
    if (h.pointer !== undefined) out.add('icmpv6.pointer', h.pointer);
    if (h.ident !== undefined) {
      out.add('icmpv6.echo.identifier', h.ident);
      if (h.seq !== undefined) out.add('icmpv6.echo.sequence_number', h.seq);
    }
    if (h.type === 134 && h.curHopLimit !== undefined) {
      const flags = (joinWord(h) >>> 16) & 0xff;
      out.add('icmpv6.nd.ra.cur_hop_limit', h.curHopLimit);
      out.add('icmpv6.nd.ra.flag', flags);
      out.add('icmpv6.nd.ra.flag.m', h.managed ? 1 : 0);
      out.add('icmpv6.nd.ra.flag.o', h.otherConfig ? 1 : 0);
      out.add('icmpv6.nd.ra.flag.h', h.homeAgent ? 1 : 0);
      out.add('icmpv6.nd.ra.flag.prf', h.preference ?? 0);
      out.add('icmpv6.nd.ra.flag.p', h.proxy ? 1 : 0);
      out.add('icmpv6.nd.ra.flag.rsv', h.reserved ?? 0);
      out.add('icmpv6.nd.ra.router_lifetime', h.routerLifetime ?? 0);
      if (h.reachableTime !== undefined) {
        out.add('icmpv6.nd.ra.reachable_time', h.reachableTime);
        out.add('icmpv6.nd.ra.retrans_timer', h.retransTimer ?? 0);
      }
    } else if (h.type === 136 && h.router !== undefined) {
      out.add('icmpv6.nd.na.flag', joinWord(h));
      out.add('icmpv6.nd.na.flag.r', h.router ? 1 : 0);
      out.add('icmpv6.nd.na.flag.s', h.solicited ? 1 : 0);
      out.add('icmpv6.nd.na.flag.o', h.override ? 1 : 0);
      out.add('icmpv6.nd.na.flag.rsv', h.reserved ?? 0);
    } else if ((h.type === 133 || h.type === 135 || h.type === 137) && h.reserved !== undefined) {
      out.add('icmpv6.reserved', reservedBytes(h.reserved, 4));
    }
    if (h.targetAddress !== undefined) {
      const name = h.type === 135 ? 'icmpv6.nd.ns.target_address' : h.type === 136 ? 'icmpv6.nd.na.target_address' : 'icmpv6.nd.rd.target_address';
      out.add(name, h.targetAddress);
    }
    // tshark 4.0's name for a redirect's destination is `rd.na`, not `nd.rd`.
    if (h.destinationAddress !== undefined) out.add('icmpv6.rd.na.destination_address', h.destinationAddress);
    for (const option of h.options ?? []) ndpOptionFields(option, out);
  },
};
