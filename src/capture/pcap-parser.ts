// Classic pcap (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header
// and the captured bytes. Both byte orders (the magic says which), micro- and nanosecond magic,
// and the old variants with longer record headers (pcap-variant.ts): the "modified" magic's two
// (ss991029, 24 bytes; SuSE 6.3's ss990915, 28) and the two that kept the standard magic (Red Hat
// 6.1's ss990417, 24; Nokia, 20), told apart by their first records as Wireshark tells them.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import { HeaderThenRecords, PCAP_MAGIC_MICRO, PCAP_MAGIC_MODIFIED, PCAP_MAGIC_NANO, type CaptureState, type UnitParser } from './unit-parser.js';
import { defaultPcapVariant, isPcapVariant, PCAP_VARIANT_RECORD_HEADER, tellPcapVariant, type PcapLayoutInfo, type PcapVariant } from './pcap-variant.js';
import { secondsNanos } from './timestamp.js';

export type { PcapVariant } from './pcap-variant.js';

export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** The modified format's record header: the standard 16 bytes, then interface index (4), protocol (2), packet type (1), padding (1). */
export const PCAP_MODIFIED_RECORD_HEADER_LENGTH = 24;

/**
 * Fields of the "LinkType and additional information" word (draft-ietf-opsawg-pcap 4): the
 * link-layer type is its low 16 bits; bit 26 (P) says the top 4 bits give the FCS length in 16-bit
 * words. Bits 16-25 and 27 are reserved: readers MUST ignore them, so they are masked off.
 */
export const LINKTYPE_MASK = 0x0000ffff;
export const FCS_PRESENT = 0x04000000;

export interface PcapFileHeader {
  little: boolean;
  nano: boolean;
  /** The "modified" magic a1b2cd34 (records of 24 or 28 header bytes). */
  modified: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
  /** FCS bytes per packet when the P bit is set. */
  fcsLength: number | undefined;
  /**
   * Bytes of each record's header as the magic alone says: 16, or 24 for the modified magic. The
   * first records may say otherwise (pcap-variant.ts): the reader tells the variant from them.
   */
  recordHeaderLength: number;
}

/** Reads and checks a pcap file header at `bytes[at]`. */
export function parsePcapHeader(view: DataView, at: number, fileOffset: number): PcapFileHeader {
  const magic = view.getUint32(at, true);
  const little = magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_MODIFIED;
  const own = little ? magic : view.getUint32(at, false);
  const nano = own === PCAP_MAGIC_NANO;
  const modified = own === PCAP_MAGIC_MODIFIED;
  const versionMajor = view.getUint16(at + 4, little);
  const versionMinor = view.getUint16(at + 6, little);
  // Version 2.4 since 1998; 2.3 and 2.2 files differ only in details libpcap ignores. Another
  // major version is another format.
  if (versionMajor !== 2) {
    throw fileError('pcap', 'bad-version', `pcap version ${versionMajor}.${versionMinor} at offset ${fileOffset + 4} is not 2.x: not a pcap file this reader understands`, fileOffset + 4);
  }
  const word = view.getUint32(at + 20, little);
  return {
    little,
    nano,
    modified,
    versionMajor,
    versionMinor,
    snaplen: view.getUint32(at + 16, little),
    linkType: word & LINKTYPE_MASK,
    fcsLength: word & FCS_PRESENT ? (word >>> 28) * 2 : undefined,
    recordHeaderLength: PCAP_VARIANT_RECORD_HEADER[defaultPcapVariant(modified)],
  };
}

/**
 * The pcap parser. Which record layout a micro-second file has is told from its first records
 * (UnitParser.lookahead / inspect), unless the reader was told it (`pcapVariant`); until then, and
 * for a file without records, the magic's default (16 bytes; 24 for the modified magic) holds.
 * The variant read shows in the section's `version`: `2.4` for standard pcap, `2.4 rh6_1pcap`,
 * `2.4 nokiapcap`, `2.4 modpcap`, `2.4 suse6_3pcap` for the others.
 */
