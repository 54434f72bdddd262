// One direction of a TCP connection, reassembled: bytes in sequence order, each once.
//
// Segments that continue the stream are handed on as they are (a view of the caller's packet, no
// copy); segments ahead of it wait in the reassembly memory (tcp-buffers.ts, kernels in
// assembly/reassembly/) -- or, with zeroCopy, as views of the caller's bytes listed in JS
// (HeldViews, counted against the same blocks, copied in once a segment overlaps them) -- until
// the bytes before them arrive, the receiver acknowledges past the hole (the capture missed bytes
// the receiver got: RFC 9293 3.10.7.4 lets a receiver acknowledge only what it holds, so an ACK
// beyond a hole proves the hole was delivered), a cap is reached, or the connection ends. Each of
// those reports the hole as a gap of known size instead of waiting forever.
// Sequence numbers are compared modulo 2^32 (RFC 9293 3.4): `seq - next` as a signed 32-bit number.
import { WireError } from '../errors.js';
import {
  REASM_BLOCK,
  REASM_BLOCK_SHIFT,
  REASM_HEAD,
  REASM_MAX_RUNS,
  REASM_MAX_WINDOW,
  REASM_OUT_CONFLICT,
  REASM_OUT_OVERLAP,
  REASM_RUN_COUNT,
  REASM_RUNS,
  REASM_TABLE,
  REASM_TABLE_LEN,
} from '../kernels/tcp-reassembly.js';
import { writeHeld, type ReassemblyMemory } from './tcp-buffers.js';
import type { TcpConnection } from './tcp-flows.js';

/**
 * Which bytes win where segments overlap bytes held in the buffer: those that came `first`, or
 * `last`; or `tshark`, as tshark's follow: a segment that continues the stream is handed on whole
 * and trims the held bytes it covers, held segments otherwise keep their bytes (as under `first`).
 */
export type OverlapPolicy = 'first' | 'last' | 'tshark';

/**
 * Why bytes were skipped:
 * - `acked`: the receiver acknowledged past them, so they were sent but the capture missed them;
 * - `buffer-limit`: waiting for them would exceed a cap on buffered bytes (per flow or in total);
 * - `holes`: a direction holds the most separate ranges it can (`REASM_MAX_RUNS`);
 * - `truncated`: the capture cut the segment (snap length);
 * - `closed`: the connection ended (end of input, eviction, or its 5-tuple reused) with a hole.
 */
export type GapReason = 'acked' | 'buffer-limit' | 'holes' | 'truncated' | 'closed';

/** What a direction reports to: its connection's reassembler. */
export interface DirectionHost {
  readonly memory: ReassemblyMemory;
  /** 0 first, 1 last, 2 tshark. */
  readonly policy: number;
  /** How far ahead of the next expected byte a direction may buffer (bytes). */
  readonly window: number;
  /** Whether held segments may stay views of the caller's bytes (they outlive the reassembly). */
  readonly zeroCopy: boolean;
  /** A block, or 0 when the total cap leaves none even after reclaiming other directions' buffers. */
  allocBlock(requester: TcpDirection): number;
  freeBlock(ptr: number): void;
  /** Called when a direction starts (true) or stops (false) holding buffered bytes. */
  buffering(direction: TcpDirection, on: boolean): void;
  data(direction: TcpDirection, bytes: Uint8Array, timestamp: bigint): void;
  /** A fresh view of n writable bytes for a chunk copied out of the buffer (never handed out again). */
  outBuffer(n: number): Uint8Array;
  gap(direction: TcpDirection, size: number, reason: GapReason, timestamp: bigint): void;
}

/** Counters of one direction. */
export interface TcpDirectionStats {
  /** TCP segments seen (with or without payload). */
  segments: number;
  /** Payload bytes handed on in order (not counting gaps). */
  bytes: number;
  /** Segments carrying only bytes already handed on or held (keep-alives excluded). */
  retransmissions: number;
  /** Payload bytes seen again. */
  retransmittedBytes: number;
  /** Segments that arrived ahead of the next expected byte and were buffered. */
  outOfOrder: number;
  /** Buffered bytes that a later segment covered again, and those among them that differed. */
  overlapBytes: number;
  conflictBytes: number;
  gaps: number;
  gapBytes: number;
  keepAlives: number;
  zeroWindowProbes: number;
}

