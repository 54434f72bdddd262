// IEEE 802.2 Logical Link Control, and the SNAP header (IEEE 802, clause 10) that follows it when
// both SAPs are 0xaa: how IP travels over 802.11 and over 802.3 frames (an Ethernet length field
// instead of an ethertype). The header is a destination SAP, a source SAP and a control field of
// one byte (U format, low bits 11) or two (I and S formats). SNAP adds an OUI and a protocol id; with
// the OUI 00-00-00 (RFC 1042) or 00-00-f8 (802.1H bridge tunnel) the id is an ethertype.
// tshark's dissector is `llc`: llc.dsap, llc.ssap, llc.control and their subfields, llc.oui, and
// llc.type (an ethertype) or llc.pid.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';
import { capturedLength } from '../packet/partial.js';

/** SAP of a SNAP header (RFC 1042). */
export const LLC_SAP_SNAP = 0xaa;
/** SAP of IPv4 carried directly over LLC (RFC 1042 mentions it; rare). */
export const LLC_SAP_IP = 0x06;
/** Unnumbered information, the control field of SNAP and of almost all LLC traffic. */
export const LLC_UI = 0x03;
/** OUIs whose SNAP protocol id is an ethertype: RFC 1042 encapsulation and 802.1H bridge tunnels. */
const OUI_RFC1042 = 0x000000;
const OUI_BRIDGE_TUNNEL = 0x0000f8;
/** Cisco's OUI, and its SNAP protocol id of CDP. */
const OUI_CISCO = 0x00000c;
const PID_CDP = 0x2000;
/** SAP of spanning tree BPDUs (IEEE 802.1D). */
export const LLC_SAP_STP = 0x42;
const STP: Next = { protocol: 'stp' };
const CDP: Next = { protocol: 'cdp' };

export interface LlcHeader {
  /** llc.dsap: the destination service access point (low bit: group address). */
  dsap: number;
  /** llc.ssap: the source SAP (low bit: response). */
  ssap: number;
  /** llc.control: one byte (U format) or two (I and S formats, the first byte in the low bits as tshark shows it). */
  control: number;
  /** The SNAP OUI, when the SAPs are 0xaa and the control is U format. */
  oui?: number;
  /** The SNAP protocol id (an ethertype under OUI 0 and 0xf8). */
  pid?: number;
}

export interface LlcInput {
  dsap?: number;
  ssap?: number;
  control?: number;
  /** Set (with `pid`) for a SNAP header; dsap and ssap then default to 0xaa. */
  oui?: number;
  /** The SNAP protocol id: from the next layer's ethertype when left out and the OUI is 0. */
  pid?: number;
}

/** Whether the control field is U format (one byte). */
const isU = (control: number) => (control & 3) === 3;


