// The batch walker: Ethernet -> 802.1Q/802.1ad tags -> ARP | IPv4 | IPv6 (+ extension headers) ->
// TCP | UDP | ICMP | ICMPv6, over many packets in one call, into the column chunks of layout.ts.
// Its twin is src/kernels/batch.ts; the two must agree column for column on any input.
//
// Every read is preceded by a check against the bytes available to its layer: the record's captured
// length, or less when a lower layer's length field trims it. A packet never reads past its record,
// whatever its fields say. Where a check fails the row gets a status, the layer and offset of the
// problem, and the undecoded rest as its payload (as decodePacket leaves it); columns of layers
// decoded so far stay filled, and the next packet goes on.

import { be16, be32, fold16, headerSum, u8at } from "./bytes";
import { inetSum } from "../checksum/internet";
import {
  CHUNK, PAD, CHUNK_BYTES, U16_BASE, U8_BASE, U32_COLUMNS, U16_COLUMNS, U8_COLUMNS,
  U32_PAYLOAD_LENGTH, U32_IP_SRC, U32_IP_DST, U32_IPV6_INDEX, U32_IP_ID, U32_TCP_SEQ, U32_TCP_ACK,
  U32_TCP_TSVAL, U32_TCP_TSECR,
  U16_ERROR_OFFSET, U16_LAYERS, U16_LINK_TYPE, U16_L3_OFFSET, U16_L4_OFFSET, U16_PAYLOAD_OFFSET,
  U16_ETHERTYPE, U16_VLAN_OUTER, U16_VLAN_INNER, U16_IP_LENGTH, U16_FRAG_OFFSET, U16_SRC_PORT,
  U16_DST_PORT, U16_TCP_FLAGS, U16_TCP_WINDOW, U16_TCP_MSS, U16_UDP_LENGTH, U16_ARP_OPCODE,
  U8_STATUS, U8_ERROR_LAYER, U8_VLAN_COUNT, U8_VLAN_TPIDS, U8_IP_VERSION, U8_PROTOCOL,
  U8_IP_NEXT_HEADER, U8_TTL, U8_IP_FLAGS, U8_TCP_HEADER_LENGTH, U8_TCP_OPTIONS,
  U8_TCP_WINDOW_SCALE, U8_TCP_SACK_BLOCKS, U8_ICMP_TYPE, U8_ICMP_CODE, U8_IP_CHECKSUM,
  U8_L4_CHECKSUM,
  TRUNCATED, BAD_LENGTH, BAD_VERSION, UNSUPPORTED, LIMIT_EXCEEDED,
  AT_FRAME, AT_ETH, AT_VLAN, AT_ARP, AT_IP, AT_IPV6, AT_IPV6_EXT, AT_TCP, AT_UDP, AT_ICMP, AT_ICMPV6,
  HAS_ETH, HAS_VLAN, HAS_ARP, HAS_IPV4, HAS_IPV6, HAS_IPV6_EXT, HAS_FRAGMENT, HAS_TCP, HAS_UDP,
  HAS_ICMP, HAS_ICMPV6, PAYLOAD_CUT, ARP_IPV4, HAS_IPV6_FRAGMENT_HEADER, U16_IP_CHECKSUM_VALUE, U16_L4_CHECKSUM_VALUE,
  OPT_MSS, OPT_WINDOW_SCALE, OPT_SACK_PERMITTED, OPT_TIMESTAMPS, OPT_SACK, OPT_MALFORMED,
  VERIFY_L4, MAX_VLAN_TAGS, MAX_IPV6_EXTENSIONS,
} from "./layout";

const GOOD: u8 = 1;
const BAD: u8 = 2;
/** Linux cooked captures, v1 and v2 (what `tcpdump -i any` writes). */
const LINKTYPE_SLL: u32 = 113;
const LINKTYPE_SLL2: u32 = 276;

/** Where the next IPv6 row's 32 address bytes go, and how many rows have gone there. */
let v6Pool: usize = 0;
let v6Count: u32 = 0;

/** Starts a call's IPv6 address pool at `ptr` (decodeBatch and the capture walker do it first). */
export function startIpv6Pool(ptr: usize): void {
  v6Pool = ptr;
  v6Count = 0;
}

/** IPv6 rows written since startIpv6Pool. */
export function ipv6Rows(): u32 {
  return v6Count;
}

/**
 * Records a problem at byte `at` of the packet; the bytes from there to `end` (what the failing layer
 * could see) are the row's payload, and `layers` what was decoded before it.
 */
