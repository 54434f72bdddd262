import { WireError } from '../errors.js';
import type { WasmExports } from './exports.js';

/**
 * Size of the I/O window. Inputs that do not already live in WASM memory are copied here; larger
 * ones stream through it a window at a time, so memory never grows for them. 64 KiB keeps a
 * window's worth of input in L2 while it is checksummed right after the copy, and makes every
 * chunk even-sized, which the Internet checksum needs to chain chunks without byte swaps.
 */
export const WINDOW_SIZE = 64 * 1024;

/**
 * Size of the batch scratch region: one decodeBatch sub-batch's record table, output columns, IPv6
 * addresses and copied-in packet bytes (src/batch.ts plans it). Fixed, so decodeBatch never grows
 * memory: a batch larger than it goes through in sub-batches. 4 MiB holds 8192 rows of output
 * (1.1 MiB) and 2.9 MiB of copied-in packets: some 1,900 full-sized Ethernet frames or 8192 small
 * ones per call, enough that the call and the copy out cost well under 1% of the walk. Scratch of
 * 2 to 16 MiB with 4096 to 32768 rows per call measured alike (bench/capture.mjs workloads, within
 * the ~10% noise of a shared 2-core machine), all at or above the old grow-to-fit single call for
 * copied inputs (each sub-batch's bytes are still in cache when walked): the middle size keeps
 * MTU-sized copies in long sub-batches without reserving more than that.
 */
export const BATCH_SCRATCH_SIZE = 4 * 1024 * 1024;

/**
 * Size of the TCP reassembly region: out-of-order segment bytes waiting for the bytes before them,
 * in 4 KiB blocks (src/transport/tcp-buffers.ts hands them out). Fixed, so reassembly never grows
 * memory, and its size is the default cap on the bytes all flows may buffer together. Pages never
 * touched cost address space only: a capture with no reordering never touches it.
 */
export const REASSEMBLY_REGION_SIZE = 32 * 1024 * 1024;

/**
 * Size of a resident table region: a PacketTable that lives in WASM memory, a 4096-row output
 * chunk (src/kernels/batch.ts BATCH_CHUNK_BYTES, about 375 KiB) that the kernel writes in place, so
 * nothing is copied out. There are two: the one `decodeBatch(..., { resident: true })` fills, and
 * one for the library's own batches (reassembleTcp), so a caller's resident decode inside a
 * reassembly callback cannot overwrite the batch being reassembled.
 */
export const RESIDENT_TABLE_SIZE = 512 * 1024;

const PAGE = 64 * 1024;

/**
 * One instantiated module and the layout of its memory, fixed when it is created:
 *
 *   [0, heapBase)                        the module's static data (CRC tables)
 *   [windowPtr, windowPtr + WINDOW)      the I/O window
 *   [scratchPtr, scratchPtr + SCRATCH)   batch kernels' inputs and outputs, for one call at a time
 *   [reassemblyPtr, + REASSEMBLY)        TCP reassembly blocks, owned by a block allocator (TS side)
 *   [residentPtr, + RESIDENT_TABLE)      the resident PacketTable's columns (the latest resident decode)
 *   [internalTablePtr, + RESIDENT_TABLE) the library's own resident batches (reassembleTcp)
 *   [userPtr, userPtr + userHigh)        the region `allocBuffer` hands out; it grows, never shrinks
 *
 * Everything below the user region is reserved here, once, so only `allocBuffer` ever grows memory
 * (growing detaches every view of it): kernels, batch ones included, work within what exists.
 */
export class Arena {
  exports: WasmExports;
  readonly simd: boolean;
  readonly memory: WebAssembly.Memory;
  readonly windowPtr: number;
  /** The batch scratch region; its contents live for one kernel call. */
  readonly scratchPtr: number;
  readonly scratchSize: number;
  /** The TCP reassembly region (REASSEMBLY_REGION_SIZE bytes of 4 KiB blocks), between scratch and user region. */
  readonly reassemblyPtr: number;
  /** The resident table region (RESIDENT_TABLE_SIZE bytes), between reassembly and user region. */
  readonly residentPtr: number;
  /** The internal resident region (RESIDENT_TABLE_SIZE bytes), just above residentPtr's. */
  readonly internalTablePtr: number;
  readonly userPtr: number;
  /** A view of all of memory; replaced whenever memory grows (growing detaches the old buffer). */
  heap: Uint8Array;
  /** memory.buffer as of the last refresh: compared by identity to spot inputs already inside. */
  buffer: ArrayBuffer;
  /** The largest size `userView` has handed out: the user region's high-water mark. */
  userHigh = 0;

  constructor(exports: WasmExports, simd: boolean) {
    this.exports = exports;
    this.simd = simd;
    this.memory = exports.memory;
    this.windowPtr = alignUp(exports.heapBase(), 64);
    this.scratchPtr = this.windowPtr + WINDOW_SIZE;
    this.scratchSize = BATCH_SCRATCH_SIZE;
    this.reassemblyPtr = this.scratchPtr + this.scratchSize;
    this.residentPtr = this.reassemblyPtr + REASSEMBLY_REGION_SIZE;
    this.internalTablePtr = this.residentPtr + RESIDENT_TABLE_SIZE;
    this.userPtr = this.internalTablePtr + RESIDENT_TABLE_SIZE;
    this.buffer = this.memory.buffer;
    this.heap = new Uint8Array(this.buffer);
    // Untouched pages cost address space, not memory: the engine maps them zeroed on first touch.
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

  /** A view of `size` bytes of the user region, growing memory first if needed (the only growth there is). */
  userView(size: number): Uint8Array {
    this.reserve(this.userPtr + size);
    if (size > this.userHigh) this.userHigh = size;
    return new Uint8Array(this.buffer, this.userPtr, size);
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
