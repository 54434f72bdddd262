// Network-order loads. WebAssembly loads are little-endian and allow any alignment, so a big-endian
// field is one load and a byte swap (x64 and arm64 both have a single instruction for it).

// @ts-ignore: decorator
@inline export function u8at(p: usize): u32 {
  return <u32>load<u8>(p);
}

// @ts-ignore: decorator
@inline export function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

// @ts-ignore: decorator
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

/** Entry i of a kernel's u32 parameter table at p. */
// @ts-ignore: decorator
@inline export function param(p: usize, i: u32): u32 {
  return load<u32>(p + (<usize>i << 2));
}

/** Folds a sum of 16-bit words to 16 bits with end-around carry. */
// @ts-ignore: decorator
@inline export function fold16(s: u64): u32 {
  s = (s & 0xffffffff) + (s >>> 32);
  s = (s & 0xffffffff) + (s >>> 32);
  let t = <u32>s;
  t = (t & 0xffff) + (t >>> 16);
  t = (t & 0xffff) + (t >>> 16);
  return t;
}

/**
 * Ones'-complement sum of an IPv4 header (n a multiple of 4, 20..60) as big-endian words, folded.
 * Summing little-endian u32 words and swapping once at the end is RFC 1071 section 2 (B).
 */
// @ts-ignore: decorator
@inline export function headerSum(p: usize, n: usize): u32 {
  let s: u64 = <u64>load<u32>(p) + <u64>load<u32>(p, 4) + <u64>load<u32>(p, 8) + <u64>load<u32>(p, 12) + <u64>load<u32>(p, 16);
  for (let q = p + 20, end = p + n; q < end; q += 4) s += <u64>load<u32>(q);
  const f = fold16(s);
  return ((f & 0xff) << 8) | (f >>> 8);
}
