// The capture walker: a pcap file's records indexed and decoded in one pass, into the index columns
// below and decodeBatch's row chunks (layout.ts). Its twin is indexCapture + the batch twin
// (src/capture/index-capture.ts, src/kernels/batch.ts); src/batch-capture.ts drives both.
//
// Walking records is a chain of dependent loads (each record's length says where the next begins),
// so on a capture larger than the caches one walk waits on memory at every record. The walk
// therefore runs several chains at once: a group of CHAINS spans of `span` bytes each, every span
// but the first entered at a record boundary found by a plausibility scan, and all chains stepped
// in turn, so their misses overlap (memory-level parallelism). A guessed entry point is only
// trusted once proven: the chain before it, walked from a known boundary, must end exactly there.
// A chain that fails the proof (payload that looks like a record header) is thrown away and the
// walk goes on record by record from the last proven boundary, so a guess can cost time, never a
// wrong record. Groups give way to the plain walk near the end of the data and of the row budget,
// where records are large next to a span (the entry scans would cost more than they save), for a
// group's worth of bytes after a failed proof, and while records average more than GROUP_MAX_MEAN
// bytes: on records of ~1.5 KB a group costs more than it saves (in-process A/B per record, 18 MB
// of 1530-byte records walked in place: 247 ns with groups, 212 without).
// Measured on a 483 MB capture, walk and decode together, interleaved in one process: 9.4-9.5 M
// records/s with the plain walk alone, 10.6-10.8 M with groups of 8 chains of 128 KiB. An earlier
// walk also touched every cache line 16 KiB ahead of the plain walk; with the decode in the loop it
// cost more than it hid (in-process A/B, per record: 460 MB of 1530-byte records 177 -> 144 ns,
// 490 MB of mixed 70-1530-byte records 177 -> 156 ns), so it is gone.

import { decodeRow, resetRows, startIpv6Pool, ipv6Rows } from "./batch";
import { CHUNK, CHUNK_BYTES, U16_BASE, U8_BASE } from "./layout";

const RECORD_HEADER: u32 = 16;
/** Rows of the output made ready (zeroed) at once, ahead of the walk; divides CHUNK. */
const RESET_SLICE: u32 = 256;

// Why a walk stopped (written to statusPtr + 4; the offset it stopped at to statusPtr).
export const WALK_DONE: u32 = 0; // the end of the data, or `maxRows` records
export const WALK_SHORT_HEADER: u32 = 1; // fewer than 16 bytes left for a record header
export const WALK_SHORT_RECORD: u32 = 2; // the record's captured length runs past the data
export const WALK_TOO_LONG: u32 = 3; // captured length above maxRecord

/** Chains walked at once; the largest span a chain may cover; record offsets a chain can hold. */
const CHAINS: u32 = 8;
export const WALK_MAX_SPAN: u32 = 1 << 18;
const CHAIN_CAP: u32 = WALK_MAX_SPAN / RECORD_HEADER + 1;
/** Each chain's record offsets (relative to dataPtr), CHAIN_CAP per chain. */
const CHAIN_OFFSETS: usize = memory.data(<i32>(CHAINS * CHAIN_CAP * 4), 16);
/** Per chain: next offset, span end, records found, stop reason (CHAIN_* below). */
const CHAIN_AT: usize = memory.data(<i32>(CHAINS * 4), 16);
const CHAIN_END: usize = memory.data(<i32>(CHAINS * 4), 16);
const CHAIN_COUNT: usize = memory.data(<i32>(CHAINS * 4), 16);
const CHAIN_STOP: usize = memory.data(<i32>(CHAINS * 4), 16);
const CHAIN_WALKING: u32 = 0xff;
const CHAIN_UNUSED: u32 = 0xfe;
/** Rows a group is worth starting for (a group finds about CHAINS * span / mean record size). */
const GROUP_MIN_ROWS: u32 = 64;
/** Bytes scanned for a chain's entry point; and the fewest records a chain should find on average. */
const SCAN_LIMIT: u32 = 4096;
const RECORDS_PER_CHAIN: u32 = 16;
/** The largest mean record size (bytes) at which groups are used (see the file comment). */
const GROUP_MAX_MEAN: u64 = 1024;

