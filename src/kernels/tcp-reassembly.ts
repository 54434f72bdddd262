// Pure-TypeScript twin of assembly/reassembly/assembler.ts: out-of-order TCP payload in a window of
// fixed-size blocks, the byte ranges held, and the window sliding forward. Same state layout, same
// arguments (pointers are byte offsets into `heap`, the twin's stand-in for WebAssembly memory),
// same results: test/tcp-reassembly-differential.test.ts holds the two equal.

/** Layout of a state block (byte offsets), shared with the kernel. */
export const REASM_RUN_COUNT = 0;
export const REASM_HEAD = 4;
export const REASM_OUT_NEW = 8;
export const REASM_OUT_OVERLAP = 12;
export const REASM_OUT_CONFLICT = 16;
export const REASM_RUNS = 32;
/** Ranges one direction may hold apart (holes + 1); more pieces than this force a gap. */
export const REASM_MAX_RUNS = 124;
export const REASM_TABLE = 1024;
/** Blocks one direction's window spans: with 4 KiB blocks, 3 MiB. */
export const REASM_TABLE_LEN = 768;
export const REASM_BLOCK_SHIFT = 12;
/** Bytes per block, and per state block. */
export const REASM_BLOCK = 1 << REASM_BLOCK_SHIFT;
const BLOCK_MASK = REASM_BLOCK - 1;
/** The largest window a direction can have (the per-flow cap cannot exceed it). */
export const REASM_MAX_WINDOW = REASM_TABLE_LEN * REASM_BLOCK;

/** The memory a twin call works in: bytes, and the same bytes as aligned 32-bit words. */
export interface ReasmHeap {
  u8: Uint8Array;
  u32: Uint32Array;
}

const word = (h: ReasmHeap, at: number) => h.u32[at >>> 2]!;
const setWord = (h: ReasmHeap, at: number, v: number) => {
  h.u32[at >>> 2] = v;
};
const runStart = (h: ReasmHeap, state: number, i: number) => h.u32[(state + REASM_RUNS + i * 8) >>> 2]!;
const runEnd = (h: ReasmHeap, state: number, i: number) => h.u32[(state + REASM_RUNS + i * 8 + 4) >>> 2]!;
const blockAt = (h: ReasmHeap, state: number, at: number) => h.u32[(state + REASM_TABLE + (at >>> REASM_BLOCK_SHIFT) * 4) >>> 2]!;

function writeWindow(h: ReasmHeap, state: number, at: number, src: number, n: number): void {
  while (n > 0) {
    const off = at & BLOCK_MASK;
    const k = Math.min(REASM_BLOCK - off, n);
    h.u8.copyWithin(blockAt(h, state, at) + off, src, src + k);
    at += k;
    src += k;
    n -= k;
  }
}

function countDiffering(h: ReasmHeap, state: number, at: number, src: number, n: number): number {
  const u8 = h.u8;
  let differ = 0;
  while (n > 0) {
    const off = at & BLOCK_MASK;
    const k = Math.min(REASM_BLOCK - off, n);
    const p = blockAt(h, state, at) + off;
    for (let i = 0; i < k; i++) if (u8[p + i] !== u8[src + i]) differ++;
    at += k;
    src += k;
    n -= k;
  }
  return differ;
}

function coalesce(h: ReasmHeap, state: number): void {
  const count = word(h, state + REASM_RUN_COUNT);
  if (count === 0) return;
  let w = 0;
  for (let i = 1; i < count; i++) {
    if (runStart(h, state, i) === runEnd(h, state, w)) {
      setWord(h, state + REASM_RUNS + w * 8 + 4, runEnd(h, state, i));
    } else {
      w++;
      setWord(h, state + REASM_RUNS + w * 8, runStart(h, state, i));
      setWord(h, state + REASM_RUNS + w * 8 + 4, runEnd(h, state, i));
    }
  }
  setWord(h, state + REASM_RUN_COUNT, w + 1);
}

function mergedGrowth(h: ReasmHeap, state: number, count: number, first: number, rel: number, end: number): number {
  let growth = 0;
  let pos = rel;
  let i = first;
  while (pos < end) {
    if (i < count && runStart(h, state, i) <= pos) {
      const e = runEnd(h, state, i);
      if (e > pos) pos = e;
      i++;
      continue;
    }
    const pieceEnd = i < count ? Math.min(end, runStart(h, state, i)) : end;
    const prev = i > 0 && runEnd(h, state, i - 1) === pos;
    const next = i < count && runStart(h, state, i) === pieceEnd;
    growth += prev && next ? -1 : prev || next ? 0 : 1;
    pos = pieceEnd;
  }
  return growth;
}

