// Linux "cooked" capture headers: what libpcap writes in place of a link-layer header when it
// captures on several interfaces at once (`tcpdump -i any`) or on one whose header it cannot
// keep. Two versions (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, _SLL2.html):
//
//   SLL  (LINKTYPE_LINUX_SLL 113, 16 bytes):  packet type(2) ARPHRD type(2) address length(2)
//                                             address(8) protocol(2)
//   SLL2 (LINKTYPE_LINUX_SLL2 276, 20 bytes): protocol(2) reserved(2) interface index(4)
//                                             ARPHRD type(2) packet type(1) address length(1) address(8)
//
// Only the sender's address is kept, in an 8-byte field. The protocol is an ethertype when it
// exceeds 1536 (Linux's own threshold) and a Linux protocol number (ETH_P_802_2, ...) otherwise;
// on a GRE tunnel (ARPHRD_IPGRE) it is a GRE protocol type, which for IP is the ethertype again.
//
// tshark shows both versions as protocol `sll` with the same field names (packet-sll.c). The
// decoder does not see which link type chose it, so the two are two protocols here: `sll` and
// `sll2`, whose fields are both tshark's `sll.*`. Two tshark behaviours are not mirrored: on
// ARPHRD_NETLINK (824) tshark hands the whole frame, header included, to its netlink dissector
// (here the header is decoded and the payload left undecoded), and it shows bytes after the
// payload's own length as `sll.trailer`, which needs the next layer's length.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import { capturedFields, capturedLength, paddedHeader } from '../packet/partial.js';
import { formatIpv4, writeIpv4 } from '../network/ip-address.js';
import { formatMac, writeMac } from './mac.js';
import { checkRange } from '../packet/range.js';

export const SLL_HEADER_LENGTH = 16;
export const SLL2_HEADER_LENGTH = 20;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
/** Bytes of the address field; longer addresses (InfiniBand's 20) are cut to these. */
export const SLL_ADDRESS_LENGTH = 8;

/** The packet types of `sll_pkttype` (linux/if_packet.h): where the packet was going. */
export const SllPacketType = {
  /** Addressed to this host. */
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  /** Addressed to another host, seen in promiscuous mode. */
  OTHERHOST: 3,
  /** Sent by this host. */
  OUTGOING: 4,
} as const;

/** Linux protocol numbers (linux/if_ether.h) found where the protocol is not an ethertype (<= 1536). */
export const SllProtocol = {
  /** Novell raw 802.3 (IPX without LLC). */
  P_802_3: 0x0001,
  /** A whole Ethernet frame, header included. */
  P_ETHERNET: 0x0003,
  /** IEEE 802.2 LLC. */
  P_802_2: 0x0004,
  P_PPPHDLC: 0x0007,
  P_CAN: 0x000c,
  P_CANFD: 0x000d,
  P_IRDA_LAP: 0x0017,
} as const;

/** ARPHRD_ values (linux/if_arp.h) that change how the header is read. */
export const ARPHRD_ETHER = 1;
export const ARPHRD_IPGRE = 778;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NETLINK = 824;
export const ARPHRD_NONE = 65534;

const GRE_TRANSPARENT_ETHERNET = 0x6558;
/** Values up to this are Linux protocol numbers, not ethertypes ("yes, 1536": packet-sll.c). */
const MAX_LINUX_PROTOCOL = 1536;

/** Fields both versions share. */
export interface SllCommon {
  /** `SllPacketType`: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  pkttype: number;
  /** ARPHRD_ type of the interface: 1 Ethernet, 772 loopback, 65534 none (tun), 778 GRE, ... */
  hatype: number;
  /** Length of the sender's link-layer address (may exceed the 8 bytes kept). */
  halen: number;
  /**
   * The sender's address as tshark shows it: a MAC (`aa:bb:cc:dd:ee:ff`) when 6 bytes long, IPv4
   * text when 4 (tunnels), colon hex of at most 8 bytes otherwise, `''` when there is none.
   */
  src: string;
  /** The address field's bytes past `halen`, colon hex (`''` when the address fills all 8). */
  unused: string;
  /** Ethertype, or a `SllProtocol` number (<= 1536), or a GRE protocol type on ARPHRD_IPGRE. */
  protocol: number;
}

export type SllHeader = SllCommon;

export interface Sll2Header extends SllCommon {
  /** Index of the interface the packet was captured on (`ip link` numbers). */
  ifindex: number;
  /** The 2 reserved bytes after the protocol, which should be zero. */
  reserved: number;
}

