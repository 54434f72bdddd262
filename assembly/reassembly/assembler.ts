// Out-of-order TCP payload for one direction of a connection: placing segments into a window of
// fixed-size blocks, keeping the list of byte ranges held (the holes are what lies between them),
// and sliding the window forward once the caller has delivered or skipped bytes at its head.
// The twin is src/kernels/tcp-reassembly.ts; the two must leave identical state and memory.
//
// The caller (src/transport/tcp-stream.ts) owns the memory: it hands each direction one state block
// and allocates the data blocks a segment will touch before calling insert, so this kernel never
// allocates and never reads or writes outside the state block, the blocks its table names, and the
// segment bytes. Offsets are relative to the window's origin, which is block-aligned; `head` is where
// the next byte the stream expects would go (always below one block once advanced).
//
// Ranges are kept per inserted piece (adjacent ranges are not merged) so delivery can hand out the
// bytes segment by segment, as they were sent and as tshark's "follow" shows them; adjacent ranges
// are merged only when the list is full, before a segment is refused for want of room.

/** Layout of a state block (byte offsets); the same constants live in src/kernels/tcp-reassembly.ts. */
const RUN_COUNT: usize = 0;
const HEAD: usize = 4;
const OUT_NEW: usize = 8;
const OUT_OVERLAP: usize = 12;
const OUT_CONFLICT: usize = 16;
const RUNS: usize = 32;
const MAX_RUNS: u32 = 124;
const TABLE: usize = 1024;
const TABLE_LEN: u32 = 768;
const BLOCK_SHIFT: u32 = 12;
const BLOCK_MASK: u32 = (1 << BLOCK_SHIFT) - 1;

