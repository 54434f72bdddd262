// IPv6 (RFC 8200): the fixed 40-byte header and the chain of extension headers after it, walked
// inside this one layer so the upper-layer protocol is known (as gopacket and smoltcp leave to
// the caller, and tshark shows inside the ipv6 tree).
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import { capturedLength } from '../packet/partial.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { formatIpv6, writeIpv6 } from './ip-address.js';
import {
  ipv6ExtensionFields,
  ipv6ExtensionLength,
  ipv6ExtensionProblem,
  ipv6ExtensionSize,
  ipv6JumboLength,
  isIpv6Extension,
  parseIpv6Extension,
  routingFinalDestination,
  writeIpv6Extension,
  type Ipv6Extension,
  type Ipv6ExtensionInput,
  type Ipv6OptionProblem,
} from './ipv6-extensions.js';

export const IPV6_HEADER_LENGTH = 40;
/** More extension headers than this in one packet is a crafted loop, not traffic (RFC 8200 allows one of each, two destination options). */
export const IPV6_MAX_EXTENSIONS = 16;
/** "No Next Header" (RFC 8200 section 4.7): nothing follows. */
export const IPV6_NO_NEXT_HEADER = 59;

const LAYER = 'ipv6';

/** A decoded IPv6 header with its extension headers. */
export interface Ipv6Header {
  version: number;
  /** Differentiated services code point (RFC 2474): the high 6 bits of the traffic class. */
  dscp: number;
  /** Explicit congestion notification (RFC 3168): the low 2 bits. */
  ecn: number;
  /** The 20-bit flow label (RFC 6437). */
  flowLabel: number;
  /** Bytes after the fixed header, extension headers included. 0 with a Jumbo Payload option (RFC 2675). */
  payloadLength: number;
  /** The fixed header's next header: the first extension header, or the upper layer. */
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
  /** The extension headers in wire order (hop-by-hop, routing, fragment, destination options, AH). */
  extensions: Ipv6Extension[];
  /**
   * The upper-layer protocol after the extension chain: 6 TCP, 17 UDP, 58 ICMPv6, 50 ESP, 59 none.
   * For a non-first fragment, the protocol its fragment header names (the data is not that protocol's header).
   */
  protocol: number;
  /**
   * The final destination named by a routing header with segments left: the address upper-layer
   * checksums use in their pseudo-header instead of `dst` (RFC 8200 section 8.1), as tshark does.
   * Type 0: the last address; type 2 (Mobile IPv6): the home address; type 4 (SRv6): segment list[0].
   */
  finalDst?: string;
  /** From the fragment header, if any: offset in 8-byte units, M flag and identification. */
  fragment?: { offset: number; more: boolean; id: number };
  /** The Jumbo Payload length (RFC 2675) when the payload length is 0 and hop-by-hop carries one. */
  jumboLength?: number;
}

/** Input for encoding: the payload length and next headers are filled unless given. */
export interface Ipv6Input {
  src: string;
  dst: string;
  /** Default 64. */
  hopLimit?: number;
  dscp?: number;
  ecn?: number;
  flowLabel?: number;
  extensions?: readonly Ipv6ExtensionInput[];
  /** The upper-layer protocol after the extensions; default: the next layer's IP protocol number. */
  protocol?: number;
  /** The fixed header's next header; default: the first extension's type, else `protocol`. */
  nextHeader?: number;
  payloadLength?: number;
  /** Default 6. */
  version?: number;
}

function truncated(required: number, available: number, offset: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer: LAYER,
    offset,
    required,
    available: Math.max(0, available),
  });
}

/**
 * A zero-copy view of the fixed IPv6 header. `check()` once, then read or rewrite in place.
 * IPv6 has no header checksum, so rewriting the hop limit needs no fix-up (but rewriting an
 * address changes every upper-layer checksum that covers it).
 *
 * @example
 * const ip6 = new Ipv6View(frame, 14).check();
 * ip6.hopLimit -= 1;
 * ip6.payload; // extension headers and upper layer, trimmed by the payload length
 */