const EMPTY_STATS = (): TcpDirectionStats => ({
  segments: 0,
  bytes: 0,
  retransmissions: 0,
  retransmittedBytes: 0,
  outOfOrder: 0,
  overlapBytes: 0,
  conflictBytes: 0,
  gaps: 0,
  gapBytes: 0,
  keepAlives: 0,
  zeroWindowProbes: 0,
});

/**
 * A direction's held segments while they are views of the caller's bytes (zeroCopy): the ranges and
 * the block table its state block would list, kept in JS. Positions count bytes from the window's
 * origin when buffering began, so nothing shifts when the window slides. The blocks are allocated
 * and freed exactly as with copies (the caps, and so the gaps, come out the same) but left unwritten;
 * `TcpDirection.#materialize` writes state, ranges and bytes into them when a segment overlaps.
 */
class HeldViews {
  /** Position of the next expected byte, and of the window's first block (a multiple of a block). */
  head = 0;
  origin = 0;
  /**
   * The ranges in order: entry k of [first, first + count) of `order` is a range's id, and range
   * id is starts[id]..ends[id], its bytes views[id]. Inserting moves ids only (one number each, not
   * three); a range's numbers and view stay where its id put them. At most REASM_MAX_RUNS ranges.
   */
  first = 0;
  count = 0;
  order = new Int32Array(64);
  /** ends[order[k]] for each k of the list: the insert compares against these with no indirection. */
  orderEnds = new Float64Array(64);
  starts = new Float64Array(16);
  ends = new Float64Array(16);
  readonly views: (Uint8Array | undefined)[] = [];
  /** Ids given back, a stack: free[0, top); ids never handed out start at `made`. */
  #free = new Int32Array(16);
  #top = 0;
  #made = 0;
  /**
   * Block addresses by index in the window (0: its first block), in a ring: block b of the window
   * is ring[(base + b) & mask], base counting blocks the window has moved on since buffering began,
   * so sliding the window moves nothing. Entries b >= `used` are 0.
   */
  ring = new Int32Array(16);
  mask = 15;
  base = 0;
  used = 0;

  slot(b: number): number {
    return b < this.used ? this.ring[(this.base + b) & this.mask]! : 0;
  }

  setSlot(b: number, block: number): void {
    if (b >= this.ring.length) {
      // Twice as large (or more) a ring, the window's blocks laid out from its start.
      let n = this.ring.length * 2;
      while (n <= b) n *= 2;
      const ring = new Int32Array(n);
      for (let k = 0; k < this.used; k++) ring[k] = this.ring[(this.base + k) & this.mask]!;
      this.ring = ring;
      this.mask = n - 1;
      this.base = 0;
    }
    this.ring[(this.base + b) & this.mask] = block;
    if (b >= this.used) this.used = b + 1;
  }

  /** The window moved on k blocks: their slots emptied (the caller has given their blocks back). */
  slide(k: number): void {
    const ring = this.ring;
    const mask = this.mask;
    for (let b = 0; b < k && b < this.used; b++) ring[(this.base + b) & mask] = 0;
    this.used = k < this.used ? this.used - k : 0;
    this.base = (this.base + k) & mask;
  }

  /** The first range's start, or Infinity. */
  firstStart(): number {
    return this.count === 0 ? Infinity : this.starts[this.order[this.first]!]!;
  }

