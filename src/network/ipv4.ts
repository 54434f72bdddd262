// IPv4 (RFC 791): the fixed 20-byte header, options, the header checksum (RFC 1071) and its
// incremental update (RFC 1624) for routers and NATs that rewrite TTL or addresses in place.
import { checksumUpdate } from '../checksum/incremental.js';
import { internetChecksum, onesComplementSum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { scanned } from '../packet/packet.js';
import { capturedLength } from '../packet/partial.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Layer, Protocol, Scanned } from '../packet/protocol.js';
import { formatIpv4, writeIpv4 } from './ip-address.js';
import {
  ipv4OptionFields,
  ipv4OptionsLength,
  parseIpv4Options,
  sourceRouteDestination,
  walkIpv4Options,
  writeIpv4Options,
  type Ipv4Option,
  type Ipv4OptionInput,
} from './ipv4-options.js';

export const IPV4_MIN_HEADER_LENGTH = 20;
/** IHL is 4 bits of 32-bit words: 15 * 4. */
export const IPV4_MAX_HEADER_LENGTH = 60;

const LAYER = 'ip';

/** A decoded IPv4 header. Every field is what the wire holds; `options` are in wire order. */
export interface Ipv4Header {
  version: number;
  /** Header length in bytes (IHL * 4), 20..60. */
  headerLength: number;
  /** Differentiated services code point (RFC 2474), the high 6 bits of the old TOS byte. */
  dscp: number;
  /** Explicit congestion notification (RFC 3168), the low 2 bits. */
  ecn: number;
  /** Total length: header and payload in bytes. 0 in captures of TCP segmentation offload. */
  totalLength: number;
  id: number;
  /** The reserved flag bit (RFC 3514's "evil bit"); must be zero. */
  reservedFlag: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in 8-byte units, as on the wire (tshark's ip.frag_offset); bytes = 8 * this. */
  fragmentOffset: number;
  ttl: number;
  /** The payload's IP protocol number: 1 ICMP, 6 TCP, 17 UDP... */
  protocol: number;
  checksum: number;
  checksumStatus: ChecksumStatus;
  /** The checksum the header should carry, when `checksumStatus` is `bad`. */
  checksumExpected?: number;
  src: string;
  dst: string;
  options: Ipv4Option[];
  /**
   * With a loose or strict source route still in progress (RFC 791 section 3.1), the final
   * destination: the route's last address. `dst` is then only the next hop. Upper layers'
   * pseudo-headers and tshark's ip.dst use this address.
   */
  finalDst?: string;
}

/**
 * Input for encoding. Lengths, the checksum and the protocol (from the next layer) are filled
 * when left out; give them to write exactly those values (crafting malformed packets).
 */
export interface Ipv4Input {
  src: string;
  dst: string;
  /** Default 64. */
  ttl?: number;
  /** Default: the IP protocol number of the next layer in the frame. */
  protocol?: number;
  dscp?: number;
  ecn?: number;
  /** Default 0. */
  id?: number;
  reservedFlag?: boolean;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In 8-byte units. */
  fragmentOffset?: number;
  options?: readonly Ipv4OptionInput[];
  /** Default 4. */
  version?: number;
  /** Bytes written in the IHL field (divided by 4); the options still take what they take. */
  headerLength?: number;
  totalLength?: number;
  checksum?: number;
}

function truncated(what: string, required: number, available: number, offset: number): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer: LAYER,
    offset,
    required,
    available: Math.max(0, available),
  });
}

/**
 * A zero-copy view of an IPv4 header in a buffer. `check()` once, then read or rewrite fields in
 * place; `decrementTtl()`, `rewriteSrc()` and `rewriteDst()` keep the header checksum right
 * incrementally (RFC 1624) instead of summing the header again.
 *
 * @example
 * const ip = new Ipv4View(frame, 14).check();
 * if (ip.ttl > 1) ip.decrementTtl();   // a router's forwarding step
 * ip.rewriteSrc('203.0.113.7');        // NAT (the TCP/UDP checksum covers addresses too: fix it as well)
 */