/** Input for encoding. `protocol` defaults from the next layer (its ethertype, or 3 for `eth`). */
export interface SllInput {
  /** Default 0 (to us). */
  pkttype?: number;
  /** Default 1 (ARPHRD_ETHER) with a 6-byte address, else 65534 (ARPHRD_NONE). */
  hatype?: number;
  /**
   * The sender's address: a MAC, IPv4 text (4 bytes), or colon/dash-separated hex of 1 to 8
   * bytes. Default none (`halen` 0).
   */
  src?: string;
  /** The address length field, when it should differ from the bytes of `src` (InfiniBand's 20). */
  halen?: number;
  protocol?: number;
}

export interface Sll2Input extends SllInput {
  /** Default 0. */
  ifindex?: number;
  /** Default 0. */
  reserved?: number;
}

function truncated(layer: string, offset: number, required: number, available: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer,
    offset,
    required,
    available: Math.max(0, available),
  });
}

function checkLength(layer: string, bytes: Uint8Array, offset: number, end: number, required: number): void {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < required) throw truncated(layer, offset, required, available);
}

function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function set16(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 8;
  b[at + 1] = value;
}

/** The address of `halen` bytes at `at` (an 8-byte field) in tshark's form, and the unused rest. */
function readAddress(bytes: Uint8Array, at: number, halen: number): { src: string; unused: string } {
  const shown = Math.min(halen, SLL_ADDRESS_LENGTH);
  const src = halen === 0 ? '' : halen === 6 ? formatMac(bytes, at) : halen === 4 ? formatIpv4(bytes, at) : bytesField(bytes.subarray(at, at + shown));
  return { src, unused: bytesField(bytes.subarray(at + shown, at + SLL_ADDRESS_LENGTH)) };
}

/**
 * A zero-copy view of an SLL (v1) header in a buffer. `check()` once, then read or rewrite fields
 * in place.
 *
 * @example
 * const v = new SllView(frame).check();
 * if (v.pkttype === SllPacketType.OUTGOING) v.pkttype = SllPacketType.HOST;
 */
export class SllView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless the 16 bytes of the header fit. */
  check(): this {
    const available = this.bytes.length - this.offset;
    if (this.offset < 0 || available < SLL_HEADER_LENGTH) throw truncated('sll', this.offset, SLL_HEADER_LENGTH, available);
    return this;
  }
  get pkttype(): number {
    return get16(this.bytes, this.offset);
  }
  set pkttype(value: number) {
    set16(this.bytes, this.offset, value);
  }
  get hatype(): number {
    return get16(this.bytes, this.offset + 2);
  }
  set hatype(value: number) {
    set16(this.bytes, this.offset + 2, value);
  }
  get halen(): number {
    return get16(this.bytes, this.offset + 4);
  }
  set halen(value: number) {
    set16(this.bytes, this.offset + 4, value);
  }
  /** The 8-byte address field (a view: writes go to the packet). */
  get address(): Uint8Array {
    return this.bytes.subarray(this.offset + 6, this.offset + 6 + SLL_ADDRESS_LENGTH);
  }
  /** The sender's address as tshark shows it (see `SllCommon.src`). */
  get src(): string {
    return readAddress(this.bytes, this.offset + 6, this.halen).src;
  }
  get protocol(): number {
    return get16(this.bytes, this.offset + 14);
  }
  set protocol(value: number) {
    set16(this.bytes, this.offset + 14, value);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + SLL_HEADER_LENGTH);
  }
}

/** A zero-copy view of an SLL2 header in a buffer, like `SllView`. */
export class Sll2View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless the 20 bytes of the header fit. */
  check(): this {
    const available = this.bytes.length - this.offset;
    if (this.offset < 0 || available < SLL2_HEADER_LENGTH) throw truncated('sll2', this.offset, SLL2_HEADER_LENGTH, available);
    return this;
  }
  get protocol(): number {
    return get16(this.bytes, this.offset);
  }
  set protocol(value: number) {
    set16(this.bytes, this.offset, value);
  }
  get reserved(): number {
    return get16(this.bytes, this.offset + 2);
  }
  set reserved(value: number) {
    set16(this.bytes, this.offset + 2, value);
  }
  get ifindex(): number {
    const b = this.bytes;
    const o = this.offset + 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  set ifindex(value: number) {
    set16(this.bytes, this.offset + 4, value >>> 16);
    set16(this.bytes, this.offset + 6, value);
  }
  get hatype(): number {
    return get16(this.bytes, this.offset + 8);
  }
  set hatype(value: number) {
    set16(this.bytes, this.offset + 8, value);
  }
  get pkttype(): number {
    return this.bytes[this.offset + 10]!;
  }
  set pkttype(value: number) {
    this.bytes[this.offset + 10] = value;
  }
  get halen(): number {
    return this.bytes[this.offset + 11]!;
  }
  set halen(value: number) {
    this.bytes[this.offset + 11] = value;
  }
  get address(): Uint8Array {
    return this.bytes.subarray(this.offset + 12, this.offset + 12 + SLL_ADDRESS_LENGTH);
  }
  get src(): string {
    return readAddress(this.bytes, this.offset + 12, this.halen).src;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + SLL2_HEADER_LENGTH);
  }
}