// @ts-ignore: decorator
@inline function fail(r32: usize, r16: usize, r8: usize, layers: u32, code: u8, layer: u8, at: u32, end: u32): void {
  store<u8>(r8, code, U8_STATUS);
  store<u8>(r8, layer, U8_ERROR_LAYER);
  store<u16>(r16, <u16>at, U16_ERROR_OFFSET);
  store<u16>(r16, <u16>layers, U16_LAYERS);
  store<u16>(r16, <u16>at, U16_PAYLOAD_OFFSET);
  store<u32>(r32, end - at, U32_PAYLOAD_LENGTH);
}

/**
 * Why a header of `need` bytes at `at` does not fit: the capture ended (truncated), or it fits the
 * captured bytes but not the length a lower layer declared (bad-length: a length field lies).
 */
// @ts-ignore: decorator
@inline function shortfall(at: u32, need: u32, len: u32): u8 {
  return need > len - at ? TRUNCATED : BAD_LENGTH;
}

/** The payload: from `at` to the declared end, cut to the captured `len` (then flagged). */
// @ts-ignore: decorator
@inline function finish(r32: usize, r16: usize, layers: u32, at: u32, declEnd: u32, len: u32): void {
  let end = declEnd;
  if (end > len) {
    end = len;
    layers |= PAYLOAD_CUT;
  }
  store<u16>(r16, <u16>layers, U16_LAYERS);
  store<u16>(r16, <u16>at, U16_PAYLOAD_OFFSET);
  store<u32>(r32, end - at, U32_PAYLOAD_LENGTH);
}

