// TCP segmentation into whole frames, TSO-style: link, IP and TCP headers made a template once, then
// one WebAssembly call (assembly/wire/segment.ts; twin src/kernels/segment.ts) per batch of frames.
// It builds link and IP headers too, so it lives above the layers, beside frame-template.ts; the
// segmentation rules themselves (MSS room, flags, options) are src/transport/tcp-segment.ts's.
import { pseudoHeaderSum } from './checksum/incremental.js';
import { tableValueOf } from './dissect.js';
import { emitFrame, type FrameLayer } from './encode.js';
import { WireError } from './errors.js';
import { compileFrame } from './frame-template.js';
import { segmentFramesJs, SEGMENT_IP4_CHECKSUM, SEGMENT_L4_CHECKSUM, SEGMENT_NONE, SEGMENT_PARAM as P, SEGMENT_PARAM_COUNT } from './kernels/segment.js';
import { ethernetEncoder } from './link/ethernet.js';
import { ieee8021adEncoder, vlanEncoder } from './link/vlan.js';
import { encodeCarrier, type PseudoHeaderAddresses } from './network/ip-carrier.js';
import { ipv4Encoder } from './network/ipv4.js';
import { ipv6Encoder } from './network/ipv6.js';
import type { EncodeContext, Encoder, LayerSpec } from './packet/protocol.js';
import type { Arena } from './wasm/arena.js';
import { wasmArena } from './wasm/backend.js';
import { trapToWireError } from './wasm/trap.js';
import { encodeTcp, TCP_HEADER_LENGTH, tcpEncoder, TcpFlag, type TcpInput } from './transport/tcp.js';
import { tcpOptionLength } from './transport/tcp-options.js';
import { bad, checkInt, LAYER, optionBytes, payloadRoom, segmentFlags, type SegmentationOptions } from './transport/tcp-segment.js';

/** Options of `compileSegmenter`. */
export interface SegmenterOptions extends SegmentationOptions {
  /** Added to the IPv4 id from one segment to the next (default 1, as Linux TSO does; 0 keeps it). */
  idStep?: number;
}

/** Where a stream's segmentation starts, when not where the compiled layers say. */
export interface SegmentStart {
  /** Sequence number of the stream's first byte (default: the `tcp` layer's `seq`). */
  seq?: number;
  /** IPv4 id of the first segment (default: the `ip` layer's `id`). */
  id?: number;
  /** TSval of the first segment (default: the timestamp option's). */
  tsval?: number;
}

/**
 * Frames from one kernel call: `count` frames back to back in `data`, frame i spanning
 * `data.subarray(offsets[i], offsets[i + 1])`. From `TcpSegmenter.batches` both are views of a
 * scratch region (WebAssembly memory, or a buffer the JS twin reuses), valid until the next batch
 * is asked for or another batch call (`decodeBatch`, a segmenter) runs: hand them to a writer, or
 * copy what must outlive that.
 */
export class SegmentBatch {
  /** @internal made by `TcpSegmenter.batches`. */
  constructor(
    /** The frames, back to back. */
    readonly data: Uint8Array,
    /** `count + 1` frame offsets into `data`. */
    readonly offsets: Uint32Array,
    readonly count: number,
    /** Index of the first frame among all of the stream's frames. */
    readonly first: number,
    /** Where the first frame's payload starts in the stream. */
    readonly streamOffset: number,
  ) {}

