// HPACK (RFC 7541): header compression for HTTP/2. Integers with an N-bit prefix (section 5.1),
// string literals raw or Huffman coded (5.2, the static code of appendix B), the static table
// (appendix A), the dynamic table with its size updates and eviction (section 4), a decoder and an
// encoder.
//
// The decoder bounds what a hostile peer can make it hold: the dynamic table never exceeds the
// size the receiver allowed (`maxTableSize`, SETTINGS_HEADER_TABLE_SIZE) nor an absolute cap, and a
// header list larger than `maxHeaderListSize` (counted as RFC 9113 6.5.2 does: name + value + 32
// per field) is a `limit-exceeded` error. Every decoding error is a WireError (layer `hpack`, the
// offset of the offending byte): HPACK state is shared by every block of a direction, so after an
// error nothing later can be trusted (HTTP/2's COMPRESSION_ERROR is fatal for the connection).
//
// Strings are read as ISO-8859-1, one char per octet (as http1.ts does), so any octets survive a
// round trip; field names and values on real connections are ASCII.
import { WireError } from '../errors.js';

const LAYER = 'hpack';

/**
 * The Huffman code of RFC 7541 appendix B: for each symbol 0..256 (256 is EOS) its code, then
 * its length in bits.
 */
// prettier-ignore
const HUFFMAN: readonly number[] = [
  0x1ff8, 13, 0x7fffd8, 23, 0xfffffe2, 28, 0xfffffe3, 28, 0xfffffe4, 28, 0xfffffe5, 28, 0xfffffe6, 28, 0xfffffe7, 28,
  0xfffffe8, 28, 0xffffea, 24, 0x3ffffffc, 30, 0xfffffe9, 28, 0xfffffea, 28, 0x3ffffffd, 30, 0xfffffeb, 28, 0xfffffec, 28,
  0xfffffed, 28, 0xfffffee, 28, 0xfffffef, 28, 0xffffff0, 28, 0xffffff1, 28, 0xffffff2, 28, 0x3ffffffe, 30, 0xffffff3, 28,
  0xffffff4, 28, 0xffffff5, 28, 0xffffff6, 28, 0xffffff7, 28, 0xffffff8, 28, 0xffffff9, 28, 0xffffffa, 28, 0xffffffb, 28,
  0x14, 6, 0x3f8, 10, 0x3f9, 10, 0xffa, 12, 0x1ff9, 13, 0x15, 6, 0xf8, 8, 0x7fa, 11,
  0x3fa, 10, 0x3fb, 10, 0xf9, 8, 0x7fb, 11, 0xfa, 8, 0x16, 6, 0x17, 6, 0x18, 6,
  0x0, 5, 0x1, 5, 0x2, 5, 0x19, 6, 0x1a, 6, 0x1b, 6, 0x1c, 6, 0x1d, 6,
  0x1e, 6, 0x1f, 6, 0x5c, 7, 0xfb, 8, 0x7ffc, 15, 0x20, 6, 0xffb, 12, 0x3fc, 10,
  0x1ffa, 13, 0x21, 6, 0x5d, 7, 0x5e, 7, 0x5f, 7, 0x60, 7, 0x61, 7, 0x62, 7,
  0x63, 7, 0x64, 7, 0x65, 7, 0x66, 7, 0x67, 7, 0x68, 7, 0x69, 7, 0x6a, 7,
  0x6b, 7, 0x6c, 7, 0x6d, 7, 0x6e, 7, 0x6f, 7, 0x70, 7, 0x71, 7, 0x72, 7,
  0xfc, 8, 0x73, 7, 0xfd, 8, 0x1ffb, 13, 0x7fff0, 19, 0x1ffc, 13, 0x3ffc, 14, 0x22, 6,
  0x7ffd, 15, 0x3, 5, 0x23, 6, 0x4, 5, 0x24, 6, 0x5, 5, 0x25, 6, 0x26, 6,
  0x27, 6, 0x6, 5, 0x74, 7, 0x75, 7, 0x28, 6, 0x29, 6, 0x2a, 6, 0x7, 5,
  0x2b, 6, 0x76, 7, 0x2c, 6, 0x8, 5, 0x9, 5, 0x2d, 6, 0x77, 7, 0x78, 7,
  0x79, 7, 0x7a, 7, 0x7b, 7, 0x7ffe, 15, 0x7fc, 11, 0x3ffd, 14, 0x1ffd, 13, 0xffffffc, 28,
  0xfffe6, 20, 0x3fffd2, 22, 0xfffe7, 20, 0xfffe8, 20, 0x3fffd3, 22, 0x3fffd4, 22, 0x3fffd5, 22, 0x7fffd9, 23,
  0x3fffd6, 22, 0x7fffda, 23, 0x7fffdb, 23, 0x7fffdc, 23, 0x7fffdd, 23, 0x7fffde, 23, 0xffffeb, 24, 0x7fffdf, 23,
  0xffffec, 24, 0xffffed, 24, 0x3fffd7, 22, 0x7fffe0, 23, 0xffffee, 24, 0x7fffe1, 23, 0x7fffe2, 23, 0x7fffe3, 23,
  0x7fffe4, 23, 0x1fffdc, 21, 0x3fffd8, 22, 0x7fffe5, 23, 0x3fffd9, 22, 0x7fffe6, 23, 0x7fffe7, 23, 0xffffef, 24,
  0x3fffda, 22, 0x1fffdd, 21, 0xfffe9, 20, 0x3fffdb, 22, 0x3fffdc, 22, 0x7fffe8, 23, 0x7fffe9, 23, 0x1fffde, 21,
  0x7fffea, 23, 0x3fffdd, 22, 0x3fffde, 22, 0xfffff0, 24, 0x1fffdf, 21, 0x3fffdf, 22, 0x7fffeb, 23, 0x7fffec, 23,
  0x1fffe0, 21, 0x1fffe1, 21, 0x3fffe0, 22, 0x1fffe2, 21, 0x7fffed, 23, 0x3fffe1, 22, 0x7fffee, 23, 0x7fffef, 23,
  0xfffea, 20, 0x3fffe2, 22, 0x3fffe3, 22, 0x3fffe4, 22, 0x7ffff0, 23, 0x3fffe5, 22, 0x3fffe6, 22, 0x7ffff1, 23,
  0x3ffffe0, 26, 0x3ffffe1, 26, 0xfffeb, 20, 0x7fff1, 19, 0x3fffe7, 22, 0x7ffff2, 23, 0x3fffe8, 22, 0x1ffffec, 25,
  0x3ffffe2, 26, 0x3ffffe3, 26, 0x3ffffe4, 26, 0x7ffffde, 27, 0x7ffffdf, 27, 0x3ffffe5, 26, 0xfffff1, 24, 0x1ffffed, 25,
  0x7fff2, 19, 0x1fffe3, 21, 0x3ffffe6, 26, 0x7ffffe0, 27, 0x7ffffe1, 27, 0x3ffffe7, 26, 0x7ffffe2, 27, 0xfffff2, 24,
  0x1fffe4, 21, 0x1fffe5, 21, 0x3ffffe8, 26, 0x3ffffe9, 26, 0xffffffd, 28, 0x7ffffe3, 27, 0x7ffffe4, 27, 0x7ffffe5, 27,
  0xfffec, 20, 0xfffff3, 24, 0xfffed, 20, 0x1fffe6, 21, 0x3fffe9, 22, 0x1fffe7, 21, 0x1fffe8, 21, 0x7ffff3, 23,
  0x3fffea, 22, 0x3fffeb, 22, 0x1ffffee, 25, 0x1ffffef, 25, 0xfffff4, 24, 0xfffff5, 24, 0x3ffffea, 26, 0x7ffff4, 23,
  0x3ffffeb, 26, 0x7ffffe6, 27, 0x3ffffec, 26, 0x3ffffed, 26, 0x7ffffe7, 27, 0x7ffffe8, 27, 0x7ffffe9, 27, 0x7ffffea, 27,
  0x7ffffeb, 27, 0xffffffe, 28, 0x7ffffec, 27, 0x7ffffed, 27, 0x7ffffee, 27, 0x7ffffef, 27, 0x7fffff0, 27, 0x3ffffee, 26,
  0x3fffffff, 30,
];

