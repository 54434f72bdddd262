// Pure-TypeScript twin of assembly/wire/batch.ts: the same walk, the same columns, the same codes,
// written straight into the final typed arrays. It is the fallback where WebAssembly cannot run,
// the baseline of bench/batch.bench.mjs, and the oracle of test/batch-differential.test.ts.
//
// The column layout (BATCH_CHUNK, the column lists and their order) must match
// assembly/wire/layout.ts: src/batch.ts copies WASM output by these lists.

/** Rows per chunk of the WASM output (assembly/wire/layout.ts CHUNK). */
export const BATCH_CHUNK = 4096;

/** Columns of 32-bit values, in layout order. `ipv6Index` is signed (-1: no IPv6 header). */
export const U32_COLUMN_NAMES = [
  'payloadLength', 'ipSrc', 'ipDst', 'ipv6Index', 'ipId', 'tcpSeq', 'tcpAck', 'tcpTsval', 'tcpTsecr',
] as const;
export const U16_COLUMN_NAMES = [
  'errorOffset', 'layers', 'linkType', 'l3Offset', 'l4Offset', 'payloadOffset', 'ethertype', 'vlanOuter',
  'vlanInner', 'ipLength', 'fragOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpWindow', 'tcpMss', 'udpLength',
  'arpOpcode', 'ipChecksumValue', 'l4ChecksumValue',
] as const;
export const U8_COLUMN_NAMES = [
  'status', 'errorLayer', 'vlanCount', 'vlanTpids', 'ipVersion', 'protocol', 'ipNextHeader', 'ttl', 'ipFlags',
  'tcpHeaderLength', 'tcpOptions', 'tcpWindowScale', 'tcpSackBlocks', 'icmpType', 'icmpCode', 'ipChecksum',
  'l4Checksum',
] as const;

type U32Name = (typeof U32_COLUMN_NAMES)[number];
type U16Name = (typeof U16_COLUMN_NAMES)[number];
type U8Name = (typeof U8_COLUMN_NAMES)[number];

/** Every column of a batch, one element per packet. See `PacketTable` for what each holds. */
export type BatchColumns = { [K in Exclude<U32Name, 'ipv6Index'>]: Uint32Array } & { ipv6Index: Int32Array } & {
  [K in U16Name]: Uint16Array;
} & { [K in U8Name]: Uint8Array };

/** Bytes per row over all columns (the IPv6 address pool not counted). */
export const BATCH_ROW_BYTES = U32_COLUMN_NAMES.length * 4 + U16_COLUMN_NAMES.length * 2 + U8_COLUMN_NAMES.length;
/** Bytes after each column of a WASM chunk (layout.ts PAD: keeps columns out of one cache set). */
export const BATCH_COLUMN_PAD = 64;
/** Byte offset of each column inside a WASM chunk, in layout order (u32, u16, u8 columns). */
export const BATCH_CHUNK_OFFSETS: readonly number[] = (() => {
  const out: number[] = [];
  let at = 0;
  for (const size of [...U32_COLUMN_NAMES.map(() => 4), ...U16_COLUMN_NAMES.map(() => 2), ...U8_COLUMN_NAMES.map(() => 1)]) {
    out.push(at);
    at += size * BATCH_CHUNK + BATCH_COLUMN_PAD;
  }
  out.push(at);
  return out;
})();
/** Bytes of one WASM output chunk. */
export const BATCH_CHUNK_BYTES = BATCH_CHUNK_OFFSETS[BATCH_CHUNK_OFFSETS.length - 1]!;

/**
 * `status` values: the `WireErrorCode` of the first problem in the packet, by index (0: none).
 * A bad checksum is not a status; it shows in `ipChecksum` and `l4Checksum`.
 */
export const BATCH_STATUS = ['ok', 'truncated', 'bad-length', 'bad-version', 'bad-value', 'unsupported', 'limit-exceeded'] as const;
export type BatchStatus = (typeof BATCH_STATUS)[number];

/** `errorLayer` values: where the problem is, by index (the names WireError.layer uses). */
export const BATCH_ERROR_LAYER = ['frame', 'eth', 'vlan', 'arp', 'ip', 'ipv6', 'ipv6.ext', 'tcp', 'udp', 'icmp', 'icmpv6'] as const;

