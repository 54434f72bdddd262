// The common-path walk of decodePacket: Ethernet, 802.1Q/802.1ad tags, IPv4 without options,
// IPv6 without extension headers, UDP and TCP, read straight from the bytes with no per-layer
// result objects. It takes a layer only when the layer is well formed — when the protocol's own
// `scan` would return no error, no truncation and no quote — and computes exactly what that scan
// computes (header length, payload end, next protocol); at the first layer it is not sure of, it
// stops and hands that layer to the generic loop, whose scans name every problem. So it adds no
// behaviour of its own: a differential test holds decodePacket with and without it equal on random
// and mutated packets.
import { LazyLayer } from './packet/packet.js';
import type { Layer, Protocol } from './packet/protocol.js';
import { ethernet } from './link/ethernet.js';
import { ieee8021ad, vlan } from './link/vlan.js';
import { ipv4 } from './network/ipv4.js';
import { ipv6 } from './network/ipv6.js';
import { isIpv6Extension } from './network/ipv6-extensions.js';
import { tcp } from './transport/tcp.js';
import { walkTcpOptions } from './transport/tcp-options.js';
import { udp } from './transport/udp.js';

/** A dissector table as the walk reads it: protocol by value. */
export interface ProtocolLookup {
  get(value: number): Protocol | undefined;
}

export interface WalkTables {
  readonly ethertype: ProtocolLookup;
  readonly ipProto: ProtocolLookup;
  readonly tcpPort: ProtocolLookup;
  readonly udpPort: ProtocolLookup;
  /** What takes a UDP payload no port claims (tshark's heuristic dissectors), if anything. */
  readonly udpHeuristic?: (bytes: Uint8Array, offset: number, end: number) => Protocol | undefined;
}

/** Where the walk stopped: the generic loop goes on from here (read at once after `walkCommon`). */
export const walked = { offset: 0, end: 0, protocol: undefined as Protocol | undefined };

/** Tags deeper than this are left to the generic loop (which caps layers at 32). */
const MAX_TAGS = 8;
/** IEEE 802.3: a type field up to 1500 is a length (LLC follows), not an ethertype. */
const MAX_8023_LENGTH = 1500;
const IPV6_NO_NEXT_HEADER = 59;

/**
 * Walks the layers it can take from `protocol` at offset 0, pushing a `LazyLayer` for each, as the
 * generic loop would (same offsets, lengths, state). `verifyMask` (from `verifyMaskOf`) says which
 * protocols' checksums are to be verified. Leaves in `walked` the offset, end and protocol the generic loop starts with
 * (protocol `undefined`: nothing follows).
 */