const EOS = 256;

/** The static table of RFC 7541 appendix A; index 1 is the first entry. */
export const HPACK_STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];
const STATIC_COUNT = HPACK_STATIC_TABLE.length; // 61

/** Static-table lookups for the encoder: "name\0value" -> index and name -> first index. */
const STATIC_FULL = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
HPACK_STATIC_TABLE.forEach(([n, v], i) => {
  const key = `${n}\0${v}`;
  if (!STATIC_FULL.has(key)) STATIC_FULL.set(key, i + 1);
  if (!STATIC_NAME.has(n)) STATIC_NAME.set(n, i + 1);
});

// ---------------------------------------------------------------------------------------------
// Huffman coding (section 5.2, appendix B)

/**
 * The decoding trie: node i's children are at 2i and 2i+1 of `TRIE`; a value >= 0 is a child
 * node, -1 - symbol is a leaf, and 0 below the root means no such code (only the EOS prefix
 * padding ends there, and reading on from it is an error).
 */
const TRIE: Int32Array = (() => {
  const t = new Int32Array(2 * 2 * 257).fill(0);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN[2 * sym]!;
    const len = HUFFMAN[2 * sym + 1]!;
    let node = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      const slot = 2 * node + bit;
      if (b === 0) {
        t[slot] = -1 - sym;
      } else {
        if (t[slot] === 0) t[slot] = nodes++;
        node = t[slot]!;
      }
    }
  }
  return t;
})();

