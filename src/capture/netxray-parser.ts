// NetXRay and Windows Sniffer captures (Network General / Network Associates, `.cap`), as
// Wireshark's wiretap (netxray.c) reads them and `editcap -F ngwsniffer_1_1|ngwsniffer_2_0`
// writes them. All little-endian:
//
// - a 128-byte file header: magic ("XCP\0"; "VL\0\0" for the oldest NetXRay files), a version
//   string ("001.000" to "002.003"), the capture's start in seconds since the epoch, where the
//   records start and end, the network type (an NDIS medium, or one less), the tick length, and a
//   start tick count;
// - records from the start offset to the end offset (bytes after it are not packets): a tick
//   count (64 bits) and the lengths, then the frame. Old files have 16-byte record headers, 1.x
//   28-byte ones and 2.x 40-byte ones; a 2.x Ethernet frame with 0xffff in its header's bytes 14-15
//   ends in 4 more bytes, an FCS when the header's tick field says so (as wiretap guesses) and junk
//   otherwise, which is dropped.
//
// A record's time is the start plus (ticks - start ticks) / ticks per second, computed in double
// precision and cut to the nanosecond exactly as wiretap computes it, so the times are tshark's.
// Ticks per second: 1000 in old and 1.0 files, 10^6 in 1.1, and in 2.x one of wiretap's tables by
// capture type and time unit (or the header's own count). A file whose records wrap around (a
// capture buffer saved as a ring: start offset after the end offset) cannot be read front to back
// and is refused, as are networks other than Ethernet and token ring (FDDI with bit-swapped
// addresses, ATM, 802.11 with Sniffer's radio header, and 2.x WAN captures).
import { fileError, truncatedAt } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

export const NETXRAY_HEADER_LENGTH = 128;
const VERSIONS: Readonly<Record<string, [number, number]>> = {
  '001.000': [1, 0],
  '001.100': [1, 1],
  '002.000': [2, 0],
  '002.001': [2, 1],
  '002.002': [2, 2],
  '002.003': [2, 3],
};

/** Ticks per second by time unit: the general table, and Ethernet's by capture type (0: unknown). */
const TICKS = [1e6, 1193000, 1193182];
const ETHERNET_POD_TICKS: Readonly<Record<number, readonly number[]>> = {
  2: [1e9, 0, 31250000], // gigabit pod
  3: [1e6, 0, 1250000], // other pod
  5: [1e6, 0, 0], // other pod (2)
  6: [1e9, 0, 20000000], // gigabit pod (2)
};

/** pcapng epb_flags bits 5-8: an FCS of 4 bytes ends the frame. */
const FCS_4_FLAGS = 4 << 5;

type Stage = 'header' | 'skip' | 'records' | 'after';

