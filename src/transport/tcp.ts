// TCP (RFC 9293 3.1): the fixed 20-byte header, options, and the checksum over the pseudo-header.
// Sequence numbers are the absolute ones on the wire; relative numbers, stream indexes and window
// scaling need connection state and belong to stream reassembly, not to this decoder.
import { checksumUpdate } from '../checksum/incremental.js';
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned, withHeader } from '../packet/packet.js';
import { capturedLength } from '../packet/partial.js';
import type { Decoded, DecodeContext, Encoder, Layer, Protocol, Scanned } from '../packet/protocol.js';
import {
  addressAdjusted,
  carrierSum,
  encodeCarrier,
  ipCarrier,
  outerIpCut,
  standaloneCarrier,
  verifyTransportChecksum,
  type IpCarrier,
  type PseudoHeaderAddresses,
} from '../network/ip-carrier.js';
export type { PseudoHeaderAddresses } from '../network/ip-carrier.js';
import { cutOptionFields, hexBytes, parseTcpOptions, tcpOptionFields, tcpOptionLength, walkTcpOptions, writeTcpOption, type TcpOption } from './tcp-options.js';
import { put16, put32, u16, u32 } from '../packet/bytes.js';

export const TCP_HEADER_LENGTH = 20;
/** Data offset counts 32-bit words in 4 bits: at most 15 words, 40 bytes of options. */
export const TCP_MAX_HEADER_LENGTH = 60;
export const IP_PROTO_TCP = 6;

/** The 12 flag bits of `flags` (RFC 9293 3.1; AE from RFC 9768, formerly NS of RFC 3540). */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
  /** The three reserved bits (must be zero, RFC 9293 3.1). */
  RESERVED: 0xe00,
} as const;

export interface TcpHeader {
  srcport: number;
  dstport: number;
  /** Sequence and acknowledgment numbers as on the wire (tshark's `tcp.seq_raw`, `tcp.ack_raw`). */
  seq: number;
  ack: number;
  /** Header length in 32-bit words, as sent (5..15 in a valid header). */
  dataOffset: number;
  /** The 12 bits after the data offset: reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN (see `TcpFlag`). */
  flags: number;
  /** The window field as sent, unscaled. */
  window: number;
  checksum: number;
  /** `unverified` when verification was off, impossible (no IP layer, a fragment, a cut capture) or the segment is quoted. */
  checksumStatus: ChecksumStatus;
  /** What the checksum should be, when it was verified (tshark's `tcp.checksum_calculated`). */
  checksumCalculated?: number;
  urgentPointer: number;
  options: TcpOption[];
  /** Option-space bytes after an EOL option (zeros, RFC 9293 3.1), colon hex. */
  padding?: string;
  /** Option-space bytes from the first option that could not be parsed (garbage, or cut by an ICMP quote). */
  unparsed?: string;
  /** Set when the segment is the copy an ICMP error quotes (RFC 792, RFC 4443 3): not a live segment. */
  quoted?: true;
  /**
   * Set when fewer bytes of the segment are present than IP says it has (a snaplen-cut capture,
   * an ICMP quote): how many there are. Fields past them read 0 and `fields()` leaves them out.
   */
  captured?: number;
  /**
   * With `captured` on a cut capture: the segment's length as IP gives it, which is what tshark's
   * `tcp.len` counts (less the header), not the bytes captured.
   */
  segmentLength?: number;
}

