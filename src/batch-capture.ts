// A capture indexed and decoded in batches: indexCapture and decodeBatch fused, so a pcap file in
// WebAssembly memory is walked record by record and each packet decoded as its record is reached,
// in one kernel call per sub-batch (assembly/wire/capture.ts). Two passes over a capture larger
// than the caches wait on memory twice; one pass waits once, and the kernel walks several chains
// of records at a time so that those waits overlap.
import { WireError } from './errors.js';
import {
  BATCH_RESIDENT_ROWS,
  decodeAloneJs,
  decodeBatch,
  finishSink,
  heapViews,
  newSink,
  rowsOut,
  scratchPlan,
  walkSpan,
  type PacketTable,
  type ResidentSlot,
} from './batch.js';
import { VERIFY_L4 } from './kernels/batch.js';
import { indexCapture, type CaptureIndex, type IndexOptions } from './capture/index-capture.js';
import { fileError, truncatedAt } from './capture/errors.js';
import { PCAP_RECORD_HEADER_LENGTH, PcapParser } from './capture/pcap-parser.js';
import { CaptureReader } from './capture/reader.js';
import { detectFormat, isStandardPcap } from './capture/unit-parser.js';
import type { Arena } from './wasm/arena.js';
import { wasmArena } from './wasm/backend.js';
import { trapToWireError } from './wasm/trap.js';

export interface CaptureBatchOptions extends IndexOptions {
  /**
   * Records per batch (default 8,192: two kernel calls per batch, and a table small enough to stay
   * in the cache while the next batch is decoded; larger batches measured 5-10% slower).
   */
  batchSize?: number;
  /** Verify TCP/UDP/ICMP checksums, as decodeBatch's `checksums` (default false). */
  checksums?: boolean;
  /**
   * Reuse one batch's memory for the next (default false): each yielded index and table is then
   * valid until the iteration goes on. Fresh memory costs page faults on first touch.
   */
  reuse?: boolean;
}

/** One batch of a capture: records `first` to `first + index.count - 1`. */
export interface CaptureBatch {
  /** The batch's records: offsets are positions in the whole capture. */
  index: CaptureIndex;
  /** decodeBatch's table of the same records. */
  table: PacketTable;
  /** Number of the batch's first record in the capture (0-based). */
  first: number;
}

const DEFAULT_BATCH = 8192;

/**
 * Bytes of a capture outside WebAssembly memory copied in per walk call: a span the core's cache
 * still holds when the walk reads it, and no more than a call's rows need (a 3 MiB span of 66-byte
 * frames is 5x what the 8,192 rows of a call then read). In-process A/B against the whole scratch (about 3 MiB), per
 * record: 1514-byte frames 357 -> 332 ns, 66-byte frames 136 -> 105 ns.
 */
const WALK_COPY_SPAN = 512 * 1024;

// walkPcap's stop reasons (assembly/wire/capture.ts)
const WALK_SHORT_HEADER = 1;
const WALK_SHORT_RECORD = 2;
const WALK_TOO_LONG = 3;

/**
 * Indexes and decodes an in-memory pcap or pcapng capture, a batch of records at a time: each
 * batch is what `indexCapture` gives for those records and the table `decodeBatch` makes of them.
 * With WebAssembly, a pcap file is walked and decoded in one pass by one kernel; placed in WASM
 * memory first (`allocBuffer`, then read the file into it), it is read where it lies, with no
 * copy. pcapng files, and the `js` backend, take indexCapture + decodeBatch (same batches).
 *
 * At damage (a record cut short, a length no record may have), the batches before it are
 * yielded, then the WireError indexCapture would throw is thrown; with `partial: true` the last
 * batch carries it as `index.error` instead.
 *
 * @example
 * const bytes = allocBuffer(size);          // WASM memory: no copy into it later
 * fs.readSync(fd, bytes);
 * for (const { index, table, first } of decodeCaptureBatches(bytes, { reuse: true })) {
 *   for (let i = 0; i < table.count; i++) if (table.dstPort[i] === 443) hits.push(first + i);
 * }
 */
export function* decodeCaptureBatches(bytes: Uint8Array, options: CaptureBatchOptions = {}): Generator<CaptureBatch> {
  yield* captureBatches(bytes, options, false);
}

/** True while a captureBatchesResident walk holds the internal resident region. */
let internalBusy = false;

