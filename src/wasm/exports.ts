/**
 * The raw exports of wirekit.wasm (assembly/index.ts). Every function takes and returns plain
 * numbers: pointers and lengths into `memory`, u32 results as signed i32 (`>>> 0` them).
 */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  crc32(ptr: number, len: number, seed: number): number;
  crc32c(ptr: number, len: number, seed: number): number;
  inetSum(ptr: number, len: number): number;
}
