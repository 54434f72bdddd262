// Lane-parallel CRC-32 for the SIMD build: 16 independent byte-at-a-time CRCs, one per v128 lane.
//
// A superblock of 16 * CHUNK bytes is split into 16 contiguous chunks; lane i runs the ordinary
// reflected bytewise CRC over chunk i. The CRC register of all 16 lanes is kept as four byte planes
// (p0 holds the low byte of every lane's register ... p3 the high byte), because a bytewise step
// only ever shifts a register by whole bytes: with idx = p0 ^ input,
//   p0' = p1 ^ T[idx].byte0,  p1' = p2 ^ T[idx].byte1,  p2' = p3 ^ T[idx].byte2,  p3' = T[idx].byte3.
// WebAssembly has no gather, but i8x16.swizzle is a 16-entry byte lookup, and the byte table T is
// GF(2)-linear, so T[idx] = T[idx & 0x0f] ^ T[idx & 0xf0]: each output byte costs two swizzles of
// constant 16-byte tables (8 tables per polynomial). One step therefore advances 16 lanes by one
// byte each, 16 input bytes, in a handful of vector operations and no scalar table loads.
//
// The lanes are recombined once per superblock by Horner's rule over the chunk registers:
// acc = R0; acc = shift(acc) ^ Ri for i = 1..15, where shift advances a register over CHUNK zero
// bytes. That map is GF(2)-linear on 32 bits, so it is four byte-indexed tables like a slice.
// Lane 0 starts from the running register and lanes 1..15 from 0, which is what makes the sum
// exact (the CRC register update is linear in (register, data)).
//
// Only standard SIMD is used (no relaxed-simd), so Node 20 / V8 11.3 can run it.

/** Bytes per lane per superblock. */
export const LANE_CHUNK: usize = 1024;
/** Bytes per superblock: the lane path only ever processes whole superblocks. */
export const LANE_BLOCK: usize = 16 * LANE_CHUNK;

// Per polynomial: 8 nibble tables (16 bytes each: byte k of T[n], then byte k of T[n << 4], for
// k = 0..3), then 4 x 256 u32 tables for the CHUNK-zero-byte shift (byte k of the register indexes
// table k). Built at start-up, like the slicing tables, to keep the .wasm small.
const NIBBLE_BYTES: usize = 8 * 16;
const SHIFT_BYTES: usize = 4 * 256 * 4;
const LANE_SET_BYTES: usize = NIBBLE_BYTES + SHIFT_BYTES;
// The scalar build never touches any of this, so it does not reserve the static memory either.
const LANE_TABLES: usize = ASC_FEATURE_SIMD ? memory.data(<i32>(2 * LANE_SET_BYTES), 64) : 0;
export const LANES_IEEE: usize = 0;
export const LANES_CASTAGNOLI: usize = LANE_SET_BYTES;

// Scratch: the 16 transposed input columns of one 16 x 16 block, and the 16 lane registers as u32.
const COLUMNS: usize = ASC_FEATURE_SIMD ? memory.data(256, 16) : 0;
const REGS: usize = ASC_FEATURE_SIMD ? memory.data(64, 16) : 0;

// @ts-ignore: decorator
@inline function bitStep(c: u32, reversedPoly: u32): u32 {
  return c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
}

function byteTable(n: u32, reversedPoly: u32): u32 {
  let c = n;
  for (let k = 0; k < 8; k++) c = bitStep(c, reversedPoly);
  return c;
}

function buildLaneTables(set: usize, reversedPoly: u32): void {
  const base = LANE_TABLES + set;
  for (let n: u32 = 0; n < 16; n++) {
    const lo = byteTable(n, reversedPoly);
    const hi = byteTable(n << 4, reversedPoly);
    for (let k: u32 = 0; k < 4; k++) {
      store<u8>(base + (k << 5) + n, <u8>(lo >>> (k << 3)));
      store<u8>(base + (k << 5) + 16 + n, <u8>(hi >>> (k << 3)));
    }
  }
  // Columns of the shift matrix: col(j) = shift(1 << j). Register bit j is x^(31 - j), and one bit
  // step maps 1 << j to 1 << (j - 1), so col(j - 1) is col(j) advanced one more bit: 8 * CHUNK + 31
  // bit steps in all instead of 32 * 8 * CHUNK.
  const shift = base + NIBBLE_BYTES;
  let col: u32 = 0x80000000;
  for (let i: usize = 0; i < 8 * LANE_CHUNK; i++) col = bitStep(col, reversedPoly);
  for (let j = 31; j >= 0; j--) {
    store<u32>(shift + (((<u32>j >>> 3) << 10) | ((1 << (<u32>j & 7)) << 2)), col);
    col = bitStep(col, reversedPoly);
  }
  // Every other entry is the XOR of its lowest set bit's column and the rest (already built).
  for (let k: u32 = 0; k < 4; k++) {
    const t = shift + (k << 10);
    store<u32>(t, 0);
    for (let b: u32 = 3; b < 256; b++) {
      if ((b & (b - 1)) == 0) continue;
      store<u32>(t + (b << 2), load<u32>(t + ((b & (b - 1)) << 2)) ^ load<u32>(t + ((b & -b) << 2)));
    }
  }
}

