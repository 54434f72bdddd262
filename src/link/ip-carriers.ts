// Link types that carry IP (or LLC) under a small header of their own, as tshark 4.0 reads them:
//
// - `clip` (LINKTYPE_LINUX_ATM_CLIP, 106): Linux's Classical IP over ATM, no header at all; IPv4,
//   or IPv6 by its version nibble (tshark's IP dissector hands it on).
// - `ipnet` (LINKTYPE_IPNET, 226): Solaris' ipnet header, 24 bytes big-endian: version, address
//   family (2 IPv4, 26 IPv6: Solaris' numbers), hook type, packet length, interface index, group
//   interface index, source and destination zone.
// - `ipfc` (LINKTYPE_IP_OVER_FC, 122): RFC 2625's network header, the 8-byte destination and source
//   Fibre Channel names, then LLC/SNAP.
// - `fr` (LINKTYPE_FRELAY, 107): frame relay (ITU-T Q.922): a 2-, 3- or 4-byte address (the DLCI,
//   congestion bits, extension bits), then the RFC 2427 encapsulation, control 0x03 (UI), optional
//   0x00 padding and an NLPID (0xcc IPv4, 0x8e IPv6, 0x80 SNAP), or Cisco's, an ethertype right
//   after the address.
// - `ap1394` (LINKTYPE_APPLE_IP_OVER_IEEE1394, 138): RFC 2734's link header as Apple's stack
//   captures it, the 8-byte destination and source EUI-64s and an ethertype.
// LINKTYPE_ATM_RFC1483 (100) is LLC with nothing before it: the `llc` protocol is bound to it, as
// PPPoE's session protocol is to LINKTYPE_PPP_ETHER (51, PPPoE without its Ethernet header).
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, Next, Protocol } from '../packet/protocol.js';
import { cutShort } from '../packet/partial.js';
import { le32, u32 as be32 } from '../packet/bytes.js';

export const LINKTYPE_ATM_RFC1483 = 100;
export const LINKTYPE_LINUX_ATM_CLIP = 106;
export const LINKTYPE_FRELAY = 107;
export const LINKTYPE_IP_OVER_FC = 122;
export const LINKTYPE_IPNET = 226;
export const LINKTYPE_APPLE_IP_OVER_IEEE1394 = 138;
export const LINKTYPE_PPP_ETHER = 51;
export const AP1394_HEADER_LENGTH = 18;
export const IPNET_HEADER_LENGTH = 24;
export const IPFC_HEADER_LENGTH = 16;

const have = (ctx: DecodeContext) => Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
const IP: Next = { protocol: 'ip' };
const IPV6: Next = { protocol: 'ipv6' };
const LLC: Next = { protocol: 'llc' };

/** `clip`: no header; what follows is IP (IPv6 by its version nibble). */
export const clip: Protocol<Record<string, never>> = {
  name: 'clip',
  decode(ctx: DecodeContext): Decoded<Record<string, never>> {
    const ipv6 = have(ctx) >= 1 && ctx.bytes[ctx.offset]! >>> 4 === 6;
    return { header: {}, headerLength: 0, next: ipv6 ? IPV6 : IP };
  },
  fields(_h: Record<string, never>, out: FieldSink): void {
    out.add('clip.no_link_info', '');
  },
};

export interface IpnetHeader {
  version: number;
  /** Solaris address family: 2 IPv4, 26 IPv6. */
  family: number;
  /** Hook type (0 inbound, 1 outbound, 2 local). */
  htype: number;
  pktlen: number;
  ifindex: number;
  grifindex: number;
  zsrc: number;
  zdst: number;
}


/** `ipnet`: Solaris' 24-byte header; IPv4 or IPv6 by its family. */
export const ipnet: Protocol<IpnetHeader> = {
  name: 'ipnet',
  decode(ctx: DecodeContext): Decoded<IpnetHeader> {
    if (have(ctx) < IPNET_HEADER_LENGTH) throw cutShort('ipnet', ctx.offset, IPNET_HEADER_LENGTH, have(ctx), 'header');
    const b = ctx.bytes;
    const o = ctx.offset;
    const header: IpnetHeader = {
      version: b[o]!,
      family: b[o + 1]!,
      htype: (b[o + 2]! << 8) | b[o + 3]!,
      pktlen: be32(b, o + 4),
      ifindex: be32(b, o + 8),
      grifindex: be32(b, o + 12),
      zsrc: be32(b, o + 16),
      zdst: be32(b, o + 20),
    };
    const next = header.family === 2 ? IP : header.family === 26 ? IPV6 : undefined;
    return next === undefined ? { header, headerLength: IPNET_HEADER_LENGTH } : { header, headerLength: IPNET_HEADER_LENGTH, next };
  },
  partialFields(): void {},
  fields(h: IpnetHeader, out: FieldSink): void {
    for (const [name, value] of Object.entries(h)) out.add(`ipnet.${name}`, value);
  },
};

