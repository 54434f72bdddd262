// Benchmark inputs built the way callers hold data: several distinct buffers per size (so no
// closure or branch predictor settles on one), carved out of one larger allocation like packets in
// a receive buffer, some of them at odd or unaligned offsets.

/** Buffers per size that each task rotates through. A power of two so rotation is a mask. */
export const BUFFERS_PER_SIZE = 8;

/**
 * Offset of each buffer past a 64-byte boundary: half aligned, half not, since word-at-a-time and
 * SIMD loops pay for a misaligned start and callers cannot always avoid one.
 */
export const MISALIGN = [0, 1, 0, 2, 0, 3, 0, 5];

/** Deterministic per-process bytes (xorshift32), so a failure can be replayed from the seed. */
export function fillRandom(bytes, seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
}

/** Byte offsets of every (size, buffer) slot, and the total length the slots need. */
export function planLayout(sizes) {
  const offsets = new Map();
  let end = 0;
  for (const size of sizes) {
    const slots = [];
    for (let j = 0; j < BUFFERS_PER_SIZE; j++) {
      const start = Math.ceil(end / 64) * 64 + MISALIGN[j];
      slots.push(start);
      end = start + size;
    }
    offsets.set(size, slots);
  }
  return { offsets, total: end };
}

/** For each size, BUFFERS_PER_SIZE subarrays of `backing` laid out by `plan`. */
export function carve(backing, plan) {
  const bySize = new Map();
  for (const [size, slots] of plan.offsets) bySize.set(size, slots.map((at) => backing.subarray(at, at + size)));
  return bySize;
}