export class Ipv4View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /**
   * Throws `truncated` unless the whole header (IHL included) is in the buffer, `bad-version`
   * unless the version is 4, `bad-length` when IHL < 5. The total length is not checked here:
   * `payload` is clipped to what the buffer holds.
   */
  check(): this {
    const { bytes, offset } = this;
    const available = bytes.length - offset;
    if (available < IPV4_MIN_HEADER_LENGTH) throw truncated('header', IPV4_MIN_HEADER_LENGTH, available, offset);
    if (this.version !== 4) {
      throw new WireError('bad-version', `version is ${this.version}, expected 4, at offset ${offset}`, { layer: LAYER, offset });
    }
    const hl = this.headerLength;
    if (hl < IPV4_MIN_HEADER_LENGTH) {
      throw new WireError('bad-length', `header length ${hl} (IHL ${hl / 4}) is below the minimum 20 at offset ${offset}`, {
        layer: LAYER,
        offset,
        required: IPV4_MIN_HEADER_LENGTH,
        available: hl,
      });
    }
    if (hl > available) {
      throw new WireError('truncated', `header length ${hl} exceeds the ${available} bytes captured at offset ${offset}`, {
        layer: LAYER,
        offset,
        required: hl,
        available,
      });
    }
    return this;
  }

  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  /** Header length in bytes (IHL * 4). */
  get headerLength(): number {
    return (this.bytes[this.offset]! & 0x0f) * 4;
  }
  get dscp(): number {
    return this.bytes[this.offset + 1]! >>> 2;
  }
  set dscp(value: number) {
    this.bytes[this.offset + 1] = ((value & 0x3f) << 2) | (this.bytes[this.offset + 1]! & 3);
  }
  get ecn(): number {
    return this.bytes[this.offset + 1]! & 3;
  }
  set ecn(value: number) {
    this.bytes[this.offset + 1] = (this.bytes[this.offset + 1]! & 0xfc) | (value & 3);
  }
  get totalLength(): number {
    return this.#u16(2);
  }
  set totalLength(value: number) {
    this.#set16(2, value);
  }
  get id(): number {
    return this.#u16(4);
  }
  set id(value: number) {
    this.#set16(4, value);
  }
  /** The 3 flag bits as tshark's ip.flags: 4 reserved, 2 DF, 1 MF. */
  get flags(): number {
    return this.bytes[this.offset + 6]! >>> 5;
  }
  get reservedFlag(): boolean {
    return (this.bytes[this.offset + 6]! & 0x80) !== 0;
  }
  get dontFragment(): boolean {
    return (this.bytes[this.offset + 6]! & 0x40) !== 0;
  }
  set dontFragment(on: boolean) {
    this.bytes[this.offset + 6] = (this.bytes[this.offset + 6]! & ~0x40) | (on ? 0x40 : 0);
  }
  get moreFragments(): boolean {
    return (this.bytes[this.offset + 6]! & 0x20) !== 0;
  }
  set moreFragments(on: boolean) {
    this.bytes[this.offset + 6] = (this.bytes[this.offset + 6]! & ~0x20) | (on ? 0x20 : 0);
  }
  /** In 8-byte units. */
  get fragmentOffset(): number {
    return this.#u16(6) & 0x1fff;
  }
  set fragmentOffset(value: number) {
    this.#set16(6, (this.#u16(6) & 0xe000) | (value & 0x1fff));
  }
  get ttl(): number {
    return this.bytes[this.offset + 8]!;
  }
  set ttl(value: number) {
    this.bytes[this.offset + 8] = value;
  }
  get protocol(): number {
    return this.bytes[this.offset + 9]!;
  }
  set protocol(value: number) {
    this.bytes[this.offset + 9] = value;
  }
  get checksum(): number {
    return this.#u16(10);
  }
  set checksum(value: number) {
    this.#set16(10, value);
  }
  get src(): string {
    return formatIpv4(this.bytes, this.offset + 12);
  }
  set src(address: string) {
    writeIpv4(address, this.bytes, this.offset + 12);
  }
  get dst(): string {
    return formatIpv4(this.bytes, this.offset + 16);
  }
  set dst(address: string) {
    writeIpv4(address, this.bytes, this.offset + 16);
  }
  /** The option bytes (possibly empty), a view into the buffer. */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + IPV4_MIN_HEADER_LENGTH, this.offset + this.headerLength);
  }
  get options(): Ipv4Option[] {
    return parseIpv4Options(this.bytes, this.offset + IPV4_MIN_HEADER_LENGTH, this.offset + this.headerLength).options;
  }
  /** The payload as the total length gives it, clipped to the buffer (never Ethernet padding). */
  get payload(): Uint8Array {
    const start = this.offset + this.headerLength;
    const end = Math.min(this.bytes.length, Math.max(start, this.offset + this.totalLength));
    return this.bytes.subarray(start, end);
  }

  /** Whether the header checksum is right (the ones'-complement sum of the header is 0xffff). */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes.subarray(this.offset, this.offset + this.headerLength)) === 0;
  }
  /** The checksum the header should carry, computed with the checksum field taken as zero. */
  computeChecksum(): number {
    const o = this.offset;
    const before = onesComplementSum(this.bytes.subarray(o, o + 10));
    return internetChecksum(this.bytes.subarray(o + 12, o + this.headerLength), before);
  }
  /** Writes the computed checksum into the header. */
  fillChecksum(): this {
    this.checksum = this.computeChecksum();
    return this;
  }

  /**
   * Decrements the TTL by one and updates the checksum incrementally (RFC 1624 eqn. 3), as a
   * router does (RFC 1812 section 5.3.1). Returns the new TTL; throws `bad-value` at TTL 0.
   */
  decrementTtl(): number {
    const ttl = this.ttl;
    if (ttl === 0) throw new WireError('bad-value', `TTL is already 0 at offset ${this.offset}`, { layer: LAYER, offset: this.offset });
    // TTL is the high byte of the 16-bit word it shares with the protocol.
    const word = this.#u16(8);
    this.checksum = checksumUpdate(this.checksum, word, word - 0x100);
    this.ttl = ttl - 1;
    return ttl - 1;
  }
  /** Rewrites the source address and updates the header checksum incrementally (NAT). */
  rewriteSrc(address: string): void {
    this.#rewriteAddress(12, address);
  }
  /** Rewrites the destination address and updates the header checksum incrementally (NAT). */
  rewriteDst(address: string): void {
    this.#rewriteAddress(16, address);
  }

  #rewriteAddress(at: number, address: string): void {
    const before = this.#u32(at);
    writeIpv4(address, this.bytes, this.offset + at);
    this.checksum = checksumUpdate(this.checksum, before, this.#u32(at));
  }
  #u16(at: number): number {
    return (this.bytes[this.offset + at]! << 8) | this.bytes[this.offset + at + 1]!;
  }
  #u32(at: number): number {
    return ((this.#u16(at) << 16) | this.#u16(at + 2)) >>> 0;
  }
  #set16(at: number, value: number): void {
    this.bytes[this.offset + at] = value >>> 8;
    this.bytes[this.offset + at + 1] = value;
  }
}