export class Ipv6View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless 40 bytes are there, `bad-version` unless the version is 6. */
  check(): this {
    const available = this.bytes.length - this.offset;
    if (available < IPV6_HEADER_LENGTH) throw truncated(IPV6_HEADER_LENGTH, available, this.offset);
    if (this.version !== 6) {
      throw new WireError('bad-version', `version is ${this.version}, expected 6, at offset ${this.offset}`, { layer: LAYER, offset: this.offset });
    }
    return this;
  }
  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  /** The 8-bit traffic class (DSCP and ECN). */
  get trafficClass(): number {
    return ((this.bytes[this.offset]! & 0x0f) << 4) | (this.bytes[this.offset + 1]! >>> 4);
  }
  set trafficClass(value: number) {
    const b = this.bytes;
    const o = this.offset;
    b[o] = (b[o]! & 0xf0) | ((value >>> 4) & 0x0f);
    b[o + 1] = ((value & 0x0f) << 4) | (b[o + 1]! & 0x0f);
  }
  get dscp(): number {
    return this.trafficClass >>> 2;
  }
  set dscp(value: number) {
    this.trafficClass = ((value & 0x3f) << 2) | (this.trafficClass & 3);
  }
  get ecn(): number {
    return this.trafficClass & 3;
  }
  set ecn(value: number) {
    this.trafficClass = (this.trafficClass & 0xfc) | (value & 3);
  }
  get flowLabel(): number {
    const b = this.bytes;
    const o = this.offset;
    return ((b[o + 1]! & 0x0f) << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  set flowLabel(value: number) {
    const b = this.bytes;
    const o = this.offset;
    b[o + 1] = (b[o + 1]! & 0xf0) | ((value >>> 16) & 0x0f);
    b[o + 2] = value >>> 8;
    b[o + 3] = value;
  }
  get payloadLength(): number {
    return (this.bytes[this.offset + 4]! << 8) | this.bytes[this.offset + 5]!;
  }
  set payloadLength(value: number) {
    this.bytes[this.offset + 4] = value >>> 8;
    this.bytes[this.offset + 5] = value;
  }
  get nextHeader(): number {
    return this.bytes[this.offset + 6]!;
  }
  set nextHeader(value: number) {
    this.bytes[this.offset + 6] = value;
  }
  get hopLimit(): number {
    return this.bytes[this.offset + 7]!;
  }
  set hopLimit(value: number) {
    this.bytes[this.offset + 7] = value;
  }
  get src(): string {
    return formatIpv6(this.bytes, this.offset + 8);
  }
  set src(address: string) {
    writeIpv6(address, this.bytes, this.offset + 8);
  }
  get dst(): string {
    return formatIpv6(this.bytes, this.offset + 24);
  }
  set dst(address: string) {
    writeIpv6(address, this.bytes, this.offset + 24);
  }
  /** Everything after the fixed header that the payload length covers, clipped to the buffer. */
  get payload(): Uint8Array {
    const start = this.offset + IPV6_HEADER_LENGTH;
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + this.payloadLength));
  }
}

/**
 * The one walk behind `decodeIpv6`, the `ipv6` protocol's `decode` and its `scan` (see the
 * protocol's notes): the fixed header and the extension chain, every check, and with `build` the
 * header object too. Without `build` it reads bytes and allocates nothing but its result (and a
 * `WireError` for a malformed packet).
 */