export class PcapParser extends HeaderThenRecords implements UnitParser {
  readonly format = 'pcap' as const;
  private little = true;
  private fractionScale = 1000;
  protected fileHeaderLength = PCAP_HEADER_LENGTH;
  /** 16, or 20, 24, 28 in the variants. */
  protected recordHeaderLength = PCAP_RECORD_HEADER_LENGTH;
  private readonly forced: PcapVariant | undefined;
  /** The variant read (the magic's default until the first records say). */
  variant: PcapVariant = 'pcap';
  /** Bytes past the file header wanted before the first record is framed; 0 once decided. */
  private wanted = 0;
  private layout: PcapLayoutInfo | undefined;
  private version = '';

  /** `variant`: read the records with this layout instead of telling it from the first ones. */
  constructor(state: CaptureState, variant?: PcapVariant) {
    super(state);
    if (variant !== undefined && !isPcapVariant(variant)) throw new RangeError(`pcapVariant must be one of ${Object.keys(PCAP_VARIANT_RECORD_HEADER).join(', ')}, got ${String(variant)}`);
    this.forced = variant;
  }

  lookahead(): number {
    return this.wanted;
  }

  inspect(_bytes: Uint8Array, view: DataView, at: number, available: number, ended: boolean): void {
    if (this.wanted === 0 || this.layout === undefined) return;
    const told = tellPcapVariant(view, at, available, ended, this.layout);
    if (typeof told === 'number') {
      this.wanted = told;
      return;
    }
    this.wanted = 0;
    this.useVariant(told);
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (!this.headerDone) return PCAP_HEADER_LENGTH;
    const captured = view.getUint32(at + 8, this.little);
    // A captured length above the file's snaplen is accepted as Wireshark and libpcap accept it
    // (old Solaris bufmod wrote such files); only the hard cap stops a length no memory should hold.
    this.checkRecordCap('pcap', 'captured', captured, fileOffset, fileOffset + 8);
    return this.recordHeaderLength + captured;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (!this.headerDone) {
      this.decodeHeader(view, at, fileOffset);
      return undefined;
    }
    const little = this.little;
    const seconds = view.getUint32(at, little);
    const fraction = view.getUint32(at + 4, little);
    const captured = length - this.recordHeaderLength;
    const record: CaptureRecord = {
      // Seconds are unsigned 32-bit (draft-ietf-opsawg-pcap 5): good until 2106.
      timestamp: secondsNanos(seconds, fraction * this.fractionScale),
      capturedLength: captured,
      originalLength: view.getUint32(at + 12, little),
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(at + this.recordHeaderLength, at + length),
    };
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    return record;
  }

  private decodeHeader(view: DataView, at: number, fileOffset: number): void {
    const header = parsePcapHeader(view, at, fileOffset);
    this.little = header.little;
    this.fractionScale = header.nano ? 1 : 1000;
    this.linkType = header.linkType;
    this.headerDone = true;
    const state = this.state;
    state.format = 'pcap';
    state.byteOrder = header.little ? 'little' : 'big';
    state.precision = header.nano ? 'nano' : 'micro';
    this.version = `${header.versionMajor}.${header.versionMinor}`;
    state.sections.push({
      index: 0,
      offset: fileOffset,
      byteOrder: state.byteOrder,
      version: this.version,
      sectionLength: -1n,
    });
    const info: (typeof state.interfaces)[number] = {
      section: 0,
      id: 0,
      linkType: header.linkType,
      linkTypeName: linkTypeName(header.linkType),
      snaplen: header.snaplen,
      tsresol: header.nano ? 9 : 6,
      tsoffset: 0n,
    };
    if (header.fcsLength !== undefined) info.fcsLength = header.fcsLength;
    state.interfaces.push(info);
    this.useVariant(this.forced ?? defaultPcapVariant(header.modified));
    // No variant has the nanosecond magic (Wireshark does not look there either).
    if (this.forced === undefined && !header.nano) {
      this.layout = { little: header.little, modified: header.modified, snaplen: header.snaplen };
      this.wanted = PCAP_VARIANT_RECORD_HEADER[this.variant];
    }
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: PCAP_HEADER_LENGTH, section: 0 });
  }

  private useVariant(variant: PcapVariant): void {
    this.variant = variant;
    this.recordHeaderLength = PCAP_VARIANT_RECORD_HEADER[variant];
    const section = this.state.sections[0];
    if (section !== undefined) section.version = variant === 'pcap' ? this.version : `${this.version} ${variant}`;
  }
}