interface DecodeOptions {
  end: number;
  verifyChecksum: boolean;
  quoted: boolean;
}

/**
 * The one walk behind `decodeIpv4`, the `ip` protocol's `decode` and its `scan` (see the
 * protocol's notes): every check, and with `build` the header object too. Without `build` it
 * reads bytes and allocates nothing but its result (and a `WireError` for a malformed packet).
 */
function parseLayer(bytes: Uint8Array, offset: number, { end, verifyChecksum, quoted }: DecodeOptions, build: boolean): Scanned & { header?: Ipv4Header } {
  const available = end - offset;
  if (available < IPV4_MIN_HEADER_LENGTH) throw truncated('header', IPV4_MIN_HEADER_LENGTH, available, offset);
  const version = bytes[offset]! >>> 4;
  if (version !== 4) {
    throw new WireError('bad-version', `version is ${version}, expected 4, at offset ${offset}`, { layer: LAYER, offset });
  }
  const hl = (bytes[offset]! & 0x0f) * 4;
  if (hl < IPV4_MIN_HEADER_LENGTH) {
    throw new WireError('bad-length', `header length ${hl} (IHL ${hl / 4}) is below the minimum 20 at offset ${offset}`, {
      layer: LAYER,
      offset,
      required: IPV4_MIN_HEADER_LENGTH,
      available: hl,
    });
  }
  const headerEnd = Math.min(offset + hl, end);
  const options: Ipv4Option[] | undefined = build ? [] : undefined;
  const problem = walkIpv4Options(bytes, offset + IPV4_MIN_HEADER_LENGTH, headerEnd, options);
  const result: Scanned & { header?: Ipv4Header } = scanned(headerEnd - offset);
  if (build) result.header = buildHeader(bytes, offset, end, hl, options!, verifyChecksum && hl <= available);
  if (hl > available) {
    if (result.header !== undefined && !routeScanEnds(bytes, offset + IPV4_MIN_HEADER_LENGTH, offset + hl, end)) noDestination.add(result.header);
    result.error = new WireError('truncated', `header length ${hl} exceeds the ${available} bytes captured at offset ${offset}`, {
      layer: LAYER,
      offset,
      required: hl,
      available,
    });
    return result;
  }
  // Options that do not parse are reported, and the datagram read on past them, as tshark does
  // (an expert note there; the upper layers are dissected all the same).
  if (problem !== undefined) result.truncated = new WireError('bad-value', `bad options: ${problem.message}`, { layer: LAYER, offset: problem.offset });
  const total = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  if (total === 0) {
    // TCP segmentation offload: the NIC fills the length in later, so captures on the sending host
    // show 0. tshark then takes the frame's length, and so do we.
    result.payloadEnd = end;
  } else if (total < hl) {
    result.error = new WireError('bad-length', `total length ${total} is less than the header length ${hl} at offset ${offset}`, {
      layer: LAYER,
      offset,
      required: hl,
      available: total,
    });
    return result;
  } else {
    result.payloadEnd = offset + total;
    // Inside an ICMP error the quoted datagram is cut short by design (RFC 792: 8 bytes of data).
    // Otherwise it is a capture cut by its snaplen: say so, and decode the upper layers from what
    // was captured (they see the shorter end and mark what they cannot verify).
    if (offset + total > end && !quoted) {
      result.truncated = new WireError('truncated', `total length ${total} exceeds the ${available} bytes captured at offset ${offset}`, {
        layer: LAYER,
        offset,
        required: total,
        available,
      });
    }
  }
  // Only the first fragment carries the upper layer's header; later ones are opaque data. A quoted
  // one (inside an ICMP error) is never put together, so tshark reads no fragment of it further,
  // the first (more-fragments set) included.
  const frag = (bytes[offset + 6]! << 8) | bytes[offset + 7]!;
  if ((frag & 0x1fff) === 0 && !(quoted && (frag & 0x2000) !== 0)) result.next = { table: 'ip.proto', value: bytes[offset + 9]! };
  return result;
}

