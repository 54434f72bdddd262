// Many frames of one shape: the headers are encoded once by emitFrame and kept as bytes, with the
// offsets of the few fields that change from frame to frame and the ones'-complement sums of
// everything that does not. Each frame is then one copy of the header bytes, a few field writes
// and checksums finished from the precomputed sums (RFC 1071's sum is a sum: constant words are
// added once, at compile time), so the only work that grows with the frame is the payload's copy
// and its sum, and callers can skip both.
import { onesComplementSum } from './checksum/internet.js';
import { crc32 } from './checksum/crc32.js';
import { pseudoHeaderSum } from './checksum/incremental.js';
import { tableValueOf } from './dissect.js';
import { emitFrame, type FrameLayer } from './encode.js';
import { WireError } from './errors.js';
import { fold16 } from './kernels/internet.js';
import type { EncodeContext, Encoder, LayerSpec } from './packet/protocol.js';
import { ETHERNET_MIN_FRAME, ethernetEncoder, type EthernetInput } from './link/ethernet.js';
import { ieee8021adEncoder, vlanEncoder } from './link/vlan.js';
import { encodeCarrier } from './network/ip-carrier.js';
import { ipv4Encoder } from './network/ipv4.js';
import { ipv6Encoder } from './network/ipv6.js';
import { IP_PROTO_TCP, tcpEncoder, type TcpInput } from './transport/tcp.js';
import { tcpOptionLength } from './transport/tcp-options.js';
import { udpEncoder } from './transport/udp.js';

const LAYER = 'frame-template';
const IP_PROTO_UDP = 17;

/** The layers a template can hold: the shapes whose per-frame fields are known here. */
const SUPPORTED: Readonly<Record<string, Encoder>> = {
  eth: ethernetEncoder as unknown as Encoder,
  vlan: vlanEncoder as unknown as Encoder,
  ieee8021ad: ieee8021adEncoder as unknown as Encoder,
  ip: ipv4Encoder as unknown as Encoder,
  ipv6: ipv6Encoder as unknown as Encoder,
  tcp: tcpEncoder as unknown as Encoder,
  udp: udpEncoder as unknown as Encoder,
};

/**
 * Per-frame values: each one given replaces what the compiled layers say, as if it had been
 * written in them (`seq` in the `tcp` layer, `id` in the `ip` layer, `tsval`/`tsecr` in the first
 * timestamp option). Fields left out keep the compiled value.
 */
export interface FrameValues {
  /** IPv4 identification (0..0xffff). */
  id?: number;
  /** TCP sequence and acknowledgment numbers (0..0xffffffff). */
  seq?: number;
  ack?: number;
  /** The 12 TCP flag bits (`TcpFlag`). */
  flags?: number;
  /** TCP window (0..0xffff). */
  window?: number;
  /** The TCP timestamp option's values (the compiled `tcp.options` must hold one). */
  tsval?: number;
  tsecr?: number;
  /**
   * `onesComplementSum(payload)`, when the caller has it: the payload is then not read at all
   * (sum a payload once, send it in many frames). The payload starts at an even position of the
   * TCP/UDP segment (their headers are multiples of 4 bytes), so its sum needs no byte swap. Wrong
   * sums make wrong checksums: nothing checks them.
   */
  payloadSum?: number;
}

/** Per-frame values for `emitMany`, one entry per frame (typed arrays avoid per-frame objects). */
export interface FrameColumns {
  id?: ArrayLike<number>;
  seq?: ArrayLike<number>;
  ack?: ArrayLike<number>;
  flags?: ArrayLike<number>;
  window?: ArrayLike<number>;
  tsval?: ArrayLike<number>;
  tsecr?: ArrayLike<number>;
  payloadSum?: ArrayLike<number>;
}

function bad(message: string): WireError {
  return new WireError('bad-value', message, { layer: LAYER });
}