/** Input for encoding: everything but the ports is optional; lengths and the checksum are filled. */
export interface TcpInput {
  srcport: number;
  dstport: number;
  seq?: number;
  ack?: number;
  /** Default 0; see `TcpFlag`. */
  flags?: number;
  /** Default 65535. */
  window?: number;
  urgentPointer?: number;
  options?: readonly TcpOption[];
  /** Bytes written after the options (colon hex), before the zero fill to a 4-byte boundary. */
  padding?: string;
  unparsed?: string;
  /** Written as given when set (to craft malformed headers); default: the header's real length. */
  dataOffset?: number;
  /** Written as given when set; default: computed over the pseudo-header of the enclosing IP layer. */
  checksum?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * A zero-copy view of a TCP segment. `check()` once, then read or rewrite fields in place; after a
 * rewrite, `adjustChecksum` fixes the checksum incrementally (RFC 1624) without reading the payload.
 *
 * @example
 * const v = new TcpView(segment).check();
 * const old = v.dstport;
 * v.dstport = 8080;
 * v.adjustChecksum(old, 8080);          // still valid, the payload untouched
 * if (v.flags & TcpFlag.SYN) console.log(v.options);
 */
export class TcpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    /** End of the segment (IP trims it); defaults to the end of `bytes`. */
    readonly end = bytes.length,
  ) {}

  /** Throws `truncated` unless the fixed header fits, `bad-length` unless the data offset is 5..(what is there). */
  check(): this {
    const available = Math.max(0, Math.min(this.end, this.bytes.length) - this.offset);
    if (available < TCP_HEADER_LENGTH) {
      throw new WireError('truncated', `header needs 20 bytes, ${available} captured at offset ${this.offset}`, {
        layer: 'tcp',
        offset: this.offset,
        required: TCP_HEADER_LENGTH,
        available,
      });
    }
    const length = this.headerLength;
    if (length < TCP_HEADER_LENGTH || length > available) {
      throw dataOffsetError(this.dataOffset, available, this.offset, true);
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
  get seq(): number {
    return u32(this.bytes, this.offset + 4);
  }
  set seq(v: number) {
    put32(this.bytes, this.offset + 4, v);
  }
  get ack(): number {
    return u32(this.bytes, this.offset + 8);
  }
  set ack(v: number) {
    put32(this.bytes, this.offset + 8, v);
  }
  get dataOffset(): number {
    return this.bytes[this.offset + 12]! >>> 4;
  }
  get headerLength(): number {
    return this.dataOffset * 4;
  }
  /** The 12 flag bits (see `TcpFlag`); setting them keeps the data offset. */
  get flags(): number {
    return ((this.bytes[this.offset + 12]! & 0x0f) << 8) | this.bytes[this.offset + 13]!;
  }
  set flags(v: number) {
    this.bytes[this.offset + 12] = (this.bytes[this.offset + 12]! & 0xf0) | ((v >>> 8) & 0x0f);
    this.bytes[this.offset + 13] = v;
  }
  get window(): number {
    return u16(this.bytes, this.offset + 14);
  }
  set window(v: number) {
    put16(this.bytes, this.offset + 14, v);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + 16);
  }
  set checksum(v: number) {
    put16(this.bytes, this.offset + 16, v);
  }
  get urgentPointer(): number {
    return u16(this.bytes, this.offset + 18);
  }
  set urgentPointer(v: number) {
    put16(this.bytes, this.offset + 18, v);
  }
  /** The parsed options (throws the option list's `WireError` if it is garbage). */
  get options(): TcpOption[] {
    const parsed = parseTcpOptions(this.bytes, this.offset + TCP_HEADER_LENGTH, this.offset + this.headerLength);
    if (parsed.error) throw parsed.error;
    return parsed.options;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.end);
  }
  /** The whole segment, header and payload: what the checksum covers. */
  get segment(): Uint8Array {
    return this.bytes.subarray(this.offset, this.end);
  }

  /**
   * Updates the checksum after a 16-bit field (port, window, urgent pointer, flags) or a 32-bit one
   * (seq, ack, an IPv4 address of the pseudo-header after NAT) changed from `oldValue` to
   * `newValue` (RFC 1624 eqn. 3).
   */
  adjustChecksum(oldValue: number, newValue: number): void {
    this.checksum = checksumUpdate(this.checksum, oldValue, newValue);
  }

  /** Updates the checksum after a pseudo-header address changed (NAT, NAT64 prefixes): 4 or 16 bytes each. */
  adjustChecksumForAddress(oldAddress: Uint8Array, newAddress: Uint8Array): void {
    this.checksum = addressAdjusted(this.checksum, oldAddress, newAddress, 'tcp');
  }

  /** Recomputes the checksum from scratch over the pseudo-header and the whole segment. */
  fillChecksum(src: string | Uint8Array, dst: string | Uint8Array): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.segment, carrierSum(standaloneCarrier({ src, dst })!, IP_PROTO_TCP, this.segment.length));
  }

  /** Whether the checksum is right for these pseudo-header addresses. */
  verifyChecksum(src: string | Uint8Array, dst: string | Uint8Array): boolean {
    return internetChecksum(this.segment, carrierSum(standaloneCarrier({ src, dst })!, IP_PROTO_TCP, this.segment.length)) === 0;
  }
}

