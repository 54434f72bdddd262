// TamoSoft CommView captures, as Wireshark's wiretap reads them (`editcap -F commview-ncf` writes
// the first kind). Neither has a file header or a magic number: records start at offset 0, all
// little-endian, and the first record's header is what tells a file apart.
//
// - NCF (`.ncf`): a 24-byte record header -- data length and source length (u16 each), a version
//   byte (0), the capture time as year (u16), month, day, hours, minutes, seconds and microseconds
//   (u32), a flags byte whose low 4 bits name the medium (0 Ethernet, 1 Wi-Fi, 2 token ring), then
//   signal level (%), rate, band, channel, direction, signal and noise (dBm) -- and `data length`
//   bytes of frame.
// - NCFX (`.ncfx`): a 20-byte record header -- a u32 record length that counts the header, the
//   time as above (year u16, five bytes, microseconds u32), medium, decryption flag, direction and
//   two reserved bytes -- then the frame. Only Ethernet records are read: a Wi-Fi record carries a
//   radio header whose layout the files seen here do not pin down, and is refused with its offset.
//
// The time is the capture machine's wall clock with no zone. Wireshark reads it in the time zone of
// the machine that runs it; wirekit reads it as UTC (as it does NetMon's start time), so the two
// agree where tshark runs with TZ=UTC (the fixtures are made so) and differ by the zone's offset
// elsewhere.
// Wi-Fi frames are handed on as plain 802.11 (LINKTYPE_IEEE802_11): the header's rate, channel and
// signal fields (tshark's `wlan_radio` layer) are not kept.
import { fileError } from './errors.js';
import type { CaptureRecord } from './types.js';
import { interfaceForLinkType, type CaptureState, type UnitParser } from './unit-parser.js';

const NCF_HEADER = 24;
const NCFX_HEADER = 20;
/** Wireshark refuses records above its standard maximum packet size as damage, and so does wirekit. */
const MAX_FRAME = 262_144;
/** pcap link types of the media CommView records. */
const MEDIUM_TO_LINKTYPE: Readonly<Record<number, number>> = { 0: 1, 1: 105, 2: 6 };
const MEDIUM_NAMES = 'medium 0 (Ethernet), 1 (Wi-Fi) or 2 (token ring)';

type Variant = 'ncf' | 'ncfx';

/** A record's time (year u16, month, day, hours, minutes, seconds, microseconds u32) read as UTC. */
function wallClockNs(view: DataView, at: number): bigint {
  const date = new Date(0);
  date.setUTCFullYear(view.getUint16(at, true), view.getUint8(at + 2) - 1, view.getUint8(at + 3));
  date.setUTCHours(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), 0);
  return BigInt(date.getTime()) * 1_000_000n + BigInt(view.getUint32(at + 7, true)) * 1000n;
}

/**
 * Whether a record's time fields hold what tshark 4.0 accepts: a month, a day of 1 to 31, hours,
 * minutes, seconds up to 60 (a leap second), and a year from 1970 to 2037 (NCF) or from 2000 (NCFX);
 * microseconds of a second or more are accepted and carried into the seconds.
 */
function plausibleTime(view: DataView, yearAt: number, ncf: boolean): boolean {
  const year = view.getUint16(yearAt, true);
  const month = view.getUint8(yearAt + 2);
  const day = view.getUint8(yearAt + 3);
  return (ncf ? year >= 1970 && year <= 2037 : year >= 2000) && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
    view.getUint8(yearAt + 4) < 24 && view.getUint8(yearAt + 5) < 60 && view.getUint8(yearAt + 6) <= 60;
}

/** Whether an NCF record header could start at `at` (the view must hold 24 bytes from it). */
function ncfHeaderAt(view: DataView, at: number): boolean {
  return view.getUint16(at, true) <= MAX_FRAME && view.getUint8(at + 4) === 0 && plausibleTime(view, at + 5, true) &&
    MEDIUM_TO_LINKTYPE[view.getUint8(at + 16) & 0x0f] !== undefined;
}

/** Whether an NCFX record header could start at `at` (the view must hold 20 bytes from it). */
function ncfxHeaderAt(view: DataView, at: number): boolean {
  const length = view.getUint32(at, true);
  return length >= NCFX_HEADER && length - NCFX_HEADER <= MAX_FRAME && plausibleTime(view, at + 4, false) &&
    MEDIUM_TO_LINKTYPE[view.getUint8(at + 15)] !== undefined;
}

