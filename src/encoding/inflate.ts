// Raw DEFLATE decoding (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks, with the
// history window kept from one call to the next, as WebSocket's permessage-deflate (RFC 7692)
// needs when the peers keep their compression context between messages. Pure TypeScript, so it
// runs the same in Node and in a browser (DecompressionStream is asynchronous and streams only).
//
// Hostile input is bounded: the output of one call has a cap (`limit-exceeded` past it), every
// code table is checked for over-subscription, a distance may not reach before the history, and
// running out of input inside a block is `truncated`. Decoding is linear in input plus output.
import { WireError } from '../errors.js';

/** RFC 1951 section 3.2.5: base lengths and extra bits of length codes 257..285. */
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Base distances and extra bits of distance codes 0..29. */
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Section 3.2.7: the order in which code-length code lengths are sent. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const MAX_BITS = 15;

/**
 * A canonical Huffman code (section 3.2.2) as decoding needs it: how many codes of each length,
 * and the symbols ordered by code.
 */
interface Code {
  counts: Uint16Array;
  symbols: Uint16Array;
}

function buildCode(lengths: Uint8Array, n: number, what: string, offset: number): Code {
  const counts = new Uint16Array(MAX_BITS + 1);
  for (let s = 0; s < n; s++) {
    const len = lengths[s]!;
    counts[len] = counts[len]! + 1;
  }
  // Over-subscribed: more codes of some length than the shorter ones leave room for.
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = left * 2 - counts[len]!;
    if (left < 0) throw new WireError('bad-value', `${what} code lengths are over-subscribed`, { layer: 'deflate', offset });
  }
  const starts = new Uint16Array(MAX_BITS + 2);
  for (let len = 1; len <= MAX_BITS; len++) starts[len + 1] = starts[len]! + counts[len]!;
  const symbols = new Uint16Array(n);
  for (let s = 0; s < n; s++) {
    const len = lengths[s]!;
    if (len !== 0) symbols[starts[len]!++] = s;
  }
  counts[0] = 0;
  return { counts, symbols };
}

let fixedLiterals: Code | undefined;
let fixedDistances: Code | undefined;

function fixedCodes(): [Code, Code] {
  if (fixedLiterals === undefined || fixedDistances === undefined) {
    // Section 3.2.6.
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144);
    lit.fill(9, 144, 256);
    lit.fill(7, 256, 280);
    lit.fill(8, 280, 288);
    fixedLiterals = buildCode(lit, 288, 'fixed literal/length', 0);
    fixedDistances = buildCode(new Uint8Array(30).fill(5), 30, 'fixed distance', 0);
  }
  return [fixedLiterals, fixedDistances];
}

/** Reads one compressed stream's bits, least significant first (section 3.1.1). */
class Bits {
  pos = 0;
  #buf = 0;
  #count = 0;
  constructor(readonly data: Uint8Array) {}