/**
 * Decodes a LINKTYPE_LINUX_SLL header at `offset`.
 *
 * @example
 * decodeSll(frame); // { pkttype: 0, hatype: 772, halen: 6, src: '00:00:00:00:00:00', unused: '00:00', protocol: 0x0800 }
 */
export function decodeSll(bytes: Uint8Array, offset = 0, end = bytes.length): SllHeader {
  checkLength('sll', bytes, offset, end, SLL_HEADER_LENGTH);
  const v = new SllView(bytes, offset);
  const halen = v.halen;
  return { pkttype: v.pkttype, hatype: v.hatype, halen, ...readAddress(bytes, offset + 6, halen), protocol: v.protocol };
}

/**
 * Decodes a LINKTYPE_LINUX_SLL2 header at `offset`.
 *
 * @example
 * decodeSll2(frame); // { protocol: 0x0800, reserved: 0, ifindex: 1, hatype: 772, pkttype: 0, halen: 6, ... }
 */
export function decodeSll2(bytes: Uint8Array, offset = 0, end = bytes.length): Sll2Header {
  checkLength('sll2', bytes, offset, end, SLL2_HEADER_LENGTH);
  const v = new Sll2View(bytes, offset);
  const halen = v.halen;
  return {
    protocol: v.protocol,
    reserved: v.reserved,
    ifindex: v.ifindex,
    hatype: v.hatype,
    pkttype: v.pkttype,
    halen,
    ...readAddress(bytes, offset + 12, halen),
  };
}

/** What the payload is: an ethertype (or a GRE type, the same numbers for IP) or Linux's own numbers. */
function nextOf(hatype: number, protocol: number): Next | undefined {
  if (hatype === ARPHRD_NETLINK) return undefined;
  // GRE's Transparent Ethernet Bridging carries whole Ethernet frames (RFC 1701 protocol types).
  if (hatype === ARPHRD_IPGRE && protocol === GRE_TRANSPARENT_ETHERNET) return { protocol: 'eth' };
  if (protocol > MAX_LINUX_PROTOCOL) return { table: 'ethertype', value: protocol };
  // CAN frames (their identifier in the host's byte order); raw 802.3 (IPX), PPP and the rest are
  // not decoded here: the payload stays opaque.
  if (protocol === SllProtocol.P_CAN) return { protocol: 'can-linux' };
  if (protocol === SllProtocol.P_CANFD) return { protocol: 'canfd-linux' };
  return protocol === SllProtocol.P_ETHERNET ? { protocol: 'eth' } : protocol === SllProtocol.P_802_2 ? { protocol: 'llc' } : undefined;
}

/** What decode returns but the header: the fast path, with no address text built. */
function scanned(headerLength: number, hatype: number, protocol: number): Scanned {
  const next = nextOf(hatype, protocol);
  return next ? { headerLength, next } : { headerLength };
}

/** Header bytes a cut SLL header must have for tshark to show each field (addresses: 6 + their length). */
const SLL_NEED: Record<string, number> = { 'sll.pkttype': 4, 'sll.hatype': 4, 'sll.halen': 6, 'sll.unused': 14 };

function protocolField(h: SllCommon, out: FieldSink): void {
  if (h.protocol <= MAX_LINUX_PROTOCOL) out.add('sll.ltype', h.protocol);
  else if (h.hatype === ARPHRD_IPGRE) out.add('sll.gretype', h.protocol);
  else out.add('sll.etype', h.protocol);
}

