// WebSocket masking (RFC 6455 section 5.3) behind the backend switch: the WASM kernel
// (assembly/app/websocket.ts) for inputs past a crossover, its twin (src/kernels/websocket-mask.ts)
// below it and where WebAssembly cannot run. Masking and unmasking are one operation.
import { WireError } from '../errors.js';
import { wsMaskJs } from '../kernels/websocket-mask.js';
import { WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { autoMode, wasmArena } from '../wasm/backend.js';
import { trapToWireError } from '../wasm/trap.js';

/**
 * Under `auto`, inputs shorter than this are masked in JS: below it the copy into WebAssembly
 * memory and back, and the call, cost more than the XOR (bench/websocket.mjs crossover).
 */
export const WS_MASK_JS_BELOW = 256;

/** A masking key: its four bytes, or the 32-bit number they make read big-endian (as on the wire). */
export type WebSocketMaskKey = Uint8Array | number;

function keyBytes(key: WebSocketMaskKey): Uint8Array {
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key > 0xffffffff) {
      throw new WireError('bad-value', `masking key ${key} is not a 32-bit unsigned integer`, { layer: 'websocket' });
    }
    return new Uint8Array([key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255]);
  }
  if (key.length !== 4) throw new WireError('bad-length', `masking key has ${key.length} bytes, not 4`, { layer: 'websocket', required: 4, available: key.length });
  return key;
}

function maskWasm(a: Arena, src: Uint8Array, dst: Uint8Array, key: Uint8Array, phase: number): void {
  const kernel = a.exports.wsMask;
  const word = (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  try {
    if (a.owns(src) && a.owns(dst)) {
      kernel(src.byteOffset, dst.byteOffset, src.length, word, phase);
      return;
    }
    // Through the I/O window, a window at a time (its size is a multiple of 4: the phase holds).
    const win = a.windowPtr;
    for (let off = 0; off < src.length; off += WINDOW_SIZE) {
      const n = Math.min(WINDOW_SIZE, src.length - off);
      a.heap.set(src.subarray(off, off + n), win);
      kernel(win, win, n, word, phase);
      dst.set(a.heap.subarray(win, win + n), off);
    }
  } catch (cause) {
    throw trapToWireError('wsMask', cause);
  }
}

function run(src: Uint8Array, dst: Uint8Array, key: WebSocketMaskKey, phase: number): void {
  const k = keyBytes(key);
  const p = phase & 3;
  if (autoMode && src.length < WS_MASK_JS_BELOW) return wsMaskJs(src, dst, k, p);
  const a = wasmArena();
  if (a === null) wsMaskJs(src, dst, k, p);
  else maskWasm(a, src, dst, k, p);
}

/**
 * Masks or unmasks `data` in place with a WebSocket masking key (RFC 6455 section 5.3). `phase`
 * is the key byte the first byte goes with: the payload offset modulo 4 when `data` is a later
 * piece of one payload.
 *
 * @example
 * const payload = new TextEncoder().encode('Hello');
 * websocketMask(payload, 0x37fa213d); // RFC 6455 5.7's masked "Hello": 7f 9f 4d 51 58
 */
export function websocketMask(data: Uint8Array, key: WebSocketMaskKey, phase = 0): Uint8Array {
  run(data, data, key, phase);
  return data;
}

/**
 * The masked (or unmasked) copy of `data`, into `out` when given (at least as long; the result is
 * its first `data.length` bytes) or a new array. `data` is left as it was.
 */
export function websocketMaskCopy(data: Uint8Array, key: WebSocketMaskKey, phase = 0, out?: Uint8Array): Uint8Array {
  let dst: Uint8Array;
  if (out === undefined) {
    dst = new Uint8Array(data.length);
  } else {
    if (out.length < data.length) throw new WireError('bad-length', `output holds ${out.length} bytes, the input ${data.length}`, { layer: 'websocket', required: data.length, available: out.length });
    dst = out.length === data.length ? out : out.subarray(0, data.length);
  }
  run(data, dst, key, phase);
  return dst;
}