  /** The byte offset of the bit being read (for error messages). */
  get offset(): number {
    return this.pos - (this.#count >>> 3);
  }

  /** Whole bytes not yet read (bits held in the buffer count). */
  get bytesLeft(): number {
    return this.data.length - this.pos + (this.#count >>> 3);
  }

  need(n: number): number {
    while (this.#count < n) {
      if (this.pos >= this.data.length) throw new WireError('truncated', 'the compressed data ends inside a block', { layer: 'deflate', offset: this.data.length });
      this.#buf |= this.data[this.pos++]! << this.#count;
      this.#count += 8;
    }
    const v = this.#buf & ((1 << n) - 1);
    this.#buf >>>= n;
    this.#count -= n;
    return v;
  }

  /** Drops the bits left of the current byte (a stored block starts on a byte boundary). */
  align(): void {
    const drop = this.#count & 7;
    this.#buf >>>= drop;
    this.#count -= drop;
  }

  /** One symbol of `code`, read a bit at a time (codes are sent most significant bit first). */
  decode(code: Code, what: string): number {
    let value = 0;
    let first = 0;
    let index = 0;
    const { counts, symbols } = code;
    for (let len = 1; len <= MAX_BITS; len++) {
      value |= this.need(1);
      const count = counts[len]!;
      if (value - first < count) return symbols[index + value - first]!;
      index += count;
      first = (first + count) << 1;
      value <<= 1;
    }
    throw new WireError('bad-value', `no ${what} code matches the bits`, { layer: 'deflate', offset: this.offset });
  }
}

export interface InflaterOptions {
  /** Bytes one call may produce (default 16 MiB); more is a `limit-exceeded` error. */
  maxOutput?: number;
  /** The window the compressor used, 2^windowBits bytes (8..15, default 15): how far back distances may reach. */
  windowBits?: number;
}

/**
 * A raw DEFLATE decoder that keeps its history window between calls.
 *
 * @example
 * const inflater = new Inflater();
 * // A permessage-deflate message: its bytes with the 00 00 ff ff the sender removed put back.
 * const text = new TextDecoder().decode(inflater.inflate(concat(payload, [0, 0, 0xff, 0xff])));
 */
export class Inflater {
  readonly maxOutput: number;
  readonly window: number;
  /** The last `window` bytes produced (before this call). */
  #history = new Uint8Array(0);
  /** Set once a block marked final has been decoded: the stream is over. */
  finished = false;

  constructor(options: InflaterOptions = {}) {
    this.maxOutput = options.maxOutput ?? 16 * 1024 * 1024;
    const bits = options.windowBits ?? 15;
    if (!Number.isInteger(bits) || bits < 8 || bits > 15) throw new WireError('bad-value', `window bits ${bits} is not 8..15`, { layer: 'deflate' });
    this.window = 1 << bits;
  }

  /** Forgets the history (a new compression context). */
  reset(): void {
    this.#history = new Uint8Array(0);
    this.finished = false;
  }

  /**
   * Decodes the blocks in `input`, which must end on a block boundary (as a sync-flushed
   * message does) or with the final block. Returns the bytes they produce.
   */
  inflate(input: Uint8Array, maxOutput = this.maxOutput): Uint8Array {
    const { data, error } = this.inflateSome(input, maxOutput);
    if (error !== undefined) throw error;
    return data;
  }

  /**
   * As `inflate`, but damage (bad codes, input that ends inside a block, the output cap) stops the
   * decoding instead of throwing: `data` is what was decoded before it, `error` says why it stopped.
   * What zlib's inflate gives a reader that keeps the output of a stream that fails.
   */
  inflateSome(input: Uint8Array, maxOutput = this.maxOutput): { data: Uint8Array; error?: WireError } {
    const hist = this.#history;
    const base = hist.length;
    let out = new Uint8Array(base + Math.min(Math.max(input.length * 4, 1024), maxOutput));
    out.set(hist);
    let at = base;
    const limit = base + maxOutput;
    const room = (n: number): void => {
      if (at + n <= out.length) return;
      if (at + n > limit) throw new WireError('limit-exceeded', `the decompressed data exceeds ${maxOutput} bytes`, { layer: 'deflate', required: at + n - base, available: maxOutput });
      const next = new Uint8Array(Math.min(limit, Math.max(out.length * 2, at + n)));
      next.set(out.subarray(0, at));
      out = next;
    };
    const bits = new Bits(input);
    let error: WireError | undefined;
    try {
      while (!this.finished && bits.bytesLeft > 0) {
        const last = bits.need(1);
        const type = bits.need(2);
        if (type === 0) {
          bits.align();
          const len = bits.need(16);
          const nlen = bits.need(16);
          if ((len ^ 0xffff) !== nlen) throw new WireError('bad-value', `stored block length ${len} does not match its complement ${nlen}`, { layer: 'deflate', offset: bits.offset - 4 });
          if (bits.pos + len > input.length) throw new WireError('truncated', `stored block of ${len} bytes runs past the data`, { layer: 'deflate', offset: bits.pos, required: len, available: input.length - bits.pos });
          room(len);
          out.set(input.subarray(bits.pos, bits.pos + len), at);
          at += len;
          bits.pos += len;
        } else if (type === 1 || type === 2) {
          const [lit, dist] = type === 1 ? fixedCodes() : this.#dynamicCodes(bits);
          for (;;) {
            const sym = bits.decode(lit, 'literal/length');
            if (sym < 256) {
              room(1);
              out[at++] = sym;
              continue;
            }
            if (sym === 256) break;
            const li = sym - 257;
            if (li >= 29) throw new WireError('bad-value', `length code ${sym} is not defined`, { layer: 'deflate', offset: bits.offset });
            const length = LENGTH_BASE[li]! + bits.need(LENGTH_EXTRA[li]!);
            const di = bits.decode(dist, 'distance');
            if (di >= 30) throw new WireError('bad-value', `distance code ${di} is not defined`, { layer: 'deflate', offset: bits.offset });
            const distance = DIST_BASE[di]! + bits.need(DIST_EXTRA[di]!);
            if (distance > at || distance > this.window) {
              throw new WireError('bad-value', `distance ${distance} reaches before the start of the data (${at} bytes, window ${this.window})`, { layer: 'deflate', offset: bits.offset });
            }
            room(length);
            // Byte by byte: a copy may overlap what it writes (distance < length repeats).
            for (let k = 0; k < length; k++, at++) out[at] = out[at - distance]!;
          }
        } else {
          throw new WireError('bad-value', 'block type 3 is reserved', { layer: 'deflate', offset: bits.offset });
        }
        if (last) this.finished = true;
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      error = e;
    }
    if (error !== undefined) return { data: out.slice(base, at), error };
    // The history moves on only with a stream that is still whole.
    const keep = Math.min(this.window, at);
    this.#history = out.slice(at - keep, at);
    return { data: out.slice(base, at) };
  }

  /** Section 3.2.7: a dynamic block's two codes, sent as code lengths coded with a third code. */
  #dynamicCodes(bits: Bits): [Code, Code] {
    const at = bits.offset;
    const nlen = bits.need(5) + 257;
    const ndist = bits.need(5) + 1;
    const ncode = bits.need(4) + 4;
    if (nlen > 286 || ndist > 30) throw new WireError('bad-value', `${nlen} literal/length and ${ndist} distance codes exceed 286 and 30`, { layer: 'deflate', offset: at });
    const clens = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) clens[CODE_LENGTH_ORDER[i]!] = bits.need(3);
    const clCode = buildCode(clens, 19, 'code length', at);
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < nlen + ndist; ) {
      const sym = bits.decode(clCode, 'code length');
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (sym === 16) {
        if (i === 0) throw new WireError('bad-value', 'code length 16 repeats a length before the first one', { layer: 'deflate', offset: bits.offset });
        value = lengths[i - 1]!;
        repeat = 3 + bits.need(2);
      } else if (sym === 17) {
        repeat = 3 + bits.need(3);
      } else {
        repeat = 11 + bits.need(7);
      }
      if (i + repeat > nlen + ndist) throw new WireError('bad-value', 'code lengths repeat past the number of codes', { layer: 'deflate', offset: bits.offset });
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) throw new WireError('bad-value', 'the literal/length code has no end-of-block code', { layer: 'deflate', offset: at });
    return [buildCode(lengths, nlen, 'literal/length', at), buildCode(lengths.subarray(nlen), ndist, 'distance', at)];
  }
}
