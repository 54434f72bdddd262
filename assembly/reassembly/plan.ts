// Planning a run of one flow's data segments from a decoded table (src/transport/tcp-flows.ts
// pushTable): which rows are handed on at which row, as TcpDirection would under zeroCopy, worked
// out over the table's columns before any bytes move. The twin is src/kernels/tcp-plan.ts; the two
// must write identical plans. The caller checks the result against nothing: the rules below are
// TcpDirection's (whole, segment, #ahead, #place, #drain, #advance), each case a plan cannot follow
// ends it, and only rows up to where the direction holds nothing again are committed.
//
// Parameters are a u32 table at `params` (PLAN_COLUMNS, PLAN_PARAMS in the twin): the column
// addresses (each column's row 0), the bytes' size, the rows [from, to), the flow, the stream's next
// sequence number, the window limit, the blocks available, the fragment bit to skip, and the rows the
// output arrays hold. The output at `out`: rows committed, the row the plan stopped at, the peak
// of blocks, then `cap` row records (RECORD u32 each: handed, blocks, mid, start, length), `cap`
// order entries, the held list's `cap`-entry arrays (at, end, prev, next) and a ring of block flags.

import { param } from "../wire/bytes";

const BLOCK_SHIFT: u32 = 12;
const MAX_RUNS: u32 = 124;
const RING: u32 = 1024;
const TCP: u32 = 128;
const ACK: u32 = 0x10;
const PSH: u32 = 0x08;
/** A row's record: five u32 (byte offsets below), as PLAN_RECORD and PLAN_HANDED... in the twin. */
const RECORD: u32 = 5;
const HANDED: usize = 0;
const BLOCKS: usize = 4;
const MID: usize = 8;
const START: usize = 12;
const LENGTH: usize = 16;

