// Planning a run of one flow's data segments from a decoded table: which rows are handed on at
// which row, worked out over plain integer arrays before any bytes move. The twin of
// assembly/reassembly/plan.ts (reasmPlan): the two must make identical plans. TcpReassembler.pushTable
// uses it for the rows its per-row fast path would take (a connection in its plain course, segments
// wholly captured, zeroCopy views), so the commonest reordering costs a few array operations a row
// instead of the held-view bookkeeping; the plan replays exactly what that path does, or stops.
import { BatchLayer } from '../batch.js';
import { REASM_BLOCK_SHIFT, REASM_MAX_RUNS } from './tcp-reassembly.js';

const ACK = 0x10;
const PSH = 0x08;
/** Slots of the planner's block ring: more than the blocks a window can span (REASM_TABLE_LEN). */
const RING = 1024;

/** The table columns and record facts planRun reads (a PacketTable and its records' offsets). */
export interface PlanInput {
  readonly layers: Uint16Array;
  readonly ipVersion: Uint8Array;
  readonly ipSrc: Uint32Array;
  readonly ipDst: Uint32Array;
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  readonly tcpFlags: Uint16Array;
  readonly tcpSeq: Uint32Array;
  readonly payloadOffset: Uint16Array;
  readonly payloadLength: Uint32Array;
  readonly l3Offset: Uint16Array;
  readonly l4Offset: Uint16Array;
  readonly tcpHeaderLength: Uint8Array;
  readonly ipLength: Uint16Array;
}

/** The columns reasmPlan reads, in the order of its parameter table (then offsets, at 14). */
export const PLAN_COLUMNS = ['layers', 'ipVersion', 'ipSrc', 'ipDst', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'payloadOffset', 'payloadLength', 'l3Offset', 'l4Offset', 'tcpHeaderLength', 'ipLength'] as const satisfies readonly (keyof PlanInput)[];

/**
 * The most rows one plan covers: positions in an episode stay below 2^31 (the twin keeps them in
 * Int32Arrays) even with segments of 65,535 bytes, and the output stays a few hundred KiB.
 */
export const PLAN_MAX_ROWS = 16384;

/** Entries of reasmPlan's u32 parameter table (assembly/reassembly/plan.ts). */
export const PLAN_PARAMS = 26;

/** Entries of a row's record in a plan: PLAN_HANDED, PLAN_BLOCKS, PLAN_MID, PLAN_START, PLAN_LENGTH. */
export const PLAN_RECORD = 5;
/** How many rows are handed on at the row (0: it waits). */
export const PLAN_HANDED = 0;
/** The blocks the direction holds after the row. */
export const PLAN_BLOCKS = 1;
/**
 * For a row handed on while ranges were held: the blocks held once its own bytes moved the window
 * on (what the callbacks for the held rows it releases see; the blocks those leave behind are given
 * back after them).
 */
export const PLAN_MID = 2;
/** Where the row's payload starts in the records' bytes, and its length. */
export const PLAN_START = 3;
export const PLAN_LENGTH = 4;

/** The rows reasmPlan can plan with `bytes` of memory for the rows' offsets and its output (an offset, a record, an order entry and four list entries a row; three counts, a ring). */
export function planCapacity(bytes: number): number {
  return Math.max(0, Math.floor((bytes - 12 - RING) / ((1 + PLAN_RECORD + 1 + 4) * 4)));
}

/**
 * What a run's rows do (reused from one plan to the next). Rows are counted from the run's first
 * row; `rows` of them are committed: the run ends where the direction holds nothing, so what
 * follows starts from the state a per-row replay would leave.
 */
export class RunPlan {
  /** Rows committed. */
  rows = 0;
  /** The first row planRun did not take (a row that does not qualify, or one a plan cannot follow). */
  stop = 0;
  /** Most blocks the direction held at once over the committed rows (its state block included). */
  peak = 0;
  /** PLAN_RECORD entries a row (PLAN_HANDED ...). */
  record = new Int32Array(256 * PLAN_RECORD);
  /** The rows handed on (run indices), in order: row k's handed entries follow those of the rows before it. */
  order = new Int32Array(256);
  // The held ranges, a list linked through the rows that wait (episode positions, ascending).
  at = new Int32Array(256);
  end = new Int32Array(256);
  prev = new Int32Array(256);
  next = new Int32Array(256);
  /** Which of the window's blocks are taken, by absolute block index modulo RING. */
  readonly ring = new Uint8Array(RING);