export interface IpfcHeader {
  /** Destination and source Fibre Channel names (8 bytes each, colon-separated hex). */
  da: string;
  sa: string;
}

const wwn = (b: Uint8Array, at: number) => Array.from(b.subarray(at, at + 8), (x) => x.toString(16).padStart(2, '0')).join(':');

/** `ipfc`: RFC 2625's network header, then LLC. */
export const ipfc: Protocol<IpfcHeader> = {
  name: 'ipfc',
  decode(ctx: DecodeContext): Decoded<IpfcHeader> {
    if (have(ctx) < IPFC_HEADER_LENGTH) throw cutShort('ipfc', ctx.offset, IPFC_HEADER_LENGTH, have(ctx), 'network header');
    return { header: { da: wwn(ctx.bytes, ctx.offset), sa: wwn(ctx.bytes, ctx.offset + 8) }, headerLength: IPFC_HEADER_LENGTH, next: LLC };
  },
  partialFields(): void {},
  fields(h: IpfcHeader, out: FieldSink): void {
    out.add('ipfc.nh.da', h.da);
    out.add('ipfc.nh.sa', h.sa);
  },
};

export interface FrameRelayHeader {
  /** The address's length (2, 3 or 4 bytes). */
  addressLength: number;
  dlci: number;
  /** Command/response, forward and backward congestion notification, discard eligibility bits. */
  cr: number;
  fecn: number;
  becn: number;
  de: number;
  /** The control byte (0x03, UI) of an RFC 2427 frame; absent in Cisco's encapsulation. */
  control?: number;
  /** The NLPIDs read, padding (0x00) included. */
  nlpids: number[];
  snapOui?: number;
  /** SNAP's protocol id, or Cisco's ethertype. */
  type?: number;
}

/** The address (the caller has checked its first byte is there); its length 0 when it runs past `n` bytes. */
function frAddress(b: Uint8Array, o: number, n: number): FrameRelayHeader {
  let length = 0;
  for (let k = 0; k < 4 && k < n; k++) {
    if (k > 0 && b[o + k]! & 1) {
      length = k + 1;
      break;
    }
  }
  const b0 = b[o]!;
  const b1 = n > 1 ? b[o + 1]! : 0;
  let dlci = ((b0 >>> 2) << 4) | (b1 >>> 4);
  // A 3- or 4-byte address adds DLCI bits from the bytes after the second (Q.922 section 3.3.3).
  // The last byte of a longer address gives 6 bits (then D/C and EA), a byte between 7.
  for (let k = 2; k < length; k++) dlci = k === length - 1 ? (dlci << 6) | (b[o + k]! >>> 2) : (dlci << 7) | (b[o + k]! >>> 1);
  return { addressLength: length, dlci, cr: (b0 >>> 1) & 1, fecn: (b1 >>> 3) & 1, becn: (b1 >>> 2) & 1, de: (b1 >>> 1) & 1, nlpids: [] };
}

/** tshark's info column for a frame relay header it could not finish: the DLCI, then the control. */
export function frameRelayCutInfo(bytes: Uint8Array, offset: number, captured: number): string {
  if (captured < 2) return '';
  const h = frAddress(bytes, offset, captured);
  if (h.addressLength === 0) return '';
  let info = `DLCI ${h.dlci}`;
  if (captured > h.addressLength && bytes[offset + h.addressLength] === 0x03) info += ', U, func=UI';
  return info;
}

