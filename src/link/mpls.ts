// MPLS label stacks (RFC 3032), ethertypes 0x8847 (unicast) and 0x8848 (multicast, RFC 5332).
// Each 4-byte entry is a 20-bit label, 3 traffic-class bits (the "EXP" bits of RFC 3032, renamed
// TC by RFC 5462), the bottom-of-stack bit and a TTL; the entries run until one has the bottom bit.
//
// The whole stack is one layer, as tshark shows one `mpls` protocol in frame.protocols with its
// fields (mpls.label, mpls.exp, mpls.bottom, mpls.ttl) repeated per entry.
//
// Nothing in the stack says what the payload is: the label binding does, and that lives in the
// routers' tables. Like tshark 4.0's default, the first nibble after the bottom entry picks IPv4
// (4) or IPv6 (6). tshark also guesses an Ethernet pseudowire with or without a control word for a
// first nibble of 0 (its `pwethheuristic`, which guesses wrong on both pseudowires of
// test/fixtures/wire/mpls.pcap): here anything but 4 or 6 is left opaque.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const MPLS_ENTRY_LENGTH = 4;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
/** Reserved labels (RFC 3032 section 2.1, RFC 7274): IPv4 and IPv6 explicit null, router alert, implicit null. */
export const MplsLabel = {
  ipv4ExplicitNull: 0,
  routerAlert: 1,
  ipv6ExplicitNull: 2,
  implicitNull: 3,
  entropyLabelIndicator: 7,
  gal: 13,
  oamAlert: 14,
  extension: 15,
} as const;

/** One label stack entry. */
export interface MplsEntry {
  /** mpls.label: 0..1048575 (0-15 reserved). */
  label: number;
  /** mpls.exp: traffic class, 0-7. */
  exp: number;
  /** mpls.bottom: 1 on the last entry of the stack. */
  bottom: number;
  /** mpls.ttl. */
  ttl: number;
}

export interface MplsHeader {
  /** The stack, outermost entry first. */
  entries: MplsEntry[];
}

/** Input for one entry: `exp` defaults to 0, `ttl` to 64, `bottom` to 1 on the last entry and 0 above it. */
export interface MplsEntryInput {
  label: number;
  exp?: number;
  ttl?: number;
  bottom?: number;
}

export interface MplsInput {
  entries: readonly MplsEntryInput[];
}

function truncated(message: string, offset: number, required: number, available: number): WireError {
  return new WireError('truncated', message, { layer: 'mpls', offset, required, available: Math.max(0, available) });
}

/**
 * The one walk `scan` and `decode` share: the number of whole entries up to and including the
 * bottom one, and the error when the bytes end before it. Throws when not even one entry fits.
 */