// @ts-ignore: decorator
@inline function at32(base: usize, i: u32): u32 {
  return load<u32>(base + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function set32(base: usize, i: u32, v: u32): void {
  store<u32>(base + (<usize>i << 2), v);
}

// @ts-ignore: decorator
@inline function at16(base: usize, i: u32): u32 {
  return <u32>load<u16>(base + (<usize>i << 1));
}

// @ts-ignore: decorator
@inline function at8(base: usize, i: u32): u32 {
  return <u32>load<u8>(base + <usize>i);
}

/** Clears the ring's flags of blocks [lo, hi]. */
function clearRing(ring: usize, lo: u32, hi: u32): void {
  for (let b = lo; b <= hi; b++) store<u8>(ring + <usize>(b & (RING - 1)), 0);
}

/** Clears the flags of the blocks from `origin` up to the one holding `head`; how many were set. */
function freeBehind(ring: usize, origin: u32, head: u32): u32 {
  let freed: u32 = 0;
  const behind = head >>> BLOCK_SHIFT;
  for (let b = origin; b < behind; b++) {
    const p = ring + <usize>(b & (RING - 1));
    if (load<u8>(p) != 0) {
      store<u8>(p, 0);
      freed++;
    }
  }
  return freed;
}

/** Writes the plan of rows [from, to) to `out` (see above); returns the rows committed. */
export function reasmPlan(params: usize, out: usize): u32 {
  const layers = <usize>param(params, 0);
  const ipVersion = <usize>param(params, 1);
  const ipSrc = <usize>param(params, 2);
  const ipDst = <usize>param(params, 3);
  const srcPort = <usize>param(params, 4);
  const dstPort = <usize>param(params, 5);
  const tcpFlags = <usize>param(params, 6);
  const tcpSeq = <usize>param(params, 7);
  const payloadOffset = <usize>param(params, 8);
  const payloadLength = <usize>param(params, 9);
  const l3Offset = <usize>param(params, 10);
  const l4Offset = <usize>param(params, 11);
  const tcpHeaderLength = <usize>param(params, 12);
  const ipLength = <usize>param(params, 13);
  const offsets = <usize>param(params, 14);
  const size = param(params, 15);
  const from = param(params, 16);
  const to = param(params, 17);
  const src = param(params, 18);
  const dst = param(params, 19);
  const ports = param(params, 20);
  let next = param(params, 21);
  const limit = param(params, 22);
  const avail = param(params, 23);
  const skip = param(params, 24);
  const cap = param(params, 25);

  const stride = <usize>cap << 2;
  const rec = out + 12;
  const order = rec + <usize>RECORD * stride;
  const hAt = order + stride;
  const hEnd = hAt + stride;
  const hPrev = hEnd + stride;
  const hNext = hPrev + stride;
  const ring = hNext + stride;
  memory.fill(ring, 0, RING);

  let n: u32 = 0;
  let committed: u32 = 0;
  let peak: u32 = 0;
  let committedPeak: u32 = 0;
  let first: i32 = -1;
  let last: i32 = -1;
  let count: u32 = 0;
  let head: u32 = 0;
  let originBlock: u32 = 0;
  let topBlock: u32 = 0;
  let blocks: u32 = 0;
  let k = from;
  for (; k < to; k++) {
    const lay = at16(layers, k);
    if ((lay & skip) != 0 || (lay & TCP) == 0 || at8(ipVersion, k) != 4) break;
    if ((at16(tcpFlags, k) | PSH) != (ACK | PSH)) break;
    let begin = at32(offsets, k) + at16(payloadOffset, k);
    if (begin > size) begin = size;
    let len = at32(payloadLength, k);
    if (len > size - begin) len = size - begin;
    const hdr = at16(l4Offset, k) - at16(l3Offset, k) + at8(tcpHeaderLength, k);
    if (len < 2 || <i32>at16(ipLength, k) - <i32>hdr > <i32>len) break;
    if (at32(ipSrc, k) != src || at32(ipDst, k) != dst || ((at16(srcPort, k) << 16) | at16(dstPort, k)) != ports) break;
    const d = <i32>(at32(tcpSeq, k) - next);
    if (d < 0) break;
    const r = k - from;
    const o = rec + (<usize>(r * RECORD) << 2);
    store<u32>(o, begin, START);
    store<u32>(o, len, LENGTH);
    if (count == 0) {
      if (d == 0) break;
      const end = <u32>d + len;
      if (end > limit) break;
      const lo = <u32>d >>> BLOCK_SHIFT;
      const hi = (end - 1) >>> BLOCK_SHIFT;
      if (hi - lo + 2 > avail) break;
      for (let b = lo; b <= hi; b++) store<u8>(ring + <usize>(b & (RING - 1)), 1);
      head = 0;
      originBlock = 0;
      topBlock = hi;
      blocks = hi - lo + 2;
      first = last = <i32>r;
      set32(hPrev, r, -1);
      set32(hNext, r, -1);
      set32(hAt, r, d);
      set32(hEnd, r, end);
      count = 1;
      store<u32>(o, 0, HANDED);
      store<u32>(o, 0, MID);
      store<u32>(o, blocks, BLOCKS);
      if (blocks > peak) peak = blocks;
      continue;
    }
    if (d > 0) {
      const at = head + <u32>d;
      const end = at + len;
      if (end - (originBlock << BLOCK_SHIFT) > limit || count >= MAX_RUNS) break;
      let q: i32 = -1;
      let p: i32 = last;
      while (p >= 0 && at32(hEnd, <u32>p) > at) {
        q = p;
        p = <i32>at32(hPrev, <u32>p);
      }
      if (q >= 0 && at32(hAt, <u32>q) < end) break;
      const lo = at >>> BLOCK_SHIFT;
      const hi = (end - 1) >>> BLOCK_SHIFT;
      let add: u32 = 0;
      for (let b = lo; b <= hi; b++) if (load<u8>(ring + <usize>(b & (RING - 1))) == 0) add++;
      if (blocks + add > avail) break;
      for (let b = lo; b <= hi; b++) store<u8>(ring + <usize>(b & (RING - 1)), 1);
      if (hi > topBlock) topBlock = hi;
      blocks += add;
      set32(hAt, r, at);
      set32(hEnd, r, end);
      set32(hPrev, r, p);
      set32(hNext, r, q);
      if (p >= 0) set32(hNext, <u32>p, r);
      else first = <i32>r;
      if (q >= 0) set32(hPrev, <u32>q, r);
      else last = <i32>r;
      count++;
      store<u32>(o, 0, HANDED);
      store<u32>(o, 0, MID);
      store<u32>(o, blocks, BLOCKS);
      if (blocks > peak) peak = blocks;
      continue;
    }
    if (at32(hAt, <u32>first) < head + len) break;
    set32(order, n++, r);
    next += len;
    head += len;
    blocks -= freeBehind(ring, originBlock, head);
    if (head >>> BLOCK_SHIFT > originBlock) originBlock = head >>> BLOCK_SHIFT;
    store<u32>(o, blocks, MID);
    let c: u32 = 1;
    while (count > 0 && at32(hAt, <u32>first) == head) {
      const m = at32(hEnd, <u32>first) - head;
      set32(order, n++, <u32>first);
      head += m;
      next += m;
      first = <i32>at32(hNext, <u32>first);
      count--;
      c++;
    }
    store<u32>(o, c, HANDED);
    if (count == 0) {
      clearRing(ring, originBlock, topBlock);
      blocks = 0;
      first = last = -1;
      store<u32>(o, 0, BLOCKS);
      committed = r + 1;
      committedPeak = peak;
      continue;
    }
    set32(hPrev, <u32>first, -1);
    blocks -= freeBehind(ring, originBlock, head);
    if (head >>> BLOCK_SHIFT > originBlock) originBlock = head >>> BLOCK_SHIFT;
    store<u32>(o, blocks, BLOCKS);
  }
  store<u32>(out, committed);
  store<u32>(out, k, 4);
  store<u32>(out, committedPeak, 8);
  return committed;
}
