// Microsoft Network Monitor captures, 1.x ("RTSS") and 2.x ("GMBU"), as Wireshark's wiretap
// (netmon.c) reads them and `editcap -F netmon1|netmon2` writes them. All little-endian:
//
// - a 128-byte file header: magic, minor and major version, network (media) type, the capture's
//   start as a Windows SYSTEMTIME (year, month, day of week, day, hour, minute, second,
//   millisecond; 16 bits each), then the frame table's offset and length (and, from 2.2, the
//   comment and process tables', which are not packets);
// - records: 1.x a 32-bit millisecond delta from the start and 16-bit original and included
//   lengths; 2.x a 64-bit microsecond delta and 32-bit lengths. From 2.1 a trailer follows the
//   data: the record's own network type (2.1), a process index (2.2), and a UTC FILETIME in 100 ns
//   units (2.3, which then gives the record's time);
// - the frame table: one 32-bit file offset per record.
//
// The readers here read front to back (a stream cannot seek to the table at the end), so records
// are taken in file order from offset 128 and the table, when it comes, must list exactly those
// offsets: a file whose table orders records otherwise, or skips gaps between them, is refused with
// a WireError rather than read wrongly. Files that NetMon and Wireshark write are in order.
//
// The start time is a local time without a zone. Wireshark converts it (and writes it) in the
// time zone of the machine that runs it; wirekit reads it as UTC, so the two agree where tshark
// runs with TZ=UTC (the fixtures are made so) and differ by the zone's offset elsewhere.
import { fileError, truncatedAt } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

export const NETMON_HEADER_LENGTH = 128;
const RECORD_HEADER_1 = 8;
const RECORD_HEADER_2 = 16;

/** pcap link types of NetMon's network (media) types, as wiretap maps them; undefined: not read. */
const NETWORK_TO_LINKTYPE: readonly (number | undefined)[] = [
  1, // 0: Ethernet (NetMon 3.4 VPN captures use 0 for Ethernet frames)
  1, // 1: NDIS Ethernet
  6, // 2: NDIS token ring
  10, // 3: NDIS FDDI
  undefined, // 4: NDIS WAN (ATM, with a pseudo-header of its own)
  undefined, // 5: IP over IEEE 1394
  undefined, // 6: 802.11 with NetMon's radio header
  101, // 7: tunnelling interfaces: raw IP
  101, // 8: wireless WAN: raw IP
  101, // 9: raw IP frames
];

/** Per-record network types of 2.1 and later that carry no packet (Wireshark skips them too). */
const SKIPPED_NETWORKS = new Set([
  0xfffc, // payload header of a frame NetMon rebuilt by reassembly
  0xfffd, // network info: the adapters of the capture
  0xfffe, // DNS cache
]);

/** 2.1+: a pcap link type carried as 0xE000 | LINKTYPE. */
const PCAP_BASE = 0xe000;

