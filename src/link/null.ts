// BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108). Each packet starts with a
// 4-byte word holding the BSD address family (AF_) of what follows: in the capturing host's byte
// order for NULL (so a capture's bytes depend on the machine that wrote it) and in network order
// for LOOP (OpenBSD). The AF_ numbers differ between the BSDs for IPv6: 24 on NetBSD/OpenBSD, 28 on
// FreeBSD, 30 on Darwin (macOS, iOS); IPv4 is 2 everywhere.
//
// tshark shows both link types as protocol `null` (null.family, or null.type when the word holds
// an ethertype). Which byte order a NULL word is in is not recorded anywhere, so it is inferred the
// way packet-null.c does on a little-endian machine (where every tshark we compare with runs): AF_
// values are small, so the half of the word that is zero tells the order. The same inference reads
// every LOOP header with a family below 256 correctly (its big-endian bytes are the "other" order),
// so one decoder serves both link types: a decoder does not see the link type it was chosen by. It
// differs from tshark's LOOP dissector only for families >= 256, which no system assigns.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Next, Protocol } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const NULL_HEADER_LENGTH = 4;
export const LINKTYPE_NULL = 0;
export const LINKTYPE_LOOP = 108;

/** BSD AF_ values found in NULL/LOOP headers (they are the BSDs' numbers whatever OS reads the file). */
export const BsdFamily = {
  INET: 2,
  ISO: 7,
  APPLETALK: 16,
  IPX: 23,
  /** NetBSD and OpenBSD. */
  INET6_BSD: 24,
  INET6_FREEBSD: 28,
  /** Darwin: macOS and iOS (the family in most NULL captures seen today). */
  INET6_DARWIN: 30,
} as const;

/** A 4-byte value above this is an ethertype, not a family (IEEE 802.3 max length; packet-null.c). */
const MAX_8023_LENGTH = 1500;

/**
 * How the 4 bytes held the value: as a 32-bit `little`- or `big`-endian word, or as `irix`: a
 * 16-bit big-endian AF_ value and two zero bytes (IRIX and UNICOS/mp snoop). `ppp` marks a frame
 * in PPP HDLC framing (first bytes FF 03) that some BSD ISDN drivers wrote under LINKTYPE_NULL.
 */
export type NullByteOrder = 'little' | 'big' | 'irix' | 'ppp';

export interface NullHeader {
  /** The BSD address family of the payload (`BsdFamily`), when the word holds one. */
  family?: number;
  /** An ethertype instead (old Linux libpcap wrote 2 zero bytes and the ethertype for loopback). */
  type?: number;
  byteOrder: NullByteOrder;
}

/** Input for encoding. Give `family` or `type`; without either, the next layer picks the family. */
export interface NullInput {
  family?: number;
  type?: number;
  /**
   * Byte order of the word (default `little`, what x86 and ARM hosts write for LINKTYPE_NULL). Use
   * `big` for LINKTYPE_LOOP files and for NULL captures as a big-endian host writes them.
   */
  byteOrder?: 'little' | 'big' | 'irix';
}

/**
 * Reads the 4 bytes at `offset` as packet-null.c does on a little-endian host: the value is read
 * little-endian; if its upper half is non-zero it is byte-swapped (or, when only its third byte is
 * a small non-zero value, taken as an IRIX 16-bit AF_); if the upper half is zero, a zero low byte
 * with a small second byte is the IRIX form read the other way.
 */
function readWord(bytes: Uint8Array, offset: number): { value: number; byteOrder: 'little' | 'big' | 'irix' } {
  const h = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  if ((h & 0xffff0000) !== 0) {
    if ((h & 0xff000000) === 0 && (h & 0x00ff0000) >>> 0 < 0x00060000) return { value: h >>> 16, byteOrder: 'irix' };
    return { value: ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0, byteOrder: 'big' };
  }
  if ((h & 0xff) === 0 && (h & 0xff00) < 0x0600) return { value: (h >>> 8) & 0xff, byteOrder: 'irix' };
  return { value: h, byteOrder: 'little' };
}

