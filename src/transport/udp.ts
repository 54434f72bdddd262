// UDP (RFC 768): ports, length, checksum over the pseudo-header. Over IPv4 a zero checksum means
// none was computed; over IPv6 the checksum is mandatory and zero is invalid (RFC 8200 8.1).
import { checksumUpdate } from '../checksum/incremental.js';
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { FieldSink } from '../packet/fields.js';
import { scanned, withHeader } from '../packet/packet.js';
import { capturedLength } from '../packet/partial.js';
import type { Decoded, DecodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import {
  addressAdjusted,
  carrierSum,
  encodeCarrier,
  ipCarrier,
  standaloneCarrier,
  verifyTransportChecksum,
  type IpCarrier,
  type PseudoHeaderAddresses,
} from '../network/ip-carrier.js';
import { put16, u16 } from '../packet/bytes.js';

export const UDP_HEADER_LENGTH = 8;
export const IP_PROTO_UDP = 17;

export interface UdpHeader {
  srcport: number;
  dstport: number;
  /** Header plus payload in bytes, as sent (0 over IPv6 stands for a jumbogram's length, RFC 2675 4). */
  length: number;
  checksum: number;
  /**
   * `unverified` for a zero checksum over IPv4 (none sent), and when verification was off or
   * impossible (no IP layer, a fragment, a cut capture, a length past IP's, an ICMP quote);
   * `bad` for a zero checksum over IPv6.
   */
  checksumStatus: ChecksumStatus;
  /** What the checksum should be, when it was verified (tshark's `udp.checksum_calculated`). */
  checksumCalculated?: number;
  /** Set when the datagram is the copy an ICMP error quotes. */
  quoted?: true;
  /** Set when fewer bytes of the datagram are present than IP says (a cut capture, an ICMP quote). */
  captured?: number;
}

/** Input for encoding: `length` and `checksum` are filled unless given. */
export interface UdpInput {
  srcport: number;
  dstport: number;
  /** Written as given when set (to craft length lies); default 8 + payload length. */
  length?: number;
  /** Written as given when set (0 sends none over IPv4); default computed, 0 sent as 0xffff (RFC 768). */
  checksum?: number;
}

/**
 * A zero-copy view of a UDP datagram. `check()` once, then read or rewrite fields in place, and fix
 * the checksum incrementally with `adjustChecksum` (RFC 1624).
 *
 * @example
 * const v = new UdpView(datagram).check();
 * const old = v.srcport;
 * v.srcport = 40000;
 * v.adjustChecksum(old, 40000);  // a zero (absent) checksum stays zero
 */
export class UdpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    readonly end = bytes.length,
  ) {}

  /** Throws `truncated` unless the header fits, `bad-length` unless the length field is 8..(what is there). */
  check(): this {
    const available = Math.max(0, Math.min(this.end, this.bytes.length) - this.offset);
    if (available < UDP_HEADER_LENGTH) {
      throw new WireError('truncated', `header needs 8 bytes, ${available} captured at offset ${this.offset}`, {
        layer: 'udp',
        offset: this.offset,
        required: UDP_HEADER_LENGTH,
        available,
      });
    }
    const length = this.length;
    if (length < UDP_HEADER_LENGTH || length > available) {
      throw new WireError('bad-length', `length ${length} is outside 8..${available}, the bytes at offset ${this.offset}`, {
        layer: 'udp',
        offset: this.offset,
        required: Math.max(length, UDP_HEADER_LENGTH),
        available,
      });
    }
    return this;
  }
  get srcport(): number {
    return u16(this.bytes, this.offset);
  }
  set srcport(v: number) {
    put16(this.bytes, this.offset, v);
  }
  get dstport(): number {
    return u16(this.bytes, this.offset + 2);
  }
  set dstport(v: number) {
    put16(this.bytes, this.offset + 2, v);
  }
  get length(): number {
    return u16(this.bytes, this.offset + 4);
  }
  set length(v: number) {
    put16(this.bytes, this.offset + 4, v);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 6);
  }
  set checksum(v: number) {
    put16(this.bytes, this.offset + 6, v);
  }
  /** The payload as the length field bounds it. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + UDP_HEADER_LENGTH, this.offset + Math.max(UDP_HEADER_LENGTH, this.length));
  }
  /** Header and payload: what the checksum covers. */
  get datagram(): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + Math.max(UDP_HEADER_LENGTH, this.length));
  }

  /**
   * Updates the checksum after a field (or a pseudo-header IPv4 address, 32 bits) changed from
   * `oldValue` to `newValue` (RFC 1624 eqn. 3). A zero checksum means none (IPv4) and stays zero;
   * a result of zero is sent as 0xffff (RFC 768).
   */
  adjustChecksum(oldValue: number, newValue: number): void {
    if (this.checksum === 0) return;
    this.checksum = checksumUpdate(this.checksum, oldValue, newValue) || 0xffff;
  }

  /** Updates the checksum after a pseudo-header address changed: 4 or 16 bytes each. */
  adjustChecksumForAddress(oldAddress: Uint8Array, newAddress: Uint8Array): void {
    if (this.checksum === 0) return;
    this.checksum = addressAdjusted(this.checksum, oldAddress, newAddress, 'udp') || 0xffff;
  }

  /** Recomputes the checksum over the pseudo-header and the datagram (0 goes out as 0xffff). */
  fillChecksum(src: string | Uint8Array, dst: string | Uint8Array): void {
    const datagram = this.datagram;
    this.checksum = 0;
    this.checksum = internetChecksum(datagram, carrierSum(standaloneCarrier({ src, dst })!, IP_PROTO_UDP, datagram.length)) || 0xffff;
  }

  /** Whether the checksum is right for these addresses (a zero checksum over IPv4 counts as right: none was sent). */
  verifyChecksum(src: string | Uint8Array, dst: string | Uint8Array): boolean {
    const carrier = standaloneCarrier({ src, dst })!;
    if (this.checksum === 0) return carrier.family === 4;
    const datagram = this.datagram;
    return internetChecksum(datagram, carrierSum(carrier, IP_PROTO_UDP, datagram.length)) === 0;
  }
}

