// Visual Networks traffic captures (Visual UpTime probes), as Wireshark's wiretap (visual.c) reads
// them and `editcap -F visual` writes them. Little-endian throughout:
//
// - a 192-byte file header: the magic 05 'V' 'N' 'F', the packet count, the capture's start (whole
//   seconds since the epoch), the medium as an SNMP ifType, the longest stored frame, flags (bit 0:
//   an index follows the packets), the format version (1), the link speed and, at 128, a
//   NUL-terminated description;
// - as many packets as the header counts, each a 20-byte header (milliseconds since the start,
//   length on the wire, length stored, status bits, an encapsulation hint, reserved bytes) and the
//   frame;
// - the index: one 32-bit file offset per packet. Nothing reads it: the count says where the
//   packets end, and whatever follows them is skipped, as Wireshark skips it.
//
// Ethernet's wire length counts the 4-byte FCS, which is never stored; Wireshark takes it off,
// even where the writer (editcap among them) never counted it, so a frame's wire length can end up
// below its stored length. wirekit reports the lengths Wireshark reports.
//
// Ethernet (ifType 6) and token ring (9) are read. The WAN media Wireshark also reads (LAPB,
// point-to-point serial / HDLC, Frame Relay: frames that need a direction pseudo-header; ATM, with a
// further per-packet header) are refused with a WireError naming the medium.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { InterfaceInfo } from './metadata.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

const FILE_HEADER = 192;
const PACKET_HEADER = 20;
/** The index (and anything else after the last packet) is skipped in pieces of at most this. */
const TRAILER_PIECE = 65536;
/** Bytes 05 56 4e 46 (05 'V' 'N' 'F') read little-endian. */
const MAGIC = 0x464e5605;
const VERSION = 1;
/** SNMP ifType of the medium -> LINKTYPE. */
const MEDIA: Readonly<Record<number, number>> = { 6: 1, 9: 6 };
/** Media Wireshark reads that wirekit does not (yet). */
const REFUSED_MEDIA: Readonly<Record<number, string>> = {
  16: 'LAPB',
  22: 'point-to-point serial (Cisco HDLC or PPP)',
  32: 'Frame Relay',
  37: 'ATM',
  118: 'HDLC',
};
const ETHERNET_FCS = 4;

/** Whether the bytes at `at` (to the view's end) start a Visual Networks capture: its 4-byte magic. */
export function isVisual(view: DataView, at: number): boolean {
  return at >= 0 && view.byteLength - at >= 4 && view.getUint32(at, true) === MAGIC;
}

type Stage = 'header' | 'packets' | 'trailer';