/** Bytes the Huffman coding of `bytes` takes. */
export function huffmanEncodedLength(bytes: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) bits += HUFFMAN[2 * bytes[i]! + 1]!;
  return Math.ceil(bits / 8);
}

/**
 * Huffman codes octets (RFC 7541 5.2), padding the last byte with the most significant bits of EOS (ones).
 *
 * @example
 * huffmanEncode(new TextEncoder().encode('www.example.com')); // f1 e3 c2 e5 f2 3a 6b a0 ab 90 f4 ff (C.4.1)
 */
export function huffmanEncode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(bytes));
  // acc holds fewer than 8 + 30 pending bits: exact in a double (< 2^53).
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < bytes.length; i++) {
    const s = bytes[i]!;
    const len = HUFFMAN[2 * s + 1]!;
    acc = acc * 2 ** len + HUFFMAN[2 * s]!;
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      const top = Math.floor(acc / 2 ** bits);
      out[at++] = top;
      acc -= top * 2 ** bits;
    }
  }
  if (bits > 0) out[at] = ((acc << (8 - bits)) | (0xff >> bits)) & 0xff;
  return out;
}

/**
 * Decodes Huffman-coded octets. Padding longer than 7 bits, padding that is not a prefix of EOS,
 * and an EOS symbol in the string are errors (RFC 7541 5.2). `offset` places errors in a larger input.
 */
export function huffmanDecode(bytes: Uint8Array, offset = 0): Uint8Array {
  // At most 8/5 symbols per byte (the shortest code has 5 bits).
  const out = new Uint8Array(Math.floor((bytes.length * 8) / 5));
  let at = 0;
  let node = 0;
  /** Bits read since the last symbol ended, and whether they were all ones. */
  let pending = 0;
  let ones = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      const next = TRIE[2 * node + bit]!;
      pending++;
      if (bit === 0) ones = false;
      if (next < 0) {
        const sym = -1 - next;
        if (sym === EOS) throw new WireError('bad-value', 'a Huffman-coded string contains EOS (RFC 7541 5.2)', { layer: LAYER, offset: offset + i });
        out[at++] = sym;
        node = 0;
        pending = 0;
        ones = true;
      } else if (next === 0) {
        // Only EOS's prefix is longer than 7 bits before its leaf; anything else is not a code.
        throw new WireError('bad-value', 'bits that are no Huffman code (RFC 7541 5.2)', { layer: LAYER, offset: offset + i });
      } else {
        node = next;
      }
    }
  }
  if (pending > 7) throw new WireError('bad-value', `Huffman padding of ${pending} bits, more than 7 (RFC 7541 5.2)`, { layer: LAYER, offset: offset + bytes.length - 1 });
  if (!ones) throw new WireError('bad-value', 'Huffman padding that is not the EOS prefix (RFC 7541 5.2)', { layer: LAYER, offset: offset + bytes.length - 1 });
  return out.slice(0, at);
}

// ---------------------------------------------------------------------------------------------
// Integers and strings (sections 5.1, 5.2)

/** The largest integer the decoder takes: sizes and indexes past this are hostile (2^31 - 1). */
const MAX_INTEGER = 0x7fffffff;

