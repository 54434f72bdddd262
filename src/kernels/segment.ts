// Pure-TypeScript twin of assembly/wire/segment.ts: TCP segmentation into whole frames from a
// header template. Each (ptr, len) pair of the WebAssembly export is a view here; the parameter
// table is the same u32 layout (SEGMENT_PARAM), so src/transport/tcp-segment.ts fills one table
// for either backend and test/tcp-segment.test.ts holds the two byte-equal.
import { fold16, sum16Js } from './internet.js';

/** Indices into the u32 parameter table the kernel and its twin read. */
export const SEGMENT_PARAM = {
  /** Bytes of the header template: every frame starts with them, the payload follows. */
  HEADER_LENGTH: 0,
  /** Offset of the IPv4 header in the frame, or SEGMENT_NONE. */
  IP4_AT: 1,
  /** Offset of the IPv6 header, or SEGMENT_NONE. */
  IP6_AT: 2,
  /** Offset of the TCP header. */
  TCP_AT: 3,
  /** Offset of the timestamp option's TSval in the frame, or SEGMENT_NONE. */
  TS_AT: 4,
  /** What the IP length field counts besides the payload (IPv4: whole header on; IPv6: after the fixed header). */
  IP_COVERED: 5,
  /** Sum of the IPv4 header without total length, id and checksum. */
  IP4_BASE: 6,
  /** Pseudo-header sum (length 0) plus the TCP header without seq, offset/flags, checksum and TSval. */
  L4_BASE: 7,
  /** TCP header length, options included. */
  TCP_LENGTH: 8,
  /** Sequence number, IPv4 id and TSval of the call's first segment. */
  SEQ: 9,
  ID: 10,
  ID_STEP: 11,
  TSVAL: 12,
  TS_STEP: 13,
  /**
   * The 16-bit word at TCP offset 12 (data offset and flags) of the call's first segment, of the
   * middle ones, of its last one, and of a segment that is both first and last.
   */
  FIRST_FLAGS: 14,
  MID_FLAGS: 15,
  LAST_FLAGS: 16,
  /** Payload bytes per segment at most. */
  ROOM: 17,
  /** Frames shorter than this are zero-padded (Ethernet's 60-byte minimum), else 0. */
  MIN_LENGTH: 18,
  /** Bit 0: fill the IPv4 header checksum; bit 1: fill the TCP checksum. */
  CHECKSUMS: 19,
  /** Added to every offset written to the offsets table. */
  OFFSET_BASE: 20,
  /** 1 when TSval sits at an odd offset of the TCP header (its bytes straddle 16-bit words). */
  TS_ODD: 21,
  ONLY_FLAGS: 22,
} as const;
export const SEGMENT_PARAM_COUNT = 23;
export const SEGMENT_NONE = 0xffffffff;
export const SEGMENT_IP4_CHECKSUM = 1;
export const SEGMENT_L4_CHECKSUM = 2;

const P = SEGMENT_PARAM;

function u32Sum(v: number, odd: boolean): number {
  const hi = (v >>> 24) + ((v >>> 8) & 0xff);
  const lo = ((v >>> 16) & 0xff) + (v & 0xff);
  return odd ? (lo << 8) + hi : (hi << 8) + lo;
}

/**
 * Cuts `src` into segments of at most `params[ROOM]` bytes and writes one frame per segment back to
 * back into `out` from 0 (never past its end), each the template `tpl` with the payload after it and
 * its fields patched; frame offsets (plus OFFSET_BASE) go to `offsets`, one per frame and one for
 * the end. Returns the number of frames: fewer than the stream needs when `out` or `offsets` is full.
 */