  /** Frame i (0 <= i < count) as a view. */
  frame(i: number): Uint8Array {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw bad(`frame index must be 0..${this.count - 1}, got ${i}`);
    return this.data.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  *[Symbol.iterator](): IterableIterator<Uint8Array> {
    for (let i = 0; i < this.count; i++) yield this.data.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }
}

const ENCODERS: Readonly<Record<string, Encoder>> = {
  eth: ethernetEncoder as unknown as Encoder,
  vlan: vlanEncoder as unknown as Encoder,
  ieee8021ad: ieee8021adEncoder as unknown as Encoder,
  ip: ipv4Encoder as unknown as Encoder,
  ipv6: ipv6Encoder as unknown as Encoder,
  tcp: tcpEncoder as unknown as Encoder,
};

/** Sum of big-endian 16-bit words of b[from, to), `from` at an even position. */
function wordSum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  let i = from;
  for (; i + 1 < to; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < to) s += b[i]! << 8;
  return s;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Scratch bytes before the template: the parameter table (23 u32), rounded to a cache line. */
const PARAMS_BYTES = 128;

/**
 * Frames per call when they pass through scratch: at most this many bytes of them. Measured on the
 * 1 MiB stream at MSS 1460 (segmentInto a Uint8Array: stream copied in, frames copied out), calls
 * of 32-256 segments ran 3.1-4.8 M frames/s against 2.1-2.7 M for one call over the whole stream,
 * whose 3 MiB of input, frames and output no longer fit in L2 between the copies.
 */
const COPY_CALL_BYTES = 256 * 1024;

/** The JS twin's scratch: reused across calls like the WebAssembly one, grown to what a batch needs. */
let jsScratch = new Uint8Array(0);

/**
 * TCP segmentation into whole frames, compiled once from the layers of a frame (`compileSegmenter`).
 * Each call segments one stream; frames are byte for byte what `encodeFrame` writes for the
 * layers with each segment's `seq`, flags, IPv4 id and TSval (see `segmentTcp` for the rules).
 */
export class TcpSegmenter {
  /** Protocol names of the layers, outermost first. */
  readonly layers: readonly string[];
  /** Bytes before each frame's payload. */
  readonly headerLength: number;
  /** Payload bytes per segment: the MSS less TCP and IP option bytes, capped by the IP length fields. */
  readonly room: number;

  private readonly template: Uint8Array;
  private readonly params: Uint32Array;
  private readonly minLength: number;
  private readonly flags: { first: number; mid: number; last: number; only: number };
  /** The 16-bit words at TCP offset 12 (data offset and flags) of those segments. */
  private readonly flagWords: { first: number; mid: number; last: number; only: number };
  private readonly seq: number;
  private readonly id: number;
  private readonly tsval: number;
  private readonly idStep: number;
  private readonly tsStep: number;
  private readonly hasIp4: boolean;
  private readonly hasTs: boolean;