/** Sum of big-endian 16-bit words of bytes [from, to), `from` at an even position. */
function wordSum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  let i = from;
  for (; i + 1 < to; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < to) s += b[i]! << 8;
  return s;
}

/**
 * What a 32-bit field adds to a ones'-complement sum at a position of the given parity: at an odd
 * position its bytes straddle the 16-bit words, so the halves swap roles (RFC 1071 section 2 (B)).
 */
function u32Sum(v: number, odd: boolean): number {
  const hi = (v >>> 24) + ((v >>> 8) & 0xff);
  const lo = ((v >>> 16) & 0xff) + (v & 0xff);
  return odd ? (lo << 8) + hi : (hi << 8) + lo;
}

function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}
function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** A payload sum reduced to at most 17 bits, so adding it to the header sums stays in int range. */
function foldPayloadSum(ps: number): number {
  return ps > 0xffffffff ? fold16(ps) : (ps >>> 16) + (ps & 0xffff);
}

function checkU32(v: number, name: string): number {
  if (v >>> 0 !== v) throw bad(`${name} must be an integer 0..4294967295, got ${v}`);
  return v;
}
function checkU16(v: number, name: string): number {
  if ((v & 0xffff) !== v) throw bad(`${name} must be an integer 0..65535, got ${v}`);
  return v;
}
function checkFlags(v: number): number {
  if ((v & 0xfff) !== v) throw bad(`flags must be an integer 0..4095, got ${v}`);
  return v;
}
function checkSum(v: number): number {
  if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
    throw bad(`payloadSum must be a non-negative safe integer (onesComplementSum of the payload), got ${v}`);
  }
  return v;
}

function checkColumn(column: ArrayLike<number> | undefined, count: number, name: string): void {
  if (column !== undefined && !(column.length >= count)) throw bad(`columns.${name} has ${column.length} entries, ${count} frames need one each`);
}

const EMPTY = new Uint8Array(0);

/**
 * Frames of one shape, compiled by `compileFrame`. Every frame it writes is byte for byte the one
 * `emitFrame` writes for the same layers, values and payload.
 */
export class FrameTemplate {
  /** Protocol names of the layers, outermost first. */
  readonly layers: readonly string[];
  /** Bytes before the payload: the payload of every frame starts at `offset + headerLength`. */
  readonly headerLength: number;
  /** The largest payload a frame can carry (IP and UDP length fields are 16-bit). */
  readonly maxPayloadLength: number;

  private readonly header: Uint8Array;
  /** Frames shorter than this are padded with zeros (Ethernet runts), else 0. */
  private readonly minLength: number;
  private readonly fcs: boolean;
  // IPv4: offset of the header, what its total length counts besides the payload, and the
  // header's sum without total length, id and checksum; -1 when absent.
  private readonly ip4At: number;
  private readonly ip4Covered: number;
  private readonly ip4Base: number;
  private readonly ip4Checksum: boolean;
  private readonly ip4Id: number;
  private readonly ip6At: number;
  private readonly ip6Covered: number;
  // TCP / UDP: offset of the header, its length, and the pseudo-header plus header sum without
  // length and the per-frame fields; `l4Checksum` false keeps the compiled checksum (given, or
  // 0 with no IP layer outside).
  private readonly tcpAt: number;
  private readonly udpAt: number;
  private readonly l4Length: number;
  private readonly l4Base: number;
  private readonly l4Checksum: boolean;
  private readonly seq: number;
  private readonly ack: number;
  private readonly flags: number;
  private readonly window: number;
  private readonly dataOffsetBits: number;
  /** Offset of the timestamp option's tsval within the TCP header, -1 when there is none. */
  private readonly tsAt: number;
  private readonly tsOdd: boolean;
  private readonly tsval: number;
  private readonly tsecr: number;

