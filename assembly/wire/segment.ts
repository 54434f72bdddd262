// TCP segmentation in one call, the way TSO hardware does it: a template of the link, IP and TCP
// headers is written once by the caller (src/transport/tcp-segment.ts), and for every segment the
// kernel copies the template, copies the payload slice while summing it, and patches the few fields
// that differ (IP length, IPv4 id, TCP seq, flags, timestamp) with checksums finished from sums
// the caller computed once over everything that does not change. Its twin is src/kernels/segment.ts;
// the two must write the same bytes for the same parameters.
//
// Parameters arrive as a table of u32 at paramsPtr (indices below, mirrored in the twin), so the
// export stays a handful of (ptr, len) numbers however many fields a template has.

import { fold16, param } from "./bytes";

const P_HEADER_LENGTH = 0;
const P_IP4_AT = 1;
const P_IP6_AT = 2;
const P_TCP_AT = 3;
const P_TS_AT = 4;
const P_IP_COVERED = 5;
const P_IP4_BASE = 6;
const P_L4_BASE = 7;
const P_TCP_LENGTH = 8;
const P_SEQ = 9;
const P_ID = 10;
const P_ID_STEP = 11;
const P_TSVAL = 12;
const P_TS_STEP = 13;
const P_FIRST_FLAGS = 14;
const P_MID_FLAGS = 15;
const P_LAST_FLAGS = 16;
const P_ROOM = 17;
const P_MIN_LENGTH = 18;
const P_CHECKSUMS = 19;
const P_OFFSET_BASE = 20;
const P_TS_ODD = 21;
const P_ONLY_FLAGS = 22;

const NONE: u32 = 0xffffffff;
const IP4_CHECKSUM: u32 = 1;
const L4_CHECKSUM: u32 = 2;

// @ts-ignore: decorator
@inline function put16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

// @ts-ignore: decorator
@inline function put32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

// @ts-ignore: decorator
@inline function addCarry(acc: u64, x: u64): u64 {
  const s = acc + x;
  return s + <u64>(s < x);
}

/**
 * Copies n bytes from src to dst and returns their ones'-complement sum as big-endian words,
 * folded: one pass over the payload instead of a copy and then a sum (RFC 1071 section 2 (B):
 * little-endian words summed, the folded result swapped once).
 */
function copySum(dst: usize, src: usize, n: usize): u32 {
  let total: u64 = 0;
  if (ASC_FEATURE_SIMD) {
    // 32 bytes per iteration into two i32x4 accumulators: each lane gains at most 2 * 0xffff per
    // vector, so 8192 iterations (256 KiB) stay far below 2^31 before they are widened.
    while (n >= 32) {
      let iterations = n >>> 5;
      if (iterations > 8192) iterations = 8192;
      let a = i32x4.splat(0), b = i32x4.splat(0);
      for (let k: usize = 0; k < iterations; k++) {
        const x = v128.load(src);
        const y = v128.load(src, 16);
        v128.store(dst, x);
        v128.store(dst, y, 16);
        a = i32x4.add(a, i32x4.extadd_pairwise_i16x8_u(x));
        b = i32x4.add(b, i32x4.extadd_pairwise_i16x8_u(y));
        src += 32;
        dst += 32;
      }
      const c = i32x4.add(a, b);
      total += <u64>i32x4.extract_lane(c, 0) + <u64>i32x4.extract_lane(c, 1) +
        <u64>i32x4.extract_lane(c, 2) + <u64>i32x4.extract_lane(c, 3);
      n -= iterations << 5;
    }
  } else {
    // Four independent accumulators keep the end-around-carry chains short (one chain ran the
    // scalar build at ~2 M frames/s of MSS 1460 against ~5 GB/s for inetSum's four).
    let a: u64 = 0, b: u64 = 0, c: u64 = 0, d: u64 = 0;
    while (n >= 32) {
      const w = load<u64>(src);
      const x = load<u64>(src, 8);
      const y = load<u64>(src, 16);
      const z = load<u64>(src, 24);
      store<u64>(dst, w);
      store<u64>(dst, x, 8);
      store<u64>(dst, y, 16);
      store<u64>(dst, z, 24);
      a = addCarry(a, w);
      b = addCarry(b, x);
      c = addCarry(c, y);
      d = addCarry(d, z);
      src += 32;
      dst += 32;
      n -= 32;
    }
    total = addCarry(addCarry(a, b), addCarry(c, d));
  }
  // The last bytes: 16, 8, 4, 2, 1 (an odd last byte is the low byte of a
  // zero-padded LE word).
  if (n & 16) {
    const x = load<u64>(src);
    const y = load<u64>(src, 8);
    store<u64>(dst, x);
    store<u64>(dst, y, 8);
    total = addCarry(addCarry(total, x), y);
    src += 16;
    dst += 16;
  }
  if (n & 8) {
    const x = load<u64>(src);
    store<u64>(dst, x);
    total = addCarry(total, x);
    src += 8;
    dst += 8;
  }
  let t: u64 = 0;
  if (n & 4) {
    const x = load<u32>(src);
    store<u32>(dst, x);
    t += <u64>x;
    src += 4;
    dst += 4;
  }
  if (n & 2) {
    const x = load<u16>(src);
    store<u16>(dst, x);
    t += <u64>x;
    src += 2;
    dst += 2;
  }
  if (n & 1) {
    const x = load<u8>(src);
    store<u8>(dst, x);
    t += <u64>x;
  }
  const f = fold16(addCarry(total, t));
  return ((f & 0xff) << 8) | (f >>> 8);
}

