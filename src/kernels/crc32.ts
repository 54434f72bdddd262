// Pure-TypeScript twins of assembly/checksum/crc32.ts: the fallback where WebAssembly cannot run,
// the baseline the benchmarks compare against, and the oracle for differential tests.
// Slicing-by-16, like the scalar WASM build, with tables built on first use.

const IEEE_REVERSED = 0xedb88320;
const CASTAGNOLI_REVERSED = 0x82f63b78;

let ieeeTables: Int32Array | undefined;
let castagnoliTables: Int32Array | undefined;

/** 16 tables of 256 entries; table k at k * 256. Table 0 is the byte-at-a-time table. */
function buildTables(reversedPoly: number): Int32Array {
  const t = new Int32Array(16 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 16; k++) {
      const prev = t[(k - 1) * 256 + i]!;
      t[k * 256 + i] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
}

function slice16(t: Int32Array, seed: number, data: Uint8Array): number {
  let c = ~seed;
  const n = data.length;
  let i = 0;
  for (const end = n - 15; i < end; i += 16) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      t[3840 + (c & 0xff)]! ^ t[3584 + ((c >>> 8) & 0xff)]! ^ t[3328 + ((c >>> 16) & 0xff)]! ^ t[3072 + (c >>> 24)]! ^
      t[2816 + data[i + 4]!]! ^ t[2560 + data[i + 5]!]! ^ t[2304 + data[i + 6]!]! ^ t[2048 + data[i + 7]!]! ^
      t[1792 + data[i + 8]!]! ^ t[1536 + data[i + 9]!]! ^ t[1280 + data[i + 10]!]! ^ t[1024 + data[i + 11]!]! ^
      t[768 + data[i + 12]!]! ^ t[512 + data[i + 13]!]! ^ t[256 + data[i + 14]!]! ^ t[data[i + 15]!]!;
  }
  for (; i < n; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!;
  return ~c >>> 0;
}

/** CRC-32 (IEEE 802.3, zlib, Ethernet FCS) in pure TypeScript. Same contract as `crc32`. */
export function crc32Js(data: Uint8Array, seed = 0): number {
  return slice16((ieeeTables ??= buildTables(IEEE_REVERSED)), seed, data);
}

/** CRC-32C (Castagnoli) in pure TypeScript. Same contract as `crc32c`. */
export function crc32cJs(data: Uint8Array, seed = 0): number {
  return slice16((castagnoliTables ??= buildTables(CASTAGNOLI_REVERSED)), seed, data);
}