/** Bits of the `layers` column: which headers were decoded whole (their columns are valid). */
export const BatchLayer = {
  ETH: 1,
  VLAN: 2,
  ARP: 4,
  IPV4: 8,
  IPV6: 16,
  /** At least one IPv6 extension header (hop-by-hop, routing, fragment, destination options, AH). */
  IPV6_EXT: 32,
  /** The packet is a fragment: more fragments follow or its offset is non-zero (no L4 unless offset 0). */
  FRAGMENT: 64,
  TCP: 128,
  UDP: 256,
  ICMP: 512,
  ICMPV6: 1024,
  /** A length field promised more bytes than were captured (snap length): the payload is cut short. */
  PAYLOAD_CUT: 2048,
  /** The ARP message carries IPv4 protocol addresses (in `ipSrc` and `ipDst`). */
  ARP_IPV4: 4096,
  /** An IPv6 fragment header was present (an atomic one too): its fields are in `ipId`, `fragOffset`, `ipFlags`. */
  IPV6_FRAGMENT_HEADER: 8192,
} as const;

/** Bits of the `tcpOptions` column. */
export const TcpOptionBit = {
  MSS: 1,
  WINDOW_SCALE: 2,
  SACK_PERMITTED: 4,
  TIMESTAMPS: 8,
  SACK: 16,
  /** An option with a length it cannot have, or running past the header. */
  MALFORMED: 128,
} as const;

/** `ipChecksum` and `l4Checksum` values. */
export const CHECKSUM_UNVERIFIED = 0;
export const CHECKSUM_GOOD = 1;
export const CHECKSUM_BAD = 2;

/** `flags` of the kernel: verify TCP, UDP, ICMP and ICMPv6 checksums. */
export const VERIFY_L4 = 1;

export const MAX_VLAN_TAGS = 8;
export const MAX_IPV6_EXTENSIONS = 16;

const TRUNCATED = 1;
const BAD_LENGTH = 2;
const BAD_VERSION = 3;
const UNSUPPORTED = 5;
const LIMIT_EXCEEDED = 6;

const AT_FRAME = 0;
const LINKTYPE_SLL = 113;
const LINKTYPE_SLL2 = 276;
const AT_ETH = 1;
const AT_VLAN = 2;
const AT_ARP = 3;
const AT_IP = 4;
const AT_IPV6 = 5;
const AT_IPV6_EXT = 6;
const AT_TCP = 7;
const AT_UDP = 8;
const AT_ICMP = 9;
const AT_ICMPV6 = 10;

const { ETH, VLAN, ARP, IPV4, IPV6, IPV6_EXT, FRAGMENT, TCP, UDP, ICMP, ICMPV6, PAYLOAD_CUT, ARP_IPV4, IPV6_FRAGMENT_HEADER } = BatchLayer;

/**
 * Columns for `count` rows as views of one buffer (`backing`, or a new zeroed one of
 * `capacity * BATCH_ROW_BYTES` bytes), widest first so each is aligned. Built as one object literal so
 * V8 gives it a fixed shape: 44 properties added one by one would turn it into a dictionary.
 * `base` and `pad` place them elsewhere in `backing`: a WASM output chunk is BATCH_CHUNK rows of
 * capacity with BATCH_COLUMN_PAD bytes after each column (the resident table's columns).
 */