  /** @internal use `compileFrame`. */
  constructor(layers: readonly FrameLayer[]) {
    const specs: LayerSpec[] = [];
    const starts: number[] = [];
    let at = 0;
    let ipIndex = -1;
    let l4Index = -1;
    for (const [i, layer] of layers.entries()) {
      const names = Object.keys(layer);
      if (names.length !== 1) throw bad(`layer ${i} must have exactly one protocol key, got ${names.length ? names.join(', ') : 'none'}`);
      const name = names[0]!;
      const encoder = SUPPORTED[name];
      if (encoder === undefined) {
        throw new WireError('unsupported', `layer ${i} is '${name}': templates hold ${Object.keys(SUPPORTED).join(', ')} (use emitFrame for others)`, { layer: LAYER });
      }
      if (l4Index >= 0) throw new WireError('unsupported', `layer ${i} ('${name}') follows the transport layer: a template's payload comes after tcp/udp`, { layer: LAYER });
      if (name === 'eth' && i !== 0) throw new WireError('unsupported', `eth must be the first layer (it is layer ${i})`, { layer: LAYER });
      const header = layer[name]! as Record<string, unknown>;
      if (name === 'ip' || name === 'ipv6') {
        if (ipIndex >= 0) throw new WireError('unsupported', 'templates hold one IP layer (no tunnels): use emitFrame', { layer: LAYER });
        ipIndex = i;
      }
      if (name === 'tcp' || name === 'udp') l4Index = i;
      // Length fields are what the template computes per frame; a given one is a crafted frame.
      const fixedLength = name === 'ip' ? 'totalLength' : name === 'ipv6' ? 'payloadLength' : name === 'udp' ? 'length' : undefined;
      if (fixedLength !== undefined && header[fixedLength] !== undefined) {
        throw new WireError('unsupported', `${name}.${fixedLength} is computed per frame; use emitFrame to write a given one`, { layer: LAYER });
      }
      specs.push({ name, header });
      starts.push(at);
      at += encoder.headerLength(header);
    }
    const hl = at;
    this.layers = specs.map((s) => s.name);
    this.headerLength = hl;

    // The header bytes are emitFrame's, for an empty payload; the fields that depend on the
    // payload or change per frame are rewritten by every emit.
    const scratch = new Uint8Array(Math.max(hl, ETHERNET_MIN_FRAME) + 4);
    emitFrame(layers, EMPTY, scratch, 0);
    const tpl = scratch.slice(0, hl);
    this.header = tpl;

    const eth = specs[0]?.name === 'eth' ? (specs[0].header as EthernetInput) : undefined;
    this.minLength = eth !== undefined && eth.pad !== false ? ETHERNET_MIN_FRAME : 0;
    this.fcs = eth?.fcs === true;

    let maxPayload = 0x7fffffff - hl;
    this.ip4At = this.ip6At = -1;
    this.ip4Covered = this.ip6Covered = this.ip4Base = this.ip4Id = 0;
    this.ip4Checksum = false;
    if (ipIndex >= 0) {
      const o = starts[ipIndex]!;
      const ip = specs[ipIndex]!.header as Record<string, unknown>;
      if (specs[ipIndex]!.name === 'ip') {
        const ipHl = (ipv4Encoder.headerLength as (h: object) => number)(ip);
        this.ip4At = o;
        this.ip4Covered = hl - o;
        this.ip4Id = readU16(tpl, o + 4);
        this.ip4Checksum = ip.checksum === undefined;
        const copy = tpl.slice(o, o + ipHl);
        copy.fill(0, 2, 6);
        copy.fill(0, 10, 12);
        this.ip4Base = wordSum(copy, 0, ipHl);
      } else {
        this.ip6At = o;
        this.ip6Covered = hl - o - 40;
      }
      maxPayload = Math.min(maxPayload, 0xffff - (hl - o - (this.ip6At >= 0 ? 40 : 0)));
    }

    this.tcpAt = this.udpAt = this.tsAt = -1;
    this.l4Length = this.l4Base = 0;
    this.l4Checksum = false;
    this.seq = this.ack = this.flags = this.window = this.dataOffsetBits = this.tsval = this.tsecr = 0;
    this.tsOdd = false;
    if (l4Index >= 0) {
      const o = starts[l4Index]!;
      const name = specs[l4Index]!.name;
      const h = specs[l4Index]!.header as Record<string, unknown>;
      const l4Hl = hl - o;
      this.l4Length = l4Hl;
      const ctx: EncodeContext = { outer: specs.slice(0, l4Index), inner: [], codeFor: tableValueOf, fill: true };
      const carrier = h.checksum === undefined ? encodeCarrier(ctx) : undefined;
      const copy = tpl.slice(o, hl);
      copy[(name === 'tcp' ? 16 : 6)] = 0;
      copy[(name === 'tcp' ? 17 : 7)] = 0;
      if (name === 'tcp') {
        this.tcpAt = o;
        this.seq = readU32(tpl, o + 4);
        this.ack = readU32(tpl, o + 8);
        this.dataOffsetBits = tpl[o + 12]! & 0xf0;
        this.flags = readU16(tpl, o + 12) & 0xfff;
        this.window = readU16(tpl, o + 14);
        copy.fill(0, 4, 16);
        let optionAt = 20;
        for (const option of (h as unknown as TcpInput).options ?? []) {
          if (option.kind === 'timestamp') {
            this.tsAt = optionAt + 2;
            this.tsOdd = (optionAt & 1) === 1;
            this.tsval = readU32(tpl, o + this.tsAt);
            this.tsecr = readU32(tpl, o + this.tsAt + 4);
            copy.fill(0, this.tsAt, this.tsAt + 8);
            break;
          }
          optionAt += tcpOptionLength(option);
        }
      } else {
        this.udpAt = o;
        copy.fill(0, 4, 6);
        maxPayload = Math.min(maxPayload, 0xffff - 8);
      }
      if (carrier !== undefined) {
        this.l4Checksum = true;
        const protocol = name === 'tcp' ? IP_PROTO_TCP : IP_PROTO_UDP;
        this.l4Base = pseudoHeaderSum(carrier.source, carrier.destination, protocol, 0) + wordSum(copy, 0, l4Hl);
      }
    }
    this.maxPayloadLength = Math.max(0, maxPayload);
  }

