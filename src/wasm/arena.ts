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
 *   [scratchPtr, + scratchSize)      batch kernels' inputs and outputs, above the largest user region
 *                                    handed out so far (see `scratch`)
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
  /** The largest size `userView` has handed out: the user region's high-water mark. */
  userHigh = 0;
  /** The scratch region (0 until first asked for); its contents live for one kernel call. */
  scratchPtr = 0;
  scratchSize = 0;

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
    if (size > this.userHigh) {
      // The user region grows into the batch scratch: move the scratch above it in the same growth,
      // so the next batch call need not grow memory (which would detach the view returned here).
      const floor = alignUp(this.userPtr + size, 64);
      const moveScratch = this.scratchSize > 0 && this.scratchPtr < floor;
      this.reserve(moveScratch ? floor + this.scratchSize : this.userPtr + size);
      if (moveScratch) this.scratchPtr = floor;
      this.userHigh = size;
    } else {
      this.reserve(this.userPtr + size);
    }
    return new Uint8Array(this.buffer, this.userPtr, size);
  }

  /**
   * The address of a region of at least `size` bytes for one batch kernel call's inputs and outputs.
   * It sits above every byte allocBuffer has handed out, so views of the user region can be kernel
   * inputs while the region holds the outputs. It is reused by every call, grows to the largest size
   * asked for (never per call, never shrinking), and moves up when allocBuffer grows into it; its
   * contents do not survive that, or the next call. Growing memory detaches earlier views of it
   * (allocBuffer's included): take what you need from them (addresses) before calling this.
   */
  scratch(size: number): number {
    const floor = alignUp(this.userPtr + this.userHigh, 64);
    if (this.scratchPtr < floor) {
      this.scratchPtr = floor;
      this.scratchSize = 0;
    }
    if (size > this.scratchSize) {
      // Round up to whole pages: a batch a little larger than the last should not grow memory again.
      const want = alignUp(size, PAGE);
      this.reserve(this.scratchPtr + want);
      this.scratchSize = want;
    }
    return this.scratchPtr;
  }

  /** True when [ptr, ptr + len) lies in the user region: safe to read in place while scratch is written. */
  inUserRegion(ptr: number, len: number): boolean {
    return ptr >= this.userPtr && ptr + len <= this.userPtr + this.userHigh;
  }

  /** True when `data` is a view of this module's memory, so kernels can read it where it is. */
  owns(data: Uint8Array): boolean {
    return data.buffer === this.buffer;
  }
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
