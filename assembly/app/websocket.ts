// WebSocket masking (RFC 6455 section 5.3): payload byte i is XORed with byte (i mod 4) of the
// 4-byte masking key. Masking and unmasking are the same operation.
//
// `key` holds the key's four bytes in memory order, read as a little-endian u32 (key byte 0 is its
// low byte), which is how WebAssembly loads them; `phase` (0..3) is the key byte that goes with the
// first byte here, so a payload can be unmasked in pieces. The key is rotated to the phase once,
// then whole words are XORed: 16 bytes a lane with SIMD, 8 a word without.

// @ts-ignore: decorator
@inline function rotated(key: u32, phase: u32): u32 {
  return rotr<u32>(key, (phase & 3) << 3);
}

/** XORs `len` bytes at `src` with the key into `dst` (the same address for in place). */
export function wsMask(src: usize, dst: usize, len: usize, key: u32, phase: u32): void {
  const k = rotated(key, phase);
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const kv = i32x4.splat(<i32>k);
    for (const end = len & ~(<usize>63); i < end; i += 64) {
      v128.store(dst + i, v128.xor(v128.load(src + i), kv));
      v128.store(dst + i, v128.xor(v128.load(src + i, 16), kv), 16);
      v128.store(dst + i, v128.xor(v128.load(src + i, 32), kv), 32);
      v128.store(dst + i, v128.xor(v128.load(src + i, 48), kv), 48);
    }
    for (const end = len & ~(<usize>15); i < end; i += 16) {
      v128.store(dst + i, v128.xor(v128.load(src + i), kv));
    }
  }
  const k64 = (<u64>k << 32) | <u64>k;
  for (const end = len & ~(<usize>7); i < end; i += 8) {
    store<u64>(dst + i, load<u64>(src + i) ^ k64);
  }
  // 0..7 bytes left; i is a multiple of 4 here, so key byte j goes with byte i + j.
  if (len - i >= 4) {
    store<u32>(dst + i, load<u32>(src + i) ^ k);
    i += 4;
  }
  let rest = k;
  for (; i < len; i++) {
    store<u8>(dst + i, load<u8>(src + i) ^ <u8>rest);
    rest >>>= 8;
  }
}
