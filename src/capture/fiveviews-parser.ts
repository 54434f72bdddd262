// InfoVista 5View captures (`.5vw`), as Wireshark's wiretap (5views.c) reads them and
// `editcap -F 5views` writes them. All little-endian:
//
// - a 56-byte file header: a 32-byte info header (signature AA AA AA AA, its size, version
//   0x00010000, the size of what follows, the file type, 12 reserved bytes), then two attributes
//   (an 8-byte attribute header and a 32-bit value each): the creation time and the frame count.
//   Wireshark reads the 56 bytes whatever the size fields say, and so does wirekit. The file type's
//   top byte says "flat capture file" (0x18); the whole of it names the network, and only Ethernet
//   (0x18001000) is read: the WAN type (0x18002000) has no known frame layout.
// - records, each a 36-byte time-stamped header (key 0x3333EEEE, header size and type, record type
//   and subtype, record size, record count, seconds since the epoch, nanoseconds, info) and
//   `record size` bytes. Subtype 0 is a captured frame; any other subtype is skipped whole.
//
// A frame record has a single length: what was on the wire and what is stored are the same. The
// writer (editcap) puts the wire length there but stores only the captured bytes, so a converted
// frame that had been cut short leaves a file whose next record starts too early: wirekit, like
// tshark, reads it to that frame and then reports the file as cut short or damaged.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import { secondsNanos } from './timestamp.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

export const FIVEVIEWS_SIGNATURE = 0xaaaaaaaa;
const FILE_HEADER = 56;
const RECORD_HEADER = 36;
const VERSION = 0x00010000;
const RECORD_KEY = 0x3333eeee;
const CAPTURE_FILE_MASK = 0xff000000;
const CAPTURE_FILE = 0x18000000;
const ETHERNET_FILE = 0x18001000;
const FRAME_SUBTYPE = 0;
/** Wireshark refuses frames above its standard maximum packet size as damage, and so does wirekit. */
const MAX_FRAME = 262_144;

/** Whether the bytes at `at` (to the view's end) start a 5View file: its 4-byte signature. */
export function isFiveViews(view: DataView, at: number): boolean {
  return view.byteLength - at >= 4 && view.getUint32(at, true) === FIVEVIEWS_SIGNATURE;
}

export class FiveViewsParser implements UnitParser {
  readonly format = 'fiveviews' as const;
  private readonly state: CaptureState;
  private headerDone = false;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    return this.headerDone ? 'record' : 'file header';
  }

  headerLength(): number {
    return this.headerDone ? RECORD_HEADER : FILE_HEADER;
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (!this.headerDone) return FILE_HEADER;
    // The key first: a record that does not start with it has no size worth believing.
    const key = view.getUint32(at, true);
    if (key !== RECORD_KEY) {
      throw fileError('fiveviews', 'bad-value', `record at offset ${fileOffset} starts with key 0x${hex(key)}, not 0x3333eeee: the file is damaged (or a record before it has the wrong size)`, fileOffset);
    }
    const size = view.getUint32(at + 16, true);
    const frame = view.getUint32(at + 12, true) === FRAME_SUBTYPE;
    if (frame && size > MAX_FRAME) {
      throw fileError('fiveviews', 'bad-length', `frame record at offset ${fileOffset} has record size ${size} (at offset ${fileOffset + 16}), above the ${MAX_FRAME}-byte maximum: the file is damaged`, fileOffset + 16, size, MAX_FRAME);
    }
    const cap = this.state.maxRecordLength;
    if (size > cap) {
      throw fileError('fiveviews', 'limit-exceeded', `record at offset ${fileOffset} has record size ${size} (at offset ${fileOffset + 16}), above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset + 16, size, cap);
    }
    return RECORD_HEADER + size;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (!this.headerDone) {
      this.decodeFileHeader(view, at, fileOffset);
      return undefined;
    }
    const subtype = view.getUint32(at + 12, true);
    if (subtype !== FRAME_SUBTYPE) {
      this.state.onBlock?.({ type: subtype, name: 'other record', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    this.state.onBlock?.({ type: subtype, name: 'record', offset: fileOffset, length, section: 0 });
    const size = length - RECORD_HEADER;
    const frame = at + RECORD_HEADER;
    // Nanoseconds of a second or more are carried into the seconds, as the pcap reader does
    // (tshark prints such a time unnormalised).
    return {
      timestamp: secondsNanos(view.getUint32(at + 24, true), view.getUint32(at + 28, true)),
      capturedLength: size,
      originalLength: size,
      linkType: 1,
      interfaceId: 0,
      data: bytes.subarray(frame, frame + size),
    };
  }

  private decodeFileHeader(view: DataView, at: number, fileOffset: number): void {
    const signature = view.getUint32(at, true);
    if (signature !== FIVEVIEWS_SIGNATURE) {
      throw fileError('fiveviews', 'bad-value', `file header at offset ${fileOffset} has signature 0x${hex(signature)}, not 0xaaaaaaaa`, fileOffset);
    }
    const version = view.getUint32(at + 8, true);
    if (version !== VERSION) {
      throw fileError('fiveviews', 'unsupported', `header version 0x${hex(version)} at offset ${fileOffset + 8} is not one wirekit reads (0x00010000)`, fileOffset + 8);
    }
    const fileType = view.getUint32(at + 16, true);
    if ((fileType & CAPTURE_FILE_MASK) >>> 0 !== CAPTURE_FILE) {
      throw fileError('fiveviews', 'unsupported', `file type 0x${hex(fileType)} at offset ${fileOffset + 16} is not a 5View capture file (0x18xxxxxx)`, fileOffset + 16);
    }
    if (fileType !== ETHERNET_FILE) {
      throw fileError('fiveviews', 'unsupported', `network type 0x${hex(fileType)} at offset ${fileOffset + 16} is not one wirekit reads (0x18001000, Ethernet)`, fileOffset + 16);
    }
    this.headerDone = true;
    const state = this.state;
    state.format = 'fiveviews';
    state.byteOrder = 'little';
    state.precision = 'nano';
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: `${version >>> 16}.${version & 0xffff}`, sectionLength: -1n });
    // The file gives no snapshot length: 0, as for pcapng, means none known.
    state.interfaces.push({ section: 0, id: 0, linkType: 1, linkTypeName: linkTypeName(1), snaplen: 0, tsresol: 9, tsoffset: 0n });
    state.onBlock?.({ type: signature, name: 'header', offset: fileOffset, length: FILE_HEADER, section: 0 });
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