/**
 * decodeCaptureBatches with `reuse` for the library's own consumers that are done with a batch
 * before they ask for the next (reassembleTcp): a pcap walk's batches of up to 4096 records are
 * resident tables in the arena's internal region, so no table memory is allocated and no column
 * copied out of WASM memory. A walk started while another holds the region (a callback that
 * reassembles too) gets ordinary tables. Close the generator (`return()`) when stopping early.
 */
export function* captureBatchesResident(bytes: Uint8Array, options: CaptureBatchOptions = {}): Generator<CaptureBatch> {
  yield* captureBatches(bytes, { ...options, reuse: true }, true);
}

function* captureBatches(bytes: Uint8Array, options: CaptureBatchOptions, resident: boolean): Generator<CaptureBatch> {
  const size = batchSizeOf(options);
  const a = wasmArena();
  const pcap = bytes.length >= 4 && isPcap(bytes, options.pcapVariant);
  if (a === null || !pcap || (resident && internalBusy)) {
    yield* viaIndex(bytes, options, size);
    return;
  }
  if (!resident) {
    yield* walkWasm(a, bytes, options, size, null);
    return;
  }
  internalBusy = true;
  try {
    yield* walkWasm(a, bytes, options, Math.min(size, BATCH_RESIDENT_ROWS), { arena: a, ptr: a.internalTablePtr });
  } finally {
    internalBusy = false;
  }
}

/** Records per batch: `batchSize` checked, or the default. */
export function batchSizeOf(options: CaptureBatchOptions): number {
  const size = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(size) || size < 1) throw new WireError('bad-value', `batchSize must be a positive integer, not ${size}`, { layer: 'capture' });
  return size;
}

function isPcap(bytes: Uint8Array, variant: IndexOptions['pcapVariant']): boolean {
  try {
    // The walk knows the standard record header only: the old variants with longer ones (told from
    // the first records, or given) go by the index.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return detectFormat(view, 0) === 'pcap' && (variant === undefined ? isStandardPcap(view, 0) : variant === 'pcap');
  } catch {
    return false;
  }
}

/**
 * Whether a batch of `rows` records starting at record `first` goes out: when it holds records;
 * as the one empty batch of a capture with none; or, with `partial`, empty to carry damage found
 * right after the last full batch. Without `partial`, damage is thrown after the batches.
 */
function batchDue(rows: number, first: number, damage: WireError | undefined, partial: boolean): boolean {
  if (rows > 0) return true;
  if (damage !== undefined) return partial;
  return first === 0;
}

/** The twin: the whole index, then decodeBatch per batch. */
function* viaIndex(bytes: Uint8Array, options: CaptureBatchOptions, size: number): Generator<CaptureBatch> {
  // Batches before the damage still go out, as the walk delivers them.
  const index = indexCapture(bytes, { ...options, partial: true });
  const error = index.error;
  delete index.error;
  const partial = options.partial ?? false;
  let table: PacketTable | undefined;
  const flags = { checksums: options.checksums ?? false };
  // The walk's batches (see batchDue): full ones, then the rest.
  const count = index.count;
  for (let first = 0; ; first += size) {
    const end = Math.min(count, first + size);
    const full = end - first === size;
    // The walk finds damage only after the batch it ends: a full batch never carries it.
    const carries = end === count && !full ? error : undefined;
    if (!batchDue(end - first, first, carries, partial)) break;
    const part = sliceIndex(index, first, end);
    if (carries !== undefined && partial) part.error = carries;
    table = decodeBatch(
      { data: bytes, offsets: part.offsets, lengths: part.lengths, linkTypes: part.linkTypes },
      { ...flags, reuse: options.reuse ? table : undefined },
    );
    yield { index: part, table, first };
    if (end === count && !full) break;
  }
  if (error !== undefined && !partial) throw error;
}

function sliceIndex(index: CaptureIndex, from: number, to: number): CaptureIndex {
  return {
    data: index.data,
    offsets: index.offsets.subarray(from, to),
    lengths: index.lengths.subarray(from, to),
    linkTypes: index.linkTypes.subarray(from, to),
    timestamps: index.timestamps.subarray(from, to),
    originalLengths: index.originalLengths.subarray(from, to),
    interfaceIds: index.interfaceIds.subarray(from, to),
    count: to - from,
    format: index.format,
  };
}