function cut(offset: number, required: number, have: number, what: string): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${have} captured at offset ${offset}`, {
    layer: 'llc',
    offset,
    required,
    available: have,
  });
}

/** Header length and what follows, from the bytes at ctx.offset. */
function scanLlc(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const have = capturedLength(ctx);
  if (have < 3) throw cut(offset, 3, have, 'header');
  const dsap = bytes[offset]!;
  const ssap = bytes[offset + 1]!;
  const u = isU(bytes[offset + 2]!);
  const base = u ? 3 : 4;
  if (have < base) throw cut(offset, base, have, 'header');
  if (dsap === LLC_SAP_SNAP && ssap === LLC_SAP_SNAP && u) {
    if (have < 8) throw cut(offset, 8, have, 'SNAP header');
    const oui = (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
    const pid = (bytes[offset + 6]! << 8) | bytes[offset + 7]!;
    const next: Next | undefined =
      oui === OUI_RFC1042 || oui === OUI_BRIDGE_TUNNEL ? { table: 'ethertype', value: pid } : oui === OUI_CISCO && pid === PID_CDP ? CDP : undefined;
    return scanned(8, undefined, next);
  }
  // IPv4 straight over LLC (SAP 6), which tshark decodes as ip, and spanning tree BPDUs (SAP 0x42,
  // which tshark takes by the DSAP alone); other SAPs (NetBIOS 0xf0, OSI 0xfe, IPX 0xe0) stay opaque.
  // Only information frames carry them: I format, or UI with the poll bit clear (tshark's test).
  const first = bytes[offset + 2]!;
  if (!((first & 1) === 0 || first === LLC_UI)) return scanned(base, undefined, undefined);
  if (dsap === LLC_SAP_STP) return scanned(base, undefined, STP);
  return scanned(base, undefined, dsap === LLC_SAP_IP && ssap === LLC_SAP_IP ? { protocol: 'ip' } : undefined);
}

function readLlc(bytes: Uint8Array, offset: number, end: number): LlcHeader {
  const first = bytes[offset + 2]!;
  const u = isU(first);
  const header: LlcHeader = {
    dsap: bytes[offset]!,
    ssap: bytes[offset + 1]!,
    control: u ? first : first | (bytes[offset + 3]! << 8),
  };
  if (header.dsap === LLC_SAP_SNAP && header.ssap === LLC_SAP_SNAP && u && Math.min(end, bytes.length) - offset >= 8) {
    header.oui = (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
    header.pid = (bytes[offset + 6]! << 8) | bytes[offset + 7]!;
  }
  return header;
}

/**
 * Decodes the LLC header (and SNAP header) at `offset`.
 *
 * @example
 * decodeLlc(Uint8Array.of(0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)); // { dsap: 170, ssap: 170, control: 3, oui: 0, pid: 2048 }
 */
export function decodeLlc(bytes: Uint8Array, offset = 0, end = bytes.length): LlcHeader {
  scanLlc({ bytes, offset, end, below: [], quoted: false, verifyChecksum: false });
  return readLlc(bytes, offset, end);
}

const byte = rangeChecker('llc');

function lengthOf(header: LlcInput): number {
  if (header.oui !== undefined || header.pid !== undefined) return 8;
  return isU(header.control ?? LLC_UI) ? 3 : 4;
}

function write(header: LlcInput, pid: number | undefined, out: Uint8Array, offset: number): number {
  const snap = pid !== undefined;
  const n = snap ? 8 : lengthOf(header);
  if (offset < 0 || out.length - offset < n) {
    throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'llc', offset });
  }
  const control = header.control ?? LLC_UI;
  if (snap && !isU(control)) throw new WireError('bad-value', `a SNAP header follows a U-format control field, not 0x${control.toString(16)}`, { layer: 'llc' });
  out[offset] = byte('dsap', header.dsap ?? (snap ? LLC_SAP_SNAP : 0), 0xff);
  out[offset + 1] = byte('ssap', header.ssap ?? (snap ? LLC_SAP_SNAP : 0), 0xff);
  if (isU(control)) out[offset + 2] = byte('control', control, 0xff);
  else {
    byte('control', control, 0xffff);
    out[offset + 2] = control & 0xff;
    out[offset + 3] = control >>> 8;
  }
  if (snap) {
    const oui = byte('oui', header.oui ?? OUI_RFC1042, 0xffffff);
    out[offset + 3] = oui >>> 16;
    out[offset + 4] = oui >>> 8;
    out[offset + 5] = oui;
    byte('pid', pid, 0xffff);
    out[offset + 6] = pid >>> 8;
    out[offset + 7] = pid;
  }
  return n;
}

/** Writes the header at out[offset] and returns its length (3, 4, or 8 with SNAP). */
export function emitLlc(header: LlcInput, out: Uint8Array, offset = 0): number {
  const snap = header.oui !== undefined || header.pid !== undefined;
  if (snap && header.pid === undefined) throw new WireError('bad-value', 'a SNAP header needs pid outside encodeFrame', { layer: 'llc' });
  return write(header, header.pid, out, offset);
}

/** A new buffer holding the header. */
export function encodeLlc(header: LlcInput): Uint8Array {
  const out = new Uint8Array(lengthOf(header));
  emitLlc(header, out);
  return out;
}

/**
 * LLC for `encodeFrame`. Unless SAPs other than 0xaa are given it is a SNAP header (RFC 1042)
 * carrying the next layer's ethertype: `[{ wlan: {...} }, { llc: {} }, { ip: {...} }, ...]`;
 * `{ llc: { dsap: 0x42, ssap: 0x42 } }` is a plain 3-byte header.
 */
export const llcEncoder: Encoder<LlcInput> = {
  name: 'llc',
  headerLength: (header) => (snapFor(header) ? 8 : lengthOf(header)),
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    const snap = snapFor(header);
    const pid = snap ? nextLayerCode(header.pid, ctx, (name) => ctx.codeFor('ethertype', name), 'pid', 'llc') : undefined;
    write(header, pid, out, offset);
  },
};

/** In encodeFrame a SNAP header unless SAPs other than 0xaa are given. */
function snapFor(header: LlcInput): boolean {
  if (header.oui !== undefined || header.pid !== undefined) return true;
  return (header.dsap ?? LLC_SAP_SNAP) === LLC_SAP_SNAP && (header.ssap ?? LLC_SAP_SNAP) === LLC_SAP_SNAP && isU(header.control ?? LLC_UI);
}

/** IEEE 802.2 LLC (with SNAP): what follows an 802.3 length field, and the body of 802.11 data frames. */
export const llc: Protocol<LlcHeader> = {
  name: 'llc',
  scan: scanLlc,
  decode: decodeByScan(scanLlc, readLlc),
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark shows the SAPs and the control field it could read before the header ran out (a
    // SNAP header cut short, say).
    const { bytes, offset } = ctx;
    const have = capturedLength(ctx);
    if (have >= 1) sapFields(out, 'dsap', bytes[offset]!);
    if (have >= 2) sapFields(out, 'ssap', bytes[offset + 1]!);
    if (have >= 3 && isU(bytes[offset + 2]!)) controlFields(out, bytes[offset + 2]!);
    else if (have >= 4) controlFields(out, bytes[offset + 2]! | (bytes[offset + 3]! << 8));
  },
  fields(h: LlcHeader, out: FieldSink): void {
    sapFields(out, 'dsap', h.dsap);
    sapFields(out, 'ssap', h.ssap);
    controlFields(out, h.control);
    if (h.oui !== undefined) {
      out.add('llc.oui', h.oui);
      out.add(PID_FIELDS.get(h.oui) ?? 'llc.pid', h.pid!);
    }
  },
};

/** The control field and its subfields by format, as tshark names them. */
function controlFields(out: FieldSink, control: number): void {
  out.add('llc.control', control);
  if (isU(control)) {
    // U format: the modifier bits (the P/F bit aside) and the format bits.
    out.add('llc.control.u_modifier_cmd', control & 0xec);
    out.add('llc.control.ftype', 3);
    return;
  }
  // I and S formats: receive sequence number and poll bit in the second byte.
  out.add('llc.control.n_r', control >>> 9);
  out.add('llc.control.p', (control >>> 8) & 1);
  if ((control & 1) === 0) {
    out.add('llc.control.n_s', (control >>> 1) & 0x7f);
    out.add('llc.control.ftype', 0);
  } else {
    out.add('llc.control.s_ftype', (control >>> 2) & 3);
    out.add('llc.control.ftype', 1);
  }
}

/** tshark's name for the SNAP protocol id under an OUI: an ethertype (llc.type), or an OUI's own numbering. */
const PID_FIELDS = new Map<number, string>([
  [OUI_RFC1042, 'llc.type'],
  [OUI_BRIDGE_TUNNEL, 'llc.type'],
  [0x080007, 'llc.type'], // Apple's AppleTalk OUI: ethertypes
  [0x00000c, 'llc.cisco_pid'],
  [0x0080c2, 'llc.bridged_pid'], // IEEE 802.1 bridged frames (RFC 2684)
]);

const SAP_NAMES = {
  dsap: ['llc.dsap', 'llc.dsap.sap', 'llc.dsap.ig'],
  ssap: ['llc.ssap', 'llc.ssap.sap', 'llc.ssap.cr'],
} as const;

function sapFields(out: FieldSink, which: 'dsap' | 'ssap', sap: number): void {
  const names = SAP_NAMES[which];
  out.add(names[0], sap);
  out.add(names[1], sap >>> 1);
  out.add(names[2], sap & 1);
}
