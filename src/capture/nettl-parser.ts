// HP-UX nettl traces (Network Tracing and Logging), as Wireshark's wiretap reads them and
// `editcap -F nettl` writes them. All big-endian:
//
// - a 128-byte file header: the magic "TR\0d\0", then the trace file's name, time zone, host name,
//   OS version and machine model (text wirekit does not keep);
// - records, each a header of `header length` bytes (68 or more; the frame starts there): header
//   length and subsystem (u16 each), device id (i32), 4 bytes, trace kind (u32), 16 bytes, captured
//   length, length on the wire, seconds and microseconds since 1970 (u32 each), process id (i32),
//   8 bytes, user id (u32), 4 bytes.
//
// The subsystem says what the frame is: those of the IP stack (IP, IPv6, TCP and UDP tracing) carry
// IP packets, the token ring drivers' token ring frames, and, as in tshark, every other subsystem
// (HP's LAN drivers, and numbers it does not single out) Ethernet frames. Subsystems tshark reads
// with headers or framing of their own (the loopback, driver records, ICMP-only traces, telnet,
// SCTP, X.25, FDDI) are refused with a WireError naming the subsystem and its offset, rather than
// read with a layout not checked here. tshark puts its `nettl` pseudo-protocol above the
// frame (`nettl:eth:...`, `nettl:raw:ip:...`); `wirekit decode` and `stats` do the same. Each
// record keeps its nettl fields (`CaptureRecord.nettl`).
import { fileError } from './errors.js';
import { secondsNanos } from './timestamp.js';
import type { CaptureRecord } from './types.js';
import { interfaceForLinkType, type CaptureState, type UnitParser } from './unit-parser.js';

/** The first five bytes of a nettl file: "TR", 0, "d", 0. */
export const NETTL_MAGIC = [0x54, 0x52, 0x00, 0x64, 0x00];
const FILE_HEADER = 128;
const RECORD_HEADER = 68;
/** Wireshark refuses records above its standard maximum packet size as damage, and so does wirekit. */
const MAX_FRAME = 262_144;

/** Subsystems of the IP stack, whose records carry IP packets (NS_LS_TCP, _UDP, _IP, _IPV6). */
const IP_SUBSYSTEMS = new Set([6, 8, 9, 244]);
/** Token ring drivers (TOKEN, PCITR). */
const TOKEN_RING_SUBSYSTEMS = new Set([31, 187]);
/**
 * Subsystems whose records tshark reads with headers or framing of their own: the loopback (2),
 * the driver records (11), ICMP and ICMPv6 traces (23, 245), telnet (267), SCTP (268), X.25 (34,
 * 35), FDDI (95, 174, 176, 177). Refused rather than read with a layout not checked here.
 */
const REFUSED_SUBSYSTEMS = new Set([2, 11, 23, 34, 35, 95, 174, 176, 177, 245, 267, 268]);

/** Whether the bytes at `at` (to the view's end) start a nettl file: its 5-byte magic. */
export function isNettl(view: DataView, at: number): boolean {
  if (view.byteLength - at < NETTL_MAGIC.length) return false;
  for (let i = 0; i < NETTL_MAGIC.length; i++) if (view.getUint8(at + i) !== NETTL_MAGIC[i]) return false;
  return true;
}

export class NettlParser implements UnitParser {
  readonly format = 'nettl' as const;
  private readonly state: CaptureState;
  private headerDone = false;
  private readonly linkTypes = new Map<number, number>();

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
    const header = view.getUint16(at, false);
    if (header < RECORD_HEADER) {
      throw fileError('nettl', 'bad-length', `record at offset ${fileOffset} has header length ${header}, less than ${RECORD_HEADER}: the file is damaged`, fileOffset, RECORD_HEADER, header);
    }
    const captured = view.getUint32(at + 32, false);
    if (captured > MAX_FRAME) {
      throw fileError('nettl', 'bad-length', `record at offset ${fileOffset} has captured length ${captured} (at offset ${fileOffset + 32}), above the ${MAX_FRAME}-byte maximum: the file is damaged`, fileOffset + 32, captured, MAX_FRAME);
    }
    const cap = this.state.maxRecordLength;
    if (captured > cap) {
      throw fileError('nettl', 'limit-exceeded', `record at offset ${fileOffset} has captured length ${captured} (at offset ${fileOffset + 32}), above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset + 32, captured, cap);
    }
    return header + captured;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    if (!this.headerDone) {
      this.decodeFileHeader(view, at, fileOffset);
      return undefined;
    }
    const subsystem = view.getUint16(at + 2, false);
    if (REFUSED_SUBSYSTEMS.has(subsystem)) {
      throw fileError('nettl', 'unsupported', `record at offset ${fileOffset} is of subsystem ${subsystem} (at offset ${fileOffset + 2}), whose records have a layout of their own: wirekit reads Ethernet (the LAN drivers and, as tshark, any subsystem it does not know), IP (6, 8, 9, 244) and token ring (31, 187) records`, fileOffset + 2);
    }
    // As tshark: a subsystem it does not single out carries Ethernet frames.
    const linkType = IP_SUBSYSTEMS.has(subsystem) ? 101 : TOKEN_RING_SUBSYSTEMS.has(subsystem) ? 6 : 1;
    const micros = view.getUint32(at + 44, false);
    if (micros >= 1_000_000) {
      throw fileError('nettl', 'bad-value', `record at offset ${fileOffset} has ${micros} microseconds (at offset ${fileOffset + 44}; under 1,000,000 in a valid file): the file is damaged`, fileOffset + 44);
    }
    const header = view.getUint16(at, false);
    const captured = length - header;
    this.state.onBlock?.({ type: subsystem, name: 'record', offset: fileOffset, length, section: 0 });
    return {
      timestamp: secondsNanos(view.getUint32(at + 40, false), micros * 1000),
      capturedLength: captured,
      originalLength: view.getUint32(at + 36, false),
      linkType,
      interfaceId: interfaceForLinkType(this.state, this.linkTypes, linkType, 6),
      data: bytes.subarray(at + header, at + header + captured),
      nettl: { subsystem, deviceId: view.getInt32(at + 4, false), kind: view.getUint32(at + 12, false), pid: view.getInt32(at + 48, false), uid: view.getUint32(at + 60, false) },
    };
  }


  private decodeFileHeader(view: DataView, at: number, fileOffset: number): void {
    if (!isNettl(view, at)) throw fileError('nettl', 'bad-value', `file header at offset ${fileOffset} does not start with nettl's magic "TR\\0d\\0"`, fileOffset);
    this.headerDone = true;
    const state = this.state;
    state.format = 'nettl';
    state.byteOrder = 'big';
    state.precision = 'micro';
    state.sections.push({ index: 0, offset: fileOffset, byteOrder: 'big', version: '', sectionLength: -1n });
    state.onBlock?.({ type: 0, name: 'header', offset: fileOffset, length: FILE_HEADER, section: 0 });
  }
}