function addressFields(h: SllCommon, out: FieldSink): void {
  out.add('sll.halen', h.halen);
  if (h.halen === 6) out.add('sll.src.eth', h.src);
  else if (h.halen === 4) out.add('sll.src.ipv4', h.src);
  else if (h.halen !== 0) out.add('sll.src.other', h.src);
  if (h.halen < SLL_ADDRESS_LENGTH) out.add('sll.unused', h.unused);
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export const sll: Protocol<SllHeader> = {
  name: 'sll',
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark reads type and ARPHRD type together, then the address length, the address, the rest
    // of the 8-byte address field; the protocol needs the whole header.
    const captured = capturedLength(ctx);
    if (captured >= SLL_HEADER_LENGTH) return;
    const h = decodeSll(paddedHeader(ctx, SLL_HEADER_LENGTH));
    const halen = Math.min(h.halen, SLL_ADDRESS_LENGTH);
    capturedFields(out, captured, (name) => SLL_NEED[name] ?? (name.startsWith('sll.src.') ? 6 + halen : undefined), (sink) => sll.fields(h, sink, undefined as never));
  },
  decode(ctx: DecodeContext): Decoded<SllHeader> {
    const header = decodeSll(ctx.bytes, ctx.offset, ctx.end);
    return { header, ...scanned(SLL_HEADER_LENGTH, header.hatype, header.protocol) };
  },
  scan(ctx: DecodeContext): Scanned {
    const { bytes: b, offset: o } = ctx;
    checkLength('sll', b, o, ctx.end, SLL_HEADER_LENGTH);
    return scanned(SLL_HEADER_LENGTH, get16(b, o + 2), get16(b, o + 14));
  },
  // In packet-sll.c's order, so repeated fields line up with tshark's.
  fields(h: SllHeader, out: FieldSink): void {
    out.add('sll.pkttype', h.pkttype);
    out.add('sll.hatype', h.hatype);
    addressFields(h, out);
    protocolField(h, out);
  },
};

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): tshark's `sll` too (see the file comment). */
export const sll2: Protocol<Sll2Header> = {
  name: 'sll2',
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark reads the first 12 bytes (protocol to address length) before it shows any of them.
    const captured = capturedLength(ctx);
    if (captured >= SLL2_HEADER_LENGTH) return;
    const h = decodeSll2(paddedHeader(ctx, SLL2_HEADER_LENGTH));
    const halen = Math.min(h.halen, SLL_ADDRESS_LENGTH);
    const need = (name: string) => (name === 'sll.unused' ? SLL2_HEADER_LENGTH : name.startsWith('sll.src.') ? 12 + halen : 12);
    capturedFields(out, captured, need, (sink) => sll2.fields(h, sink, undefined as never));
  },
  decode(ctx: DecodeContext): Decoded<Sll2Header> {
    const header = decodeSll2(ctx.bytes, ctx.offset, ctx.end);
    return { header, ...scanned(SLL2_HEADER_LENGTH, header.hatype, header.protocol) };
  },
  scan(ctx: DecodeContext): Scanned {
    const { bytes: b, offset: o } = ctx;
    checkLength('sll2', b, o, ctx.end, SLL2_HEADER_LENGTH);
    return scanned(SLL2_HEADER_LENGTH, get16(b, o + 8), get16(b, o));
  },
  fields(h: Sll2Header, out: FieldSink): void {
    protocolField(h, out);
    out.add('sll.ifindex', h.ifindex);
    out.add('sll.hatype', h.hatype);
    out.add('sll.pkttype', h.pkttype);
    addressFields(h, out);
  },
};


/** The address bytes of `src` (at most 8) written at out[at], the rest of the field zeroed; returns their count. */
function writeAddress(layer: string, src: string | undefined, out: Uint8Array, at: number): number {
  out.fill(0, at, at + SLL_ADDRESS_LENGTH);
  if (src === undefined || src === '') return 0;
  const text = src.trim();
  if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)) {
    writeMac(text, out, at, layer);
    return 6;
  }
  if (text.includes('.')) {
    writeIpv4(text, out, at);
    return 4;
  }
  const parts = text.split(/[:-]/);
  if (parts.length > SLL_ADDRESS_LENGTH || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) {
    throw new WireError('bad-value', `'${src}' is not an address of 1 to 8 bytes (a MAC, IPv4 text or colon-separated hex)`, { layer });
  }
  parts.forEach((p, i) => (out[at + i] = parseInt(p, 16)));
  return parts.length;
}

function protocolFor(layer: string, header: SllInput, ctx: EncodeContext): number {
  const next = ctx.inner[0];
  const protocol =
    header.protocol ?? (next === undefined ? undefined : next.name === 'eth' ? SllProtocol.P_ETHERNET : ctx.codeFor('ethertype', next.name));
  if (protocol === undefined) {
    throw new WireError('bad-value', `no protocol given and no ethertype known for the next layer '${next?.name ?? '(none)'}'`, { layer });
  }
  return checkRange(layer, 'protocol', protocol, 0xffff);
}

