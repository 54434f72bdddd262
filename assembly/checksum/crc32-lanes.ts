// Lane-parallel CRC-32 for the SIMD build: 16 independent byte-at-a-time CRCs, one per v128 lane.
// About 2x slicing-by-16 on large inputs, ~1.25x at 512 bytes, where crc32.ts starts using it.
//
// A superblock of 16 * chunk bytes is split into 16 contiguous chunks; lane i runs the ordinary
// reflected bytewise CRC over chunk i. The registers of all 16 lanes are kept as four byte planes
// (p0 holds the low byte of every lane's register ... p3 the high byte), because a bytewise step
// only ever moves a register by whole bytes: with idx = p0 ^ input,
//   p0' = p1 ^ T[idx].byte0,  p1' = p2 ^ T[idx].byte1,  p2' = p3 ^ T[idx].byte2,  p3' = T[idx].byte3.
// WebAssembly has no gather, but i8x16.swizzle is a 16-entry byte lookup, and the byte table T is
// GF(2)-linear, so T[idx] = T[idx & 0x0f] ^ T[idx & 0xf0]: each output byte costs two swizzles of
// constant 16-byte tables (8 tables per polynomial). One step advances all 16 lanes by one byte,
// 16 input bytes, in about 31 vector instructions and no scalar table loads. That count is the
// limit here, not latency: V8 lowers every swizzle to paddusb + pshufb, so the 8 swizzles alone are
// 16 of them, and on the x86 cores measured the dependent chain through p0 (about 7 cycles) is
// shorter than the 10 or so cycles the three vector ports need for a step. Interleaving a second
// group of 16 lanes (two superblocks per loop) measured no faster: it only adds register spills,
// the 8 tables already filling half the registers.
//
// Lanes need their input as "byte j of every chunk" vectors: 16 bytes are loaded from each of the
// 16 chunks and the 16 x 16 byte matrix is transposed with four interleave stages.
//
// All lanes start from 0 and are recombined once per superblock by Horner's rule, continuing the
// running register: crc = shift(crc) ^ R_i for i = 0..15, where shift advances a register over one
// chunk of zero bytes. This is exact because the register update is linear in (register, data),
// and it keeps the recombination (a scalar dependency chain) off the lanes' critical path: the next
// superblock's vector work does not wait for it. shift is a GF(2)-linear map on 32 bits, so it is
// four byte-indexed tables, exactly like one slice of slicing-by-4.
//
// Only standard SIMD is used (no relaxed-simd, whose swizzle would drop the paddusb), so Node 20 /
// V8 11.3 can run it.

// Superblocks come in four sizes so that inputs which are not a multiple of the largest still run
// almost entirely on lanes: chunks of 1024, 256, 64 and 32 bytes (superblocks of 16 KiB, 4 KiB,
// 1 KiB and 512 bytes). Largest first, so each smaller level runs at most three times (the last at
// most once). A superblock has a fixed cost (extracting the 16 registers and 16 Horner steps, about
// 200 scalar operations, plus loading the tables per call): under 1% of a 16 KiB superblock, enough
// to make a lone 512-byte one only ~1.25x slicing, and a 256-byte one slower than slicing. So the
// remainder under 512 bytes is left to slicing. Larger chunks measured no faster, and the 16 rows a
// transpose reads, one chunk apart, fall into ever fewer L1 sets as the stride grows (all into one
// set at 4 KiB, more rows than a set has ways).
const LEVELS: usize = 4;
// @ts-ignore: decorator
@inline function levelChunk(level: usize): usize {
  return level < 3 ? <usize>1024 >> (level << 1) : <usize>32;
}

/** Smallest superblock (a power of two): crcLanes takes multiples of this. */
export const LANE_MIN_BLOCK: usize = 16 * 32;
/** Shortest input sent to the lanes: one smallest superblock, by the measurements above. */
export const LANES_MIN: usize = LANE_MIN_BLOCK;

// Per polynomial: 8 nibble tables (16 bytes each: byte k of T[n], then byte k of T[n << 4], for
// k = 0..3), then per level 4 x 256 u32 tables for the shift over one chunk of zero bytes (byte k
// of the register indexes table k). Built at start-up, like the slicing tables, to keep the .wasm
// small.
const NIBBLE_BYTES: usize = 8 * 16;
const SHIFT_BYTES: usize = 4 * 256 * 4;
const LANE_SET_BYTES: usize = NIBBLE_BYTES + LEVELS * SHIFT_BYTES;
// The scalar build never calls into this file, so it does not reserve the static memory either.
const LANE_TABLES: usize = ASC_FEATURE_SIMD ? memory.data(2 * <i32>LANE_SET_BYTES, 64) : 0;
export const LANES_IEEE: usize = 0;
export const LANES_CASTAGNOLI: usize = LANE_SET_BYTES;