function dataOffsetError(dataOffset: number, available: number, offset: number, cut: boolean): WireError {
  const length = dataOffset * 4;
  if (length < TCP_HEADER_LENGTH) {
    return new WireError('bad-length', `data offset ${dataOffset} (${length} bytes) is below the minimum 5 (20 bytes) at offset ${offset}`, {
      layer: 'tcp',
      offset,
      required: TCP_HEADER_LENGTH,
      available,
    });
  }
  const where = cut ? `the ${available} bytes captured` : `the ${available}-byte segment`;
  return new WireError(cut ? 'truncated' : 'bad-length', `data offset ${dataOffset} (${length} bytes) exceeds ${where} at offset ${offset}`, {
    layer: 'tcp',
    offset,
    required: length,
    available,
  });
}

function ports(srcport: number, dstport: number) {
  // tshark tries the lower port first ("try heuristic sub-dissectors first" off), then the higher.
  return { table: 'tcp.port' as const, value: Math.min(srcport, dstport), alt: Math.max(srcport, dstport) };
}

/** Stands for the IP layer below when `scan` has not needed it yet: `ipCarrier` reads it on demand. */
const NOT_READ = null;

/**
 * The one walk behind `tcp.decode` (IP from `ctx.below`), `decodeTcp` (addresses given) and
 * `tcp.scan`: every check, options included, and with `build` the header object too (its
 * checksum verified when asked). `scan` passes `NOT_READ` for the carrier and allocates nothing
 * but its result: the IP layer below matters to the checks only to name a data offset past the
 * captured bytes (a cut capture) or past the segment.
 */
/**
 * The fixed header's fields from the `available` bytes at `ctx.offset` (at least 4; fields past
 * them are 0), no options yet, the checksum unverified; marked quoted as `ctx` says.
 */
function fixedHeader(ctx: DecodeContext, available: number): TcpHeader {
  const { bytes, offset } = ctx;
  const has = (n: number) => available >= n;
  const header: TcpHeader = {
    srcport: u16(bytes, offset),
    dstport: u16(bytes, offset + 2),
    seq: has(8) ? u32(bytes, offset + 4) : 0,
    ack: has(12) ? u32(bytes, offset + 8) : 0,
    dataOffset: has(13) ? bytes[offset + 12]! >>> 4 : 0,
    flags: has(14) ? ((bytes[offset + 12]! & 0x0f) << 8) | bytes[offset + 13]! : 0,
    window: has(16) ? u16(bytes, offset + 14) : 0,
    checksum: has(18) ? u16(bytes, offset + 16) : 0,
    checksumStatus: 'unverified',
    urgentPointer: has(20) ? u16(bytes, offset + 18) : 0,
    options: [],
  };
  if (ctx.quoted) {
    header.quoted = true;
    if (ctx.below.some((l) => l.name === 'icmpv6')) quotedByIcmpv6.add(header);
  }
  return header;
}

