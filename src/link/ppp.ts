// PPP (RFC 1661) frames as captures hold them: the 16-bit protocol field and what it carries, after
// the address (0xff) and control (0x03) bytes of RFC 1662's HDLC-like framing when they are there.
// They are optional: PPPoE sessions leave them out (RFC 2516 section 7), LINKTYPE_PPP (9) and PPTP's
// GRE may carry them or not (address-and-control-field compression, RFC 1661 section 6.6). A
// protocol field is never 0xff03 (its first byte must be even), so the two bytes tell which, as in
// tshark (which takes a first byte of 0xff for the address without looking at the next). A protocol
// field whose first byte is odd is compressed to that one byte (RFC 1661 section
// 6.5, protocol-field compression: every protocol number has an even first byte and an odd last
// one, so the one byte is the number's low byte); tshark reads it so, and so does this decoder.
//
// 0x0021 carries IPv4 and 0x0057 IPv6; LCP, IPCP, IPV6CP, CCP, PAP and CHAP are read far enough
// for tshark's summary (ppp-control.ts); the rest is left opaque.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { PPP_CONTROL } from './ppp-control.js';
import { capturedLength } from '../packet/partial.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';

export const PPP_ADDRESS_ALL_STATIONS = 0xff;
export const PPP_CONTROL_UI = 0x03;
export const LINKTYPE_PPP = 9;

/** Protocol numbers (IANA "PPP DLL Protocol Numbers"). */
export const PppProtocol = {
  ipv4: 0x0021,
  ipv6: 0x0057,
  ipcp: 0x8021,
  ipv6cp: 0x8057,
  lcp: 0xc021,
  pap: 0xc023,
  chap: 0xc223,
} as const;

export interface PppHeader {
  /** ppp.address and ppp.control: present only when the frame carries them. */
  address?: number;
  control?: number;
  /** ppp.protocol. */
  protocol: number;
}

/**
 * Input for encoding: `protocol` comes from the next layer when left out (`ip` 0x0021, `ipv6`
 * 0x0057). `address`/`control` add the RFC 1662 bytes (either one given adds both: 0xff, 0x03).
 */
export interface PppInput {
  address?: number;
  control?: number;
  protocol?: number;
}

function truncated(offset: number, required: number, available: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer: 'ppp',
    offset,
    required,
    available: Math.max(0, available),
  });
}

/**
 * Header length: address and control (2, when there) plus the protocol field (1 when compressed,
 * else 2). Throws `truncated` when it does not fit.
 */
function checkPpp(bytes: Uint8Array, offset: number, end: number): number {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < 1) throw truncated(offset, 1, available);
  // As tshark (packet-ppp.c): a first byte of 0xff is the address, and a control byte follows.
  const framed = bytes[offset] === PPP_ADDRESS_ALL_STATIONS;
  const at = framed ? 2 : 0;
  // At least one protocol byte (a compressed field) after them.
  if (available <= at) throw truncated(offset, at + 1, available);
  const length = at + (bytes[offset + at]! & 1 ? 1 : 2);
  if (available < length) throw truncated(offset, length, available);
  return length;
}

/**
 * The protocol number of a header of `length` bytes at `offset`: its last byte, after the byte
 * before it unless the field is compressed to one byte (an odd length: 1, or 3 after address and control).
 */
function protocolAt(bytes: Uint8Array, offset: number, length: number): number {
  const last = bytes[offset + length - 1]!;
  return length & 1 ? last : (bytes[offset + length - 2]! << 8) | last;
}

function scanPpp(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const length = checkPpp(bytes, offset, ctx.end);
  const protocol = protocolAt(bytes, offset, length);
  if (protocol === PppProtocol.ipv4) return scanned(length, undefined, { protocol: 'ip' });
  if (protocol === PppProtocol.ipv6) return scanned(length, undefined, { protocol: 'ipv6' });
  const control = PPP_CONTROL[protocol];
  return control === undefined ? scanned(length) : scanned(length, undefined, { protocol: control });
}

/**
 * Decodes the PPP header at `offset`.
 *
 * @example
 * decodePpp(Uint8Array.of(0xff, 0x03, 0x00, 0x21)); // { address: 255, control: 3, protocol: 33 }
 */
