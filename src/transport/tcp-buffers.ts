// Memory for TCP reassembly: where out-of-order bytes wait, and the kernels that place them.
//
// With WebAssembly the blocks live in the arena's fixed reassembly region (src/wasm/arena.ts), so
// the kernel works on them in place and reassembly never grows memory; with the JS twins they live
// in one ArrayBuffer of the same size, made on first need. Either way the region is cut into 4 KiB
// blocks handed out by a free-list allocator: a direction with data out of order takes one block for
// its state (holes, block table) and one per 4 KiB of window its segments touch, and gives them all
// back once the bytes before them arrive. A capture without reordering never touches the region.
import { WireError } from '../errors.js';
import { REASM_BLOCK, REASM_BLOCK_SHIFT, REASM_TABLE, reasmAdvanceJs, reasmInsertJs, type ReasmHeap } from '../kernels/tcp-reassembly.js';
import { BatchLayer } from '../batch.js';
import { PLAN_COLUMNS, PLAN_PARAMS, PLAN_RECORD, planCapacity, planRun, type PlanInput, type RunPlan } from '../kernels/tcp-plan.js';
import { REASSEMBLY_REGION_SIZE, WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { trapToWireError } from '../wasm/trap.js';

/** Blocks of the region, and the allocator over them. One per memory, shared by every reassembler using it. */
class BlockPool {
  readonly base: number;
  readonly count: number;
  /** Blocks never handed out start at `fresh`; given-back ones are stacked in `free`. */
  #fresh = 0;
  readonly #free: Int32Array;
  #top = 0;
  inUse = 0;

  constructor(base: number, size: number) {
    this.base = base;
    this.count = Math.floor(size / REASM_BLOCK);
    this.#free = new Int32Array(this.count);
  }

  /** A block's address, or 0 when every block is in use. */
  alloc(): number {
    let index: number;
    if (this.#top > 0) index = this.#free[--this.#top]!;
    else if (this.#fresh < this.count) index = this.#fresh++;
    else return 0;
    this.inUse++;
    return this.base + index * REASM_BLOCK;
  }

  free(ptr: number): void {
    this.#free[this.#top++] = (ptr - this.base) / REASM_BLOCK;
    this.inUse--;
  }
}

/**
 * The memory and kernels one reassembler works with: `heap` views the bytes (refreshed when
 * WebAssembly memory grows), `io` is where segment bytes not already in that memory are copied
 * before a kernel reads them.
 */
export interface ReassemblyMemory {
  readonly backend: 'wasm' | 'js';
  readonly pool: BlockPool;
  /** Current views of the memory (call again after anything that may grow WebAssembly memory). */
  heap(): ReasmHeap;
  /**
   * Places `bytes` at window offset `rel` of the direction whose state block is `state`: the
   * kernel's `reasmInsert`, with the bytes copied in first unless they already live in this memory.
   */
  insert(state: number, rel: number, bytes: Uint8Array, policy: number): number;
  advance(state: number, n: number): number;
  /**
   * Plans rows [from, to) of a decoded table for one flow and direction into `plan` (planRun's
   * parameters): the kernel's `reasmPlan` when the table's columns live in this memory (a resident
   * table), the twin otherwise.
   */
  plan(t: PlanInput, offsets: Uint32Array, size: number, from: number, to: number, src: number, dst: number, ports: number, next: number, limit: number, avail: number, defragment: boolean, plan: RunPlan): void;
}

/**
 * Copies bytes into the blocks of a range the state block lists: a direction that kept views of its
 * segments (zeroCopy) turning them into copies before a segment overlaps them.
 */
export function writeHeld(heap: ReasmHeap, state: number, rel: number, bytes: Uint8Array): void {
  const n = bytes.length;
  for (let at = 0; at < n; ) {
    const pos = rel + at;
    const block = heap.u32[(state + REASM_TABLE + (pos >>> REASM_BLOCK_SHIFT) * 4) >>> 2]!;
    const off = pos & (REASM_BLOCK - 1);
    const k = Math.min(REASM_BLOCK - off, n - at);
    heap.u8.set(bytes.subarray(at, at + k), block + off);
    at += k;
  }
}

/** The WebAssembly memory's blocks and kernels. */
class WasmMemory implements ReassemblyMemory {
  readonly backend = 'wasm' as const;
  readonly pool: BlockPool;
  readonly #arena: Arena;
  #views: ReasmHeap | undefined;
  #buffer: ArrayBuffer | undefined;

  constructor(arena: Arena) {
    this.#arena = arena;
    this.pool = new BlockPool(arena.reassemblyPtr, REASSEMBLY_REGION_SIZE);
  }

  heap(): ReasmHeap {
    const buffer = this.#arena.buffer;
    if (this.#buffer !== buffer) {
      this.#buffer = buffer;
      this.#views = { u8: this.#arena.heap, u32: new Uint32Array(buffer) };
    }
    return this.#views!;
  }

  insert(state: number, rel: number, bytes: Uint8Array, policy: number): number {
    const a = this.#arena;
    const e = a.exports;
    try {
      // `buffer` is a slow getter (a runtime call in V8): read it only for views that could be ours.
      if (a.inUserRegion(bytes.byteOffset, bytes.length) && a.owns(bytes)) {
        return e.reasmInsert(state, rel, bytes.byteOffset, bytes.length, policy);
      }
      if (bytes.length <= WINDOW_SIZE) {
        this.heap().u8.set(bytes, a.windowPtr);
        return e.reasmInsert(state, rel, a.windowPtr, bytes.length, policy);
      }
      // Through the I/O window a window at a time; each piece is a segment of its own to the
      // kernel, which is what it is byte for byte (a piece boundary only splits a range in two).
      let total = 0;
      for (let at = 0; at < bytes.length; at += WINDOW_SIZE) {
        const piece = bytes.subarray(at, at + WINDOW_SIZE);
        this.heap().u8.set(piece, a.windowPtr);
        const r = e.reasmInsert(state, rel + at, a.windowPtr, piece.length, policy);
        if (r < 0) return at === 0 ? -1 : total;
        total += r;
      }
      return total;
    } catch (cause) {
      throw trapToWireError('reasmInsert', cause);
    }
  }

  advance(state: number, n: number): number {
    try {
      return this.#arena.exports.reasmAdvance(state, n);
    } catch (cause) {
      throw trapToWireError('reasmAdvance', cause);
    }
  }

  /** The last table whose columns were found in this memory, their addresses, and the buffer they were found in. */
  #table: PlanInput | undefined;
  #columns: number[] = [];
  #tableBuffer: ArrayBuffer | undefined;

  plan(t: PlanInput, offsets: Uint32Array, size: number, from: number, to: number, src: number, dst: number, ports: number, next: number, limit: number, avail: number, defragment: boolean, plan: RunPlan): void {
    const a = this.#arena;
    if (this.#table !== t || this.#tableBuffer !== a.buffer) {
      // Column addresses once per table (`buffer` is a slow getter); none when one lives elsewhere.
      this.#table = t;
      this.#tableBuffer = a.buffer;
      this.#columns = PLAN_COLUMNS.map((name) => (t[name].buffer === a.buffer ? t[name].byteOffset : -1));
    }
    const columns = this.#columns;
    if (columns.includes(-1) || size > 0xffffffff) {
      planRun(t, offsets, size, from, to, src, dst, ports, next, limit, avail, defragment, plan);
      return;
    }
    // In scratch: the parameters, the rows' record offsets, then the kernel's output.
    const cap = Math.min(to - from, planCapacity(a.scratchSize - (PLAN_PARAMS + 1) * 4));
    const paramsPtr = a.scratchPtr;
    const offsetsPtr = paramsPtr + (PLAN_PARAMS + 1) * 4;
    const outPtr = offsetsPtr + cap * 4;
    const heap = this.heap();
    const u32 = heap.u32;
    u32.set(offsets.subarray(from, from + cap), offsetsPtr >>> 2);
    const p = paramsPtr >>> 2;
    for (let i = 0; i < columns.length; i++) u32[p + i] = columns[i]!;
    // Row k's offset is at offsetsPtr + (k - from) * 4 (the address wraps as a u32 would).
    u32[p + 14] = (offsetsPtr - from * 4) >>> 0;
    u32[p + 15] = size;
    u32[p + 16] = from;
    u32[p + 17] = from + cap;
    u32[p + 18] = src;
    u32[p + 19] = dst;
    u32[p + 20] = ports;
    u32[p + 21] = next >>> 0;
    u32[p + 22] = limit;
    u32[p + 23] = Math.max(0, avail);
    u32[p + 24] = defragment ? BatchLayer.FRAGMENT : 0;
    u32[p + 25] = cap;
    let rows: number;
    try {
      rows = a.exports.reasmPlan(paramsPtr, outPtr) >>> 0;
    } catch (cause) {
      throw trapToWireError('reasmPlan', cause);
    }
    // Copied out: a handler the replay calls may run other kernels over scratch.
    const out = outPtr >>> 2;
    plan.rows = rows;
    plan.stop = u32[out + 1]!;
    plan.peak = u32[out + 2]!;
    plan.ensure(cap);
    const i32 = new Int32Array(heap.u32.buffer);
    plan.record.set(i32.subarray(out + 3, out + 3 + rows * PLAN_RECORD));
    plan.order.set(i32.subarray(out + 3 + cap * PLAN_RECORD, out + 3 + cap * PLAN_RECORD + rows));
  }
}

/** The JS twins over an ArrayBuffer laid out like the WebAssembly region: an I/O window, then blocks. */
class JsMemory implements ReassemblyMemory {
  readonly backend = 'js' as const;
  readonly pool: BlockPool;
  readonly #views: ReasmHeap;

  constructor() {
    // Block 0 holds the I/O window, so no block or state is at address 0 (0 means "none").
    const buffer = new ArrayBuffer(WINDOW_SIZE + REASSEMBLY_REGION_SIZE);
    this.#views = { u8: new Uint8Array(buffer), u32: new Uint32Array(buffer) };
    this.pool = new BlockPool(WINDOW_SIZE, REASSEMBLY_REGION_SIZE);
  }

  heap(): ReasmHeap {
    return this.#views;
  }

  insert(state: number, rel: number, bytes: Uint8Array, policy: number): number {
    if (bytes.length <= WINDOW_SIZE) {
      this.#views.u8.set(bytes, 0);
      return reasmInsertJs(this.#views, state, rel, 0, bytes.length, policy);
    }
    let total = 0;
    for (let at = 0; at < bytes.length; at += WINDOW_SIZE) {
      const piece = bytes.subarray(at, at + WINDOW_SIZE);
      this.#views.u8.set(piece, 0);
      const r = reasmInsertJs(this.#views, state, rel + at, 0, piece.length, policy);
      if (r < 0) return at === 0 ? -1 : total;
      total += r;
    }
    return total;
  }

  advance(state: number, n: number): number {
    return reasmAdvanceJs(this.#views, state, n);
  }

  plan(t: PlanInput, offsets: Uint32Array, size: number, from: number, to: number, src: number, dst: number, ports: number, next: number, limit: number, avail: number, defragment: boolean, plan: RunPlan): void {
    planRun(t, offsets, size, from, to, src, dst, ports, next, limit, avail, defragment, plan);
  }
}

const wasmMemories = new WeakMap<Arena, WasmMemory>();
let jsMemory: JsMemory | undefined;

/** The reassembly memory of a WebAssembly arena, or of the JS twins when `arena` is null. */
export function reassemblyMemory(arena: Arena | null): ReassemblyMemory {
  if (arena === null) return (jsMemory ??= new JsMemory());
  let m = wasmMemories.get(arena);
  if (m === undefined) {
    if (!(arena.reassemblyPtr > 0)) throw new WireError('internal', 'the WebAssembly arena has no reassembly region', { layer: 'tcp' });
    m = new WasmMemory(arena);
    wasmMemories.set(arena, m);
  }
  return m;
}

export type { BlockPool };
