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
  /**
   * Decodes `count` packets (assembly/wire/batch.ts): packet i is lengths[i] bytes at
   * dataPtr + offsets[i] (u32 arrays), of link type linkTypes[i] (u16 array; linkTypesPtr 0: all
   * `linkType`); rows to outPtr in the chunked layout of assembly/wire/layout.ts, IPv6 addresses to
   * poolPtr. Returns the number of IPv6 rows.
   */
  decodeBatch(
    dataPtr: number,
    dataLen: number,
    offsetsPtr: number,
    lengthsPtr: number,
    count: number,
    linkTypesPtr: number,
    linkType: number,
    outPtr: number,
    poolPtr: number,
    flags: number,
  ): number;
}