  /** @internal use `compileSegmenter`. */
  constructor(layers: readonly FrameLayer[], options: SegmenterOptions) {
    if (options === null || typeof options !== 'object') throw bad('options with an mss are required');
    // compileFrame validates the shape (known layers, one IP layer, transport last) and gives the
    // frame lengths, runt padding included.
    const shape = compileFrame(layers);
    const names = shape.layers;
    if (names[names.length - 1] !== 'tcp') throw new WireError('unsupported', `the last layer must be tcp, got ${names[names.length - 1] ?? 'none'}`, { layer: LAYER });
    const specs: LayerSpec[] = layers.map((l, i) => ({ name: names[i]!, header: l[names[i]!]! }));
    const tcpIndex = specs.length - 1;
    const tcp = specs[tcpIndex]!.header as TcpInput;
    for (const s of specs) {
      const h = s.header as Record<string, unknown>;
      if (s.name === 'eth' && h.fcs) throw new WireError('unsupported', 'eth.fcs: segmentation does not append an FCS (NICs add it on the wire)', { layer: LAYER });
      if ((s.name === 'ip' || s.name === 'tcp') && h.checksum !== undefined) {
        throw new WireError('unsupported', `${s.name}.checksum is computed per segment; leave it out`, { layer: LAYER });
      }
    }
    const starts: number[] = [];
    let at = 0;
    for (const s of specs) {
      starts.push(at);
      at += ENCODERS[s.name]!.headerLength(s.header);
    }
    const hl = at;
    const tcpAt = starts[tcpIndex]!;
    const tcpLength = hl - tcpAt;
    const ipIndex = specs.findIndex((s) => s.name === 'ip' || s.name === 'ipv6');
    const ip4At = ipIndex >= 0 && specs[ipIndex]!.name === 'ip' ? starts[ipIndex]! : -1;
    const ip6At = ipIndex >= 0 && specs[ipIndex]!.name === 'ipv6' ? starts[ipIndex]! : -1;
    const ipOptions = ip4At >= 0 ? tcpAt - ip4At - 20 : ip6At >= 0 ? tcpAt - ip6At - 40 : 0;

    this.layers = names;
    this.headerLength = hl;
    this.room = payloadRoom(options.mss, tcpLength - TCP_HEADER_LENGTH, ipOptions, shape.maxPayloadLength);
    this.minLength = shape.frameLength(0) > hl ? shape.frameLength(0) : 0;
    this.flags = segmentFlags(checkInt(tcp.flags ?? TcpFlag.ACK, 0, 0xfff, 'tcp.flags'), options.push ?? true);
    this.idStep = checkInt(options.idStep ?? 1, 0, 0xffff, 'idStep');
    this.tsStep = checkInt(options.tsvalStep ?? 0, 0, 0xffffffff, 'tsvalStep');

    // The template: emitFrame's bytes for an empty payload; per-segment fields are patched.
    const scratch = new Uint8Array(Math.max(hl, shape.frameLength(0)));
    emitFrame(layers, new Uint8Array(0), scratch, 0);
    const tpl = scratch.slice(0, hl);
    this.template = tpl;
    this.seq = checkInt(tcp.seq ?? 0, 0, 0xffffffff, 'tcp.seq');
    this.id = ip4At >= 0 ? (tpl[ip4At + 4]! << 8) | tpl[ip4At + 5]! : 0;
    this.hasIp4 = ip4At >= 0;

    let tsAt = -1;
    let optionAt = tcpAt + TCP_HEADER_LENGTH;
    for (const o of tcp.options ?? []) {
      if (o.kind === 'timestamp') {
        tsAt = optionAt + 2;
        break;
      }
      optionAt += tcpOptionLength(o);
    }
    this.hasTs = tsAt >= 0;
    this.tsval = tsAt >= 0 ? ((tpl[tsAt]! << 24) | (tpl[tsAt + 1]! << 16) | (tpl[tsAt + 2]! << 8) | tpl[tsAt + 3]!) >>> 0 : 0;

    let ip4Base = 0;
    if (ip4At >= 0) {
      const h = tpl.slice(ip4At, tcpAt);
      h.fill(0, 2, 6);
      h.fill(0, 10, 12);
      ip4Base = wordSum(h, 0, h.length);
    }
    const ctx: EncodeContext = { outer: specs.slice(0, tcpIndex), inner: [], codeFor: tableValueOf, fill: true };
    const carrier = encodeCarrier(ctx);
    let l4Base = 0;
    if (carrier !== undefined) {
      const h = tpl.slice(tcpAt, hl);
      h.fill(0, 4, 8);
      h.fill(0, 12, 14);
      h.fill(0, 16, 18);
      if (tsAt >= 0) h.fill(0, tsAt - tcpAt, tsAt - tcpAt + 4);
      l4Base = pseudoHeaderSum(carrier.source, carrier.destination, 6, 0) + wordSum(h, 0, h.length);
    }
    const doff = (tpl[tcpAt + 12]! & 0xf0) << 8;
    const p = new Uint32Array(SEGMENT_PARAM_COUNT);
    p[P.HEADER_LENGTH] = hl;
    p[P.IP4_AT] = ip4At >= 0 ? ip4At : SEGMENT_NONE;
    p[P.IP6_AT] = ip6At >= 0 ? ip6At : SEGMENT_NONE;
    p[P.TCP_AT] = tcpAt;
    p[P.TS_AT] = tsAt >= 0 ? tsAt : SEGMENT_NONE;
    p[P.TS_ODD] = tsAt >= 0 ? (tsAt - tcpAt) & 1 : 0;
    p[P.IP_COVERED] = ip4At >= 0 ? hl - ip4At : ip6At >= 0 ? hl - ip6At - 40 : 0;
    p[P.IP4_BASE] = ip4Base;
    p[P.L4_BASE] = l4Base;
    p[P.TCP_LENGTH] = tcpLength;
    p[P.ID_STEP] = this.idStep;
    p[P.TS_STEP] = this.tsStep;
    p[P.ROOM] = this.room;
    p[P.MIN_LENGTH] = this.minLength;
    p[P.CHECKSUMS] = (ip4At >= 0 ? SEGMENT_IP4_CHECKSUM : 0) | (carrier !== undefined ? SEGMENT_L4_CHECKSUM : 0);
    this.params = p;
    this.flagWords = { first: doff | this.flags.first, mid: doff | this.flags.mid, last: doff | this.flags.last, only: doff | this.flags.only };
  }

