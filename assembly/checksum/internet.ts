// RFC 1071 Internet checksum: the ones'-complement sum of 16-bit big-endian words.
//
// RFC 1071 section 2 (B): the sum is byte-order independent, so we add little-endian words (what
// WebAssembly loads give us) and swap the bytes of the folded result once at the end. Section 2 (C)
// allows summing in wider words and folding later, which is what both paths below do.

// @ts-ignore: decorator
@inline function fold64(s: u64): u32 {
  s = (s & 0xffffffff) + (s >>> 32);
  s = (s & 0xffffffff) + (s >>> 32);
  let t = <u32>s;
  t = (t & 0xffff) + (t >>> 16);
  t = (t & 0xffff) + (t >>> 16);
  return t;
}

// @ts-ignore: decorator
@inline function addCarry(acc: u64, x: u64): u64 {
  // 64-bit ones'-complement addition: the carry out of bit 63 wraps around into bit 0.
  const s = acc + x;
  return s + <u64>(s < x);
}

// @ts-ignore: decorator
@inline function tailSum(ptr: usize, len: usize): u64 {
  // The last 0..15 bytes, little-endian; an odd final byte is the low byte of a zero-padded word.
  // The small pieces add without overflow; the 8-byte word needs the end-around carry.
  let wide: u64 = 0;
  if (len & 8) { wide = load<u64>(ptr); ptr += 8; }
  let s: u64 = 0;
  if (len & 4) { s += <u64>load<u32>(ptr); ptr += 4; }
  if (len & 2) { s += <u64>load<u16>(ptr); ptr += 2; }
  if (len & 1) { s += <u64>load<u8>(ptr); }
  return addCarry(s, wide);
}

function sumScalar(ptr: usize, len: usize): u64 {
  // Four independent 64-bit accumulators keep the add chains short.
  let a: u64 = 0, b: u64 = 0, c: u64 = 0, d: u64 = 0;
  const end32 = ptr + (len & ~31);
  while (ptr < end32) {
    a = addCarry(a, load<u64>(ptr));
    b = addCarry(b, load<u64>(ptr, 8));
    c = addCarry(c, load<u64>(ptr, 16));
    d = addCarry(d, load<u64>(ptr, 24));
    ptr += 32;
  }
  len &= 31;
  if (len & 16) {
    a = addCarry(a, load<u64>(ptr));
    b = addCarry(b, load<u64>(ptr, 8));
    ptr += 16;
  }
  const t = tailSum(ptr, len & 15);
  return addCarry(addCarry(addCarry(a, b), addCarry(c, d)), t);
}

// Each i32 lane gains at most 2 * 0xffff per vector added, so a lane is safe for 32768 vectors;
// a block of 8192 iterations of 4 vectors stays well inside that before we widen.
const SIMD_BLOCK_ITERATIONS: usize = 8192;

// @ts-ignore: decorator
@inline function lanes64(v: v128): u64 {
  return <u64>i32x4.extract_lane(v, 0) + <u64>i32x4.extract_lane(v, 1) +
    <u64>i32x4.extract_lane(v, 2) + <u64>i32x4.extract_lane(v, 3);
}

function sumSimd(ptr: usize, len: usize): u64 {
  let total: u64 = 0;
  while (len >= 64) {
    let iterations = len >>> 6;
    if (iterations > SIMD_BLOCK_ITERATIONS) iterations = SIMD_BLOCK_ITERATIONS;
    const end = ptr + (iterations << 6);
    let a = i32x4.splat(0), b = i32x4.splat(0), c = i32x4.splat(0), d = i32x4.splat(0);
    while (ptr < end) {
      a = i32x4.add(a, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr)));
      b = i32x4.add(b, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr, 16)));
      c = i32x4.add(c, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr, 32)));
      d = i32x4.add(d, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr, 48)));
      ptr += 64;
    }
    // Each lane is below 2^31 here, so adding lanes in u64 cannot overflow.
    total += lanes64(a) + lanes64(b) + lanes64(c) + lanes64(d);
    len -= iterations << 6;
  }
  let v = i32x4.splat(0);
  while (len >= 16) {
    v = i32x4.add(v, i32x4.extadd_pairwise_i16x8_u(v128.load(ptr)));
    ptr += 16;
    len -= 16;
  }
  return addCarry(total + lanes64(v), tailSum(ptr, len));
}

/**
 * Ones'-complement sum of len bytes at ptr as big-endian 16-bit words (an odd last byte is padded
 * with a zero), folded to 16 bits and not complemented: 0..0xffff.
 */
export function inetSum(ptr: usize, len: usize): u32 {
  let s: u64;
  if (ASC_FEATURE_SIMD) s = sumSimd(ptr, len);
  else s = sumScalar(ptr, len);
  const f = fold64(s);
  return ((f & 0xff) << 8) | (f >>> 8);
}
