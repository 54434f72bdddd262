// IPsec's two headers. ESP (RFC 4303), IP protocol 50: a security parameters index and a
// sequence number in the clear, then the encrypted payload, padding, next header and ICV, which
// nobody without the keys can tell apart: they stay payload bytes (tshark 4.0 does the same by
// default). AH (RFC 4302), IP protocol 51: next header, payload length ((len + 2) * 4 bytes in
// all), reserved, SPI, sequence number and the integrity check value, then the protected packet
// in the clear, which decodes on through the IP protocol table (TCP, UDP, ICMP...).
//
// Over IPv6, AH is an extension header walked in the IPv6 layer's chain (ipv6-extensions.ts),
// whose fields are these same `ah.*` ones; ESP ends that chain and is this layer.
//
// A header cut short decodes as far as its bytes go (tshark shows those fields) and the layer
// reports `truncated`; only an empty one throws.
import { WireError } from '../errors.js';
import { put16, put32, u16, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { decodeAlone, scanThenRead, type DecodeContext, type EncodeContext, type Encoder, type Protocol, type Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const IP_PROTO_ESP = 50;
export const IP_PROTO_AH = 51;
export const ESP_HEADER_LENGTH = 8;
/** AH's fixed part: next header, length, reserved, SPI, sequence number (RFC 4302 section 2). */
export const AH_MIN_HEADER_LENGTH = 12;

export interface EspHeader {
  /** esp.spi (absent when fewer than 4 bytes were captured). */
  spi?: number;
  /** esp.sequence. */
  sequence?: number;
}

export interface AhHeader {
  /** ah.next_header: the IP protocol of what AH protects. */
  nextHeader: number;
  /** ah.length: the payload length byte, AH's length in 32-bit words minus 2. */
  length: number;
  /** ah.reserved, 16 bits. */
  reserved?: number;
  /** ah.spi, ah.sequence. */
  spi?: number;
  sequence?: number;
  /** ah.icv: the integrity check value, colon-separated hex. */
  icv?: string;
}

function available(ctx: DecodeContext): number {
  return Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
}

function empty(layer: string, ctx: DecodeContext, required: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, 0 captured at offset ${ctx.offset}`, { layer, offset: ctx.offset, required, available: 0 });
}

function scanEsp(ctx: DecodeContext): Scanned {
  const have = available(ctx);
  if (ctx.offset < 0 || have < 1) throw empty('esp', ctx, ESP_HEADER_LENGTH);
  if (have < ESP_HEADER_LENGTH) {
    const error = new WireError('truncated', `header needs ${ESP_HEADER_LENGTH} bytes, ${have} captured at offset ${ctx.offset}`, { layer: 'esp', offset: ctx.offset, required: ESP_HEADER_LENGTH, available: have });
    return scanned(have, undefined, undefined, error);
  }
  return scanned(ESP_HEADER_LENGTH);
}

function readEsp(ctx: DecodeContext): EspHeader {
  const { bytes: b, offset: at } = ctx;
  const have = available(ctx);
  const h: EspHeader = {};
  if (have >= 4) h.spi = u32(b, at);
  if (have >= 8) h.sequence = u32(b, at + 4);
  return h;
}

/**
 * Decodes the ESP header at `offset`: what is in the clear.
 *
 * @example
 * decodeEsp(ipPayload); // { spi: 0x1234, sequence: 1 }
 */
export function decodeEsp(bytes: Uint8Array, offset = 0, end = bytes.length): EspHeader {
  return decodeAlone(scanEsp, readEsp, bytes, offset, end);
}

function scanAh(ctx: DecodeContext): Scanned {
  const { bytes: b, offset: at } = ctx;
  const have = available(ctx);
  if (at < 0 || have < 1) throw empty('ah', ctx, AH_MIN_HEADER_LENGTH);
  const length = have >= 2 ? (b[at + 1]! + 2) * 4 : AH_MIN_HEADER_LENGTH;
  if (length < AH_MIN_HEADER_LENGTH) {
    const error = new WireError('bad-length', `payload length ${b[at + 1]} makes a ${length}-byte header, shorter than the ${AH_MIN_HEADER_LENGTH} bytes of SPI and sequence number, at offset ${at}`, { layer: 'ah', offset: at });
    return scanned(Math.min(have, length), undefined, undefined, error);
  }
  if (have < length) {
    const error = new WireError('truncated', `payload length announces a ${length}-byte header, ${have} captured at offset ${at}`, { layer: 'ah', offset: at, required: length, available: have });
    return scanned(have, undefined, undefined, error);
  }
  return scanned(length, undefined, { table: 'ip.proto', value: b[at]! });
}

function readAh(ctx: DecodeContext, headerLength: number): AhHeader {
  const { bytes: b, offset: at } = ctx;
  const have = Math.min(available(ctx), headerLength);
  const h: AhHeader = { nextHeader: b[at]!, length: have >= 2 ? b[at + 1]! : 0 };
  if (have >= 4) h.reserved = u16(b, at + 2);
  if (have >= 8) h.spi = u32(b, at + 4);
  if (have >= 12) h.sequence = u32(b, at + 8);
  const length = (h.length + 2) * 4;
  // The ICV shows only when all of it was captured, as in tshark.
  if (length > AH_MIN_HEADER_LENGTH && have >= length) h.icv = bytesField(b.subarray(at + AH_MIN_HEADER_LENGTH, at + length));
  return h;
}

/**
 * Decodes the AH header at `offset`. Throws `truncated` when the header its length byte announces
 * was not captured, `bad-length` when that length leaves no room for SPI and sequence number.
 *
 * @example
 * decodeAh(ipPayload); // { nextHeader: 6, length: 4, reserved: 0, spi: 0x100, sequence: 7, icv: '00:01:...' }
 */
export function decodeAh(bytes: Uint8Array, offset = 0, end = bytes.length): AhHeader {
  return decodeAlone(scanAh, (ctx, scanned) => readAh(ctx, scanned.headerLength), bytes, offset, end);
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** tshark's info column for an ESP or AH layer that ends the packet: `ESP (SPI=0x00001234)`. */
export function ipsecInfo(name: 'esp' | 'ah', h: EspHeader | AhHeader): string {
  // tshark writes ESP's column once it has read the sequence number too, AH's after the SPI.
  if (h.spi === undefined || (name === 'esp' && h.sequence === undefined)) return '';
  return `${name.toUpperCase()} (SPI=${hex32(h.spi)})`;
}

/** tshark's `ah.*` fields, for this layer and for AH in an IPv6 extension chain. */
export function ahFields(h: AhHeader, out: FieldSink): void {
  out.add('ah.next_header', h.nextHeader);
  out.add('ah.length', h.length);
  if (h.reserved !== undefined) out.add('ah.reserved', bytesField(Uint8Array.of(h.reserved >>> 8, h.reserved & 0xff)));
  if (h.spi !== undefined) out.add('ah.spi', h.spi);
  if (h.sequence !== undefined) out.add('ah.sequence', h.sequence);
  if (h.icv !== undefined) out.add('ah.icv', h.icv);
}

/** ESP, bound to IP protocol 50 (and IPv6 next header 50). */
export const esp: Protocol<EspHeader> = {
  name: 'esp',
  scan: scanEsp,
  decode: scanThenRead(scanEsp, readEsp),
  fields(h: EspHeader, out: FieldSink): void {
    if (h.spi !== undefined) out.add('esp.spi', h.spi);
    if (h.sequence !== undefined) out.add('esp.sequence', h.sequence);
  },
};

/** AH, bound to IP protocol 51 (over IPv6 it is read in the extension chain). */
export const ah: Protocol<AhHeader> = {
  name: 'ah',
  scan: scanAh,
  decode: scanThenRead(scanAh, (ctx, scanned) => readAh(ctx, scanned.headerLength)),
  fields(h: AhHeader, out: FieldSink): void {
    ahFields(h, out);
  },
};

const check = rangeChecker('ipsec');

/** An ESP header to encode; the ciphertext (and ESP's trailer) is the payload that follows. */
export interface EspInput {
  spi: number;
  sequence: number;
}

/** Writes the ESP header at out[offset] and returns its length, 8. */
export function emitEsp(h: EspInput, out: Uint8Array, offset = 0): number {
  if (offset < 0 || out.length - offset < ESP_HEADER_LENGTH) throw new WireError('bad-length', `output needs ${ESP_HEADER_LENGTH} bytes at offset ${offset}`, { layer: 'esp', offset });
  put32(out, offset, check('spi', h.spi, 0xffffffff));
  put32(out, offset + 4, check('sequence', h.sequence, 0xffffffff));
  return ESP_HEADER_LENGTH;
}

/** ESP for `encodeFrame`: `[{ ip }, { esp: { spi: 0x1234, sequence: 1 } }]` with the ciphertext as payload. */
export const espEncoder: Encoder<EspInput> = {
  name: 'esp',
  headerLength: () => ESP_HEADER_LENGTH,
  emit(header, out, offset) {
    emitEsp(header, out, offset);
  },
};

/** An AH header to encode. `nextHeader` comes from the next layer when left out (`tcp` 6, `udp` 17...). */
export interface AhInput {
  nextHeader?: number;
  spi: number;
  sequence: number;
  /** The integrity check value: a multiple of 4 bytes (RFC 4302 section 2.6), none by default. */
  icv?: Uint8Array;
  reserved?: number;
}

function ahLength(h: AhInput): number {
  const icv = h.icv?.length ?? 0;
  if (icv % 4 !== 0) throw new WireError('bad-value', `an ICV of ${icv} bytes is not a multiple of 4 (RFC 4302 section 2.6)`, { layer: 'ah' });
  return AH_MIN_HEADER_LENGTH + icv;
}

function emitAhHeader(h: AhInput, nextHeader: number, out: Uint8Array, offset: number): number {
  const length = ahLength(h);
  if (offset < 0 || out.length - offset < length) throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}`, { layer: 'ah', offset });
  out[offset] = check('nextHeader', nextHeader, 0xff);
  out[offset + 1] = length / 4 - 2;
  put16(out, offset + 2, check('reserved', h.reserved ?? 0, 0xffff));
  put32(out, offset + 4, check('spi', h.spi, 0xffffffff));
  put32(out, offset + 8, check('sequence', h.sequence, 0xffffffff));
  if (h.icv !== undefined) out.set(h.icv, offset + AH_MIN_HEADER_LENGTH);
  return length;
}

/** Writes the AH header at out[offset] (`nextHeader` required here) and returns its length. */
export function emitAh(h: AhInput, out: Uint8Array, offset = 0): number {
  if (h.nextHeader === undefined) throw new WireError('bad-value', 'nextHeader is required outside encodeFrame', { layer: 'ah' });
  return emitAhHeader(h, h.nextHeader, out, offset);
}

/** AH for `encodeFrame`: `[{ ip }, { ah: { spi: 0x100, sequence: 1, icv } }, { tcp }]`. */
export const ahEncoder: Encoder<AhInput> = {
  name: 'ah',
  headerLength: ahLength,
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    const next = nextLayerCode(header.nextHeader, ctx, (name) => ctx.codeFor('ip.proto', name), 'nextHeader', 'ah');
    emitAhHeader(header, next, out, offset);
  },
};