  /** Bytes a frame with a payload of `payloadLength` bytes takes (runts padded, FCS included). */
  frameLength(payloadLength: number): number {
    const end = this.headerLength + payloadLength;
    return (end < this.minLength ? this.minLength : end) + (this.fcs ? 4 : 0);
  }

  /**
   * Writes one frame at out[offset] and returns its length. `payload` is the payload's bytes, copied
   * in after the headers, or its length when the caller has already put it at
   * `offset + headerLength` (it is then neither copied nor moved).
   *
   * @example
   * const t = compileFrame([
   *   { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
   *   { ip: { src: '10.0.0.1', dst: '10.0.0.2' } },
   *   { tcp: { srcport: 40000, dstport: 80, flags: TcpFlag.ACK } },
   * ]);
   * let at = 0;
   * for (const chunk of chunks) {
   *   at += t.emit(out, at, chunk, { seq, ack, id });
   *   seq = (seq + chunk.length) >>> 0;
   *   id = (id + 1) & 0xffff;
   * }
   */
  emit(out: Uint8Array, offset: number, payload: Uint8Array | number, values?: FrameValues): number {
    let id = -1;
    let seq = -1;
    let ack = -1;
    let flags = -1;
    let window = -1;
    let tsval = -1;
    let tsecr = -1;
    let ps = -1;
    if (values !== undefined) {
      if (values.id !== undefined) id = checkU16(values.id, 'id');
      if (values.seq !== undefined) seq = checkU32(values.seq, 'seq');
      if (values.ack !== undefined) ack = checkU32(values.ack, 'ack');
      if (values.flags !== undefined) flags = checkFlags(values.flags);
      if (values.window !== undefined) window = checkU16(values.window, 'window');
      if (values.tsval !== undefined) tsval = checkU32(values.tsval, 'tsval');
      if (values.tsecr !== undefined) tsecr = checkU32(values.tsecr, 'tsecr');
      if (values.payloadSum !== undefined) ps = checkSum(values.payloadSum);
      this.checkApplies(id, seq, ack, flags, window, tsval, tsecr);
    }
    if (typeof payload === 'number') return this.write(out, offset, null, payload, id, seq, ack, flags, window, tsval, tsecr, ps);
    return this.write(out, offset, payload, payload.length, id, seq, ack, flags, window, tsval, tsecr, ps);
  }

