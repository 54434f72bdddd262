import { WireError } from '../errors.js';
import type { WasmExports } from './exports.js';

/**
 * Size of the I/O window. Inputs that do not already live in WASM memory are copied here; larger
 * ones stream through it a window at a time, so memory never grows for them. 64 KiB keeps a
 * window's worth of input in L2 while it is checksummed right after the copy, and makes every
 * chunk even-sized, which the Internet checksum needs to chain chunks without byte swaps.
 */
export const WINDOW_SIZE = 64 * 1024;

const PAGE = 64 * 1024;

/**
 * One instantiated module and the layout of its memory:
 *
 *   [0, heapBase)                    the module's static data (CRC tables)
 *   [windowPtr, windowPtr + WINDOW)  the I/O window
 *   [userPtr, userPtr + userSize)    the region `allocBuffer` hands out; it grows, never shrinks
 */
export class Arena {
  exports: WasmExports;
  readonly simd: boolean;
  readonly memory: WebAssembly.Memory;
  readonly windowPtr: number;
  readonly userPtr: number;
  /** A view of all of memory; replaced whenever memory grows (growing detaches the old buffer). */
  heap: Uint8Array;
  /** memory.buffer as of the last refresh: compared by identity to spot inputs already inside. */
  buffer: ArrayBuffer;

  constructor(exports: WasmExports, simd: boolean) {
    this.exports = exports;
    this.simd = simd;
    this.memory = exports.memory;
    this.windowPtr = alignUp(exports.heapBase(), 64);
    this.userPtr = this.windowPtr + WINDOW_SIZE;
    this.buffer = this.memory.buffer;
    this.heap = new Uint8Array(this.buffer);
    this.reserve(this.userPtr);
  }

  /** Makes sure memory holds at least `end` bytes. */
  reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (cause) {
      throw new WireError('limit-exceeded', `cannot grow WebAssembly memory to ${end} bytes`, {
        layer: 'wasm',
        required: end,
        available: have,
        cause,
      });
    }
    this.buffer = this.memory.buffer;
    this.heap = new Uint8Array(this.buffer);
  }

  /** A view of `size` bytes of the user region, growing memory first if needed. */
  userView(size: number): Uint8Array {
    this.reserve(this.userPtr + size);
    return new Uint8Array(this.buffer, this.userPtr, size);
  }

  /** True when `data` is a view of this module's memory, so kernels can read it where it is. */
  owns(data: Uint8Array): boolean {
    return data.buffer === this.buffer;
  }
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
