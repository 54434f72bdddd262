// Viavi (formerly Network Instruments) Observer packet buffers (`.bfr`), as Wireshark's wiretap
// (observer.c) reads them and `editcap -F observer` writes them. All little-endian:
//
// - a 36-byte file header: a NUL-padded version string "ObserverPktBufferVersion=15.00" (the
//   first 17 bytes, "ObserverPktBuffer", are what identifies the format), the offset of the first
//   packet entry (24 bits: a high byte at 31, then 16 bits at 32), a probe number, and a count of
//   TLVs (type, length including the 4-byte TLV header, data) that follow it. Of these only the
//   time-information TLV (type 4) matters: it says whether times are in GMT or in the local time
//   of the machine that saved them (its absence means local). Bytes between the TLVs and the first
//   entry are skipped.
// - packet entries, each a 48-byte header (magic 0x88888888, captured and wire lengths, the
//   offsets of the frame and of the next entry from the entry's start, network type, TLV count,
//   packet type, and nanoseconds since 2000-01-01), its TLVs, the frame. Only data packets
//   (type 0) are records; expert-information entries (network load, capture start/stop marks)
//   are skipped. A header of 48 zero bytes is padding some writers leave: the file ends there.
//
// Lengths: for every network but Fibre Channel the wire length counts a 4-byte FCS that is never
// stored, so, as wiretap does, it is taken off and the captured length cut to what remains.
//
// Times: wirekit reads every time as GMT. A file saved in local time (Observer before 13.10) does
// not say which zone that was; Wireshark assumes the zone it runs in, which is the same thing when
// tshark runs with TZ=UTC (the fixtures are made so). Expect such files to be off by their zone's
// offset, which no reader can know.
//
// Where wirekit is more lenient than tshark 4.0: Wireshark's own writer (4.0; current sources look alike) writes
// its time TLV 12 bytes long, with the format in the last 4 of its 8 data bytes, which tshark
// refuses; wirekit reads both that and Observer's 8-byte TLV. Where it is stricter: a packet of an
// unknown network type is refused (tshark hands it over as an unknown encapsulation).
// Like tshark, the file gets one interface, whose link type is the first entry's network type;
// each record carries its own entry's.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

const FILE_HEADER = 36;
const ENTRY_HEADER = 48;
const TLV_HEADER = 4;
/** "ObserverPktBuffer": what wiretap compares; the version after it may vary. */
const SIGNATURE = [0x4f, 0x62, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x50, 0x6b, 0x74, 0x42, 0x75, 0x66, 0x66, 0x65, 0x72];
const ENTRY_MAGIC = 0x88888888;
const TIME_INFO = 0x0004;
const WIRELESS = 0x0101;
const WIRELESS_DATA = 8;
const DATA_PACKET = 0;
const FIBRE_CHANNEL = 8;
/** Seconds from 1970-01-01 to 2000-01-01, Observer's epoch, in nanoseconds. */
const EPOCH_2000_NS = 946_684_800n * 1_000_000_000n;
/** How much of the ignored tail after zero padding is consumed at a time. */
const TAIL_CHUNK = 65536;

/** Observer network types to LINKTYPE numbers (802.11 frames carry no FCS, as wiretap reads them). */
const NETWORKS: Readonly<Record<number, number>> = {
  0: 1, // Ethernet
  1: 6, // token ring (LINKTYPE_IEEE802_5)
  8: 225, // Fibre Channel FC-2 with frame delimiters
  9: 105, // 802.11 (the wireless TLV's channel, rate and signal are not kept)
};

/**
 * Whether the bytes at `at` start an Observer file. Decided on the first four bytes ("Obse"), all
 * a streaming reader shows before choosing a format, so both readers choose alike; the parser then
 * checks the rest of the signature and says so if it is wrong.
 */
export function isObserver(view: DataView, at: number): boolean {
  if (view.byteLength - at < 4) return false;
  for (let i = 0; i < 4; i++) if (view.getUint8(at + i) !== SIGNATURE[i]) return false;
  return true;
}

type Stage = 'header' | 'first' | 'packets' | 'tail';