export function allocateColumns(count: number, backing?: ArrayBuffer, capacity = count, base = 0, pad = 0): BatchColumns {
  const buffer = backing ?? new ArrayBuffer(capacity * BATCH_ROW_BYTES);
  // Columns start `capacity` rows apart, so a buffer made for a larger batch can hold a smaller one.
  let at = base;
  const u32 = () => new Uint32Array(buffer, (at += capacity * 4 + pad) - capacity * 4 - pad, count);
  const i32 = () => new Int32Array(buffer, (at += capacity * 4 + pad) - capacity * 4 - pad, count);
  const u16 = () => new Uint16Array(buffer, (at += capacity * 2 + pad) - capacity * 2 - pad, count);
  const u8 = () => new Uint8Array(buffer, (at += capacity + pad) - capacity - pad, count);
  // Property order is layout order (U32_COLUMN_NAMES, U16_COLUMN_NAMES, U8_COLUMN_NAMES).
  return {
    payloadLength: u32(), ipSrc: u32(), ipDst: u32(), ipv6Index: i32(), ipId: u32(), tcpSeq: u32(), tcpAck: u32(),
    tcpTsval: u32(), tcpTsecr: u32(),
    errorOffset: u16(), layers: u16(), linkType: u16(), l3Offset: u16(), l4Offset: u16(), payloadOffset: u16(),
    ethertype: u16(), vlanOuter: u16(), vlanInner: u16(), ipLength: u16(), fragOffset: u16(), srcPort: u16(),
    dstPort: u16(), tcpFlags: u16(), tcpWindow: u16(), tcpMss: u16(), udpLength: u16(), arpOpcode: u16(),
    ipChecksumValue: u16(), l4ChecksumValue: u16(),
    status: u8(), errorLayer: u8(), vlanCount: u8(), vlanTpids: u8(), ipVersion: u8(), protocol: u8(),
    ipNextHeader: u8(), ttl: u8(), ipFlags: u8(), tcpHeaderLength: u8(), tcpOptions: u8(), tcpWindowScale: u8(),
    tcpSackBlocks: u8(), icmpType: u8(), icmpCode: u8(), ipChecksum: u8(), l4Checksum: u8(),
  };
}

/** The columns in layout order, for loops that treat them alike. */
export function columnList(c: BatchColumns): (Uint32Array | Int32Array | Uint16Array | Uint8Array)[] {
  return [
    c.payloadLength, c.ipSrc, c.ipDst, c.ipv6Index, c.ipId, c.tcpSeq, c.tcpAck, c.tcpTsval, c.tcpTsecr,
    c.errorOffset, c.layers, c.linkType, c.l3Offset, c.l4Offset, c.payloadOffset, c.ethertype, c.vlanOuter,
    c.vlanInner, c.ipLength, c.fragOffset, c.srcPort, c.dstPort, c.tcpFlags, c.tcpWindow, c.tcpMss, c.udpLength,
    c.arpOpcode, c.ipChecksumValue, c.l4ChecksumValue,
    c.status, c.errorLayer, c.vlanCount, c.vlanTpids, c.ipVersion, c.protocol, c.ipNextHeader, c.ttl, c.ipFlags,
    c.tcpHeaderLength, c.tcpOptions, c.tcpWindowScale, c.tcpSackBlocks, c.icmpType, c.icmpCode, c.ipChecksum,
    c.l4Checksum,
  ];
}

// The columns of the call in progress. Module-level so the per-layer functions below need not pass
// forty arrays around; a call sets them first, and JS runs one call at a time. Each function copies
// `cur` into a local: V8 reloads a mutable module binding on every use, not a local.
//
// The packet is passed down as (d, b): its bytes are d[b + offset in packet], so a packet inside a
// whole capture buffer is read in place.
let cur: BatchColumns;
let pool: Uint8Array;
let v6Count = 0;

function be16(d: Uint8Array, b: number, p: number): number {
  const q = b + p;
  return (d[q]! << 8) | d[q + 1]!;
}

function be32(d: Uint8Array, b: number, p: number): number {
  const q = b + p;
  return ((d[q]! << 24) | (d[q + 1]! << 16) | (d[q + 2]! << 8) | d[q + 3]!) >>> 0;
}

/** Sum of bytes [from, to) as big-endian 16-bit words (an odd last byte padded), unfolded. */
function wordSum(d: Uint8Array, b: number, from: number, to: number): number {
  let s = 0;
  let i = b + from;
  const end = b + to;
  for (; i + 1 < end; i += 2) s += (d[i]! << 8) | d[i + 1]!;
  if (i < end) s += d[i]! << 8;
  return s;
}