// @ts-ignore: decorator
@inline function isVlanTpid(t: u32): bool {
  return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

// @ts-ignore: decorator
@inline function isIpv6Extension(nh: u32): bool {
  // hop-by-hop 0, routing 43, fragment 44, AH 51, destination options 60 (ESP 50 ends the walk:
  // what follows it is encrypted)
  return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/**
 * TCP options between l4 + 20 and l4 + hdrLen, summarised. A known option with the wrong length, or
 * a length running past the header, marks the list malformed; parsing stops at the latter only.
 * A repeated option overwrites the earlier value.
 */
function tcpOptions(p: usize, from: u32, to: u32, r32: usize, r16: usize, r8: usize): void {
  let flags: u32 = 0;
  let q = from;
  while (q < to) {
    const kind = u8at(p + q);
    if (kind == 0) break;
    if (kind == 1) {
      q++;
      continue;
    }
    if (to - q < 2) {
      flags |= OPT_MALFORMED;
      break;
    }
    const olen = u8at(p + q + 1);
    if (olen < 2 || olen > to - q) {
      flags |= OPT_MALFORMED;
      break;
    }
    const o = p + q;
    if (kind == 2) {
      if (olen == 4) {
        store<u16>(r16, <u16>be16(o + 2), U16_TCP_MSS);
        flags |= OPT_MSS;
      } else flags |= OPT_MALFORMED;
    } else if (kind == 3) {
      if (olen == 3) {
        store<u8>(r8, load<u8>(o + 2), U8_TCP_WINDOW_SCALE);
        flags |= OPT_WINDOW_SCALE;
      } else flags |= OPT_MALFORMED;
    } else if (kind == 4) {
      if (olen == 2) flags |= OPT_SACK_PERMITTED;
      else flags |= OPT_MALFORMED;
    } else if (kind == 5) {
      if (olen >= 10 && ((olen - 2) & 7) == 0) {
        store<u8>(r8, <u8>((olen - 2) >>> 3), U8_TCP_SACK_BLOCKS);
        flags |= OPT_SACK;
      } else flags |= OPT_MALFORMED;
    } else if (kind == 8) {
      if (olen == 10) {
        store<u32>(r32, be32(o + 2), U32_TCP_TSVAL);
        store<u32>(r32, be32(o + 6), U32_TCP_TSECR);
        flags |= OPT_TIMESTAMPS;
      } else flags |= OPT_MALFORMED;
    }
    q += olen;
  }
  store<u8>(r8, <u8>flags, U8_TCP_OPTIONS);
}

/**
 * The upper layer at l4. `declEnd` is where the IP layer says its payload ends (possibly past the
 * capture), `len` the captured length. `pseudo` is the folded sum of the pseudo-header's addresses;
 * `verify` is false when the L4 checksum cannot or should not be checked (option off, a fragment).
 * `v6`: carried by IPv6.
 */
// @ts-ignore: decorator
@inline function transport(
  p: usize, l4: u32, declEnd: u32, len: u32, proto: u32, layers: u32,
  verify: bool, v6: bool, pseudo: u32, r32: usize, r16: usize, r8: usize, fragment: bool,
): void {
  const end = declEnd < len ? declEnd : len;
  // The whole segment is there to sum, and (IPv4) its length fits the pseudo-header's 16 bits.
  const whole = declEnd <= len && (v6 || declEnd - l4 <= 0xffff);
  if (proto == 6) {
    if (end - l4 < 20) {
      fail(r32, r16, r8, layers, shortfall(l4, 20, len), AT_TCP, l4, end);
      return;
    }
    const t = p + l4;
    // One load each for ports, and for data offset + flags + window.
    const ctl = be32(t + 12);
    const hdrLen = (ctl >>> 28) << 2;
    if (hdrLen < 20) {
      fail(r32, r16, r8, layers, BAD_LENGTH, AT_TCP, l4, end);
      return;
    }
    if (end - l4 < hdrLen) {
      fail(r32, r16, r8, layers, shortfall(l4, hdrLen, len), AT_TCP, l4, end);
      return;
    }
    const ports = be32(t);
    store<u16>(r16, <u16>(ports >>> 16), U16_SRC_PORT);
    store<u16>(r16, <u16>ports, U16_DST_PORT);
    store<u32>(r32, be32(t + 4), U32_TCP_SEQ);
    store<u32>(r32, be32(t + 8), U32_TCP_ACK);
    store<u16>(r16, <u16>((ctl >>> 16) & 0xfff), U16_TCP_FLAGS);
    store<u16>(r16, <u16>ctl, U16_TCP_WINDOW);
    store<u8>(r8, <u8>hdrLen, U8_TCP_HEADER_LENGTH);
    store<u16>(r16, <u16>be16(t + 16), U16_L4_CHECKSUM_VALUE);
    if (hdrLen == 32 && load<u32>(t + 20) == 0x0a080101) {
      // NOP, NOP, Timestamps (RFC 7323 appendix A's layout): what nearly every segment of a
      // connection with timestamps carries, so it skips the general option walk.
      store<u32>(r32, be32(t + 24), U32_TCP_TSVAL);
      store<u32>(r32, be32(t + 28), U32_TCP_TSECR);
      store<u8>(r8, OPT_TIMESTAMPS, U8_TCP_OPTIONS);
    } else if (hdrLen > 20) {
      tcpOptions(p, l4 + 20, l4 + hdrLen, r32, r16, r8);
    }
    if (verify && whole) {
      const n = declEnd - l4;
      const s = fold16(<u64>inetSum(t, n) + pseudo + 6 + n);
      store<u8>(r8, s == 0xffff ? GOOD : BAD, U8_L4_CHECKSUM);
    }
    finish(r32, r16, layers | HAS_TCP, l4 + hdrLen, declEnd, len);
  } else if (proto == 17) {
    if (end - l4 < 8) {
      fail(r32, r16, r8, layers, shortfall(l4, 8, len), AT_UDP, l4, end);
      return;
    }
    const u = p + l4;
    const ports = be32(u);
    const lc = be32(u + 4);
    let ulen = lc >>> 16;
    const c = lc & 0xffff;
    store<u16>(r16, <u16>(ports >>> 16), U16_SRC_PORT);
    store<u16>(r16, <u16>ports, U16_DST_PORT);
    store<u16>(r16, <u16>ulen, U16_UDP_LENGTH);
    store<u16>(r16, <u16>c, U16_L4_CHECKSUM_VALUE);
    layers |= HAS_UDP;
    // RFC 768: zero means the sender computed none (IPv4); RFC 8200 section 8.1 makes the checksum
    // mandatory over IPv6, where zero is an error whatever the options say.
    if (c == 0 && v6) store<u8>(r8, BAD, U8_L4_CHECKSUM);
    let lie = false;
    if (ulen == 0 && v6) {
      // RFC 2675 section 4: zero stands for a jumbogram's length, but IP gives this one fewer than
      // 65536 bytes (no jumbograms here): an error, with IP's length used for the rest.
      ulen = declEnd - l4;
      lie = true;
    } else if (ulen < 8 || (l4 + ulen > declEnd && !fragment)) {
      // A fragment carries only part of the datagram, so its UDP length may exceed the IP payload.
      fail(r32, r16, r8, layers, BAD_LENGTH, AT_UDP, l4, end);
      store<u16>(r16, <u16>(l4 + 8), U16_PAYLOAD_OFFSET);
      store<u32>(r32, end - l4 - 8, U32_PAYLOAD_LENGTH);
      return;
    }
    const udpEnd = l4 + ulen;
    if (verify && c != 0 && udpEnd <= len && (v6 || ulen <= 0xffff)) {
      const s = fold16(<u64>inetSum(u, ulen) + pseudo + 17 + ulen);
      store<u8>(r8, s == 0xffff ? GOOD : BAD, U8_L4_CHECKSUM);
    }
    finish(r32, r16, layers, l4 + 8, udpEnd < declEnd ? udpEnd : declEnd, len);
    if (lie) {
      store<u8>(r8, BAD_LENGTH, U8_STATUS);
      store<u8>(r8, AT_UDP, U8_ERROR_LAYER);
      store<u16>(r16, <u16>l4, U16_ERROR_OFFSET);
    }
  } else if (proto == 1 || proto == 58) {
    const icmpv6 = proto == 58;
    // Type, code and checksum are common to every message; most types have 4 more fixed bytes.
    if (end - l4 < 4) {
      fail(r32, r16, r8, layers, shortfall(l4, 4, len), icmpv6 ? AT_ICMPV6 : AT_ICMP, l4, end);
      return;
    }
    const w = be32(p + l4);
    store<u8>(r8, <u8>(w >>> 24), U8_ICMP_TYPE);
    store<u8>(r8, <u8>(w >>> 16), U8_ICMP_CODE);
    store<u16>(r16, <u16>w, U16_L4_CHECKSUM_VALUE);
    // ICMPv6 covers an IPv6 pseudo-header (RFC 4443 section 2.3), so over IPv4 it cannot be checked.
    if (verify && declEnd <= len && (v6 || !icmpv6)) {
      const n = declEnd - l4;
      const extra: u64 = icmpv6 ? <u64>pseudo + 58 + n : 0;
      const s = fold16(<u64>inetSum(p + l4, n) + extra);
      store<u8>(r8, s == 0xffff ? GOOD : BAD, U8_L4_CHECKSUM);
    }
    layers |= icmpv6 ? HAS_ICMPV6 : HAS_ICMP;
    if (end - l4 < 8) {
      fail(r32, r16, r8, layers, shortfall(l4, 8, len), icmpv6 ? AT_ICMPV6 : AT_ICMP, l4, end);
      return;
    }
    finish(r32, r16, layers, l4 + 8, declEnd, len);
  } else {
    finish(r32, r16, layers, l4, declEnd, len);
  }
}

/**
 * The last address of the first loose or strict source route option (131, 137) whose pointer says
 * hops remain (4 <= pointer <= length, a multiple of 4), else `dst`. Options are walked only within
 * the header's `ihl` bytes, which are all captured.
 */
function sourceRouteDestination(h: usize, ihl: u32, dst: u32): u32 {
  let q: u32 = 20;
  while (q < ihl) {
    const kind = u8at(h + q);
    if (kind == 0) break;
    if (kind == 1) {
      q++;
      continue;
    }
    if (ihl - q < 2) break;
    const olen = u8at(h + q + 1);
    if (olen < 2 || olen > ihl - q) break;
    if (kind == 131 || kind == 137) {
      const ptr = olen >= 3 ? u8at(h + q + 2) : 0;
      return ptr >= 4 && (ptr & 3) == 0 && ptr <= olen ? be32(h + q + olen - 4) : dst;
    }
    q += olen;
  }
  return dst;
}

// @ts-ignore: decorator
@inline function ipv4(p: usize, l3: u32, len: u32, layers: u32, flags: u32, r32: usize, r16: usize, r8: usize): void {
  if (len - l3 < 20) {
    fail(r32, r16, r8, layers, TRUNCATED, AT_IP, l3, len);
    return;
  }
  const h = p + l3;
  // Three loads cover the fixed fields: version/IHL/TOS/total length, id/flags/offset, TTL/protocol.
  const w0 = be32(h);
  if (w0 >>> 28 != 4) {
    fail(r32, r16, r8, layers, BAD_VERSION, AT_IP, l3, len);
    return;
  }
  const ihl = (w0 >>> 22) & 0x3c;
  if (ihl < 20) {
    fail(r32, r16, r8, layers, BAD_LENGTH, AT_IP, l3, len);
    return;
  }
  let total = w0 & 0xffff;
  const w1 = be32(h + 4);
  const fw = w1 & 0xffff;
  const w2 = be32(h + 8);
  const proto = (w2 >>> 16) & 0xff;
  const src = be32(h + 12);
  const dst = be32(h + 16);
  const fragOffset = fw & 0x1fff;
  const l4 = l3 + ihl;
  store<u8>(r8, 4, U8_IP_VERSION);
  store<u32>(r32, w1 >>> 16, U32_IP_ID);
  store<u8>(r8, <u8>(fw >>> 13), U8_IP_FLAGS);
  store<u16>(r16, <u16>fragOffset, U16_FRAG_OFFSET);
  store<u8>(r8, <u8>(w2 >>> 24), U8_TTL);
  store<u8>(r8, <u8>proto, U8_IP_NEXT_HEADER);
  store<u8>(r8, <u8>proto, U8_PROTOCOL);
  store<u16>(r16, <u16>w2, U16_IP_CHECKSUM_VALUE);
  store<u32>(r32, src, U32_IP_SRC);
  store<u32>(r32, dst, U32_IP_DST);
  store<u16>(r16, <u16>l3, U16_L3_OFFSET);
  store<u16>(r16, <u16>l4, U16_L4_OFFSET);
  layers |= HAS_IPV4;
  // TCP segmentation offload: the NIC fills the length in later, so captures on the sending host
  // show 0; tshark then takes the captured length, and so do we.
  if (total == 0) total = len - l3;
  store<u16>(r16, <u16>(total < 0xffff ? total : 0xffff), U16_IP_LENGTH);
  // The fixed fields are decoded from here on, whatever the lengths say next.
  if (len - l3 < ihl) {
    fail(r32, r16, r8, layers, TRUNCATED, AT_IP, l3, len);
    return;
  }
  store<u8>(r8, headerSum(h, ihl) == 0xffff ? GOOD : BAD, U8_IP_CHECKSUM);
  if (total < ihl) {
    fail(r32, r16, r8, layers, BAD_LENGTH, AT_IP, l3, len);
    return;
  }
  const declEnd = l3 + total;
  // MF set or a non-zero offset: a fragment. Only the first one (offset 0) starts with the L4 header.
  const fragment = (fw & 0x3fff) != 0;
  if (fragment) layers |= HAS_FRAGMENT;
  if (fragOffset != 0) {
    finish(r32, r16, layers, l4, declEnd, len);
    return;
  }
  const verify = (flags & VERIFY_L4) != 0 && !fragment;
  // A source route still under way names the final destination in its option, and that is the
  // destination the pseudo-header covers (RFC 9293 section 3.1; tshark does the same).
  const final = verify && ihl > 20 ? sourceRouteDestination(h, ihl, dst) : dst;
  const pseudo = fold16(<u64>(src >>> 16) + (src & 0xffff) + (final >>> 16) + (final & 0xffff));
  transport(p, l4, declEnd, len, proto, layers, verify, false, pseudo, r32, r16, r8, fragment);
}

function ipv6(p: usize, l3: u32, len: u32, layers: u32, flags: u32, r32: usize, r16: usize, r8: usize): void {
  if (len - l3 < 40) {
    fail(r32, r16, r8, layers, TRUNCATED, AT_IPV6, l3, len);
    return;
  }
  const h = p + l3;
  if (u8at(h) >>> 4 != 6) {
    fail(r32, r16, r8, layers, BAD_VERSION, AT_IPV6, l3, len);
    return;
  }
  const plen = be16(h + 4);
  let nh = u8at(h + 6);
  store<u8>(r8, 6, U8_IP_VERSION);
  store<u16>(r16, <u16>plen, U16_IP_LENGTH);
  store<u8>(r8, <u8>nh, U8_IP_NEXT_HEADER);
  store<u8>(r8, load<u8>(h + 7), U8_TTL);
  store<u16>(r16, <u16>l3, U16_L3_OFFSET);
  const slot = v6Pool + (<usize>v6Count << 5);
  if (ASC_FEATURE_SIMD) {
    v128.store(slot, v128.load(h + 8));
    v128.store(slot, v128.load(h + 24), 16);
  } else {
    store<u64>(slot, load<u64>(h + 8));
    store<u64>(slot, load<u64>(h + 16), 8);
    store<u64>(slot, load<u64>(h + 24), 16);
    store<u64>(slot, load<u64>(h + 32), 24);
  }
  store<u32>(r32, v6Count++, U32_IPV6_INDEX);
  layers |= HAS_IPV6;
  const declEnd = l3 + 40 + plen;
  const end = declEnd < len ? declEnd : len;
  let pos = l3 + 40;
  let fragOffset: u32 = 0;
  let fragment = false;
  // The first routing header with segments left names the final destination, which the
  // pseudo-header covers instead of the header's (RFC 8200 section 8.1): type 0 its last address,
  // types 2 (RFC 6275) and 4 (RFC 8754, segment list final-first) their first.
  let finalDst: usize = h + 24;
  for (let n: u32 = 0; isIpv6Extension(nh); n++) {
    if (n == MAX_IPV6_EXTENSIONS) {
      fail(r32, r16, r8, layers, LIMIT_EXCEEDED, AT_IPV6_EXT, pos, end);
      return;
    }
    let hl: u32;
    if (nh == 44) {
      // RFC 8200 section 4.5: next header, reserved, offset (13 bits) | res | M, identification.
      hl = 8;
      if (end - pos < 8) {
        fail(r32, r16, r8, layers, shortfall(pos, 8, len), AT_IPV6_EXT, pos, end);
        return;
      }
      const fw = be16(p + pos + 2);
      fragOffset = fw >>> 3;
      // An atomic fragment (offset 0, M clear; RFC 6946) is a whole packet.
      fragment = (fw & 0xfff9) != 0;
      store<u32>(r32, be32(p + pos + 4), U32_IP_ID);
      store<u16>(r16, <u16>fragOffset, U16_FRAG_OFFSET);
      store<u8>(r8, <u8>(fw & 1), U8_IP_FLAGS);
      layers |= HAS_IPV6_FRAGMENT_HEADER;
      if (fragment) layers |= HAS_FRAGMENT;
    } else {
      if (end - pos < 2) {
        fail(r32, r16, r8, layers, shortfall(pos, 2, len), AT_IPV6_EXT, pos, end);
        return;
      }
      // AH counts its length in 4-byte units minus 2 (RFC 4302); the others in 8-byte units minus 1.
      hl = nh == 51 ? (u8at(p + pos + 1) + 2) << 2 : (u8at(p + pos + 1) + 1) << 3;
      if (end - pos < hl) {
        fail(r32, r16, r8, layers, shortfall(pos, hl, len), AT_IPV6_EXT, pos, end);
        return;
      }
      if (nh == 43 && u8at(p + pos + 3) != 0 && finalDst == h + 24) {
        const type = u8at(p + pos + 2);
        const n = (hl - 8) >>> 4;
        if (n > 0 && type == 0) finalDst = p + pos + 8 + ((n - 1) << 4);
        else if (n > 0 && (type == 2 || type == 4)) finalDst = p + pos + 8;
      }
    }
    nh = u8at(p + pos);
    pos += hl;
    layers |= HAS_IPV6_EXT;
    // After the fragment header of a non-first fragment comes fragment data, not headers.
    if (fragOffset != 0) break;
  }
  store<u8>(r8, <u8>nh, U8_PROTOCOL);
  store<u16>(r16, <u16>pos, U16_L4_OFFSET);
  if (fragOffset != 0) {
    finish(r32, r16, layers, pos, declEnd, len);
    return;
  }
  const pseudo = fold16(<u64>inetSum(h + 8, 16) + inetSum(finalDst, 16));
  transport(p, pos, declEnd, len, nh, layers, (flags & VERIFY_L4) != 0 && !fragment, true, pseudo, r32, r16, r8, fragment);
}

// @ts-ignore: decorator
@inline function arp(p: usize, at: u32, len: u32, layers: u32, r32: usize, r16: usize, r8: usize): void {
  if (len - at < 8) {
    fail(r32, r16, r8, layers, TRUNCATED, AT_ARP, at, len);
    return;
  }
  const a = p + at;
  const hlen = u8at(a + 4);
  const plen = u8at(a + 5);
  const size: u32 = 8 + ((hlen + plen) << 1);
  if (len - at < size) {
    fail(r32, r16, r8, layers, TRUNCATED, AT_ARP, at, len);
    return;
  }
  store<u16>(r16, <u16>be16(a + 6), U16_ARP_OPCODE);
  store<u16>(r16, <u16>at, U16_L3_OFFSET);
  // IPv4 sender and target protocol addresses go to the IPv4 address columns: protocol type IPv4
  // (or AX.25's PID for IP, 0xcc) of size 4, except in ATM ARP (hardware type 19, RFC 2225), whose
  // layout differs.
  const ptype = be16(a + 2);
  if ((ptype == 0x0800 || ptype == 0xcc) && plen == 4 && be16(a) != 19) {
    store<u32>(r32, be32(a + 8 + hlen), U32_IP_SRC);
    store<u32>(r32, be32(a + 12 + (hlen << 1)), U32_IP_DST);
    layers |= ARP_IPV4;
  }
  // Whatever follows the message is Ethernet padding, never payload.
  finish(r32, r16, layers | HAS_ARP, at + size, at + size, len);
}

/** IPv4 as a call, for raw-IP link types: the Ethernet path keeps the one inlined copy. */
function ipv4Call(p: usize, l3: u32, len: u32, layers: u32, flags: u32, r32: usize, r16: usize, r8: usize): void {
  ipv4(p, l3, len, layers, flags, r32, r16, r8);
}

/**
 * What follows an ethertype `type` read just before `pos`: any stack of 802.1Q/802.1ad/0x9100 tags,
 * then IPv4, IPv6, ARP or an opaque payload. `layers` holds the link layer's bit (ETH, or none for
 * a Linux cooked header).
 */
// @ts-ignore: decorator
@inline function afterEthertype(p: usize, type: u32, pos: u32, len: u32, layers: u32, flags: u32, r32: usize, r16: usize, r8: usize): void {
  let tpid: u32 = 0;
  const link = layers;
  if (isVlanTpid(type)) {
    // 802.1Q (0x8100), 802.1ad (0x88a8) and the pre-standard 0x9100 S-tag, stacked in any order.
    let n: u32 = 0;
    let tpids: u32 = 0;
    layers |= HAS_VLAN;
    do {
      if (n == MAX_VLAN_TAGS || len - pos < 4) {
        store<u8>(r8, <u8>n, U8_VLAN_COUNT);
        store<u8>(r8, <u8>tpids, U8_VLAN_TPIDS);
        store<u16>(r16, <u16>type, U16_ETHERTYPE);
        fail(r32, r16, r8, n == 0 ? link : layers, n == MAX_VLAN_TAGS ? LIMIT_EXCEEDED : TRUNCATED, AT_VLAN, pos, len);
        return;
      }
      const tci = be16(p + pos);
      if (n == 0) store<u16>(r16, <u16>tci, U16_VLAN_OUTER);
      else if (n == 1) store<u16>(r16, <u16>tci, U16_VLAN_INNER);
      if (n < 4) tpids |= (type == 0x8100 ? 1 : type == 0x88a8 ? 2 : 3) << (n << 1);
      tpid = type;
      type = be16(p + pos + 2);
      pos += 4;
      n++;
    } while (isVlanTpid(type));
    store<u8>(r8, <u8>n, U8_VLAN_COUNT);
    store<u8>(r8, <u8>tpids, U8_VLAN_TPIDS);
  }
  store<u16>(r16, <u16>type, U16_ETHERTYPE);
  if (type == 0x0800) ipv4(p, pos, len, layers, flags, r32, r16, r8);
  else if (type == 0x86dd) ipv6(p, pos, len, layers, flags, r32, r16, r8);
  else if (type == 0x0806) arp(p, pos, len, layers, r32, r16, r8);
  // Up to 1500 it is an 802.3 length, which bounds the payload (LLC; not decoded here), except
  // after an 802.1ad tag: Wireshark reads any type there as an ethertype.
  else finish(r32, r16, layers, pos, type <= 1500 && tpid != 0x88a8 ? pos + type : len, len);
}

// @ts-ignore: decorator
@inline export function decodeRow(p: usize, len: u32, linkType: u32, flags: u32, r32: usize, r16: usize, r8: usize): void {
  store<u16>(r16, <u16>linkType, U16_LINK_TYPE);
  if (linkType == 1) {
    if (len < 14) {
      fail(r32, r16, r8, 0, TRUNCATED, AT_ETH, 0, len);
      return;
    }
    afterEthertype(p, be16(p + 12), 14, len, HAS_ETH, flags, r32, r16, r8);
  } else if (linkType == LINKTYPE_SLL || linkType == LINKTYPE_SLL2) {
    // Linux cooked capture (tcpdump -i any), v1 (16 bytes) or v2 (20): a protocol above 1536 is an
    // ethertype, except on netlink (ARPHRD 824) and for GRE's bridged Ethernet (ARPHRD 778, 0x6558);
    // Linux protocol numbers and those cases stay opaque here (decodePacket goes on into some).
    const v1 = linkType == LINKTYPE_SLL;
    const header: u32 = v1 ? 16 : 20;
    if (len < header) {
      fail(r32, r16, r8, 0, TRUNCATED, AT_FRAME, 0, len);
      return;
    }
    const protocol = be16(p + (v1 ? 14 : 0));
    const hatype = be16(p + (v1 ? 2 : 8));
    if (protocol > 1536 && hatype != 824 && !(hatype == 778 && protocol == 0x6558)) afterEthertype(p, protocol, header, len, 0, flags, r32, r16, r8);
    else finish(r32, r16, 0, header, len, len);
  } else if (linkType == 101 || linkType == 12 || linkType == 14) {
    // Raw IP has no link header: the version nibble says which IP it is. 12 and 14 are DLT_RAW's
    // platform numbers, found as the link type of older files (Wireshark reads them as raw IP).
    if (len == 0) {
      fail(r32, r16, r8, 0, TRUNCATED, AT_IP, 0, 0);
      return;
    }
    const version = u8at(p) >>> 4;
    if (version == 4) ipv4Call(p, 0, len, 0, flags, r32, r16, r8);
    else if (version == 6) ipv6(p, 0, len, 0, flags, r32, r16, r8);
    else fail(r32, r16, r8, 0, BAD_VERSION, AT_IP, 0, len);
  } else if (linkType == 228) {
    ipv4Call(p, 0, len, 0, flags, r32, r16, r8);
  } else if (linkType == 229) {
    ipv6(p, 0, len, 0, flags, r32, r16, r8);
  } else {
    fail(r32, r16, r8, 0, UNSUPPORTED, AT_FRAME, 0, len);
  }
}

/** resetChunk for rows [from, from + rows) of a chunk. */
export function resetRows(base: usize, from: usize, rows: usize): void {
  for (let k: usize = 0; k < U32_COLUMNS; k++) memory.fill(base + k * (4 * CHUNK + PAD) + (from << 2), 0, rows << 2);
  for (let k: usize = 0; k < U16_COLUMNS; k++) memory.fill(base + U16_BASE + k * (2 * CHUNK + PAD) + (from << 1), 0, rows << 1);
  for (let k: usize = 0; k < U8_COLUMNS; k++) memory.fill(base + U8_BASE + k * (CHUNK + PAD) + from, 0, rows);
  memory.fill(base + U32_IPV6_INDEX + (from << 2), 0xff, rows << 2);
  memory.fill(base + U8_BASE + U8_TCP_WINDOW_SCALE + from, 0xff, rows);
}

/** Zeroes a chunk's first `rows` rows of every column, then sets the two columns whose "absent" is not 0. */
export function resetChunk(base: usize, rows: usize): void {
  if (rows == CHUNK) {
    memory.fill(base, 0, CHUNK_BYTES);
  } else {
    for (let k: usize = 0; k < U32_COLUMNS; k++) memory.fill(base + k * (4 * CHUNK + PAD), 0, rows << 2);
    for (let k: usize = 0; k < U16_COLUMNS; k++) memory.fill(base + U16_BASE + k * (2 * CHUNK + PAD), 0, rows << 1);
    for (let k: usize = 0; k < U8_COLUMNS; k++) memory.fill(base + U8_BASE + k * (CHUNK + PAD), 0, rows);
  }
  memory.fill(base + U32_IPV6_INDEX, 0xff, rows << 2);
  memory.fill(base + U8_BASE + U8_TCP_WINDOW_SCALE, 0xff, rows);
}

/**
 * Decodes `count` packets in one call. Packet i is the `lengths[i]` bytes at dataPtr + offsets[i]
 * (u32 arrays at offsetsPtr and lengthsPtr), of link type `linkTypes[i]` (u16 array at linkTypesPtr)
 * or `linkType` when linkTypesPtr is 0. Rows go to outPtr in chunks of CHUNK (layout.ts); IPv6
 * addresses to poolPtr, 32 bytes per IPv6 row in row order. A record that reaches past dataLen is
 * not read (status bad-length at the frame). `flags`: VERIFY_L4. Returns the number of IPv6 rows.
 */
export function decodeBatch(
  dataPtr: usize, dataLen: u32, offsetsPtr: usize, lengthsPtr: usize, count: u32,
  linkTypesPtr: usize, linkType: u32, outPtr: usize, poolPtr: usize, flags: u32,
): u32 {
  startIpv6Pool(poolPtr);
  for (let c: u32 = 0; c < count; c += <u32>CHUNK) {
    const rows = count - c < <u32>CHUNK ? count - c : <u32>CHUNK;
    const base = outPtr + <usize>(c / <u32>CHUNK) * CHUNK_BYTES;
    resetChunk(base, rows);
    let r32 = base;
    let r16 = base + U16_BASE;
    let r8 = base + U8_BASE;
    for (let i = c, end = c + rows; i < end; i++) {
      const off = load<u32>(offsetsPtr + (<usize>i << 2));
      const len = load<u32>(lengthsPtr + (<usize>i << 2));
      const lt = linkTypesPtr != 0 ? <u32>load<u16>(linkTypesPtr + (<usize>i << 1)) : linkType;
      if (off > dataLen || len > dataLen - off) {
        store<u16>(r16, <u16>lt, U16_LINK_TYPE);
        fail(r32, r16, r8, 0, BAD_LENGTH, AT_FRAME, 0, 0);
      } else {
        decodeRow(dataPtr + off, len, lt, flags, r32, r16, r8);
      }
      r32 += 4;
      r16 += 2;
      r8 += 1;
    }
  }
  return v6Count;
}