  /** How many frames a stream of `streamLength` bytes becomes. */
  frameCount(streamLength: number): number {
    return Math.ceil(checkInt(streamLength, 0, Number.MAX_SAFE_INTEGER, 'streamLength') / this.room);
  }

  /** Bytes all frames of a stream of `streamLength` bytes take, back to back. */
  outputLength(streamLength: number): number {
    const n = this.frameCount(streamLength);
    if (n === 0) return 0;
    const lastPayload = streamLength - (n - 1) * this.room;
    return (n - 1) * this.frameLength(this.room) + this.frameLength(lastPayload);
  }

  private frameLength(payload: number): number {
    const end = this.headerLength + payload;
    return end < this.minLength ? this.minLength : end;
  }

  private start(values: SegmentStart | undefined): { seq: number; id: number; tsval: number } {
    const v = values ?? {};
    if (v.id !== undefined && !this.hasIp4) throw bad('id given, but the layers have no ip (IPv4) layer');
    if (v.tsval !== undefined && !this.hasTs) throw bad('tsval given, but the tcp layer has no timestamp option');
    return {
      seq: v.seq === undefined ? this.seq : checkInt(v.seq, 0, 0xffffffff, 'seq'),
      id: v.id === undefined ? this.id : checkInt(v.id, 0, 0xffff, 'id'),
      tsval: v.tsval === undefined ? this.tsval : checkInt(v.tsval, 0, 0xffffffff, 'tsval'),
    };
  }

  /** Fills the per-call parameters: segments from `first` on, bytes from `streamAt`, ending the stream or not. */
  private callParams(p: Uint32Array, s: { seq: number; id: number; tsval: number }, first: number, streamAt: number, final: boolean, offsetBase: number): void {
    p.set(this.params);
    const f = this.flagWords;
    p[P.SEQ] = (s.seq + streamAt) % 0x100000000;
    p[P.ID] = (s.id + Math.imul(first, this.idStep)) & 0xffff;
    p[P.TSVAL] = (s.tsval + Math.imul(first, this.tsStep)) >>> 0;
    p[P.FIRST_FLAGS] = first === 0 ? f.first : f.mid;
    p[P.MID_FLAGS] = f.mid;
    p[P.LAST_FLAGS] = final ? f.last : f.mid;
    p[P.ONLY_FLAGS] = first === 0 ? (final ? f.only : f.first) : final ? f.last : f.mid;
    p[P.OFFSET_BASE] = offsetBase;
  }

  /**
   * Segments `stream` into frames, a batch per kernel call (some 256 KiB of frames each: 173 frames
   * at MSS 1460), each batch a zero-copy view of scratch memory valid until the next one is asked
   * for (see `SegmentBatch`). A stream made by `allocBuffer` is read in place; others are copied
   * into WebAssembly memory a batch at a time. Arguments are checked before the first batch.
   *
   * @example
   * const seg = compileSegmenter([{ eth }, { ip: { src, dst } }, { tcp: { srcport: 443, dstport: 50000, ack } }], { mss: 1460 });
   * for (const batch of seg.batches(body, { seq: nextSeq })) {
   *   for (const frame of batch) socket.write(frame);   // or write batch.data with batch.offsets
   * }
   */
  batches(stream: Uint8Array, values?: SegmentStart): IterableIterator<SegmentBatch> {
    if (!(stream instanceof Uint8Array)) throw bad('stream must be a Uint8Array');
    return this.run(stream, this.start(values));
  }