/** Sink for the groups' touch of each packet's first line, so the engine cannot drop it. */
let touched: u32 = 0;

// The walk's fixed inputs, set once per call.
let gData: usize = 0;
let gLen: u32 = 0;
let gLittle: u32 = 1;
let gMaxRecord: u32 = 0;
let gFracLimit: u32 = 0;

// @ts-ignore: decorator
@inline function rd(at: u32, field: u32): u32 {
  const v = load<u32>(gData + at + field);
  return gLittle ? v : bswap<u32>(v);
}

/**
 * Whether a record header could start at `at`: a fraction below one second, lengths a record may
 * have (captured <= original), a time within about 194 days of `sec0`, and the two records after it
 * just as plausible (or the data ending with them). Only a guess: see the file comment.
 */
function plausible(at: u32, sec0: u32): bool {
  for (let hop = 0; hop < 3; hop++) {
    if (at == gLen) return true;
    if (gLen - at < RECORD_HEADER) return false;
    const frac = rd(at, 4);
    const cap = rd(at, 8);
    const orig = rd(at, 12);
    const dsec = rd(at, 0) - sec0;
    if (frac >= gFracLimit || cap > gMaxRecord || cap > orig || orig > 0x1000000) return false;
    if (dsec + (1 << 24) > (1 << 25)) return false;
    if (gLen - at - RECORD_HEADER < cap) return false;
    at += RECORD_HEADER + cap;
  }
  return true;
}

/**
 * Indexes one group of CHAINS spans from `start` (a proven boundary) into the chain arrays; returns
 * the proven prefix as the number of leading chains whose records all belong to the capture.
 * `span` * CHAINS bytes must lie within the data.
 */
function walkGroup(start: u32, span: u32): u32 {
  const sec0 = rd(start, 0);
  // Entry points: chain 0 at `start`, chain k at the first plausible boundary at or after its span.
  store<u32>(CHAIN_AT, start);
  store<u32>(CHAIN_END, start + span);
  store<u32>(CHAIN_COUNT, 0);
  store<u32>(CHAIN_STOP, CHAIN_WALKING);
  for (let k: u32 = 1; k < CHAINS; k++) {
    const from = start + k * span;
    const to = from + span;
    // A span with no plausible boundary within SCAN_LIMIT bytes (records that large) is left to
    // the chain before it: the scan costs a check per byte.
    const scanTo = to - from > SCAN_LIMIT ? from + SCAN_LIMIT : to;
    let p = from;
    while (p < scanTo && !plausible(p, sec0)) p++;
    const slot = <usize>k << 2;
    store<u32>(CHAIN_AT + slot, p);
    store<u32>(CHAIN_END + slot, to);
    store<u32>(CHAIN_COUNT + slot, 0);
    store<u32>(CHAIN_STOP + slot, p < scanTo ? CHAIN_WALKING : CHAIN_UNUSED);
  }
  // The chains stepped in turn: one record each per round, so up to CHAINS misses are in flight.
  // A chain ends at the first boundary at or past its span's end (records cross span ends).
  let live: u32 = 1;
  let sink: u32 = 0;
  while (live) {
    live = 0;
    for (let k: u32 = 0; k < CHAINS; k++) {
      const slot = <usize>k << 2;
      if (load<u32>(CHAIN_STOP + slot) != CHAIN_WALKING) continue;
      const at = load<u32>(CHAIN_AT + slot);
      if (at >= load<u32>(CHAIN_END + slot)) {
        store<u32>(CHAIN_STOP + slot, WALK_DONE);
        continue;
      }
      if (gLen - at < RECORD_HEADER) {
        store<u32>(CHAIN_STOP + slot, WALK_SHORT_HEADER);
        continue;
      }
      const cap = rd(at, 8);
      if (cap > gMaxRecord) {
        store<u32>(CHAIN_STOP + slot, WALK_TOO_LONG);
        continue;
      }
      if (gLen - at - RECORD_HEADER < cap) {
        store<u32>(CHAIN_STOP + slot, WALK_SHORT_RECORD);
        continue;
      }
      const n = load<u32>(CHAIN_COUNT + slot);
      store<u32>(CHAIN_OFFSETS + ((<usize>k * CHAIN_CAP + n) << 2), at);
      store<u32>(CHAIN_COUNT + slot, n + 1);
      // The packet's first line too (its headers): the decode that follows then finds it cached.
      // Never past the data: a capture at the very end of memory would trap.
      const line = at + RECORD_HEADER + 63;
      if (line < gLen) sink += load<u8>(gData + line);
      store<u32>(CHAIN_AT + slot, at + RECORD_HEADER + cap);
      live = 1;
    }
  }
  touched ^= sink;
  // The proof: each chain must start where the one before it ended, and have ended cleanly.
  let proven: u32 = 1;
  while (proven < CHAINS) {
    const prev = <usize>(proven - 1) << 2;
    const slot = <usize>proven << 2;
    if (load<u32>(CHAIN_STOP + prev) != WALK_DONE) break;
    if (load<u32>(CHAIN_STOP + slot) == CHAIN_UNUSED) break;
    const first = load<u32>(CHAIN_OFFSETS + (<usize>proven * CHAIN_CAP << 2));
    if (load<u32>(CHAIN_COUNT + slot) == 0 || first != load<u32>(CHAIN_AT + prev)) break;
    proven++;
  }
  return proven;
}

