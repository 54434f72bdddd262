// Pure-TypeScript twin of assembly/checksum/internet.ts (RFC 1071).
//
// The fast path reads 32-bit words through a Uint32Array, which V8 turns into single loads; the
// words are little-endian, so their 16-bit halves are byte-swapped big-endian words, and RFC 1071
// section 2 (B) lets us sum them swapped and swap the folded result once.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes a plain byte loop beats setting up a Uint32Array view (the bench showed
 * the view's allocation making 64 B slower than 48 B).
 */
const WORD_PATH_MIN = 128;

/** Folds a non-negative integer below 2^53 to 16 bits with end-around carry. */
export function fold16(x: number): number {
  if (x > 0xffffffff) x = (x % 0x100000000) + Math.floor(x / 0x100000000);
  while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
  return x;
}

export function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/** Sum of bytes at [from, to) as big-endian words, where byte positions count from 0 at `origin`. */
function byteSum(data: Uint8Array, from: number, to: number, origin: number): number {
  let s = 0;
  let i = from;
  if ((i - origin) & 1 && i < to) s += data[i++]!;
  for (; i + 1 < to; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (i < to) s += data[i]! << 8;
  return s;
}

/** The ones'-complement sum of `data` as big-endian 16-bit words, folded to 16 bits. */
export function sum16Js(data: Uint8Array): number {
  const n = data.length;
  if (n < WORD_PATH_MIN || !LITTLE_ENDIAN) return fold16(byteSum(data, 0, n, 0));
  const lead = -data.byteOffset & 3;
  const words = (n - lead) >>> 2;
  const u32 = new Uint32Array(data.buffer, data.byteOffset + lead, words);
  // Two accumulators of 16-bit halves, folded every 16384 words so both stay small integers
  // (V8 keeps them in registers as int32 instead of doubles).
  let total = 0;
  for (let j = 0; j < words; ) {
    const stop = Math.min(words, j + 16384);
    let lo = 0;
    let hi = 0;
    for (; j < stop; j++) {
      const w = u32[j]!;
      lo += w & 0xffff;
      hi += w >>> 16;
    }
    total += lo + hi;
  }
  // Words that start at an even position are byte-swapped big-endian words; at an odd position
  // their halves straddle word boundaries and land already in big-endian order.
  let s = fold16(total);
  if ((lead & 1) === 0) s = swap16(s);
  const tailFrom = lead + words * 4;
  return fold16(s + byteSum(data, 0, lead, 0) + byteSum(data, tailFrom, n, 0));
}
