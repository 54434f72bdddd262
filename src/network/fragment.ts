// IP fragmentation: splitting one datagram into pieces that fit a link's MTU, as a router does for
// IPv4 (RFC 791 section 3.2, "Fragmentation") and as a source host does for IPv6 (RFC 8200
// section 4.5). Each piece is a complete IP packet in its own buffer, ready to send or write to a
// capture; `IpDefragmenter` (defrag.ts) puts them back together.
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import { put16, put32, u16 } from '../packet/bytes.js';
import { walkIpv4Options } from './ipv4-options.js';
import { ipv6ExtensionLength } from './ipv6-extensions.js';

/** Fragment offsets count 8-octet units (RFC 791, RFC 8200): every piece but the last carries a multiple of 8 bytes. */
const UNIT = 8;
const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
const IPV6_FRAGMENT_HEADER = 8;
/** The Fragment header's next-header code (RFC 8200 section 4.5). */
const FRAGMENT = 44;
/** A crafted chain longer than this is not a packet anyone sends (the same bound as the IPv6 layer's). */
const MAX_EXTENSIONS = 16;

/** Options for `fragmentIpv4`. */
export interface FragmentIpv4Options {
  /**
   * Split even when Don't Fragment is set (the flag is kept in every piece). Off by default: a
   * router must not fragment such a datagram and answers with ICMP "fragmentation needed"
   * (RFC 791, RFC 1191), which `fragmentIpv4` models by throwing `fragmentation-needed`.
   */
  ignoreDontFragment?: boolean;
}

/** Options for `fragmentIpv6`. */
export interface FragmentIpv6Options {
  /**
   * The Fragment header's 32-bit identification. RFC 8200 section 4.5 wants it unique per
   * (source, destination) among recent datagrams and RFC 7739 unpredictable: the default is a
   * random value from `crypto.getRandomValues`. Ignored when the packet already has a Fragment
   * header (it is a fragment being split again: its identification is kept).
   */
  identification?: number;
}

function checkMtu(mtu: number, layer: string): void {
  if (!Number.isInteger(mtu) || mtu < 1 || mtu > 0xffffffff) {
    throw new WireError('bad-value', `MTU must be a positive integer, got ${mtu}`, { layer });
  }
}

/** The largest multiple of 8 that is at most `n`. */
function units(n: number): number {
  return n - (n % UNIT);
}

/**
 * The header of non-first fragments: the fixed 20 bytes and only the options whose copy flag
 * (bit 0x80 of the type) is set, RFC 791 section 3.1, padded with End of Option List (zeros) to
 * a multiple of 4. The options were validated by `walkIpv4Options`.
 */
function laterHeader(packet: Uint8Array, headerLength: number): Uint8Array {
  const copied: number[] = [];
  for (let at = IPV4_MIN_HEADER; at < headerLength; ) {
    const type = packet[at]!;
    if (type === 0) break; // End of Option List: the rest is padding
    if (type === 1) {
      at++; // NOP: copy flag 0, never copied
      continue;
    }
    const length = packet[at + 1]!;
    if ((type & 0x80) !== 0) for (let i = 0; i < length; i++) copied.push(packet[at + i]!);
    at += length;
  }
  const length = IPV4_MIN_HEADER + ((copied.length + 3) & ~3);
  const header = new Uint8Array(length);
  header.set(packet.subarray(0, IPV4_MIN_HEADER));
  header.set(copied, IPV4_MIN_HEADER);
  header[0] = (packet[0]! & 0xf0) | (length >>> 2);
  return header;
}

/** Writes one IPv4 fragment: `header` with its length, MF, offset and checksum set, then `data`. */
function ipv4Piece(header: Uint8Array, data: Uint8Array, offsetBytes: number, more: boolean): Uint8Array {
  const hl = header.length;
  const out = new Uint8Array(hl + data.length);
  out.set(header);
  out.set(data, hl);
  put16(out, 2, hl + data.length);
  // Keep the reserved and DF bits; MF and the offset are this piece's.
  put16(out, 6, (u16(header, 6) & 0xc000) | (more ? 0x2000 : 0) | (offsetBytes / UNIT));
  out[10] = 0;
  out[11] = 0;
  put16(out, 10, internetChecksum(out.subarray(0, hl)));
  return out;
}