/** 100-ns intervals from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

type Stage = 'header' | 'records' | 'table' | 'after';

export class NetmonParser implements UnitParser {
  readonly format = 'netmon' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'header';
  private major = 2;
  private minor = 0;
  private recordHeader = RECORD_HEADER_2;
  private trailer = 0;
  private linkType = 1;
  private perPacket = false;
  /** The SYSTEMTIME start, in nanoseconds since the epoch (read as UTC). */
  private startNs = 0n;
  private tableOffset = 0;
  private tableEnd = 0;
  /** Records seen and a hash of their offsets, to check the frame table against without keeping them. */
  private records = 0;
  private offsetsHash = 0;
  private tableEntries = 0;
  private tableHash = 0;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    switch (this.stage) {
      case 'header':
        return 'file header';
      case 'records':
        return 'record';
      case 'table':
        return 'frame table entry';
      case 'after':
        return 'trailing data';
    }
  }

  headerLength(): number {
    switch (this.stage) {
      case 'header':
        return NETMON_HEADER_LENGTH;
      case 'records':
        return this.recordHeader;
      case 'table':
        return 4;
      case 'after':
        return 1;
    }
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (this.stage === 'header') return NETMON_HEADER_LENGTH;
    if (this.stage === 'table') return 4;
    if (this.stage === 'after') return 1;
    const v1 = this.major === 1;
    const included = v1 ? view.getUint16(at + 6, true) : view.getUint32(at + 12, true);
    const cap = this.state.maxRecordLength;
    if (included > cap) {
      throw fileError('netmon', 'limit-exceeded', `record at offset ${fileOffset} claims ${included} captured bytes, above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset + (v1 ? 6 : 12), included, cap);
    }
    const length = this.recordHeader + included + this.trailer;
    if (fileOffset + length > this.tableOffset) {
      throw fileError('netmon', 'bad-length', `record at offset ${fileOffset} of ${length} bytes runs past the frame table at offset ${this.tableOffset}: the file is damaged`, fileOffset + (v1 ? 6 : 12));
    }
    return length;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    switch (this.stage) {
      case 'header':
        this.decodeHeader(view, at, fileOffset);
        return undefined;
      case 'table':
        this.tableEntries++;
        this.tableHash = mix(this.tableHash, view.getUint32(at, true));
        if (fileOffset + 4 === this.tableEnd) this.checkTable(fileOffset + 4);
        return undefined;
      case 'after':
        return undefined;
      case 'records':
        break;
    }
    this.records++;
    this.offsetsHash = mix(this.offsetsHash, fileOffset);
    if (fileOffset + length === this.tableOffset) this.stage = 'table';
    const v1 = this.major === 1;
    const included = length - this.recordHeader - this.trailer;
    const original = v1 ? view.getUint16(at + 4, true) : view.getUint32(at + 8, true);
    let linkType = this.linkType;
    let timestamp: bigint;
    if (v1) {
      timestamp = this.startNs + BigInt(view.getUint32(at, true)) * 1_000_000n;
    } else {
      // Microseconds, unsigned in the documentation but negative in practice when a frame
      // precedes the nominal start: wiretap scales the 64 bits and reads them as signed.
      const micros = view.getBigUint64(at, true);
      timestamp = this.startNs + BigInt.asIntN(64, micros * 1000n);
    }
    const trailerAt = at + this.recordHeader + included;
    if (this.perPacket) {
      const network = view.getUint16(trailerAt, true);
      if (SKIPPED_NETWORKS.has(network)) {
        this.state.onBlock?.({ type: network, name: 'metadata record', offset: fileOffset, length, section: 0 });
        return undefined;
      }
      linkType = packetLinkType(network, fileOffset, trailerAt - at + fileOffset);
      if (this.minor >= 3) {
        const filetime = view.getBigUint64(trailerAt + 6, true);
        timestamp = (filetime - FILETIME_UNIX_EPOCH) * 100n;
      }
    }
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    return {
      timestamp,
      capturedLength: included,
      originalLength: original,
      linkType,
      interfaceId: 0,
      data: bytes.subarray(at + this.recordHeader, trailerAt),
    };
  }

  finish(fileOffset: number): void {
    if (this.stage === 'records' || this.stage === 'table') {
      const end = this.tableEnd;
      throw truncatedAt('netmon', 'frame table', this.tableOffset, end - this.tableOffset, Math.max(0, fileOffset - this.tableOffset));
    }
  }

  private checkTable(end: number): void {
    this.stage = 'after';
    if (this.tableEntries !== this.records || this.tableHash !== this.offsetsHash) {
      throw fileError('netmon', 'unsupported', `the frame table at offset ${this.tableOffset} lists ${this.tableEntries} records at other offsets than the ${this.records} stored one after another from offset ${NETMON_HEADER_LENGTH}: records out of order or with gaps between them are not read (the file may also be damaged)`, this.tableOffset);
    }
    this.state.onBlock?.({ type: 0, name: 'frame table', offset: this.tableOffset, length: end - this.tableOffset, section: 0 });
  }

  private decodeHeader(view: DataView, at: number, fileOffset: number): void {
    const magic = view.getUint32(at, false);
    const minor = view.getUint8(at + 4);
    const major = view.getUint8(at + 5);
    if ((magic === 0x52545353 && major !== 1) || (magic === 0x474d4255 && major !== 2)) {
      throw fileError('netmon', 'bad-version', `NetMon version ${major}.${minor} at offset ${fileOffset + 4} does not match its magic ("RTSS" opens 1.x, "GMBU" 2.x)`, fileOffset + 5);
    }
    const network = view.getUint16(at + 6, true);
    const linkType = NETWORK_TO_LINKTYPE[network];
    if (linkType === undefined) {
      throw fileError('netmon', 'unsupported', `NetMon network type ${network} at offset ${fileOffset + 6} is not one wirekit reads (0 or 1 Ethernet, 2 token ring, 3 FDDI, 7 to 9 raw IP)`, fileOffset + 6);
    }
    const tableOffset = view.getUint32(at + 24, true);
    const tableLength = view.getUint32(at + 28, true);
    if (tableLength === 0 || tableLength % 4 !== 0) {
      throw fileError('netmon', 'bad-length', `frame table length ${tableLength} at offset ${fileOffset + 28} is not a positive multiple of 4: the file is damaged`, fileOffset + 28);
    }
    if (tableOffset < NETMON_HEADER_LENGTH) {
      throw fileError('netmon', 'bad-value', `frame table offset ${tableOffset} at offset ${fileOffset + 24} lies inside the 128-byte file header: the file is damaged`, fileOffset + 24);
    }
    this.major = major;
    this.minor = minor;
    this.recordHeader = major === 1 ? RECORD_HEADER_1 : RECORD_HEADER_2;
    this.perPacket = major === 2 && minor >= 1;
    this.trailer = !this.perPacket ? 0 : minor === 1 ? 2 : minor === 2 ? 6 : 15;
    this.linkType = linkType;
    this.tableOffset = tableOffset;
    this.tableEnd = tableOffset + tableLength;
    this.startNs = systemTimeNs(view, at + 8);
    this.stage = tableOffset === NETMON_HEADER_LENGTH ? 'table' : 'records';
    const state = this.state;
    state.format = 'netmon';
    state.byteOrder = 'little';
    state.precision = this.perPacket && minor >= 3 ? 'nano' : 'micro';
    // Milliseconds (1.x), microseconds (2.0 to 2.2), 100 ns (2.3): tshark shows as many digits.
    const tsresol = major === 1 ? 3 : minor >= 3 ? 7 : 6;
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: `${major}.${minor}`, sectionLength: -1n });
    state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol, tsoffset: 0n });
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: NETMON_HEADER_LENGTH, section: 0 });
  }
}

/** The pcap link type of a 2.1+ record's network type, or a WireError naming it. */
function packetLinkType(network: number, recordOffset: number, fieldOffset: number): number {
  if ((network & 0xf000) === PCAP_BASE && (network < 0xe080 || network > 0xe08a)) return network & 0x0fff;
  const linkType = NETWORK_TO_LINKTYPE[network];
  if (linkType !== undefined) return linkType;
  throw fileError('netmon', 'unsupported', `record at offset ${recordOffset} has NetMon network type 0x${network.toString(16)} (at offset ${fieldOffset}), not one wirekit reads`, fieldOffset);
}

/** A SYSTEMTIME (year, month, day of week, day, hour, minute, second, millisecond) read as UTC. */
function systemTimeNs(view: DataView, at: number): bigint {
  const field = (i: number) => view.getUint16(at + 2 * i, true);
  const date = new Date(0);
  // setUTCFullYear keeps years below 100 as written (Date.UTC would read 99 as 1999), and like
  // mktime carries out-of-range months, days and hours into the next larger unit.
  date.setUTCFullYear(field(0), field(1) - 1, field(3));
  date.setUTCHours(field(4), field(5), field(6), 0);
  return BigInt(date.getTime()) * 1_000_000n + BigInt(field(7)) * 1_000_000n;
}

/** One step of an order-sensitive 32-bit hash of offsets (FNV-1a style, over the whole word). */
function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193) + 0x9e3779b9 | 0;
}
