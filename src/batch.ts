// Batch decoding: many packets through Ethernet, VLAN tags, ARP, IPv4, IPv6, TCP, UDP, ICMP and
// ICMPv6 in one WebAssembly call per 4096 packets, into a struct-of-arrays table. One typed array
// per field keeps a million packets in a few flat allocations instead of millions of objects, and
// lets callers filter and aggregate with plain loops; `row(i)` turns any row into tshark-named
// fields on demand.
import { WireError, type WireErrorCode } from './errors.js';
import {
  allocateColumns,
  BATCH_CHUNK,
  BATCH_CHUNK_BYTES,
  BATCH_CHUNK_OFFSETS,
  BATCH_COLUMN_PAD,
  BATCH_ERROR_LAYER,
  BATCH_ROW_BYTES,
  columnList,
  BATCH_STATUS,
  BatchLayer,
  decodeBatchJs,
  decodeBatchPacketsJs,
  TcpOptionBit,
  U32_COLUMN_NAMES,
  VERIFY_L4,
  type BatchColumns,
  type BatchStatus,
} from './kernels/batch.js';
import { FieldSink, type FieldMap } from './packet/fields.js';
import { formatIpv6 } from './network/ip-address.js';
import type { Arena } from './wasm/arena.js';
import { autoMode, wasmArena } from './wasm/backend.js';
import { trapToWireError } from './wasm/trap.js';

export { BATCH_STATUS, BATCH_ERROR_LAYER, BatchLayer, TcpOptionBit, type BatchStatus };
export { CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, MAX_IPV6_EXTENSIONS, MAX_VLAN_TAGS } from './kernels/batch.js';

/**
 * A whole capture buffer and its record table: packet i is
 * `data.subarray(offsets[i], offsets[i] + lengths[i])`. When `data` was made by `allocBuffer`
 * (it lives in WebAssembly memory) it is read where it is, with no copy.
 */
export interface PacketRecords {
  data: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  /** Link type per packet, or one for all (default: `options.linkType`, else 1, Ethernet). */
  linkTypes?: Uint16Array | number;
  /** How many records to decode (default `offsets.length`). */
  count?: number;
}

export interface BatchOptions {
  /**
   * Verify TCP, UDP, ICMP and ICMPv6 checksums (default false: they cost a pass over every
   * payload byte). The IPv4 header checksum is always verified: it costs a few adds per packet.
   */
  checksums?: boolean;
  /**
   * Link type of every packet when the input does not say: a pcap LINKTYPE number or its name.
   * Supported: 1 Ethernet, 101 raw IP (and 12, 14: DLT_RAW as older files number it), 113 and 276
   * Linux cooked, 228 IPv4, 229 IPv6; others get status `unsupported`.
   */
  linkType?: number | 'ethernet' | 'raw' | 'ipv4' | 'ipv6';
  /**
   * A table from an earlier call to decode into, when its memory is large enough: no new memory is
   * allocated (fresh memory costs page faults, a large share of a batch's time). That table's
   * columns are overwritten: do not use it afterwards, use the table returned.
   */
  reuse?: PacketTable;
  /**
   * Decode into the resident table, whose columns live in WebAssembly memory where the kernel writes
   * them: nothing is copied out of WASM memory and no table memory is allocated. There is one
   * resident table: the next resident decode overwrites it, and memory growth (an `allocBuffer`
   * larger than any before) detaches its columns. `table.copy()` keeps a table past that. Up to
   * BATCH_RESIDENT_ROWS (4096) records, with WebAssembly: a larger batch, or the `js` backend, gets
   * an ordinary table (`table.resident` says which). Its IPv6 addresses are copied out as usual.
   */
  resident?: boolean;
}

/** The most records a resident table holds (one WASM output chunk). */
export const BATCH_RESIDENT_ROWS = BATCH_CHUNK;

const LINK_TYPES: Record<string, number> = { ethernet: 1, raw: 101, ipv4: 228, ipv6: 229 };

/** Under `auto`, batches smaller than this (not already in WASM memory) are decoded by the JS twin (measured crossover ~40). */
export const BATCH_JS_BELOW = 32;

/** The buffer behind each table's columns and how many rows it holds, for `reuse`. */
const backing = new WeakMap<PacketTable, { buffer: ArrayBuffer; capacity: number }>();

/** TPIDs by the 2-bit codes of `vlanTpids`. */
const TPID_BY_CODE = [0, 0x8100, 0x88a8, 0x9100];

/**
 * The decoded batch: one typed array per field, one element per packet, all of length `count`.
 * Columns of a layer hold 0 in rows without it (see `layers`), except `ipv6Index` (-1) and
 * `tcpWindowScale` (255). The columns are views of one ArrayBuffer the table owns.
 *
 * @example
 * const t = decodeBatch(frames);
 * for (let i = 0; i < t.count; i++) {
 *   if (t.layers[i] & BatchLayer.TCP && t.dstPort[i] === 443) bytes += t.payloadLength[i];
 * }
 * t.row(0); // { 'eth.type': 2048, 'ip.src': '10.0.0.1', 'tcp.dstport': 443, ... }
 */
export class PacketTable {
  readonly count: number;