/**
 * Splits an IPv4 datagram (starting at its header) into fragments that each fit `mtu` bytes
 * (RFC 791 section 3.2). A datagram that already fits is returned alone, as a copy.
 *
 * - Every fragment is a whole IPv4 packet: its own total length and header checksum, the
 *   datagram's identification, protocol, TTL and addresses; MF set on all but the last.
 * - Offsets count 8-byte units from the start of the *original* datagram: splitting a fragment
 *   again (offset > 0 or MF set) keeps them relative to it, and the last piece keeps MF when the
 *   input had it.
 * - The first fragment carries the header as it was, options included; later ones carry only the
 *   options whose copy flag (0x80) is set (RFC 791 section 3.1), padded to a 4-byte boundary.
 * - Bytes past the total length (link-layer padding) are ignored.
 *
 * Throws `WireError`: `fragmentation-needed` when Don't Fragment is set and the datagram does not
 * fit, with `mtu` the next-hop MTU an ICMP "fragmentation needed" (type 3 code 4, RFC 1191) would
 * carry; `bad-value` when `mtu` cannot carry the header and 8 bytes of data (RFC 791 requires
 * every link to carry 68 bytes: a 60-byte header and 8 bytes of data), or for malformed options;
 * `truncated`, `bad-version`, `bad-length` for a malformed packet.
 *
 * @example
 * const fragments = fragmentIpv4(encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, id: 7 }, udp), 1500);
 * fragments.map((f) => decodeIpv4(f).fragmentOffset); // [0, 185, 370] for 4000 bytes of UDP
 */
export function fragmentIpv4(packet: Uint8Array, mtu: number, options: FragmentIpv4Options = {}): Uint8Array[] {
  const layer = 'ipv4';
  checkMtu(mtu, layer);
  if (packet.length < IPV4_MIN_HEADER) {
    throw new WireError('truncated', `header needs 20 bytes, ${packet.length} given`, { layer, offset: 0, required: IPV4_MIN_HEADER, available: packet.length });
  }
  if (packet[0]! >>> 4 !== 4) throw new WireError('bad-version', `version is ${packet[0]! >>> 4}, expected 4`, { layer, offset: 0 });
  const hl = (packet[0]! & 0x0f) * 4;
  const total = u16(packet, 2);
  if (hl < IPV4_MIN_HEADER) throw new WireError('bad-length', `header length ${hl} is below the minimum 20`, { layer, offset: 0, required: 20, available: hl });
  if (total < hl) {
    throw new WireError('bad-length', `total length ${total} is less than the header length ${hl}`, { layer, offset: 2, required: hl, available: total });
  }
  if (total > packet.length) {
    throw new WireError('truncated', `total length ${total} exceeds the ${packet.length} bytes given`, { layer, offset: 2, required: total, available: packet.length });
  }
  // A copy even when given a Node Buffer, whose slice() is a view.
  if (total <= mtu) return [new Uint8Array(packet.subarray(0, total))];

  const word = u16(packet, 6);
  if ((word & 0x4000) !== 0 && !options.ignoreDontFragment) {
    throw new WireError('fragmentation-needed', `datagram of ${total} bytes has Don't Fragment set and the MTU is ${mtu}`, { layer, mtu });
  }
  if (mtu < hl + UNIT) {
    throw new WireError('bad-value', `MTU ${mtu} cannot carry the ${hl}-byte header and 8 bytes of data`, { layer, required: hl + UNIT, available: mtu });
  }
  const problem = walkIpv4Options(packet, IPV4_MIN_HEADER, hl);
  if (problem !== undefined) throw new WireError('bad-value', `bad options: ${problem.message}`, { layer, offset: problem.offset });

  const baseOffset = (word & 0x1fff) * UNIT;
  const inputMore = (word & 0x2000) !== 0;
  const data = packet.subarray(hl, total);
  if (baseOffset + data.length > 0xffff - IPV4_MIN_HEADER) {
    // A fragment whose end lies past what a 65,535-byte datagram can hold (a ping of death).
    throw new WireError('bad-length', `fragment at offset ${baseOffset} with ${data.length} bytes of data ends past the 65,535 bytes of a datagram`, {
      layer,
      offset: 6,
    });
  }
  const first = packet.subarray(0, hl);
  let later: Uint8Array | undefined;
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const header = at === 0 ? first : (later ??= laterHeader(packet, hl));
    const room = units(mtu - header.length);
    const last = data.length - at <= mtu - header.length;
    const size = last ? data.length - at : room;
    fragments.push(ipv4Piece(header, data.subarray(at, at + size), baseOffset + at, !last || inputMore));
    at += size;
  }
  return fragments;
}