/**
 * Cut headers whose destination tshark does not show. It looks through the options for a source
 * route (whose last hop is the destination) before it shows the destination, reading each
 * option's type and length up to the first route; when that walk needs a byte the capture does not
 * hold, it stops there.
 */
const noDestination = new WeakSet<Ipv4Header>();

/** Whether tshark's walk over options [start, hlEnd) for a source route ends within the bytes before `end`. */
function routeScanEnds(b: Uint8Array, start: number, hlEnd: number, end: number): boolean {
  let at = start;
  while (at < hlEnd) {
    if (at >= end) return false;
    const type = b[at]!;
    if (type === 0) return true;
    if (type === 1) {
      at++;
      continue;
    }
    if (at + 1 >= end) return false;
    const length = b[at + 1]!;
    if (length < 2) return true;
    if (type === LSRR || type === SSRR) {
      // Found: a route walked to its end leaves the header's destination, else its last hop is read.
      if (at + 2 >= end) return false;
      return b[at + 2]! > length || at + length <= end;
    }
    at += length;
  }
  return true;
}

/** Loose and strict source route option types (RFC 791). */
const LSRR = 131;
const SSRR = 137;

/** The header object of a packet `parseLayer` has checked; the checksum is verified when asked (and whole). */
function buildHeader(bytes: Uint8Array, offset: number, end: number, hl: number, options: Ipv4Option[], verify: boolean): Ipv4Header {
  // A view over the bytes this layer may read, so nothing past the layer's end is touched.
  const view = new Ipv4View(bytes.subarray(0, end), offset);
  const header: Ipv4Header = {
    version: 4,
    headerLength: hl,
    dscp: view.dscp,
    ecn: view.ecn,
    totalLength: view.totalLength,
    id: view.id,
    reservedFlag: view.reservedFlag,
    dontFragment: view.dontFragment,
    moreFragments: view.moreFragments,
    fragmentOffset: view.fragmentOffset,
    ttl: view.ttl,
    protocol: view.protocol,
    checksum: view.checksum,
    checksumStatus: 'unverified',
    src: view.src,
    dst: view.dst,
    options,
  };
  const finalDst = sourceRouteDestination(options);
  if (finalDst !== undefined) header.finalDst = finalDst;
  // The checksum can only be checked over a whole header (tshark: "not all data available").
  if (verify) {
    if (view.verifyChecksum()) header.checksumStatus = 'good';
    else {
      header.checksumStatus = 'bad';
      header.checksumExpected = view.computeChecksum();
    }
  }
  return header;
}

