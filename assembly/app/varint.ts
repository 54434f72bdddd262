// Protocol Buffers base-128 varints (protobuf encoding guide, "Base 128 Varints"): 7 bits a byte,
// least significant group first, the top bit set on every byte but the last; at most 10 bytes for
// 64 bits. Packed repeated fields are varints back to back: this decodes a run of them.
//
// `mode`: 0 u64 out, 1 u64 out zigzag-decoded (sint64), 2 u32 out (the low 32 bits, as protobuf
// reads int32/uint32/enum), 3 u32 out zigzag-decoded (sint32). The status words at statusPtr get
// the input offset where decoding stopped and why: 0 done, 1 the input ends inside a varint,
// 2 a varint longer than 10 bytes or over 64 bits.

const DONE: u32 = 0;
const CUT: u32 = 1;
const TOO_LONG: u32 = 2;
/** Internal: the varint is whole. */
const WHOLE: u32 = 3;

/** Decodes varints from [ptr, ptr + len) to `out`, at most `max`; returns how many. */
export function varintDecode(ptr: usize, len: u32, out: usize, max: u32, mode: u32, statusPtr: usize): u32 {
  let at: usize = 0;
  let n: u32 = 0;
  let why = DONE;
  const end = <usize>len;
  const wide = mode < 2;
  const zigzag = (mode & 1) != 0;
  while (at < end && n < max) {
    let b = <u64>load<u8>(ptr + at);
    let v: u64;
    let next = at + 1;
    let stops: u64 = 0;
    let word: u64 = 0;
    if (b >= 0x80 && end - at >= 8) {
      // Eight bytes at once: the first byte whose top bit is clear ends the varint.
      word = load<u64>(ptr + at);
      stops = ~word & 0x8080808080808080;
    }
    if (b < 0x80) {
      // One byte: the common case for small numbers.
      v = b;
    } else if (stops != 0) {
      // Up to 8 bytes (56 bits), without a branch per byte: keep the varint's bytes, then close
      // up the 7-bit groups pairwise (7 -> 14 -> 28 -> 56 bits).
      next = at + (<usize>ctz(stops) >> 3) + 1;
      let x = word & (stops ^ (stops - 1));
      x = (x & 0x007f007f007f007f) | ((x & 0x7f007f007f007f00) >> 1);
      x = (x & 0x00003fff00003fff) | ((x & 0x3fff00003fff0000) >> 2);
      v = (x & 0x000000000fffffff) | ((x & 0x0fffffff00000000) >> 4);
    } else {
      v = b & 0x7f;
      let shift: u64 = 7;
      // 0 while reading, then WHOLE or why it stopped.
      let state: u32 = 0;
      while (state == 0) {
        if (next >= end) {
          state = CUT;
          break;
        }
        b = <u64>load<u8>(ptr + next);
        next++;
        if (shift == 63) {
          // The 10th byte may only hold bit 63.
          if (b > 1) state = TOO_LONG;
          else {
            v |= b << 63;
            state = WHOLE;
          }
          break;
        }
        v |= (b & 0x7f) << shift;
        if (b < 0x80) state = WHOLE;
        shift += 7;
      }
      if (state != WHOLE) {
        why = state;
        break;
      }
    }
    if (wide) {
      store<u64>(out + (<usize>n << 3), zigzag ? (v >> 1) ^ (0 - (v & 1)) : v);
    } else {
      const w = <u32>v;
      store<u32>(out + (<usize>n << 2), zigzag ? (w >> 1) ^ (0 - (w & 1)) : w);
    }
    n++;
    at = next;
  }
  store<u32>(statusPtr, <u32>at);
  store<u32>(statusPtr, why, 4);
  return n;
}