if (ASC_FEATURE_SIMD) {
  buildLaneTables(LANES_IEEE, 0xedb88320);
  buildLaneTables(LANES_CASTAGNOLI, 0x82f63b78);
}

/**
 * CRC over len bytes at ptr, len a multiple of LANE_BLOCK, continuing from the finished CRC `crc`
 * (so callers can hand the rest to the slicing path with the result as its seed).
 */
// @ts-ignore: decorator
@inline export function crcLanes(set: usize, crc: u32, ptr: usize, len: usize): u32 {
  const tables = LANE_TABLES + set;
  const l0 = v128.load(tables, 0);
  const h0 = v128.load(tables, 16);
  const l1 = v128.load(tables, 32);
  const h1 = v128.load(tables, 48);
  const l2 = v128.load(tables, 64);
  const h2 = v128.load(tables, 80);
  const l3 = v128.load(tables, 96);
  const h3 = v128.load(tables, 112);
  const shift = tables + NIBBLE_BYTES;
  const nibble = i8x16.splat(0x0f);
  const zero = i8x16.splat(0);

  crc = ~crc;
  const end = ptr + len;
  while (ptr < end) {
    let p0 = i8x16.replace_lane(zero, 0, <i8>crc);
    let p1 = i8x16.replace_lane(zero, 0, <i8>(crc >>> 8));
    let p2 = i8x16.replace_lane(zero, 0, <i8>(crc >>> 16));
    let p3 = i8x16.replace_lane(zero, 0, <i8>(crc >>> 24));
    const chunkEnd = ptr + LANE_CHUNK;
    do {
      transpose(ptr);
      for (let j: usize = 0; j < 256; j += 16) {
        const idx = v128.xor(p0, v128.load(COLUMNS + j));
        // u16 shift + mask is two instructions; V8 lowers i8x16.shr_u to four or more.
        const lo = v128.and(idx, nibble);
        const hi = v128.and(i16x8.shr_u(idx, 4), nibble);
        p0 = v128.xor(v128.xor(p1, i8x16.swizzle(l0, lo)), i8x16.swizzle(h0, hi));
        p1 = v128.xor(v128.xor(p2, i8x16.swizzle(l1, lo)), i8x16.swizzle(h1, hi));
        p2 = v128.xor(v128.xor(p3, i8x16.swizzle(l2, lo)), i8x16.swizzle(h2, hi));
        p3 = v128.xor(i8x16.swizzle(l3, lo), i8x16.swizzle(h3, hi));
      }
      ptr += 16;
    } while (ptr < chunkEnd);

    // Byte planes back to one u32 per lane (lane i's register at REGS + 4i).
    const a = i8x16.shuffle(p0, p1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const b = i8x16.shuffle(p0, p1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const c = i8x16.shuffle(p2, p3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const d = i8x16.shuffle(p2, p3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v128.store(REGS, i16x8.shuffle(a, c, 0, 8, 1, 9, 2, 10, 3, 11), 0);
    v128.store(REGS, i16x8.shuffle(a, c, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    v128.store(REGS, i16x8.shuffle(b, d, 0, 8, 1, 9, 2, 10, 3, 11), 32);
    v128.store(REGS, i16x8.shuffle(b, d, 4, 12, 5, 13, 6, 14, 7, 15), 48);

    let acc = load<u32>(REGS);
    for (let i: usize = 4; i < 64; i += 4) {
      acc =
        load<u32>(shift + ((acc << 2) & 0x3fc)) ^
        load<u32>(shift + ((acc >>> 6) & 0x3fc), 1024) ^
        load<u32>(shift + ((acc >>> 14) & 0x3fc), 2048) ^
        load<u32>(shift + ((acc >>> 22) & 0x3fc), 3072) ^
        load<u32>(REGS + i);
    }
    crc = acc;
    ptr += LANE_BLOCK - LANE_CHUNK;
  }
  return ~crc;
}

// Loads 16 bytes from each of the 16 chunks (row i = chunk i) and stores the 16 x 16 transpose to
// COLUMNS, so column j holds byte j of every chunk with lane i = chunk i. Four interleave stages
// (8-, 16-, 32-, 64-bit), each a single unpack instruction in V8.
// @ts-ignore: decorator
@inline function transpose(ptr: usize): void {
  const r0 = v128.load(ptr, 0 * LANE_CHUNK);
  const r1 = v128.load(ptr, 1 * LANE_CHUNK);
  const r2 = v128.load(ptr, 2 * LANE_CHUNK);
  const r3 = v128.load(ptr, 3 * LANE_CHUNK);
  const r4 = v128.load(ptr, 4 * LANE_CHUNK);
  const r5 = v128.load(ptr, 5 * LANE_CHUNK);
  const r6 = v128.load(ptr, 6 * LANE_CHUNK);
  const r7 = v128.load(ptr, 7 * LANE_CHUNK);
  const r8 = v128.load(ptr, 8 * LANE_CHUNK);
  const r9 = v128.load(ptr, 9 * LANE_CHUNK);
  const r10 = v128.load(ptr, 10 * LANE_CHUNK);
  const r11 = v128.load(ptr, 11 * LANE_CHUNK);
  const r12 = v128.load(ptr, 12 * LANE_CHUNK);
  const r13 = v128.load(ptr, 13 * LANE_CHUNK);
  const r14 = v128.load(ptr, 14 * LANE_CHUNK);
  const r15 = v128.load(ptr, 15 * LANE_CHUNK);

  // Stage 1: bytes of row pairs; a*L hold columns 0..7, a*H columns 8..15.
  const a0L = lo8(r0, r1), a0H = hi8(r0, r1);
  const a1L = lo8(r2, r3), a1H = hi8(r2, r3);
  const a2L = lo8(r4, r5), a2H = hi8(r4, r5);
  const a3L = lo8(r6, r7), a3H = hi8(r6, r7);
  const a4L = lo8(r8, r9), a4H = hi8(r8, r9);
  const a5L = lo8(r10, r11), a5H = hi8(r10, r11);
  const a6L = lo8(r12, r13), a6H = hi8(r12, r13);
  const a7L = lo8(r14, r15), a7H = hi8(r14, r15);
  // Stage 2: 16-bit units of row quads; bmQ holds columns 4Q..4Q+3 of rows 4m..4m+3.
  const b00 = lo16(a0L, a1L), b01 = hi16(a0L, a1L), b02 = lo16(a0H, a1H), b03 = hi16(a0H, a1H);
  const b10 = lo16(a2L, a3L), b11 = hi16(a2L, a3L), b12 = lo16(a2H, a3H), b13 = hi16(a2H, a3H);
  const b20 = lo16(a4L, a5L), b21 = hi16(a4L, a5L), b22 = lo16(a4H, a5H), b23 = hi16(a4H, a5H);
  const b30 = lo16(a6L, a7L), b31 = hi16(a6L, a7L), b32 = lo16(a6H, a7H), b33 = hi16(a6H, a7H);
  // Stages 3 and 4: 32-bit units of row octets, then 64-bit halves of rows 0..7 and 8..15.
  columns4(b00, b10, b20, b30, 0);
  columns4(b01, b11, b21, b31, 4 * 16);
  columns4(b02, b12, b22, b32, 8 * 16);
  columns4(b03, b13, b23, b33, 12 * 16);
}

// @ts-ignore: decorator
@inline function columns4(q0: v128, q1: v128, q2: v128, q3: v128, offset: usize): void {
  const c0L = lo32(q0, q1), c0H = hi32(q0, q1);
  const c1L = lo32(q2, q3), c1H = hi32(q2, q3);
  v128.store(COLUMNS + offset, i64x2.shuffle(c0L, c1L, 0, 2));
  v128.store(COLUMNS + offset, i64x2.shuffle(c0L, c1L, 1, 3), 16);
  v128.store(COLUMNS + offset, i64x2.shuffle(c0H, c1H, 0, 2), 32);
  v128.store(COLUMNS + offset, i64x2.shuffle(c0H, c1H, 1, 3), 48);
}

// @ts-ignore: decorator
@inline function lo8(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
// @ts-ignore: decorator
@inline function hi8(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}
// @ts-ignore: decorator
@inline function lo16(a: v128, b: v128): v128 {
  return i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
}
// @ts-ignore: decorator
@inline function hi16(a: v128, b: v128): v128 {
  return i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
}
// @ts-ignore: decorator
@inline function lo32(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 4, 1, 5);
}
// @ts-ignore: decorator
@inline function hi32(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 2, 6, 3, 7);
}
