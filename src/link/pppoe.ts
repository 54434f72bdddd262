// PPP over Ethernet (RFC 2516). Both stages share a 6-byte header: version and type (4 bits each,
// both 1), code, session ID and the payload's length. The discovery stage (ethertype 0x8863: PADI,
// PADO, PADR, PADS, PADT) carries a list of TAGs, each type, length and value; the session stage
// (0x8864, code 0) carries a PPP frame without address and control bytes.
//
// As in tshark, a version or type other than 1 is shown and decoding goes on. A length past the
// captured bytes is a `truncated` problem (decoding goes on with what is there, tshark's "possible
// bad payload length"); a shorter one bounds the payload, and what follows is Ethernet padding.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';

export const PPPOE_HEADER_LENGTH = 6;
export const ETHERTYPE_PPPOE_DISCOVERY = 0x8863;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

/** Codes (RFC 2516 section 5; session data is 0). */
export const PppoeCode = {
  session: 0x00,
  padi: 0x09,
  pado: 0x07,
  padr: 0x19,
  pads: 0x65,
  padt: 0xa7,
} as const;

/** TAG types (RFC 2516 appendix A, RFC 4638, RFC 5578, RFC 4937, RFC 6320). */
export const PppoeTagType = {
  endOfList: 0x0000,
  serviceName: 0x0101,
  acName: 0x0102,
  hostUniq: 0x0103,
  acCookie: 0x0104,
  vendorSpecific: 0x0105,
  credits: 0x0106,
  metrics: 0x0107,
  sequenceNumber: 0x0108,
  creditScaleFactor: 0x0109,
  relaySessionId: 0x0110,
  hurl: 0x0111,
  motm: 0x0112,
  pppMaxPayload: 0x0120,
  ipRouteAdd: 0x0121,
  serviceNameError: 0x0201,
  acSystemError: 0x0202,
  genericError: 0x0203,
} as const;

export interface PppoeHeader {
  /** pppoe.version and pppoe.type: 1 and 1. */
  version: number;
  type: number;
  /** pppoe.code: 0 in sessions, PADI 0x09, PADO 0x07, PADR 0x19, PADS 0x65, PADT 0xa7. */
  code: number;
  /** pppoe.session_id: 0 until PADS assigns one. */
  sessionId: number;
  /** pppoe.payload_length, as the header says. */
  payloadLength: number;
}

/** One discovery TAG: its type and value, the value as colon-separated hex (`''` when empty). */
export interface PppoeTag {
  type: number;
  value: string;
}

export interface PppoeDiscoveryHeader extends PppoeHeader {
  /** The TAGs, in order; those that fit whole in the payload. */
  tags: PppoeTag[];
}

/** Input for a session header: `payloadLength` is filled from the payload. */
export interface PppoeInput {
  sessionId?: number;
  code?: number;
  version?: number;
  type?: number;
  payloadLength?: number;
}

/** A TAG to encode: `value` as colon-separated hex bytes, or `text` (UTF-8) for the name and error TAGs. */
export interface PppoeTagInput {
  type: number;
  value?: string;
  text?: string;
}

/** Input for a discovery packet: `code` is required (PADI, PADO, ...), the tags follow the header. */
export interface PppoeDiscoveryInput extends Omit<PppoeInput, 'code'> {
  code: number;
  tags?: readonly PppoeTagInput[];
}

/** TAGs tshark shows as text, and under which field. */
const TEXT_TAGS: Record<number, string> = {
  [PppoeTagType.serviceName]: 'pppoed.tags.service_name',
  [PppoeTagType.acName]: 'pppoed.tags.ac_name',
  [PppoeTagType.serviceNameError]: 'pppoed.tags.service_name_error',
  [PppoeTagType.acSystemError]: 'pppoed.tags.ac_system_error',
  [PppoeTagType.genericError]: 'pppoed.tags.generic_error',
};
/** TAGs tshark shows as bytes. */
const BYTES_TAGS: Record<number, string> = {
  [PppoeTagType.hostUniq]: 'pppoed.tags.host_uniq',
  [PppoeTagType.acCookie]: 'pppoed.tags.ac_cookie',
  [PppoeTagType.relaySessionId]: 'pppoed.tags.relay_session_id',
  [PppoeTagType.hurl]: 'pppoed.tags.hurl',
  [PppoeTagType.motm]: 'pppoed.tags.motm',
  [PppoeTagType.pppMaxPayload]: 'pppoed.tags.max_payload',
  [PppoeTagType.ipRouteAdd]: 'pppoed.tags.ip_route_add',
};

