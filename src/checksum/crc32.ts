import { crc32cJs, crc32Js } from '../kernels/crc32.js';
import { WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { autoMode, wasmArena } from '../wasm/backend.js';
import { nativeCrc32 } from '../wasm/native.js';
import { trapToWireError } from '../wasm/trap.js';

/**
 * Under `auto`, inputs shorter than this go to the JS twin: for them the copy into WASM memory and
 * the call cost more than the work (`npm run bench` crossover table: WASM with its copy overtakes
 * the JS twin at 64 B for CRC-32 and at 96 B for CRC-32C). The JS twin reads any view, WASM
 * memory included, so no ownership test is needed on this path.
 */
export const CRC_JS_BELOW = 64;
export const CRC32C_JS_BELOW = 96;
/**
 * Under `auto`, Node's native zlib.crc32 from this size up: it ties our WASM at 256 B and wins
 * from 512 B in the crossover table (1.1x at 512 B, 1.5x at 1 KiB). It reads WASM memory views
 * as well as any other, so it takes those too.
 */
export const CRC_NATIVE_FROM = 512;

type CrcExport = 'crc32' | 'crc32c';

function crcWasm(a: Arena, name: CrcExport, data: Uint8Array, seed: number): number {
  const kernel = a.exports[name];
  try {
    if (a.owns(data)) return kernel(data.byteOffset, data.length, seed) >>> 0;
    const win = a.windowPtr;
    const n = data.length;
    if (n <= WINDOW_SIZE) {
      a.heap.set(data, win);
      return kernel(win, n, seed) >>> 0;
    }
    let crc = seed;
    for (let off = 0; off < n; off += WINDOW_SIZE) {
      const chunk = data.subarray(off, Math.min(n, off + WINDOW_SIZE));
      a.heap.set(chunk, win);
      crc = kernel(win, chunk.length, crc);
    }
    return crc >>> 0;
  } catch (cause) {
    throw trapToWireError(name, cause);
  }
}

/**
 * CRC-32 as used by Ethernet's FCS, zlib, gzip and PNG (IEEE 802.3, reflected polynomial
 * 0xEDB88320), as an unsigned 32-bit number. Pass a previous result as `seed` to continue over
 * more data: `crc32(b, crc32(a)) === crc32(concat(a, b))`.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(data: Uint8Array, seed = 0): number {
  seed >>>= 0;
  if (autoMode) {
    if (data.length < CRC_JS_BELOW) return crc32Js(data, seed);
    if (nativeCrc32 !== null && data.length >= CRC_NATIVE_FROM) return nativeCrc32(data, seed);
  }
  const a = wasmArena();
  return a === null ? crc32Js(data, seed) : crcWasm(a, 'crc32', data, seed);
}

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as used by iSCSI, SCTP and ext4, as an
 * unsigned 32-bit number; chainable through `seed` like `crc32`.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')) // 0xe3069283
 */
export function crc32c(data: Uint8Array, seed = 0): number {
  seed >>>= 0;
  if (autoMode && data.length < CRC32C_JS_BELOW) return crc32cJs(data, seed);
  const a = wasmArena();
  return a === null ? crc32cJs(data, seed) : crcWasm(a, 'crc32c', data, seed);
}