  /**
   * Writes `count` frames back to back from out[offset] and returns their offsets: `count + 1`
   * entries, frame i spanning [offsets[i], offsets[i + 1]). `payload` is one payload for every frame
   * (copied into each, summed once), one per frame, or the length of payloads the caller has already
   * put in place (frame i's at `offsets[i] + headerLength`, each frame `frameLength(length)` long).
   * `columns` hold per-frame values; pass `offsets` to reuse an array.
   *
   * @example
   * const seq = Uint32Array.from({ length: 64 }, (_, i) => isn + i * 1460);
   * const ends = t.emitMany(out, 0, 64, chunk, { seq, id: Uint16Array.from({ length: 64 }, (_, i) => i) });
   */
  emitMany(
    out: Uint8Array,
    offset: number,
    count: number,
    payload: Uint8Array | readonly Uint8Array[] | number,
    columns: FrameColumns = {},
    offsets: Uint32Array = new Uint32Array(count + 1),
  ): Uint32Array {
    if (!(Number.isInteger(count) && count >= 0)) throw bad(`count must be a non-negative integer, got ${count}`);
    if (offsets.length < count + 1) throw bad(`offsets has room for ${offsets.length} entries, ${count + 1} are needed`);
    const { id, seq, ack, flags, window, tsval, tsecr, payloadSum } = columns;
    checkColumn(id, count, 'id');
    checkColumn(seq, count, 'seq');
    checkColumn(ack, count, 'ack');
    checkColumn(flags, count, 'flags');
    checkColumn(window, count, 'window');
    checkColumn(tsval, count, 'tsval');
    checkColumn(tsecr, count, 'tsecr');
    checkColumn(payloadSum, count, 'payloadSum');
    this.checkApplies(id ? 0 : -1, seq ? 0 : -1, ack ? 0 : -1, flags ? 0 : -1, window ? 0 : -1, tsval ? 0 : -1, tsecr ? 0 : -1);
    const shared = payload instanceof Uint8Array ? payload : null;
    const list = typeof payload === 'number' || payload instanceof Uint8Array ? null : payload;
    if (list !== null && list.length < count) throw bad(`${list.length} payloads given for ${count} frames`);
    // One payload in every frame: sum it once.
    const sharedSum = shared !== null && payloadSum === undefined && this.l4Checksum ? onesComplementSum(shared) : -1;
    let at = offset;
    for (let i = 0; i < count; i++) {
      offsets[i] = at;
      const p = list !== null ? list[i]! : shared;
      const n = p !== null ? p.length : (payload as number);
      const ps = payloadSum !== undefined ? checkSum(payloadSum[i]!) : sharedSum;
      at += this.write(
        out,
        at,
        p,
        n,
        id !== undefined ? checkU16(id[i]!, 'id') : -1,
        seq !== undefined ? checkU32(seq[i]!, 'seq') : -1,
        ack !== undefined ? checkU32(ack[i]!, 'ack') : -1,
        flags !== undefined ? checkFlags(flags[i]!) : -1,
        window !== undefined ? checkU16(window[i]!, 'window') : -1,
        tsval !== undefined ? checkU32(tsval[i]!, 'tsval') : -1,
        tsecr !== undefined ? checkU32(tsecr[i]!, 'tsecr') : -1,
        ps,
      );
    }
    offsets[count] = at;
    return offsets;
  }

