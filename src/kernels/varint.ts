// Pure-TypeScript twin of assembly/app/varint.ts: a run of protobuf varints (a packed repeated
// field) into 32-bit words, one per value for the 32-bit modes, a (low, high) pair for the 64-bit
// ones, which a BigUint64Array over the same little-endian bytes then reads as 64-bit values.

export const VARINT_DONE = 0;
/** The input ends inside a varint. */
export const VARINT_CUT = 1;
/** A varint runs past 10 bytes, or its 10th byte holds more than bit 63. */
export const VARINT_TOO_LONG = 2;

/** mode: 0 u64, 1 u64 zigzag (sint64), 2 u32 (low 32 bits), 3 u32 zigzag (sint32). */
export function varintDecodeJs(src: Uint8Array, out: Uint32Array, max: number, mode: number): { count: number; stop: number; why: number } {
  const n = src.length;
  const wide = mode < 2;
  const zigzag = (mode & 1) !== 0;
  let at = 0;
  let count = 0;
  while (at < n && count < max) {
    let b = src[at]!;
    let lo = b & 0x7f;
    let hi = 0;
    let next = at + 1;
    if (b >= 0x80) {
      // Bytes 2..4 fill bits 7..27 of the low word; byte 5 its top 4 bits and the high word's
      // low 3; bytes 6..9 the high word 7 bits at a time from bit 3; byte 10 only bit 63.
      let k = 1;
      for (;;) {
        if (next >= n) return { count, stop: at, why: VARINT_CUT };
        b = src[next++]!;
        if (k < 4) lo |= (b & 0x7f) << (7 * k);
        else if (k === 4) {
          lo |= (b & 0x0f) << 28;
          hi = (b & 0x7f) >>> 4;
        } else if (k < 9) hi |= (b & 0x7f) << (7 * k - 32);
        else {
          if (b > 1) return { count, stop: at, why: VARINT_TOO_LONG };
          hi |= b << 31;
          break;
        }
        if (b < 0x80) break;
        k++;
      }
    }
    if (wide) {
      if (zigzag) {
        const mask = -(lo & 1);
        const l = ((lo >>> 1) | (hi << 31)) ^ mask;
        hi = (hi >>> 1) ^ mask;
        lo = l;
      }
      out[count * 2] = lo;
      out[count * 2 + 1] = hi;
    } else {
      out[count] = zigzag ? (lo >>> 1) ^ -(lo & 1) : lo;
    }
    count++;
    at = next;
  }
  return { count, stop: at, why: VARINT_DONE };
}