function parseLayer(bytes: Uint8Array, offset: number, end: number, quoted: boolean, build: boolean): Scanned & { header?: Ipv6Header } {
  const available = end - offset;
  if (available < IPV6_HEADER_LENGTH) throw truncated(IPV6_HEADER_LENGTH, available, offset);
  const version = bytes[offset]! >>> 4;
  if (version !== 6) {
    throw new WireError('bad-version', `version is ${version}, expected 6, at offset ${offset}`, { layer: LAYER, offset });
  }
  const payloadLength = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
  let nh = bytes[offset + 6]!;
  const header = build ? fixedHeader(bytes, offset) : undefined;
  let declaredEnd = offset + IPV6_HEADER_LENGTH + payloadLength;
  // A jumbogram's length is in its hop-by-hop header (RFC 2675), so that header may extend past
  // the zero payload length; anything else must fit in what the payload length declares.
  const maybeJumbo = payloadLength === 0 && nh === 0;
  let jumbo = false;
  let error: WireError | undefined;
  let at = offset + IPV6_HEADER_LENGTH;
  let count = 0;
  let opaque = false;

  while (isIpv6Extension(nh)) {
    if (count >= IPV6_MAX_EXTENSIONS) {
      error = new WireError('limit-exceeded', `more than ${IPV6_MAX_EXTENSIONS} extension headers; stopped at offset ${at}`, { layer: LAYER, offset: at });
      break;
    }
    const unbounded = maybeJumbo && !jumbo;
    const limit = unbounded ? end : Math.min(declaredEnd, end);
    if (at + 2 > limit) {
      error = cutShort(`extension header ${nh}`, 2, at, limit, end, declaredEnd, unbounded);
      break;
    }
    const length = ipv6ExtensionLength(nh, bytes, at);
    if (at + length > limit) {
      error = cutShort(`extension header ${nh} of ${length} bytes`, length, at, limit, end, declaredEnd, unbounded);
      break;
    }
    count++;
    let problem: Ipv6OptionProblem | undefined;
    let extension: Ipv6Extension | undefined;
    if (header !== undefined) {
      ({ extension, problem } = parseIpv6Extension(nh, bytes, at, length));
      header.extensions.push(extension);
    } else {
      problem = ipv6ExtensionProblem(nh, bytes, at, length);
    }
    if (problem !== undefined) {
      error = new WireError('bad-value', `bad options: ${problem.message}`, { layer: LAYER, offset: problem.offset });
      break;
    }
    if (nh === 0 && maybeJumbo) {
      const value = ipv6JumboLength(bytes, at, length);
      if (value !== undefined) {
        jumbo = true;
        declaredEnd = offset + IPV6_HEADER_LENGTH + value;
        if (header !== undefined) header.jumboLength = value;
      }
    }
    if (header !== undefined && header.finalDst === undefined) {
      const finalDst = routingFinalDestination(extension!);
      if (finalDst !== undefined) header.finalDst = finalDst;
    }
    const type = nh;
    const start = at;
    nh = bytes[at]!;
    at += length;
    if (type === 44) {
      const fragmentOffset = ((bytes[start + 2]! << 8) | bytes[start + 3]!) >>> 3;
      if (header !== undefined) header.fragment = { offset: fragmentOffset, more: extension!.moreFragments!, id: extension!.id! };
      // After the fragment header of a later fragment comes the middle of the original payload.
      if (fragmentOffset > 0) {
        opaque = true;
        break;
      }
    }
  }
  if (header !== undefined) header.protocol = nh;

  if (error === undefined && maybeJumbo && !jumbo) {
    error = new WireError('bad-length', `payload length 0 at offset ${offset} without a Jumbo Payload option (RFC 2675)`, { layer: LAYER, offset });
  }
  const result: Scanned & { header?: Ipv6Header } = scanned(at - offset, Math.max(at, declaredEnd));
  if (header !== undefined) result.header = header;
  // A payload longer than the capture is a snaplen cut, not a malformed header: record it and go on.
  if (error === undefined && declaredEnd > end && !quoted) {
    result.truncated = new WireError('truncated', `payload length ${declaredEnd - offset - IPV6_HEADER_LENGTH} exceeds the ${available - IPV6_HEADER_LENGTH} bytes captured after the header at offset ${offset}`, {
      layer: LAYER,
      offset,
      required: declaredEnd - offset,
      available,
    });
  }
  if (error !== undefined) result.error = error;
  else if (!opaque && nh !== IPV6_NO_NEXT_HEADER) result.next = { table: 'ip.proto', value: nh };
  return result;
}

/** The header object's fixed part, before the extension chain fills in the rest. */
function fixedHeader(bytes: Uint8Array, offset: number): Ipv6Header {
  const view = new Ipv6View(bytes, offset);
  return {
    version: 6,
    dscp: view.dscp,
    ecn: view.ecn,
    flowLabel: view.flowLabel,
    payloadLength: view.payloadLength,
    nextHeader: view.nextHeader,
    hopLimit: view.hopLimit,
    src: view.src,
    dst: view.dst,
    extensions: [],
    protocol: view.nextHeader,
  };
}

