// Network General's Sniffer for DOS ("TRSNIFF data"), as Wireshark's wiretap reads it and
// `editcap -F ngsniffer` writes it. All little-endian:
//
// - the 17 bytes "TRSNIFF data    \x1a";
// - records, each a 6-byte header (type, length of what follows, 2 reserved bytes) and its data.
//   The first is the version record (type 1): major and minor version, a DOS date and time, the
//   network type, the format (1: uncompressed), and the unit of the frames' time stamps. Then
//   header records of unknown content (types 6, 7, 13 to 17, and 8 while the major version is 2
//   or less), which are skipped; frame records (type 4, and 12 with 22 more header bytes); and an
//   end-of-file record (type 3), after which nothing is read;
// - a frame record: a 40-bit tick count (16 + 16 + 8 bits), a day count, the stored length, error
//   status, flags and the frame's length on the wire (0: the stored length), then the frame.
//
// A frame's time is its tick count times the file's tick (0.838096 us to 15 us, in picoseconds),
// plus its days, plus midnight of the version record's date. That date has no zone: Wireshark
// reads it in the zone of the machine it runs on; wirekit reads it as UTC, so the two agree where
// tshark runs with TZ=UTC (the fixtures are made so). Compressed files (format other than 1), and
// networks other than Ethernet and token ring (ARCNET, FDDI with bit-swapped addresses, ATM, the
// WAN "internetwork analyzer"), are refused with a WireError naming what they are.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

/** "TRSNIFF data    " and 0x1a. */
const MAGIC = [0x54, 0x52, 0x53, 0x4e, 0x49, 0x46, 0x46, 0x20, 0x64, 0x61, 0x74, 0x61, 0x20, 0x20, 0x20, 0x20, 0x1a];
export const SNIFFER_MAGIC_LENGTH = MAGIC.length;
const RECORD_HEADER = 6;
const VERSION_LENGTH = 18;

const REC_VERSION = 1;
const REC_EOF = 3;
const REC_FRAME2 = 4;
const REC_FRAME4 = 8; // ATM frames; in files of major version 2 or less, a text description instead
const REC_FRAME6 = 12;
/** Header records of unknown content, skipped as Wireshark skips them. */
const HEADER_RECORDS = new Set([6, 7, 13, 14, 15, 16, 17]);
/** Bytes before the frame in a type 4 and a type 12 record. */
const FRAME2_HEADER = 14;
const FRAME6_HEADER = 34;

/** Ticks by the version record's time unit, in picoseconds (wiretap's table). */
const TICK_PS = [15_000_000n, 838_096n, 15_000_000n, 500_000n, 2_000_000n, 1_000_000n, 100_000n];

/** pcap link types of the network types read; the others, by name, for the message. */
const NETWORK_TO_LINKTYPE: Readonly<Record<number, number>> = { 0: 6, 1: 1 };
const NETWORK_NAMES = ['token ring', 'Ethernet', 'ARCNET', 'StarLAN', 'PC Network broadband', 'LocalTalk', 'Znet', 'synchronous internetwork analyzer', 'asynchronous internetwork analyzer', 'FDDI', 'ATM'];

type Stage = 'magic' | 'version' | 'records' | 'after';

