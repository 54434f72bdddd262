// Network Time Protocol, UDP port 123 (RFC 5905): the 48-byte header every mode but control (6)
// and private (7) shares: leap indicator, version, mode, stratum, poll, precision, root delay and
// dispersion (NTP short format, 16.16), the reference id, and the reference, origin, receive and
// transmit timestamps (NTP timestamp format, 32.32 seconds since 1900). After it, NTPv4 extension
// fields (RFC 7822: type, length, value) and an optional MAC (key id and digest). Control and
// private messages (modes 6 and 7) have other layouts: their first byte decodes, the rest is left
// as bytes.
//
// A message cut short still decodes as far as its bytes go (tshark shows those fields) and the
// layer reports `truncated`; only an empty one throws.
import { WireError } from '../errors.js';
import { put16, put32, u16, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import { decodeAlone, scanThenRead, type DecodeContext, type Encoder, type Protocol, type Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const NTP_PORT = 123;
export const NTP_HEADER_LENGTH = 48;
/** RFC 7822 section 7.5: after the header, anything longer than this is extension fields before the MAC. */
const MAX_MAC_LENGTH = 24;

/** An NTP timestamp: whole seconds since 1900 (era 0) and the 32-bit binary fraction. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

export interface NtpExtensionField {
  type: number;
  /** The whole field's length in bytes, as on the wire. */
  length: number;
  /** The value, colon-separated hex. */
  value: string;
}

export interface NtpHeader {
  /** ntp.flags: the first byte; ntp.flags.li, ntp.flags.vn, ntp.flags.mode. */
  flags: number;
  leapIndicator: number;
  version: number;
  mode: number;
  /** The fields below are absent for modes 6 and 7 and past the captured bytes. */
  stratum?: number;
  /** ntp.ppoll: log2 of the poll interval, signed. */
  poll?: number;
  /** ntp.precision: log2 seconds, signed (tshark prints the unsigned byte). */
  precision?: number;
  /** ntp.rootdelay, ntp.rootdispersion: the raw 16.16 values. */
  rootDelay?: number;
  rootDispersion?: number;
  /** ntp.refid, colon-separated hex (an IPv4 address, or four ASCII characters at stratum 0/1). */
  referenceId?: string;
  reference?: NtpTimestamp;
  origin?: NtpTimestamp;
  receive?: NtpTimestamp;
  transmit?: NtpTimestamp;
  extensions?: NtpExtensionField[];
  /** ntp.keyid, colon-separated hex, and ntp.mac, the digest. */
  keyId?: string;
  mac?: string;
}

const MODE_NAMES = ['reserved', 'symmetric active', 'symmetric passive', 'client', 'server', 'broadcast', 'NTP control message', 'reserved for private use'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Seconds from 1900-01-01 to 1970-01-01. */
const NTP_UNIX_OFFSET = 2_208_988_800;

/**
 * An NTP timestamp as tshark prints it: `Aug  2, 2023 21:20:00.500000000 UTC`, `NULL` when zero.
 * Seconds with the top bit clear are era 1 (from 2036), as RFC 4330 section 3 says.
 */
export function formatNtpTimestamp(t: NtpTimestamp): string {
  if (t.seconds === 0 && t.fraction === 0) return 'NULL';
  const seconds = t.seconds + (t.seconds < 0x80000000 ? 2 ** 32 : 0) - NTP_UNIX_OFFSET;
  // tshark truncates the fraction to nanoseconds.
  let nanos = Math.floor((1e9 * t.fraction) / 2 ** 32);
  let whole = seconds;
  if (nanos >= 1e9) {
    nanos -= 1e9;
    whole += 1;
  }
  const d = new Date(whole * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(nanos).padStart(9, '0')} UTC`;
}

function scanNtp(ctx: DecodeContext): Scanned {
  const { bytes: b, offset: at } = ctx;
  const have = Math.min(ctx.end, b.length) - at;
  if (at < 0 || have < 1) throw new WireError('truncated', `header needs ${NTP_HEADER_LENGTH} bytes, 0 captured at offset ${at}`, { layer: 'ntp', offset: at, required: NTP_HEADER_LENGTH, available: 0 });
  const mode = b[at]! & 7;
  if (mode >= 6) return scanned(1);
  if (have < NTP_HEADER_LENGTH) {
    const error = new WireError('truncated', `header needs ${NTP_HEADER_LENGTH} bytes, ${have} captured at offset ${at}`, { layer: 'ntp', offset: at, required: NTP_HEADER_LENGTH, available: have });
    return scanned(have, undefined, undefined, error);
  }
  let p = at + NTP_HEADER_LENGTH;
  const end = at + have;
  while (end - p > MAX_MAC_LENGTH) {
    const length = end - p >= 4 ? u16(b, p + 2) : 0;
    if (length < 4 || p + length > end) {
      const error = new WireError(length < 4 ? 'bad-length' : 'truncated', `extension field of ${length} bytes at offset ${p}, ${end - p} left`, { layer: 'ntp', offset: p });
      return scanned(have, undefined, undefined, error);
    }
    p += length;
  }
  return scanned(have);
}

const stamp = (b: Uint8Array, at: number): NtpTimestamp => ({ seconds: u32(b, at), fraction: u32(b, at + 4) });

function readNtp(ctx: DecodeContext): NtpHeader {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  const have = end - at;
  const flags = b[at]!;
  const h: NtpHeader = { flags, leapIndicator: flags >>> 6, version: (flags >>> 3) & 7, mode: flags & 7 };
  if (h.mode >= 6) return h;
  if (have >= 2) h.stratum = b[at + 1]!;
  if (have >= 3) h.poll = (b[at + 2]! << 24) >> 24;
  if (have >= 4) h.precision = (b[at + 3]! << 24) >> 24;
  if (have >= 8) h.rootDelay = u32(b, at + 4);
  if (have >= 12) h.rootDispersion = u32(b, at + 8);
  if (have >= 16) h.referenceId = bytesField(b.subarray(at + 12, at + 16));
  if (have >= 24) h.reference = stamp(b, at + 16);
  if (have >= 32) h.origin = stamp(b, at + 24);
  if (have >= 40) h.receive = stamp(b, at + 32);
  if (have >= 48) h.transmit = stamp(b, at + 40);
  else return h;
  let p = at + NTP_HEADER_LENGTH;
  while (end - p > MAX_MAC_LENGTH) {
    const length = end - p >= 4 ? u16(b, p + 2) : 0;
    if (length < 4 || p + length > end) return h;
    (h.extensions ??= []).push({ type: u16(b, p), length, value: bytesField(b.subarray(p + 4, p + length)) });
    p += length;
  }
  if (end - p >= 4) h.keyId = bytesField(b.subarray(p, p + 4));
  if (end - p > 4) h.mac = bytesField(b.subarray(p + 4, end));
  return h;
}

/**
 * Decodes the NTP message at bytes[offset, end). Throws `truncated` when the 48-byte header was
 * not all captured (modes 6 and 7 decode their first byte only).
 *
 * @example
 * decodeNtp(udpPayload); // { flags: 0x23, version: 4, mode: 3, stratum: 0, ... }
 */
export function decodeNtp(bytes: Uint8Array, offset = 0, end = bytes.length): NtpHeader {
  return decodeAlone(scanNtp, readNtp, bytes, offset, end);
}

/** tshark's info column: `NTP Version 4, client`. */
export function ntpInfo(h: NtpHeader): string {
  return `NTP Version ${h.version}, ${MODE_NAMES[h.mode]}`;
}

/** NTP, bound to UDP port 123. */
export const ntp: Protocol<NtpHeader> = {
  name: 'ntp',
  scan: scanNtp,
  decode: scanThenRead(scanNtp, readNtp),
  fields(h: NtpHeader, out: FieldSink): void {
    out.add('ntp.flags', h.flags);
    out.add('ntp.flags.li', h.leapIndicator);
    out.add('ntp.flags.vn', h.version);
    out.add('ntp.flags.mode', h.mode);
    if (h.stratum !== undefined) out.add('ntp.stratum', h.stratum);
    if (h.poll !== undefined) out.add('ntp.ppoll', h.poll & 0xff);
    if (h.precision !== undefined) out.add('ntp.precision', h.precision & 0xff);
    if (h.rootDelay !== undefined) out.add('ntp.rootdelay', h.rootDelay);
    if (h.rootDispersion !== undefined) out.add('ntp.rootdispersion', h.rootDispersion);
    if (h.referenceId !== undefined) out.add('ntp.refid', h.referenceId);
    if (h.reference !== undefined) out.add('ntp.reftime', formatNtpTimestamp(h.reference));
    if (h.origin !== undefined) out.add('ntp.org', formatNtpTimestamp(h.origin));
    if (h.receive !== undefined) out.add('ntp.rec', formatNtpTimestamp(h.receive));
    if (h.transmit !== undefined) out.add('ntp.xmt', formatNtpTimestamp(h.transmit));
    for (const e of h.extensions ?? []) {
      out.add('ntp.ext.type', e.type);
      out.add('ntp.ext.length', e.length);
      out.add('ntp.ext.value', e.value);
    }
    if (h.keyId !== undefined) out.add('ntp.keyid', h.keyId);
    if (h.mac !== undefined) out.add('ntp.mac', h.mac);
  },
};

/** An NTP message to encode (modes 1-5): every field defaults to 0, `version` to 4. */
export interface NtpInput {
  leapIndicator?: number;
  version?: number;
  mode: number;
  stratum?: number;
  /** Signed log2 values. */
  poll?: number;
  precision?: number;
  /** Raw 16.16 values. */
  rootDelay?: number;
  rootDispersion?: number;
  /** Four bytes. */
  referenceId?: Uint8Array;
  reference?: NtpTimestamp;
  origin?: NtpTimestamp;
  receive?: NtpTimestamp;
  transmit?: NtpTimestamp;
  /** RFC 7822 extension fields: the value is padded to a multiple of 4 bytes. */
  extensions?: readonly { type: number; value: Uint8Array }[];
  /** A MAC: key id and digest. */
  keyId?: number;
  mac?: Uint8Array;
}

const checkNtp = rangeChecker('ntp');

/** Bytes this message takes. */
export function ntpLength(h: NtpInput): number {
  let n = NTP_HEADER_LENGTH;
  for (const e of h.extensions ?? []) n += 4 + Math.ceil(e.value.length / 4) * 4;
  if (h.keyId !== undefined) n += 4 + (h.mac?.length ?? 0);
  return n;
}

/** Writes the message at out[offset] and returns its length. */
export function emitNtp(h: NtpInput, out: Uint8Array, offset = 0): number {
  const length = ntpLength(h);
  if (offset < 0 || out.length - offset < length) throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}`, { layer: 'ntp', offset });
  out.fill(0, offset, offset + length);
  out[offset] = (checkNtp('leapIndicator', h.leapIndicator ?? 0, 3) << 6) | (checkNtp('version', h.version ?? 4, 7) << 3) | checkNtp('mode', h.mode, 7);
  out[offset + 1] = checkNtp('stratum', h.stratum ?? 0, 0xff);
  out[offset + 2] = checkNtp('poll', (h.poll ?? 0) + 128, 0xff) - 128;
  out[offset + 3] = checkNtp('precision', (h.precision ?? 0) + 128, 0xff) - 128;
  put32(out, offset + 4, checkNtp('rootDelay', h.rootDelay ?? 0, 0xffffffff));
  put32(out, offset + 8, checkNtp('rootDispersion', h.rootDispersion ?? 0, 0xffffffff));
  if (h.referenceId !== undefined) {
    if (h.referenceId.length !== 4) throw new WireError('bad-value', `a reference id is 4 bytes, not ${h.referenceId.length}`, { layer: 'ntp' });
    out.set(h.referenceId, offset + 12);
  }
  const stamps = [h.reference, h.origin, h.receive, h.transmit];
  stamps.forEach((t, k) => {
    if (t === undefined) return;
    put32(out, offset + 16 + 8 * k, checkNtp('seconds', t.seconds, 0xffffffff));
    put32(out, offset + 20 + 8 * k, checkNtp('fraction', t.fraction, 0xffffffff));
  });
  let p = offset + NTP_HEADER_LENGTH;
  for (const e of h.extensions ?? []) {
    const size = 4 + Math.ceil(e.value.length / 4) * 4;
    put16(out, p, checkNtp('type', e.type, 0xffff));
    put16(out, p + 2, checkNtp('length', size, 0xffff));
    out.set(e.value, p + 4);
    p += size;
  }
  if (h.keyId !== undefined) {
    put32(out, p, checkNtp('keyId', h.keyId, 0xffffffff));
    if (h.mac !== undefined) out.set(h.mac, p + 4);
  }
  return length;
}

/** A new buffer holding the message. */
export function encodeNtp(h: NtpInput): Uint8Array {
  const out = new Uint8Array(ntpLength(h));
  emitNtp(h, out);
  return out;
}

/** NTP for `encodeFrame`: `[{ ip }, { udp: { srcport: 123, dstport: 123 } }, { ntp: { mode: 3 } }]`. */
export const ntpEncoder: Encoder<NtpInput> = {
  name: 'ntp',
  headerLength: ntpLength,
  emit(header, out, offset) {
    emitNtp(header, out, offset);
  },
};
