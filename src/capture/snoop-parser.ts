// Snoop (RFC 1761), the capture format of Solaris' snoop(1) and of tools that followed it: a 16-byte
// file header ("snoop\0\0\0", version 2, a datalink type), then records, all big-endian: original
// length, included length, record length (the 24-byte header, the data and padding to 4 bytes),
// cumulative drops, seconds and microseconds. The datalink types that carry the frames wirekit
// decodes map to pcap link types (Ethernet and IEEE 802.3: Ethernet; token ring; FDDI); a file of
// another type is refused with its number. Wireshark reads the same files (`editcap -F snoop`
// writes them).
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import { HeaderThenRecords, type UnitParser } from './unit-parser.js';
import { secondsNanos } from './timestamp.js';

export const SNOOP_HEADER_LENGTH = 16;
export const SNOOP_RECORD_HEADER_LENGTH = 24;
const IDENTIFICATION = [0x73, 0x6e, 0x6f, 0x6f, 0x70, 0, 0, 0]; // "snoop\0\0\0"

/** pcap link types of RFC 1761's datalink types (Wireshark's snoop_encap for the ones it decodes the same way). */
const DATALINK_TO_LINKTYPE: Readonly<Record<number, number>> = {
  0: 1, // IEEE 802.3
  2: 6, // IEEE 802.5 token ring
  4: 1, // Ethernet
  8: 10, // FDDI
};

export class SnoopParser extends HeaderThenRecords implements UnitParser {
  readonly format = 'snoop' as const;
  protected fileHeaderLength = SNOOP_HEADER_LENGTH;
  protected recordHeaderLength = SNOOP_RECORD_HEADER_LENGTH;

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (!this.headerDone) return SNOOP_HEADER_LENGTH;
    const included = view.getUint32(at + 4, false);
    const length = view.getUint32(at + 8, false);
    this.checkRecordCap('snoop', 'included', included, fileOffset, fileOffset + 4);
    // The record length covers the header and the data (and padding); less is a damaged file.
    if (length < SNOOP_RECORD_HEADER_LENGTH + included) {
      throw fileError('snoop', 'bad-length', `record at offset ${fileOffset} has length ${length}, less than its ${SNOOP_RECORD_HEADER_LENGTH}-byte header and ${included} included bytes: the file is damaged`, fileOffset + 8);
    }
    if (length - included > SNOOP_RECORD_HEADER_LENGTH + 1024) {
      throw fileError('snoop', 'bad-length', `record at offset ${fileOffset} has length ${length} for ${included} included bytes: over 1 KiB of padding, the file is damaged`, fileOffset + 8);
    }
    return length;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (!this.headerDone) {
      this.decodeHeader(bytes, view, at, fileOffset);
      return undefined;
    }
    const included = view.getUint32(at + 4, false);
    const micros = view.getUint32(at + 20, false);
    if (micros >= 1_000_000) {
      throw fileError('snoop', 'bad-value', `record at offset ${fileOffset} has ${micros} microseconds (under 1,000,000 in a valid file): the file is damaged`, fileOffset + 20);
    }
    const record: CaptureRecord = {
      timestamp: secondsNanos(view.getUint32(at + 16, false), micros * 1000),
      capturedLength: included,
      originalLength: view.getUint32(at, false),
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(at + SNOOP_RECORD_HEADER_LENGTH, at + SNOOP_RECORD_HEADER_LENGTH + included),
    };
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    return record;
  }

  private decodeHeader(bytes: Uint8Array, view: DataView, at: number, fileOffset: number): void {
    for (let i = 0; i < 8; i++) {
      if (bytes[at + i] !== IDENTIFICATION[i]) throw fileError('snoop', 'bad-value', `file header at offset ${fileOffset} does not start "snoop\\0\\0\\0": not a snoop file`, fileOffset + i);
    }
    const version = view.getUint32(at + 8, false);
    if (version !== 2) throw fileError('snoop', 'bad-version', `snoop version ${version} at offset ${fileOffset + 8} is not 2 (RFC 1761)`, fileOffset + 8);
    const datalink = view.getUint32(at + 12, false);
    const linkType = DATALINK_TO_LINKTYPE[datalink];
    if (linkType === undefined) {
      throw fileError('snoop', 'unsupported', `snoop datalink type ${datalink} at offset ${fileOffset + 12} is not one wirekit reads (0 or 4 Ethernet, 2 token ring, 8 FDDI)`, fileOffset + 12);
    }
    this.linkType = linkType;
    this.headerDone = true;
    const state = this.state;
    state.format = 'snoop';
    state.byteOrder = 'big';
    state.precision = 'micro';
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'big', version: String(version), sectionLength: -1n });
    state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: 6, tsoffset: 0n });
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: SNOOP_HEADER_LENGTH, section: 0 });
  }
}