export function segmentFramesJs(tpl: Uint8Array, src: Uint8Array, out: Uint8Array, offsets: Uint32Array, params: Uint32Array): number {
  const hl = params[P.HEADER_LENGTH]!;
  const room = params[P.ROOM]!;
  if (hl > tpl.length || room === 0 || offsets.length === 0) return 0;
  const ip4At = params[P.IP4_AT]!;
  const ip6At = params[P.IP6_AT]!;
  const tcpAt = params[P.TCP_AT]!;
  const tsAt = params[P.TS_AT]!;
  const ipCovered = params[P.IP_COVERED]!;
  const ip4Base = params[P.IP4_BASE]!;
  const l4Base = params[P.L4_BASE]!;
  const tcpLength = params[P.TCP_LENGTH]!;
  const idStep = params[P.ID_STEP]!;
  const tsStep = params[P.TS_STEP]!;
  const firstFlags = params[P.FIRST_FLAGS]!;
  const midFlags = params[P.MID_FLAGS]!;
  const lastFlags = params[P.LAST_FLAGS]!;
  const onlyFlags = params[P.ONLY_FLAGS]!;
  const minLength = params[P.MIN_LENGTH]!;
  const checksums = params[P.CHECKSUMS]!;
  const offsetBase = params[P.OFFSET_BASE]!;
  const tsOdd = params[P.TS_ODD]! !== 0;
  let seq = params[P.SEQ]!;
  let id = params[P.ID]!;
  let tsval = params[P.TSVAL]!;
  const header = tpl.subarray(0, hl);
  const srcLen = src.length;

  let at = 0;
  let done = 0;
  let count = 0;
  while (done < srcLen && count + 1 < offsets.length) {
    const n = Math.min(srcLen - done, room);
    const end = hl + n;
    const frameLength = end < minLength ? minLength : end;
    if (at + frameLength > out.length) break;
    offsets[count] = offsetBase + at;
    out.set(header, at);
    const payload = src.subarray(done, done + n);
    out.set(payload, at + hl);
    const ps = sum16Js(payload);
    if (end < frameLength) out.fill(0, at + end, at + frameLength);
    const last = done + n === srcLen;
    const flags = count === 0 ? (last ? onlyFlags : firstFlags) : last ? lastFlags : midFlags;

    if (ip4At !== SEGMENT_NONE) {
      const o = at + ip4At;
      const length = ipCovered + n;
      const ipId = id & 0xffff;
      out[o + 2] = length >>> 8;
      out[o + 3] = length;
      out[o + 4] = ipId >>> 8;
      out[o + 5] = ipId;
      if (checksums & SEGMENT_IP4_CHECKSUM) {
        const c = ~fold16(ip4Base + length + ipId) & 0xffff;
        out[o + 10] = c >>> 8;
        out[o + 11] = c;
      }
    } else if (ip6At !== SEGMENT_NONE) {
      const length = ipCovered + n;
      out[at + ip6At + 4] = length >>> 8;
      out[at + ip6At + 5] = length;
    }

    const t = at + tcpAt;
    out[t + 4] = seq >>> 24;
    out[t + 5] = seq >>> 16;
    out[t + 6] = seq >>> 8;
    out[t + 7] = seq;
    out[t + 12] = flags >>> 8;
    out[t + 13] = flags;
    let s = l4Base + tcpLength + n + (seq >>> 16) + (seq & 0xffff) + flags + ps;
    if (tsAt !== SEGMENT_NONE) {
      const w = at + tsAt;
      out[w] = tsval >>> 24;
      out[w + 1] = tsval >>> 16;
      out[w + 2] = tsval >>> 8;
      out[w + 3] = tsval;
      s += u32Sum(tsval, tsOdd);
      tsval = (tsval + tsStep) >>> 0;
    }
    if (checksums & SEGMENT_L4_CHECKSUM) {
      const c = ~fold16(s) & 0xffff;
      out[t + 16] = c >>> 8;
      out[t + 17] = c;
    }

    seq = (seq + n) >>> 0;
    id = (id + idStep) >>> 0;
    done += n;
    at += frameLength;
    count++;
  }
  offsets[count] = offsetBase + at;
  return count;
}
