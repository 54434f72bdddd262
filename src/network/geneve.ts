// Geneve (RFC 8926, UDP port 6081): the overlay encapsulation of OVN, AWS Gateway Load Balancer
// and others. An 8-byte header (version, options length in 4-byte words, O and C flags, a protocol
// type that is an ethertype, 0x6558 for Ethernet, the 24-bit VNI), then variable-length options
// (class, type, length in 4-byte words, data), then the inner frame or packet. tshark's dissector
// is `geneve`; its fields are given here.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { u16 } from '../packet/bytes.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const GENEVE_PORT = 6081;
const HEADER = 8;
/** Transparent Ethernet bridging: the payload is an Ethernet frame. */
const ETHERNET_BRIDGING = 0x6558;

export interface GeneveOption {
  optionClass: number;
  type: number;
  /** The option's 3 reserved flag bits. */
  flags: number;
  data: Uint8Array;
}

export interface GeneveHeader {
  version: number;
  /** Options length in bytes. */
  optionsLength: number;
  /** The O (0x80) and C (0x40) flags and 6 reserved bits. */
  flags: number;
  protocol: number;
  vni: number;
  reserved: number;
  options: GeneveOption[];
}

export interface GeneveInput {
  vni: number;
  /** Default: the next layer's ethertype (0x6558 for Ethernet). */
  protocol?: number;
  flags?: number;
  options?: readonly { optionClass: number; type: number; data: Uint8Array }[];
}

function truncated(offset: number, required: number, have: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, ${have} captured at offset ${offset}`, { layer: 'geneve', offset, required, available: have });
}

function scanGeneve(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const have = Math.max(0, Math.min(ctx.end, bytes.length) - offset);
  if (have < HEADER) throw truncated(offset, HEADER, have);
  const length = HEADER + (bytes[offset]! & 0x3f) * 4;
  if (have < length) throw truncated(offset, length, have);
  const protocol = u16(bytes, offset + 2);
  const next: Next = protocol === ETHERNET_BRIDGING ? { protocol: 'eth' } : { table: 'ethertype', value: protocol };
  return scanned(length, undefined, next);
}

function readGeneveFixed(bytes: Uint8Array, offset: number): Omit<GeneveHeader, 'options'> {
  return {
    version: bytes[offset]! >>> 6,
    optionsLength: (bytes[offset]! & 0x3f) * 4,
    flags: bytes[offset + 1]!,
    protocol: u16(bytes, offset + 2),
    vni: (bytes[offset + 4]! << 16) | (bytes[offset + 5]! << 8) | bytes[offset + 6]!,
    reserved: bytes[offset + 7]!,
  };
}

function readGeneve(bytes: Uint8Array, offset: number): GeneveHeader {
  const h: GeneveHeader = { ...readGeneveFixed(bytes, offset), options: [] };
  const optionsLength = h.optionsLength;
  // Options inside the declared length; one whose own length runs past it ends the list there.
  const end = offset + HEADER + optionsLength;
  for (let at = offset + HEADER; at + 4 <= end; ) {
    const length = 4 + (bytes[at + 3]! & 0x1f) * 4;
    if (at + length > end) break;
    h.options.push({ optionClass: u16(bytes, at), type: bytes[at + 2]!, flags: bytes[at + 3]! >>> 5, data: bytes.subarray(at + 4, at + length) });
    at += length;
  }
  return h;
}

/**
 * Decodes the Geneve header (and its options) at `offset`.
 *
 * @example
 * decodeGeneve(udpPayload); // { version: 0, vni: 42, protocol: 0x6558, options: [...], ... }
 */
export function decodeGeneve(bytes: Uint8Array, offset = 0, end = bytes.length): GeneveHeader {
  scanGeneve({ bytes, offset, end, below: [], quoted: false, verifyChecksum: false });
  return readGeneve(bytes, offset);
}

function inputLength(h: GeneveInput): number {
  let n = HEADER;
  for (const o of h.options ?? []) n += 4 + ((o.data.length + 3) & ~3);
  return n;
}

const check = rangeChecker('geneve');

/** Geneve for `encodeFrame`: `[{ udp: { srcport, dstport: 6081 } }, { geneve: { vni: 42 } }, { eth }, ...]`. */
export const geneveEncoder: Encoder<GeneveInput> = {
  name: 'geneve',
  headerLength: inputLength,
  emit(h, out, offset, _payloadLength, ctx: EncodeContext) {
    const n = inputLength(h);
    if (offset < 0 || out.length - offset < n) throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}`, { layer: 'geneve', offset });
    const words = (n - HEADER) / 4;
    if (words > 0x3f) throw new WireError('bad-value', `options of ${n - HEADER} bytes exceed the 252-byte maximum`, { layer: 'geneve' });
    const protocol = nextLayerCode(h.protocol, ctx, (name) => (name === 'eth' ? ETHERNET_BRIDGING : ctx.codeFor('ethertype', name)), 'protocol', 'geneve');
    out.fill(0, offset, offset + n);
    out[offset] = words;
    out[offset + 1] = check('flags', h.flags ?? 0, 0xff);
    check('protocol', protocol, 0xffff);
    out[offset + 2] = protocol >>> 8;
    out[offset + 3] = protocol;
    const vni = check('vni', h.vni, 0xffffff);
    out[offset + 4] = vni >>> 16;
    out[offset + 5] = vni >>> 8;
    out[offset + 6] = vni;
    let at = offset + HEADER;
    for (const o of h.options ?? []) {
      const padded = (o.data.length + 3) & ~3;
      check('option class', o.optionClass, 0xffff);
      out[at] = o.optionClass >>> 8;
      out[at + 1] = o.optionClass;
      out[at + 2] = check('option type', o.type, 0xff);
      out[at + 3] = padded / 4;
      out.set(o.data, at + 4);
      at += 4 + padded;
    }
  },
};