function parseSegment(ctx: DecodeContext, given: IpCarrier | undefined | typeof NOT_READ, build: boolean): Scanned & { header?: TcpHeader } {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  const available = Math.max(0, end - offset);
  // An ICMP error need quote only 8 bytes (RFC 792): inside one, the ports are enough to go on.
  // So they are in a capture the snaplen cut inside the fixed header (tshark shows the ports).
  const short = available < TCP_HEADER_LENGTH;
  const cutShort = short && !ctx.quoted && available >= 4 && isCut(given === NOT_READ ? ipCarrier(ctx) : given, end);
  const shortError = () =>
    new WireError('truncated', `header needs 20 bytes, ${available} captured at offset ${offset}`, {
      layer: 'tcp',
      offset,
      required: ctx.quoted ? 4 : TCP_HEADER_LENGTH,
      available,
    });
  if (short && available < (ctx.quoted || cutShort ? 4 : TCP_HEADER_LENGTH)) throw shortError();
  const dataOffset = available >= 13 ? bytes[offset + 12]! >>> 4 : 0;
  const carrier = given === NOT_READ ? undefined : given;
  const cut = isCut(carrier, end);
  let header: TcpHeader | undefined;
  if (build) {
    header = fixedHeader(ctx, available);
    if (cut) {
      header.captured = available;
      header.segmentLength = carrier!.claimedEnd! - offset;
    }
  }
  if (short) return withHeader(scanned(available, undefined, undefined, cutShort ? shortError() : undefined), header);

  // Quoted in an ICMP error too: tshark verifies the quoted bytes as if they were the whole segment
  // (over the quoted IP's addresses), so a quote shorter than the segment comes out bad; unless
  // the capture cut the ICMP packet itself (then unverified).
  if (header !== undefined && (ctx.quoted ? !outerIpCut(ctx) : !cut) && ctx.verifyChecksum && carrier !== undefined && !carrier.fragment && (carrier.family === 6 || available <= 0xffff)) {
    const { status, calculated } = verifyTransportChecksum(bytes.subarray(offset, end), header.checksum, carrier, IP_PROTO_TCP);
    header.checksumStatus = status;
    header.checksumCalculated = calculated;
  }

  const headerLength = dataOffset * 4;
  if (headerLength < TCP_HEADER_LENGTH) {
    return withHeader(scanned(TCP_HEADER_LENGTH, undefined, undefined, dataOffsetError(dataOffset, available, offset, cut)), header);
  }
  if (headerLength > available) {
    if (!ctx.quoted) {
      const cutShort = given === NOT_READ ? isCut(ipCarrier(ctx), end) : cut;
      // A snaplen cut inside the options: the whole options that are there, as tshark shows them.
      if (cutShort && header !== undefined) keepCapturedOptions(header, bytes, offset, end, available);
      return withHeader(scanned(TCP_HEADER_LENGTH, undefined, undefined, dataOffsetError(dataOffset, available, offset, cutShort)), header);
    }
    // A quote cut inside the options: keep the whole options that are there, no error.
    if (header !== undefined) keepCapturedOptions(header, bytes, offset, end, available);
    return withHeader(scanned(available), header);
  }
  let error: WireError | undefined;
  if (header === undefined) {
    error = walkTcpOptions(bytes, offset + TCP_HEADER_LENGTH, offset + headerLength, false);
  } else {
    const parsed = parseTcpOptions(bytes, offset + TCP_HEADER_LENGTH, offset + headerLength);
    header.options = parsed.options;
    if (parsed.padding !== undefined) header.padding = parsed.padding;
    if (parsed.unparsed !== undefined) header.unparsed = parsed.unparsed;
    error = parsed.error;
  }
  if (error) return withHeader(scanned(headerLength, undefined, undefined, error), header);
  const next = end > offset + headerLength ? ports(u16(bytes, offset), u16(bytes, offset + 2)) : undefined;
  return withHeader(scanned(headerLength, end, next), header);
}