// Scratch: the 16 transposed input columns of one 16 x 16 block, the 16 lane registers as u32, and
// the 0x0f byte mask. The mask is loaded rather than written as a constant because V8, short of
// vector registers in the step loop, rematerializes a constant (three instructions, two of them
// vector ones) where it merely reloads a spilled value; that alone was worth ~5%.
const COLUMNS: usize = ASC_FEATURE_SIMD ? memory.data(256, 16) : 0;
const REGS: usize = ASC_FEATURE_SIMD ? memory.data(64, 16) : 0;
const NIBBLE_MASK: usize = ASC_FEATURE_SIMD ? memory.data(16, 16) : 0;

// @ts-ignore: decorator
@inline function bitStep(c: u32, reversedPoly: u32): u32 {
  return c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
}

function byteTable(n: u32, reversedPoly: u32): u32 {
  let c = n;
  for (let k = 0; k < 8; k++) c = bitStep(c, reversedPoly);
  return c;
}

function buildShiftTables(shift: usize, chunk: usize, reversedPoly: u32): void {
  // Columns of the shift matrix: col(j) = shift(1 << j). Register bit j is x^(31 - j), and one bit
  // step maps 1 << j to 1 << (j - 1), so col(j - 1) is col(j) advanced one more bit: 8 * chunk + 31
  // bit steps in all instead of 32 * 8 * chunk.
  let col: u32 = 0x80000000;
  for (let i: usize = 0; i < 8 * chunk; i++) col = bitStep(col, reversedPoly);
  for (let j = 31; j >= 0; j--) {
    store<u32>(shift + (((<u32>j >>> 3) << 10) | ((1 << (<u32>j & 7)) << 2)), col);
    col = bitStep(col, reversedPoly);
  }
  // Every other entry is the XOR of its lowest set bit's column and the rest (already built);
  // entry 0 stays 0 (static memory starts zeroed).
  for (let k: u32 = 0; k < 4; k++) {
    const t = shift + (k << 10);
    for (let b: u32 = 3; b < 256; b++) {
      if ((b & (b - 1)) == 0) continue;
      store<u32>(t + (b << 2), load<u32>(t + ((b & (b - 1)) << 2)) ^ load<u32>(t + ((b & -b) << 2)));
    }
  }
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
  for (let level: usize = 0; level < LEVELS; level++) {
    buildShiftTables(base + NIBBLE_BYTES + level * SHIFT_BYTES, levelChunk(level), reversedPoly);
  }
}

if (ASC_FEATURE_SIMD) {
  v128.store(NIBBLE_MASK, i8x16.splat(0x0f));
  buildLaneTables(LANES_IEEE, 0xedb88320);
  buildLaneTables(LANES_CASTAGNOLI, 0x82f63b78);
}

/**
 * CRC over len bytes at ptr, len a multiple of LANE_MIN_BLOCK, continuing from the finished CRC
 * `crc` (so the caller can finish a remainder by slicing with the result as its seed).
 */
export function crcLanes(set: usize, crc: u32, ptr: usize, len: usize): u32 {
  crc = ~crc;
    for (let level: usize = 0; level < LEVELS; level++) {
    const block = levelChunk(level) << 4;
    const n = len - len % block;
    if (n) {
      const shift = LANE_TABLES + set + NIBBLE_BYTES + level * SHIFT_BYTES;
      crc = lanePass(set, shift, crc, ptr, n, levelChunk(level));
      ptr += n;
      len -= n;
    }
  }
  return ~crc;
}

