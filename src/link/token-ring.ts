// IEEE 802.5 Token Ring frames, LINKTYPE_IEEE802_5 (6): an access control byte (priority, token
// bit, monitor bit, reservation), a frame control byte (its top two bits the frame type: 0 a MAC
// frame, 1 an LLC frame, 2 and 3 reserved), the destination and source addresses, and, when the
// source address has its top bit set (the routing information indicator), a routing information
// field: a 2-byte routing control (broadcast bits and the field's length in its first byte,
// direction and largest frame in its second) and up to 14 route designators (a 12-bit ring number
// and a 4-bit bridge number each). LLC frames carry 802.2 LLC; MAC frames carry the ring's
// management vectors, whose major vector (length, classes, command) is read here.
//
// tshark's dissectors are `tr` and `trmac`. Where it differs from the letter of the standard it is
// followed: the routing field is as long as its length bits say, odd or past 30; the frame must
// hold one byte past the 14-byte header (tshark reads it before anything else, so a frame of 14
// bytes is malformed with no addresses shown); the source column shows the address with the
// routing bit cleared.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Next, Protocol } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';
import { cutShort } from '../packet/partial.js';
import { formatMac, writeMac } from './mac.js';

export const LINKTYPE_IEEE802_5 = 6;
export const TOKEN_RING_HEADER_LENGTH = 14;

/** Frame types (frame control bits 7-6). */
export const TokenRingFrameType = { MAC: 0, LLC: 1 } as const;

export interface TokenRingRouting {
  /** Broadcast indicator bits as tshark shows them (routing control byte 0 & 0xe0: 0, 128 all-routes, 192 single-route). */
  broadcast: number;
  /** The routing field's length in bytes, control included (byte 0 & 0x1f). */
  length: number;
  /** Direction bit (byte 1 bit 7). */
  direction: number;
  /** Largest frame bits as tshark shows them (byte 1 & 0x70). */
  maxFrameSize: number;
  /** Route designators: ring number (12 bits) and bridge number (4 bits). */
  route: { ring: number; bridge: number }[];
}

export interface TokenRingHeader {
  /** Access control byte. */
  ac: number;
  /** Frame control byte. */
  fc: number;
  dst: string;
  /** The source address with the routing information indicator cleared (tshark's tr.src). */
  src: string;
  /** The source address as sent (tshark's second tr.addr). */
  srcRaw: string;
  /** The routing information field, when the indicator is set. */
  routing?: TokenRingRouting;
}

export interface TokenRingInput {
  /** Access control (default 0x10: a frame, not a token). */
  ac?: number;
  /** Frame control (default 0x40: an LLC frame). */
  fc?: number;
  dst: string;
  src: string;
  /** Route designators as a routing field (sets the source's routing bit). */
  routing?: { broadcast?: number; direction?: number; maxFrameSize?: number; route?: { ring: number; bridge: number }[] };
}

const check = rangeChecker('tr');

const truncated = (offset: number, required: number, available: number, what: string) => cutShort('tr', offset, required, available, what);

/**
 * Decodes the header (routing field included) at `offset`. Throws `truncated` when fewer than 15
 * bytes are there (tshark's minimum) or the routing field runs past the capture.
 */
export function decodeTokenRing(bytes: Uint8Array, offset = 0, end = bytes.length): TokenRingHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < TOKEN_RING_HEADER_LENGTH + 1) throw truncated(offset, TOKEN_RING_HEADER_LENGTH + 1, available, 'header and the byte after it');
  const header = tokenRingFixedHeader(bytes, offset);
  if (bytes[offset + 8]! & 0x80) {
    const at = offset + TOKEN_RING_HEADER_LENGTH;
    const b0 = bytes[at]!;
    const length = b0 & 0x1f;
    // tshark reads the control's second byte whatever the length says.
    const need = Math.max(length, 2);
    if (available - TOKEN_RING_HEADER_LENGTH < need) throw truncated(at, need, available - TOKEN_RING_HEADER_LENGTH, 'routing information field');
    const b1 = bytes[at + 1]!;
    const route: { ring: number; bridge: number }[] = [];
    for (let k = 2; k + 2 <= length; k += 2) {
      const v = (bytes[at + k]! << 8) | bytes[at + k + 1]!;
      route.push({ ring: v >>> 4, bridge: v & 15 });
    }
    header.routing = { broadcast: b0 & 0xe0, length, direction: b1 >>> 7, maxFrameSize: b1 & 0x70, route };
  }
  return header;
}

/** The 14 bytes before the routing field (the caller has checked they are there): a header without its routing field. */
export function tokenRingFixedHeader(bytes: Uint8Array, offset: number): TokenRingHeader {
  const s0 = bytes[offset + 8]!;
  const srcRaw = formatMac(bytes, offset + 8);
  return {
    ac: bytes[offset]!,
    fc: bytes[offset + 1]!,
    dst: formatMac(bytes, offset + 2),
    src: s0 & 0x80 ? formatMac(Uint8Array.of(s0 & 0x7f, ...bytes.subarray(offset + 9, offset + 14))) : srcRaw,
    srcRaw,
  };
}