/** Options of a header cut short (by a quote or the snaplen): the whole ones before `end`. */
function keepCapturedOptions(header: TcpHeader, bytes: Uint8Array, offset: number, end: number, available: number): void {
  const parsed = parseTcpOptions(bytes, offset + TCP_HEADER_LENGTH, end, true);
  header.options = parsed.options;
  if (parsed.padding !== undefined) header.padding = parsed.padding;
  if (parsed.unparsed !== undefined) header.unparsed = parsed.unparsed;
  header.captured ??= available;
}

/** Whether the capture was cut short: IP says the segment runs past the bytes there are. */
function isCut(carrier: IpCarrier | undefined, end: number): boolean {
  return carrier?.claimedEnd !== undefined && carrier.claimedEnd > end;
}

/**
 * Decodes the TCP segment at bytes[offset, end). Give the IP addresses to verify the checksum
 * (otherwise it is `unverified`). Throws `WireError` for anything malformed (`decodePacket` is the
 * lenient path that keeps what it could read).
 *
 * @example
 * const h = decodeTcp(segment, 0, { addresses: { src: '192.0.2.1', dst: '198.51.100.2' } });
 * h.flags & TcpFlag.SYN;   // 2 on a SYN
 * h.options;               // [{ kind: 'mss', value: 1460 }, { kind: 'sack_perm' }, ...]
 * h.checksumStatus;        // 'good'
 */
export function decodeTcp(bytes: Uint8Array, offset = 0, options: { end?: number; addresses?: PseudoHeaderAddresses } = {}): TcpHeader {
  const carrier = standaloneCarrier(options.addresses);
  const ctx: DecodeContext = {
    bytes,
    offset,
    end: options.end ?? bytes.length,
    below: [],
    quoted: false,
    verifyChecksum: carrier !== undefined,
  };
  const decoded = parseSegment(ctx, carrier, true);
  if (decoded.error) throw decoded.error;
  return decoded.header!;
}

