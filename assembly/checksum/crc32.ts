// Table-driven CRC-32 (reflected), slicing-by-16: 16 tables of 256 entries each, so one loop
// iteration consumes 16 input bytes with 16 independent table lookups instead of a chain of
// 16 dependent ones. WebAssembly has no carry-less multiply, so the PCLMUL folding used by
// native code is not available; slicing is the fastest portable table method.
//
// Tables live in static memory (memory.data) and are filled when the module starts, which keeps
// the .wasm small (2 x 16 KiB of tables would otherwise be shipped as data segments).

import { crcLanes, LANE_MIN_BLOCK, LANES_MIN, LANES_IEEE, LANES_CASTAGNOLI } from "./crc32-lanes";

const SLICES = 16;
const TABLE_SET_BYTES: usize = SLICES * 256 * 4;

// Both table sets in one region: IEEE 802.3 / zlib (0x04C11DB7) first, Castagnoli (0x1EDC6F41:
// iSCSI, SCTP, ext4) TABLE_SET_BYTES later. Table k of a set starts k * 1024 bytes in.
const TABLES: usize = memory.data(<i32>(2 * TABLE_SET_BYTES), 64);
const IEEE: usize = 0;
const CASTAGNOLI: usize = TABLE_SET_BYTES;

function buildTables(set: usize, reversedPoly: u32): void {
  const base = TABLES + set;
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
    store<u32>(base + (i << 2), c);
  }
  for (let t: u32 = 1; t < <u32>SLICES; t++) {
    for (let i: u32 = 0; i < 256; i++) {
      const prev = load<u32>(base + (((t - 1) << 10) | (i << 2)));
      store<u32>(base + ((t << 10) | (i << 2)), (prev >>> 8) ^ load<u32>(base + ((prev & 0xff) << 2)));
    }
  }
}

buildTables(IEEE, 0xedb88320);
buildTables(CASTAGNOLI, 0x82f63b78);

// Index arithmetic is written to cost two ALU operations per lookup: the byte is shifted straight
// into position times four (`(w >>> s) & 0x3fc`), and the table's address is the load's constant
// offset. WebAssembly cannot fold an added constant into a load itself (the i32 add may wrap), so
// spelling the offset as the immediate saves an add on each of the 16 lookups.
// @ts-ignore: decorator
@inline function slice16(set: usize, crc: u32, ptr: usize, len: usize): u32 {
  crc = ~crc;
  const end16 = ptr + (len & ~15);
  while (ptr < end16) {
    // WebAssembly loads are little-endian, which is the byte order a reflected CRC consumes.
    const a = load<u32>(ptr) ^ crc;
    const b = load<u32>(ptr, 4);
    const c = load<u32>(ptr, 8);
    const d = load<u32>(ptr, 12);
    crc =
      load<u32>(set + ((a << 2) & 0x3fc), TABLES + 15 * 1024) ^
      load<u32>(set + ((a >>> 6) & 0x3fc), TABLES + 14 * 1024) ^
      load<u32>(set + ((a >>> 14) & 0x3fc), TABLES + 13 * 1024) ^
      load<u32>(set + ((a >>> 22) & 0x3fc), TABLES + 12 * 1024) ^
      load<u32>(set + ((b << 2) & 0x3fc), TABLES + 11 * 1024) ^
      load<u32>(set + ((b >>> 6) & 0x3fc), TABLES + 10 * 1024) ^
      load<u32>(set + ((b >>> 14) & 0x3fc), TABLES + 9 * 1024) ^
      load<u32>(set + ((b >>> 22) & 0x3fc), TABLES + 8 * 1024) ^
      load<u32>(set + ((c << 2) & 0x3fc), TABLES + 7 * 1024) ^
      load<u32>(set + ((c >>> 6) & 0x3fc), TABLES + 6 * 1024) ^
      load<u32>(set + ((c >>> 14) & 0x3fc), TABLES + 5 * 1024) ^
      load<u32>(set + ((c >>> 22) & 0x3fc), TABLES + 4 * 1024) ^
      load<u32>(set + ((d << 2) & 0x3fc), TABLES + 3 * 1024) ^
      load<u32>(set + ((d >>> 6) & 0x3fc), TABLES + 2 * 1024) ^
      load<u32>(set + ((d >>> 14) & 0x3fc), TABLES + 1 * 1024) ^
      load<u32>(set + ((d >>> 22) & 0x3fc), TABLES);
    ptr += 16;
  }
  const end = ptr + (len & 15);
  while (ptr < end) {
    crc = (crc >>> 8) ^ load<u32>(set + (((crc ^ <u32>load<u8>(ptr)) << 2) & 0x3fc), TABLES);
    ptr++;
  }
  return ~crc;
}

/** CRC-32 (IEEE) of len bytes at ptr, continuing from `seed` (a previous result, 0 to start). */
export function crc32(ptr: usize, len: usize, seed: u32): u32 {
  if (ASC_FEATURE_SIMD) {
    // From 512 bytes the 16-lane SIMD path (crc32-lanes.ts) is faster: it takes the whole
    // superblocks, and the remainder (under 512 bytes) is finished here by slicing, seeded with the
    // lanes' result.
    if (len >= LANES_MIN) {
      const n = len & ~(LANE_MIN_BLOCK - 1);
      seed = crcLanes(LANES_IEEE, seed, ptr, n);
      ptr += n;
      len -= n;
    }
  }
  return slice16(IEEE, seed, ptr, len);
}

/** CRC-32C (Castagnoli) of len bytes at ptr, continuing from `seed`. */
export function crc32c(ptr: usize, len: usize, seed: u32): u32 {
  if (ASC_FEATURE_SIMD) {
    if (len >= LANES_MIN) {
      const n = len & ~(LANE_MIN_BLOCK - 1);
      seed = crcLanes(LANES_CASTAGNOLI, seed, ptr, n);
      ptr += n;
      len -= n;
    }
  }
  return slice16(CASTAGNOLI, seed, ptr, len);
}