/** What a 32-bit field adds to a sum at an even (or, odd: bytes straddling words) position. */
// @ts-ignore: decorator
@inline function u32Sum(v: u32, odd: bool): u32 {
  const hi = (v >>> 24) + ((v >>> 8) & 0xff);
  const lo = ((v >>> 16) & 0xff) + (v & 0xff);
  return odd ? (lo << 8) + hi : (hi << 8) + lo;
}

/**
 * Cuts src[0, srcLen) into segments of at most `room` bytes and writes one frame per segment back
 * to back from outPtr, never past outPtr + outLen, and the frames' start offsets (plus
 * P_OFFSET_BASE) into the u32 table at offsetsPtr, one entry per frame and one for the end, never
 * more than offsetsLen entries. Returns the number of frames written: fewer than the stream needs
 * when the output or the table is full (the caller plans sub-batches so that it never is).
 */
export function segmentFrames(
  tplPtr: usize, tplLen: u32, srcPtr: usize, srcLen: u32, outPtr: usize, outLen: u32,
  offsetsPtr: usize, offsetsLen: u32, paramsPtr: usize,
): u32 {
  const hl = param(paramsPtr, P_HEADER_LENGTH);
  const room = param(paramsPtr, P_ROOM);
  if (hl > tplLen || room == 0 || offsetsLen == 0) return 0;
  const ip4At = param(paramsPtr, P_IP4_AT);
  const ip6At = param(paramsPtr, P_IP6_AT);
  const tcpAt = param(paramsPtr, P_TCP_AT);
  const tsAt = param(paramsPtr, P_TS_AT);
  const ipCovered = param(paramsPtr, P_IP_COVERED);
  const ip4Base = param(paramsPtr, P_IP4_BASE);
  const l4Base = param(paramsPtr, P_L4_BASE);
  const tcpLength = param(paramsPtr, P_TCP_LENGTH);
  const idStep = param(paramsPtr, P_ID_STEP);
  const tsStep = param(paramsPtr, P_TS_STEP);
  const firstFlags = param(paramsPtr, P_FIRST_FLAGS);
  const midFlags = param(paramsPtr, P_MID_FLAGS);
  const lastFlags = param(paramsPtr, P_LAST_FLAGS);
  const onlyFlags = param(paramsPtr, P_ONLY_FLAGS);
  const minLength = param(paramsPtr, P_MIN_LENGTH);
  const checksums = param(paramsPtr, P_CHECKSUMS);
  const offsetBase = param(paramsPtr, P_OFFSET_BASE);
  const tsOdd = param(paramsPtr, P_TS_ODD) != 0;
  let seq = param(paramsPtr, P_SEQ);
  let id = param(paramsPtr, P_ID);
  let tsval = param(paramsPtr, P_TSVAL);

  const outEnd = <u64>outPtr + <u64>outLen;
  let at = outPtr;
  let done: u32 = 0;
  let count: u32 = 0;
  while (done < srcLen && count + 1 < offsetsLen) {
    let n = srcLen - done;
    if (n > room) n = room;
    const end = hl + n;
    const frameLength = end < minLength ? minLength : end;
    if (<u64>at + <u64>frameLength > outEnd) break;
    store<u32>(offsetsPtr + (<usize>count << 2), offsetBase + <u32>(at - outPtr));
    memory.copy(at, tplPtr, hl);
    const ps = copySum(at + hl, srcPtr + done, n);
    if (end < frameLength) memory.fill(at + end, 0, frameLength - end);
    const last = done + n == srcLen;
    const flags = count == 0 ? (last ? onlyFlags : firstFlags) : last ? lastFlags : midFlags;

    if (ip4At != NONE) {
      const o = at + ip4At;
      const length = ipCovered + n;
      const ipId = id & 0xffff;
      put16(o + 2, length);
      put16(o + 4, ipId);
      if (checksums & IP4_CHECKSUM) {
        put16(o + 10, ~fold16(<u64>ip4Base + <u64>length + <u64>ipId) & 0xffff);
      }
    } else if (ip6At != NONE) {
      put16(at + ip6At + 4, ipCovered + n);
    }

    const t = at + tcpAt;
    put32(t + 4, seq);
    put16(t + 12, flags);
    let s: u64 = <u64>l4Base + <u64>(tcpLength + n) + <u64>(seq >>> 16) + <u64>(seq & 0xffff) + <u64>flags + <u64>ps;
    if (tsAt != NONE) {
      put32(at + tsAt, tsval);
      s += <u64>u32Sum(tsval, tsOdd);
      tsval += tsStep;
    }
    if (checksums & L4_CHECKSUM) put16(t + 16, ~fold16(s) & 0xffff);

    seq += n;
    id += idStep;
    done += n;
    at += frameLength;
    count++;
  }
  store<u32>(offsetsPtr + (<usize>count << 2), offsetBase + <u32>(at - outPtr));
  return count;
}