function fold16(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function fail(i: number, layers: number, code: number, layer: number, at: number, end: number): void {
  const c = cur;
  c.status[i] = code;
  c.errorLayer[i] = layer;
  c.errorOffset[i] = at;
  c.layers[i] = layers;
  c.payloadOffset[i] = at;
  c.payloadLength[i] = end - at;
}

function shortfall(at: number, need: number, len: number): number {
  return need > len - at ? TRUNCATED : BAD_LENGTH;
}

function finish(i: number, layers: number, at: number, declEnd: number, len: number): void {
  const c = cur;
  let end = declEnd;
  if (end > len) {
    end = len;
    layers |= PAYLOAD_CUT;
  }
  c.layers[i] = layers;
  c.payloadOffset[i] = at;
  c.payloadLength[i] = end - at;
}

function isVlanTpid(t: number): boolean {
  return t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

function isIpv6Extension(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 44 || nh === 51 || nh === 60;
}

function tcpOptions(d: Uint8Array, b: number, i: number, from: number, to: number): void {
  const c = cur;
  let flags = 0;
  let q = from;
  while (q < to) {
    const kind = d[b + q]!;
    if (kind === 0) break;
    if (kind === 1) {
      q++;
      continue;
    }
    if (to - q < 2) {
      flags |= TcpOptionBit.MALFORMED;
      break;
    }
    const olen = d[b + q + 1]!;
    if (olen < 2 || olen > to - q) {
      flags |= TcpOptionBit.MALFORMED;
      break;
    }
    if (kind === 2) {
      if (olen === 4) {
        c.tcpMss[i] = be16(d, b, q + 2);
        flags |= TcpOptionBit.MSS;
      } else flags |= TcpOptionBit.MALFORMED;
    } else if (kind === 3) {
      if (olen === 3) {
        c.tcpWindowScale[i] = d[b + q + 2]!;
        flags |= TcpOptionBit.WINDOW_SCALE;
      } else flags |= TcpOptionBit.MALFORMED;
    } else if (kind === 4) {
      if (olen === 2) flags |= TcpOptionBit.SACK_PERMITTED;
      else flags |= TcpOptionBit.MALFORMED;
    } else if (kind === 5) {
      if (olen >= 10 && ((olen - 2) & 7) === 0) {
        c.tcpSackBlocks[i] = (olen - 2) >>> 3;
        flags |= TcpOptionBit.SACK;
      } else flags |= TcpOptionBit.MALFORMED;
    } else if (kind === 8) {
      if (olen === 10) {
        c.tcpTsval[i] = be32(d, b, q + 2);
        c.tcpTsecr[i] = be32(d, b, q + 6);
        flags |= TcpOptionBit.TIMESTAMPS;
      } else flags |= TcpOptionBit.MALFORMED;
    }
    q += olen;
  }
  c.tcpOptions[i] = flags;
}

function transport(
  d: Uint8Array, b: number, i: number, l4: number, declEnd: number, len: number, proto: number, layers: number,
  verify: boolean, v6: boolean, pseudo: number, fragment: boolean,
): void {
  const c = cur;
  const end = declEnd < len ? declEnd : len;
  const whole = declEnd <= len && (v6 || declEnd - l4 <= 0xffff);
  if (proto === 6) {
    if (end - l4 < 20) return fail(i, layers, shortfall(l4, 20, len), AT_TCP, l4, end);
    const hdrLen = (d[b + l4 + 12]! >>> 4) << 2;
    if (hdrLen < 20) return fail(i, layers, BAD_LENGTH, AT_TCP, l4, end);
    if (end - l4 < hdrLen) return fail(i, layers, shortfall(l4, hdrLen, len), AT_TCP, l4, end);
    c.srcPort[i] = be16(d, b, l4);
    c.dstPort[i] = be16(d, b, l4 + 2);
    c.tcpSeq[i] = be32(d, b, l4 + 4);
    c.tcpAck[i] = be32(d, b, l4 + 8);
    c.tcpFlags[i] = be16(d, b, l4 + 12) & 0xfff;
    c.tcpWindow[i] = be16(d, b, l4 + 14);
    c.tcpHeaderLength[i] = hdrLen;
    c.l4ChecksumValue[i] = be16(d, b, l4 + 16);
    if (hdrLen === 32 && be32(d, b, l4 + 20) === 0x0101080a) {
      // NOP, NOP, Timestamps: the common case, as in the WASM kernel (same result as the walk).
      c.tcpTsval[i] = be32(d, b, l4 + 24);
      c.tcpTsecr[i] = be32(d, b, l4 + 28);
      c.tcpOptions[i] = TcpOptionBit.TIMESTAMPS;
    } else if (hdrLen > 20) tcpOptions(d, b, i, l4 + 20, l4 + hdrLen);
    if (verify && whole) {
      const n = declEnd - l4;
      c.l4Checksum[i] = fold16(wordSum(d, b, l4, declEnd) + pseudo + 6 + n) === 0xffff ? CHECKSUM_GOOD : CHECKSUM_BAD;
    }
    finish(i, layers | TCP, l4 + hdrLen, declEnd, len);
  } else if (proto === 17) {
    if (end - l4 < 8) return fail(i, layers, shortfall(l4, 8, len), AT_UDP, l4, end);
    let ulen = be16(d, b, l4 + 4);
    const sum = be16(d, b, l4 + 6);
    c.srcPort[i] = be16(d, b, l4);
    c.dstPort[i] = be16(d, b, l4 + 2);
    c.udpLength[i] = ulen;
    c.l4ChecksumValue[i] = sum;
    layers |= UDP;
    if (sum === 0 && v6) c.l4Checksum[i] = CHECKSUM_BAD;
    let lie = false;
    if (ulen === 0 && v6) {
      ulen = declEnd - l4;
      lie = true;
    } else if (ulen < 8 || (l4 + ulen > declEnd && !fragment)) {
      fail(i, layers, BAD_LENGTH, AT_UDP, l4, end);
      c.payloadOffset[i] = l4 + 8;
      c.payloadLength[i] = end - l4 - 8;
      return;
    }
    const udpEnd = l4 + ulen;
    if (verify && sum !== 0 && udpEnd <= len && (v6 || ulen <= 0xffff)) {
      c.l4Checksum[i] = fold16(wordSum(d, b, l4, udpEnd) + pseudo + 17 + ulen) === 0xffff ? CHECKSUM_GOOD : CHECKSUM_BAD;
    }
    finish(i, layers, l4 + 8, udpEnd < declEnd ? udpEnd : declEnd, len);
    if (lie) {
      c.status[i] = BAD_LENGTH;
      c.errorLayer[i] = AT_UDP;
      c.errorOffset[i] = l4;
    }
  } else if (proto === 1 || proto === 58) {
    const icmpv6 = proto === 58;
    if (end - l4 < 4) return fail(i, layers, shortfall(l4, 4, len), icmpv6 ? AT_ICMPV6 : AT_ICMP, l4, end);
    c.icmpType[i] = d[b + l4]!;
    c.icmpCode[i] = d[b + l4 + 1]!;
    c.l4ChecksumValue[i] = be16(d, b, l4 + 2);
    if (verify && declEnd <= len && (v6 || !icmpv6)) {
      const n = declEnd - l4;
      const extra = icmpv6 ? pseudo + 58 + n : 0;
      c.l4Checksum[i] = fold16(wordSum(d, b, l4, declEnd) + extra) === 0xffff ? CHECKSUM_GOOD : CHECKSUM_BAD;
    }
    layers |= icmpv6 ? ICMPV6 : ICMP;
    if (end - l4 < 8) return fail(i, layers, shortfall(l4, 8, len), icmpv6 ? AT_ICMPV6 : AT_ICMP, l4, end);
    finish(i, layers, l4 + 8, declEnd, len);
  } else {
    finish(i, layers, l4, declEnd, len);
  }
}

/** As in the WASM kernel: the final destination of a source route still under way, else `dst`. */
function sourceRouteDestination(d: Uint8Array, h: number, ihl: number, dst: number): number {
  let q = 20;
  while (q < ihl) {
    const kind = d[h + q]!;
    if (kind === 0) break;
    if (kind === 1) {
      q++;
      continue;
    }
    if (ihl - q < 2) break;
    const olen = d[h + q + 1]!;
    if (olen < 2 || olen > ihl - q) break;
    if (kind === 131 || kind === 137) {
      const ptr = olen >= 3 ? d[h + q + 2]! : 0;
      return ptr >= 4 && (ptr & 3) === 0 && ptr <= olen ? be32(d, h, q + olen - 4) : dst;
    }
    q += olen;
  }
  return dst;
}

function ipv4(d: Uint8Array, b: number, i: number, l3: number, len: number, layers: number, flags: number): void {
  const c = cur;
  if (len - l3 < 20) return fail(i, layers, TRUNCATED, AT_IP, l3, len);
  const b0 = d[b + l3]!;
  if (b0 >>> 4 !== 4) return fail(i, layers, BAD_VERSION, AT_IP, l3, len);
  const ihl = (b0 & 15) << 2;
  if (ihl < 20) return fail(i, layers, BAD_LENGTH, AT_IP, l3, len);
  let total = be16(d, b, l3 + 2);
  const fw = be16(d, b, l3 + 6);
  const proto = d[b + l3 + 9]!;
  const src = be32(d, b, l3 + 12);
  const dst = be32(d, b, l3 + 16);
  const fragOffset = fw & 0x1fff;
  const l4 = l3 + ihl;
  c.ipVersion[i] = 4;
  c.ipId[i] = be16(d, b, l3 + 4);
  c.ipFlags[i] = fw >>> 13;
  c.fragOffset[i] = fragOffset;
  c.ttl[i] = d[b + l3 + 8]!;
  c.ipNextHeader[i] = proto;
  c.protocol[i] = proto;
  c.ipChecksumValue[i] = be16(d, b, l3 + 10);
  c.ipSrc[i] = src;
  c.ipDst[i] = dst;
  c.l3Offset[i] = l3;
  c.l4Offset[i] = l4;
  layers |= IPV4;
  // TCP segmentation offload: the captured length stands in (as in the WASM kernel).
  if (total === 0) total = len - l3;
  c.ipLength[i] = Math.min(total, 0xffff);
  if (len - l3 < ihl) return fail(i, layers, TRUNCATED, AT_IP, l3, len);
  c.ipChecksum[i] = fold16(wordSum(d, b, l3, l3 + ihl)) === 0xffff ? CHECKSUM_GOOD : CHECKSUM_BAD;
  if (total < ihl) return fail(i, layers, BAD_LENGTH, AT_IP, l3, len);
  const declEnd = l3 + total;
  const fragment = (fw & 0x3fff) !== 0;
  if (fragment) layers |= FRAGMENT;
  if (fragOffset !== 0) return finish(i, layers, l4, declEnd, len);
  const verify = (flags & VERIFY_L4) !== 0 && !fragment;
  const final = verify && ihl > 20 ? sourceRouteDestination(d, b + l3, ihl, dst) : dst;
  const pseudo = fold16((src >>> 16) + (src & 0xffff) + (final >>> 16) + (final & 0xffff));
  transport(d, b, i, l4, declEnd, len, proto, layers, verify, false, pseudo, fragment);
}

function ipv6(d: Uint8Array, b: number, i: number, l3: number, len: number, layers: number, flags: number): void {
  const c = cur;
  if (len - l3 < 40) return fail(i, layers, TRUNCATED, AT_IPV6, l3, len);
  if (d[b + l3]! >>> 4 !== 6) return fail(i, layers, BAD_VERSION, AT_IPV6, l3, len);
  const plen = be16(d, b, l3 + 4);
  let nh = d[b + l3 + 6]!;
  c.ipVersion[i] = 6;
  c.ipLength[i] = plen;
  c.ipNextHeader[i] = nh;
  c.ttl[i] = d[b + l3 + 7]!;
  c.l3Offset[i] = l3;
  pool.set(d.subarray(b + l3 + 8, b + l3 + 40), v6Count << 5);
  c.ipv6Index[i] = v6Count++;
  layers |= IPV6;
  const declEnd = l3 + 40 + plen;
  const end = declEnd < len ? declEnd : len;
  let pos = l3 + 40;
  let fragOffset = 0;
  let fragment = false;
  let finalDst = l3 + 24;
  for (let n = 0; isIpv6Extension(nh); n++) {
    if (n === MAX_IPV6_EXTENSIONS) return fail(i, layers, LIMIT_EXCEEDED, AT_IPV6_EXT, pos, end);
    let hl: number;
    if (nh === 44) {
      hl = 8;
      if (end - pos < 8) return fail(i, layers, shortfall(pos, 8, len), AT_IPV6_EXT, pos, end);
      const fw = be16(d, b, pos + 2);
      fragOffset = fw >>> 3;
      fragment = (fw & 0xfff9) !== 0;
      c.ipId[i] = be32(d, b, pos + 4);
      c.fragOffset[i] = fragOffset;
      c.ipFlags[i] = fw & 1;
      layers |= IPV6_FRAGMENT_HEADER;
      if (fragment) layers |= FRAGMENT;
    } else {
      if (end - pos < 2) return fail(i, layers, shortfall(pos, 2, len), AT_IPV6_EXT, pos, end);
      hl = nh === 51 ? (d[b + pos + 1]! + 2) << 2 : (d[b + pos + 1]! + 1) << 3;
      if (end - pos < hl) return fail(i, layers, shortfall(pos, hl, len), AT_IPV6_EXT, pos, end);
      if (nh === 43 && d[b + pos + 3]! !== 0 && finalDst === l3 + 24) {
        const type = d[b + pos + 2]!;
        const n = (hl - 8) >>> 4;
        if (n > 0 && type === 0) finalDst = pos + 8 + ((n - 1) << 4);
        else if (n > 0 && (type === 2 || type === 4)) finalDst = pos + 8;
      }
    }
    nh = d[b + pos]!;
    pos += hl;
    layers |= IPV6_EXT;
    if (fragOffset !== 0) break;
  }
  c.protocol[i] = nh;
  c.l4Offset[i] = pos;
  if (fragOffset !== 0) return finish(i, layers, pos, declEnd, len);
  const pseudo = fold16(wordSum(d, b, l3 + 8, l3 + 24) + wordSum(d, b, finalDst, finalDst + 16));
  transport(d, b, i, pos, declEnd, len, nh, layers, (flags & VERIFY_L4) !== 0 && !fragment, true, pseudo, fragment);
}

function arp(d: Uint8Array, b: number, i: number, at: number, len: number, layers: number): void {
  const c = cur;
  if (len - at < 8) return fail(i, layers, TRUNCATED, AT_ARP, at, len);
  const hlen = d[b + at + 4]!;
  const plen = d[b + at + 5]!;
  const size = 8 + ((hlen + plen) << 1);
  if (len - at < size) return fail(i, layers, TRUNCATED, AT_ARP, at, len);
  c.arpOpcode[i] = be16(d, b, at + 6);
  c.l3Offset[i] = at;
  const ptype = be16(d, b, at + 2);
  if ((ptype === 0x0800 || ptype === 0xcc) && plen === 4 && be16(d, b, at) !== 19) {
    c.ipSrc[i] = be32(d, b, at + 8 + hlen);
    c.ipDst[i] = be32(d, b, at + 12 + (hlen << 1));
    layers |= ARP_IPV4;
  }
  finish(i, layers | ARP, at + size, at + size, len);
}

/** What follows an ethertype read just before `pos` (tags, then IP, ARP or opaque): as the kernel's. */
function afterEthertype(d: Uint8Array, b: number, i: number, type: number, pos: number, len: number, link: number, flags: number): void {
  const c = cur;
  let layers = link;
  let tpid = 0;
  if (isVlanTpid(type)) {
    let n = 0;
    let tpids = 0;
    layers |= VLAN;
    do {
      if (n === MAX_VLAN_TAGS || len - pos < 4) {
        c.vlanCount[i] = n;
        c.vlanTpids[i] = tpids;
        c.ethertype[i] = type;
        return fail(i, n === 0 ? link : layers, n === MAX_VLAN_TAGS ? LIMIT_EXCEEDED : TRUNCATED, AT_VLAN, pos, len);
      }
      const tci = be16(d, b, pos);
      if (n === 0) c.vlanOuter[i] = tci;
      else if (n === 1) c.vlanInner[i] = tci;
      if (n < 4) tpids |= (type === 0x8100 ? 1 : type === 0x88a8 ? 2 : 3) << (n << 1);
      tpid = type;
      type = be16(d, b, pos + 2);
      pos += 4;
      n++;
    } while (isVlanTpid(type));
    c.vlanCount[i] = n;
    c.vlanTpids[i] = tpids;
  }
  c.ethertype[i] = type;
  if (type === 0x0800) ipv4(d, b, i, pos, len, layers, flags);
  else if (type === 0x86dd) ipv6(d, b, i, pos, len, layers, flags);
  else if (type === 0x0806) arp(d, b, i, pos, len, layers);
  // An 802.3 length bounds the payload, except after an 802.1ad tag (Wireshark reads any type there
  // as an ethertype).
  else finish(i, layers, pos, type <= 1500 && tpid !== 0x88a8 ? pos + type : len, len);
}

function decodeRow(d: Uint8Array, b: number, i: number, len: number, linkType: number, flags: number): void {
  const c = cur;
  c.linkType[i] = linkType;
  if (linkType === 1) {
    if (len < 14) return fail(i, 0, TRUNCATED, AT_ETH, 0, len);
    afterEthertype(d, b, i, be16(d, b, 12), 14, len, ETH, flags);
  } else if (linkType === LINKTYPE_SLL || linkType === LINKTYPE_SLL2) {
    // Linux cooked capture: a protocol above 1536 is an ethertype, but on netlink (ARPHRD 824) and
    // for GRE's bridged Ethernet (ARPHRD 778, 0x6558); the rest stays opaque, as in the kernel.
    const v1 = linkType === LINKTYPE_SLL;
    const header = v1 ? 16 : 20;
    if (len < header) return fail(i, 0, TRUNCATED, AT_FRAME, 0, len);
    const protocol = be16(d, b, v1 ? 14 : 0);
    const hatype = be16(d, b, v1 ? 2 : 8);
    if (protocol > 1536 && hatype !== 824 && !(hatype === 778 && protocol === 0x6558)) afterEthertype(d, b, i, protocol, header, len, 0, flags);
    else finish(i, 0, header, len, len);
  } else if (linkType === 101 || linkType === 12 || linkType === 14) {
    // Raw IP: LINKTYPE_RAW, or DLT_RAW's platform numbers found in older files (see decodePacket).
    if (len === 0) return fail(i, 0, TRUNCATED, AT_IP, 0, 0);
    const version = d[b]! >>> 4;
    if (version === 4) ipv4(d, b, i, 0, len, 0, flags);
    else if (version === 6) ipv6(d, b, i, 0, len, 0, flags);
    else fail(i, 0, BAD_VERSION, AT_IP, 0, len);
  } else if (linkType === 228) {
    ipv4(d, b, i, 0, len, 0, flags);
  } else if (linkType === 229) {
    ipv6(d, b, i, 0, len, 0, flags);
  } else {
    fail(i, 0, UNSUPPORTED, AT_FRAME, 0, len);
  }
}

/** A call's output: rows to `out`, IPv6 addresses to `ipv6Pool`; the two columns whose "absent" is not 0 preset. */
function begin(out: BatchColumns, ipv6Pool: Uint8Array, count: number): void {
  cur = out;
  pool = ipv6Pool;
  v6Count = 0;
  out.ipv6Index.fill(-1, 0, count);
  out.tcpWindowScale.fill(255, 0, count);
}

/**
 * The twin of the WASM `decodeBatch`, over views instead of pointers: packet i is
 * `data[offsets[i] .. offsets[i] + lengths[i])` of link type `linkTypes[i]` (or `linkType` when
 * `linkTypes` is null). Rows go to `out` (zeroed, `ipv6Index` -1 and `tcpWindowScale` 255, as
 * `allocateColumns` makes them), IPv6 addresses to `ipv6Pool` (32 bytes per IPv6 row, in row
 * order). Returns the number of IPv6 rows.
 */
export function decodeBatchJs(
  data: Uint8Array,
  offsets: Uint32Array,
  lengths: Uint32Array,
  count: number,
  linkTypes: Uint16Array | null,
  linkType: number,
  out: BatchColumns,
  ipv6Pool: Uint8Array,
  flags: number,
): number {
  begin(out, ipv6Pool, count);
  const dataLen = data.length;
  for (let i = 0; i < count; i++) {
    const off = offsets[i]!;
    const len = lengths[i]!;
    const lt = linkTypes === null ? linkType : linkTypes[i]!;
    if (off > dataLen || len > dataLen - off) {
      out.linkType[i] = lt;
      fail(i, 0, BAD_LENGTH, AT_FRAME, 0, 0);
      continue;
    }
    decodeRow(data, off, i, len, lt, flags);
  }
  return v6Count;
}

/** The same over an array of packets, each read where it is (no copy into one buffer). */
export function decodeBatchPacketsJs(
  packets: readonly Uint8Array[],
  count: number,
  linkTypes: Uint16Array | null,
  linkType: number,
  out: BatchColumns,
  ipv6Pool: Uint8Array,
  flags: number,
): number {
  begin(out, ipv6Pool, count);
  for (let i = 0; i < count; i++) {
    const p = packets[i]!;
    decodeRow(p, 0, i, p.length, linkTypes === null ? linkType : linkTypes[i]!, flags);
  }
  return v6Count;
}