/**
 * Where the per-fragment part of an IPv6 packet ends (RFC 8200 section 4.5): after the last
 * Routing header if there is one, else after a Hop-by-Hop Options header, else right after the
 * fixed header; or, for a packet that already has a Fragment header, where that header starts.
 * `nextHeaderAt` is the byte naming what follows the per-fragment part; `chainEnd` where the
 * extension chain ends (the upper-layer header starts) within the payload length.
 */
function ipv6Layout(packet: Uint8Array, end: number): { perFragmentEnd: number; nextHeaderAt: number; fragmentAt: number; chainEnd: number } {
  const layer = 'ipv6';
  let nh = packet[6]!;
  let nhAt = 6;
  let at = IPV6_HEADER;
  let perFragmentEnd = IPV6_HEADER;
  let nextHeaderAt = 6;
  let fragmentAt = -1;
  for (let count = 0; nh === 0 || nh === 43 || nh === 60 || nh === 51 || nh === FRAGMENT; count++) {
    if (count >= MAX_EXTENSIONS) throw new WireError('limit-exceeded', `more than ${MAX_EXTENSIONS} extension headers`, { layer, offset: at });
    if (at + 2 > end) throw new WireError('truncated', `extension header ${nh} at offset ${at} runs past the payload`, { layer, offset: at, required: at + 2, available: end });
    const length = ipv6ExtensionLength(nh, packet, at);
    if (at + length > end) {
      throw new WireError('truncated', `extension header ${nh} of ${length} bytes at offset ${at} runs past the payload`, { layer, offset: at, required: at + length, available: end });
    }
    if (nh === FRAGMENT) {
      // Already a fragment: what follows its Fragment header is data (headers only at offset 0).
      fragmentAt = at;
      perFragmentEnd = at;
      nextHeaderAt = nhAt;
      at += length;
      break;
    }
    if (nh === 43 || (nh === 0 && at === IPV6_HEADER)) {
      perFragmentEnd = at + length;
      nextHeaderAt = at;
    }
    nhAt = at;
    nh = packet[at]!;
    at += length;
  }
  return { perFragmentEnd, nextHeaderAt, fragmentAt, chainEnd: at };
}

function randomIdentification(): number {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return word[0]!;
}

/**
 * Splits an IPv6 packet (starting at its fixed header) into fragments of at most `mtu` bytes by
 * inserting a Fragment header (RFC 8200 section 4.5) after the per-fragment headers: the fixed
 * header plus Hop-by-Hop Options and everything up to a Routing header, when present. Each
 * fragment's payload length is its own; the per-fragment headers' last next-header says 44. A
 * packet that fits is returned alone, as a copy, without a Fragment header (RFC 8021: no atomic
 * fragments).
 *
 * IPv6 links carry at least 1280 bytes (RFC 8200 section 5), so real fragmentation uses an MTU
 * of 1280 or more; smaller ones are allowed (tests, tunnels) down to what carries the headers
 * and 8 bytes of data. A packet that already has a Fragment header is split again keeping its
 * identification and offsets relative to the original packet, with M on the last piece when the
 * input had it.
 *
 * Throws `WireError`: `bad-value` when `mtu` cannot carry the per-fragment headers, the
 * Fragment header and 8 bytes, or when the first fragment could not hold the whole extension
 * header chain (RFC 7112); `unsupported` for a jumbogram (RFC 2675 forbids fragmenting them);
 * `truncated`, `bad-version` for a malformed packet.
 *
 * @example
 * const fragments = fragmentIpv6(encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 }, udp), 1280, { identification: 0x1234 });
 * decodeIpv6(fragments[0]).fragment; // { offset: 0, more: true, id: 0x1234 }
 */
