// The Internet checksum (RFC 1071) the way a careful user writes it without a library: big-endian
// 16-bit words straight from a DataView. It is the peer our JS twin and WASM kernels must beat.

/** Words per block: 16384 * 0xffff plus a folded carry stays below 2^31, so `sum` never leaves int32. */
const BLOCK_BYTES = 2 * 16384;

/** RFC 1071 checksum of `data` as a 16-bit number (0 when `data` carries a correct checksum). */
export function inetChecksumDataView(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.byteLength;
  const even = n & ~1;
  let sum = 0;
  for (let i = 0; i < even; ) {
    const stop = Math.min(even, i + BLOCK_BYTES);
    for (; i < stop; i += 2) sum += view.getUint16(i);
    // Folding after each block keeps the accumulator a small integer V8 holds in a register.
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  // An odd trailing byte is the high half of a word padded with zero (RFC 1071 section 4.1).
  if (n & 1) sum += view.getUint8(n - 1) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