export class ObserverParser implements UnitParser {
  readonly format = 'observer' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'header';
  /** Whether the wire lengths count an unstored FCS (all networks but Fibre Channel). */
  private fcs = true;
  /** Bytes of the tail shown by the last lookahead, framed as one ignored unit. */
  private tailShown = 0;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    if (this.stage === 'header') return 'file header';
    return this.stage === 'tail' ? 'padding' : 'packet entry';
  }

  headerLength(): number {
    if (this.stage === 'header') return FILE_HEADER;
    return this.stage === 'tail' ? 1 : ENTRY_HEADER;
  }

  lookahead(): number {
    return this.stage === 'tail' && this.tailShown === 0 ? TAIL_CHUNK : 0;
  }

  inspect(_bytes: Uint8Array, _view: DataView, _at: number, available: number): void {
    this.tailShown = Math.min(available, TAIL_CHUNK);
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (this.stage === 'header') return this.headerUnitLength(view, at, fileOffset);
    if (this.stage === 'tail') return Math.max(1, this.tailShown);
    const magic = view.getUint32(at, true);
    if (magic !== ENTRY_MAGIC) {
      if (this.stage === 'first') {
        throw fileError('observer', 'unsupported', `packet entry at offset ${fileOffset} has magic 0x${magic.toString(16).padStart(8, '0')}, not 0x88888888: an entry layout wirekit does not know`, fileOffset);
      }
      if (isZero(view, at, ENTRY_HEADER)) return ENTRY_HEADER;
      throw fileError('observer', 'bad-value', `packet entry at offset ${fileOffset} has magic 0x${magic.toString(16).padStart(8, '0')}, not 0x88888888: the file is damaged`, fileOffset);
    }
    // A 16-bit offset: under 64 KiB, but a caller may have set a smaller cap.
    const next = view.getUint16(at + 14, true);
    if (next < ENTRY_HEADER) {
      throw fileError('observer', 'bad-length', `packet entry at offset ${fileOffset} puts the next entry ${next} bytes on, inside its own ${ENTRY_HEADER}-byte header`, fileOffset + 14);
    }
    this.checkCap('packet entry', next, fileOffset, fileOffset + 14);
    return next;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (this.stage === 'header') {
      this.decodeHeader(view, at, length, fileOffset);
      return undefined;
    }
    if (this.stage === 'tail') {
      this.tailShown = 0;
      return undefined;
    }
    const state = this.state;
    if (length === ENTRY_HEADER && view.getUint32(at, true) !== ENTRY_MAGIC) {
      // Zero padding: wiretap takes it for the end of the file, whatever follows.
      state.onBlock?.({ type: 0, name: 'padding', offset: fileOffset, length: ENTRY_HEADER, section: 0 });
      this.stage = 'tail';
      return undefined;
    }
    const networkType = view.getUint8(at + 16);
    const linkType = NETWORKS[networkType];
    if (this.stage === 'first') {
      // As wiretap does, the first entry (data or not) names the file's network.
      if (linkType === undefined) throw unknownNetwork(networkType, fileOffset);
      this.stage = 'packets';
      this.fcs = networkType !== FIBRE_CHANNEL;
      state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: 9, tsoffset: 0n });
    }
    const headerEnd = this.walkEntryTlvs(view, at, length, fileOffset);
    const packetType = view.getUint8(at + 19);
    if (packetType !== DATA_PACKET) {
      state.onBlock?.({ type: packetType, name: 'expert information', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    if (linkType === undefined) throw unknownNetwork(networkType, fileOffset);
    const stored = view.getUint16(at + 8, true);
    let onWire = view.getUint16(at + 10, true);
    let captured = stored;
    if (this.fcs) {
      if (onWire < 4) {
        throw fileError('observer', 'bad-length', `packet entry at offset ${fileOffset} has wire length ${onWire}, less than the 4-byte FCS it counts: the file is damaged`, fileOffset + 10);
      }
      onWire -= 4;
      captured = Math.min(stored, onWire);
    }
    const frame = view.getUint16(at + 12, true);
    if (frame < headerEnd) {
      throw fileError('observer', 'bad-length', `packet entry at offset ${fileOffset} puts its frame ${frame} bytes on, inside its header and TLVs (${headerEnd} bytes)`, fileOffset + 12);
    }
    if (frame + captured > length) {
      throw fileError('observer', 'bad-length', `packet entry at offset ${fileOffset} holds a ${captured}-byte frame ${frame} bytes on, past the next entry ${length} bytes on: the file is damaged`, fileOffset + 8);
    }
    state.onBlock?.({ type: packetType, name: 'packet', offset: fileOffset, length, section: 0 });
    const start = at + frame;
    return {
      timestamp: view.getBigUint64(at + 40, true) + EPOCH_2000_NS,
      capturedLength: captured,
      // Only Fibre Channel's lengths are taken as given, and there the stored one may be larger.
      originalLength: Math.max(onWire, captured),
      linkType,
      interfaceId: 0,
      data: bytes.subarray(start, start + captured),
    };
  }

  finish(fileOffset: number): void {
    if (this.stage === 'first') {
      throw fileError('observer', 'bad-value', `the file ends at offset ${fileOffset}, before any packet entry, whose network type would say what the link is`, fileOffset);
    }
  }

  private headerUnitLength(view: DataView, at: number, fileOffset: number): number {
    for (let i = 0; i < SIGNATURE.length; i++) {
      if (view.getUint8(at + i) !== SIGNATURE[i]) {
        throw fileError('observer', 'bad-value', `byte ${i} of the file header at offset ${fileOffset + i} breaks the signature "ObserverPktBuffer": not an Observer file, or a damaged one`, fileOffset + i);
      }
    }
    const first = view.getUint16(at + 32, true) + (view.getUint8(at + 31) << 16);
    if (first < FILE_HEADER) {
      throw fileError('observer', 'bad-length', `the file header puts the first packet entry at offset ${first}, inside the ${FILE_HEADER}-byte header (field at offset ${fileOffset + 31})`, fileOffset + 31);
    }
    this.checkCap('file header', first, fileOffset, fileOffset + 31);
    return first;
  }

  private decodeHeader(view: DataView, at: number, length: number, fileOffset: number): void {
    let pos = FILE_HEADER;
    const count = view.getUint8(at + 35);
    for (let i = 0; i < count; i++) {
      const tlvOffset = fileOffset + pos;
      if (pos + TLV_HEADER > length) {
        throw fileError('observer', 'bad-length', `file header TLV ${i + 1} of ${count} at offset ${tlvOffset} runs into the first packet entry at offset ${fileOffset + length}`, tlvOffset);
      }
      const type = view.getUint16(at + pos, true);
      const size = view.getUint16(at + pos + 2, true);
      if (size < TLV_HEADER) {
        throw fileError('observer', 'bad-length', `file header TLV at offset ${tlvOffset} has length ${size}, less than its own ${TLV_HEADER}-byte header`, tlvOffset + 2);
      }
      if (pos + size > length) {
        throw fileError('observer', 'bad-length', `file header TLV at offset ${tlvOffset} (${size} bytes) runs into the first packet entry at offset ${fileOffset + length}`, tlvOffset + 2);
      }
      // 8 bytes is Observer's layout, 12 Wireshark's writer's (see the top of this file).
      if (type === TIME_INFO && size !== 8 && size !== 12) {
        throw fileError('observer', 'bad-length', `time-information TLV at offset ${tlvOffset} has length ${size}, not 8 (or 12, as Wireshark writes it)`, tlvOffset + 2);
      }
      pos += size;
    }
    this.stage = 'first';
    const state = this.state;
    state.format = 'observer';
    state.byteOrder = 'little';
    state.precision = 'nano';
    let version = '';
    for (let i = 0; i < 31; i++) {
      const c = view.getUint8(at + i);
      if (c === 0) break;
      version += String.fromCharCode(c);
    }
    const equals = version.indexOf('=');
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: equals < 0 ? version : version.slice(equals + 1), sectionLength: -1n });
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length, section: 0 });
  }

  /** Checks an entry's TLVs lie within it; returns where they end, from the entry's start. */
  private walkEntryTlvs(view: DataView, at: number, length: number, fileOffset: number): number {
    let pos = ENTRY_HEADER;
    const count = view.getUint8(at + 18);
    for (let i = 0; i < count; i++) {
      const tlvOffset = fileOffset + pos;
      if (pos + TLV_HEADER > length) {
        throw fileError('observer', 'bad-length', `TLV ${i + 1} of ${count} of the packet entry at offset ${fileOffset} starts at offset ${tlvOffset}, past the entry's ${length} bytes`, tlvOffset);
      }
      const type = view.getUint16(at + pos, true);
      const size = view.getUint16(at + pos + 2, true);
      if (size < TLV_HEADER) {
        throw fileError('observer', 'bad-length', `packet entry TLV at offset ${tlvOffset} has length ${size}, less than its own ${TLV_HEADER}-byte header`, tlvOffset + 2);
      }
      if (pos + size > length) {
        throw fileError('observer', 'bad-length', `packet entry TLV at offset ${tlvOffset} (${size} bytes) runs past the entry's ${length} bytes`, tlvOffset + 2);
      }
      if (type === WIRELESS && size !== TLV_HEADER + WIRELESS_DATA) {
        throw fileError('observer', 'bad-length', `wireless TLV at offset ${tlvOffset} has length ${size}, not ${TLV_HEADER + WIRELESS_DATA}`, tlvOffset + 2);
      }
      pos += size;
    }
    return pos;
  }

  private checkCap(what: string, bytes: number, fileOffset: number, fieldOffset: number): void {
    const cap = this.state.maxRecordLength;
    if (bytes > cap) {
      throw fileError('observer', 'limit-exceeded', `${what} at offset ${fileOffset} claims ${bytes} bytes, above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fieldOffset, bytes, cap);
    }
  }
}

function unknownNetwork(networkType: number, fileOffset: number): never {
  throw fileError('observer', 'unsupported', `packet entry at offset ${fileOffset} has network type ${networkType}, not one wirekit reads (0 Ethernet, 1 token ring, 8 Fibre Channel, 9 802.11)`, fileOffset + 16);
}

function isZero(view: DataView, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (view.getUint8(at + i) !== 0) return false;
  return true;
}