  /** Lists [start, end) holding `view`; false, changing nothing, when it touches a range or the list is full. */
  place(start: number, end: number, view: Uint8Array): boolean {
    const count = this.count;
    if (count >= REASM_MAX_RUNS) return false;
    // An id first: making one may grow the arrays (and move the list to the front of `order`).
    const id = this.#top > 0 ? this.#free[--this.#top]! : this.#newId();
    const order = this.order;
    const orderEnds = this.orderEnds;
    let first = this.first;
    if (first + count === order.length) {
      // The list has walked to the end of `order` (4 times as long as the ids made): moved back to its front.
      for (let k = 0; k < count; k++) {
        order[k] = order[first + k]!;
        orderEnds[k] = orderEnds[first + k]!;
      }
      this.first = first = 0;
    }
    const last = first + count;
    // From the back (segments mostly arrive in ascending order), moving each later id up one.
    let i = last;
    while (i > first && orderEnds[i - 1]! > start) {
      order[i] = order[i - 1]!;
      orderEnds[i] = orderEnds[i - 1]!;
      i--;
    }
    if (i < last && this.starts[order[i + 1]!]! < end) {
      // It overlaps the range after it: put the moved ones back.
      for (let k = i; k < last; k++) {
        order[k] = order[k + 1]!;
        orderEnds[k] = orderEnds[k + 1]!;
      }
      this.#free[this.#top++] = id;
      return false;
    }
    this.starts[id] = start;
    this.ends[id] = end;
    this.views[id] = view;
    order[i] = id;
    orderEnds[i] = end;
    this.count = count + 1;
    return true;
  }

  /** An id never handed out, the arrays made twice as long when they are full (and `order` with them). */
  #newId(): number {
    const n = this.starts.length;
    if (this.#made === n) {
      const grow = <T extends Float64Array | Int32Array>(a: T, size: number): T => {
        const b = new (a.constructor as new (n: number) => T)(size);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, 2 * n);
      this.ends = grow(this.ends, 2 * n);
      this.#free = grow(this.#free, 2 * n);
      const order = new Int32Array(8 * n);
      order.set(this.order.subarray(this.first, this.first + this.count));
      this.order = order;
      const orderEnds = new Float64Array(8 * n);
      orderEnds.set(this.orderEnds.subarray(this.first, this.first + this.count));
      this.orderEnds = orderEnds;
      this.first = 0;
    }
    return this.#made++;
  }

  /** Drops the first range, returning its view. */
  pop(): Uint8Array {
    const id = this.order[this.first]!;
    const view = this.views[id]!;
    this.views[id] = undefined;
    this.#free[this.#top++] = id;
    if (--this.count === 0) this.first = 0;
    else this.first++;
    return view;
  }

  /** Drops the ranges that end by `to` and cuts the front off one that starts before it. */
  dropBefore(to: number): void {
    while (this.count > 0) {
      const id = this.order[this.first]!;
      if (this.starts[id]! >= to) return;
      if (this.ends[id]! > to) {
        this.views[id] = this.views[id]!.subarray(to - this.starts[id]!);
        this.starts[id] = to;
        return;
      }
      this.pop();
    }
  }

  /** Empty again (the blocks listed were freed or handed to the state block). */
  reset(): void {
    while (this.count > 0) this.pop();
    this.slide(this.used);
    this.head = this.origin = this.first = this.base = 0;
  }
}

/**
 * HeldViews let go of, for the next direction that starts waiting (their arrays cost more to make
 * than to reuse); at most this many, so what stays allocated is bounded by the directions waiting.
 */
const spareHeld: HeldViews[] = [];
const MAX_SPARE_HELD = 64;

/** One direction of a connection: its sequence space, its buffer, its counters. */
export class TcpDirection {
  /** 0: sent by the connection's first packet's sender (tshark's node 0); 1: the other way. */
  readonly index: 0 | 1;
  /** The connection this direction belongs to (set by it). */
  connection: TcpConnection | undefined;
  readonly stats: TcpDirectionStats = EMPTY_STATS();
  /** Whether `next` is known (a segment or SYN has been seen). */
  started = false;
  /** The sequence number of the next byte expected, modulo 2^32. */
  next = 0;
  /** The initial sequence number, when this direction's SYN was seen. */
  isn: number | undefined;
  /** Sequence number of this direction's FIN, once seen. */
  finSeq: number | undefined;
  /** The receive window this direction's sender last advertised (unscaled), -1 before any. */
  window = -1;
  /** Bytes waiting in the buffer. */
  buffered = 0;
  /** Blocks held (state block included). */
  blocks = 0;
  /** Links of the reassembler's list of directions holding buffered bytes (its own to set). */
  bufferingPrev: TcpDirection | undefined;
  bufferingNext: TcpDirection | undefined;
  /** The state block in reassembly memory, or 0. */
  #state = 0;
  /** True while the held segments are views kept in `#held` (zeroCopy), not copies in blocks. */
  #zc = false;
  #held: HeldViews | undefined;
  readonly #host: DirectionHost;

