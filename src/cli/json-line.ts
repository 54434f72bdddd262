// One NDJSON line per packet, written into a ByteWriter: the `frame.*` fields, then the packet's
// fields in `fields()` order (a name met several times becomes an array at its first place), then
// `_errors`. Hand-written because JSON.stringify of a fresh object per packet, and the object
// itself, cost more than decoding the packet.
import type { FieldValue, WireError } from 'wirekit';
import type { ByteWriter } from './byte-writer.js';
import type { FieldRecorder } from './field-recorder.js';

/** The per-packet values tshark shows under `frame`. */
export interface FrameFields {
  number: number;
  /** `frame.time_epoch` as text: seconds with 9 decimals. */
  epoch: string;
  length: number;
  capturedLength: number;
  interfaceId: number;
  protocols: string;
  /** Written after frame.protocols as it is: `,"frame.time_delta":"…","frame.time_relative":"…"`, or ''. */
  times?: string;
}

const HEX = '0123456789abcdef';

/**
 * The decimal digits of every number below 2^16 (ports, lengths, flags: most field values), five
 * bytes each, and how many of them count: writing one is a copy of at most five bytes, where a
 * digit loop costs a division per digit. 384 KiB, built on first use.
 */
let smallDigits: Uint8Array | undefined;
let smallLengths: Uint8Array | undefined;

function buildSmallDigits(): Uint8Array {
  const digits = new Uint8Array(65536 * 5);
  smallLengths = new Uint8Array(65536);
  for (let n = 0; n < 65536; n++) {
    const text = String(n);
    smallLengths[n] = text.length;
    for (let i = 0; i < text.length; i++) digits[n * 5 + i] = text.charCodeAt(i);
  }
  return digits;
}

/** Writes a number at buf[p]; returns the new position. Integers by table or digit loop, others via String(). */
function putNumber(buf: Uint8Array, p: number, n: number): number {
  if (n >= 0 && n < 65536 && (n | 0) === n) {
    const digits = (smallDigits ??= buildSmallDigits());
    const length = smallLengths![n]!;
    const at = n * 5;
    for (let i = 0; i < length; i++) buf[p + i] = digits[at + i]!;
    return p + length;
  }
  if (n >= 0 && n <= 0xffffffff && Math.floor(n) === n) {
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const end = p + digits;
    for (let t = n, q = end; q > p; t = Math.floor(t / 10)) buf[--q] = 48 + (t % 10);
    return end;
  }
  return putAscii(buf, p, Number.isFinite(n) ? String(n) : 'null');
}

function putAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

/**
 * Writes a JSON string (RFC 8259 section 7) at buf[p], UTF-8 encoded; returns the new position,
 * or -1 at a surrogate (rare: the caller falls back to JSON.stringify for that value).
 */
function putString(buf: Uint8Array, p: number, s: string): number {
  buf[p++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === 0x5c) buf[p++] = 0x5c;
      buf[p++] = c;
    } else if (c < 0x20) {
      buf[p++] = 0x5c;
      buf[p++] = 0x75;
      buf[p++] = 0x30;
      buf[p++] = 0x30;
      buf[p++] = HEX.charCodeAt(c >> 4);
      buf[p++] = HEX.charCodeAt(c & 15);
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      return -1;
    } else {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  buf[p++] = 0x22;
  return p;
}

const encoder = new TextEncoder();

function putValue(buf: Uint8Array, p: number, v: FieldValue): number {
  if (typeof v === 'number') return putNumber(buf, p, v);
  const end = putString(buf, p, v);
  if (end >= 0) return end;
  // JSON.stringify escapes lone surrogates; TextEncoder encodes the pairs. At most 6 bytes per unit: within the reservation.
  const bytes = encoder.encode(JSON.stringify(v));
  buf.set(bytes, p);
  return p + bytes.length;
}

/** Bytes a value can take at most: 24 for a number, 6 per UTF-16 unit (\u00XX) of a string plus quotes. */
const valueBound = (v: FieldValue) => (typeof v === 'number' ? 24 : 6 * v.length + 2);

