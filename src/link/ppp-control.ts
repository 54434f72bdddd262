// PPP's control protocols, and Cisco's SLARP, as far as tshark's summary and tree name them.
//
// - LCP (RFC 1661 5), IPCP (RFC 1332), IPV6CP (RFC 5072) and CCP (RFC 1962) share one packet
//   format: a code, an identifier, a length over the whole packet, then data (options, a magic
//   number, a rejected protocol). LCP's Protocol-Reject needs the protocol (2 bytes), its
//   Identification the magic number (4) and Time-Remaining the magic number and the seconds (8).
// - PAP (RFC 1334 2.2): Authenticate-Request carries a peer id and a password, each after its
//   length byte; Authenticate-Ack and -Nak a message after its length byte.
// - CHAP (RFC 1994 4): Challenge and Response carry a value after its length byte, then the name
//   (the rest of the packet); Success and Failure a message (the rest).
// - SLARP, on Cisco HDLC's protocol 0x8035: a 32-bit type (0 request, 1 reply: an address and a
//   mask; 2 keepalive: two sequence numbers) and its fields.
//
// The length field bounds the packet (what follows it is padding, not decoded). A packet too short
// for its fields keeps what was read and reports the rest as an error (tshark's [Malformed Packet]).
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, Protocol, Scanned } from '../packet/protocol.js';

/** A control protocol packet of LCP, IPCP, IPV6CP, CCP, PAP or CHAP. */
export interface PppControlHeader {
  code: number;
  identifier: number;
  /** The length field (the whole packet, code to data). */
  length: number;
  /** The data after the 4-byte header, within the length (as captured). */
  data: Uint8Array;
}

export interface SlarpHeader {
  /** 0 request, 1 reply, 2 line keepalive. */
  type: number;
  /** Request and reply: the sender's address and mask (dotted). */
  address?: string;
  mask?: string;
  /** Keepalive: the sender's sequence number and the last one it saw from the other end. */
  mySequence?: number;
  yourSequence?: number;
}

type Name = 'lcp' | 'ipcp' | 'ipv6cp' | 'ccp' | 'pap' | 'chap';

/** The codes every configuration protocol has (RFC 1661 5). */
const CONFIG_CODES: Readonly<Record<number, string>> = {
  1: 'Configuration Request', 2: 'Configuration Ack', 3: 'Configuration Nak', 4: 'Configuration Reject',
  5: 'Termination Request', 6: 'Termination Ack', 7: 'Code Reject',
};
const LCP_CODES: Readonly<Record<number, string>> = {
  ...CONFIG_CODES, 8: 'Protocol Reject', 9: 'Echo Request', 10: 'Echo Reply', 11: 'Discard Request', 12: 'Identification', 13: 'Time Remaining',
};
/** Data an LCP code needs before tshark has read its fields. */
const LCP_NEEDS: Readonly<Record<number, number>> = { 8: 2, 12: 4, 13: 8 };
const CCP_CODES: Readonly<Record<number, string>> = { ...CONFIG_CODES, 14: 'Reset Request', 15: 'Reset Ack' };

function malformed(layer: string, message: string, offset: number): WireError {
  return new WireError('bad-length', message, { layer, offset });
}