function headerLength(h: TokenRingHeader): number {
  return TOKEN_RING_HEADER_LENGTH + (h.routing?.length ?? 0);
}

/** tshark's info column for the frame type, before anything above writes its own. */
export function tokenRingFrameName(fc: number): string {
  return ['Token-Ring MAC', 'Token-Ring LLC', 'Token-Ring Reserved', 'Token-Ring Unknown'][fc >>> 6]!;
}

const LLC: Next = { protocol: 'llc' };
const TRMAC: Next = { protocol: 'trmac' };

function fields(h: TokenRingHeader, out: FieldSink): void {
  // In tshark's order: the source as sent first, then (after the routing bit) as an address.
  out.add('tr.ac', h.ac);
  out.add('tr.priority', h.ac >>> 5);
  out.add('tr.frame', (h.ac >>> 4) & 1);
  out.add('tr.monitor_cnt', (h.ac >>> 3) & 1);
  out.add('tr.priority_reservation', h.ac & 7);
  out.add('tr.fc', h.fc);
  out.add('tr.frame_type', h.fc >>> 6);
  out.add('tr.frame_pcf', h.fc & 0x0f);
  out.add('tr.dst', h.dst);
  out.add('tr.src', h.srcRaw);
  out.add('tr.addr', h.dst);
  out.add('tr.addr', h.srcRaw);
  out.add('tr.sr', h.src === h.srcRaw ? 0 : 1);
  out.add('tr.src', h.src);
  const r = h.routing;
  if (r !== undefined) {
    out.add('tr.rif_bytes', r.length);
    out.add('tr.broadcast', r.broadcast);
    out.add('tr.max_frame_size', r.maxFrameSize);
    out.add('tr.direction', r.direction << 7);
    // The route: ring numbers and the bridges between them (tshark's ring-bridge-ring text).
    if (r.route.length >= 2) {
      for (const d of r.route) out.add('tr.rif.ring', d.ring);
      for (const d of r.route.slice(0, -1)) out.add('tr.rif.bridge', d.bridge);
      out.add('tr.rif', r.route.map((d, k) => (k < r.route.length - 1 ? `${hex(d.ring, 3)}-${hex(d.bridge, 1)}` : hex(d.ring, 3))).join('-'));
    }
  }
}

const hex = (v: number, digits: number) => v.toString(16).toUpperCase().padStart(digits, '0');

/** The `tr` protocol for LINKTYPE_IEEE802_5: LLC frames go on to LLC, MAC frames to `trmac`. */
export const tokenRing: Protocol<TokenRingHeader> = {
  name: 'tr',
  decode(ctx: DecodeContext): Decoded<TokenRingHeader> {
    const header = decodeTokenRing(ctx.bytes, ctx.offset, ctx.end);
    const type = header.fc >>> 6;
    // A MAC frame's vector goes to trmac from 3 bytes (tshark leaves fewer as data).
    const payload = Math.min(ctx.end, ctx.bytes.length) - ctx.offset - headerLength(header);
    const next = type === TokenRingFrameType.LLC ? LLC : type === TokenRingFrameType.MAC && payload >= 3 ? TRMAC : undefined;
    return next === undefined ? { header, headerLength: headerLength(header) } : { header, headerLength: headerLength(header), next };
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // Under 15 bytes tshark shows no field; past them, a routing field cut short shows its control.
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have < TOKEN_RING_HEADER_LENGTH + 1) return;
    const b = ctx.bytes;
    const o = ctx.offset + TOKEN_RING_HEADER_LENGTH;
    fields(tokenRingFixedHeader(b, ctx.offset), out);
    out.add('tr.rif_bytes', b[o]! & 0x1f);
    out.add('tr.broadcast', b[o]! & 0xe0);
    if (have >= TOKEN_RING_HEADER_LENGTH + 2) {
      out.add('tr.max_frame_size', b[o + 1]! & 0x70);
      out.add('tr.direction', b[o + 1]! & 0x80);
    }
  },
  fields,
};