function lengthError(message: string, offset: number, required: number, available: number): WireError {
  return new WireError('bad-length', message, { layer: 'udp', offset, required, available });
}

/** Stands for the IP layer below when `scan` has not needed it yet: `ipCarrier` reads it on demand. */
const NOT_READ = null;

/**
 * The one walk behind `udp.decode` (IP from `ctx.below`), `decodeUdp` (addresses given) and
 * `udp.scan`: every check, and with `build` the header object too (its checksum verified when
 * asked). `scan` passes `NOT_READ` for the carrier and allocates nothing but its result: the IP
 * layer below matters to the checks only for a length of 0 or past the captured bytes, since
 * the dissector never lets a layer's end pass what IP claims for it (it trims every layer's end
 * to the lengths below), so a length within the captured bytes is within what IP gives.
 */
function parseDatagram(ctx: DecodeContext, given: IpCarrier | undefined | typeof NOT_READ, build: boolean): Scanned & { header?: UdpHeader } {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  const available = Math.max(0, end - offset);
  if (available < (ctx.quoted ? 4 : UDP_HEADER_LENGTH)) {
    throw new WireError('truncated', `header needs 8 bytes, ${available} captured at offset ${offset}`, {
      layer: 'udp',
      offset,
      required: ctx.quoted ? 4 : UDP_HEADER_LENGTH,
      available,
    });
  }
  const srcport = u16(bytes, offset);
  const dstport = u16(bytes, offset + 2);
  const lengthField = available >= 6 ? u16(bytes, offset + 4) : 0;
  let header: UdpHeader | undefined;
  if (build) {
    header = { srcport, dstport, length: lengthField, checksum: available >= 8 ? u16(bytes, offset + 6) : 0, checksumStatus: 'unverified' };
    if (ctx.quoted) header.quoted = true;
  }
  let carrier = given === NOT_READ ? undefined : given;
  const claimedEnd = carrier?.claimedEnd;
  if (header !== undefined && claimedEnd !== undefined && claimedEnd > end) header.captured = available;
  if (available < UDP_HEADER_LENGTH) return withHeader(scanned(available), header);

  let length = lengthField;
  if (given === NOT_READ && (length === 0 || length > available)) carrier = ipCarrier(ctx);
  let error: WireError | undefined;
  if (length === 0 && carrier?.family === 6) {
    // RFC 2675 4: zero stands for the real length in a jumbogram, whose length is above 65535.
    // What IP gives UDP: up to where the IP length says, or what is there when IP gives no length.
    const ipLength = Math.max(0, (carrier.claimedEnd ?? end) - offset);
    length = ipLength;
    if (ipLength <= 0xffff && !ctx.quoted) {
      error = lengthError(`length 0 is only for jumbograms (RFC 2675), but IP gives this datagram ${ipLength} bytes at offset ${offset}`, offset, 0x10000, ipLength);
    }
  } else if (length < UDP_HEADER_LENGTH) {
    return withHeader(scanned(UDP_HEADER_LENGTH, undefined, undefined, lengthError(`length ${length} is below the 8-byte header at offset ${offset}`, offset, UDP_HEADER_LENGTH, length)), header);
  } else if (length > available && !ctx.quoted && !carrier?.fragment) {
    const ipLength = Math.max(0, (carrier?.claimedEnd ?? end) - offset);
    if (length > ipLength) {
      const error = lengthError(`length ${length} exceeds the ${ipLength} bytes IP gives the datagram at offset ${offset}`, offset, length, ipLength);
      return withHeader(scanned(UDP_HEADER_LENGTH, undefined, undefined, error), header);
    }
  }
  const payloadEnd = offset + length;

  if (header !== undefined && header.checksum === 0) {
    if (carrier?.family === 6) header.checksumStatus = 'bad';
  } else if (header !== undefined && ctx.verifyChecksum && carrier !== undefined && !carrier.fragment && payloadEnd <= end && (carrier.family === 6 || length <= 0xffff)) {
    // Quoted in an ICMP error too, when the whole datagram was captured (tshark verifies it so, over
    // the quoted IP's addresses, even when the capture cut the ICMP packet after it).
    const { status, calculated } = verifyTransportChecksum(bytes.subarray(offset, payloadEnd), header.checksum, carrier, IP_PROTO_UDP, length);
    header.checksumStatus = status;
    // RFC 768: a computed zero is sent as all ones, and tshark shows it so.
    header.checksumCalculated = calculated || 0xffff;
  }
  // tshark tries the lower port first ("try heuristic sub-dissectors first" off), then the higher.
  const next: Next | undefined =
    !error && Math.min(payloadEnd, end) > offset + UDP_HEADER_LENGTH ? { table: 'udp.port', value: Math.min(srcport, dstport), alt: Math.max(srcport, dstport) } : undefined;
  return withHeader(scanned(UDP_HEADER_LENGTH, payloadEnd, next, error), header);
}