/**
 * An extension header that does not fit before `limit`: cut by the capture (the payload length
 * promised more, or a jumbogram's length is not known yet), or by the payload length itself.
 */
function cutShort(what: string, required: number, at: number, limit: number, end: number, declaredEnd: number, unbounded: boolean): WireError {
  const capturedShort = limit === end && (declaredEnd > end || unbounded);
  const left = Math.max(0, limit - at);
  const message = capturedShort ? `${what} at offset ${at} needs ${required} bytes, ${left} captured` : `${what} at offset ${at} needs ${required} bytes, the payload length leaves ${left}`;
  return new WireError(capturedShort ? 'truncated' : 'bad-length', message, { layer: LAYER, offset: at, required, available: left });
}

/**
 * Decodes the IPv6 header and its extension headers at `offset`, strictly: a truncated header,
 * a wrong version, an extension header past the payload, malformed options or a payload length
 * beyond the bytes throw their `WireError`. For lenient decoding of whole packets use `decodePacket`.
 *
 * @example
 * const ip6 = decodeIpv6(frame, 14);
 * ip6.protocol;                        // 17: UDP after any extension headers
 * ip6.extensions.map((e) => e.name);   // ['hopopts', 'fraghdr']
 */
export function decodeIpv6(bytes: Uint8Array, offset = 0): Ipv6Header {
  const decoded = parseLayer(bytes, offset, bytes.length, false, true);
  if (decoded.error) throw decoded.error;
  if (decoded.truncated) throw decoded.truncated;
  return decoded.header!;
}