// @ts-ignore: decorator
@inline function runStart(state: usize, i: u32): u32 {
  return load<u32>(state + RUNS + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function runEnd(state: usize, i: u32): u32 {
  return load<u32>(state + RUNS + (<usize>i << 3), 4);
}

// @ts-ignore: decorator
@inline function blockAt(state: usize, at: u32): usize {
  return <usize>load<u32>(state + TABLE + (<usize>(at >>> BLOCK_SHIFT) << 2));
}

/** Copies n segment bytes from `src` into the window at `at`, block by block. */
function writeWindow(state: usize, at: u32, src: usize, n: u32): void {
  while (n > 0) {
    const off = at & BLOCK_MASK;
    let k = (BLOCK_MASK + 1) - off;
    if (k > n) k = n;
    memory.copy(blockAt(state, at) + off, src, k);
    at += k;
    src += k;
    n -= k;
  }
}

/** How many of n bytes at window offset `at` differ from the segment bytes at `src`. */
function countDiffering(state: usize, at: u32, src: usize, n: u32): u32 {
  let differ: u32 = 0;
  while (n > 0) {
    const off = at & BLOCK_MASK;
    let k = (BLOCK_MASK + 1) - off;
    if (k > n) k = n;
    const p = blockAt(state, at) + off;
    let i: usize = 0;
    // Eight bytes at a time while they agree: retransmitted bytes almost always do.
    for (; i + 8 <= <usize>k; i += 8) {
      if (load<u64>(p + i) != load<u64>(src + i)) break;
    }
    for (; i < <usize>k; i++) differ += u32(load<u8>(p + i) != load<u8>(src + i));
    at += k;
    src += k;
    n -= k;
  }
  return differ;
}

/** Merges ranges that touch (end == next start): the list loses piece boundaries, not bytes. */
function coalesce(state: usize): void {
  const count = load<u32>(state + RUN_COUNT);
  if (count == 0) return;
  let w: u32 = 0;
  for (let i: u32 = 1; i < count; i++) {
    if (runStart(state, i) == runEnd(state, w)) {
      store<u32>(state + RUNS + (<usize>w << 3), runEnd(state, i), 4);
    } else {
      w++;
      store<u32>(state + RUNS + (<usize>w << 3), runStart(state, i));
      store<u32>(state + RUNS + (<usize>w << 3), runEnd(state, i), 4);
    }
  }
  store<u32>(state + RUN_COUNT, w + 1);
}

/**
 * How the range count changes when the uncovered pieces of [rel, end) join the ranges they touch:
 * +1 for a piece touching none, 0 for one, -1 for one that joins two.
 */
function mergedGrowth(state: usize, count: u32, first: u32, rel: u32, end: u32): i32 {
  let growth: i32 = 0;
  let pos = rel;
  let i = first;
  while (pos < end) {
    if (i < count && runStart(state, i) <= pos) {
      const e = runEnd(state, i);
      if (e > pos) pos = e;
      i++;
      continue;
    }
    const pieceEnd = i < count ? min<u32>(end, runStart(state, i)) : end;
    const prev = i > 0 && runEnd(state, i - 1) == pos;
    const next = i < count && runStart(state, i) == pieceEnd;
    growth += prev && next ? -1 : prev || next ? 0 : 1;
    pos = pieceEnd;
  }
  return growth;
}

/**
 * Places `len` segment bytes at `src` at window offset `rel` (>= head; the caller has allocated every
 * block of [rel, rel + len) in the table). Bytes already held are compared (conflicts counted) and,
 * with `policy` 1 ("last"), overwritten; with 0 ("first") the bytes held stay. Writes the counts of
 * new, overlapping and conflicting bytes to the state's output words and returns the new bytes, or
 * -1, changing nothing, when the range list has no room for the pieces this segment adds.
 */
export function reasmInsert(state: usize, rel: u32, src: usize, len: u32, policy: u32): i32 {
  const end = rel + len;
  let count = load<u32>(state + RUN_COUNT);
  // The first range that ends after rel (ranges are sorted and disjoint).
  let first: u32 = 0;
  while (first < count && runEnd(state, first) <= rel) first++;
  // Pass 1: how many uncovered pieces would become ranges.
  let pieces: u32 = 0;
  let pos = rel;
  for (let i = first; i < count && runStart(state, i) < end; i++) {
    if (runStart(state, i) > pos) pieces++;
    const e = runEnd(state, i);
    if (e > pos) pos = e;
  }
  if (pos < end) pieces++;
  let merge = false;
  if (count + pieces > MAX_RUNS) {
    coalesce(state);
    count = load<u32>(state + RUN_COUNT);
    first = 0;
    while (first < count && runEnd(state, first) <= rel) first++;
    // Full: the pieces join the ranges they touch, so a segment filling holes always fits.
    if (<i32>count + mergedGrowth(state, count, first, rel, end) > <i32>MAX_RUNS) return -1;
    merge = true;
  }
  // Pass 2: bytes already held.
  let overlap: u32 = 0;
  let conflict: u32 = 0;
  for (let i = first; i < count && runStart(state, i) < end; i++) {
    const s = max<u32>(rel, runStart(state, i));
    const e = min<u32>(end, runEnd(state, i));
    const n = e - s;
    overlap += n;
    const d = countDiffering(state, s, src + <usize>(s - rel), n);
    conflict += d;
    if (policy == 1 && d > 0) writeWindow(state, s, src + <usize>(s - rel), n);
  }
  // Pass 3: the uncovered pieces, each copied and listed as a range of its own.
  let i = first;
  pos = rel;
  while (pos < end) {
    if (i < count && runStart(state, i) <= pos) {
      const e = runEnd(state, i);
      if (e > pos) pos = e;
      i++;
      continue;
    }
    const pieceEnd = i < count ? min<u32>(end, runStart(state, i)) : end;
    writeWindow(state, pos, src + <usize>(pos - rel), pieceEnd - pos);
    if (merge) {
      const prev = i > 0 && runEnd(state, i - 1) == pos;
      const next = i < count && runStart(state, i) == pieceEnd;
      if (prev && next) {
        // Joins two ranges: the previous one takes the next one's end, the next one goes.
        store<u32>(state + RUNS + (<usize>(i - 1) << 3), runEnd(state, i), 4);
        const at = state + RUNS + (<usize>i << 3);
        memory.copy(at, at + 8, <usize>(count - i - 1) << 3);
        count--;
        pos = runEnd(state, i - 1);
        continue;
      }
      if (prev) {
        store<u32>(state + RUNS + (<usize>(i - 1) << 3), pieceEnd, 4);
        pos = pieceEnd;
        continue;
      }
      if (next) {
        store<u32>(state + RUNS + (<usize>i << 3), pos);
        pos = pieceEnd;
        continue;
      }
    }
    const at = state + RUNS + (<usize>i << 3);
    memory.copy(at + 8, at, <usize>(count - i) << 3);
    store<u32>(at, pos);
    store<u32>(at, pieceEnd, 4);
    count++;
    i++;
    pos = pieceEnd;
  }
  store<u32>(state + RUN_COUNT, count);
  const fresh = len - overlap;
  store<u32>(state + OUT_NEW, fresh);
  store<u32>(state + OUT_OVERLAP, overlap);
  store<u32>(state + OUT_CONFLICT, conflict);
  return <i32>fresh;
}

/**
 * Moves the head n bytes on (bytes delivered, or a hole skipped): drops and clips the ranges behind
 * it, then slides the window by the whole blocks now behind the head. The caller frees those blocks
 * (the first `(head + n) >> 12` table entries) before calling. Returns how many blocks slid.
 */
export function reasmAdvance(state: usize, n: u32): u32 {
  const head = load<u32>(state + HEAD) + n;
  const count = load<u32>(state + RUN_COUNT);
  let drop: u32 = 0;
  while (drop < count && runEnd(state, drop) <= head) drop++;
  if (drop > 0) memory.copy(state + RUNS, state + RUNS + (<usize>drop << 3), <usize>(count - drop) << 3);
  const left = count - drop;
  if (left > 0 && runStart(state, 0) < head) store<u32>(state + RUNS, head);
  const k = head >>> BLOCK_SHIFT;
  if (k > 0) {
    const table = state + TABLE;
    const keep = k < TABLE_LEN ? TABLE_LEN - k : 0;
    if (keep > 0) memory.copy(table, table + (<usize>k << 2), <usize>keep << 2);
    memory.fill(table + (<usize>keep << 2), 0, <usize>(TABLE_LEN - keep) << 2);
    const shift = k << BLOCK_SHIFT;
    for (let i: u32 = 0; i < left; i++) {
      const r = state + RUNS + (<usize>i << 3);
      store<u32>(r, load<u32>(r) - shift);
      store<u32>(r, load<u32>(r, 4) - shift, 4);
    }
  }
  store<u32>(state + RUN_COUNT, left);
  store<u32>(state + HEAD, head & BLOCK_MASK);
  return k;
}