  /**
   * `BATCH_STATUS` index of the first problem: 0 ok, 1 truncated (a header cut by the capture),
   * 2 bad-length (a length field lies), 3 bad-version, 5 unsupported (link type), 6 limit-exceeded
   * (VLAN tags, IPv6 extension headers); 4 bad-value is reserved. `error(i)` says it in words.
   */
  readonly status: Uint8Array;
  /** `BATCH_ERROR_LAYER` index of the layer with the problem (0 frame: the record itself). */
  readonly errorLayer: Uint8Array;
  /** Byte offset in the packet of the header with the problem. */
  readonly errorOffset: Uint16Array;
  /** `BatchLayer` bits: the headers decoded (their columns are valid), plus FRAGMENT, PAYLOAD_CUT, ARP_IPV4, IPV6_FRAGMENT_HEADER. */
  readonly layers: Uint16Array;
  /** The packet's link type (LINKTYPE number). */
  readonly linkType: Uint16Array;
  /** Offset of the IPv4, IPv6 or ARP header. */
  readonly l3Offset: Uint16Array;
  /** Offset just past the IP header(s) and IPv6 extension headers: where TCP/UDP/ICMP starts. */
  readonly l4Offset: Uint16Array;
  /**
   * The innermost undecoded bytes: after the last header decoded (the application data of TCP and
   * UDP), trimmed by IPv4 total length, IPv6 payload length and UDP length, never including
   * Ethernet padding, and cut at the captured length. When decoding stopped on a problem, the bytes
   * from the failing header on.
   */
  readonly payloadOffset: Uint16Array;
  readonly payloadLength: Uint32Array;
  /** Ethertype after any VLAN tags (or an 802.3 length, <= 1500); 0 without Ethernet. */
  readonly ethertype: Uint16Array;
  /** VLAN tags seen (up to MAX_VLAN_TAGS). */
  readonly vlanCount: Uint8Array;
  /** TPID of the first four tags, 2 bits each from the outermost: 1 0x8100, 2 0x88a8, 3 0x9100. */
  readonly vlanTpids: Uint8Array;
  /** TCI of the outermost tag: PCP `>> 13`, DEI `>> 12 & 1`, VLAN id `& 0xfff`. */
  readonly vlanOuter: Uint16Array;
  /** TCI of the second tag (the C-tag of a Q-in-Q pair). */
  readonly vlanInner: Uint16Array;
  /** 4 or 6 (0: no IP header decoded). */
  readonly ipVersion: Uint8Array;
  /** IPv4 source and destination as unsigned 32-bit numbers (10.0.0.1 is 0x0a000001); ARP's sender and target IPv4 addresses too. */
  readonly ipSrc: Uint32Array;
  readonly ipDst: Uint32Array;
  /** Row of `ipv6Addresses` holding this packet's IPv6 source and destination, or -1. */
  readonly ipv6Index: Int32Array;
  /** 32 bytes per IPv6 packet, source then destination, in row order: see `ipv6Index`. */
  readonly ipv6Addresses: Uint8Array;
  /**
   * IPv4 total length or IPv6 payload length, as the header says; an IPv4 total length of 0 (TCP
   * segmentation offload on the capturing host) shows as the length captured from the IP header on
   * (at most 65535), as tshark shows it, and the packet is decoded to the end of the capture.
   */
  readonly ipLength: Uint16Array;
  /** The upper-layer protocol: IPv4's protocol, or the next header after IPv6 extension headers. */
  readonly protocol: Uint8Array;
  /** IPv4's protocol field or the IPv6 fixed header's next header (`ipv6.nxt`). */
  readonly ipNextHeader: Uint8Array;
  /** TTL or hop limit. */
  readonly ttl: Uint8Array;
  /** IPv4 identification, or the 32-bit identification of an IPv6 fragment header. */
  readonly ipId: Uint32Array;
  /** IPv4 flags (4 reserved, 2 DF, 1 MF), or the IPv6 fragment header's M flag (1). */
  readonly ipFlags: Uint8Array;
  /** Fragment offset in 8-byte units (IPv4 or IPv6 fragment header). */
  readonly fragOffset: Uint16Array;
  /** TCP or UDP ports. */
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  /** TCP sequence and acknowledgement numbers, absolute (`tcp.seq_raw`, `tcp.ack_raw`). */
  readonly tcpSeq: Uint32Array;
  readonly tcpAck: Uint32Array;
  /** The 12 flag bits (NS..FIN; `tcp.flags`). */
  readonly tcpFlags: Uint16Array;
  readonly tcpWindow: Uint16Array;
  /** TCP header length in bytes (data offset x 4). */
  readonly tcpHeaderLength: Uint8Array;
  /** `TcpOptionBit` bits: which options were present, and MALFORMED. */
  readonly tcpOptions: Uint8Array;
  /** MSS option value, 0 when absent. */
  readonly tcpMss: Uint16Array;
  /** Window scale shift, 255 when absent (also in rows without TCP). */
  readonly tcpWindowScale: Uint8Array;
  /** SACK blocks in the SACK option (0 when absent). */
  readonly tcpSackBlocks: Uint8Array;
  /** Timestamps option TSval and TSecr (0 when absent; see `tcpOptions`). */
  readonly tcpTsval: Uint32Array;
  readonly tcpTsecr: Uint32Array;
  /** UDP length field. */
  readonly udpLength: Uint16Array;
  /** ICMP or ICMPv6 type and code. */
  readonly icmpType: Uint8Array;
  readonly icmpCode: Uint8Array;
  /** ARP opcode (the sender and target IPv4 addresses are in `ipSrc`/`ipDst` when `layers` has ARP_IPV4). */
  readonly arpOpcode: Uint16Array;
  /** IPv4 header checksum: 1 good, 2 bad (0: no IPv4 header, or one cut short by the capture). */
  readonly ipChecksum: Uint8Array;
  /** The IPv4 header checksum field as sent. */
  readonly ipChecksumValue: Uint16Array;
  /** The TCP, UDP, ICMP or ICMPv6 checksum field as sent (0 in UDP over IPv4: none computed). */
  readonly l4ChecksumValue: Uint16Array;
  /**
   * TCP, UDP, ICMP or ICMPv6 checksum: 1 good, 2 bad, 0 unverified (option off, a fragment, cut
   * short, UDP over IPv4 without one, ICMPv6 over IPv4). The pseudo-header names the final
   * destination of an IPv4 source route or IPv6 routing header still under way, as tshark has it.
   * A zero UDP checksum over IPv6 is always bad (RFC 8200 section 8.1).
   */
  readonly l4Checksum: Uint8Array;

  /** True when the columns are views of WebAssembly memory (`decodeBatch`'s `resident` option). */
  readonly resident: boolean;

  constructor(count: number, columns: BatchColumns, ipv6Addresses: Uint8Array, resident = false) {
    this.count = count;
    this.resident = resident;
    this.ipv6Addresses = ipv6Addresses;
    this.status = columns.status;
    this.errorLayer = columns.errorLayer;
    this.errorOffset = columns.errorOffset;
    this.layers = columns.layers;
    this.linkType = columns.linkType;
    this.l3Offset = columns.l3Offset;
    this.l4Offset = columns.l4Offset;
    this.payloadOffset = columns.payloadOffset;
    this.payloadLength = columns.payloadLength;
    this.ethertype = columns.ethertype;
    this.vlanCount = columns.vlanCount;
    this.vlanTpids = columns.vlanTpids;
    this.vlanOuter = columns.vlanOuter;
    this.vlanInner = columns.vlanInner;
    this.ipVersion = columns.ipVersion;
    this.ipSrc = columns.ipSrc;
    this.ipDst = columns.ipDst;
    this.ipv6Index = columns.ipv6Index;
    this.ipLength = columns.ipLength;
    this.protocol = columns.protocol;
    this.ipNextHeader = columns.ipNextHeader;
    this.ttl = columns.ttl;
    this.ipId = columns.ipId;
    this.ipFlags = columns.ipFlags;
    this.fragOffset = columns.fragOffset;
    this.srcPort = columns.srcPort;
    this.dstPort = columns.dstPort;
    this.tcpSeq = columns.tcpSeq;
    this.tcpAck = columns.tcpAck;
    this.tcpFlags = columns.tcpFlags;
    this.tcpWindow = columns.tcpWindow;
    this.tcpHeaderLength = columns.tcpHeaderLength;
    this.tcpOptions = columns.tcpOptions;
    this.tcpMss = columns.tcpMss;
    this.tcpWindowScale = columns.tcpWindowScale;
    this.tcpSackBlocks = columns.tcpSackBlocks;
    this.tcpTsval = columns.tcpTsval;
    this.tcpTsecr = columns.tcpTsecr;
    this.udpLength = columns.udpLength;
    this.icmpType = columns.icmpType;
    this.icmpCode = columns.icmpCode;
    this.arpOpcode = columns.arpOpcode;
    this.ipChecksum = columns.ipChecksum;
    this.ipChecksumValue = columns.ipChecksumValue;
    this.l4ChecksumValue = columns.l4ChecksumValue;
    this.l4Checksum = columns.l4Checksum;
  }