/** Geneve, bound to UDP port 6081. */
export const geneve: Protocol<GeneveHeader> = {
  name: 'geneve',
  scan: scanGeneve,
  decode: decodeByScan(scanGeneve, (bytes, offset) => readGeneve(bytes, offset)),
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // The fixed header, when it was captured whole (the options ran past the capture).
    if (Math.min(ctx.end, ctx.bytes.length) - ctx.offset >= HEADER) fixedFields({ ...readGeneveFixed(ctx.bytes, ctx.offset), options: [] }, out);
  },
  fields(h: GeneveHeader, out: FieldSink): void {
    fixedFields(h, out);
    if (h.options.length === 0) return;
    const all: Uint8Array[] = [];
    for (const o of h.options) {
      const head = Uint8Array.of(o.optionClass >>> 8, o.optionClass & 0xff, o.type, (o.flags << 5) | (o.data.length / 4));
      all.push(head, o.data);
    }
    out.add('geneve.options', all.map(bytesField).filter((s) => s !== '').join(':'));
    for (let k = 0; k < h.options.length; k++) {
      const o = h.options[k]!;
      out.add('geneve.option', [bytesField(all[2 * k]!), bytesField(o.data)].filter((s) => s !== '').join(':'));
      out.add('geneve.option.class', o.optionClass);
      out.add('geneve.option.type', o.type);
      out.add('geneve.option.type.critical', o.type >>> 7);
      out.add('geneve.option.flags', o.flags);
      out.add('geneve.option.flags.reserved', o.flags);
      out.add('geneve.option.length', 4 + o.data.length);
      // Shown for an option with no data too (empty), as tshark does.
      out.add('geneve.option.unknown.data', bytesField(o.data));
    }
  },
};

function fixedFields(h: GeneveHeader, out: FieldSink): void {
  out.add('geneve.version', h.version);
  out.add('geneve.option.length', h.optionsLength);
  out.add('geneve.flags', h.flags);
  out.add('geneve.flags.oam', h.flags >>> 7);
  out.add('geneve.flags.critical', (h.flags >>> 6) & 1);
  out.add('geneve.flags.reserved', h.flags & 0x3f);
  out.add('geneve.proto_type', h.protocol);
  out.add('geneve.vni', h.vni);
  out.add('geneve.reserved', h.reserved);
}