  private checkApplies(id: number, seq: number, ack: number, flags: number, window: number, tsval: number, tsecr: number): void {
    if (id !== -1 && this.ip4At < 0) throw bad('id given, but the template has no ip (IPv4) layer');
    if ((seq !== -1 || ack !== -1 || flags !== -1 || window !== -1) && this.tcpAt < 0) throw bad('seq, ack, flags or window given, but the template has no tcp layer');
    if ((tsval !== -1 || tsecr !== -1) && this.tsAt < 0) throw bad('tsval or tsecr given, but the template has no tcp timestamp option');
  }

  /** One frame; -1 means "the compiled value" for every field, and "compute it" for `ps`. */
  private write(
    out: Uint8Array,
    offset: number,
    payload: Uint8Array | null,
    n: number,
    id: number,
    seq: number,
    ack: number,
    flags: number,
    window: number,
    tsval: number,
    tsecr: number,
    ps: number,
  ): number {
    const hl = this.headerLength;
    if (!(n >= 0 && n <= this.maxPayloadLength && Math.floor(n) === n)) {
      throw new WireError('bad-length', `payload length must be an integer 0..${this.maxPayloadLength}, got ${n}`, { layer: LAYER });
    }
    let end = hl + n;
    if (end < this.minLength) end = this.minLength;
    const total = end + (this.fcs ? 4 : 0);
    if (!(offset >= 0 && offset + total <= out.length && Math.floor(offset) === offset)) {
      throw new WireError('bad-length', `frame needs ${total} bytes, the output has ${out.length - offset} at offset ${offset}`, {
        layer: LAYER,
        offset,
        required: total,
        available: out.length - offset,
      });
    }
    out.set(this.header, offset);
    if (payload !== null) out.set(payload, offset + hl);
    // Runt padding. A bare TCP ACK pads 6 bytes; with a byte loop instead of a fill() call the
    // no-payload template row built ~35% more frames/s. Longer runs go to fill().
    const padFrom = offset + hl + n;
    const padTo = offset + end;
    if (padTo - padFrom > 16) out.fill(0, padFrom, padTo);
    else for (let k = padFrom; k < padTo; k++) out[k] = 0;

    if (this.ip4At >= 0) {
      const o = offset + this.ip4At;
      const length = this.ip4Covered + n;
      if (id === -1) id = this.ip4Id;
      out[o + 2] = length >>> 8;
      out[o + 3] = length;
      out[o + 4] = id >>> 8;
      out[o + 5] = id;
      if (this.ip4Checksum) {
        let s = this.ip4Base + length + id;
        s = (s >>> 16) + (s & 0xffff);
        s = ~((s >>> 16) + (s & 0xffff));
        out[o + 10] = s >>> 8;
        out[o + 11] = s;
      }
    } else if (this.ip6At >= 0) {
      const o = offset + this.ip6At;
      const length = this.ip6Covered + n;
      out[o + 4] = length >>> 8;
      out[o + 5] = length;
    }

    if (this.tcpAt >= 0) {
      const o = offset + this.tcpAt;
      if (seq === -1) seq = this.seq;
      if (ack === -1) ack = this.ack;
      if (flags === -1) flags = this.flags;
      if (window === -1) window = this.window;
      out[o + 4] = seq >>> 24;
      out[o + 5] = seq >>> 16;
      out[o + 6] = seq >>> 8;
      out[o + 7] = seq;
      out[o + 8] = ack >>> 24;
      out[o + 9] = ack >>> 16;
      out[o + 10] = ack >>> 8;
      out[o + 11] = ack;
      out[o + 12] = this.dataOffsetBits | (flags >>> 8);
      out[o + 13] = flags;
      out[o + 14] = window >>> 8;
      out[o + 15] = window;
      let s = 0;
      if (this.tsAt >= 0) {
        if (tsval === -1) tsval = this.tsval;
        if (tsecr === -1) tsecr = this.tsecr;
        const t = o + this.tsAt;
        out[t] = tsval >>> 24;
        out[t + 1] = tsval >>> 16;
        out[t + 2] = tsval >>> 8;
        out[t + 3] = tsval;
        out[t + 4] = tsecr >>> 24;
        out[t + 5] = tsecr >>> 16;
        out[t + 6] = tsecr >>> 8;
        out[t + 7] = tsecr;
        s = u32Sum(tsval, this.tsOdd) + u32Sum(tsecr, this.tsOdd);
      }
      if (this.l4Checksum) {
        if (ps === -1) ps = n === 0 ? 0 : onesComplementSum(payload ?? out.subarray(offset + hl, offset + hl + n));
        s +=
          this.l4Base +
          (this.l4Length + n) +
          (seq >>> 16) +
          (seq & 0xffff) +
          (ack >>> 16) +
          (ack & 0xffff) +
          ((this.dataOffsetBits << 8) | flags) +
          window +
          foldPayloadSum(ps);
        s = (s >>> 16) + (s & 0xffff);
        s = ~((s >>> 16) + (s & 0xffff));
        out[o + 16] = s >>> 8;
        out[o + 17] = s;
      }
    } else if (this.udpAt >= 0) {
      const o = offset + this.udpAt;
      const length = 8 + n;
      out[o + 4] = length >>> 8;
      out[o + 5] = length;
      if (this.l4Checksum) {
        if (ps === -1) ps = n === 0 ? 0 : onesComplementSum(payload ?? out.subarray(offset + hl, offset + hl + n));
        // The length counts twice: in the pseudo-header and in the header.
        let s = this.l4Base + 2 * length + foldPayloadSum(ps);
        s = (s >>> 16) + (s & 0xffff);
        s = ~((s >>> 16) + (s & 0xffff)) & 0xffff;
        // RFC 768: a computed 0 is sent as all ones (0 means "no checksum").
        if (s === 0) s = 0xffff;
        out[o + 6] = s >>> 8;
        out[o + 7] = s;
      }
    }

    if (this.fcs) {
      const fcs = crc32(out.subarray(offset, offset + end));
      const f = offset + end;
      out[f] = fcs;
      out[f + 1] = fcs >>> 8;
      out[f + 2] = fcs >>> 16;
      out[f + 3] = fcs >>> 24;
    }
    return total;
  }
}