  /** A copy of this table in memory of its own (a resident table's rows, kept past the next resident decode). */
  copy(): PacketTable {
    const columns = allocateColumns(this.count);
    const to = columnList(columns);
    const from = columnList(this as unknown as BatchColumns);
    for (let k = 0; k < to.length; k++) to[k]!.set(from[k]! as never);
    const table = new PacketTable(this.count, columns, this.ipv6Addresses.slice());
    backing.set(table, { buffer: columns.status.buffer as ArrayBuffer, capacity: this.count });
    return table;
  }

  /** The status of row i by name. */
  statusOf(i: number): BatchStatus {
    return BATCH_STATUS[this.status[i]!] ?? 'ok';
  }

  /** The problem of row i as a WireError (not thrown), or undefined when it decoded cleanly. */
  error(i: number): WireError | undefined {
    const code = this.status[i]!;
    if (code === 0) return undefined;
    const layer = BATCH_ERROR_LAYER[this.errorLayer[i]!] ?? 'frame';
    const offset = this.errorOffset[i]!;
    return new WireError(BATCH_STATUS[code] as WireErrorCode, `${ERROR_TEXT[code] ?? 'malformed'} at offset ${offset} (packet ${i})`, {
      layer,
      offset,
    });
  }

  /** IPv6 source of row i as RFC 5952 text, or undefined. */
  ipv6Src(i: number): string | undefined {
    const k = this.ipv6Index[i]!;
    return k < 0 ? undefined : formatIpv6(this.ipv6Addresses, k * 32);
  }

  ipv6Dst(i: number): string | undefined {
    const k = this.ipv6Index[i]!;
    return k < 0 ? undefined : formatIpv6(this.ipv6Addresses, k * 32 + 16);
  }

  /**
   * Row i as a plain object keyed by tshark display-filter names, for the fields this table holds,
   * valued as `decodePacket(...).fields()` values them (numbers, dotted and RFC 5952 addresses,
   * `good`/`bad`/`unverified`). Built on each call; the columns are the fast way to read many rows.
   */
  row(i: number): FieldMap {
    if (!(i >= 0 && i < this.count && Number.isInteger(i))) {
      throw new WireError('bad-value', `row ${i} is outside 0..${this.count - 1}`, { layer: 'batch' });
    }
    return rowFields(this, i);
  }

  /** Every row, in order, as `row(i)` builds it. */
  *rows(): IterableIterator<FieldMap> {
    for (let i = 0; i < this.count; i++) yield rowFields(this, i);
  }
}

const ERROR_TEXT: Record<number, string> = {
  1: 'header cut short by the captured length',
  2: 'a length field disagrees with the bytes it describes',
  3: 'unexpected IP version',
  5: 'unsupported link type',
  6: 'too many nested headers',
};

const CHECKSUM_NAMES = ['unverified', 'good', 'bad'] as const;

function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function vlanFields(t: PacketTable, i: number, out: FieldSink): void {
  const count = t.vlanCount[i]!;
  const tpids = t.vlanTpids[i]!;
  // The tags whose TCI the table holds: the outer two.
  for (let k = 0; k < count && k < 2; k++) {
    const tci = k === 0 ? t.vlanOuter[i]! : t.vlanInner[i]!;
    const tpid = TPID_BY_CODE[(tpids >>> (2 * k)) & 3]!;
    // The type this tag carries: the next tag's TPID, or the final ethertype.
    const next = k + 1 < count ? (k + 1 < 4 ? TPID_BY_CODE[(tpids >>> (2 * k + 2)) & 3]! : undefined) : t.ethertype[i]!;
    if (tpid === 0x88a8) {
      out.add('ieee8021ad.priority', tci >>> 13);
      out.add('ieee8021ad.dei', (tci >>> 12) & 1);
      if (next === 0x88a8) {
        out.add('ieee8021ad.svid', tci & 0xfff);
        continue;
      }
      out.add('ieee8021ad.id', tci & 0xfff);
      if (next !== undefined && next !== 0x88e7) out.add('ieee8021ah.etype', next);
    } else {
      out.add('vlan.priority', tci >>> 13);
      out.add('vlan.dei', (tci >>> 12) & 1);
      out.add('vlan.id', tci & 0xfff);
      if (next !== undefined) out.add(next <= 1500 ? 'vlan.len' : 'vlan.etype', next);
    }
  }
}

/** tshark's one-bit TCP flag fields, by mask (tshark 4.0 names; `ae` is the former NS). */
const TCP_FLAG_FIELDS: readonly [string, number][] = [
  ['tcp.flags.res', 0xe00],
  ['tcp.flags.ae', 0x100],
  ['tcp.flags.cwr', 0x80],
  ['tcp.flags.ece', 0x40],
  ['tcp.flags.urg', 0x20],
  ['tcp.flags.ack', 0x10],
  ['tcp.flags.push', 0x08],
  ['tcp.flags.reset', 0x04],
  ['tcp.flags.syn', 0x02],
  ['tcp.flags.fin', 0x01],
];

/** ARP opcode 7: a DRARP error carries a status, not an address, in its target protocol field. */
const ARP_DRARP_ERROR = 7;

function addressFields(out: FieldSink, proto: 'ip' | 'ipv6', field: 'src' | 'dst', address: string): void {
  out.add(`${proto}.${field}`, address);
  out.add(`${proto}.addr`, address);
  out.add(`${proto}.${field}_host`, address);
  out.add(`${proto}.host`, address);
}