  ensure(n: number): void {
    if (this.order.length >= n) return;
    let size = this.order.length;
    while (size < n) size *= 2;
    this.record = new Int32Array(size * PLAN_RECORD);
    this.order = new Int32Array(size);
    this.at = new Int32Array(size);
    this.end = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.next = new Int32Array(size);
  }
}

/**
 * Plans rows [from, to) of `t` for one IPv4 flow and direction (`src`, `dst`, `ports` =
 * srcPort * 65536 + dstPort) whose next expected sequence number is `next` and which holds nothing:
 * from a row ahead of the stream up to where nothing waits any more, episode after episode (a row
 * that continues the stream while nothing waits ends the plan: the per-row path is as fast there).
 * A row qualifies as for TcpReassembler's per-row fast path: TCP over IPv4, not a fragment to
 * defragment, flags ACK (PSH optional) only, at least 2 bytes captured and none missing on the wire,
 * the flow's numbers. It is then what TcpDirection does with such a segment under zeroCopy: handed on
 * when it continues the stream (with whatever held ranges it reaches), held when it is ahead,
 * within `limit` (bytes of window from its first block) and `avail` (blocks the reassembler may
 * still take), clear of every held range and within REASM_MAX_RUNS ranges. Anything else (a row
 * that does not qualify, a retransmission, an overlap, a cap reached) stops the plan there; the
 * rows since the direction last held nothing are then left uncommitted, for the per-row path.
 */