export function walkCommon(
  bytes: Uint8Array,
  first: Protocol | undefined,
  layers: Layer[],
  tables: WalkTables,
  verifyMask: number,
): void {
  let offset = 0;
  let end = bytes.length;
  let protocol = first;
  let tags = 0;
  while (protocol !== undefined) {
    const available = end - offset;
    let headerLength: number;
    let payloadEnd = end;
    let next: Protocol | undefined;
    let bit: number;
    if (protocol === ethernet || protocol === vlan || protocol === ieee8021ad) {
      const link = protocol === ethernet;
      headerLength = link ? 14 : 4;
      if (available < headerLength || (!link && ++tags > MAX_TAGS)) break;
      const type = (bytes[offset + headerLength - 2]! << 8) | bytes[offset + headerLength - 1]!;
      // An 802.3 length bounds the payload: left to the protocol's scan.
      if (type <= MAX_8023_LENGTH && protocol !== ieee8021ad) break;
      next = tables.ethertype.get(type);
      bit = link ? VERIFY_ETH : protocol === vlan ? VERIFY_VLAN : VERIFY_IEEE8021AD;
    } else if (protocol === ipv4) {
      // No options (IHL 5), a total length that covers the header and fits the capture.
      if (available < 20 || bytes[offset] !== 0x45) break;
      const total = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      if (total < 20 || total > available) break;
      headerLength = 20;
      payloadEnd = offset + total;
      // Only the first fragment carries the upper layer's header; later ones are opaque data.
      const fragmentOffset = ((bytes[offset + 6]! << 8) | bytes[offset + 7]!) & 0x1fff;
      if (fragmentOffset === 0) next = tables.ipProto.get(bytes[offset + 9]!);
      else next = undefined;
      bit = VERIFY_IP;
    } else if (protocol === ipv6) {
      // No extension headers, and a payload length within the capture (0 is left to the scan).
      if (available < 40 || bytes[offset]! >>> 4 !== 6) break;
      const payloadLength = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
      const nh = bytes[offset + 6]!;
      if (payloadLength === 0 || payloadLength > available - 40) break;
      // UDP, TCP and ICMPv6 first: the extension table is a sparse lookup.
      if (nh !== 17 && nh !== 6 && nh !== 58 && isIpv6Extension(nh)) break;
      headerLength = 40;
      payloadEnd = offset + 40 + payloadLength;
      next = nh === IPV6_NO_NEXT_HEADER ? undefined : tables.ipProto.get(nh);
      bit = VERIFY_IPV6;
    } else if (protocol === udp) {
      if (available < 8) break;
      const length = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
      // 0 (a jumbogram's) and lengths past the capture need the IP layer: left to the scan.
      if (length < 8 || length > available) break;
      headerLength = 8;
      payloadEnd = offset + length;
      next = length > 8 ? (byPorts(tables.udpPort, bytes, offset) ?? tables.udpHeuristic?.(bytes, offset + 8, Math.min(end, offset + length))) : undefined;
      bit = VERIFY_UDP;
    } else if (protocol === tcp) {
      if (available < 20) break;
      headerLength = (bytes[offset + 12]! >>> 4) * 4;
      if (headerLength < 20 || headerLength > available) break;
      if (headerLength > 20 && walkTcpOptions(bytes, offset + 20, offset + headerLength, false) !== undefined) break;
      next = end > offset + headerLength ? byPorts(tables.tcpPort, bytes, offset) : undefined;
      bit = VERIFY_TCP;
    } else {
      break;
    }
    const payloadOffset = offset + headerLength;
    layers.push(new LazyLayer(protocol, bytes, layers, offset, layers.length | ((verifyMask & bit) !== 0 ? LazyLayer.VERIFY : 0), headerLength, payloadOffset, payloadEnd - payloadOffset));
    offset = payloadOffset;
    end = payloadEnd;
    protocol = next;
  }
  walked.offset = offset;
  walked.end = end;
  walked.protocol = protocol;
}

/** tshark tries the lower port first, then the higher (as the TCP and UDP scans' `next` says). */
function byPorts(table: ProtocolLookup, bytes: Uint8Array, offset: number): Protocol | undefined {
  const src = (bytes[offset]! << 8) | bytes[offset + 1]!;
  const dst = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  return table.get(Math.min(src, dst)) ?? table.get(Math.max(src, dst));
}

/** Bits of the walk's `verifyMask`: which of its protocols verify checksums. */
export const VERIFY_ETH = 1;
export const VERIFY_VLAN = 2;
export const VERIFY_IP = 4;
export const VERIFY_IPV6 = 8;
export const VERIFY_UDP = 16;
export const VERIFY_TCP = 32;
export const VERIFY_IEEE8021AD = 64;

const MASK_BITS: readonly (readonly [Protocol, number])[] = [
  [ethernet, VERIFY_ETH],
  [vlan, VERIFY_VLAN],
  [ipv4, VERIFY_IP],
  [ipv6, VERIFY_IPV6],
  [udp, VERIFY_UDP],
  [tcp, VERIFY_TCP],
  [ieee8021ad, VERIFY_IEEE8021AD],
];

/** The walk's `verifyMask` for a checksum policy, from the same `shouldVerify` the generic loop asks per layer. */
export function verifyMaskOf(verify: (name: string) => boolean): number {
  let mask = 0;
  for (const [protocol, bit] of MASK_BITS) if (verify(protocol.name)) mask |= bit;
  return mask;
}