/**
 * Decodes the IPv4 header at `offset`, strictly: any problem (truncation, bad lengths, malformed
 * options) throws its `WireError`. A bad checksum is not a problem of decoding: it is reported in
 * `checksumStatus`. For lenient decoding of whole packets use `decodePacket`.
 *
 * @example
 * const ip = decodeIpv4(frame, 14);
 * ip.src;             // '192.0.2.1'
 * ip.checksumStatus;  // 'good'
 */
export function decodeIpv4(bytes: Uint8Array, offset = 0, options: { verifyChecksum?: boolean } = {}): Ipv4Header {
  const decoded = parseLayer(bytes, offset, { end: bytes.length, verifyChecksum: options.verifyChecksum ?? true, quoted: false }, true);
  if (decoded.error) throw decoded.error;
  if (decoded.truncated) throw decoded.truncated;
  return decoded.header!;
}

function headerBytes(header: Ipv4Input): number {
  const options = header.options ?? [];
  return IPV4_MIN_HEADER_LENGTH + ((ipv4OptionsLength(options) + 3) & ~3);
}

function checkField(name: string, value: number, max: number): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${value}`, { layer: LAYER });
  }
  return value;
}

const STANDALONE: EncodeContext = { outer: [], inner: [], codeFor: () => undefined, fill: true };

export const ipv4Encoder: Encoder<Ipv4Input> = {
  name: 'ip',
  headerLength: headerBytes,
  emit(header, out, offset, payloadLength, ctx) {
    const hl = headerBytes(header);
    if (hl > IPV4_MAX_HEADER_LENGTH) {
      throw new WireError('bad-length', `options take ${hl - 20} bytes, more than the 40 an IPv4 header has room for`, { layer: LAYER });
    }
    const protocol = nextLayerCode(header.protocol, ctx, (name) => ctx.codeFor('ip.proto', name), 'protocol', LAYER, ctx.fill ? undefined : 0);
    const ihl = checkField('headerLength', header.headerLength ?? hl, IPV4_MAX_HEADER_LENGTH) >>> 2;
    const totalLength = header.totalLength ?? (ctx.fill ? hl + payloadLength : 0);
    const o = offset;
    out[o] = (checkField('version', header.version ?? 4, 15) << 4) | ihl;
    out[o + 1] = (checkField('dscp', header.dscp ?? 0, 63) << 2) | checkField('ecn', header.ecn ?? 0, 3);
    checkField('totalLength', totalLength, 0xffff);
    out[o + 2] = totalLength >>> 8;
    out[o + 3] = totalLength;
    const id = checkField('id', header.id ?? 0, 0xffff);
    out[o + 4] = id >>> 8;
    out[o + 5] = id;
    const frag = checkField('fragmentOffset', header.fragmentOffset ?? 0, 0x1fff);
    const flags = (header.reservedFlag ? 4 : 0) | (header.dontFragment ? 2 : 0) | (header.moreFragments ? 1 : 0);
    out[o + 6] = (flags << 5) | (frag >>> 8);
    out[o + 7] = frag;
    out[o + 8] = checkField('ttl', header.ttl ?? 64, 255);
    out[o + 9] = checkField('protocol', protocol, 255);
    out[o + 10] = 0;
    out[o + 11] = 0;
    writeIpv4(header.src, out, o + 12);
    writeIpv4(header.dst, out, o + 16);
    writeIpv4Options(header.options ?? [], out, o + IPV4_MIN_HEADER_LENGTH, hl - IPV4_MIN_HEADER_LENGTH);
    const checksum = header.checksum ?? (ctx.fill ? internetChecksum(out.subarray(o, o + hl)) : 0);
    checkField('checksum', checksum, 0xffff);
    out[o + 10] = checksum >>> 8;
    out[o + 11] = checksum;
  },
};

/**
 * Writes the header and payload at out[offset]; returns the bytes written. Lengths and the
 * checksum are filled unless given; `protocol` must be given (there is no next layer to ask).
 */
export function emitIpv4(header: Ipv4Input, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  const hl = headerBytes(header);
  const length = hl + payload.length;
  if (out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${out.length - offset}`, {
      layer: LAYER,
      offset,
      required: length,
      available: out.length - offset,
    });
  }
  out.set(payload, offset + hl);
  ipv4Encoder.emit(header, out, offset, payload.length, STANDALONE);
  return length;
}