export class NetxrayParser implements UnitParser {
  readonly format = 'netxray' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'header';
  private major = 0;
  private recordHeader = 16;
  private linkType = 1;
  private ethernet2 = false;
  private fcsValid = false;
  private startSeconds = 0;
  private ticksPerSecond = 1000;
  private startTicks = 0;
  private startOffset = 0;
  private endOffset = 0;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    switch (this.stage) {
      case 'header':
        return 'file header';
      case 'skip':
        return 'bytes before the first record';
      case 'records':
        return 'record';
      case 'after':
        return 'trailing data';
    }
  }

  headerLength(): number {
    switch (this.stage) {
      case 'header':
        return NETXRAY_HEADER_LENGTH;
      case 'records':
        return this.recordHeader;
      case 'skip':
      case 'after':
        return 1;
    }
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    switch (this.stage) {
      case 'header':
        return NETXRAY_HEADER_LENGTH;
      case 'skip':
        return this.startOffset - fileOffset;
      case 'after':
        return 1;
      case 'records':
        break;
    }
    const included = this.major === 0 ? view.getUint16(at + 8, true) : view.getUint16(at + 10, true);
    const length = this.recordHeader + included;
    if (fileOffset + length > this.endOffset) {
      throw fileError('netxray', 'bad-length', `record at offset ${fileOffset} of ${length} bytes runs past the end of the records at offset ${this.endOffset} (file header): the file is damaged`, fileOffset + (this.major === 0 ? 8 : 10));
    }
    return length;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    switch (this.stage) {
      case 'header':
        this.decodeHeader(bytes, view, at, fileOffset);
        return undefined;
      case 'skip':
        this.stage = this.startOffset === this.endOffset ? 'after' : 'records';
        return undefined;
      case 'after':
        return undefined;
      case 'records':
        break;
    }
    if (fileOffset + length === this.endOffset) this.stage = 'after';
    const h = at;
    let padding = 0;
    let flags: number | undefined;
    if (this.ethernet2 && view.getUint8(h + 14) === 0xff && view.getUint8(h + 15) === 0xff) {
      if (this.fcsValid) flags = FCS_4_FLAGS;
      else padding = 4;
    }
    const included = this.major === 0 ? view.getUint16(h + 8, true) : view.getUint16(h + 10, true);
    const original = this.major === 0 ? included : view.getUint16(h + 8, true);
    if (included < padding) {
      throw fileError('netxray', 'bad-length', `record at offset ${fileOffset} holds ${included} bytes, fewer than the 4 its header says end the frame: the file is damaged`, fileOffset + 10);
    }
    // wiretap's arithmetic, in doubles: ticks to seconds, less the start, whole seconds and
    // nanoseconds each cut toward zero.
    const t = (view.getUint32(h, true) + view.getUint32(h + 4, true) * 4294967296) / this.ticksPerSecond - this.startTicks;
    const whole = Math.trunc(t);
    const nanos = Math.trunc((t - whole) * 1e9);
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    const data = h + this.recordHeader;
    const record: CaptureRecord = {
      timestamp: BigInt(this.startSeconds + whole) * 1_000_000_000n + BigInt(nanos),
      capturedLength: included - padding,
      originalLength: Math.max(original - padding, included - padding),
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(data, data + included - padding),
    };
    if (flags !== undefined) record.flags = flags;
    return record;
  }

  finish(fileOffset: number): void {
    if (this.stage === 'records' || this.stage === 'skip') {
      throw truncatedAt('netxray', 'records', this.startOffset, this.endOffset - this.startOffset, Math.max(0, fileOffset - this.startOffset));
    }
  }

  private decodeHeader(bytes: Uint8Array, view: DataView, at: number, fileOffset: number): void {
    const magic = view.getUint32(at, false);
    let major = 0;
    let minor = 0;
    let version = '0';
    if (magic === 0x58435000) {
      version = String.fromCharCode(...bytes.subarray(at + 4, at + 11));
      const known = bytes[at + 11] === 0 ? VERSIONS[version] : undefined;
      if (known === undefined) throw fileError('netxray', 'bad-version', `NetXRay version "${version.replace(/[^\x20-\x7e]/g, '?')}" at offset ${fileOffset + 4} is not one wirekit reads (001.000 to 002.003)`, fileOffset + 4);
      [major, minor] = known;
    } else if (magic !== 0x564c0000) {
      throw fileError('netxray', 'bad-value', `file header at offset ${fileOffset} starts neither "XCP\\0" nor "VL\\0\\0": not a NetXRay or Windows Sniffer file`, fileOffset);
    }
    const plus = view.getUint8(at + 45);
    if (plus !== 0 && plus !== 2) {
      throw fileError('netxray', 'unsupported', `NetXRay network type byte ${plus} at offset ${fileOffset + 45} is not 0 or 2`, fileOffset + 45);
    }
    const network = view.getUint8(at + 44) + (plus === 0 ? 1 : 0);
    // 1 Ethernet, 2 token ring; 4 (WAN) is Ethernet-shaped before 2.x.
    const linkType = network === 1 || (network === 4 && major < 2) ? 1 : network === 2 ? 6 : undefined;
    if (linkType === undefined) {
      const names: Record<number, string> = { 3: 'FDDI', 4: 'WAN', 9: 'ATM', 10: '802.11 with radio information' };
      throw fileError('netxray', 'unsupported', `NetXRay network type ${network}${names[network] === undefined ? '' : ` (${names[network]})`} at offset ${fileOffset + 44} is not one wirekit reads (Ethernet, token ring)`, fileOffset + 44);
    }
    const unit = view.getUint8(at + 48);
    const captype = view.getUint8(at + 84);
    let startTicks = view.getUint32(at + 52, true) + view.getUint32(at + 56, true) * 4294967296;
    let ticks: number | undefined;
    let digits = 6;
    if (major === 0 || (major === 1 && minor === 0)) {
      ticks = 1000;
      digits = 3;
    } else if (major === 1) {
      ticks = 1e6;
    } else {
      if (network === 1 && captype !== 0) {
        ticks = ETHERNET_POD_TICKS[captype]?.[unit];
        // Pod captures of 2.002 and 2.003 count from 0, whatever the header holds.
        if (minor >= 2) startTicks = 0;
      } else if (unit === 2 && network === 1) {
        ticks = view.getUint32(at + 76, true);
      } else {
        ticks = TICKS[unit];
      }
      if (ticks === undefined || ticks === 0) {
        throw fileError('netxray', 'unsupported', `NetXRay time unit ${unit} of capture type ${captype} at offset ${fileOffset + 48} is unknown`, fileOffset + 48);
      }
      if (ticks >= 1e7) digits = 9;
    }
    const startOffset = view.getUint32(at + 24, true);
    const endOffset = view.getUint32(at + 28, true);
    if (startOffset < NETXRAY_HEADER_LENGTH) {
      throw fileError('netxray', 'bad-value', `NetXRay records start at offset ${startOffset} (file header, offset ${fileOffset + 24}), inside the ${NETXRAY_HEADER_LENGTH}-byte header: the file is damaged`, fileOffset + 24);
    }
    if (endOffset < startOffset) {
      throw fileError('netxray', 'unsupported', `NetXRay records start at offset ${startOffset} and end at ${endOffset} (offset ${fileOffset + 24}): a capture saved as a ring, whose records wrap around, cannot be read front to back`, fileOffset + 24);
    }
    this.major = major;
    this.recordHeader = major === 0 ? 16 : major === 1 ? 28 : 40;
    this.linkType = linkType;
    this.ethernet2 = major === 2 && linkType === 1;
    this.fcsValid = major === 2 && view.getUint8(at + 77) === 0x34 && view.getUint8(at + 78) === 0x12;
    this.startSeconds = view.getUint32(at + 12, true);
    this.ticksPerSecond = ticks;
    this.startTicks = startTicks / ticks;
    this.startOffset = startOffset;
    this.endOffset = endOffset;
    this.stage = startOffset > NETXRAY_HEADER_LENGTH ? 'skip' : startOffset === endOffset ? 'after' : 'records';
    const state = this.state;
    state.format = 'netxray';
    state.byteOrder = 'little';
    state.precision = digits === 9 ? 'nano' : 'micro';
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: `${major}.${minor}`, sectionLength: -1n });
    state.interfaces.push({ section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: digits, tsoffset: 0n });
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: NETXRAY_HEADER_LENGTH, section: 0 });
  }
}