/**
 * Decodes the UDP datagram at bytes[offset, end). Give the IP addresses to verify the checksum
 * (otherwise it is `unverified`). Throws `WireError` for a truncated header or a length field that
 * lies (`decodePacket` is the lenient path).
 *
 * @example
 * const h = decodeUdp(datagram, 0, { addresses: { src: '192.0.2.1', dst: '198.51.100.2' } });
 * h.dstport;          // 53
 * h.checksumStatus;   // 'good'
 */
export function decodeUdp(bytes: Uint8Array, offset = 0, options: { end?: number; addresses?: PseudoHeaderAddresses } = {}): UdpHeader {
  const carrier = standaloneCarrier(options.addresses);
  const ctx: DecodeContext = { bytes, offset, end: options.end ?? bytes.length, below: [], quoted: false, verifyChecksum: carrier !== undefined };
  const decoded = parseDatagram(ctx, carrier, true);
  if (decoded.error) throw decoded.error;
  return decoded.header!;
}

function checkField(value: number, max: number, name: string): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${value}`, { layer: 'udp' });
  }
  return value;
}

function emitDatagram(
  header: UdpInput,
  out: Uint8Array,
  offset: number,
  payloadLength: number,
  fill: boolean,
  carrier: { source: Uint8Array; destination: Uint8Array } | undefined,
): void {
  const actual = UDP_HEADER_LENGTH + payloadLength;
  const length = checkField(header.length ?? (fill ? actual : 0), 0xffff, 'length');
  put16(out, offset, checkField(header.srcport, 0xffff, 'srcport'));
  put16(out, offset + 2, checkField(header.dstport, 0xffff, 'dstport'));
  put16(out, offset + 4, length);
  put16(out, offset + 6, 0);
  let checksum = header.checksum;
  if (checksum === undefined && fill && carrier !== undefined) {
    // Over what a receiver will check: the length field's bytes when it is honest or short.
    const covered = length >= UDP_HEADER_LENGTH && length <= actual ? length : actual;
    checksum = internetChecksum(out.subarray(offset, offset + covered), carrierSum(carrier, IP_PROTO_UDP, covered)) || 0xffff;
  }
  // Without an IP layer outside there is no pseudo-header: 0, "no checksum" over IPv4.
  put16(out, offset + 6, checkField(checksum ?? 0, 0xffff, 'checksum'));
}

/** UDP for `encodeFrame`: length from the payload, checksum over the nearest `ip`/`ipv6` layer outside. */
export const udpEncoder: Encoder<UdpInput> = {
  name: 'udp',
  headerLength: () => UDP_HEADER_LENGTH,
  emit(header, out, offset, payloadLength, ctx) {
    emitDatagram(header, out, offset, payloadLength, ctx.fill, ctx.fill && header.checksum === undefined ? encodeCarrier(ctx) : undefined);
  },
};

/** Writes the datagram at out[offset] and returns its length; the checksum needs `addresses` (else 0). */
export function emitUdp(header: UdpInput, payload: Uint8Array, out: Uint8Array, offset = 0, addresses?: PseudoHeaderAddresses): number {
  const length = UDP_HEADER_LENGTH + payload.length;
  if (out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${out.length - offset}`, { layer: 'udp', offset });
  }
  out.set(payload, offset + UDP_HEADER_LENGTH);
  emitDatagram(header, out, offset, payload.length, true, standaloneCarrier(addresses));
  return length;
}