/**
 * Compiles the layers of a frame (as `emitFrame` takes them) into a template for building many
 * frames of that shape fast: the headers are encoded once, and each frame costs a copy of the
 * header bytes, a few field writes and checksums finished from precomputed sums. Frames are byte
 * for byte what `emitFrame` writes for the same layers, per-frame values and payload.
 *
 * Templates hold an optional link layer (`eth`, then any `vlan`/`ieee8021ad` tags), at most one IP
 * layer (`ip` or `ipv6`, extension headers included) and optionally `tcp` or `udp` last; lengths
 * (IPv4 total length, IPv6 payload length, UDP length) are computed per frame, so they cannot be
 * given. Per frame: IPv4 `id`; TCP `seq`, `ack`, `flags`, `window` and the timestamp option's
 * `tsval`/`tsecr` (see `FrameValues`).
 *
 * @example
 * const t = compileFrame([
 *   { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
 *   { ip: { src: '10.0.0.1', dst: '10.0.0.2', dontFragment: true } },
 *   { tcp: { srcport: 40000, dstport: 443, flags: TcpFlag.ACK | TcpFlag.PSH } },
 * ]);
 * const out = new Uint8Array(t.frameLength(data.length));
 * t.emit(out, 0, data, { seq: 1000, ack: 2000, id: 1 }); // === encodeFrame(same layers with those values, data)
 * // The payload already in place (e.g. read into out at t.headerLength), its sum known:
 * t.emit(out, 0, data.length, { seq: 2460, payloadSum: onesComplementSum(data) });
 */
export function compileFrame(layers: readonly FrameLayer[]): FrameTemplate {
  return new FrameTemplate(layers);
}