/** Writes the header at out[offset]; returns its length. */
export function emitTokenRing(header: TokenRingInput, out: Uint8Array, offset = 0): number {
  const route = header.routing?.route ?? [];
  const rif = header.routing === undefined ? 0 : 2 + 2 * route.length;
  if (rif > 30) throw new WireError('bad-value', `a routing field holds at most 14 route designators, got ${route.length}`, { layer: 'tr' });
  const length = TOKEN_RING_HEADER_LENGTH + rif;
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'tr', offset });
  }
  out[offset] = check('ac', header.ac ?? 0x10, 0xff);
  out[offset + 1] = check('fc', header.fc ?? 0x40, 0xff);
  writeMac(header.dst, out, offset + 2, 'tr');
  writeMac(header.src, out, offset + 8, 'tr');
  if (header.routing !== undefined) {
    const r = header.routing;
    out[offset + 8] = out[offset + 8]! | 0x80;
    const at = offset + TOKEN_RING_HEADER_LENGTH;
    out[at] = (check('broadcast', r.broadcast ?? 0, 0xe0) & 0xe0) | rif;
    out[at + 1] = (check('direction', r.direction ?? 0, 1) << 7) | (check('maxFrameSize', r.maxFrameSize ?? 0x30, 0x70) & 0x70);
    route.forEach((d, k) => {
      const v = (check('ring', d.ring, 0xfff) << 4) | check('bridge', d.bridge, 15);
      out[at + 2 + 2 * k] = v >>> 8;
      out[at + 3 + 2 * k] = v;
    });
  } else if (out[offset + 8]! & 0x80) {
    throw new WireError('bad-value', `source ${header.src} has the routing bit set but no routing field was given`, { layer: 'tr' });
  }
  return length;
}

/** Encoder for `{ tr: { ... } }` in encodeFrame. */
export const tokenRingEncoder: Encoder<TokenRingInput> = {
  name: 'tr',
  headerLength: (h) => TOKEN_RING_HEADER_LENGTH + (h.routing === undefined ? 0 : 2 + 2 * (h.routing.route?.length ?? 0)),
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitTokenRing(header, out, offset);
  },
};

/** Major vector commands of Token Ring MAC frames (IEEE 802.5 clause 3.3), by tshark's names (each checked with tshark 4.0). */
const MAC_VECTORS: Record<number, string> = {
  0x00: 'Response',
  0x02: 'Beacon',
  0x03: 'Claim Token',
  0x04: 'Ring Purge',
  0x05: 'Active Monitor Present',
  0x06: 'Standby Monitor Present',
  0x07: 'Duplicate Address Test',
  0x09: 'Transmit Forward',
  0x0b: 'Remove Ring Station',
  0x0c: 'Change Parameters',
  0x0d: 'Initialize Ring Station',
  0x0e: 'Request Ring Station Address',
  // (tshark names 0x0f, Request Ring Station State, as 0x0e.)
  0x0f: 'Request Ring Station Address',
  0x10: 'Request Ring Station Attachments',
  0x20: 'Request Initialization',
  0x22: 'Report Ring Station Address',
  0x23: 'Report Ring Station State',
  0x24: 'Report Ring Station Attachments',
  0x25: 'Report New Active Monitor',
  0x26: 'Report NAUN Change',
  0x27: 'Report Poll Error',
  0x28: 'Report Monitor Errors',
  0x29: 'Report Error',
  0x2a: 'Report Transmit Forward',
};

export interface TokenRingMacHeader {
  /** The major vector's length (its 4 bytes and the subvectors). */
  length: number;
  /** Destination class (high nibble) and source class (low nibble). */
  classes: number;
  /** The command (major vector identifier). */
  command: number;
}

/** tshark's info column for a MAC frame's major vector. */
export function tokenRingMacInfo(h: TokenRingMacHeader): string {
  return MAC_VECTORS[h.command] ?? `Unknown Major Vector: ${h.command}`;
}

/** `trmac`: the major vector of a Token Ring MAC frame (its subvectors are left as they are). */
export const tokenRingMac: Protocol<TokenRingMacHeader> = {
  name: 'trmac',
  decode(ctx: DecodeContext): Decoded<TokenRingMacHeader> {
    const available = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (available < 4) {
      throw new WireError('truncated', `major vector needs 4 bytes, ${Math.max(0, available)} captured at offset ${ctx.offset}`, { layer: 'trmac', offset: ctx.offset, required: 4, available: Math.max(0, available) });
    }
    const b = ctx.bytes;
    const o = ctx.offset;
    const header = { length: (b[o]! << 8) | b[o + 1]!, classes: b[o + 2]!, command: b[o + 3]! };
    // The subvectors are the message itself: nothing is handed on. They are walked as tshark walks
    // them, within the vector's length: one shorter than 2 bytes ends the walk (noted, no more),
    // one running past the capture is malformed (after the command is shown).
    const decoded: Decoded<TokenRingMacHeader> = { header, headerLength: available };
    for (let at = 4; at < header.length; ) {
      const length = at < available ? b[o + at]! : -1;
      if (length >= 0 && length < 2) break;
      if (length < 0 || at + length > available) {
        decoded.error = new WireError('truncated', `subvector at offset ${o + at} runs past the ${available} bytes captured`, {
          layer: 'trmac',
          offset: o + at,
          required: Math.max(1, length),
          available: Math.max(0, available - at),
        });
        break;
      }
      at += length;
    }
    return decoded;
  },
  // Cut inside the major vector: tshark names the protocol and shows none of its fields.
  partialFields(): void {},
  fields(h: TokenRingMacHeader, out: FieldSink): void {
    out.add('trmac.mvec', h.command);
    out.add('trmac.length', h.length);
    out.add('trmac.dstclass', h.classes >>> 4);
    out.add('trmac.srcclass', h.classes & 15);
  },
};