export class VisualParser implements UnitParser {
  readonly format = 'visual' as const;
  private readonly state: CaptureState;
  private stage: Stage = 'header';
  /** Packets the header counts that are still to come. */
  private remaining = 0;
  private startSeconds = 0n;
  private linkType = 1;
  /** Bytes of the trailer the lookahead has shown for its next piece (0: not yet asked). */
  private trailerShown = 0;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    return this.stage === 'header' ? 'file header' : this.stage === 'packets' ? 'packet' : 'index';
  }

  headerLength(): number {
    return this.stage === 'header' ? FILE_HEADER : this.stage === 'packets' ? PACKET_HEADER : 1;
  }

  // The trailer has no length of its own: the lookahead measures what is left, up to one piece.
  lookahead(): number {
    return this.stage === 'trailer' && this.trailerShown === 0 ? TRAILER_PIECE : 0;
  }

  inspect(_bytes: Uint8Array, _view: DataView, _at: number, available: number, _ended: boolean): void {
    this.trailerShown = Math.max(1, Math.min(available, TRAILER_PIECE));
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    if (this.stage === 'header') return FILE_HEADER;
    if (this.stage === 'trailer') return Math.max(1, this.trailerShown);
    // A 16-bit stored length: never above 64 KiB, but the reader's cap may be set lower.
    const stored = view.getUint16(at + 6, true);
    const cap = this.state.maxRecordLength;
    if (stored > cap) {
      throw fileError('visual', 'limit-exceeded', `packet at offset ${fileOffset} claims ${stored} stored bytes (field at offset ${fileOffset + 6}), above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset + 6, stored, cap);
    }
    return PACKET_HEADER + stored;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (this.stage === 'header') {
      this.decodeHeader(bytes, view, at, fileOffset);
      return undefined;
    }
    if (this.stage === 'trailer') {
      this.trailerShown = 0;
      this.state.onBlock?.({ type: 0, name: 'index', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    const delta = view.getUint32(at, true);
    let onWire = view.getUint16(at + 4, true);
    const stored = length - PACKET_HEADER;
    if (this.linkType === 1) {
      if (onWire < ETHERNET_FCS) {
        throw fileError('visual', 'bad-length', `Ethernet packet at offset ${fileOffset} has a wire length of ${onWire} (field at offset ${fileOffset + 4}), less than the ${ETHERNET_FCS}-byte FCS it counts: the file is damaged`, fileOffset + 4);
      }
      onWire -= ETHERNET_FCS;
    }
    this.remaining--;
    if (this.remaining === 0) this.stage = 'trailer';
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    const frame = at + PACKET_HEADER;
    return {
      // Both unsigned: a packet before the start is a delta that wrapped, read as Wireshark reads it.
      timestamp: (this.startSeconds * 1000n + BigInt(delta)) * 1_000_000n,
      capturedLength: stored,
      originalLength: onWire,
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(frame, frame + stored),
    };
  }

  private decodeHeader(bytes: Uint8Array, view: DataView, at: number, fileOffset: number): void {
    if (view.getUint32(at, true) !== MAGIC) {
      throw fileError('visual', 'bad-value', `file header at offset ${fileOffset} does not start with the Visual Networks magic 05 56 4e 46`, fileOffset);
    }
    const version = view.getUint16(at + 18, true);
    if (version !== VERSION) {
      throw fileError('visual', 'unsupported', `Visual Networks file version ${version} at offset ${fileOffset + 18} is not one wirekit reads (only ${VERSION})`, fileOffset + 18);
    }
    const media = view.getUint16(at + 12, true);
    const linkType = MEDIA[media];
    if (linkType === undefined) {
      const name = REFUSED_MEDIA[media];
      throw fileError('visual', 'unsupported', `Visual Networks media type ${media}${name === undefined ? ' (unknown)' : ` (${name})`} at offset ${fileOffset + 12} is not one wirekit reads (6 Ethernet, 9 token ring)`, fileOffset + 12);
    }
    this.linkType = linkType;
    this.remaining = view.getUint32(at + 4, true);
    this.startSeconds = BigInt(view.getUint32(at + 8, true));
    this.stage = this.remaining === 0 ? 'trailer' : 'packets';
    const state = this.state;
    state.format = 'visual';
    state.byteOrder = 'little';
    // Milliseconds: the finest pcap precision holds them, as for NetMon 1.x.
    state.precision = 'micro';
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'little', version: String(version), sectionLength: -1n });
    const iface: InterfaceInfo = { section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snaplen: view.getUint16(at + 14, true), tsresol: 3, tsoffset: 0n };
    const speed = view.getUint32(at + 20, true);
    if (speed !== 0) iface.speed = BigInt(speed);
    const description = cString(bytes, at + 128, 64);
    if (description !== '') iface.description = description;
    state.interfaces.push(iface);
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: FILE_HEADER, section: 0 });
  }
}

/** The text before the first NUL (or all `size` bytes), one character per byte. */
function cString(bytes: Uint8Array, at: number, size: number): string {
  let end = at;
  while (end < at + size && bytes[end] !== 0) end++;
  return String.fromCharCode(...bytes.subarray(at, end));
}