/**
 * A new buffer holding the IPv4 header and payload.
 *
 * @example
 * const packet = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, dontFragment: true }, udpBytes);
 */
export function encodeIpv4(header: Ipv4Input, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(headerBytes(header) + payload.length);
  emitIpv4(header, payload, out);
  return out;
}

/**
 * A header `decodePacket` could not take (fewer than 20 bytes captured, a version other than 4,
 * IHL below 5): its fields as tshark shows them, each once the bytes it is read from are captured
 * (the checksum then `unverified`); after a bad version only the version, after a bad IHL the
 * version and the header length.
 */
function partialFields(ctx: DecodeContext, error: WireError, out: FieldSink): void {
  const { bytes, offset } = ctx;
  const n = capturedLength(ctx);
  if (n < 1) return;
  const b0 = bytes[offset]!;
  const hl = (b0 & 0x0f) * 4;
  out.add('ip.version', b0 >>> 4);
  if (error.code === 'bad-version') return;
  out.add('ip.hdr_len', hl);
  if (error.code !== 'truncated' || n < 2) return;
  const ds = bytes[offset + 1]!;
  out.add('ip.dsfield', ds);
  out.add('ip.dsfield.dscp', ds >>> 2);
  out.add('ip.dsfield.ecn', ds & 3);
  if (n < 4) return;
  const total = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  out.add('ip.len', total);
  if (total !== 0 && total < hl) return;
  if (n < 6) return;
  out.add('ip.id', (bytes[offset + 4]! << 8) | bytes[offset + 5]!);
  if (n < 8) return;
  const f = bytes[offset + 6]!;
  out.add('ip.flags', f >>> 5);
  out.add('ip.flags.rb', (f >>> 7) & 1);
  out.add('ip.flags.df', (f >>> 6) & 1);
  out.add('ip.flags.mf', (f >>> 5) & 1);
  out.add('ip.frag_offset', ((f & 0x1f) << 8) | bytes[offset + 7]!);
  if (n < 9) return;
  out.add('ip.ttl', bytes[offset + 8]!);
  if (n < 10) return;
  out.add('ip.proto', bytes[offset + 9]!);
  if (n < 12) return;
  out.add('ip.checksum', (bytes[offset + 10]! << 8) | bytes[offset + 11]!);
  out.add('ip.checksum.status', 'unverified');
  if (n < 16) return;
  addressFields(out, 'src', formatIpv4(bytes, offset + 12));
}