/** Index columns for `capacity` records, in one buffer a reused batch hands on. */
class IndexColumns {
  readonly capacity: number;
  readonly timestamps: BigInt64Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly originalLengths: Uint32Array;
  readonly linkTypes: Uint16Array;
  readonly interfaceIds: Uint32Array;
  constructor(capacity: number, linkType: number) {
    this.capacity = capacity;
    // One ArrayBuffer for all six (each allocation costs V8 about a microsecond).
    const buffer = new ArrayBuffer(capacity * 26);
    this.timestamps = new BigInt64Array(buffer, 0, capacity);
    this.offsets = new Uint32Array(buffer, capacity * 8, capacity);
    this.lengths = new Uint32Array(buffer, capacity * 12, capacity);
    this.originalLengths = new Uint32Array(buffer, capacity * 16, capacity);
    // pcap has one interface: every id is 0.
    this.interfaceIds = new Uint32Array(buffer, capacity * 20, capacity);
    this.linkTypes = new Uint16Array(buffer, capacity * 24, capacity).fill(linkType);
  }

  index(data: Uint8Array, count: number): CaptureIndex {
    return {
      data,
      offsets: this.offsets.subarray(0, count),
      lengths: this.lengths.subarray(0, count),
      linkTypes: this.linkTypes.subarray(0, count),
      timestamps: this.timestamps.subarray(0, count),
      originalLengths: this.originalLengths.subarray(0, count),
      interfaceIds: this.interfaceIds.subarray(0, count),
      count,
      format: 'pcap',
    };
  }
}

function* walkWasm(a: Arena, bytes: Uint8Array, options: CaptureBatchOptions, size: number, slot: ResidentSlot | null): Generator<CaptureBatch> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new CaptureReader(options);
  const parser = new PcapParser(reader);
  const end = bytes.length;
  if (end > 0xffffffff) throw fileError('capture', 'limit-exceeded', `an index holds offsets below 4 GiB; this capture is ${end} bytes: use readCapture`, 0);
  try {
    if (end < parser.headerLength()) throw truncatedAt('pcap', 'file header', 0, parser.headerLength(), end);
    parser.decode(bytes, view, 0, parser.headerLength(), 0);
  } catch (e) {
    if (!(e instanceof WireError) || !options.partial) throw e;
    const index = new IndexColumns(0, 0).index(bytes, 0);
    index.error = e;
    yield { index, table: decodeBatch([]), first: 0 };
    return;
  }
  const little = reader.byteOrder === 'little' ? 1 : 0;
  const scale = reader.precision === 'nano' ? 1 : 1000;
  const linkType = reader.interfaces[0]!.linkType;
  const maxRecord = Math.min(reader.maxRecordLength, 0xffffffff);
  const flags = options.checksums ? VERIFY_L4 : 0;

  const p = scratchPlan(a);
  const inPlace = a.owns(bytes) && a.inUserRegion(bytes.byteOffset, end);
  const rowsPerCall = p.rows;
  const span = walkSpan();
  const idx = p.index;
  const status = p.status;
  // A span of the file is copied into the input part when the file is not in WASM memory.
  const spanPtr = p.input;
  const spanRoom = p.inputSize;

  let columns: IndexColumns | undefined;
  let table: PacketTable | undefined;
  let at = 24;
  let first = 0;
  let damage: WireError | undefined;
  while (damage === undefined && (at < end || first === 0)) {
    // No more rows than records can be left (each takes 16 bytes at least): a small file gets small
    // columns (a batch's worth cost ~200 us a call to allocate, for a file of 33 records).
    const capacity = Math.min(size, Math.max(1, Math.floor((end - at) / 16)));
    if (columns === undefined || !options.reuse || columns.capacity < capacity) columns = new IndexColumns(capacity, linkType);
    const sink = newSink(capacity, options.reuse ? table : undefined, slot);
    let rows = 0;
    // Asked for up to `size` rows (so damage after the last record is found in this batch, as the
    // index finds it); no more than `capacity` can come.
    while (rows < size && at < end) {
      const want = Math.min(rowsPerCall, size - rows);
      // Where the kernel reads: the capture in place, or a span of it copied into scratch.
      let dataPtr = bytes.byteOffset;
      let dataLen = end;
      let start = at;
      let base = 0;
      if (!inPlace) {
        dataLen = Math.min(spanRoom, WALK_COPY_SPAN, end - at);
        a.heap.set(bytes.subarray(at, at + dataLen), spanPtr);
        dataPtr = spanPtr;
        start = 0;
        base = at;
      }
      let got: number;
      // A resident table's rows are written where they stay, each call's after the last's; an
      // ordinary table's go through scratch and are copied out.
      const out = sink.resident !== null ? sink.resident.ptr : p.out;
      try {
        got = a.exports.walkPcap(dataPtr, dataLen, start, little, scale, maxRecord, linkType, want, idx, out, p.pool, flags, status, span, out === p.out ? 0 : rows) >>> 0;
      } catch (cause) {
        throw trapToWireError('walkPcap', cause);
      }
      const h = heapViews(a);
      const stopAt = h.u32[status >>> 2]! + base;
      const why = h.u32[(status >>> 2) + 1]!;
      if (got > 0) {
        columns.timestamps.set(new BigInt64Array(h.buffer, idx, got), rows);
        const offsets = new Uint32Array(h.buffer, idx + want * 8, got);
        if (base === 0) columns.offsets.set(offsets, rows);
        else for (let i = 0; i < got; i++) columns.offsets[rows + i] = offsets[i]! + base;
        columns.lengths.set(new Uint32Array(h.buffer, idx + want * 12, got), rows);
        columns.originalLengths.set(new Uint32Array(h.buffer, idx + want * 16, got), rows);
        rowsOut(p, h, sink, rows, got, a.exports.walkIpv6Rows() >>> 0, out);
        rows += got;
      }
      at = stopAt;
      if (why === 0 || why === WALK_TOO_LONG) {
        if (why === WALK_TOO_LONG) damage = walkDamage(why, parser, bytes, view, at, end);
        if (damage !== undefined) break;
        continue;
      }
      // A record header or body past the data: damage when the data was the rest of the file; the
      // end of a copied span otherwise, where the next span goes on.
      if (base + dataLen >= end) {
        damage = walkDamage(why, parser, bytes, view, at, end);
        break;
      }
      if (got > 0) continue;
      // Not even one record fits a span (a record of megabytes): indexed and decoded here.
      const length = parser.unitLength(bytes, view, at, at);
      if (end - at < length) {
        damage = truncatedAt('pcap', 'record', at, length, end - at);
        break;
      }
      oneRecord(bytes, view, at, columns, sink, rows, linkType, flags, little === 1, scale);
      at += length;
      rows++;
    }
    if (!batchDue(rows, first, damage, options.partial ?? false)) break;
    table = finishSink(sink, rows);
    const index = columns.index(bytes, rows);
    if (damage !== undefined && options.partial) index.error = damage;
    yield { index, table, first };
    first += rows;
    if (rows === 0) break;
  }
  if (damage !== undefined && !options.partial) throw damage;
}