export function decodePpp(bytes: Uint8Array, offset = 0, end = bytes.length): PppHeader {
  const length = checkPpp(bytes, offset, end);
  const protocol = protocolAt(bytes, offset, length);
  return length >= 3 ? { address: bytes[offset]!, control: bytes[offset + 1]!, protocol } : { protocol };
}

const NEXT_PROTOCOL: Record<string, number> = { ip: PppProtocol.ipv4, ipv6: PppProtocol.ipv6 };

function checkByte(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new WireError('bad-value', `${name} ${value} is out of range 0-${max}`, { layer: 'ppp' });
  return value;
}

function framed(header: PppInput): boolean {
  return header.address !== undefined || header.control !== undefined;
}

/** Bytes the header takes: 2, or 4 with address and control. */
export function pppHeaderLength(header: PppInput): number {
  return framed(header) ? 4 : 2;
}

/** Writes the header at out[offset] (`protocol` required) and returns its length. */
export function emitPpp(header: PppInput, out: Uint8Array, offset = 0): number {
  if (header.protocol === undefined) throw new WireError('bad-value', 'protocol is required outside encodeFrame', { layer: 'ppp' });
  return writePpp(header, header.protocol, out, offset);
}

function writePpp(header: PppInput, protocol: number, out: Uint8Array, offset: number): number {
  const length = pppHeaderLength(header);
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'ppp', offset });
  }
  checkByte('protocol', protocol, 0xffff);
  let at = offset;
  if ((protocol >>> 8) & 1 && !(length === 2 && protocol === 0xff03)) {
    throw new WireError('bad-value', `protocol 0x${protocol.toString(16).padStart(4, '0')} has an odd first byte, which reads back as a compressed one-byte protocol (RFC 1661 section 6.5)`, { layer: 'ppp' });
  }
  if (length === 4) {
    const address = checkByte('address', header.address ?? PPP_ADDRESS_ALL_STATIONS, 0xff);
    const control = checkByte('control', header.control ?? PPP_CONTROL_UI, 0xff);
    // Anything else would read back as a protocol field.
    if (address !== PPP_ADDRESS_ALL_STATIONS || control !== PPP_CONTROL_UI) {
      throw new WireError('bad-value', `address and control must be 0xff 0x03 (RFC 1662), got 0x${address.toString(16)} 0x${control.toString(16)}`, { layer: 'ppp' });
    }
    out[at++] = address;
    out[at++] = control;
  } else if (protocol === 0xff03) {
    throw new WireError('bad-value', 'protocol 0xff03 reads back as address and control', { layer: 'ppp' });
  }
  out[at] = protocol >>> 8;
  out[at + 1] = protocol;
  return length;
}

/** A new buffer holding the header. */
export function encodePpp(header: PppInput): Uint8Array {
  const out = new Uint8Array(pppHeaderLength(header));
  emitPpp(header, out);
  return out;
}

/** PPP for `encodeFrame`: `[{ pppoes: { sessionId: 1 } }, { ppp: {} }, { ip: {...} }, ...]`. */
export const pppEncoder: Encoder<PppInput> = {
  name: 'ppp',
  headerLength: (header) => pppHeaderLength(header),
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    writePpp(header, nextLayerCode(header.protocol, ctx, (name) => NEXT_PROTOCOL[name], 'protocol', 'ppp'), out, offset);
  },
};

/** PPP, over PPPoE sessions, PPTP's GRE and LINKTYPE_PPP (9). */
export const ppp: Protocol<PppHeader> = {
  name: 'ppp',
  scan: scanPpp,
  decode: decodeByScan(scanPpp, decodePpp),
  // A header cut short: tshark shows the address and control bytes it read before the protocol.
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const captured = capturedLength(ctx);
    if (captured < 1 || ctx.bytes[ctx.offset] !== PPP_ADDRESS_ALL_STATIONS) return;
    out.add('ppp.address', PPP_ADDRESS_ALL_STATIONS);
    if (captured >= 2) out.add('ppp.control', ctx.bytes[ctx.offset + 1]!);
  },
  fields(h: PppHeader, out: FieldSink): void {
    if (h.address !== undefined) out.add('ppp.address', h.address);
    if (h.control !== undefined) out.add('ppp.control', h.control);
    out.add('ppp.protocol', h.protocol);
  },
};