function tcpFields(t: PacketTable, i: number, out: FieldSink): void {
  const src = t.srcPort[i]!;
  const dst = t.dstPort[i]!;
  out.add('tcp.srcport', src);
  out.add('tcp.dstport', dst);
  out.add('tcp.port', src);
  out.add('tcp.port', dst);
  // The payload length only when the segment is all there, as tshark (which counts it from IP's
  // length) and decodePacket show it.
  if (!(t.layers[i]! & BatchLayer.PAYLOAD_CUT)) out.add('tcp.len', t.payloadLength[i]!);
  out.add('tcp.seq_raw', t.tcpSeq[i]!);
  out.add('tcp.ack_raw', t.tcpAck[i]!);
  out.add('tcp.hdr_len', t.tcpHeaderLength[i]!);
  const flags = t.tcpFlags[i]!;
  out.add('tcp.flags', flags);
  for (const [name, mask] of TCP_FLAG_FIELDS) out.add(name, flags & mask ? 1 : 0);
  out.add('tcp.window_size_value', t.tcpWindow[i]!);
  out.add('tcp.checksum', t.l4ChecksumValue[i]!);
  out.add('tcp.checksum.status', CHECKSUM_NAMES[t.l4Checksum[i]!]!);
  const opts = t.tcpOptions[i]!;
  if (opts & TcpOptionBit.MSS) out.add('tcp.options.mss_val', t.tcpMss[i]!);
  if (opts & TcpOptionBit.WINDOW_SCALE) {
    const shift = t.tcpWindowScale[i]!;
    out.add('tcp.options.wscale.shift', shift);
    // RFC 7323 section 2.3: shifts above 14 are used as 14.
    out.add('tcp.options.wscale.multiplier', 2 ** Math.min(shift, 14));
  }
  if (opts & TcpOptionBit.SACK_PERMITTED) out.add('tcp.options.sack_perm', '04:02');
  if (opts & TcpOptionBit.SACK) out.add('tcp.options.sack.count', t.tcpSackBlocks[i]!);
  if (opts & TcpOptionBit.TIMESTAMPS) {
    out.add('tcp.options.timestamp.tsval', t.tcpTsval[i]!);
    out.add('tcp.options.timestamp.tsecr', t.tcpTsecr[i]!);
  }
}

function rowFields(t: PacketTable, i: number): FieldMap {
  const out = new FieldSink();
  const layers = t.layers[i]!;
  if (layers & BatchLayer.ETH) {
    const type = t.vlanCount[i]! > 0 ? TPID_BY_CODE[t.vlanTpids[i]! & 3]! : t.ethertype[i]!;
    out.add(type <= 1500 ? 'eth.len' : 'eth.type', type);
  }
  if (layers & BatchLayer.VLAN) vlanFields(t, i, out);
  if (layers & BatchLayer.ARP) {
    const opcode = t.arpOpcode[i]!;
    out.add('arp.opcode', opcode);
    if (layers & BatchLayer.ARP_IPV4) {
      out.add('arp.src.proto_ipv4', ipv4Text(t.ipSrc[i]!));
      if (opcode !== ARP_DRARP_ERROR) out.add('arp.dst.proto_ipv4', ipv4Text(t.ipDst[i]!));
    }
  }
  if (layers & BatchLayer.IPV4) {
    const flags = t.ipFlags[i]!;
    out.add('ip.version', 4);
    out.add('ip.hdr_len', t.l4Offset[i]! - t.l3Offset[i]!);
    out.add('ip.len', t.ipLength[i]!);
    // A total length below the header's: tshark (and fields()) stop after it.
    if (t.ipLength[i]! < t.l4Offset[i]! - t.l3Offset[i]!) return out.map;
    out.add('ip.id', t.ipId[i]!);
    out.add('ip.flags', flags);
    out.add('ip.flags.rb', (flags >>> 2) & 1);
    out.add('ip.flags.df', (flags >>> 1) & 1);
    out.add('ip.flags.mf', flags & 1);
    out.add('ip.frag_offset', t.fragOffset[i]!);
    out.add('ip.ttl', t.ttl[i]!);
    out.add('ip.proto', t.protocol[i]!);
    out.add('ip.checksum', t.ipChecksumValue[i]!);
    out.add('ip.checksum.status', CHECKSUM_NAMES[t.ipChecksum[i]!]!);
    if (BATCH_STATUS[t.status[i]!] === 'truncated' && BATCH_ERROR_LAYER[t.errorLayer[i]!] === 'ip') {
      // A header cut inside its options: whether tshark (and fields()) show the destination depends
      // on option bytes the table does not keep, so the row shows only what is sure: the source.
      out.add('ip.src', ipv4Text(t.ipSrc[i]!));
      out.add('ip.src_host', ipv4Text(t.ipSrc[i]!));
      return out.map;
    }
    addressFields(out, 'ip', 'src', ipv4Text(t.ipSrc[i]!));
    addressFields(out, 'ip', 'dst', ipv4Text(t.ipDst[i]!));
  }
  if (layers & BatchLayer.IPV6) {
    out.add('ipv6.version', 6);
    out.add('ip.version', 6);
    out.add('ipv6.plen', t.ipLength[i]!);
    out.add('ipv6.nxt', t.ipNextHeader[i]!);
    out.add('ipv6.hlim', t.ttl[i]!);
    addressFields(out, 'ipv6', 'src', t.ipv6Src(i)!);
    addressFields(out, 'ipv6', 'dst', t.ipv6Dst(i)!);
    if (layers & BatchLayer.IPV6_FRAGMENT_HEADER) {
      out.add('ipv6.fraghdr.offset', t.fragOffset[i]!);
      out.add('ipv6.fraghdr.more', t.ipFlags[i]! & 1);
      out.add('ipv6.fraghdr.ident', t.ipId[i]!);
    }
  }
  if (layers & BatchLayer.TCP) tcpFields(t, i, out);
  if (layers & BatchLayer.UDP) {
    const src = t.srcPort[i]!;
    const dst = t.dstPort[i]!;
    out.add('udp.srcport', src);
    out.add('udp.dstport', dst);
    out.add('udp.port', src);
    out.add('udp.port', dst);
    const ulen = t.udpLength[i]!;
    out.add('udp.length', ulen);
    // As fields(): tshark stops at a length below the 8-byte header.
    if (ulen !== 0 && ulen < 8) return out.map;
    const sum = t.l4ChecksumValue[i]!;
    out.add('udp.checksum', sum);
    // tshark's statuses for a zero checksum ("not present", "illegal") have no ChecksumStatus name.
    if (sum !== 0) out.add('udp.checksum.status', CHECKSUM_NAMES[t.l4Checksum[i]!]!);
  }
  const icmpCut = t.status[i] !== 0 && BATCH_ERROR_LAYER[t.errorLayer[i]!]!.startsWith('icmp');
  // An ICMP header short of 8 bytes (cut, or a length that says so): what fields() shows of it
  // depends on how many bytes there are, which the table does not keep.
  if (layers & (BatchLayer.ICMP | BatchLayer.ICMPV6) && !icmpCut) {
    const p = layers & BatchLayer.ICMP ? 'icmp' : 'icmpv6';
    out.add(`${p}.type`, t.icmpType[i]!);
    out.add(`${p}.code`, t.icmpCode[i]!);
    out.add(`${p}.checksum`, t.l4ChecksumValue[i]!);
    out.add(`${p}.checksum.status`, CHECKSUM_NAMES[t.l4Checksum[i]!]!);
  }
  return out.map;
}