export class SnifferParser implements UnitParser {
  readonly format = 'sniffer' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'magic';
  private major = 0;
  /** Until the first record that is not a header record. */
  private inHeaders = true;
  private linkType = 1;
  private tickPs = 0n;
  /** Midnight (UTC) of the version record's date, in seconds since the epoch. */
  private startSeconds = 0n;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    switch (this.stage) {
      case 'magic':
        return 'file header';
      case 'version':
        return 'version record';
      case 'records':
        return 'record';
      case 'after':
        return 'trailing data';
    }
  }

  headerLength(): number {
    switch (this.stage) {
      case 'magic':
        return SNIFFER_MAGIC_LENGTH;
      case 'version':
      case 'records':
        return RECORD_HEADER;
      case 'after':
        return 1;
    }
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, _fileOffset: number): number {
    if (this.stage === 'magic') return SNIFFER_MAGIC_LENGTH;
    if (this.stage === 'after') return 1;
    // A 16-bit length: no record can hold more than 64 KiB, well under any record cap.
    return RECORD_HEADER + view.getUint16(at + 2, true);
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    switch (this.stage) {
      case 'magic':
        for (let i = 0; i < MAGIC.length; i++) {
          if (bytes[at + i] !== MAGIC[i]) throw fileError('sniffer', 'bad-value', `file header at offset ${fileOffset} does not start "TRSNIFF data": not a Sniffer file`, fileOffset + i);
        }
        this.stage = 'version';
        return undefined;
      case 'version':
        this.decodeVersion(view, at, length, fileOffset);
        return undefined;
      case 'after':
        return undefined;
      case 'records':
        break;
    }
    const type = view.getUint16(at, true);
    const dataLength = length - RECORD_HEADER;
    if (type === REC_EOF) {
      this.stage = 'after';
      this.state.onBlock?.({ type, name: 'end of file', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    // Header records come first, before any other; type 8 is one of them up to major version 2.
    if (this.inHeaders && (HEADER_RECORDS.has(type) || (type === REC_FRAME4 && this.major <= 2))) {
      this.state.onBlock?.({ type, name: 'header record', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    this.inHeaders = false;
    if (type === REC_FRAME4) {
      // ATM frames; ATM files are refused with the version record, so this file is damaged.
      throw fileError('sniffer', 'bad-value', `record at offset ${fileOffset} is an ATM frame (type 8) in a file of another network: the file is damaged`, fileOffset);
    }
    if (type !== REC_FRAME2 && type !== REC_FRAME6) {
      // Records of other types carry no frame: skipped, as Wireshark skips them.
      this.state.onBlock?.({ type, name: 'unknown record', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    const header = type === REC_FRAME2 ? FRAME2_HEADER : FRAME6_HEADER;
    if (dataLength < header) {
      throw fileError('sniffer', 'bad-length', `frame record at offset ${fileOffset} has ${dataLength} bytes, less than its ${header}-byte frame header: the file is damaged`, fileOffset + 2);
    }
    const h = at + RECORD_HEADER;
    const size = view.getUint16(h + 6, true);
    if (size > dataLength - header) {
      throw fileError('sniffer', 'bad-length', `frame record at offset ${fileOffset} stores ${size} bytes, more than the ${dataLength - header} its length leaves after the frame header: the file is damaged`, fileOffset + RECORD_HEADER + 6);
    }
    const onWire = view.getUint16(h + 10, true);
    const ticks = (BigInt(view.getUint8(h + 4)) << 32n) | (BigInt(view.getUint16(h + 2, true)) << 16n) | BigInt(view.getUint16(h, true));
    const ps = ticks * this.tickPs;
    const seconds = this.startSeconds + BigInt(view.getUint8(h + 5)) * 86_400n + ps / 1_000_000_000_000n;
    const nanos = (ps % 1_000_000_000_000n) / 1000n;
    this.state.onBlock?.({ type, name: 'record', offset: fileOffset, length, section: 0 });
    const data = h + header;
    return {
      timestamp: seconds * 1_000_000_000n + nanos,
      capturedLength: size,
      // Wireshark takes the stored length where the wire length is 0 (and, as here, never below it).
      originalLength: Math.max(onWire, size),
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(data, data + size),
    };
  }

  private decodeVersion(view: DataView, at: number, length: number, fileOffset: number): void {
    const type = view.getUint16(at, true);
    if (type !== REC_VERSION) {
      throw fileError('sniffer', 'bad-value', `record at offset ${fileOffset} has type ${type}: a Sniffer file starts with a version record (type 1)`, fileOffset);
    }
    if (length - RECORD_HEADER < VERSION_LENGTH) {
      throw fileError('sniffer', 'bad-length', `version record at offset ${fileOffset} has ${length - RECORD_HEADER} bytes, fewer than the ${VERSION_LENGTH} it holds`, fileOffset + 2);
    }
    const v = at + RECORD_HEADER;
    const major = view.getInt16(v, true);
    const minor = view.getInt16(v + 2, true);
    const date = view.getUint16(v + 6, true);
    const network = view.getUint8(v + 9);
    const format = view.getUint8(v + 10);
    const unit = view.getUint8(v + 11);
    const base = fileOffset + RECORD_HEADER;
    const linkType = NETWORK_TO_LINKTYPE[network];
    if (linkType === undefined) {
      const name = NETWORK_NAMES[network];
      throw fileError('sniffer', 'unsupported', `Sniffer network type ${network}${name === undefined ? '' : ` (${name})`} at offset ${base + 9} is not one wirekit reads (0 token ring, 1 Ethernet)`, base + 9);
    }
    if (unit >= TICK_PS.length) {
      throw fileError('sniffer', 'unsupported', `Sniffer time unit ${unit} at offset ${base + 11} is unknown (0 to ${TICK_PS.length - 1})`, base + 11);
    }
    if (format !== 1) {
      throw fileError('sniffer', 'unsupported', `Sniffer file of format ${format} at offset ${base + 10}: compressed Sniffer files are not read (only format 1, uncompressed)`, base + 10);
    }
    this.major = major;
    this.linkType = linkType;
    this.tickPs = TICK_PS[unit]!;
    // DOS date: years since 1980 (7 bits), month (4), day (5); midnight, as Wireshark takes it.
    // Date.UTC carries a month or day of 0 back, as mktime does.
    this.startSeconds = BigInt(Date.UTC(1980 + (date >>> 9), ((date >>> 5) & 15) - 1, date & 31) / 1000);
    this.stage = 'records';
    const state = this.state;
    state.format = 'sniffer';
    state.byteOrder = 'little';
    state.precision = 'nano';
    state.sections.push({ index: 0, offset: 0, byteOrder: 'little', version: `${major}.${minor}`, sectionLength: -1n });
    state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: 9, tsoffset: 0n });
    state.onBlock?.({ type: 0, name: 'header', offset: 0, length: SNIFFER_MAGIC_LENGTH + length, section: 0 });
  }
}