/**
 * Walks pcap records from `start` (an offset in [dataPtr, dataPtr + dataLen)) until the data ends,
 * `maxRows` records are done, or damage. Record i's packet offset (from dataPtr), captured length,
 * original length and time in nanoseconds go to the arrays at idxPtr (maxRows entries each: i64
 * times, then u32 offsets, captured lengths, original lengths); its decoded row to outPtr as
 * decodeBatch writes it, IPv6 addresses to poolPtr. `little`: the file's byte order; `scale`:
 * nanoseconds per fraction unit (1000 for microsecond files, 1 for nanosecond ones); `span`: bytes
 * per chain of a group (0: the plain walk only; at most WALK_MAX_SPAN); `firstRow`: the output row
 * the first record's decoded row goes to (a later call filling the same table). Returns the number
 * of records; statusPtr receives the offset where the walk stopped and why (WALK_*).
 */
export function walkPcap(
  dataPtr: usize, dataLen: u32, start: u32, little: u32, scale: u32, maxRecord: u32, linkType: u32,
  maxRows: u32, idxPtr: usize, outPtr: usize, poolPtr: usize, flags: u32, statusPtr: usize, span: u32,
  firstRow: u32,
): u32 {
  startIpv6Pool(poolPtr);
  gData = dataPtr;
  gLen = dataLen;
  gLittle = little;
  gMaxRecord = maxRecord;
  gFracLimit = scale == 1 ? 1_000_000_000 : 1_000_000;
  if (span > WALK_MAX_SPAN) span = WALK_MAX_SPAN;
  const times = idxPtr;
  const offsets = times + (<usize>maxRows << 3);
  const lengths = offsets + (<usize>maxRows << 2);
  const originals = lengths + (<usize>maxRows << 2);
  let at = start;
  let rows: u32 = 0;
  let why = WALK_DONE;
  const group = span * CHAINS;
  // After a failed proof, the plain walk covers a group's bytes before the next group is tried.
  let plainUntil: u32 = 0;
  while (rows < maxRows) {
    if (at >= dataLen) break;
    // Groups pay for their entry scans only where records are small next to a span.
    if (
      span != 0 && at >= plainUntil && dataLen - at >= group && maxRows - rows >= GROUP_MIN_ROWS &&
      (rows == 0 || (<u64>(at - start) * RECORDS_PER_CHAIN <= <u64>rows * span && <u64>(at - start) <= <u64>rows * GROUP_MAX_MEAN))
    ) {
      const proven = walkGroup(at, span);
      // The proven chains' records, in order, decoded (their lines are cached by now).
      let stop = WALK_DONE;
      for (let k: u32 = 0; k < proven && rows < maxRows; k++) {
        const slot = <usize>k << 2;
        const n = load<u32>(CHAIN_COUNT + slot);
        const list = CHAIN_OFFSETS + (<usize>k * CHAIN_CAP << 2);
        let j: u32 = 0;
        for (; j < n && rows < maxRows; j++) {
          const rec = load<u32>(list + (<usize>j << 2));
          emit(rec, rows, firstRow, linkType, flags, scale, times, offsets, lengths, originals, outPtr, maxRows);
          rows++;
          at = rec + RECORD_HEADER + rd(rec, 8);
        }
        if (j < n) break;
        // A proven chain that met damage ends the walk there (the plain walk reports it below).
        stop = load<u32>(CHAIN_STOP + slot);
        if (stop != WALK_DONE) break;
      }
      if (proven < CHAINS && stop == WALK_DONE) plainUntil = at + group;
      if (stop == WALK_DONE) continue;
      // Damage met by a proven chain: the plain walk below meets it again at `at` and reports it.
    }
    if (dataLen - at < RECORD_HEADER) {
      why = WALK_SHORT_HEADER;
      break;
    }
    const cap = rd(at, 8);
    if (cap > maxRecord) {
      why = WALK_TOO_LONG;
      break;
    }
    if (dataLen - at - RECORD_HEADER < cap) {
      why = WALK_SHORT_RECORD;
      break;
    }
    emit(at, rows, firstRow, linkType, flags, scale, times, offsets, lengths, originals, outPtr, maxRows);
    at += RECORD_HEADER + cap;
    rows++;
  }
  store<u32>(statusPtr, at);
  store<u32>(statusPtr, why, 4);
  return rows;
}