// ---------------------------------------------------------------------------------------------
// Input normalisation and the two backends

/** True for a view whose ArrayBuffer was detached (Node 20 lacks ArrayBuffer.prototype.detached). */
function isDetached(view: Uint8Array): boolean {
  try {
    new Uint8Array(view.buffer);
    return false;
  } catch {
    return true;
  }
}

function resolveLinkType(value: BatchOptions['linkType']): number {
  if (value === undefined) return 1;
  const n = typeof value === 'number' ? value : LINK_TYPES[value];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0xffff) {
    throw new WireError('bad-value', `unknown link type '${String(value)}'`, { layer: 'batch' });
  }
  return n;
}

function checkRecords(r: PacketRecords): number {
  const count = r.count ?? r.offsets.length;
  if (!Number.isInteger(count) || count < 0 || count > r.offsets.length || count > r.lengths.length) {
    throw new WireError('bad-value', `count ${count} exceeds the record table (${r.offsets.length} offsets, ${r.lengths.length} lengths)`, {
      layer: 'batch',
    });
  }
  if (typeof r.linkTypes === 'object' && r.linkTypes.length < count) {
    throw new WireError('bad-value', `linkTypes has ${r.linkTypes.length} entries for ${count} records`, { layer: 'batch' });
  }
  return count;
}

/** Columns for `count` rows: in the memory of `reuse` when it is large enough, else fresh (zeroed). */
function outputColumns(count: number, reuse: PacketTable | undefined, zero: boolean) {
  const held = reuse === undefined ? undefined : backing.get(reuse);
  if (held !== undefined && held.capacity >= count) {
    backing.delete(reuse!);
    const columns = allocateColumns(count, held.buffer, held.capacity);
    if (zero) for (const column of columnList(columns)) column.fill(0);
    return { columns, buffer: held.buffer, capacity: held.capacity };
  }
  const buffer = new ArrayBuffer(count * BATCH_ROW_BYTES);
  return { columns: allocateColumns(count, buffer), buffer, capacity: count };
}

function makeTable(count: number, out: ReturnType<typeof outputColumns>, ipv6: Uint8Array, resident = false): PacketTable {
  const table = new PacketTable(count, out.columns, ipv6, resident);
  // A resident table's memory is the arena's: never handed to `reuse`.
  if (!resident) backing.set(table, { buffer: out.buffer, capacity: out.capacity });
  return table;
}

/** A resident region: where in which arena's memory a resident table's chunk lies. */
export interface ResidentSlot {
  arena: Arena;
  ptr: number;
}

/** A resident table's first `count` rows as views of WASM memory (a chunk's layout, at slot.ptr). */
function residentColumns(slot: ResidentSlot, count: number): ReturnType<typeof outputColumns> {
  const buffer = slot.arena.buffer;
  const columns = allocateColumns(count, buffer, BATCH_CHUNK, slot.ptr, BATCH_COLUMN_PAD);
  return { columns, buffer, capacity: count };
}

function decodeJs(
  packets: readonly Uint8Array[] | PacketRecords,
  count: number,
  linkTypes: Uint16Array | null,
  linkType: number,
  flags: number,
  reuse: PacketTable | undefined,
): PacketTable {
  const out = outputColumns(count, reuse, true);
  const pool = new Uint8Array(count * 32);
  let n6: number;
  if (Array.isArray(packets)) {
    n6 = decodeBatchPacketsJs(packets as readonly Uint8Array[], count, linkTypes, linkType, out.columns, pool, flags);
  } else {
    const r = packets as PacketRecords;
    n6 = decodeBatchJs(r.data, r.offsets, r.lengths, count, linkTypes, linkType, out.columns, pool, flags);
  }
  return makeTable(count, out, n6 * 32 === pool.length ? pool : pool.slice(0, n6 * 32));
}

/** Typed views of all of WASM memory, remade when memory grows (growing detaches them). */
export interface HeapViews {
  buffer: ArrayBuffer;
  u8: Uint8Array;
  u16: Uint16Array;
  u32: Uint32Array;
  i32: Int32Array;
}
let views: HeapViews | undefined;