  constructor(index: 0 | 1, host: DirectionHost) {
    this.index = index;
    this.#host = host;
  }

  /** Whether bytes are buffered (held segments waiting for earlier ones). */
  get holding(): boolean {
    return this.#state !== 0;
  }

  /**
   * A segment wholly captured (`payload` all of it, not empty): segment(), with the commonest case
   * of zeroCopy reordering -- a segment that waits ahead of the stream, clear of every range held,
   * within the per-flow cap, while views are held -- placed here in one step.
   */
  whole(seq: number, payload: Uint8Array, timestamp: bigint): void {
    const d = (seq - this.next) | 0;
    const h = this.#held;
    if (d > 0 && this.#zc && h !== undefined) {
      const len = payload.length;
      const rel = h.head - h.origin + d;
      const end = rel + len;
      const other = this.connection?.directions[1 - this.index];
      const limit = Math.min(this.#host.window - (other === undefined ? 0 : other.blocks * REASM_BLOCK), REASM_MAX_WINDOW - REASM_BLOCK);
      if (end <= limit) {
        // Counted first, as segment() does: taking a block may reclaim others' buffers, and their
        // callbacks see this count. Any trouble (no block, a change made by those callbacks) is
        // left to segment(), uncounted again; it finds the blocks taken here in place.
        this.stats.outOfOrder++;
        let ok = true;
        for (let b = rel >>> REASM_BLOCK_SHIFT, last = (end - 1) >>> REASM_BLOCK_SHIFT; b <= last; b++) {
          if (b < h.used && h.ring[(h.base + b) & h.mask] !== 0) continue;
          const block = this.#host.allocBlock(this);
          if (block === 0 || !this.#zc || this.#held !== h) {
            if (block !== 0) this.#host.freeBlock(block);
            ok = false;
            break;
          }
          h.setSlot(b, block);
          this.blocks++;
        }
        if (ok && h.place(h.origin + rel, h.origin + end, payload)) {
          this.buffered += len;
          return;
        }
        this.stats.outOfOrder--;
      }
    }
    this.segment(seq, payload, payload.length, timestamp);
  }

  /**
   * One segment's payload (captured bytes; `length` is its length on the wire when the capture cut
   * it). Keep-alives and zero-window probes are recognised by the caller and never reach here.
   */
  segment(seq: number, payload: Uint8Array, length: number, timestamp: bigint): void {
    let len = payload.length;
    if (length === 0) return;
    let d = (seq - this.next) | 0;
    if (d < 0) {
      if (d + length <= 0) {
        this.stats.retransmissions++;
        this.stats.retransmittedBytes += length;
        return;
      }
      // Starts in bytes already handed on: only its tail is new.
      this.stats.retransmittedBytes += -d;
      payload = payload.subarray(Math.min(len, -d));
      length += d;
      len = payload.length;
      seq = this.next;
      d = 0;
    }
    if (d > 0) {
      this.stats.outOfOrder++;
      this.#ahead(seq, payload, timestamp);
    } else if (this.#state === 0 || this.#firstRun() >= this.#head() + len) {
      // The fast path: in order and clear of anything buffered, handed on as the caller's bytes.
      this.next = (this.next + len) | 0;
      if (len > 0) {
        this.stats.bytes += len;
        this.#host.data(this, payload, timestamp);
      }
      if (this.#state !== 0) {
        this.#advance(len);
        this.#drain(timestamp);
      }
    } else {
      this.#overlapsBuffer(payload, timestamp);
    }
    if (len < length) this.#truncated(seq, len, length, timestamp);
  }

  /**
   * An in-order segment that runs into buffered bytes: placed like any other (the policy decides
   * which bytes win, conflicts are counted). Should the buffer not take it, the bytes before the
   * first held range are handed on as they are, the held ones follow, and the rest of the segment
   * is trimmed against them ("first" semantics).
   */
  #overlapsBuffer(payload: Uint8Array, timestamp: bigint): void {
    if (this.#zc) this.#materialize();
    if (this.#host.policy === 2) {
      // tshark: handed on whole; the window's advance clips the held ranges it covered.
      const len = payload.length;
      const held = this.buffered;
      this.next = (this.next + len) | 0;
      this.stats.bytes += len;
      this.#host.data(this, payload, timestamp);
      this.#advance(len);
      this.buffered = this.#heldBytes();
      this.stats.overlapBytes += held - this.buffered;
      this.#drain(timestamp);
      return;
    }
    if (this.#place(0, payload)) {
      this.#drain(timestamp);
      return;
    }
    const prefix = Math.min(payload.length, this.#firstRun() - this.#head());
    const seq = this.next;
    if (prefix > 0) {
      this.next = (this.next + prefix) | 0;
      this.stats.bytes += prefix;
      this.#host.data(this, payload.subarray(0, prefix), timestamp);
      this.#advance(prefix);
    }
    this.#drain(timestamp);
    if (prefix < payload.length) {
      const rest = (seq + prefix) | 0;
      this.#countHeldOverlap(rest, payload.subarray(prefix));
      this.segment(rest, payload.subarray(prefix), payload.length - prefix, timestamp);
    }
  }

  /** Bytes in the ranges held (after the window's head clipped some). */
  #heldBytes(): number {
    const u32 = this.#u32();
    const state = this.#state;
    let n = 0;
    for (let i = 0, count = this.#runCount(); i < count; i++) n += u32[(state + REASM_RUNS + i * 8 + 4) >>> 2]! - u32[(state + REASM_RUNS + i * 8) >>> 2]!;
    return n;
  }

  /** Overlap statistics for bytes about to be trimmed against ones just handed on from the buffer. */
  #countHeldOverlap(seq: number, rest: Uint8Array): void {
    const covered = Math.min(rest.length, (this.next - seq) | 0);
    if (covered > 0) this.stats.overlapBytes += covered;
  }

  /** The receiver acknowledged up to `ack`: holes below it were delivered, the capture missed them. */
  acknowledged(ack: number, timestamp: bigint): void {
    while (this.#state !== 0 && this.#runCount() > 0) {
      const start = this.#firstRun();
      const head = this.#head();
      const firstSeq = (this.next + (start - head)) | 0;
      if (((ack - firstSeq) | 0) <= 0) return;
      this.#skip(start - head, 'acked', timestamp);
      this.#drain(timestamp);
    }
  }

  /** Hands on everything buffered, reporting each hole as a gap (the connection is over). */
  flush(reason: GapReason, timestamp: bigint): void {
    while (this.#state !== 0 && this.#runCount() > 0) {
      this.#skip(this.#firstRun() - this.#head(), reason, timestamp);
      this.#drain(timestamp);
    }
    this.#release();
  }

  // -- buffer internals -------------------------------------------------------------------------

  #u32(): Uint32Array {
    return this.#host.memory.heap().u32;
  }
  #head(): number {
    if (this.#zc) return this.#held!.head - this.#held!.origin;
    return this.#u32()[(this.#state + REASM_HEAD) >>> 2]!;
  }
  #runCount(): number {
    if (this.#zc) return this.#held!.count;
    return this.#u32()[(this.#state + REASM_RUN_COUNT) >>> 2]!;
  }
  #firstRun(): number {
    if (this.#zc) {
      const h = this.#held!;
      return h.firstStart() - h.origin;
    }
    const u32 = this.#u32();
    return u32[(this.#state + REASM_RUN_COUNT) >>> 2]! === 0 ? Infinity : u32[(this.#state + REASM_RUNS) >>> 2]!;
  }

  /** A segment ahead of the stream: make room within the caps, then buffer it. */
  #ahead(seq: number, payload: Uint8Array, timestamp: bigint): void {
    const len = payload.length;
    // The per-flow cap covers both directions: what the other one holds counts against this one.
    const other = this.connection?.directions[1 - this.index];
    const limit = Math.min(this.#host.window - (other === undefined ? 0 : other.blocks * REASM_BLOCK), REASM_MAX_WINDOW - REASM_BLOCK);
    for (;;) {
      const d = (seq - this.next) | 0;
      if (d <= 0) {
        // Room was made by skipping up to it: it now continues the stream.
        this.segment(seq, payload, len, timestamp);
        return;
      }
      const head = this.#state === 0 ? 0 : this.#head();
      if (head + d + len <= limit) break;
      if (this.#state !== 0 && this.#runCount() > 0) {
        this.#skip(this.#firstRun() - head, 'buffer-limit', timestamp);
        this.#drain(timestamp);
      } else {
        this.#skip(d, 'buffer-limit', timestamp);
      }
    }
    if (len === 0) return;
    if (!this.#place((seq - this.next) | 0, payload)) {
      // No block to be had (total cap) or no room for another range: give up the first hole.
      const reason: GapReason = this.#lastFailure;
      if (this.#state !== 0 && this.#runCount() > 0) {
        this.#skip(this.#firstRun() - this.#head(), reason, timestamp);
        this.#drain(timestamp);
      } else {
        this.#skip((seq - this.next) | 0, reason, timestamp);
      }
      this.segment(seq, payload, len, timestamp);
    }
  }

  #lastFailure: GapReason = 'buffer-limit';

  /**
   * Buffers payload at d bytes past the next expected byte; false (nothing changed but blocks
   * allocated, which stay until the window passes them) when memory or ranges run out.
   */
  #place(d: number, payload: Uint8Array): boolean {
    const host = this.#host;
    if (this.#state === 0) {
      const state = host.allocBlock(this);
      if (state === 0) {
        this.#lastFailure = 'buffer-limit';
        return false;
      }
      this.#state = state;
      this.blocks++;
      if (host.zeroCopy) {
        // Views: the state block stays unwritten until (unless) #materialize.
        this.#zc = true;
        this.#held = spareHeld.pop() ?? new HeldViews();
      } else {
        // A fresh state block: no ranges, head 0, empty table.
        host.memory.heap().u32.fill(0, state >>> 2, (state + REASM_BLOCK) >>> 2);
      }
      host.buffering(this, true);
    }
    if (this.#zc && this.#placeView(d, payload)) return true;
    const state = this.#state;
    const rel = this.#head() + d;
    const end = rel + payload.length;
    const held = this.#held;
    for (let b = rel >>> REASM_BLOCK_SHIFT, last = (end - 1) >>> REASM_BLOCK_SHIFT; b <= last; b++) {
      const slot = (state + REASM_TABLE + b * 4) >>> 2;
      if ((this.#zc ? held!.slot(b) : host.memory.heap().u32[slot]) !== 0) continue;
      const block = host.allocBlock(this);
      if (block === 0 || this.#state === 0) {
        if (block !== 0) host.freeBlock(block);
        this.#lastFailure = 'buffer-limit';
        return false;
      }
      if (this.#zc) held!.setSlot(b, block);
      else host.memory.heap().u32[slot] = block;
      this.blocks++;
    }
    let fresh: number;
    if (this.#zc && held!.place(held!.origin + rel, held!.origin + end, payload)) {
      fresh = payload.length;
    } else {
      // Bytes held overlap (or the list needs merging): from here on they are copies.
      if (this.#zc) this.#materialize();
      fresh = host.memory.insert(state, rel, payload, host.policy & 1);
    }
    if (fresh < 0) {
      this.#lastFailure = 'holes';
      return false;
    }
    if (!this.#zc) {
      const u32 = host.memory.heap().u32;
      this.stats.overlapBytes += u32[(state + REASM_OUT_OVERLAP) >>> 2]!;
      this.stats.conflictBytes += u32[(state + REASM_OUT_CONFLICT) >>> 2]!;
    }
    if (fresh < payload.length && d >= 0) this.stats.retransmittedBytes += payload.length - fresh;
    this.buffered += fresh;
    return true;
  }

  /**
   * #place for a direction holding views: the blocks the range touches accounted for, and the view
   * listed. False, with the blocks taken kept (as #place keeps them), when a block cannot be had or
   * the range touches one held: #place then goes on with copies.
   */
  #placeView(d: number, payload: Uint8Array): boolean {
    const h = this.#held!;
    const rel = h.head - h.origin + d;
    const end = rel + payload.length;
    for (let b = rel >>> REASM_BLOCK_SHIFT, last = (end - 1) >>> REASM_BLOCK_SHIFT; b <= last; b++) {
      if (b < h.used && h.ring[(h.base + b) & h.mask] !== 0) continue;
      const block = this.#host.allocBlock(this);
      if (block === 0 || this.#state === 0 || !this.#zc) {
        if (block !== 0) this.#host.freeBlock(block);
        return false;
      }
      h.setSlot(b, block);
      this.blocks++;
    }
    if (!h.place(h.origin + rel, h.origin + end, payload)) return false;
    this.buffered += payload.length;
    return true;
  }

  /** Hands on the ranges that start at the head, one chunk each (as the segments came). */
  #drain(timestamp: bigint): void {
    if (this.#zc) {
      // Each range that starts at the head is popped whole (the ranges never overlap, so no other
      // is clipped) and handed on; the blocks the head leaves behind are given back once, after.
      let h = this.#held!;
      while (h.count > 0) {
        const id = h.order[h.first]!;
        const start = h.starts[id]!;
        if (start !== h.head) break;
        const n = h.ends[id]! - start;
        const view = h.pop();
        if (view.length !== n) {
          throw new WireError('internal', `a held segment's ${n} bytes are gone (detached: did WebAssembly memory grow under an allocBuffer capture?); zeroCopy needs the pushed bytes to stay until end()`, { layer: 'tcp', required: n, available: view.length });
        }
        h.head = start + n;
        this.buffered -= n;
        this.next = (this.next + n) | 0;
        this.stats.bytes += n;
        this.#host.data(this, view, timestamp);
        // The callback may have pushed to this reassembler again.
        if (!this.#zc) break;
        h = this.#held!;
      }
      if (this.#zc) this.#advance(0);
    }
    while (!this.#zc && this.#state !== 0) {
      const heap = this.#host.memory.heap();
      const u32 = heap.u32;
      const state = this.#state;
      if (u32[(state + REASM_RUN_COUNT) >>> 2] === 0) break;
      const head = u32[(state + REASM_HEAD) >>> 2]!;
      const start = u32[(state + REASM_RUNS) >>> 2]!;
      if (start !== head) break;
      const n = u32[(state + REASM_RUNS + 4) >>> 2]! - start;
      const out = this.#host.outBuffer(n);
      for (let at = 0; at < n; ) {
        const pos = head + at;
        const block = u32[(state + REASM_TABLE + (pos >>> REASM_BLOCK_SHIFT) * 4) >>> 2]!;
        const off = pos & (REASM_BLOCK - 1);
        const k = Math.min(REASM_BLOCK - off, n - at);
        out.set(heap.u8.subarray(block + off, block + off + k), at);
        at += k;
      }
      this.buffered -= n;
      this.next = (this.next + n) | 0;
      this.stats.bytes += n;
      this.#advance(n);
      this.#host.data(this, out, timestamp);
    }
    if (this.#state !== 0 && this.#runCount() === 0) this.#release();
  }

  /** Skips a hole of n bytes at the head (n > 0), reporting it. */
  #skip(n: number, reason: GapReason, timestamp: bigint): void {
    if (n <= 0) return;
    this.next = (this.next + n) | 0;
    this.stats.gaps++;
    this.stats.gapBytes += n;
    if (this.#state !== 0) this.#advance(n);
    this.#host.gap(this, n, reason, timestamp);
  }

  /** Moves the window's head n bytes on, giving back the blocks it leaves behind. */
  #advance(n: number): void {
    const state = this.#state;
    const memory = this.#host.memory;
    if (this.#zc) {
      // As the kernel: ranges behind the head dropped or clipped, blocks wholly behind it freed.
      const h = this.#held!;
      const to = h.head + n;
      if (n > 0) h.dropBefore(to);
      h.head = to;
      if (to - h.origin < REASM_BLOCK) return;
      const k = Math.floor((to - h.origin) / REASM_BLOCK);
      for (let b = 0; b < k && b < h.used; b++) {
        const block = h.ring[(h.base + b) & h.mask]!;
        if (block !== 0) {
          this.#host.freeBlock(block);
          this.blocks--;
        }
      }
      h.slide(k);
      h.origin += k * REASM_BLOCK;
      return;
    }
    // A skip can be up to 2^31 bytes: step so the kernel's 32-bit head never overflows.
    while (n > 0) {
      const step = Math.min(n, REASM_MAX_WINDOW);
      const u32 = memory.heap().u32;
      const k = Math.min(REASM_TABLE_LEN, Math.floor((u32[(state + REASM_HEAD) >>> 2]! + step) / REASM_BLOCK));
      for (let b = 0; b < k; b++) {
        const block = u32[(state + REASM_TABLE + b * 4) >>> 2]!;
        if (block !== 0) {
          this.#host.freeBlock(block);
          this.blocks--;
        }
      }
      memory.advance(state, step);
      n -= step;
    }
  }

  /**
   * Writes what `#held` keeps into the state block, as if every held segment had been inserted
   * there (ranges, head, block table, bytes): the direction works on copies from here until its
   * buffer empties.
   */
  #materialize(): void {
    const h = this.#held!;
    const heap = this.#host.memory.heap();
    const u32 = heap.u32;
    const state = this.#state;
    u32.fill(0, state >>> 2, (state + REASM_BLOCK) >>> 2);
    u32[(state + REASM_HEAD) >>> 2] = h.head - h.origin;
    u32[(state + REASM_RUN_COUNT) >>> 2] = h.count;
    for (let j = 0; j < h.count; j++) {
      const id = h.order[h.first + j]!;
      u32[(state + REASM_RUNS + j * 8) >>> 2] = h.starts[id]! - h.origin;
      u32[(state + REASM_RUNS + j * 8 + 4) >>> 2] = h.ends[id]! - h.origin;
    }
    for (let b = 0; b < h.used; b++) u32[((state + REASM_TABLE) >>> 2) + b] = h.slot(b);
    for (let j = 0; j < h.count; j++) {
      const id = h.order[h.first + j]!;
      writeHeld(heap, state, h.starts[id]! - h.origin, h.views[id]!);
    }
    this.#zc = false;
    this.#dropHeld();
  }

  /** Lets go of `#held` (its views, and itself to the spares): JS memory only while a direction waits. */
  #dropHeld(): void {
    const h = this.#held;
    if (h === undefined) return;
    h.reset();
    this.#held = undefined;
    if (spareHeld.length < MAX_SPARE_HELD) spareHeld.push(h);
  }

  /** Gives back the state block and every block still listed (nothing is buffered). */
  #release(): void {
    const state = this.#state;
    if (state === 0) return;
    if (this.#zc) {
      const h = this.#held!;
      for (let b = 0; b < h.used; b++) if (h.slot(b) !== 0) this.#host.freeBlock(h.slot(b));
      this.#zc = false;
      this.#dropHeld();
    } else {
      const u32 = this.#host.memory.heap().u32;
      // Until every data block this direction holds is found (most sit at the table's start).
      for (let b = 0, left = this.blocks - 1; left > 0 && b < REASM_TABLE_LEN; b++) {
        const block = u32[(state + REASM_TABLE + b * 4) >>> 2]!;
        if (block !== 0) {
          this.#host.freeBlock(block);
          left--;
        }
      }
    }
    this.#host.freeBlock(state);
    this.#state = 0;
    this.blocks = 0;
    this.buffered = 0;
    this.#host.buffering(this, false);
  }

  /** A segment the capture cut: the missing tail is a gap once the bytes before it are handed on. */
  #truncated(seq: number, captured: number, length: number, timestamp: bigint): void {
    const tail = (seq + captured) | 0;
    if (tail === this.next) this.#skip(length - captured, 'truncated', timestamp);
    this.#drain(timestamp);
  }
}