/** Encoder for `{ sll: { ... } }`: a 16-byte LINKTYPE_LINUX_SLL header. */
export const sllEncoder: Encoder<SllInput> = {
  name: 'sll',
  headerLength: () => SLL_HEADER_LENGTH,
  emit(header, out, offset, _payloadLength, ctx) {
    const length = writeAddress('sll', header.src, out, offset + 6);
    const halen = checkRange('sll', 'halen', header.halen ?? length, 0xffff);
    const hatype = checkRange('sll', 'hatype', header.hatype ?? (length === 6 ? ARPHRD_ETHER : ARPHRD_NONE), 0xffff);
    const pkttype = checkRange('sll', 'pkttype', header.pkttype ?? SllPacketType.HOST, 0xffff);
    const protocol = protocolFor('sll', header, ctx);
    out[offset] = pkttype >>> 8;
    out[offset + 1] = pkttype;
    out[offset + 2] = hatype >>> 8;
    out[offset + 3] = hatype;
    out[offset + 4] = halen >>> 8;
    out[offset + 5] = halen;
    out[offset + 14] = protocol >>> 8;
    out[offset + 15] = protocol;
  },
};

/** Encoder for `{ sll2: { ... } }`: a 20-byte LINKTYPE_LINUX_SLL2 header. */
export const sll2Encoder: Encoder<Sll2Input> = {
  name: 'sll2',
  headerLength: () => SLL2_HEADER_LENGTH,
  emit(header, out, offset, _payloadLength, ctx) {
    const length = writeAddress('sll2', header.src, out, offset + 12);
    const halen = checkRange('sll2', 'halen', header.halen ?? length, 0xff);
    const hatype = checkRange('sll2', 'hatype', header.hatype ?? (length === 6 ? ARPHRD_ETHER : ARPHRD_NONE), 0xffff);
    const pkttype = checkRange('sll2', 'pkttype', header.pkttype ?? SllPacketType.HOST, 0xff);
    const ifindex = checkRange('sll2', 'ifindex', header.ifindex ?? 0, 0xffffffff);
    const reserved = checkRange('sll2', 'reserved', header.reserved ?? 0, 0xffff);
    const protocol = protocolFor('sll2', header, ctx);
    out[offset] = protocol >>> 8;
    out[offset + 1] = protocol;
    out[offset + 2] = reserved >>> 8;
    out[offset + 3] = reserved;
    out[offset + 4] = ifindex >>> 24;
    out[offset + 5] = ifindex >>> 16;
    out[offset + 6] = ifindex >>> 8;
    out[offset + 7] = ifindex;
    out[offset + 8] = hatype >>> 8;
    out[offset + 9] = hatype;
    out[offset + 10] = pkttype;
    out[offset + 11] = halen;
  },
};

const STANDALONE: EncodeContext = { outer: [], inner: [], codeFor: () => undefined, fill: true };

function emitStandalone<H extends SllInput>(encoder: Encoder<H>, length: number, header: H, out: Uint8Array, offset: number): number {
  if (header.protocol === undefined) throw new WireError('bad-value', 'protocol is required outside encodeFrame', { layer: encoder.name });
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: encoder.name, offset });
  }
  encoder.emit(header, out, offset, 0, STANDALONE);
  return length;
}

/**
 * Writes a 16-byte SLL header at out[offset] (`protocol` must be given). Returns 16.
 *
 * @example
 * emitSll({ pkttype: 4, src: '02:00:00:00:00:01', protocol: 0x0800 }, out); // sent by us, IPv4
 */
export function emitSll(header: SllInput, out: Uint8Array, offset = 0): number {
  return emitStandalone(sllEncoder, SLL_HEADER_LENGTH, header, out, offset);
}

/** Writes a 20-byte SLL2 header at out[offset] (`protocol` must be given). Returns 20. */
export function emitSll2(header: Sll2Input, out: Uint8Array, offset = 0): number {
  return emitStandalone(sll2Encoder, SLL2_HEADER_LENGTH, header, out, offset);
}

/** A new SLL header. */
export function encodeSll(header: SllInput): Uint8Array {
  const out = new Uint8Array(SLL_HEADER_LENGTH);
  emitSll(header, out);
  return out;
}

/** A new SLL2 header. */
export function encodeSll2(header: Sll2Input): Uint8Array {
  const out = new Uint8Array(SLL2_HEADER_LENGTH);
  emitSll2(header, out);
  return out;
}