export function heapViews(a: Arena): HeapViews {
  if (views === undefined || views.buffer !== a.buffer) {
    const buffer = a.buffer;
    views = { buffer, u8: a.heap, u16: new Uint16Array(buffer), u32: new Uint32Array(buffer), i32: new Int32Array(buffer) };
  }
  return views;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/**
 * Rows per kernel call: decodeBatch and the capture walk go through a batch in sub-batches of at
 * most this many records, each decoded into the arena's fixed scratch region and copied out into
 * the table at its row offset, so a batch of any size runs in the same memory (see
 * BATCH_SCRATCH_SIZE for the measurements). One output chunk (4096 rows, 380 KiB of columns) per
 * call: what a call writes is still in the core's 2 MiB L2 when it is zeroed, written and copied
 * out, next to the packets and the table being filled. In-process A/B against two chunks per call
 * (6 runs each, 10,000-packet batches of 66-byte Ethernet/IPv4/TCP frames, table reused): 4-13%
 * less time a packet in place, about 17% with the capture copied in; the capture walk of a 483 MB
 * pcap 3 runs of 4 faster by ~10%. Half-size chunks (2048 rows, one per call) were slower again.
 */
export const BATCH_SUB_ROWS = BATCH_CHUNK;

/** Where one sub-batch's record table, outputs and copied-in packet bytes go in the scratch region. */
export interface ScratchPlan {
  /** Rows per sub-batch at most. */
  rows: number;
  offsets: number;
  lengths: number;
  linkTypes: number;
  out: number;
  pool: number;
  /** The capture walker's index columns (20 bytes a row) and its stop status (8 bytes). */
  index: number;
  status: number;
  /** The input part: packets not already in WASM memory are copied here, a sub-batch at a time. */
  input: number;
  inputSize: number;
}

/**
 * Bytes per chain when the capture walk (assembly/wire/capture.ts) walks several chains of records
 * at once; 0 walks record by record. Interleaved in one process on bench/capture.mjs's 483 MB
 * capture (8 chains): record by record 9.4-9.5 M packets/s, 64 KiB 10.2-10.7 M, 128 KiB 10.6-10.8 M,
 * 256 KiB 10.0-11.1 M; 16 chains were no faster.
 */
export const WALK_SPAN = 131072;

const limits = { rows: BATCH_SUB_ROWS, inputBytes: Infinity, walkSpan: WALK_SPAN };

/** The capture walk's chain span (WALK_SPAN unless a test changed it). */
export function walkSpan(): number {
  return limits.walkSpan;
}
let plan: ScratchPlan | undefined;
let planFor: Arena | undefined;

export function scratchPlan(a: Arena): ScratchPlan {
  if (plan !== undefined && planFor === a) return plan;
  const rows = limits.rows;
  let at = a.scratchPtr;
  const take = (bytes: number) => {
    const here = at;
    at += align64(bytes);
    return here;
  };
  const offsets = take(rows * 4);
  const lengths = take(rows * 4);
  const linkTypes = take(rows * 2);
  const out = take(Math.ceil(rows / BATCH_CHUNK) * BATCH_CHUNK_BYTES);
  const pool = take(rows * 32);
  const index = take(rows * 20);
  const status = take(8);
  const room = a.scratchPtr + a.scratchSize - at;
  // Only the test hook can ask for that many rows.
  if (room < 4096) {
    throw new WireError('internal', `${rows}-row sub-batches do not fit the ${a.scratchSize}-byte batch scratch`, { layer: 'batch' });
  }
  // The input part ends where the scratch does (a test limit shrinks it from below), so copying
  // past it would land in the user region, where tests see it.
  const inputSize = Math.min(room, limits.inputBytes);
  const input = a.scratchPtr + a.scratchSize - inputSize;
  plan = { rows, offsets, lengths, linkTypes, out, pool, index, status, input, inputSize };
  planFor = a;
  return plan;
}

/**
 * Test hook, not exported from the package: sub-batches of at most `rows` records and `inputBytes`
 * copied-in packet bytes (larger packets are decoded alone, as oversized ones are), and the capture
 * walk's chain span (`walkSpan`, 0 for the plain walk). No argument
 * restores the defaults.
 */
export function setBatchLimitsForTests(next: { rows?: number; inputBytes?: number; walkSpan?: number } = {}): void {
  limits.rows = next.rows ?? BATCH_SUB_ROWS;
  limits.inputBytes = next.inputBytes ?? Infinity;
  limits.walkSpan = next.walkSpan ?? WALK_SPAN;
  plan = undefined;
}

/**
 * The table being filled: its columns, made on first use (see `columnsOf`), and the IPv6 addresses
 * gathered so far (`v6` rows of 32 bytes).
 */
export interface Sink {
  count: number;
  reuse: PacketTable | undefined;
  /** The resident region holding the table (rows of its first kernel call written there directly), or null. */
  resident: ResidentSlot | null;
  out: ReturnType<typeof outputColumns> | undefined;
  list: ReturnType<typeof columnList>;
  ipv6: Uint8Array;
  v6: number;
}

/**
 * The table's columns, allocated when the first rows are ready to copy into them rather than before
 * the first kernel call: fresh memory is zeroed when allocated, and the walk in between would evict
 * it from cache before the copy touches it again.
 */
function columnsOf(sink: Sink): BatchColumns {
  if (sink.out === undefined) {
    sink.out = sink.resident !== null ? residentColumns(sink.resident, sink.count) : outputColumns(sink.count, sink.reuse, false);
    sink.list = columnList(sink.out.columns);
  }
  return sink.out.columns;
}

const NO_ADDRESSES = new Uint8Array(0);

/**
 * Appends `n6` rows of IPv6 addresses after `done` rows of the batch. The buffer is sized for the
 * whole batch at the share of IPv6 rows seen so far, so it is allocated once, at its final size, when
 * that share holds (one call, or all or none of the packets IPv6); otherwise it at least doubles.
 */
function keepIpv6(sink: Sink, from: Uint8Array, n6: number, done: number): void {
  const have = sink.v6 * 32;
  const need = have + n6 * 32;
  if (need > sink.ipv6.length) {
    const estimate = Math.ceil(((sink.v6 + n6) * sink.count) / done) * 32;
    const next = new Uint8Array(Math.max(need, estimate, sink.ipv6.length * 2));
    next.set(sink.ipv6.subarray(0, have));
    sink.ipv6 = next;
  }
  sink.ipv6.set(from, have);
  sink.v6 += n6;
}

function decodeWasm(
  a: Arena,
  packets: readonly Uint8Array[] | PacketRecords,
  count: number,
  linkTypes: Uint16Array | null,
  linkType: number,
  flags: number,
  reuse: PacketTable | undefined,
  resident: boolean,
): PacketTable {
  const p = scratchPlan(a);
  // Nothing below grows memory, so these views stay attached for the whole call.
  const h = heapViews(a);
  const sink = newSink(count, reuse, resident ? { arena: a, ptr: a.residentPtr } : null);
  if (Array.isArray(packets)) decodePacketsWasm(a, p, h, sink, packets as readonly Uint8Array[], count, linkTypes, linkType, flags);
  else decodeRecordsWasm(a, p, h, sink, packets as PacketRecords, count, linkTypes, linkType, flags);
  return finishSink(sink, count);
}

/**
 * A table of up to `capacity` rows to fill: in the memory of `reuse` when it is large enough, or
 * the resident region of `resident` (capacity at most BATCH_CHUNK).
 */
export function newSink(capacity: number, reuse: PacketTable | undefined, resident: ResidentSlot | null = null): Sink {
  return { count: capacity, reuse, resident, out: undefined, list: [], ipv6: NO_ADDRESSES, v6: 0 };
}

/** The filled sink as a table of its first `count` rows. */
export function finishSink(sink: Sink, count: number): PacketTable {
  columnsOf(sink);
  const out = sink.out!;
  if (count !== sink.count) {
    out.columns = sink.resident !== null ? residentColumns(sink.resident, count).columns : allocateColumns(count, out.buffer, out.capacity);
  }
  const used = sink.v6 * 32;
  return makeTable(count, out, used === sink.ipv6.length ? sink.ipv6 : sink.ipv6.slice(0, used), sink.resident !== null);
}

/**
 * An array of packets. Those already in WASM memory (views of allocBuffer's region) are read where
 * they are, by absolute address (the kernel's data is then all of memory); the rest are copied back
 * to back into the input part, and a sub-batch ends where the next one would not fit.
 */
function decodePacketsWasm(
  a: Arena, p: ScratchPlan, h: HeapViews, sink: Sink, list: readonly Uint8Array[], count: number,
  linkTypes: Uint16Array | null, linkType: number, flags: number,
): void {
  const owner = a.buffer;
  const userPtr = a.userPtr;
  const userEnd = userPtr + a.userHigh;
  const offs = p.offsets >>> 2;
  const lens = p.lengths >>> 2;
  const inputEnd = p.input + p.inputSize;
  const u8 = h.u8;
  const u32 = h.u32;
  for (let s = 0; s < count; ) {
    const limit = Math.min(count, s + p.rows);
    let at = p.input;
    let e = s;
    for (; e < limit; e++) {
      const q = list[e]!;
      const n = q.length;
      const where = q.byteOffset;
      // `buffer` is a slow getter (a runtime call per view in V8): read it only for views that
      // could lie in the user region.
      if (where >= userPtr && where + n <= userEnd && q.buffer === owner) {
        u32[offs + e - s] = where;
        u32[lens + e - s] = n;
        continue;
      }
      if (n > inputEnd - at) break;
      u8.set(q, at);
      u32[offs + e - s] = at;
      u32[lens + e - s] = n;
      at += n;
    }
    if (e === s) {
      // One packet larger than the whole input part.
      decodeAloneJs(sink, s, list[s]!, linkTypes === null ? linkType : linkTypes[s]!, flags);
      s++;
      continue;
    }
    runKernel(a, p, h, sink, s, e, 0, u8.length, linkTypes, linkType, flags);
    s = e;
  }
}

/**
 * A capture buffer and its record table. In WASM memory (allocBuffer), it is read where it is and
 * only the record table goes through scratch. Elsewhere, each sub-batch's records are copied in:
 * the byte span they cover in one copy (a capture's records in order, with the record headers
 * between them), or record by record when that span is mostly other bytes (a few records of a large
 * capture, or records out of order). Records that reach past the data are not copied: the kernel
 * refuses them (status bad-length at the frame) as it would in place.
 */
function decodeRecordsWasm(
  a: Arena, p: ScratchPlan, h: HeapViews, sink: Sink, r: PacketRecords, count: number,
  linkTypes: Uint16Array | null, linkType: number, flags: number,
): void {
  const { data, offsets, lengths } = r;
  const n = data.length;
  const offs = p.offsets >>> 2;
  const lens = p.lengths >>> 2;
  if (a.owns(data) && a.inUserRegion(data.byteOffset, n)) {
    for (let s = 0; s < count; s += p.rows) {
      const e = Math.min(count, s + p.rows);
      h.u32.set(offsets.subarray(s, e), offs);
      h.u32.set(lengths.subarray(s, e), lens);
      runKernel(a, p, h, sink, s, e, data.byteOffset, n, linkTypes, linkType, flags);
    }
    return;
  }
  const room = p.inputSize;
  for (let s = 0; s < count; ) {
    const limit = Math.min(count, s + p.rows);
    let lo = n;
    let hi = 0;
    let e = s;
    for (; e < limit; e++) {
      const o = offsets[e]!;
      const end = o + lengths[e]!;
      if (end > n) continue; // nothing to copy: refused unread
      const nlo = o < lo ? o : lo;
      const nhi = end > hi ? end : hi;
      if (nhi - nlo > room) break;
      lo = nlo;
      hi = nhi;
    }
    let byRecord = false;
    if (e < limit && e > s) {
      // The span is full. When it is mostly other bytes, copy record by record instead, as many as fit.
      let packed = 0;
      for (let i = s; i < e; i++) if (offsets[i]! + lengths[i]! <= n) packed += lengths[i]!;
      if (packed * 2 < hi - lo) {
        byRecord = true;
        for (; e < limit; e++) {
          const len = lengths[e]!;
          if (offsets[e]! + len > n) continue;
          if (len > room - packed) break;
          packed += len;
        }
      }
    }
    if (e === s) {
      // One record larger than the whole input part.
      decodeAloneJs(sink, s, data.subarray(offsets[s]!, offsets[s]! + lengths[s]!), linkTypes === null ? linkType : linkTypes[s]!, flags);
      s++;
      continue;
    }
    h.u32.set(lengths.subarray(s, e), lens);
    let dataPtr: number;
    let dataLen: number;
    if (!byRecord) {
      if (lo > hi) lo = hi = 0;
      h.u32.set(offsets.subarray(s, e), offs);
      h.u8.set(data.subarray(lo, hi), p.input);
      // Offsets stay relative to `data`: the kernel adds them to this pointer modulo 2^32, so
      // offset lo lands on the first copied byte.
      dataPtr = (p.input - lo) >>> 0;
      dataLen = hi;
    } else {
      let at = 0;
      for (let i = s; i < e; i++) {
        const o = offsets[i]!;
        const len = lengths[i]!;
        if (o + len > n) {
          h.u32[offs + i - s] = 0xffffffff; // past dataLen: refused, as it would be in place
          continue;
        }
        h.u8.set(data.subarray(o, o + len), p.input + at);
        h.u32[offs + i - s] = at;
        at += len;
      }
      dataPtr = p.input;
      dataLen = at;
    }
    runKernel(a, p, h, sink, s, e, dataPtr, dataLen, linkTypes, linkType, flags);
    s = e;
  }
}

/**
 * Decodes rows [first, end) whose offsets and lengths are in scratch, and copies the chunked output
 * into the table's own columns at row `first` (one buffer outside WASM memory, so the table owns its
 * data: later calls, allocBuffer and memory growth cannot change or detach it).
 */
function runKernel(
  a: Arena, p: ScratchPlan, h: HeapViews, sink: Sink, first: number, end: number, dataPtr: number, dataLen: number,
  linkTypes: Uint16Array | null, linkType: number, flags: number,
): void {
  const rows = end - first;
  let ltPtr = 0;
  if (linkTypes !== null) {
    ltPtr = p.linkTypes;
    h.u16.set(linkTypes.subarray(first, end), ltPtr >>> 1);
  }
  const out = outputPtr(p, sink, first);
  let n6: number;
  try {
    n6 = a.exports.decodeBatch(dataPtr, dataLen, p.offsets, p.lengths, rows, ltPtr, linkType, out, p.pool, flags) >>> 0;
  } catch (cause) {
    throw trapToWireError('decodeBatch', cause);
  }
  rowsOut(p, h, sink, first, rows, n6, out);
}

/**
 * Where a kernel call writing rows from `first` puts its output chunk: a resident table's first
 * rows are written where they stay (later sub-batches go through scratch and are copied in).
 */
export function outputPtr(p: ScratchPlan, sink: Sink, first: number): number {
  return sink.resident !== null && first === 0 ? sink.resident.ptr : p.out;
}

/** After a kernel call that wrote to `out` (outputPtr's answer): its rows and IPv6 addresses into the table. */
export function rowsOut(p: ScratchPlan, h: HeapViews, sink: Sink, first: number, rows: number, n6: number, out: number): void {
  if (out === p.out) copyRowsOut(p, h, sink, first, rows, n6);
  else copyIpv6Out(p, h, sink, first, rows, n6);
}

/**
 * Copies a kernel call's `rows` rows (chunked, at p.out) and `n6` IPv6 addresses (at p.pool) into
 * the table being filled, at row `first`. Shared by decodeBatch and the capture walker.
 */
function copyRowsOut(p: ScratchPlan, h: HeapViews, sink: Sink, first: number, rows: number, n6: number): void {
  columnsOf(sink); // fills sink.list
  const list = sink.list;
  for (let c = 0; c * BATCH_CHUNK < rows; c++) {
    const from0 = c * BATCH_CHUNK;
    const n = Math.min(BATCH_CHUNK, rows - from0);
    const chunk = p.out + c * BATCH_CHUNK_BYTES;
    for (let k = 0; k < list.length; k++) {
      const col = list[k]!;
      const at = chunk + BATCH_CHUNK_OFFSETS[k]!;
      const size = col.BYTES_PER_ELEMENT;
      // Same-typed source views, so set() is a plain memmove.
      const src = size === 4 ? (k === IPV6_INDEX_COLUMN ? h.i32 : h.u32) : size === 2 ? h.u16 : h.u8;
      const from = at / size;
      col.set(src.subarray(from, from + n) as never, first + from0);
    }
  }
  copyIpv6Out(p, h, sink, first, rows, n6);
}

/** The `n6` IPv6 addresses of a kernel call (at p.pool) appended to the table's, for its rows from `first`. */
function copyIpv6Out(p: ScratchPlan, h: HeapViews, sink: Sink, first: number, rows: number, n6: number): void {
  const end = first + rows;
  if (n6 > 0) {
    const columns = columnsOf(sink);
    // The kernel numbers IPv6 rows from 0 in each call; the table numbers them over the batch.
    const base = sink.v6;
    if (base > 0) {
      const index = columns.ipv6Index;
      for (let i = first; i < end; i++) if (index[i]! >= 0) index[i]! += base;
    }
    keepIpv6(sink, h.u8.subarray(p.pool, p.pool + n6 * 32), n6, end);
  }
}

/**
 * Row `row` from one packet larger than the scratch's input part (megabytes: no real link or
 * snap length makes one), decoded by the JS twin, which gives the kernel's row for any input and
 * reads the packet where it is. The batch goes on in WebAssembly around it.
 */
export function decodeAloneJs(sink: Sink, row: number, packet: Uint8Array, linkType: number, flags: number): void {
  const one = allocateColumns(1);
  const pool = new Uint8Array(32);
  const n6 = decodeBatchJs(packet, ONE_OFFSET, Uint32Array.of(packet.length), 1, null, linkType, one, pool, flags);
  const from = columnList(one);
  const columns = columnsOf(sink);
  for (let k = 0; k < from.length; k++) sink.list[k]![row] = from[k]![0]!;
  if (n6 > 0) {
    columns.ipv6Index[row] = sink.v6;
    keepIpv6(sink, pool, 1, row + 1);
  }
}

const ONE_OFFSET = new Uint32Array(1);

const IPV6_INDEX_COLUMN = U32_COLUMN_NAMES.indexOf('ipv6Index');

/**
 * Decodes many packets at once into a `PacketTable`: Ethernet (link type 1), raw IP (101), IPv4
 * (228), IPv6 (229) or Linux cooked captures (113, 276: protocols that are ethertypes; Linux
 * protocol numbers, netlink and GRE-bridged Ethernet stay opaque); then any stack of 802.1Q/802.1ad/0x9100 tags (up to MAX_VLAN_TAGS), ARP,
 * IPv4 (options stepped over), IPv6 with up to MAX_IPV6_EXTENSIONS extension headers (hop-by-hop,
 * routing, fragment, destination options, AH), and TCP (options summarised), UDP, ICMP or ICMPv6;
 * later fragments stop at IP. A malformed packet gets a status in its row (see `error(i)`) and
 * never stops the batch; nothing is read past a record, whatever its fields say.
 *
 * With WebAssembly the batch is walked in calls of up to 4096 records, in a
 * scratch region of fixed size, so a batch of any size never grows WASM memory and views that
 * `allocBuffer` handed out stay attached. A capture buffer made by `allocBuffer` is read where it
 * is; other inputs are copied into WASM memory a sub-batch at a time (an array of packets one `set`
 * each, so a capture buffer with a record table is the fast form). Each sub-batch's columns are
 * copied out into one ArrayBuffer the table owns. Fresh memory costs page faults on first touch: to
 * decode a stream of batches, pass the previous table as `reuse`. `resident: true` (up to 4096
 * records) skips the copy-out: the kernel writes the one resident table's columns in WASM memory,
 * valid until the next resident decode. `setBackend('js')` runs the
 * TypeScript twin instead: the tables are identical.
 *
 * Rows (`row(i)`) hold decodePacket's field names and values for what the table holds, except
 * where the batch walks less by design: it stops at the first transport header (no IP tunnels, no
 * packet quoted by an ICMP error, nothing above TCP/UDP), keeps the TCIs of the outer two VLAN tags
 * and the last of a repeated TCP option, does not validate IPv4 or IPv6 options (decodePacket stops
 * at a malformed list; the batch goes on), shows an IPv4 source route's header destination as
 * `ip.dst` (decodePacket and tshark show the route's end), and does not decode jumbograms.
 *
 * @example
 * const table = decodeBatch(frames);                               // Uint8Array[]
 * const t2 = decodeBatch({ data: capture, offsets, lengths });     // one buffer + record table
 * table.count; table.dstPort[0]; table.row(0)['tcp.dstport'];
 * let t: PacketTable | undefined;
 * for (const batch of batches) t = decodeBatch(batch, { reuse: t }); // a stream: no new memory
 * const r = decodeBatch(batchOf4096, { resident: true });          // columns in WASM memory: no copy
 */
export function decodeBatch(packets: readonly Uint8Array[] | PacketRecords, options: BatchOptions = {}): PacketTable {
  const flags = options.checksums ? VERIFY_L4 : 0;
  let count: number;
  let linkTypes: Uint16Array | null = null;
  let linkType = resolveLinkType(options.linkType);
  if (Array.isArray(packets)) {
    count = packets.length;
  } else {
    const r = packets as PacketRecords;
    count = checkRecords(r);
    if (r.data.length === 0 && isDetached(r.data)) {
      throw new WireError('bad-value', 'data is a view of WebAssembly memory that has since grown, which detached it; call allocBuffer again for a fresh view of the same bytes', {
        layer: 'batch',
      });
    }
    if (typeof r.linkTypes === 'number') linkType = resolveLinkType(r.linkTypes);
    else if (r.linkTypes !== undefined) linkTypes = r.linkTypes;
  }
  const a = wasmArena();
  if (a === null) return decodeJs(packets, count, linkTypes, linkType, flags, options.reuse);
  const resident = options.resident === true && count <= BATCH_RESIDENT_ROWS;
  // Under `auto`, small batches go to the twin (same table): a WASM call has a fixed cost of a few
  // microseconds (clearing and copying out ~46 column chunks) that decodes ~30 packets in JS.
  if (autoMode && !resident && count < BATCH_JS_BELOW && (Array.isArray(packets) || !a.owns((packets as PacketRecords).data))) {
    return decodeJs(packets, count, linkTypes, linkType, flags, options.reuse);
  }
  return decodeWasm(a, packets, count, linkTypes, linkType, flags, options.reuse, resident);
}