function walkStack(bytes: Uint8Array, offset: number, end: number): { count: number; error: WireError | undefined } {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < MPLS_ENTRY_LENGTH) {
    throw truncated(`label stack entry needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, offset, MPLS_ENTRY_LENGTH, available);
  }
  let count = 0;
  for (let at = 0; at + MPLS_ENTRY_LENGTH <= available; at += MPLS_ENTRY_LENGTH) {
    count++;
    if ((bytes[offset + at + 2]! & 1) !== 0) return { count, error: undefined };
  }
  const required = (count + 1) * MPLS_ENTRY_LENGTH;
  const message =
    available % MPLS_ENTRY_LENGTH === 0
      ? `no bottom-of-stack entry among the ${count} entries captured at offset ${offset}`
      : `label stack entry ${count + 1} needs 4 bytes, ${available - count * MPLS_ENTRY_LENGTH} captured at offset ${offset + count * MPLS_ENTRY_LENGTH}`;
  return { count, error: truncated(message, offset, required, available) };
}

function scanMpls(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const { count, error } = walkStack(bytes, offset, ctx.end);
  const headerLength = count * MPLS_ENTRY_LENGTH;
  if (error !== undefined) return scanned(headerLength, undefined, undefined, error);
  const payload = offset + headerLength;
  if (payload >= Math.min(ctx.end, bytes.length)) return scanned(headerLength);
  const nibble = bytes[payload]! >>> 4;
  return nibble === 4 ? scanned(headerLength, undefined, { protocol: 'ip' }) : nibble === 6 ? scanned(headerLength, undefined, { protocol: 'ipv6' }) : scanned(headerLength);
}

function readEntries(bytes: Uint8Array, offset: number, count: number): MplsEntry[] {
  const entries: MplsEntry[] = [];
  for (let i = 0, at = offset; i < count; i++, at += MPLS_ENTRY_LENGTH) {
    const b2 = bytes[at + 2]!;
    entries.push({ label: (bytes[at]! << 12) | (bytes[at + 1]! << 4) | (b2 >>> 4), exp: (b2 >>> 1) & 7, bottom: b2 & 1, ttl: bytes[at + 3]! });
  }
  return entries;
}

/**
 * Decodes the label stack at `offset` up to its bottom entry. Throws `truncated` when the bytes end
 * before the bottom-of-stack entry.
 *
 * @example
 * decodeMpls(frame, 14); // { entries: [{ label: 16000, exp: 5, bottom: 0, ttl: 255 }, { label: 24001, exp: 5, bottom: 1, ttl: 254 }] }
 */
export function decodeMpls(bytes: Uint8Array, offset = 0, end = bytes.length): MplsHeader {
  const { count, error } = walkStack(bytes, offset, end);
  if (error !== undefined) throw error;
  return { entries: readEntries(bytes, offset, count) };
}

const checkRange = rangeChecker('mpls');

function entriesOf(header: MplsInput): readonly MplsEntryInput[] {
  const entries = header?.entries;
  if (!Array.isArray(entries) || entries.length === 0) throw new WireError('bad-value', 'a label stack needs at least one entry', { layer: 'mpls' });
  return entries;
}

/** Bytes the stack takes: 4 per entry. */
export function mplsLength(header: MplsInput): number {
  return entriesOf(header).length * MPLS_ENTRY_LENGTH;
}

/**
 * Writes the stack at out[offset] and returns its length.
 *
 * @example
 * const out = new Uint8Array(8);
 * emitMpls({ entries: [{ label: 16000 }, { label: 24001, exp: 5 }] }, out); // bottom bit set on the second
 */
export function emitMpls(header: MplsInput, out: Uint8Array, offset = 0): number {
  const entries = entriesOf(header);
  const length = entries.length * MPLS_ENTRY_LENGTH;
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'mpls', offset });
  }
  entries.forEach((e, i) => {
    const label = checkRange('label', e.label, 0xfffff);
    const exp = checkRange('exp', e.exp ?? 0, 7);
    const bottom = checkRange('bottom', e.bottom ?? (i === entries.length - 1 ? 1 : 0), 1);
    const ttl = checkRange('ttl', e.ttl ?? 64, 255);
    const at = offset + i * MPLS_ENTRY_LENGTH;
    out[at] = label >>> 12;
    out[at + 1] = label >>> 4;
    out[at + 2] = ((label & 0xf) << 4) | (exp << 1) | bottom;
    out[at + 3] = ttl;
  });
  return length;
}

/** A new buffer holding the stack. */
export function encodeMpls(header: MplsInput): Uint8Array {
  const out = new Uint8Array(mplsLength(header));
  emitMpls(header, out);
  return out;
}

/**
 * MPLS for `encodeFrame`: `{ mpls: { entries: [{ label: 100 }] } }` (the layer outside gets ethertype
 * 0x8847; give `eth: { type: 0x8848 }` for multicast).
 */
export const mplsEncoder: Encoder<MplsInput> = {
  name: 'mpls',
  headerLength: (header) => mplsLength(header),
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitMpls(header, out, offset);
  },
};

/** The MPLS label stack, bound to ethertypes 0x8847 and 0x8848. */
export const mpls: Protocol<MplsHeader> = {
  name: 'mpls',
  scan: scanMpls,
  decode(ctx: DecodeContext): Decoded<MplsHeader> {
    const decoded = scanMpls(ctx) as Decoded<MplsHeader>;
    decoded.header = { entries: readEntries(ctx.bytes, ctx.offset, decoded.headerLength / MPLS_ENTRY_LENGTH) };
    return decoded;
  },
  fields(h: MplsHeader, out: FieldSink): void {
    for (const e of h.entries) {
      out.add('mpls.label', e.label);
      out.add('mpls.exp', e.exp);
      out.add('mpls.bottom', e.bottom);
      out.add('mpls.ttl', e.ttl);
    }
  },
};
