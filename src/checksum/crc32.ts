import { crc32cJs, crc32Js } from '../kernels/crc32.js';
import { WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { isAuto, wasmArena } from '../wasm/backend.js';
import { nativeCrc32 } from '../wasm/native.js';
import { trapToWireError } from '../wasm/trap.js';

/**
 * Under `auto`, inputs shorter than this that would have to be copied into WASM memory go to the
 * JS twin: for them the copy and the call cost more than the work (measured by `npm run bench`).
 */
export const CRC_JS_BELOW = 64;
/** Under `auto`, Node's zlib.crc32 (native, PCLMUL-accelerated) wins from about this size up. */
export const CRC_NATIVE_FROM = 1024;

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
  const a = wasmArena();
  if (a === null) return crc32Js(data, seed);
  if (isAuto() && !a.owns(data)) {
    if (nativeCrc32 !== null && data.length >= CRC_NATIVE_FROM) return nativeCrc32(data, seed);
    if (data.length < CRC_JS_BELOW) return crc32Js(data, seed);
  }
  return crcWasm(a, 'crc32', data, seed);
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
  const a = wasmArena();
  if (a === null || (isAuto() && data.length < CRC_JS_BELOW && !a.owns(data))) return crc32cJs(data, seed);
  return crcWasm(a, 'crc32c', data, seed);
}