/** The WireError indexCapture gives for the damage the walk stopped at. */
function walkDamage(why: number, parser: PcapParser, bytes: Uint8Array, view: DataView, at: number, end: number): WireError {
  if (why === WALK_SHORT_HEADER) return truncatedAt('pcap', 'record', at, PCAP_RECORD_HEADER_LENGTH, end - at);
  if (why === WALK_TOO_LONG) {
    try {
      parser.unitLength(bytes, view, at, at);
    } catch (e) {
      if (e instanceof WireError) return e;
      throw e;
    }
  }
  const length = parser.unitLength(bytes, view, at, at);
  if (why === WALK_SHORT_RECORD) return truncatedAt('pcap', 'record', at, length, end - at);
  return new WireError('internal', `capture walk stopped at offset ${at} for reason ${why}`, { layer: 'capture', offset: at });
}

/** A record too large for the scratch span (megabytes): indexed here and decoded by the JS twin. */
function oneRecord(
  bytes: Uint8Array, view: DataView, at: number, columns: IndexColumns,
  sink: ReturnType<typeof newSink>, row: number, linkType: number, flags: number, little: boolean, scale: number,
): void {
  const cap = view.getUint32(at + 8, little);
  const seconds = view.getUint32(at, little);
  const fraction = view.getUint32(at + 4, little);
  columns.timestamps[row] = BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * BigInt(scale);
  columns.offsets[row] = at + PCAP_RECORD_HEADER_LENGTH;
  columns.lengths[row] = cap;
  columns.originalLengths[row] = view.getUint32(at + 12, little);
  const from = at + PCAP_RECORD_HEADER_LENGTH;
  decodeAloneJs(sink, row, bytes.subarray(from, from + cap), linkType, flags);
}