export function planRun(
  t: PlanInput,
  offsets: Uint32Array,
  size: number,
  from: number,
  to: number,
  src: number,
  dst: number,
  ports: number,
  next: number,
  limit: number,
  avail: number,
  defragment: boolean,
  plan: RunPlan,
): void {
  plan.ensure(to - from);
  const { layers, ipVersion, ipSrc, ipDst, srcPort, dstPort, tcpFlags, tcpSeq, payloadOffset, payloadLength, l3Offset, l4Offset, tcpHeaderLength, ipLength } = t;
  const { record: rec, order, at: hAt, end: hEnd, prev: hPrev, next: hNext, ring } = plan;
  const skip = defragment ? BatchLayer.FRAGMENT : 0;
  let n = 0;
  let committed = 0;
  let peak = 0;
  let committedPeak = 0;
  // The episode (from when the direction starts holding until it holds nothing again): positions
  // count bytes from the next expected byte at its start; the window starts at block `originBlock`.
  // The held list runs from `first` to `last` (run indices, -1 at the ends).
  let first = -1;
  let last = -1;
  let count = 0;
  let head = 0;
  let originBlock = 0;
  let topBlock = 0;
  let blocks = 0;
  let k = from;
  for (; k < to; k++) {
    const lay = layers[k]!;
    if ((lay & skip) !== 0 || (lay & BatchLayer.TCP) === 0 || ipVersion[k] !== 4) break;
    if ((tcpFlags[k]! | PSH) !== (ACK | PSH)) break;
    const begin = Math.min(offsets[k]! + payloadOffset[k]!, size);
    const len = Math.min(payloadLength[k]!, size - begin);
    if (len < 2 || ipLength[k]! - (l4Offset[k]! - l3Offset[k]! + tcpHeaderLength[k]!) > len) break;
    if (ipSrc[k] !== src || ipDst[k] !== dst || srcPort[k]! * 65536 + dstPort[k]! !== ports) break;
    const d = (tcpSeq[k]! - next) | 0;
    if (d < 0) break;
    const r = k - from;
    const o = r * PLAN_RECORD;
    rec[o + PLAN_START] = begin;
    rec[o + PLAN_LENGTH] = len;
    if (count === 0) {
      // Continues the stream with nothing held: the per-row path's, as fast (the plan ends here).
      if (d === 0) break;
      // Starts holding: the state block, then the blocks the range touches.
      const end = d + len;
      if (end > limit) break;
      const lo = d >>> REASM_BLOCK_SHIFT;
      const hi = (end - 1) >>> REASM_BLOCK_SHIFT;
      if (hi - lo + 2 > avail) break;
      for (let b = lo; b <= hi; b++) ring[b & (RING - 1)] = 1;
      head = 0;
      originBlock = 0;
      topBlock = hi;
      blocks = hi - lo + 2;
      first = last = r;
      hPrev[r] = hNext[r] = -1;
      hAt[r] = d;
      hEnd[r] = end;
      count = 1;
      rec[o + PLAN_HANDED] = 0;
      rec[o + PLAN_MID] = 0;
      rec[o + PLAN_BLOCKS] = blocks;
      if (blocks > peak) peak = blocks;
      continue;
    }
    if (d > 0) {
      const at = head + d;
      const end = at + len;
      if (end - (originBlock << REASM_BLOCK_SHIFT) > limit || count >= REASM_MAX_RUNS) break;
      // Its place in the list, from the back (segments mostly come in ascending order): after
      // `p`, before `q`; it may not overlap `q`.
      let q = -1;
      let p = last;
      while (p >= 0 && hEnd[p]! > at) {
        q = p;
        p = hPrev[p]!;
      }
      if (q >= 0 && hAt[q]! < end) break;
      const lo = at >>> REASM_BLOCK_SHIFT;
      const hi = (end - 1) >>> REASM_BLOCK_SHIFT;
      let add = 0;
      for (let b = lo; b <= hi; b++) if (ring[b & (RING - 1)] === 0) add++;
      if (blocks + add > avail) break;
      for (let b = lo; b <= hi; b++) ring[b & (RING - 1)] = 1;
      if (hi > topBlock) topBlock = hi;
      blocks += add;
      hAt[r] = at;
      hEnd[r] = end;
      hPrev[r] = p;
      hNext[r] = q;
      if (p >= 0) hNext[p] = r;
      else first = r;
      if (q >= 0) hPrev[q] = r;
      else last = r;
      count++;
      rec[o + PLAN_HANDED] = 0;
      rec[o + PLAN_MID] = 0;
      rec[o + PLAN_BLOCKS] = blocks;
      if (blocks > peak) peak = blocks;
      continue;
    }
    // Continues the stream while ranges are held: handed on unless it runs into the first of them.
    if (hAt[first]! < head + len) break;
    order[n++] = r;
    next = (next + len) | 0;
    head += len;
    blocks -= freeBehind(ring, originBlock, head);
    if (head >>> REASM_BLOCK_SHIFT > originBlock) originBlock = head >>> REASM_BLOCK_SHIFT;
    rec[o + PLAN_MID] = blocks;
    let c = 1;
    while (count > 0 && hAt[first]! === head) {
      const m = hEnd[first]! - head;
      order[n++] = first;
      head += m;
      next = (next + m) | 0;
      first = hNext[first]!;
      count--;
      c++;
    }
    rec[o + PLAN_HANDED] = c;
    if (count === 0) {
      // Holds nothing: every block given back (the state block too), a commit point.
      for (let b = originBlock; b <= topBlock; b++) ring[b & (RING - 1)] = 0;
      blocks = 0;
      first = last = -1;
      rec[o + PLAN_BLOCKS] = 0;
      committed = r + 1;
      committedPeak = peak;
      continue;
    }
    hPrev[first] = -1;
    blocks -= freeBehind(ring, originBlock, head);
    if (head >>> REASM_BLOCK_SHIFT > originBlock) originBlock = head >>> REASM_BLOCK_SHIFT;
    rec[o + PLAN_BLOCKS] = blocks;
  }
  if (count > 0) for (let b = originBlock; b <= topBlock; b++) ring[b & (RING - 1)] = 0;
  plan.rows = committed;
  plan.stop = k;
  plan.peak = committedPeak;
}

/** Gives back the ring's blocks from `originBlock` up to the one holding `head` (wholly behind it); how many were taken. */
function freeBehind(ring: Uint8Array, originBlock: number, head: number): number {
  let freed = 0;
  for (let b = originBlock, behind = head >>> REASM_BLOCK_SHIFT; b < behind; b++) {
    if (ring[b & (RING - 1)] !== 0) {
      ring[b & (RING - 1)] = 0;
      freed++;
    }
  }
  return freed;
}