/**
 * Writes one packet as a JSON object and a newline:
 * `{"frame.number":1,...,"eth.dst":"...",...,"_errors":[{"code":"truncated","layer":"tcp","offset":34}]}`.
 * One pass finds how many bytes the line can take; the line is then written with no further
 * bounds checks, field by field, into the writer's chunk.
 */
export function writePacketJson(w: ByteWriter, frame: FrameFields, fields: FieldRecorder, errors: readonly WireError[]): void {
  const { slots, values, length, stamp } = fields;
  let bound = 200 + frame.epoch.length + valueBound(frame.protocols) + (frame.times?.length ?? 0);
  for (let i = 0; i < length; i++) bound += slots[i]!.key.length + 3 + valueBound(values[i]!);
  for (let i = 0; i < errors.length; i++) bound += 64 + valueBound(errors[i]!.code) + valueBound(errors[i]!.layer);
  w.reserve(bound);
  const buf = w.buf;
  let p = putAscii(buf, w.pos, '{"frame.number":');
  p = putNumber(buf, p, frame.number);
  if (frame.epoch !== '') {
    p = putAscii(buf, p, ',"frame.time_epoch":"');
    p = putAscii(buf, p, frame.epoch);
    p = putAscii(buf, p, '"');
  }
  p = putAscii(buf, p, ',"frame.len":');
  p = putNumber(buf, p, frame.length);
  p = putAscii(buf, p, ',"frame.cap_len":');
  p = putNumber(buf, p, frame.capturedLength);
  p = putAscii(buf, p, ',"frame.interface_id":');
  p = putNumber(buf, p, frame.interfaceId);
  p = putAscii(buf, p, ',"frame.protocols":');
  p = putValue(buf, p, frame.protocols);
  if (frame.times) p = putAscii(buf, p, frame.times);
  for (let i = 0; i < length; i++) {
    const slot = slots[i]!;
    if (slot.count !== 1) {
      if (slot.written === stamp) continue;
      slot.written = stamp;
    }
    buf[p++] = 0x2c;
    buf.set(slot.key, p);
    p += slot.key.length;
    if (slot.count === 1) {
      p = putValue(buf, p, values[i]!);
      continue;
    }
    buf[p++] = 0x5b;
    let first = true;
    for (let j = i; j < length; j++) {
      if (slots[j] !== slot) continue;
      if (!first) buf[p++] = 0x2c;
      first = false;
      p = putValue(buf, p, values[j]!);
    }
    buf[p++] = 0x5d;
  }
  p = putAscii(buf, p, ',"_errors":[');
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (i > 0) buf[p++] = 0x2c;
    p = putAscii(buf, p, '{"code":');
    p = putValue(buf, p, e.code);
    p = putAscii(buf, p, ',"layer":');
    p = putValue(buf, p, e.layer);
    p = putAscii(buf, p, ',"offset":');
    p = e.offset === undefined ? putAscii(buf, p, 'null') : putNumber(buf, p, e.offset);
    buf[p++] = 0x7d;
  }
  w.pos = putAscii(buf, p, ']}');
}

/** frame.time_delta and frame.time_relative (nanoseconds since the previous and the first packet) as writePacketJson and the fast path write them. */
export function frameTimesText(delta: bigint, relative: bigint): string {
  return `,"frame.time_delta":"${epochText(delta)}","frame.time_relative":"${epochText(relative)}"`;
}

/**
 * `frame.time_epoch` of a nanosecond timestamp, as formatEpoch gives it. Cheaper for the common
 * case (after 1970-01-01T00:00:01): one bigint-to-text conversion, then slicing.
 */
export function epochText(timestamp: bigint): string {
  if (timestamp < 1_000_000_000n) {
    const negative = timestamp < 0n;
    const abs = negative ? -timestamp : timestamp;
    return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
  }
  const digits = timestamp.toString();
  return `${digits.slice(0, -9)}.${digits.slice(-9)}`;
}