  private *run(stream: Uint8Array, s: { seq: number; id: number; tsval: number }): IterableIterator<SegmentBatch> {
    const total = this.frameCount(stream.length);
    if (total === 0) return;
    // No JS detour for small streams under `auto`: WebAssembly measured faster at every size, a
    // 64-byte stream included (segmentInto: 0.98 us against the twin's 1.47 us).
    const a = wasmArena();
    if (a === null) {
      yield* this.batchesJs(stream, s, total);
      return;
    }
    let src = stream;
    // A view of WebAssembly memory outside the allocBuffer region (a batch's own scratch) would be
    // overwritten while it is read: work from a copy.
    if (a.owns(src) && !a.inUserRegion(src.byteOffset, src.length)) src = src.slice();
    const inPlace = a.owns(src);
    const plan = this.plan(a, inPlace, true);
    let first = 0;
    let streamAt = 0;
    while (first < total) {
      const segs = Math.min(plan.segments, total - first);
      const bytes = Math.min(segs * this.room, src.length - streamAt);
      const count = this.call(a, plan, src, streamAt, bytes, s, first, plan.out, plan.outSize, 0);
      const heap = a.heap;
      const offsets = new Uint32Array(heap.buffer, plan.offsets, count + 1);
      yield new SegmentBatch(heap.subarray(plan.out, plan.out + offsets[count]!), offsets, count, first, streamAt);
      first += count;
      streamAt += bytes;
    }
  }

  private *batchesJs(stream: Uint8Array, s: { seq: number; id: number; tsval: number }, total: number): IterableIterator<SegmentBatch> {
    const maxFrame = this.frameLength(this.room);
    const perCall = Math.min(total, Math.max(1, Math.floor(COPY_CALL_BYTES / maxFrame)));
    const outAt = align64((perCall + 1) * 4);
    const need = outAt + perCall * maxFrame;
    if (jsScratch.length < need) jsScratch = new Uint8Array(need);
    const scratch = jsScratch;
    const offsets = new Uint32Array(scratch.buffer, 0, perCall + 1);
    const out = scratch.subarray(outAt, outAt + perCall * maxFrame);
    const p = new Uint32Array(SEGMENT_PARAM_COUNT);
    let first = 0;
    let streamAt = 0;
    while (first < total) {
      const segs = Math.min(perCall, total - first);
      const bytes = Math.min(segs * this.room, stream.length - streamAt);
      this.callParams(p, s, first, streamAt, streamAt + bytes === stream.length, 0);
      const count = segmentFramesJs(this.template, stream.subarray(streamAt, streamAt + bytes), out, offsets.subarray(0, segs + 1), p);
      if (count !== segs) throw new WireError('internal', `segmentation wrote ${count} of ${segs} frames`, { layer: LAYER });
      yield new SegmentBatch(out.subarray(0, offsets[count]!), offsets.subarray(0, count + 1), count, first, streamAt);
      first += count;
      streamAt += bytes;
    }
  }

  /**
   * The scratch layout of one call: parameters, template, offsets table, output frames (unless they
   * go straight to the caller's WebAssembly memory) and, for streams not already in WebAssembly
   * memory, the input slice.
   */
  private plan(a: Arena, inPlace: boolean, outInScratch: boolean) {
    const maxFrame = this.frameLength(this.room);
    const paramsAt = a.scratchPtr;
    const tplAt = paramsAt + PARAMS_BYTES;
    const offsetsAt = tplAt + align64(this.headerLength);
    const fixed = offsetsAt - a.scratchPtr + 3 * 64 + 8;
    const perSegment = 4 + (outInScratch ? maxFrame : 0) + (inPlace ? 0 : this.room);
    let segments = Math.floor((a.scratchSize - fixed) / perSegment);
    // Frames that pass through scratch (copied in, or out, or read there by the caller) go in calls
    // of at most COPY_CALL_BYTES of frames, so each call's bytes are still in cache when copied.
    if (outInScratch || !inPlace) segments = Math.min(segments, Math.max(1, Math.floor(COPY_CALL_BYTES / maxFrame)));
    if (segments < 1) throw new WireError('internal', `a ${maxFrame}-byte frame does not fit the batch scratch`, { layer: LAYER });
    const out = align64(offsetsAt + (segments + 1) * 4);
    const outSize = outInScratch ? segments * maxFrame : 0;
    const input = align64(out + outSize);
    return { params: paramsAt, template: tplAt, offsets: offsetsAt, segments, out, outSize, input };
  }

