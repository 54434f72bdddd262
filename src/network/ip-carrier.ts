// What TCP, UDP and ICMPv6 need from the IP layer that carries them: the pseudo-header addresses for the
// checksum (RFC 9293 3.1, RFC 768, RFC 8200 8.1) and where IP says the segment ends. Read from the
// packet's bytes at the IP layer's offset (and, for IPv6, what its header object found in the
// extension chain), so no upper-layer file imports an IP decoder. It lives with the network
// layer because it reads IP; transport and ICMP import it, never the reverse.
import { checksumUpdate, pseudoHeaderSum } from '../checksum/incremental.js';
import { internetChecksum, onesComplementSum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { DecodeContext, EncodeContext, Layer, LayerSpec } from '../packet/protocol.js';
import { parseIpv4, parseIpv6 } from './ip-address.js';
import { u32 } from '../packet/bytes.js';

/** The IP layer under a segment, as the checksum and length checks see it. */
export interface IpCarrier {
  family: 4 | 6;
  /** Source and final destination address bytes (4 or 16), views into the packet. */
  source: Uint8Array;
  destination: Uint8Array;
  /**
   * Where the IP header says its payload ends (total or payload length), which lies past
   * `ctx.end` when the capture was cut short; `undefined` when IP gives no length (IPv4 total
   * length 0 from TSO captures, IPv6 jumbograms).
   */
  claimedEnd: number | undefined;
  /** The segment is one fragment of a larger datagram: its length and checksum cannot be checked. */
  fragment: boolean;
}

/** What an IPv6 header without extension headers says of the final destination, fragments and jumbograms. */
const NO_EXTENSIONS: { finalDst?: unknown; fragment?: { offset?: unknown; more?: unknown }; jumboLength?: unknown } = {};

function nearestIp(below: readonly Layer[]): Layer | undefined {
  for (let i = below.length - 1; i >= 0; i--) {
    const name = below[i]!.name;
    if (name === 'ip' || name === 'ipv6') return below[i];
  }
  return undefined;
}

/**
 * Whether the capture cut the packet an ICMP error travels in: its outermost IP layer claims more
 * bytes than were captured (a snap length). A quote is then cut by the capture rather than by the
 * ICMP sender, and tshark leaves a quoted TCP checksum unverified.
 */
export function outerIpCut(ctx: DecodeContext): boolean {
  const { below, bytes } = ctx;
  for (const layer of below) {
    const at = layer.offset;
    if (layer.name === 'ip' && at + 4 <= bytes.length) {
      const total = (bytes[at + 2]! << 8) | bytes[at + 3]!;
      return total !== 0 && at + total > bytes.length;
    }
    if (layer.name === 'ipv6' && at + 6 <= bytes.length) return at + 40 + ((bytes[at + 4]! << 8) | bytes[at + 5]!) > bytes.length;
  }
  return false;
}

/**
 * The IP layer under the segment at `ctx.offset`, or `undefined` when there is none that makes
 * sense (decoding a bare segment, or a layer too short to hold the addresses).
 */
export function ipCarrier(ctx: DecodeContext): IpCarrier | undefined {
  const ip = nearestIp(ctx.below);
  if (ip === undefined) return undefined;
  const { bytes } = ctx;
  const at = ip.offset;
  if (ip.name === 'ip') {
    if (at + 20 > ctx.offset) return undefined;
    const total = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    // With a source route still in progress (LSRR/SSRR), the pseudo-header names the route's last
    // address, the final destination (RFC 9293 3.1 "the destination address ... in the pseudo
    // header is the final destination"); the IPv4 decoder found it. Only options make it differ,
    // so the header object is built only when the IHL says there are options.
    const finalDst = (bytes[at]! & 0x0f) > 5 ? (ip.header as { finalDst?: unknown }).finalDst : undefined;
    return new CarrierInPacket(
      4,
      bytes,
      at + 12,
      typeof finalDst === 'string' ? parseIpv4(finalDst) : undefined,
      total === 0 ? undefined : at + total,
      // More-fragments set or a non-zero fragment offset (RFC 791 3.1).
      (((bytes[at + 6]! << 8) | bytes[at + 7]!) & 0x3fff) !== 0,
    );
  }
  if (at + 40 > ctx.offset) return undefined;
  // The ipv6 layer has walked the extension headers: it names the final destination of a routing
  // header with segments left (RFC 8200 8.1), the fragment header, and a jumbogram's length.
  // Without extension headers (a 40-byte layer) there is none of those: the header object, whose
  // addresses as text cost more than the rest of a UDP header, is not needed.
  const h = ip.length > 40 ? (ip.header as { finalDst?: unknown; fragment?: { offset?: unknown; more?: unknown }; jumboLength?: unknown }) : NO_EXTENSIONS;
  const payloadLength = (bytes[at + 4]! << 8) | bytes[at + 5]!;
  const jumbo = typeof h.jumboLength === 'number' ? h.jumboLength : undefined;
  return new CarrierInPacket(
    6,
    bytes,
    at + 8,
    typeof h.finalDst === 'string' ? parseIpv6(h.finalDst) : undefined,
    payloadLength !== 0 ? at + 40 + payloadLength : jumbo !== undefined ? at + 40 + jumbo : undefined,
    h.fragment !== undefined && (h.fragment.offset !== 0 || h.fragment.more === true),
  );
}

/**
 * The carrier of a decoded packet: the addresses are views made when a checksum is verified (a
 * `subarray` costs more than the rest of a UDP header, and with checksums off none is read).
 */
class CarrierInPacket implements IpCarrier {
  readonly family: 4 | 6;
  readonly claimedEnd: number | undefined;
  readonly fragment: boolean;
  readonly #bytes: Uint8Array;
  /** Where the source address starts; the destination follows it. */
  readonly #at: number;
  /** The final destination of a source route, when it is not the header's destination. */
  readonly #finalDst: Uint8Array | undefined;

  constructor(family: 4 | 6, bytes: Uint8Array, at: number, finalDst: Uint8Array | undefined, claimedEnd: number | undefined, fragment: boolean) {
    this.family = family;
    this.#bytes = bytes;
    this.#at = at;
    this.#finalDst = finalDst;
    this.claimedEnd = claimedEnd;
    this.fragment = fragment;
  }

  get source(): Uint8Array {
    return this.#bytes.subarray(this.#at, this.#at + (this.family === 4 ? 4 : 16));
  }

  get destination(): Uint8Array {
    const size = this.family === 4 ? 4 : 16;
    return this.#finalDst ?? this.#bytes.subarray(this.#at + size, this.#at + 2 * size);
  }

  /**
   * What `pseudoHeaderSum(source, destination, protocol, length)` gives, read from the packet's
   * bytes without views; `undefined` for a final destination taken from a source route, or a
   * length out of the family's range (the general path names the problem).
   */
  pseudoSum(protocol: number, length: number): number | undefined {
    if (this.#finalDst !== undefined || !(length >= 0 && length <= (this.family === 4 ? 0xffff : 0xffffffff))) return undefined;
    const b = this.#bytes;
    let sum = protocol + (length >>> 16) + (length & 0xffff);
    // Source and destination lie one after the other: 8 bytes (IPv4) or 32 (IPv6) of 16-bit words.
    for (let i = this.#at, end = this.#at + (this.family === 4 ? 8 : 32); i < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    return sum;
  }
}

/** Addresses for the pseudo-header when encoding: from the nearest `ip`/`ipv6` layer outside. */
export function encodeCarrier(ctx: EncodeContext): { source: Uint8Array; destination: Uint8Array } | undefined {
  for (let i = ctx.outer.length - 1; i >= 0; i--) {
    const spec: LayerSpec = ctx.outer[i]!;
    if (spec.name !== 'ip' && spec.name !== 'ipv6') continue;
    const header = spec.header as { src?: unknown; dst?: unknown };
    if (typeof header.src !== 'string' || typeof header.dst !== 'string') return undefined;
    const parse = spec.name === 'ip' ? parseIpv4 : parseIpv6;
    return { source: parse(header.src), destination: parse(finalDestination(header) ?? header.dst) };
  }
  return undefined;
}

/**
 * An IPv6 input's final destination when it carries a routing header with segments left, for the
 * pseudo-header (RFC 8200 8.1), read from its `extensions` (type 43 with `routingType`,
 * `segmentsLeft` and `addresses`, the defaults as the ipv6 encoder writes them).
 */
function finalDestination(header: object): string | undefined {
  const extensions = (header as { extensions?: unknown }).extensions;
  if (!Array.isArray(extensions)) return undefined;
  for (const e of extensions as { type?: unknown; routingType?: unknown; segmentsLeft?: unknown; addresses?: unknown }[]) {
    if (e === null || typeof e !== 'object' || e.type !== 43 || !Array.isArray(e.addresses) || e.addresses.length === 0) continue;
    const list = e.addresses as unknown[];
    const type = e.routingType ?? 0;
    // The ipv6 encoder's default: every address left to visit (the SRH's first entry is the final one).
    const left = typeof e.segmentsLeft === 'number' ? e.segmentsLeft : type === 4 ? list.length - 1 : list.length;
    if (left === 0) continue;
    // Type 0 (RFC 5095) lists the hops in order, the final one last; type 2 (RFC 6275 6.4) holds
    // the home address; type 4 (SRH, RFC 8754 4.1) keeps the final segment first.
    const pick = type === 0 ? list[list.length - 1] : type === 2 || type === 4 ? list[0] : undefined;
    if (typeof pick === 'string') return pick;
  }
  return undefined;
}

/** The pseudo-header sum for a segment of `length` bytes of IP protocol `protocol`. */
export function carrierSum(carrier: { source: Uint8Array; destination: Uint8Array }, protocol: number, length: number): number {
  if (carrier instanceof CarrierInPacket) {
    const sum = carrier.pseudoSum(protocol, length);
    if (sum !== undefined) return sum;
  }
  return pseudoHeaderSum(carrier.source, carrier.destination, protocol, length);
}

/** Pseudo-header addresses for standalone encoding and decoding (`'192.0.2.1'`, `'2001:db8::1'` or bytes). */
export interface PseudoHeaderAddresses {
  src: string | Uint8Array;
  dst: string | Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function addressBytes(a: string | Uint8Array): Uint8Array {
  if (typeof a !== 'string') return a;
  return a.includes(':') ? parseIpv6(a) : parseIpv4(a);
}

/** Carrier for standalone use: the caller's addresses, or none. */
export function standaloneCarrier(addresses: PseudoHeaderAddresses | undefined): IpCarrier | undefined {
  if (addresses === undefined) return undefined;
  const source = addressBytes(addresses.src);
  return { family: source.length === 4 ? 4 : 6, source, destination: addressBytes(addresses.dst), claimedEnd: undefined, fragment: false };
}

/**
 * The checksum check of a whole segment: `status`, and the value the field should hold. Adding the
 * complement of the stored checksum to the sum cancels it (ones' complement arithmetic), so one
 * pass over the data gives both.
 */
export function verifyTransportChecksum(
  segment: Uint8Array,
  stored: number,
  carrier: { source: Uint8Array; destination: Uint8Array },
  protocol: number,
  length = segment.length,
): { status: ChecksumStatus; calculated: number } {
  const partial = onesComplementSum(segment, carrierSum(carrier, protocol, length));
  return {
    status: internetChecksum(EMPTY, partial) === 0 ? 'good' : 'bad',
    calculated: internetChecksum(EMPTY, partial + (~stored & 0xffff)),
  };
}

/** RFC 1624 over an address change, 32 bits at a time. */
export function addressAdjusted(checksum: number, oldAddress: Uint8Array, newAddress: Uint8Array, layer: string): number {
  if (oldAddress.length !== newAddress.length || (oldAddress.length !== 4 && oldAddress.length !== 16)) {
    throw new WireError('bad-value', `addresses must both be 4 or both 16 bytes, got ${oldAddress.length} and ${newAddress.length}`, { layer });
  }
  let c = checksum;
  for (let i = 0; i < oldAddress.length; i += 4) c = checksumUpdate(c, u32(oldAddress, i), u32(newAddress, i));
  return c;
}

