// Cisco HDLC (LINKTYPE_C_HDLC, 104): the framing Cisco routers use on serial links, as captures
// hold it (https://www.tcpdump.org/linktypes/LINKTYPE_C_HDLC.html). Four bytes: an address (0x0f
// unicast, 0x8f broadcast), a control byte (0x00), and a protocol field that is an ethertype
// (0x0800 IPv4, 0x86dd IPv6, ...; 0x8035 is Cisco's SLARP keepalive, ppp-control.ts). tshark's
// dissector is `chdlc`, with the fields chdlc.address, chdlc.control and chdlc.protocol.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const LINKTYPE_C_HDLC = 104;
export const CHDLC_UNICAST = 0x0f;
export const CHDLC_BROADCAST = 0x8f;
const HEADER = 4;
const SLARP = 0x8035;

export interface ChdlcHeader {
  /** chdlc.address: 0x0f unicast, 0x8f broadcast. */
  address: number;
  /** chdlc.control: 0. */
  control: number;
  /** chdlc.protocol: an ethertype. */
  protocol: number;
}

/** Input for encoding: `protocol` comes from the next layer's ethertype when left out; address 0x0f and control 0 by default. */
export interface ChdlcInput {
  address?: number;
  control?: number;
  protocol?: number;
}

function check(bytes: Uint8Array, offset: number, end: number): void {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < HEADER) {
    throw new WireError('truncated', `header needs ${HEADER} bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
      layer: 'chdlc',
      offset,
      required: HEADER,
      available: Math.max(0, available),
    });
  }
}

function scanChdlc(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  check(bytes, offset, ctx.end);
  const protocol = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  // 0x8035 is SLARP here (on Ethernet the same number is RARP).
  return scanned(HEADER, undefined, protocol === SLARP ? { protocol: 'slarp' } : { table: 'ethertype', value: protocol });
}

/**
 * Decodes the Cisco HDLC header at `offset`.
 *
 * @example
 * decodeChdlc(Uint8Array.of(0x0f, 0x00, 0x08, 0x00)); // { address: 15, control: 0, protocol: 2048 }
 */
export function decodeChdlc(bytes: Uint8Array, offset = 0, end = bytes.length): ChdlcHeader {
  check(bytes, offset, end);
  return { address: bytes[offset]!, control: bytes[offset + 1]!, protocol: (bytes[offset + 2]! << 8) | bytes[offset + 3]! };
}

const checkValue = rangeChecker('chdlc');

function write(header: ChdlcInput, protocol: number, out: Uint8Array, offset: number): number {
  if (offset < 0 || out.length - offset < HEADER) {
    throw new WireError('bad-length', `output needs ${HEADER} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'chdlc', offset });
  }
  out[offset] = checkValue('address', header.address ?? CHDLC_UNICAST, 0xff);
  out[offset + 1] = checkValue('control', header.control ?? 0, 0xff);
  checkValue('protocol', protocol, 0xffff);
  out[offset + 2] = protocol >>> 8;
  out[offset + 3] = protocol;
  return HEADER;
}

/** Writes the header at out[offset] (`protocol` required) and returns its length, 4. */
export function emitChdlc(header: ChdlcInput, out: Uint8Array, offset = 0): number {
  if (header.protocol === undefined) throw new WireError('bad-value', 'protocol is required outside encodeFrame', { layer: 'chdlc' });
  return write(header, header.protocol, out, offset);
}

/** A new buffer holding the header. */
export function encodeChdlc(header: ChdlcInput): Uint8Array {
  const out = new Uint8Array(HEADER);
  emitChdlc(header, out);
  return out;
}

/** Cisco HDLC for `encodeFrame`: `[{ chdlc: {} }, { ip: {...} }, ...]`. */
export const chdlcEncoder: Encoder<ChdlcInput> = {
  name: 'chdlc',
  headerLength: () => HEADER,
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    // The protocol field is an ethertype: the next layer's, as Ethernet would carry it.
    write(header, nextLayerCode(header.protocol, ctx, (name) => ctx.codeFor('ethertype', name), 'protocol', 'chdlc'), out, offset);
  },
};

/** Cisco HDLC, the link layer of LINKTYPE_C_HDLC (104) captures. */
export const chdlc: Protocol<ChdlcHeader> = {
  name: 'chdlc',
  scan: scanChdlc,
  decode: decodeByScan(scanChdlc, decodeChdlc),
  // A header cut short: tshark names the protocol and shows none of its fields (it reads all four bytes first).
  partialFields(): void {},
  fields(h: ChdlcHeader, out: FieldSink): void {
    out.add('chdlc.address', h.address);
    out.add('chdlc.control', h.control);
    out.add('chdlc.protocol', h.protocol);
  },
};