function truncated(layer: string, message: string, offset: number, required: number, available: number): WireError {
  return new WireError('truncated', message, { layer, offset, required, available: Math.max(0, available) });
}

/** The 6-byte header's checks, shared by both stages: the payload's end and the `truncated` problem when it runs past the bytes. */
function scanCommon(ctx: DecodeContext, layer: string): { payloadEnd: number; problem: WireError | undefined } {
  const { bytes, offset } = ctx;
  const limit = Math.min(ctx.end, bytes.length);
  const available = limit - offset;
  if (offset < 0 || available < PPPOE_HEADER_LENGTH) {
    throw truncated(layer, `header needs 6 bytes, ${Math.max(0, available)} captured at offset ${offset}`, offset, PPPOE_HEADER_LENGTH, available);
  }
  const length = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
  const payloadEnd = offset + PPPOE_HEADER_LENGTH + length;
  const problem =
    payloadEnd > limit
      ? truncated(layer, `payload length ${length} runs past the ${available - PPPOE_HEADER_LENGTH} bytes captured after the header at offset ${offset}`, offset, PPPOE_HEADER_LENGTH + length, available)
      : undefined;
  return { payloadEnd, problem };
}

function readHeader(bytes: Uint8Array, offset: number): PppoeHeader {
  return {
    version: bytes[offset]! >>> 4,
    type: bytes[offset]! & 0xf,
    code: bytes[offset + 1]!,
    sessionId: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
    payloadLength: (bytes[offset + 4]! << 8) | bytes[offset + 5]!,
  };
}

function headerFields(h: PppoeHeader, out: FieldSink): void {
  out.add('pppoe.version', h.version);
  out.add('pppoe.type', h.type);
  out.add('pppoe.code', h.code);
  out.add('pppoe.session_id', h.sessionId);
  out.add('pppoe.payload_length', h.payloadLength);
}

function scanSession(ctx: DecodeContext): Scanned {
  const { payloadEnd, problem } = scanCommon(ctx, 'pppoes');
  return scanned(PPPOE_HEADER_LENGTH, payloadEnd, { protocol: 'ppp' }, undefined, problem);
}

/**
 * Walks the TAG list in bytes[start, end): how many whole TAGs there are, where they end, and the
 * error when one runs past `end`. The one walk `scan` and `decode` share.
 */
function walkTags(bytes: Uint8Array, start: number, end: number, visit?: (type: number, at: number, length: number) => void): { end: number; error: WireError | undefined } {
  let at = start;
  while (at < end) {
    if (end - at < 4) {
      return { end: at, error: truncated('pppoed', `tag header needs 4 bytes, ${end - at} left at offset ${at}`, at, 4, end - at) };
    }
    const type = (bytes[at]! << 8) | bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (end - at - 4 < length) {
      return { end: at, error: truncated('pppoed', `tag 0x${type.toString(16).padStart(4, '0')} of length ${length} runs past the ${end - at - 4} bytes left at offset ${at}`, at, 4 + length, end - at) };
    }
    visit?.(type, at + 4, length);
    at += 4 + length;
  }
  return { end: at, error: undefined };
}

function scanDiscovery(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const { payloadEnd, problem } = scanCommon(ctx, 'pppoed');
  const tagsEnd = Math.min(payloadEnd, ctx.end, bytes.length);
  const walked = walkTags(bytes, offset + PPPOE_HEADER_LENGTH, tagsEnd);
  // The TAGs are the header: the payload is empty, and what follows is padding.
  return scanned(walked.end - offset, walked.error === undefined ? tagsEnd : undefined, undefined, walked.error, problem);
}

/**
 * Decodes a PPPoE session header at `offset`.
 *
 * @example
 * decodePppoe(frame, 14); // { version: 1, type: 1, code: 0, sessionId: 0x1234, payloadLength: 38 }
 */
export function decodePppoe(bytes: Uint8Array, offset = 0, end = bytes.length): PppoeHeader {
  scanCommon({ bytes, offset, end, below: [], quoted: false, verifyChecksum: false }, 'pppoes');
  return readHeader(bytes, offset);
}

/**
 * Decodes a PPPoE discovery packet at `offset`, TAGs included. Throws `truncated` when a TAG or the
 * payload length runs past the bytes.
 *
 * @example
 * decodePppoeDiscovery(frame, 14).tags; // [{ type: 0x0101, value: '' }, { type: 0x0103, value: '12:34:56:78' }]
 */