/** Twin of the kernel's `reasmInsert`: see assembly/reassembly/assembler.ts. */
export function reasmInsertJs(h: ReasmHeap, state: number, rel: number, src: number, len: number, policy: number): number {
  const end = rel + len;
  let count = word(h, state + REASM_RUN_COUNT);
  let first = 0;
  while (first < count && runEnd(h, state, first) <= rel) first++;
  let pieces = 0;
  let pos = rel;
  for (let i = first; i < count && runStart(h, state, i) < end; i++) {
    if (runStart(h, state, i) > pos) pieces++;
    const e = runEnd(h, state, i);
    if (e > pos) pos = e;
  }
  if (pos < end) pieces++;
  let merge = false;
  if (count + pieces > REASM_MAX_RUNS) {
    coalesce(h, state);
    count = word(h, state + REASM_RUN_COUNT);
    first = 0;
    while (first < count && runEnd(h, state, first) <= rel) first++;
    if (count + mergedGrowth(h, state, count, first, rel, end) > REASM_MAX_RUNS) return -1;
    merge = true;
  }
  let overlap = 0;
  let conflict = 0;
  for (let i = first; i < count && runStart(h, state, i) < end; i++) {
    const s = Math.max(rel, runStart(h, state, i));
    const e = Math.min(end, runEnd(h, state, i));
    const n = e - s;
    overlap += n;
    const d = countDiffering(h, state, s, src + (s - rel), n);
    conflict += d;
    if (policy === 1 && d > 0) writeWindow(h, state, s, src + (s - rel), n);
  }
  let i = first;
  pos = rel;
  const u32 = h.u32;
  while (pos < end) {
    if (i < count && runStart(h, state, i) <= pos) {
      const e = runEnd(h, state, i);
      if (e > pos) pos = e;
      i++;
      continue;
    }
    const pieceEnd = i < count ? Math.min(end, runStart(h, state, i)) : end;
    writeWindow(h, state, pos, src + (pos - rel), pieceEnd - pos);
    if (merge) {
      const prev = i > 0 && runEnd(h, state, i - 1) === pos;
      const next = i < count && runStart(h, state, i) === pieceEnd;
      const runs = (state + REASM_RUNS) >>> 2;
      if (prev && next) {
        u32[runs + (i - 1) * 2 + 1] = u32[runs + i * 2 + 1]!;
        u32.copyWithin(runs + i * 2, runs + (i + 1) * 2, runs + count * 2);
        count--;
        pos = u32[runs + (i - 1) * 2 + 1]!;
        continue;
      }
      if (prev) {
        u32[runs + (i - 1) * 2 + 1] = pieceEnd;
        pos = pieceEnd;
        continue;
      }
      if (next) {
        u32[runs + i * 2] = pos;
        pos = pieceEnd;
        continue;
      }
    }
    const at = (state + REASM_RUNS + i * 8) >>> 2;
    u32.copyWithin(at + 2, at, at + (count - i) * 2);
    u32[at] = pos;
    u32[at + 1] = pieceEnd;
    count++;
    i++;
    pos = pieceEnd;
  }
  setWord(h, state + REASM_RUN_COUNT, count);
  const fresh = len - overlap;
  setWord(h, state + REASM_OUT_NEW, fresh);
  setWord(h, state + REASM_OUT_OVERLAP, overlap);
  setWord(h, state + REASM_OUT_CONFLICT, conflict);
  return fresh;
}

/** Twin of the kernel's `reasmAdvance`. */
export function reasmAdvanceJs(h: ReasmHeap, state: number, n: number): number {
  const head = (word(h, state + REASM_HEAD) + n) >>> 0;
  const count = word(h, state + REASM_RUN_COUNT);
  const u32 = h.u32;
  const runs = (state + REASM_RUNS) >>> 2;
  let drop = 0;
  while (drop < count && runEnd(h, state, drop) <= head) drop++;
  if (drop > 0) u32.copyWithin(runs, runs + drop * 2, runs + count * 2);
  const left = count - drop;
  if (left > 0 && u32[runs]! < head) u32[runs] = head;
  const k = head >>> REASM_BLOCK_SHIFT;
  if (k > 0) {
    const table = (state + REASM_TABLE) >>> 2;
    const keep = k < REASM_TABLE_LEN ? REASM_TABLE_LEN - k : 0;
    if (keep > 0) u32.copyWithin(table, table + k, table + REASM_TABLE_LEN);
    u32.fill(0, table + keep, table + REASM_TABLE_LEN);
    const shift = k * REASM_BLOCK;
    for (let i = 0; i < left; i++) {
      u32[runs + i * 2] = u32[runs + i * 2]! - shift;
      u32[runs + i * 2 + 1] = u32[runs + i * 2 + 1]! - shift;
    }
  }
  setWord(h, state + REASM_RUN_COUNT, left);
  setWord(h, state + REASM_HEAD, head & BLOCK_MASK);
  return k;
}