function checkField(name: string, value: number, max: number): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 0..${max}, got ${value}`, { layer: LAYER });
  }
  return value;
}

function headerBytes(header: Ipv6Input): number {
  let n = IPV6_HEADER_LENGTH;
  for (const e of header.extensions ?? []) n += ipv6ExtensionSize(e);
  return n;
}

const STANDALONE: EncodeContext = { outer: [], inner: [], codeFor: () => undefined, fill: true };

export const ipv6Encoder: Encoder<Ipv6Input> = {
  name: 'ipv6',
  headerLength: headerBytes,
  emit(header, out, offset, payloadLength, ctx) {
    const extensions = header.extensions ?? [];
    const next = ctx.inner[0];
    const upper =
      header.protocol ?? (next === undefined ? undefined : ctx.codeFor('ip.proto', next.name)) ?? (next === undefined && payloadLength === 0 ? IPV6_NO_NEXT_HEADER : undefined);
    const hl = headerBytes(header);
    const o = offset;
    const version = checkField('version', header.version ?? 6, 15);
    const tc = (checkField('dscp', header.dscp ?? 0, 63) << 2) | checkField('ecn', header.ecn ?? 0, 3);
    const flow = checkField('flowLabel', header.flowLabel ?? 0, 0xfffff);
    out[o] = (version << 4) | (tc >>> 4);
    out[o + 1] = ((tc & 0x0f) << 4) | (flow >>> 16);
    out[o + 2] = flow >>> 8;
    out[o + 3] = flow;
    const plen = checkField('payloadLength', header.payloadLength ?? (ctx.fill ? hl - IPV6_HEADER_LENGTH + payloadLength : 0), 0xffff);
    out[o + 4] = plen >>> 8;
    out[o + 5] = plen;
    const nextOf = (i: number): number => {
      const given = i < 0 ? header.nextHeader : extensions[i]!.nextHeader;
      if (given !== undefined) return given;
      const following = extensions[i + 1];
      if (following !== undefined) return following.type;
      if (upper !== undefined) return upper;
      if (!ctx.fill) return 0;
      throw new WireError('bad-value', `no protocol given and none known for the next layer '${next?.name ?? '(none)'}'`, { layer: LAYER });
    };
    out[o + 6] = checkField('nextHeader', nextOf(-1), 255);
    out[o + 7] = checkField('hopLimit', header.hopLimit ?? 64, 255);
    writeIpv6(header.src, out, o + 8);
    writeIpv6(header.dst, out, o + 24);
    let at = o + IPV6_HEADER_LENGTH;
    extensions.forEach((e, i) => {
      at += writeIpv6Extension(e, nextOf(i), out, at);
    });
  },
};

/** Writes header, extension headers and payload at out[offset]; returns the bytes written. */
export function emitIpv6(header: Ipv6Input, payload: Uint8Array, out: Uint8Array, offset = 0): number {
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
  ipv6Encoder.emit(header, out, offset, payload.length, STANDALONE);
  return length;
}

/**
 * A new buffer holding the IPv6 header, extension headers and payload.
 *
 * @example
 * const packet = encodeIpv6(
 *   { src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, extensions: [{ type: 44, id: 7, moreFragments: true }] },
 *   udpBytes,
 * );
 */
export function encodeIpv6(header: Ipv6Input, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(headerBytes(header) + payload.length);
  emitIpv6(header, payload, out);
  return out;
}

/**
 * A header `decodePacket` could not take (fewer than 40 bytes captured, or a version other than
 * 6): its fields as tshark shows them, each once the bytes it is read from are captured (tshark
 * reads the first word whole, and the payload length with the next header); after a bad version
 * only the version.
 */
function partialFields(ctx: DecodeContext, error: WireError, out: FieldSink): void {
  const { bytes, offset } = ctx;
  const n = capturedLength(ctx);
  if (n < 1) return;
  const version = bytes[offset]! >>> 4;
  out.add('ipv6.version', version);
  out.add('ip.version', version);
  if (error.code !== 'truncated' || n < 4) return;
  const tclass = ((bytes[offset]! & 0x0f) << 4) | (bytes[offset + 1]! >>> 4);
  out.add('ipv6.tclass', tclass);
  out.add('ipv6.tclass.dscp', tclass >>> 2);
  out.add('ipv6.tclass.ecn', tclass & 3);
  out.add('ipv6.flow', ((bytes[offset + 1]! & 0x0f) << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  if (n < 7) return;
  out.add('ipv6.plen', (bytes[offset + 4]! << 8) | bytes[offset + 5]!);
  out.add('ipv6.nxt', bytes[offset + 6]!);
  if (n < 8) return;
  out.add('ipv6.hlim', bytes[offset + 7]!);
  if (n < 24) return;
  addressFields(out, 'src', formatIpv6(bytes, offset + 8));
}

function addressFields(out: FieldSink, field: 'src' | 'dst', address: string): void {
  out.add(field === 'src' ? 'ipv6.src' : 'ipv6.dst', address);
  out.add('ipv6.addr', address);
  out.add(field === 'src' ? 'ipv6.src_host' : 'ipv6.dst_host', address);
  out.add('ipv6.host', address);
}

/**
 * The `ipv6` protocol for `decodePacket`. Lenient: fewer than 40 bytes or a version other than 6
 * throw; an extension header past the payload, malformed options, more than 16 extension headers
 * or a payload length beyond the capture (outside ICMP quotes) return the header with an error.
 * AH is stepped over by its length; ESP ends the chain (its next layer is ESP itself). A later
 * fragment (offset > 0) and No Next Header have no next protocol.
 */
export const ipv6: Protocol<Ipv6Header> = {
  name: 'ipv6',
  partialFields,
  scan(ctx: DecodeContext): Scanned {
    return parseLayer(ctx.bytes, ctx.offset, ctx.end, ctx.quoted, false);
  },
  decode(ctx: DecodeContext): Decoded<Ipv6Header> {
    return parseLayer(ctx.bytes, ctx.offset, ctx.end, ctx.quoted, true) as Decoded<Ipv6Header>;
  },
  fields(h: Ipv6Header, out: FieldSink): void {
    out.add('ipv6.version', h.version);
    out.add('ip.version', h.version);
    out.add('ipv6.tclass', (h.dscp << 2) | h.ecn);
    out.add('ipv6.tclass.dscp', h.dscp);
    out.add('ipv6.tclass.ecn', h.ecn);
    out.add('ipv6.flow', h.flowLabel);
    out.add('ipv6.plen', h.payloadLength);
    out.add('ipv6.nxt', h.nextHeader);
    out.add('ipv6.hlim', h.hopLimit);
    addressFields(out, 'src', h.src);
    addressFields(out, 'dst', h.dst);
    for (const e of h.extensions) ipv6ExtensionFields(e, out);
  },
};
