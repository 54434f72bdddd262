// Novell LANalyzer traces (`.tr1`), as Wireshark's wiretap (lanalyzer.c, after Novell's TID022037)
// reads them and `editcap -F lanalyzer` writes them. All little-endian, a sequence of records,
// each a 4-byte header (type, length of what follows) and its data:
//
// - first a trace header (type 0x1001, or 0x1007 for a cyclic trace): version bytes and a comment;
// - header records up to the first packet record: the summary (0x1002) gives the date the trace
//   was saved (day, month, year: the trace is taken to start at its midnight), the snapshot length
//   and the board, 226 (Ethernet) or 227 (token ring); channel names, filters, display options
//   and the index are skipped;
// - packet records (0x1005), and nothing else after the first: a 32-byte descriptor (lengths on
//   the wire, FCS included, and stored; a 48-bit time in half microseconds since that midnight)
//   and the frame.
//
// The date has no zone: Wireshark reads it in the zone of the machine it runs on, wirekit as UTC,
// so the two agree where tshark runs with TZ=UTC (the fixtures are made so).
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

const RECORD_HEADER = 4;
export const LANALYZER_HEADER_REGULAR = 0x1001;
export const LANALYZER_HEADER_CYCLIC = 0x1007;
const SUMMARY = 0x1002;
const PACKET = 0x1005;
const SUMMARY_LENGTH = 210;
const DESCRIPTOR = 32;
const BOARDS: Readonly<Record<number, number>> = { 226: 1, 227: 6 };

type Stage = 'first' | 'headers' | 'packets';

export class LanalyzerParser implements UnitParser {
  readonly format = 'lanalyzer' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'first';
  private summary = false;
  private linkType = 1;
  /** Midnight (UTC) of the summary's date, in seconds since the epoch. */
  private startSeconds = 0n;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    return this.stage === 'first' ? 'trace header' : 'record';
  }

  headerLength(): number {
    return RECORD_HEADER;
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, _fileOffset: number): number {
    // A 16-bit length: no record can hold more than 64 KiB, well under any record cap.
    return RECORD_HEADER + view.getUint16(at + 2, true);
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    const type = view.getUint16(at, true);
    const data = at + RECORD_HEADER;
    const size = length - RECORD_HEADER;
    if (this.stage === 'first') {
      if (type !== LANALYZER_HEADER_REGULAR && type !== LANALYZER_HEADER_CYCLIC) {
        throw fileError('lanalyzer', 'bad-value', `record at offset ${fileOffset} has type 0x${type.toString(16)}: a LANalyzer trace starts with a trace header (0x1001 or 0x1007)`, fileOffset);
      }
      if (size < 2) throw fileError('lanalyzer', 'bad-length', `trace header at offset ${fileOffset} has ${size} bytes, fewer than its 2 version bytes`, fileOffset + 2);
      this.stage = 'headers';
      const state = this.state;
      state.format = 'lanalyzer';
      state.byteOrder = 'little';
      state.precision = 'nano';
      state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: `${view.getUint8(data)}.${view.getUint8(data + 1)}`, sectionLength: -1n });
      state.onBlock?.({ type, name: 'header', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    if (this.stage === 'headers') {
      if (type === SUMMARY) {
        this.decodeSummary(view, data, size, fileOffset);
        return undefined;
      }
      if (type !== PACKET) {
        this.state.onBlock?.({ type, name: 'header record', offset: fileOffset, length, section: 0 });
        return undefined;
      }
      if (!this.summary) throw fileError('lanalyzer', 'bad-value', `packet record at offset ${fileOffset} comes before any summary record (0x1002), which names the network: the file is damaged`, fileOffset);
      this.stage = 'packets';
    } else if (type !== PACKET) {
      throw fileError('lanalyzer', 'bad-value', `record at offset ${fileOffset} has type 0x${type.toString(16)}: after the first packet record only packet records (0x1005) may follow`, fileOffset);
    }
    if (size < DESCRIPTOR) {
      throw fileError('lanalyzer', 'bad-length', `packet record at offset ${fileOffset} has ${size} bytes, fewer than its ${DESCRIPTOR}-byte descriptor`, fileOffset + 2);
    }
    let onWire = view.getUint16(data + 4, true);
    const stored = view.getUint16(data + 6, true);
    if (stored > size - DESCRIPTOR) {
      throw fileError('lanalyzer', 'bad-length', `packet record at offset ${fileOffset} stores ${stored} bytes, more than the ${size - DESCRIPTOR} its length leaves after the descriptor: the file is damaged`, fileOffset + RECORD_HEADER + 6);
    }
    // The wire length counts the FCS, which is never stored.
    if (onWire - 4 >= stored) onWire -= 4;
    const halves = BigInt(view.getUint16(data + 8, true)) | (BigInt(view.getUint16(data + 10, true)) << 16n) | (BigInt(view.getUint16(data + 12, true)) << 32n);
    this.state.onBlock?.({ type, name: 'record', offset: fileOffset, length, section: 0 });
    const frame = data + DESCRIPTOR;
    return {
      timestamp: this.startSeconds * 1_000_000_000n + halves * 500n,
      capturedLength: stored,
      originalLength: Math.max(onWire, stored),
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(frame, frame + stored),
    };
  }

  finish(fileOffset: number): void {
    if (this.stage === 'headers' && !this.summary) {
      throw fileError('lanalyzer', 'bad-value', `the trace ends at offset ${fileOffset} without a summary record (0x1002), which names the network`, fileOffset);
    }
  }

  private decodeSummary(view: DataView, at: number, size: number, fileOffset: number): void {
    if (size < SUMMARY_LENGTH) throw fileError('lanalyzer', 'bad-length', `summary record at offset ${fileOffset} has ${size} bytes, fewer than ${SUMMARY_LENGTH}`, fileOffset + 2);
    if (this.summary) throw fileError('lanalyzer', 'bad-value', `a second summary record at offset ${fileOffset}: the file is damaged`, fileOffset);
    const board = view.getUint16(at + 188, true);
    const linkType = BOARDS[board];
    if (linkType === undefined) {
      throw fileError('lanalyzer', 'unsupported', `LANalyzer board type ${board} at offset ${fileOffset + RECORD_HEADER + 188} is not one wirekit reads (226 Ethernet, 227 token ring)`, fileOffset + RECORD_HEADER + 188);
    }
    const day = view.getUint8(at);
    const month = view.getUint8(at + 1);
    const year = view.getUint16(at + 2, true);
    this.summary = true;
    this.linkType = linkType;
    // Midnight of the date; Date.UTC carries a month or day out of range over, as mktime does.
    const start = new Date(0);
    start.setUTCFullYear(year, month - 1, day);
    this.startSeconds = BigInt(Math.floor(start.getTime() / 1000));
    this.state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: view.getUint16(at + 30, true), tsresol: 9, tsoffset: 0n });
    this.state.onBlock?.({ type: SUMMARY, name: 'summary', offset: fileOffset, length: RECORD_HEADER + size, section: 0 });
  }
}