export function decodePppoeDiscovery(bytes: Uint8Array, offset = 0, end = bytes.length): PppoeDiscoveryHeader {
  const ctx: DecodeContext = { bytes, offset, end, below: [], quoted: false, verifyChecksum: false };
  const result = scanDiscovery(ctx);
  if (result.error !== undefined) throw result.error;
  if (result.truncated !== undefined) throw result.truncated;
  return discoveryHeader(bytes, offset, offset + result.headerLength);
}

function discoveryHeader(bytes: Uint8Array, offset: number, tagsEnd: number): PppoeDiscoveryHeader {
  const tags: PppoeTag[] = [];
  walkTags(bytes, offset + PPPOE_HEADER_LENGTH, tagsEnd, (type, at, length) => tags.push({ type, value: bytesField(bytes.subarray(at, at + length)) }));
  return { ...readHeader(bytes, offset), tags };
}

/** tshark's FT_STRING display of a value: printable ASCII as is, the rest escaped. */
function tagText(hex: string): string {
  if (hex === '') return '';
  let s = '';
  for (const h of hex.split(':')) {
    const b = parseInt(h, 16);
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0 ? '' : `\\x${h}`;
  }
  return s;
}

function checkRange(layer: string, name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new WireError('bad-value', `${name} ${value} is out of range 0-${max}`, { layer });
  return value;
}

function writeHeader(layer: string, h: PppoeInput, code: number, length: number, out: Uint8Array, offset: number): void {
  const version = checkRange(layer, 'version', h.version ?? 1, 15);
  const type = checkRange(layer, 'type', h.type ?? 1, 15);
  const sessionId = checkRange(layer, 'sessionId', h.sessionId ?? 0, 0xffff);
  const payloadLength = checkRange(layer, 'payloadLength', h.payloadLength ?? length, 0xffff);
  out[offset] = (version << 4) | type;
  out[offset + 1] = checkRange(layer, 'code', code, 0xff);
  out[offset + 2] = sessionId >>> 8;
  out[offset + 3] = sessionId;
  out[offset + 4] = payloadLength >>> 8;
  out[offset + 5] = payloadLength;
}

function tagBytes(tag: PppoeTagInput): Uint8Array {
  if (tag.text !== undefined) return new TextEncoder().encode(tag.text);
  const value = tag.value ?? '';
  if (value === '') return new Uint8Array(0);
  if (!/^[0-9a-f]{2}([:-]?[0-9a-f]{2})*$/i.test(value)) {
    throw new WireError('bad-value', `tag value '${value}' is not hex bytes (give text tags as \`text\`)`, { layer: 'pppoed' });
  }
  return Uint8Array.from(value.replace(/[:-]/g, '').match(/../g)!, (b) => parseInt(b, 16));
}

function encodedTags(h: PppoeDiscoveryInput): { type: number; data: Uint8Array }[] {
  return (h.tags ?? []).map((t) => {
    const data = tagBytes(t);
    checkRange('pppoed', 'tag type', t.type, 0xffff);
    checkRange('pppoed', 'tag length', data.length, 0xffff);
    return { type: t.type, data };
  });
}

/** Bytes a discovery packet takes: the header and its TAGs. */
export function pppoeDiscoveryLength(header: PppoeDiscoveryInput): number {
  return encodedTags(header).reduce((n, t) => n + 4 + t.data.length, PPPOE_HEADER_LENGTH);
}

/**
 * Writes a discovery packet (header and TAGs) at out[offset] and returns its length.
 *
 * @example
 * encodePppoeDiscovery({ code: PppoeCode.padi, tags: [{ type: PppoeTagType.serviceName, text: '' }] });
 */
export function emitPppoeDiscovery(header: PppoeDiscoveryInput, out: Uint8Array, offset = 0): number {
  const tags = encodedTags(header);
  const length = tags.reduce((n, t) => n + 4 + t.data.length, PPPOE_HEADER_LENGTH);
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'pppoed', offset });
  }
  if (length - PPPOE_HEADER_LENGTH > 0xffff) throw new WireError('bad-value', `tags of ${length - PPPOE_HEADER_LENGTH} bytes exceed the 16-bit length`, { layer: 'pppoed' });
  writeHeader('pppoed', header, header.code, length - PPPOE_HEADER_LENGTH, out, offset);
  let at = offset + PPPOE_HEADER_LENGTH;
  for (const t of tags) {
    out[at] = t.type >>> 8;
    out[at + 1] = t.type;
    out[at + 2] = t.data.length >>> 8;
    out[at + 3] = t.data.length;
    out.set(t.data, at + 4);
    at += 4 + t.data.length;
  }
  return length;
}