// Register-form CRC (not inverted) over len bytes, a multiple of 16 * chunk. One function for all
// levels and both polynomials (the chunk is a run-time stride): V8 then compiles a single copy, and
// the extra address arithmetic is scalar work, which is not what limits the loop.
function lanePass(set: usize, shift: usize, crc: u32, ptr: usize, len: usize, chunk: usize): u32 {
  const tables = LANE_TABLES + set;
  const l0 = v128.load(tables, 0);
  const h0 = v128.load(tables, 16);
  const l1 = v128.load(tables, 32);
  const h1 = v128.load(tables, 48);
  const l2 = v128.load(tables, 64);
  const h2 = v128.load(tables, 80);
  const l3 = v128.load(tables, 96);
  const h3 = v128.load(tables, 112);
  const nibble = v128.load(NIBBLE_MASK);
  const zero = i8x16.splat(0);

  const end = ptr + len;
  while (ptr < end) {
    let p0 = zero, p1 = zero, p2 = zero, p3 = zero;
    const chunkEnd = ptr + chunk;
    do {
      transpose(ptr, chunk);
      // Four steps per iteration: a loop iteration costs a compare, a branch and V8's stack guard,
      // all scalar, but they still occupy issue slots the vector work needs.
      for (let j: usize = 0; j < 256; j += 64) {
        let idx: v128, lo: v128, hi: v128;
        idx = v128.xor(p0, v128.load(COLUMNS + j, 0));
        // A u16 shift plus the mask is two instructions; V8 lowers i8x16.shr_u to four.
        lo = v128.and(idx, nibble);
        hi = v128.and(i16x8.shr_u(idx, 4), nibble);
        p0 = v128.xor(v128.xor(p1, i8x16.swizzle(l0, lo)), i8x16.swizzle(h0, hi));
        p1 = v128.xor(v128.xor(p2, i8x16.swizzle(l1, lo)), i8x16.swizzle(h1, hi));
        p2 = v128.xor(v128.xor(p3, i8x16.swizzle(l2, lo)), i8x16.swizzle(h2, hi));
        p3 = v128.xor(i8x16.swizzle(l3, lo), i8x16.swizzle(h3, hi));

        idx = v128.xor(p0, v128.load(COLUMNS + j, 16));
        lo = v128.and(idx, nibble);
        hi = v128.and(i16x8.shr_u(idx, 4), nibble);
        p0 = v128.xor(v128.xor(p1, i8x16.swizzle(l0, lo)), i8x16.swizzle(h0, hi));
        p1 = v128.xor(v128.xor(p2, i8x16.swizzle(l1, lo)), i8x16.swizzle(h1, hi));
        p2 = v128.xor(v128.xor(p3, i8x16.swizzle(l2, lo)), i8x16.swizzle(h2, hi));
        p3 = v128.xor(i8x16.swizzle(l3, lo), i8x16.swizzle(h3, hi));

        idx = v128.xor(p0, v128.load(COLUMNS + j, 32));
        lo = v128.and(idx, nibble);
        hi = v128.and(i16x8.shr_u(idx, 4), nibble);
        p0 = v128.xor(v128.xor(p1, i8x16.swizzle(l0, lo)), i8x16.swizzle(h0, hi));
        p1 = v128.xor(v128.xor(p2, i8x16.swizzle(l1, lo)), i8x16.swizzle(h1, hi));
        p2 = v128.xor(v128.xor(p3, i8x16.swizzle(l2, lo)), i8x16.swizzle(h2, hi));
        p3 = v128.xor(i8x16.swizzle(l3, lo), i8x16.swizzle(h3, hi));

        idx = v128.xor(p0, v128.load(COLUMNS + j, 48));
        lo = v128.and(idx, nibble);
        hi = v128.and(i16x8.shr_u(idx, 4), nibble);
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

    // Horner over the chunks, starting from the register before this superblock.
    for (let i: usize = 0; i < 64; i += 4) {
      crc =
        load<u32>(shift + ((crc << 2) & 0x3fc)) ^
        load<u32>(shift + ((crc >>> 6) & 0x3fc), 1024) ^
        load<u32>(shift + ((crc >>> 14) & 0x3fc), 2048) ^
        load<u32>(shift + ((crc >>> 22) & 0x3fc), 3072) ^
        load<u32>(REGS + i);
    }
    ptr += 15 * chunk;
  }
  return crc;
}

// Loads 16 bytes from each of the 16 chunks (row i = chunk i) and stores the 16 x 16 transpose to
// COLUMNS, so column j holds byte j of every chunk with lane i = chunk i. Four interleave stages
// (8-, 16-, 32-, 64-bit), each a single unpack instruction in V8.
// @ts-ignore: decorator
@inline function transpose(ptr: usize, chunk: usize): void {
  let row = ptr;
  const r0 = v128.load(row);
  row += chunk;
  const r1 = v128.load(row);
  row += chunk;
  const r2 = v128.load(row);
  row += chunk;
  const r3 = v128.load(row);
  row += chunk;
  const r4 = v128.load(row);
  row += chunk;
  const r5 = v128.load(row);
  row += chunk;
  const r6 = v128.load(row);
  row += chunk;
  const r7 = v128.load(row);
  row += chunk;
  const r8 = v128.load(row);
  row += chunk;
  const r9 = v128.load(row);
  row += chunk;
  const r10 = v128.load(row);
  row += chunk;
  const r11 = v128.load(row);
  row += chunk;
  const r12 = v128.load(row);
  row += chunk;
  const r13 = v128.load(row);
  row += chunk;
  const r14 = v128.load(row);
  row += chunk;
  const r15 = v128.load(row);

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