/**
 * Which CommView variant the bytes at `at` (to the view's end) start, if any: the first record's
 * header must hold a real date and a known medium, and so must the next record's when the view
 * reaches it (a single record that fills the view passes on its own).
 */
export function commviewVariant(view: DataView, at: number): Variant | undefined {
  // The next header is checked when the view holds it whole (a probe window may end before it).
  const follows = (next: number, header: number, check: (v: DataView, a: number) => boolean) =>
    next === view.byteLength || (next < view.byteLength ? view.byteLength - next < header || check(view, next) : true);
  const have = view.byteLength - at;
  if (have >= NCF_HEADER && ncfHeaderAt(view, at) && follows(at + NCF_HEADER + view.getUint16(at, true), NCF_HEADER, ncfHeaderAt)) return 'ncf';
  if (have >= NCFX_HEADER && ncfxHeaderAt(view, at) && follows(at + view.getUint32(at, true), NCFX_HEADER, ncfxHeaderAt)) return 'ncfx';
  return undefined;
}

export class CommviewParser implements UnitParser {
  readonly format = 'commview' as const;
  private readonly state: CaptureState;
  private readonly variant: Variant;
  private readonly linkTypes = new Map<number, number>();

  constructor(state: CaptureState, variant: Variant) {
    this.state = state;
    this.variant = variant;
    state.format = 'commview';
    state.byteOrder = 'little';
    state.precision = 'micro';
    state.sections.push({ index: 0, offset: 0, byteOrder: 'little', version: variant === 'ncf' ? 'NCF' : 'NCFX', sectionLength: -1n });
  }

  unitName(): string {
    return 'record';
  }

  headerLength(): number {
    return this.variant === 'ncf' ? NCF_HEADER : NCFX_HEADER;
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    const ncf = this.variant === 'ncf';
    const header = ncf ? NCF_HEADER : NCFX_HEADER;
    const frame = ncf ? view.getUint16(at, true) : view.getUint32(at, true) - NCFX_HEADER;
    if (!ncf && frame < 0) {
      throw fileError('commview', 'bad-length', `record at offset ${fileOffset} has length ${view.getUint32(at, true)}, less than its ${NCFX_HEADER}-byte header: the file is damaged`, fileOffset, NCFX_HEADER, view.getUint32(at, true));
    }
    if (frame > MAX_FRAME) {
      throw fileError('commview', 'bad-length', `record at offset ${fileOffset} holds ${frame} frame bytes, above the ${MAX_FRAME}-byte maximum: the file is damaged`, fileOffset, frame, MAX_FRAME);
    }
    const cap = this.state.maxRecordLength;
    if (frame > cap) {
      throw fileError('commview', 'limit-exceeded', `record at offset ${fileOffset} holds ${frame} frame bytes, above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset, frame, cap);
    }
    return header + frame;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    const ncf = this.variant === 'ncf';
    const timeAt = ncf ? at + 5 : at + 4;
    if (!plausibleTime(view, timeAt, ncf)) {
      throw fileError('commview', 'bad-value', `record at offset ${fileOffset} has no valid time (year, month, day, hours, minutes, seconds at offset ${fileOffset + timeAt - at}; years ${ncf ? '1970 to 2037' : 'from 2000'}): the file is damaged`, fileOffset + timeAt - at);
    }
    if (ncf && view.getUint8(at + 4) !== 0) {
      throw fileError('commview', 'bad-version', `record at offset ${fileOffset} has version ${view.getUint8(at + 4)} (at offset ${fileOffset + 4}), not 0`, fileOffset + 4);
    }
    const medium = ncf ? view.getUint8(at + 16) & 0x0f : view.getUint8(at + 15);
    const linkType = MEDIUM_TO_LINKTYPE[medium];
    if (linkType === undefined || (!ncf && medium !== 0)) {
      const offset = fileOffset + (ncf ? 16 : 15);
      throw fileError('commview', 'unsupported', `record at offset ${fileOffset} has medium ${medium} (at offset ${offset}): wirekit reads ${ncf ? MEDIUM_NAMES : 'NCFX records of medium 0 (Ethernet)'}`, offset);
    }
    const header = ncf ? NCF_HEADER : NCFX_HEADER;
    const size = length - header;
    const record: CaptureRecord = {
      timestamp: wallClockNs(view, timeAt),
      capturedLength: size,
      originalLength: size,
      linkType,
      interfaceId: interfaceForLinkType(this.state, this.linkTypes, linkType, 6),
      data: bytes.subarray(at + header, at + header + size),
    };
    this.state.onBlock?.({ type: medium, name: 'record', offset: fileOffset, length, section: 0 });
    return record;
  }

}