/** Record `rec` (a checked header) as row `row` of the index and row firstRow + row of the output. */
// @ts-ignore: decorator
@inline function emit(
  rec: u32, row: u32, firstRow: u32, linkType: u32, flags: u32, scale: u32,
  times: usize, offsets: usize, lengths: usize, originals: usize, outPtr: usize, maxRows: u32,
): void {
  const cap = rd(rec, 8);
  const out = firstRow + row;
  const c = out & (<u32>CHUNK - 1);
  const base = outPtr + <usize>(out / <u32>CHUNK) * CHUNK_BYTES;
  const into = c & (RESET_SLICE - 1);
  if (into == 0 || row == 0) {
    // The rows ahead made ready a slice at a time: a walk that stops early (the end of a copied
    // span, a few hundred records) does not pay for zeroing all the rows it might have written.
    const left = maxRows - row;
    const slice = RESET_SLICE - into;
    resetRows(base, <usize>c, <usize>(left < slice ? left : slice));
  }
  const pkt = rec + RECORD_HEADER;
  store<u32>(offsets + (<usize>row << 2), pkt);
  store<u32>(lengths + (<usize>row << 2), cap);
  store<u32>(originals + (<usize>row << 2), rd(rec, 12));
  store<i64>(times + (<usize>row << 3), <i64>rd(rec, 0) * 1_000_000_000 + <i64>rd(rec, 4) * <i64>scale);
  decodeRow(gData + pkt, cap, linkType, flags, base + c * 4, base + U16_BASE + c * 2, base + U8_BASE + c);
}

/** IPv6 rows the last walkPcap call wrote. */
export function walkIpv6Rows(): u32 {
  return ipv6Rows();
}