/**
 * Appends an integer with an N-bit prefix (RFC 7541 5.1) to `out`; `first` holds the bits of the
 * first byte above the prefix.
 *
 * @example
 * const out: number[] = []; encodeHpackInteger(1337, 5, 0, out); // [0x1f, 0x9a, 0x0a] (C.1.2)
 */
export function encodeHpackInteger(value: number, prefixBits: number, first: number, out: number[]): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new WireError('bad-value', `integer ${value} is not a non-negative safe integer`, { layer: LAYER });
  if (prefixBits < 1 || prefixBits > 8) throw new WireError('bad-value', `prefix of ${prefixBits} bits is not 1..8`, { layer: LAYER });
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/**
 * Reads an integer with an N-bit prefix at `pos`; returns it and the position after it. Values
 * over 2^31 - 1 are `limit-exceeded`; running out of bytes is `truncated`.
 */
export function decodeHpackInteger(bytes: Uint8Array, pos: number, prefixBits: number, offset = 0): [number, number] {
  if (pos >= bytes.length) throw new WireError('truncated', 'an integer is cut off', { layer: LAYER, offset: offset + pos });
  const max = (1 << prefixBits) - 1;
  let value = bytes[pos]! & max;
  let i = pos + 1;
  if (value < max) return [value, i];
  let shift = 1;
  for (;;) {
    if (i >= bytes.length) throw new WireError('truncated', 'an integer is cut off', { layer: LAYER, offset: offset + i });
    const b = bytes[i++]!;
    value += (b & 0x7f) * shift;
    if (value > MAX_INTEGER) throw new WireError('limit-exceeded', `an integer exceeds ${MAX_INTEGER}`, { layer: LAYER, offset: offset + pos, available: MAX_INTEGER });
    if ((b & 0x80) === 0) return [value, i];
    shift *= 128;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function octets(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new WireError('bad-value', `${what} has a character above U+00FF at ${i}: HPACK strings are octets (encode UTF-8 first)`, { layer: LAYER });
    out[i] = c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The dynamic table (section 4)

/** An entry's size as section 4.1 counts it. */
export function hpackEntrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

/** The dynamic table: newest first (index 62 in HPACK's address space), evicting the oldest. */
export class HpackDynamicTable {
  #entries: [string, string][] = [];
  /** Ring buffer: #entries[#head] is the newest, the rest follow in order of age. */
  #head = 0;
  #count = 0;
  #size = 0;
  #maxSize: number;

  constructor(maxSize = 4096) {
    this.#maxSize = maxSize;
  }

  /** Sum of the entries' sizes (section 4.1). */
  get size(): number {
    return this.#size;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  get length(): number {
    return this.#count;
  }

  /** Entry i (0: newest), or undefined. */
  get(i: number): readonly [string, string] | undefined {
    if (i < 0 || i >= this.#count) return undefined;
    return this.#entries[(this.#head + i) % this.#entries.length];
  }

  /** The entries, newest first. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < this.#count; i++) out.push(this.get(i)! as [string, string]);
    return out;
  }

  /** A new maximum size (a size update): evicts until the entries fit (section 4.3). */
  setMaxSize(n: number): void {
    this.#maxSize = n;
    this.#evict(0);
  }

  /** Adds an entry, evicting as section 4.4 says; one larger than the table empties it. */
  add(name: string, value: string): void {
    const size = hpackEntrySize(name, value);
    if (size > this.#maxSize) {
      this.#evict(this.#maxSize + 1);
      return;
    }
    this.#evict(size);
    if (this.#count === this.#entries.length) {
      // Grow the ring, oldest last, newest at 0.
      const list = this.entries();
      this.#entries = new Array<[string, string]>(Math.max(8, list.length * 2));
      list.forEach((e, i) => (this.#entries[i] = e));
      this.#head = 0;
    }
    this.#head = (this.#head - 1 + this.#entries.length) % this.#entries.length;
    this.#entries[this.#head] = [name, value];
    this.#count++;
    this.#size += size;
  }

  #evict(room: number): void {
    while (this.#count > 0 && this.#size + room > this.#maxSize) {
      const oldest = this.get(this.#count - 1)!;
      this.#size -= hpackEntrySize(oldest[0], oldest[1]);
      this.#count--;
    }
  }

  /** Index (62..) of an entry with this name and value, and of one with this name, or 0. */
  find(name: string, value: string): [number, number] {
    let nameIndex = 0;
    for (let i = 0; i < this.#count; i++) {
      const e = this.get(i)!;
      if (e[0] !== name) continue;
      if (e[1] === value) return [STATIC_COUNT + 1 + i, STATIC_COUNT + 1 + i];
      if (nameIndex === 0) nameIndex = STATIC_COUNT + 1 + i;
    }
    return [0, nameIndex];
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder (sections 3, 6)

/** How a field was represented (section 6). */
export type HpackRepresentation =
  | 'indexed'
  | 'incremental-indexed-name'
  | 'incremental-new-name'
  | 'without-indexed-name'
  | 'without-new-name'
  | 'never-indexed-name'
  | 'never-new-name';

const REPR_NAMES: Record<HpackRepresentation, string> = {
  indexed: 'Indexed Header Field',
  'incremental-indexed-name': 'Literal Header Field with Incremental Indexing - Indexed Name',
  'incremental-new-name': 'Literal Header Field with Incremental Indexing - New Name',
  'without-indexed-name': 'Literal Header Field without Indexing - Indexed Name',
  'without-new-name': 'Literal Header Field without Indexing - New Name',
  'never-indexed-name': 'Literal Header Field never Indexed - Indexed Name',
  'never-new-name': 'Literal Header Field never Indexed - New Name',
};

/** tshark's name of a representation (`http2.header.repr`). */
export function hpackRepresentationName(r: HpackRepresentation): string {
  return REPR_NAMES[r];
}

/** A field as given to the encoder. */
export interface HpackField {
  name: string;
  value: string;
  /** Never index it, here or in any intermediary (section 7.1.3): secrets such as cookies or tokens. */
  sensitive?: boolean;
  /** Do not add it to the dynamic table (a literal without indexing), when it is not sensitive. */
  noIndex?: boolean;
}

/** A field as decoded. */
export interface HpackHeaderField {
  name: string;
  value: string;
  representation: HpackRepresentation;
  /** The table index of the field (indexed) or of its name (indexed name). */
  index?: number;
  /** Whether the name and the value were Huffman coded (literals only). */
  huffmanName?: boolean;
  huffmanValue?: boolean;
  /** Position in the header block of its first byte and of the byte after it. */
  start: number;
  end: number;
}

/** A dynamic table size update (section 6.3) as decoded. */
export interface HpackSizeUpdate {
  size: number;
  start: number;
  end: number;
}

export interface HpackHeaderBlock {
  fields: HpackHeaderField[];
  sizeUpdates: HpackSizeUpdate[];
  /** The header list's size as RFC 9113 6.5.2 counts it (name + value + 32 per field). */
  headerListSize: number;
}

export interface HpackDecoderOptions {
  /** The table size the receiver allows (its SETTINGS_HEADER_TABLE_SIZE; default 4096): a larger size update is an error. */
  maxTableSize?: number;
  /** Cap on any table size whatever the settings say (default 1 MiB): a larger size update is `limit-exceeded`. */
  maxTableSizeCap?: number;
  /** Largest header list (name + value + 32 per field; default 256 KiB): a larger one is `limit-exceeded`. */
  maxHeaderListSize?: number;
}

/**
 * Decodes the header blocks of one direction of a connection, in order, keeping its dynamic table.
 *
 * @example
 * const d = new HpackDecoder();
 * d.decode(Uint8Array.from([0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff]));
 * // :method GET, :scheme http, :path /, :authority www.example.com (RFC 7541 C.4.1)
 */
export class HpackDecoder {
  readonly table: HpackDynamicTable;
  #maxTableSize: number;
  readonly #cap: number;
  readonly #maxList: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.#cap = options.maxTableSizeCap ?? 1024 * 1024;
    this.#maxTableSize = Math.min(options.maxTableSize ?? 4096, this.#cap);
    this.#maxList = options.maxHeaderListSize ?? 256 * 1024;
    this.table = new HpackDynamicTable(this.#maxTableSize);
  }

  /** The largest table size the encoder may choose (the receiver's setting, within the cap). */
  get maxTableSize(): number {
    return this.#maxTableSize;
  }

  /**
   * The receiver's SETTINGS_HEADER_TABLE_SIZE changed: the limit for the encoder's size updates
   * (held at the cap). The table itself changes only with a size update (section 4.2: after a
   * decrease the encoder must send one); until then blocks the encoder wrote before it saw the
   * setting still refer to the old table, which a capture may well show after the setting.
   */
  setMaxTableSize(n: number): void {
    this.#maxTableSize = Math.min(n, this.#cap);
  }

  /**
   * Decodes one whole header block. `offset` is the stream offset of its first byte, for errors.
   * A block that ends inside a field is `truncated`.
   */
  decode(block: Uint8Array, offset = 0): HpackHeaderBlock {
    const fields: HpackHeaderField[] = [];
    const sizeUpdates: HpackSizeUpdate[] = [];
    let listSize = 0;
    let pos = 0;
    const err = (code: 'bad-value' | 'limit-exceeded', message: string, at: number) => new WireError(code, message, { layer: LAYER, offset: offset + at });
    while (pos < block.length) {
      const start = pos;
      const b = block[pos]!;
      if ((b & 0xe0) === 0x20) {
        // Section 6.3: only before the first field of a block.
        const [size, next] = decodeHpackInteger(block, pos, 5, offset);
        if (fields.length > 0) throw err('bad-value', 'a dynamic table size update after a header field (RFC 7541 4.2)', start);
        if (size > this.#maxTableSize) {
          throw err(size > this.#cap && this.#maxTableSize === this.#cap ? 'limit-exceeded' : 'bad-value', `a dynamic table size update to ${size} exceeds the ${this.#maxTableSize} allowed (RFC 7541 6.3)`, start);
        }
        this.table.setMaxSize(size);
        pos = next;
        sizeUpdates.push({ size, start, end: pos });
        continue;
      }
      let field: HpackHeaderField;
      if (b & 0x80) {
        const [index, next] = decodeHpackInteger(block, pos, 7, offset);
        if (index === 0) throw err('bad-value', 'an indexed field with index 0 (RFC 7541 6.1)', start);
        const [name, value] = this.#lookup(index, start, offset);
        pos = next;
        field = { name, value, representation: 'indexed', index, start, end: pos };
      } else {
        const incremental = (b & 0x40) !== 0;
        const never = !incremental && (b & 0x10) !== 0;
        const prefix = incremental ? 6 : 4;
        const [index, next] = decodeHpackInteger(block, pos, prefix, offset);
        pos = next;
        let name: string;
        let huffmanName: boolean | undefined;
        if (index > 0) {
          name = this.#lookup(index, start, offset)[0];
        } else {
          [name, pos, huffmanName] = this.#string(block, pos, offset);
        }
        let value: string;
        let huffmanValue: boolean;
        [value, pos, huffmanValue] = this.#string(block, pos, offset);
        const kind = incremental ? 'incremental' : never ? 'never' : 'without';
        const representation = `${kind}-${index > 0 ? 'indexed-name' : 'new-name'}` as HpackRepresentation;
        field = { name, value, representation, start, end: pos, huffmanValue };
        if (index > 0) field.index = index;
        else field.huffmanName = huffmanName!;
        if (incremental) this.table.add(name, value);
      }
      listSize += hpackEntrySize(field.name, field.value);
      if (listSize > this.#maxList) throw err('limit-exceeded', `the header list exceeds ${this.#maxList} bytes (name + value + 32 per field)`, start);
      fields.push(field);
    }
    return { fields, sizeUpdates, headerListSize: listSize };
  }

  #lookup(index: number, at: number, offset: number): readonly [string, string] {
    if (index <= STATIC_COUNT) return HPACK_STATIC_TABLE[index - 1]!;
    const e = this.table.get(index - STATIC_COUNT - 1);
    if (e === undefined) {
      throw new WireError('bad-value', `index ${index} is past the ${STATIC_COUNT + this.table.length} entries of the tables (RFC 7541 2.3.3)`, { layer: LAYER, offset: offset + at });
    }
    return e;
  }

  /** A string literal at pos: its text, the position after it, whether it was Huffman coded. */
  #string(block: Uint8Array, pos: number, offset: number): [string, number, boolean] {
    if (pos >= block.length) throw new WireError('truncated', 'a string literal is cut off', { layer: LAYER, offset: offset + pos });
    const huffman = (block[pos]! & 0x80) !== 0;
    const [len, start] = decodeHpackInteger(block, pos, 7, offset);
    if (start + len > block.length) {
      throw new WireError('truncated', `a ${len}-byte string literal runs past the block's end`, { layer: LAYER, offset: offset + pos, required: len, available: block.length - start });
    }
    const raw = block.subarray(start, start + len);
    return [latin1(huffman ? huffmanDecode(raw, offset + start) : raw), start + len, huffman];
  }
}

// ---------------------------------------------------------------------------------------------
// Encoder

export interface HpackEncoderOptions {
  /** The table size to use (at most the peer's SETTINGS_HEADER_TABLE_SIZE; default 4096). */
  maxTableSize?: number;
  /** Huffman-code strings: `auto` (when shorter, the default), `always` or `never`. */
  huffman?: 'auto' | 'always' | 'never';
}

/**
 * Encodes header lists as header blocks, one direction's, keeping its dynamic table: a field
 * already in a table is indexed; otherwise a literal, added to the table unless it is
 * `sensitive` (never indexed), `noIndex`, or larger than the table.
 *
 * @example
 * const e = new HpackEncoder();
 * e.encode([{ name: ':method', value: 'GET' }, { name: ':path', value: '/' }]); // 82 84
 */
export class HpackEncoder {
  readonly table: HpackDynamicTable;
  readonly #huffman: 'auto' | 'always' | 'never';
  /** Size updates to send at the start of the next block (the smallest, then the last, section 4.2). */
  #pendingUpdates: number[] = [];

  constructor(options: HpackEncoderOptions = {}) {
    this.table = new HpackDynamicTable(options.maxTableSize ?? 4096);
    this.#huffman = options.huffman ?? 'auto';
  }

  /**
   * Uses a new table size from the next block on (after the peer's SETTINGS_HEADER_TABLE_SIZE
   * changed, or to use less than it allows); the next block starts with the size update(s).
   */
  setMaxTableSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > MAX_INTEGER) throw new WireError('bad-value', `table size ${n} is not 0..${MAX_INTEGER}`, { layer: LAYER });
    const p = this.#pendingUpdates;
    if (p.length === 0) p.push(n);
    else if (p.length === 1) {
      if (n < p[0]!) p[0] = n;
      else p.push(n);
    } else {
      // Keep the smallest reached and the final one.
      p[0] = Math.min(p[0]!, n);
      p[1] = n;
    }
    this.table.setMaxSize(Math.min(this.table.maxSize, n));
  }

  /** One header block for a header list. */
  encode(fields: readonly HpackField[]): Uint8Array {
    const out: number[] = [];
    for (const size of this.#pendingUpdates) encodeHpackInteger(size, 5, 0x20, out);
    if (this.#pendingUpdates.length > 0) this.table.setMaxSize(this.#pendingUpdates[this.#pendingUpdates.length - 1]!);
    this.#pendingUpdates = [];
    for (const f of fields) {
      const key = `${f.name}\0${f.value}`;
      const staticFull = STATIC_FULL.get(key);
      const [dynFull, dynName] = this.table.find(f.name, f.value);
      if (!f.sensitive && (staticFull !== undefined || dynFull > 0)) {
        encodeHpackInteger(staticFull ?? dynFull, 7, 0x80, out);
        continue;
      }
      const nameIndex = STATIC_NAME.get(f.name) ?? dynName;
      const index = !f.sensitive && !f.noIndex && hpackEntrySize(f.name, f.value) <= this.table.maxSize;
      if (index) encodeHpackInteger(nameIndex, 6, 0x40, out);
      else encodeHpackInteger(nameIndex, 4, f.sensitive ? 0x10 : 0, out);
      if (nameIndex === 0) this.#string(octets(f.name, 'a field name'), out);
      this.#string(octets(f.value, 'a field value'), out);
      if (index) this.table.add(f.name, f.value);
    }
    return Uint8Array.from(out);
  }

  #string(bytes: Uint8Array, out: number[]): void {
    const hlen = this.#huffman === 'never' ? Infinity : huffmanEncodedLength(bytes);
    if (this.#huffman === 'always' || hlen < bytes.length) {
      encodeHpackInteger(hlen, 7, 0x80, out);
      for (const b of huffmanEncode(bytes)) out.push(b);
    } else {
      encodeHpackInteger(bytes.length, 7, 0, out);
      for (const b of bytes) out.push(b);
    }
  }
}