/** A new buffer holding the discovery packet. */
export function encodePppoeDiscovery(header: PppoeDiscoveryInput): Uint8Array {
  const out = new Uint8Array(pppoeDiscoveryLength(header));
  emitPppoeDiscovery(header, out);
  return out;
}

/** Writes a session header at out[offset] for a payload of `payloadLength` bytes; returns 6. */
export function emitPppoe(header: PppoeInput, out: Uint8Array, offset = 0, payloadLength = 0): number {
  if (offset < 0 || out.length - offset < PPPOE_HEADER_LENGTH) {
    throw new WireError('bad-length', `output needs 6 bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'pppoes', offset });
  }
  writeHeader('pppoes', header, header.code ?? PppoeCode.session, payloadLength, out, offset);
  return PPPOE_HEADER_LENGTH;
}

/** A new buffer holding a session header and `payload` (a PPP frame). */
export function encodePppoe(header: PppoeInput, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(PPPOE_HEADER_LENGTH + payload.length);
  out.set(payload, PPPOE_HEADER_LENGTH);
  emitPppoe(header, out, 0, payload.length);
  return out;
}

/** PPPoE sessions for `encodeFrame`: `[{ eth: {...} }, { pppoes: { sessionId: 1 } }, { ppp: {} }, { ip: {...} }, ...]`. */
export const pppoesEncoder: Encoder<PppoeInput> = {
  name: 'pppoes',
  headerLength: () => PPPOE_HEADER_LENGTH,
  emit(header, out, offset, payloadLength, ctx: EncodeContext) {
    writeHeader('pppoes', ctx.fill ? header : { ...header, payloadLength: header.payloadLength ?? 0 }, header.code ?? PppoeCode.session, payloadLength, out, offset);
  },
};

/** PPPoE discovery for `encodeFrame`: `[{ eth: {...} }, { pppoed: { code: 0x09, tags: [...] } }]`. */
export const pppoedEncoder: Encoder<PppoeDiscoveryInput> = {
  name: 'pppoed',
  headerLength: (header) => pppoeDiscoveryLength(header),
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    const input = ctx.fill ? header : { ...header, payloadLength: header.payloadLength ?? 0 };
    emitPppoeDiscovery(input, out, offset);
  },
};

/** PPPoE session stage, ethertype 0x8864: carries PPP. */
export const pppoes: Protocol<PppoeHeader> = {
  name: 'pppoes',
  scan: scanSession,
  decode(ctx: DecodeContext): Decoded<PppoeHeader> {
    const decoded = scanSession(ctx) as Decoded<PppoeHeader>;
    decoded.header = readHeader(ctx.bytes, ctx.offset);
    return decoded;
  },
  // Cut short: tshark names the protocol (and its code from 2 bytes) and shows no field.
  partialFields(): void {},
  fields: headerFields,
};

/**
 * PPPoE discovery stage, ethertype 0x8863. Its fields are tshark's: the header's under `pppoe.`,
 * then one `pppoed.tags.*` field per TAG tshark names (service and AC names, host-uniq, cookie,
 * relay session ID, errors, ...), shown, as tshark does, only when the TAG has a value.
 */
export const pppoed: Protocol<PppoeDiscoveryHeader> = {
  name: 'pppoed',
  scan: scanDiscovery,
  decode(ctx: DecodeContext): Decoded<PppoeDiscoveryHeader> {
    const decoded = scanDiscovery(ctx) as Decoded<PppoeDiscoveryHeader>;
    decoded.header = discoveryHeader(ctx.bytes, ctx.offset, ctx.offset + decoded.headerLength);
    return decoded;
  },
  fields(h: PppoeDiscoveryHeader, out: FieldSink): void {
    headerFields(h, out);
    for (const tag of h.tags) {
      if (tag.value === '') continue;
      const text = TEXT_TAGS[tag.type];
      if (text !== undefined) {
        out.add(text, tagText(tag.value));
        continue;
      }
      const bytes = BYTES_TAGS[tag.type];
      if (bytes !== undefined) out.add(bytes, tag.value);
      else if (tag.type === PppoeTagType.vendorSpecific && tag.value.length >= 11) out.add('pppoed.tags.vendor_id', parseInt(tag.value.slice(0, 11).replace(/:/g, ''), 16));
    }
  },
};
