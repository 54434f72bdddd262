// Pure-TypeScript twin of assembly/app/websocket.ts: XOR with the repeating 4-byte masking key of
// RFC 6455 section 5.3. Where source and destination are 4-byte aligned alike (the usual case for
// whole buffers) words are XORed through Uint32Array views; otherwise byte by byte.

/** Whether typed arrays are little-endian here (every engine in use; checked, not assumed). */
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `src` into `dst` (same length; the same array for in place) with the key `key` (its four
 * bytes in order) starting at key byte `phase`.
 */
export function wsMaskJs(src: Uint8Array, dst: Uint8Array, key: Uint8Array, phase: number): void {
  const n = src.length;
  const k0 = key[phase & 3]!;
  const k1 = key[(phase + 1) & 3]!;
  const k2 = key[(phase + 2) & 3]!;
  const k3 = key[(phase + 3) & 3]!;
  let i = 0;
  const misalign = src.byteOffset & 3;
  // Word views cost two allocations: worth it from a few hundred bytes.
  if (n >= 256 && misalign === (dst.byteOffset & 3)) {
    // Bytes until both are aligned, then words.
    const head = (4 - misalign) & 3;
    for (; i < head; i++) dst[i] = src[i]! ^ key[(phase + i) & 3]!;
    const p = phase + head;
    const b0 = key[p & 3]!;
    const b1 = key[(p + 1) & 3]!;
    const b2 = key[(p + 2) & 3]!;
    const b3 = key[(p + 3) & 3]!;
    const word = LITTLE ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3);
    const words = (n - head) >>> 2;
    const s32 = new Uint32Array(src.buffer, src.byteOffset + head, words);
    const d32 = src === dst ? s32 : new Uint32Array(dst.buffer, dst.byteOffset + head, words);
    let w = 0;
    for (const end = words & ~3; w < end; w += 4) {
      d32[w] = s32[w]! ^ word;
      d32[w + 1] = s32[w + 1]! ^ word;
      d32[w + 2] = s32[w + 2]! ^ word;
      d32[w + 3] = s32[w + 3]! ^ word;
    }
    for (; w < words; w++) d32[w] = s32[w]! ^ word;
    i = head + words * 4;
    for (let j = 0; i < n; i++, j++) dst[i] = src[i]! ^ key[(p + j) & 3]!;
    return;
  }
  for (const end = n & ~3; i < end; i += 4) {
    dst[i] = src[i]! ^ k0;
    dst[i + 1] = src[i + 1]! ^ k1;
    dst[i + 2] = src[i + 2]! ^ k2;
    dst[i + 3] = src[i + 3]! ^ k3;
  }
  for (; i < n; i++) dst[i] = src[i]! ^ key[(phase + i) & 3]!;
}