function scanControl(name: Name, ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const available = Math.min(ctx.end, bytes.length) - offset;
  if (available < 4) {
    throw new WireError('truncated', `header needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, { layer: name, offset, required: 4, available: Math.max(0, available) });
  }
  const code = bytes[offset]!;
  const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  const size = Math.max(4, Math.min(length, available));
  const data = size - 4;
  let error: WireError | undefined;
  if (length < 4) error = malformed(name, `length ${length} at offset ${offset + 2} is below the 4-byte header`, offset + 2);
  else if (name === 'lcp' && data < (LCP_NEEDS[code] ?? 0)) error = malformed(name, `${LCP_CODES[code]} needs ${LCP_NEEDS[code]} bytes of data, has ${data} at offset ${offset + 4}`, offset + 4);
  else if ((name === 'ipcp' || name === 'ipv6cp') && CONFIG_CODES[code] === undefined) error = malformed(name, `code ${code} at offset ${offset} is not one ${name.toUpperCase()} has`, offset);
  else if (name === 'pap' || name === 'chap') error = authProblem(name, bytes, offset, code, size);
  return scanned(size, undefined, undefined, error);
}

/** Whether a PAP or CHAP packet's length-prefixed fields fit its length. */
function authProblem(name: 'pap' | 'chap', bytes: Uint8Array, offset: number, code: number, size: number): WireError | undefined {
  const end = offset + size;
  let at = offset + 4;
  const prefixed = (): boolean => {
    if (at >= end || at + 1 + bytes[at]! > end) return false;
    at += 1 + bytes[at]!;
    return true;
  };
  // PAP: a request's peer id and password, an ack's or nak's message; CHAP: a challenge's or response's value.
  const ok = name === 'pap' ? (code === 1 ? prefixed() && prefixed() : code === 2 || code === 3 ? prefixed() : true) : code === 1 || code === 2 ? prefixed() : true;
  return ok ? undefined : malformed(name, `a field at offset ${at} runs past the packet's ${size} bytes`, at);
}

function decodeControl(bytes: Uint8Array, offset: number, end: number): PppControlHeader {
  const available = Math.min(end, bytes.length) - offset;
  const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  const size = Math.max(4, Math.min(length, available));
  return { code: bytes[offset]!, identifier: bytes[offset + 1]!, length, data: bytes.slice(offset + 4, offset + size) };
}

function control(name: Name, prefix: string): Protocol<PppControlHeader> {
  const scan = (ctx: DecodeContext) => scanControl(name, ctx);
  return {
    name,
    scan,
    decode: decodeByScan(scan, decodeControl),
    fields(h: PppControlHeader, out: FieldSink): void {
      out.add(`${prefix}.code`, h.code);
      out.add(`${prefix}.identifier`, h.identifier);
      out.add(`${prefix}.length`, h.length);
    },
  };
}

/** LCP, IPCP, IPV6CP, CCP (tshark's fields are ppp.code, ppp.identifier, ppp.length), PAP and CHAP. */
export const lcp = control('lcp', 'ppp');
export const ipcp = control('ipcp', 'ppp');
export const ipv6cp = control('ipv6cp', 'ppp');
export const ccp = control('ccp', 'ppp');
export const pap = control('pap', 'pap');
export const chap = control('chap', 'chap');

/** PPP protocol numbers of the control protocols decoded here. */
export const PPP_CONTROL: Readonly<Record<number, Name>> = { 0xc021: 'lcp', 0x8021: 'ipcp', 0x8057: 'ipv6cp', 0x80fd: 'ccp', 0xc023: 'pap', 0xc223: 'chap' };

const text = (b: Uint8Array) => String.fromCharCode(...b);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** tshark's info column for a control protocol packet (`name` its layer name). */
export function pppControlInfo(name: string, h: PppControlHeader): string {
  if (name === 'pap') {
    const d = h.data;
    if (h.code === 1) {
      const id = d.subarray(1, 1 + d[0]!);
      const pw = d.subarray(2 + d[0]!, 2 + d[0]! + (d[1 + d[0]!] ?? 0));
      return `Authenticate-Request (Peer-ID='${text(id)}', Password='${text(pw)}')`;
    }
    if (h.code === 2 || h.code === 3) return `Authenticate-${h.code === 2 ? 'Ack' : 'Nak'} (Message='${text(d.subarray(1, 1 + (d[0] ?? 0)))}')`;
    return 'Unknown';
  }
  if (name === 'chap') {
    const d = h.data;
    if (h.code === 1 || h.code === 2) {
      const n = d[0] ?? 0;
      return `${h.code === 1 ? 'Challenge' : 'Response'} (NAME='${text(d.subarray(1 + n))}', VALUE=0x${hex(d.subarray(1, 1 + n))})`;
    }
    if (h.code === 3 || h.code === 4) return `${h.code === 3 ? 'Success' : 'Failure'} (MESSAGE='${text(d)}')`;
    return 'Unknown';
  }
  const codes = name === 'lcp' ? LCP_CODES : name === 'ccp' ? CCP_CODES : CONFIG_CODES;
  return codes[h.code] ?? 'Unknown';
}

// -- SLARP ----------------------------------------------------------------------------------------

const dotted = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function scanSlarp(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const available = Math.min(ctx.end, bytes.length) - offset;
  if (available < 4) {
    throw new WireError('truncated', `type needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, { layer: 'slarp', offset, required: 4, available: Math.max(0, available) });
  }
  const type = u32(bytes, offset);
  if (type > 2) return scanned(4);
  // Request and reply: address and mask; keepalive: two sequence numbers (the reliability field after them is optional).
  if (available < 12) return scanned(available, undefined, undefined, malformed('slarp', `SLARP type ${type} needs 12 bytes, ${available} captured at offset ${offset}`, offset + available));
  return scanned(available);
}

function decodeSlarp(bytes: Uint8Array, offset: number, end: number): SlarpHeader {
  const available = Math.min(end, bytes.length) - offset;
  const type = u32(bytes, offset);
  if (type > 2 || available < 12) return { type };
  if (type === 2) return { type, mySequence: u32(bytes, offset + 4), yourSequence: u32(bytes, offset + 8) };
  return { type, address: dotted(bytes, offset + 4), mask: dotted(bytes, offset + 8) };
}

/** Cisco's Serial Line ARP (keepalives and address requests on a Cisco HDLC link). */
export const slarp: Protocol<SlarpHeader> = {
  name: 'slarp',
  scan: scanSlarp,
  decode: decodeByScan(scanSlarp, decodeSlarp),
  fields(h: SlarpHeader, out: FieldSink): void {
    out.add('slarp.ptype', h.type);
    if (h.address !== undefined) out.add('slarp.address', h.address);
    if (h.mask !== undefined) out.add('slarp.mask', h.mask);
    if (h.mySequence !== undefined) out.add('slarp.mysequence', h.mySequence);
    if (h.yourSequence !== undefined) out.add('slarp.yoursequence', h.yourSequence);
  },
};

/** tshark's info column for a SLARP packet. */
export function slarpInfo(h: SlarpHeader): string {
  if (h.type === 0 || h.type === 1) return h.address === undefined ? (h.type === 0 ? 'Request' : 'Reply') : `${h.type === 0 ? 'Request' : 'Reply'}, from ${h.address}, mask ${h.mask}`;
  if (h.type === 2) return h.mySequence === undefined ? 'Line keepalive' : `Line keepalive, outgoing sequence ${h.mySequence}, returned sequence ${h.yourSequence}`;
  return `Unknown packet type 0x${h.type.toString(16).padStart(8, '0')}`;
}
