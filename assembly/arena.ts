// Linear-memory layout (the TS side, src/wasm/arena.ts, owns everything above __heap_base):
//
//   [0, __heap_base)          static data: CRC slicing tables, built at start-up
//   [window, window + WINDOW) the I/O window: callers' bytes are copied here when they do not
//                             already live in WASM memory; large inputs stream through it
//   [user, ...)               the region handed out by allocBuffer(); grows, never shrinks
//
// There is no allocator in the module (--runtime stub and no managed objects): kernels only read
// and write the (ptr, len) ranges they are given.

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