function addressFields(out: FieldSink, field: 'src' | 'dst', address: string): void {
  out.add(field === 'src' ? 'ip.src' : 'ip.dst', address);
  out.add('ip.addr', address);
  // Without name resolution tshark prints the address as the "host".
  out.add(field === 'src' ? 'ip.src_host' : 'ip.dst_host', address);
  out.add('ip.host', address);
}

/**
 * The `ip` protocol for `decodePacket`. Lenient: a header shorter than 20 bytes, a version other
 * than 4 or IHL < 5 throw; a header longer than the capture, malformed options, a total length
 * below the header length or beyond the capture (outside ICMP quotes) return the header with an
 * error. Total length 0 (TCP segmentation offload) is taken as "to the end of the frame", as
 * tshark does. Only first fragments (offset 0) name a next protocol.
 */
export const ipv4: Protocol<Ipv4Header> = {
  name: 'ip',
  partialFields,
  scan(ctx: DecodeContext): Scanned {
    return parseLayer(ctx.bytes, ctx.offset, ctx, false);
  },
  decode(ctx: DecodeContext): Decoded<Ipv4Header> {
    return parseLayer(ctx.bytes, ctx.offset, ctx, true) as Decoded<Ipv4Header>;
  },
  fields(h: Ipv4Header, out: FieldSink, layer: Layer<Ipv4Header>): void {
    out.add('ip.version', h.version);
    out.add('ip.hdr_len', h.headerLength);
    out.add('ip.dsfield', (h.dscp << 2) | h.ecn);
    out.add('ip.dsfield.dscp', h.dscp);
    out.add('ip.dsfield.ecn', h.ecn);
    // With TSO (length 0) tshark shows the length of the frame from this header on: what the
    // layer spans (equal unless the capture was cut short by a snap length).
    out.add('ip.len', h.totalLength !== 0 ? h.totalLength : layer.length + layer.payloadLength);
    // A total length below the header's: tshark calls it bogus and stops.
    if (h.totalLength !== 0 && h.totalLength < h.headerLength) return;
    out.add('ip.id', h.id);
    out.add('ip.flags', (h.reservedFlag ? 4 : 0) | (h.dontFragment ? 2 : 0) | (h.moreFragments ? 1 : 0));
    out.add('ip.flags.rb', h.reservedFlag ? 1 : 0);
    out.add('ip.flags.df', h.dontFragment ? 1 : 0);
    out.add('ip.flags.mf', h.moreFragments ? 1 : 0);
    out.add('ip.frag_offset', h.fragmentOffset);
    out.add('ip.ttl', h.ttl);
    out.add('ip.proto', h.protocol);
    out.add('ip.checksum', h.checksum);
    out.add('ip.checksum.status', h.checksumStatus);
    if (h.checksumStatus !== 'unverified') out.add('ip.checksum_calculated', h.checksumExpected ?? h.checksum);
    addressFields(out, 'src', h.src);
    // A header the capture cut inside its options: tshark shows neither the destination nor the
    // options when its look for a source route ran out of bytes (see noDestination).
    if (noDestination.has(h)) return;
    if (h.finalDst !== undefined) {
      // tshark shows the header's destination as the current hop and the route's end as ip.dst.
      out.add('ip.cur_rt', h.dst);
      out.add('ip.cur_rt_host', h.dst);
    } else {
      addressFields(out, 'dst', h.dst);
    }
    // tshark dissects options only in a whole header (a source route's last hop comes with them).
    if (layer.length < h.headerLength) return;
    for (const option of h.options) ipv4OptionFields(option, out);
  },
};