/**
 * A zero-copy view of the 4-byte header in a buffer. `check()` once, then read it, or rewrite the
 * family in the byte order the header already uses (a capture converted between BSDs, say).
 *
 * @example
 * const v = new NullView(frame).check();
 * if (v.family === BsdFamily.INET6_DARWIN) v.family = BsdFamily.INET6_BSD;
 */
export class NullView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless the 4 bytes fit. */
  check(): this {
    const available = this.bytes.length - this.offset;
    if (this.offset < 0 || available < NULL_HEADER_LENGTH) throw truncated(this.offset, available);
    return this;
  }
  get byteOrder(): NullByteOrder {
    return isPpp(this.bytes, this.offset, this.bytes.length) ? 'ppp' : readWord(this.bytes, this.offset).byteOrder;
  }
  /** The family, or undefined when the word holds an ethertype (or the frame is PPP). */
  get family(): number | undefined {
    return decodeNull(this.bytes, this.offset).family;
  }
  /** Rewrites the word as this family, in the order it is in now (`little` for a PPP frame). */
  set family(value: number) {
    const order = this.byteOrder;
    writeWord({ family: value, byteOrder: order === 'ppp' ? 'little' : order }, checkValue('family', value, MAX_8023_LENGTH), this.bytes, this.offset);
  }
  /** The ethertype, when the word holds one. */
  get type(): number | undefined {
    return decodeNull(this.bytes, this.offset).type;
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + NULL_HEADER_LENGTH);
  }
}