/**
 * A new buffer holding the datagram.
 *
 * @example
 * encodeUdp({ srcport: 5353, dstport: 53 }, query, { src: '192.0.2.1', dst: '198.51.100.2' });
 */
export function encodeUdp(header: UdpInput, payload: Uint8Array = new Uint8Array(0), addresses?: PseudoHeaderAddresses): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LENGTH + payload.length);
  emitUdp(header, payload, out, 0, addresses);
  return out;
}

/** A header cut below 8 bytes outside an ICMP quote (which throws): the ports, then the length, as tshark shows them (fields() of a cut header). */
function partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
  const { bytes, offset } = ctx;
  const n = capturedLength(ctx);
  if (n < 4) return;
  const length = n >= 6 ? u16(bytes, offset + 4) : 0;
  fields({ srcport: u16(bytes, offset), dstport: u16(bytes, offset + 2), length, checksum: 0, checksumStatus: 'unverified', captured: n }, out);
}

function fields(h: UdpHeader, out: FieldSink): void {
  out.add('udp.srcport', h.srcport);
  out.add('udp.dstport', h.dstport);
  out.add('udp.port', h.srcport);
  out.add('udp.port', h.dstport);
  const captured = h.captured ?? Infinity;
  if (captured < UDP_HEADER_LENGTH) {
    if (captured >= 6) out.add('udp.length', h.length);
    return;
  }
  out.add('udp.length', h.length);
  // tshark stops at a length below the header's own 8 bytes (0 is a jumbogram's, or bad later).
  if (h.length !== 0 && h.length < UDP_HEADER_LENGTH) return;
  out.add('udp.checksum', h.checksum);
  if (h.checksumCalculated !== undefined) out.add('udp.checksum_calculated', h.checksumCalculated);
  if (h.checksum === 0) {
    // tshark's statuses for a zero checksum, which ChecksumStatus does not name: 3 "not present"
    // over IPv4 and in an ICMP error's quote, 4 "illegal" over IPv6 (RFC 8200 8.1; the header says `bad`).
    out.add('udp.checksum.status', h.quoted || h.checksumStatus !== 'bad' ? 'not-present' : 'illegal');
  } else {
    // A quoted copy is verified when the whole datagram is quoted, as tshark does (else unverified).
    out.add('udp.checksum.status', h.checksumStatus);
  }
}

/** UDP for the dissector: ip.proto 17; the payload goes to `udp.port`, lower port first. */
export const udp: Protocol<UdpHeader> = {
  name: 'udp',
  partialFields,
  scan: (ctx: DecodeContext): Scanned => parseDatagram(ctx, NOT_READ, false),
  decode: (ctx: DecodeContext) => parseDatagram(ctx, ipCarrier(ctx), true) as Decoded<UdpHeader>,
  fields,
};