  /** One kernel call over src[streamAt, streamAt + bytes): frames to outPtr, offsets (+ base) to the plan's table. */
  private call(a: Arena, plan: ReturnType<TcpSegmenter['plan']>, src: Uint8Array, streamAt: number, bytes: number, s: { seq: number; id: number; tsval: number }, first: number, outPtr: number, outLen: number, offsetBase: number): number {
    const heap = a.heap;
    const p = new Uint32Array(heap.buffer, plan.params, SEGMENT_PARAM_COUNT);
    this.callParams(p, s, first, streamAt, streamAt + bytes === src.length, offsetBase);
    heap.set(this.template, plan.template);
    if (src.length < streamAt + bytes) {
      // An allocBuffer view detached by memory growing between two batches reads as empty.
      throw new WireError('bad-value', 'the stream is a view of WebAssembly memory that grew (allocBuffer) during segmentation, which detached it', { layer: LAYER });
    }
    let srcPtr: number;
    if (a.owns(src)) {
      srcPtr = src.byteOffset + streamAt;
    } else {
      heap.set(src.subarray(streamAt, streamAt + bytes), plan.input);
      srcPtr = plan.input;
    }
    const segs = Math.ceil(bytes / this.room);
    let count: number;
    try {
      count = a.exports.segmentFrames(plan.template, this.headerLength, srcPtr, bytes, outPtr, outLen, plan.offsets, segs + 1, plan.params) >>> 0;
    } catch (cause) {
      throw trapToWireError('segmentFrames', cause);
    }
    if (count !== segs) throw new WireError('internal', `segmentation wrote ${count} of ${segs} frames`, { layer: LAYER });
    return count;
  }