/** `fr`: frame relay, for LINKTYPE_FRELAY. */
export const frameRelay: Protocol<FrameRelayHeader> = {
  name: 'fr',
  decode(ctx: DecodeContext): Decoded<FrameRelayHeader> {
    const n = have(ctx);
    const b = ctx.bytes;
    const o = ctx.offset;
    if (n < 2) throw cutShort('fr', o, 2, n, 'address');
    const h = frAddress(b, o, n);
    if (h.addressLength === 0) throw cutShort('fr', o, n + 1, n, 'address (no byte ends it)');
    let at = h.addressLength;
    if (n <= at) throw cutShort('fr', o + at, 1, 0, 'control or ethertype');
    if (b[o + at] !== 0x03) {
      // Cisco's encapsulation: an ethertype right after the address. tshark takes IPv4 and IPv6
      // this way; other values it reads as a Q.922 control field, left here as data.
      if (n < at + 2) return { header: h, headerLength: at };
      const type = (b[o + at]! << 8) | b[o + at + 1]!;
      if (type !== 0x0800 && type !== 0x86dd) return { header: h, headerLength: at };
      h.type = type;
      return { header: h, headerLength: at + 2, next: type === 0x0800 ? IP : IPV6 };
    }
    h.control = 0x03;
    at++;
    // Padding (0x00) before the NLPID, as RFC 2427 allows.
    for (;;) {
      if (n <= at) throw cutShort('fr', o + at, 1, 0, 'NLPID');
      const nlpid = b[o + at]!;
      h.nlpids.push(nlpid);
      at++;
      if (nlpid !== 0x00) break;
    }
    const nlpid = h.nlpids[h.nlpids.length - 1]!;
    if (nlpid === 0xcc) return { header: h, headerLength: at, next: IP };
    if (nlpid === 0x8e) return { header: h, headerLength: at, next: IPV6 };
    if (nlpid === 0x80) {
      if (n < at + 5) throw cutShort('fr', o + at, 5, n - at, 'SNAP header');
      h.snapOui = (b[o + at]! << 16) | (b[o + at + 1]! << 8) | b[o + at + 2]!;
      h.type = (b[o + at + 3]! << 8) | b[o + at + 4]!;
      return h.snapOui === 0 ? { header: h, headerLength: at + 5, next: { table: 'ethertype', value: h.type } } : { header: h, headerLength: at + 5 };
    }
    return { header: h, headerLength: at };
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const n = have(ctx);
    if (n < 2) return;
    const h = frAddress(ctx.bytes, ctx.offset, n);
    if (h.addressLength !== 0) frAddressFields(h, out);
  },
  fields(h: FrameRelayHeader, out: FieldSink): void {
    frAddressFields(h, out);
    if (h.control !== undefined) out.add('fr.control', h.control);
    for (const nlpid of h.nlpids) out.add('fr.nlpid', nlpid);
    if (h.snapOui !== undefined) {
      out.add('fr.snap.oui', h.snapOui);
      out.add('fr.snaptype', h.type!);
    } else if (h.type !== undefined) out.add('fr.ethertype', h.type);
  },
};

function frAddressFields(h: FrameRelayHeader, out: FieldSink): void {
  out.add('fr.cr', h.cr);
  out.add('fr.fecn', h.fecn);
  out.add('fr.becn', h.becn);
  out.add('fr.de', h.de);
  out.add('fr.dlci', h.dlci);
}

export interface Ap1394Header {
  /** Destination and source EUI-64s (colon-separated hex). */
  dst: string;
  src: string;
  type: number;
}

/** `ap1394`: IP over IEEE 1394 as Apple captures it; the ethertype names what follows. */
export const ap1394: Protocol<Ap1394Header> = {
  name: 'ap1394',
  decode(ctx: DecodeContext): Decoded<Ap1394Header> {
    if (have(ctx) < AP1394_HEADER_LENGTH) throw cutShort('ap1394', ctx.offset, AP1394_HEADER_LENGTH, have(ctx));
    const type = (ctx.bytes[ctx.offset + 16]! << 8) | ctx.bytes[ctx.offset + 17]!;
    return { header: { dst: wwn(ctx.bytes, ctx.offset), src: wwn(ctx.bytes, ctx.offset + 8), type }, headerLength: AP1394_HEADER_LENGTH, next: { table: 'ethertype', value: type } };
  },
  partialFields(): void {},
  fields(h: Ap1394Header, out: FieldSink): void {
    out.add('ap1394.dst', h.dst);
    out.add('ap1394.src', h.src);
    out.add('ap1394.type', h.type);
  },
};