export function fragmentIpv6(packet: Uint8Array, mtu: number, options: FragmentIpv6Options = {}): Uint8Array[] {
  const layer = 'ipv6';
  checkMtu(mtu, layer);
  if (packet.length < IPV6_HEADER) {
    throw new WireError('truncated', `header needs 40 bytes, ${packet.length} given`, { layer, offset: 0, required: IPV6_HEADER, available: packet.length });
  }
  if (packet[0]! >>> 4 !== 6) throw new WireError('bad-version', `version is ${packet[0]! >>> 4}, expected 6`, { layer, offset: 0 });
  const payloadLength = u16(packet, 4);
  const end = IPV6_HEADER + payloadLength;
  if (end > packet.length) {
    throw new WireError('truncated', `payload length ${payloadLength} exceeds the ${packet.length - IPV6_HEADER} bytes given`, {
      layer,
      offset: 4,
      required: end,
      available: packet.length,
    });
  }
  if (payloadLength === 0 && packet[6] === 0) {
    throw new WireError('unsupported', 'a jumbogram (payload length 0) cannot be fragmented (RFC 2675 section 3)', { layer, offset: 4 });
  }
  if (end <= mtu) return [new Uint8Array(packet.subarray(0, end))];

  const { perFragmentEnd, nextHeaderAt, fragmentAt, chainEnd } = ipv6Layout(packet, end);
  let identification: number;
  let baseOffset = 0;
  let inputMore = false;
  let nextHeader: number;
  let dataStart: number;
  if (fragmentAt >= 0) {
    const word = u16(packet, fragmentAt + 2);
    baseOffset = word & 0xfff8;
    inputMore = (word & 1) === 1;
    identification = ((packet[fragmentAt + 4]! << 24) | (packet[fragmentAt + 5]! << 16) | u16(packet, fragmentAt + 6)) >>> 0;
    nextHeader = packet[fragmentAt]!;
    dataStart = fragmentAt + IPV6_FRAGMENT_HEADER;
  } else {
    const id = options.identification;
    if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id <= 0xffffffff)) {
      throw new WireError('bad-value', `identification must be an integer 0..0xffffffff, got ${id}`, { layer });
    }
    identification = id ?? randomIdentification();
    nextHeader = packet[nextHeaderAt]!;
    dataStart = perFragmentEnd;
  }
  const headerRoom = perFragmentEnd + IPV6_FRAGMENT_HEADER;
  if (mtu < headerRoom + UNIT) {
    throw new WireError('bad-value', `MTU ${mtu} cannot carry ${headerRoom} bytes of headers and 8 bytes of data`, { layer, required: headerRoom + UNIT, available: mtu });
  }
  const room = units(mtu - headerRoom);
  // RFC 7112: the first fragment holds the whole header chain, so a firewall sees the upper layer.
  if (baseOffset === 0 && chainEnd - dataStart > room) {
    throw new WireError('bad-value', `MTU ${mtu} cannot carry the ${chainEnd - dataStart} bytes of extension headers in the first fragment (RFC 7112)`, {
      layer,
      required: headerRoom + (chainEnd - dataStart),
      available: mtu,
    });
  }
  const perFragment = packet.subarray(0, perFragmentEnd);
  const data = packet.subarray(dataStart, end);
  if (perFragmentEnd - IPV6_HEADER + baseOffset + data.length > 0xffff) {
    throw new WireError('bad-length', `fragment at offset ${baseOffset} with ${data.length} bytes of data ends past the 65,535 bytes a payload length holds`, {
      layer,
      offset: fragmentAt + 2,
    });
  }
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const last = data.length - at <= mtu - headerRoom;
    const size = last ? data.length - at : room;
    const out = new Uint8Array(headerRoom + size);
    out.set(perFragment);
    out[nextHeaderAt] = FRAGMENT;
    put16(out, 4, headerRoom - IPV6_HEADER + size);
    const f = perFragmentEnd;
    out[f] = nextHeader;
    out[f + 1] = 0;
    put16(out, f + 2, (baseOffset + at) | (!last || inputMore ? 1 : 0));
    put32(out, f + 4, identification);
    out.set(data.subarray(at, at + size), headerRoom);
    fragments.push(out);
    at += size;
  }
  return fragments;
}