function truncated(offset: number, available: number): WireError {
  return new WireError('truncated', `header needs 4 bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer: 'null',
    offset,
    required: NULL_HEADER_LENGTH,
    available: Math.max(0, available),
  });
}

function isPpp(bytes: Uint8Array, offset: number, end: number): boolean {
  return end - offset >= 2 && offset >= 0 && bytes[offset] === 0xff && bytes[offset + 1] === 0x03;
}

/**
 * Decodes the 4-byte header at `offset`.
 *
 * @example
 * decodeNull(Uint8Array.of(30, 0, 0, 0, 0x60, ...)); // { family: 30, byteOrder: 'little' }: IPv6 from a Mac
 */
export function decodeNull(bytes: Uint8Array, offset = 0, end = bytes.length): NullHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (isPpp(bytes, offset, Math.min(end, bytes.length))) return { byteOrder: 'ppp' };
  if (offset < 0 || available < NULL_HEADER_LENGTH) throw truncated(offset, available);
  const { value, byteOrder } = readWord(bytes, offset);
  // tshark dispatches (and shows) an ethertype as the low 16 bits of the word.
  return value > MAX_8023_LENGTH ? { type: value & 0xffff, byteOrder } : { family: value, byteOrder };
}

/** The protocol a BSD family carries, among those wirekit decodes. */
function familyNext(family: number): Next | undefined {
  if (family === BsdFamily.INET) return { protocol: 'ip' };
  if (family === BsdFamily.INET6_BSD || family === BsdFamily.INET6_FREEBSD || family === BsdFamily.INET6_DARWIN) return { protocol: 'ipv6' };
  return undefined;
}

const checkValue = rangeChecker('null');

/** The 4 bytes for `header`, written at out[offset]. */
function writeWord(header: NullInput, value: number, out: Uint8Array, offset: number): void {
  const order = header.byteOrder ?? 'little';
  if (order === 'irix') {
    // Readers tell this form from the others only while the AF_ value is below 6 (packet-null.c).
    if (header.type !== undefined || value > 5) {
      throw new WireError('bad-value', `the irix form holds only families 0-5, not ${header.type !== undefined ? 'an ethertype' : value}`, { layer: 'null' });
    }
    out[offset] = value >>> 8;
    out[offset + 1] = value;
    out[offset + 2] = 0;
    out[offset + 3] = 0;
  } else if (order === 'big') {
    out[offset] = value >>> 24;
    out[offset + 1] = value >>> 16;
    out[offset + 2] = value >>> 8;
    out[offset + 3] = value;
  } else if (order === 'little') {
    out[offset] = value;
    out[offset + 1] = value >>> 8;
    out[offset + 2] = value >>> 16;
    out[offset + 3] = value >>> 24;
  } else {
    throw new WireError('bad-value', `byteOrder must be 'little', 'big' or 'irix', got '${String(order)}'`, { layer: 'null' });
  }
}

function wordValue(header: NullInput, next: string | undefined): number {
  if (header.family !== undefined && header.type !== undefined) {
    throw new WireError('bad-value', 'give family or type, not both', { layer: 'null' });
  }
  if (header.type !== undefined) {
    const type = checkValue('type', header.type, 0xffff);
    if (type <= MAX_8023_LENGTH) throw new WireError('bad-value', `type 0x${type.toString(16)} is not an ethertype (must exceed 1500)`, { layer: 'null' });
    // Written as the 32-bit value; in big-endian order that is old Linux's 00 00 + ethertype.
    return type;
  }
  if (header.family !== undefined) {
    const family = checkValue('family', header.family, MAX_8023_LENGTH);
    return family;
  }
  if (next === 'ip') return BsdFamily.INET;
  if (next === 'ipv6') return BsdFamily.INET6_DARWIN;
  throw new WireError('bad-value', `no family given and none known for the next layer '${next ?? '(none)'}'`, { layer: 'null' });
}

/**
 * Encoder for `{ null: { ... } }` in encodeFrame. The family defaults from the next layer: 2 for
 * `ip`, 30 (Darwin) for `ipv6`; pass `family: 24` or `28` for the other BSDs, and
 * `byteOrder: 'big'` for a LINKTYPE_LOOP file.
 */
export const nullEncoder: Encoder<NullInput> = {
  name: 'null',
  headerLength: () => NULL_HEADER_LENGTH,
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    writeWord(header, wordValue(header, ctx.inner[0]?.name), out, offset);
  },
};

/**
 * Writes the 4-byte header at out[offset] (`family` or `type` must be given). Returns 4.
 *
 * @example
 * emitNull({ family: 2, byteOrder: 'big' }, out); // 00 00 00 02: IPv4 in a LINKTYPE_LOOP file
 */
export function emitNull(header: NullInput, out: Uint8Array, offset = 0): number {
  if (offset < 0 || out.length - offset < NULL_HEADER_LENGTH) {
    throw new WireError('bad-length', `output needs 4 bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'null', offset });
  }
  writeWord(header, wordValue(header, undefined), out, offset);
  return NULL_HEADER_LENGTH;
}

/** A new 4-byte header. */
export function encodeNull(header: NullInput): Uint8Array {
  const out = new Uint8Array(NULL_HEADER_LENGTH);
  emitNull(header, out);
  return out;
}

/**
 * The `null` protocol for LINKTYPE_NULL (0) and LINKTYPE_LOOP (108). IPv4 and IPv6 families are
 * decoded further, an ethertype goes through the ethertype table; other families (OSI, AppleTalk,
 * IPX) and PPP-framed frames are left as payload.
 */
export const nullLink: Protocol<NullHeader> = {
  name: 'null',
  decode(ctx: DecodeContext): Decoded<NullHeader> {
    const header = decodeNull(ctx.bytes, ctx.offset, ctx.end);
    // PPP in HDLC framing has no 4-byte header of its own: the frame is left whole, undecoded.
    if (header.byteOrder === 'ppp') return { header, headerLength: 0 };
    const next: Next | undefined = header.type !== undefined ? { table: 'ethertype', value: header.type } : familyNext(header.family!);
    return next ? { header, headerLength: NULL_HEADER_LENGTH, next } : { header, headerLength: NULL_HEADER_LENGTH };
  },
  fields(h: NullHeader, out: FieldSink): void {
    if (h.type !== undefined) out.add('null.type', h.type);
    else if (h.family !== undefined) out.add('null.family', h.family);
  },
};
