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
  /**
   * Indexes and decodes pcap records in one pass (assembly/wire/capture.ts): from offset `start` of
   * the dataLen bytes at dataPtr, at most maxRows records; index columns to idxPtr (u32 offsets,
   * u32 captured lengths, u32 original lengths, i64 nanoseconds: maxRows each), rows to outPtr as
   * decodeBatch writes them, IPv6 addresses to poolPtr. statusPtr gets [u32 stop offset, u32 why].
   * Returns the number of records.
   */
  walkPcap(
    dataPtr: number,
    dataLen: number,
    start: number,
    little: number,
    scale: number,
    maxRecord: number,
    linkType: number,
    maxRows: number,
    idxPtr: number,
    outPtr: number,
    poolPtr: number,
    flags: number,
    statusPtr: number,
    span: number,
    firstRow: number,
  ): number;
  /** IPv6 rows the last walkPcap call wrote. */
  walkIpv6Rows(): number;
  /**
   * TCP segmentation (assembly/wire/segment.ts): cuts src into segments, writes one frame each from
   * the header template at tplPtr to outPtr (at most outLen bytes) and their offsets to the u32
   * table at offsetsPtr (count + 1 entries, at most offsetsLen); parameters are the u32 table at
   * paramsPtr (src/kernels/segment.ts SEGMENT_PARAM). Returns the number of frames.
   */
  segmentFrames(
    tplPtr: number,
    tplLen: number,
    srcPtr: number,
    srcLen: number,
    outPtr: number,
    outLen: number,
    offsetsPtr: number,
    offsetsLen: number,
    paramsPtr: number,
  ): number;
  /**
   * TCP reassembly (assembly/reassembly/assembler.ts): places `len` bytes at `src` at window offset
   * `rel` of the direction whose state block is at `state`; returns the new bytes or -1 (no room).
   */
  reasmInsert(state: number, rel: number, src: number, len: number, policy: number): number;
  /** Moves a direction's window head `n` bytes on; returns the whole blocks it slid. */
  reasmAdvance(state: number, n: number): number;
  /**
   * Plans a run of one flow's rows of a resident table (assembly/reassembly/plan.ts): parameters
   * are the u32 table at `params` (src/kernels/tcp-plan.ts PLAN_COLUMNS, then offsets and the
   * rest), the plan goes to `out`. Returns the rows committed.
   */
  reasmPlan(params: number, out: number): number;
  /**
   * WebSocket masking (assembly/app/websocket.ts): XORs `len` bytes at `src` into `dst` (the same
   * address for in place) with the key whose bytes, in memory order, are the little-endian u32
   * `key`, starting at key byte `phase`.
   */
  wsMask(src: number, dst: number, len: number, key: number, phase: number): void;
  /**
   * Protobuf varints (assembly/app/varint.ts): decodes those in [ptr, ptr + len) to `out` (u64 or
   * u32 by `mode`), at most `max`; the two u32 at statusPtr get where it stopped and why. Returns
   * the count.
   */
  varintDecode(ptr: number, len: number, out: number, max: number, mode: number, statusPtr: number): number;
}