function checkField(value: number | undefined, fallback: number, max: number, name: string): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${v}`, { layer: 'tcp' });
  }
  return v;
}

/** Option bytes as written: options, then `padding` and `unparsed` as given. */
function optionSpaceLength(header: TcpInput): number {
  let n = 0;
  for (const o of header.options ?? []) n += tcpOptionLength(o);
  if (header.padding) n += hexBytes(header.padding, 'padding').length;
  if (header.unparsed) n += hexBytes(header.unparsed, 'unparsed').length;
  return n;
}

function headerLengthOf(header: TcpInput): number {
  const options = optionSpaceLength(header);
  const length = TCP_HEADER_LENGTH + ((options + 3) & ~3);
  if (length > TCP_MAX_HEADER_LENGTH) {
    throw new WireError('bad-value', `options take ${options} bytes; a TCP header has room for 40`, { layer: 'tcp' });
  }
  return length;
}

function writeHeader(header: TcpInput, out: Uint8Array, offset: number, length: number): void {
  put16(out, offset, checkField(header.srcport, 0, 0xffff, 'srcport'));
  put16(out, offset + 2, checkField(header.dstport, 0, 0xffff, 'dstport'));
  put32(out, offset + 4, checkField(header.seq, 0, 0xffffffff, 'seq'));
  put32(out, offset + 8, checkField(header.ack, 0, 0xffffffff, 'ack'));
  const dataOffset = checkField(header.dataOffset, length / 4, 15, 'dataOffset');
  const flags = checkField(header.flags, 0, 0xfff, 'flags');
  out[offset + 12] = (dataOffset << 4) | (flags >>> 8);
  out[offset + 13] = flags;
  put16(out, offset + 14, checkField(header.window, 0xffff, 0xffff, 'window'));
  put16(out, offset + 16, 0);
  put16(out, offset + 18, checkField(header.urgentPointer, 0, 0xffff, 'urgentPointer'));
  let at = offset + TCP_HEADER_LENGTH;
  for (const o of header.options ?? []) at = writeTcpOption(o, out, at);
  if (header.padding) {
    const b = hexBytes(header.padding, 'padding');
    out.set(b, at);
    at += b.length;
  }
  if (header.unparsed) {
    const b = hexBytes(header.unparsed, 'unparsed');
    out.set(b, at);
    at += b.length;
  }
  // Zero fill to the 32-bit boundary: an EOL and padding (RFC 9293 3.1).
  out.fill(0, at, offset + length);
}

/** Writes header and checksum in front of the payload already at out[offset + header length]. */
function emitSegment(header: TcpInput, out: Uint8Array, offset: number, payloadLength: number, fill: boolean, carrier: IpCarrier | { source: Uint8Array; destination: Uint8Array } | undefined): void {
  const length = headerLengthOf(header);
  writeHeader(header, out, offset, length);
  let checksum = header.checksum;
  if (checksum === undefined && fill && carrier !== undefined) {
    const segment = out.subarray(offset, offset + length + payloadLength);
    checksum = internetChecksum(segment, carrierSum(carrier, IP_PROTO_TCP, segment.length));
  }
  // Without an IP layer outside there is no pseudo-header to sum: the checksum stays 0.
  put16(out, offset + 16, checkField(checksum, 0, 0xffff, 'checksum'));
}

/** TCP for `encodeFrame`: the checksum uses the nearest `ip`/`ipv6` layer outside it. */
export const tcpEncoder: Encoder<TcpInput> = {
  name: 'tcp',
  headerLength: headerLengthOf,
  emit(header, out, offset, payloadLength, ctx) {
    emitSegment(header, out, offset, payloadLength, ctx.fill, ctx.fill && header.checksum === undefined ? encodeCarrier(ctx) : undefined);
  },
};

/**
 * Writes the segment (header, then `payload`) at out[offset] and returns its length. The checksum
 * is computed when `addresses` are given (else written as 0, unless the header sets it).
 */
export function emitTcp(header: TcpInput, payload: Uint8Array, out: Uint8Array, offset = 0, addresses?: PseudoHeaderAddresses): number {
  const length = headerLengthOf(header);
  if (out.length - offset < length + payload.length) {
    throw new WireError('bad-length', `output needs ${length + payload.length} bytes at offset ${offset}, has ${out.length - offset}`, { layer: 'tcp', offset });
  }
  out.set(payload, offset + length);
  emitSegment(header, out, offset, payload.length, true, standaloneCarrier(addresses));
  return length + payload.length;
}

/**
 * A new buffer holding the segment.
 *
 * @example
 * const syn = encodeTcp(
 *   { srcport: 43512, dstport: 80, seq: 1000, flags: TcpFlag.SYN, options: [{ kind: 'mss', value: 1460 }] },
 *   new Uint8Array(0),
 *   { src: '192.0.2.1', dst: '198.51.100.2' },
 * );
 */
export function encodeTcp(header: TcpInput, payload: Uint8Array = EMPTY, addresses?: PseudoHeaderAddresses): Uint8Array {
  const out = new Uint8Array(headerLengthOf(header) + payload.length);
  emitTcp(header, payload, out, 0, addresses);
  return out;
}

const FLAG_LETTERS = 'RRRACEUAPRSF';

/**
 * tshark's `tcp.flags.str`: one letter per flag bit from the most significant (three reserved
 * `R`s, then AE CWR ECE URG ACK PSH RST SYN FIN), `·` when clear.
 *
 * @example
 * tcpFlagString(TcpFlag.SYN | TcpFlag.ACK) // '·······A··S·'
 */
export function tcpFlagString(flags: number): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += flags & (0x800 >>> i) ? FLAG_LETTERS[i] : '\u00b7';
  return s;
}

const FLAG_FIELDS: readonly [string, number][] = [
  ['tcp.flags.res', TcpFlag.RESERVED],
  ['tcp.flags.ae', TcpFlag.AE],
  ['tcp.flags.cwr', TcpFlag.CWR],
  ['tcp.flags.ece', TcpFlag.ECE],
  ['tcp.flags.urg', TcpFlag.URG],
  ['tcp.flags.ack', TcpFlag.ACK],
  ['tcp.flags.push', TcpFlag.PSH],
  ['tcp.flags.reset', TcpFlag.RST],
  ['tcp.flags.syn', TcpFlag.SYN],
  ['tcp.flags.fin', TcpFlag.FIN],
];

/** The option space's bytes as tshark's `tcp.options` shows them. */
function optionSpace(h: TcpHeader): Uint8Array {
  const out = new Uint8Array(optionSpaceLength(h));
  let at = 0;
  for (const o of h.options) at = writeTcpOption(o, out, at);
  if (h.padding) {
    const b = hexBytes(h.padding, 'padding');
    out.set(b, at);
    at += b.length;
  }
  if (h.unparsed) out.set(hexBytes(h.unparsed, 'unparsed'), at);
  return out;
}

/**
 * The segment's payload length as tshark's `tcp.len` gives it: on a capture cut by its snaplen,
 * what IP says less the header (the payload captured is shorter); `undefined` when it cannot be
 * told (a quote, a header past the segment).
 */
function tcpSegmentPayloadLength(h: TcpHeader, layer: Layer<TcpHeader>): number | undefined {
  const headerLength = h.dataOffset * 4;
  if (h.segmentLength !== undefined) return h.segmentLength >= headerLength ? h.segmentLength - headerLength : undefined;
  return layer.length === headerLength && h.captured === undefined ? layer.payloadLength : undefined;
}

/**
 * A fixed header the capture cut (fewer than 20 bytes), as tshark shows it: it reads the words up
 * to the window before it adds any of them, so outside an ICMP quote a cut before byte 16 leaves
 * the ports alone; inside one it adds the sequence and acknowledgment numbers as it reads them.
 * From byte 16 the header length, flags and window follow, from byte 18 the checksum (unverified).
 */
/**
 * The payload length and raw sequence numbers (outside an ICMPv4 quote, which shows them its own
 * way), then header length, flags and window: what tshark shows once it has read the first 16 bytes.
 */
function headerWordFields(h: TcpHeader, out: FieldSink, layer: Layer<TcpHeader>, v4Quote: boolean): void {
  if (!v4Quote) {
    // The payload length: from IP's length on a cut capture (as tshark counts it), else only when
    // the header is whole and the segment all there; none in a quote.
    const length = h.quoted ? undefined : tcpSegmentPayloadLength(h, layer);
    if (length !== undefined) out.add('tcp.len', length);
    out.add('tcp.seq_raw', h.seq);
    out.add('tcp.ack_raw', h.ack);
  }
  out.add('tcp.hdr_len', h.dataOffset * 4);
  out.add('tcp.flags', h.flags);
  for (const [name, mask] of FLAG_FIELDS) out.add(name, h.flags & mask ? 1 : 0);
  out.add('tcp.flags.str', tcpFlagString(h.flags));
  out.add('tcp.window_size_value', h.window);
}

function cutFixedHeaderFields(h: TcpHeader, out: FieldSink, layer: Layer<TcpHeader>, captured: number): void {
  const v4Quote = h.quoted === true && !quotedByIcmpv6.has(h);
  if (v4Quote && captured >= 8) quotedSeqFields(h, out, captured);
  if (captured < 16) return;
  if (!h.quoted && h.dataOffset < 5) {
    bogusHeaderFields(h, out, layer);
    return;
  }
  headerWordFields(h, out, layer, v4Quote);
  if (captured < 18) return;
  out.add('tcp.checksum', h.checksum);
  out.add('tcp.checksum.status', 'unverified');
}

/**
 * A fixed header that decodePacket could not take (fewer than 20 bytes, and IP does not say the
 * capture cut it: the segment itself is that short): what tshark shows of it, as for a cut one.
 */
function partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
  const n = capturedLength(ctx);
  if (n < 4) return;
  const h = fixedHeader(ctx, n);
  h.captured = n;
  fields(h, out, { name: 'tcp', header: h, offset: ctx.offset, length: n, payloadOffset: ctx.offset + n, payloadLength: 0 });
}

/**
 * tshark stops after the header length when it is below 20 (a "bogus" header), having counted the
 * segment length less that header length as the payload (the length IP gives, on a cut capture).
 */
function bogusHeaderFields(h: TcpHeader, out: FieldSink, layer: Layer<TcpHeader>): void {
  const segment = h.segmentLength ?? layer.length + layer.payloadLength;
  out.add('tcp.len', segment - h.dataOffset * 4);
  out.add('tcp.seq_raw', h.seq);
  out.add('tcp.hdr_len', h.dataOffset * 4);
}

/**
 * Segments quoted by an ICMPv6 error: tshark reads them as it reads segments outside a quote (the
 * special case of an ICMPv4 error's 8 quoted bytes does not apply), without a payload length.
 */
const quotedByIcmpv6 = new WeakSet<TcpHeader>();

/**
 * Inside an ICMP(v4) error tshark shows the sequence number as `tcp.seq` (no relative numbers for a
 * quoted segment) once its 8 bytes are there (an ICMPv4 error need quote no more), and the
 * acknowledgment number both ways once the words up to the window are (as outside a quote).
 */
function quotedSeqFields(h: TcpHeader, out: FieldSink, captured: number): void {
  out.add('tcp.seq', h.seq);
  if (captured < 16) return;
  out.add('tcp.ack', h.ack);
  out.add('tcp.ack_raw', h.ack);
}

function fields(h: TcpHeader, out: FieldSink, layer: Layer<TcpHeader>): void {
  out.add('tcp.srcport', h.srcport);
  out.add('tcp.dstport', h.dstport);
  out.add('tcp.port', h.srcport);
  out.add('tcp.port', h.dstport);
  const captured = h.captured ?? Infinity;
  if (captured < TCP_HEADER_LENGTH) {
    cutFixedHeaderFields(h, out, layer, captured);
    return;
  }
  if (h.dataOffset < 5) {
    bogusHeaderFields(h, out, layer);
    return;
  }
  const v4Quote = h.quoted === true && !quotedByIcmpv6.has(h);
  if (v4Quote) quotedSeqFields(h, out, captured);
  headerWordFields(h, out, layer, v4Quote);
  out.add('tcp.checksum', h.checksum);
  out.add('tcp.checksum.status', h.checksumStatus);
  if (h.checksumCalculated !== undefined) out.add('tcp.checksum_calculated', h.checksumCalculated);
  out.add('tcp.urgent_pointer', h.urgentPointer);
  // A header the capture cut inside its options shows them even when none of their bytes is there.
  const cut = h.captured !== undefined && h.dataOffset > 5;
  if (cut || h.options.length > 0 || h.padding !== undefined || h.unparsed !== undefined) {
    out.add('tcp.options', bytesField(optionSpace(h)));
    tcpOptionFields(h.options, h.padding, out);
    if (cut && h.unparsed !== undefined) cutOptionFields(hexBytes(h.unparsed, 'unparsed options'), out);
  }
}

/** TCP for the dissector: ip.proto 6; the payload goes to `tcp.port`, lower port first. */
export const tcp: Protocol<TcpHeader> = {
  name: 'tcp',
  partialFields,
  scan: (ctx: DecodeContext): Scanned => parseSegment(ctx, NOT_READ, false),
  decode: (ctx: DecodeContext) => parseSegment(ctx, ipCarrier(ctx), true) as Decoded<TcpHeader>,
  fields,
};