  /**
   * Writes every frame of `stream` into `out` from `offset`, back to back (`outputLength` bytes),
   * and returns their offsets in `out`: `frameCount + 1` entries, frame i spanning
   * [offsets[i], offsets[i + 1]). When `out` is WebAssembly memory (a view from `allocBuffer`) the
   * kernel writes there directly: no copy of the frames at all. Pass `offsets` to reuse an array.
   *
   * @example
   * const n = seg.outputLength(body.length);
   * const out = allocBuffer(n);                       // or any Uint8Array of n bytes
   * const offsets = seg.segmentInto(body, out, 0, { seq: 1001, id: 7 });
   */
  segmentInto(stream: Uint8Array, out: Uint8Array, offset = 0, values?: SegmentStart, offsets?: Uint32Array): Uint32Array {
    if (!(stream instanceof Uint8Array)) throw bad('stream must be a Uint8Array');
    if (!(out instanceof Uint8Array)) throw bad('out must be a Uint8Array');
    const s = this.start(values);
    const total = this.frameCount(stream.length);
    const need = this.outputLength(stream.length);
    checkInt(offset, 0, out.length, 'offset');
    if (out.length - offset < need) {
      throw new WireError('bad-length', `the frames need ${need} bytes, out has ${out.length - offset} at offset ${offset}`, { layer: LAYER, offset, required: need, available: out.length - offset });
    }
    if (offset + need > 0xffffffff) throw new WireError('limit-exceeded', `frame offsets past 2^32 do not fit the offsets table`, { layer: LAYER });
    const table = offsets ?? new Uint32Array(total + 1);
    if (table.length < total + 1) throw bad(`offsets has room for ${table.length} entries, ${total + 1} are needed`);
    if (out.buffer === stream.buffer && out.byteOffset + offset < stream.byteOffset + stream.length && stream.byteOffset < out.byteOffset + offset + need) {
      throw bad('out overlaps the stream: the frames would overwrite bytes not yet segmented');
    }
    table[0] = offset;
    if (total === 0) return table;
    const a = wasmArena();
    if (a === null) {
      const p = new Uint32Array(SEGMENT_PARAM_COUNT);
      this.callParams(p, s, 0, 0, true, offset);
      const count = segmentFramesJs(this.template, stream, out.subarray(offset, offset + need), table.subarray(0, total + 1), p);
      if (count !== total) throw new WireError('internal', `segmentation wrote ${count} of ${total} frames`, { layer: LAYER });
      return table;
    }
    const direct = a.owns(out) && a.inUserRegion(out.byteOffset, out.length);
    if (a.owns(out) && !direct) throw bad('out is a view of WebAssembly scratch memory (a batch?): segmentation writes there; use allocBuffer or plain memory');
    if (!direct) {
      // Through scratch a batch at a time, copied out; the batch offsets are relative to each batch.
      let at = offset;
      for (const batch of this.batches(stream, values)) {
        out.set(batch.data, at);
        for (let i = 1; i <= batch.count; i++) table[batch.first + i] = at + batch.offsets[i]!;
        at += batch.data.length;
      }
      return table;
    }
    let src = stream;
    if (a.owns(src) && !a.inUserRegion(src.byteOffset, src.length)) src = src.slice();
    const plan = this.plan(a, a.owns(src), false);
    let first = 0;
    let streamAt = 0;
    let at = offset;
    while (first < total) {
      const segs = Math.min(plan.segments, total - first);
      const bytes = Math.min(segs * this.room, src.length - streamAt);
      const outPtr = out.byteOffset + at;
      const count = this.call(a, plan, src, streamAt, bytes, s, first, outPtr, offset + need - at, at);
      const written = new Uint32Array(a.heap.buffer, plan.offsets, count + 1);
      table.set(written.subarray(1), first + 1);
      at = written[count]!;
      first += count;
      streamAt += bytes;
    }
    return table;
  }
}

/**
 * Compiles the layers of a frame into a TCP segmenter: TSO in software. The layers are what
 * `encodeFrame` takes, ending in `tcp`: an optional `eth` (no FCS) with any VLAN tags, `ip` or
 * `ipv6` (options and extension headers allowed), and the `tcp` header every segment shares (ports,
 * `ack`, `window`, `flags` (default ACK), `options`; `seq` is the stream's first byte). Lengths and
 * checksums are computed per segment, so they cannot be given. Per segment: `seq` advances by the
 * payload, the IPv4 id by `idStep`, TSval by `tsvalStep`; FIN and PSH go on the last segment only,
 * CWR on the first only, PSH is added to the last (unless `push: false`). Payload per segment is
 * `mss` less the TCP option bytes and the IPv4 option / IPv6 extension header bytes (RFC 9293
 * 3.7.1); `mss` that leaves nothing throws `WireError` (`bad-value`).
 *
 * Frames are byte for byte `encodeFrame(layers with that segment's values, payload)`.
 *
 * @example
 * const seg = compileSegmenter(
 *   [
 *     { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
 *     { ip: { src: '10.0.0.1', dst: '10.0.0.2', dontFragment: true, id: 100 } },
 *     { tcp: { srcport: 40000, dstport: 443, seq: 1001, ack: 5001, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: 1, tsecr: 2 }] } },
 *   ],
 *   { mss: 1460 },                                  // 1448 payload bytes per frame (12 of options)
 * );
 * const records = [];
 * for (const batch of seg.batches(body)) for (const frame of batch) records.push(frame.slice()); // or write each frame out
 * const all = new Uint8Array(seg.outputLength(body.length));
 * const offsets = seg.segmentInto(body, all);      // every frame in one buffer
 */
export function compileSegmenter(layers: readonly FrameLayer[], options: SegmenterOptions): TcpSegmenter {
  return new TcpSegmenter(layers, options);
}
