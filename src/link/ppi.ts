// PPI, the Per-Packet Information header (CACE Technologies' PPI specification 1.0.10), in front
// of the frames of LINKTYPE_PPI (192) captures, as AirPcap and Kismet wrote 802.11 captures before
// radiotap took over. Little-endian: a version (0), flags (bit 0: fields 32-bit aligned), the
// header's length, the link type of the frame that follows, then fields, each a type, a length and
// that many bytes. Type 2, 802.11-Common (20 bytes), holds the radio metadata: TSF timer, flags
// (bit 0: the frame ends in an FCS), rate in 500 kb/s units, channel frequency and flags, FHSS
// hop set and pattern, and signal and noise in dBm. Other defined types (802.11n, spectrum, GPS,
// ...) are stepped over; reserved ones are shown as tshark shows them, as `ppi.reserved` bytes.
// tshark's dissector is `ppi`.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { le16, le32 } from '../packet/bytes.js';
import { scanned } from '../packet/packet.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';
import { capturedLength } from '../packet/partial.js';

export const LINKTYPE_PPI = 192;
const HEADER = 8;
const FIELD_HEADER = 4;
/** Field type of 802.11-Common, and its length. */
export const PPI_80211_COMMON = 2;
const COMMON_LENGTH = 20;

/** 802.11-Common flags (bit 0: FCS present, 1: TSF timer in ms, 2: FCS invalid, 3: PHY error). */
export const PpiCommonFlag = { FCS: 0x1, TSFT_MS: 0x2, FCS_INVALID: 0x4, PHY_ERROR: 0x8 } as const;

export interface PpiCommon {
  /** The TSF timer (microseconds, or milliseconds with the TSFT_MS flag): a number, or decimal text past 2^53 (headers stay JSON-friendly). */
  tsft: number | string;
  flags: number;
  /** Data rate in 500 kb/s units. */
  rate: number;
  channelFrequency: number;
  channelFlags: number;
  fhssHopset: number;
  fhssPattern: number;
  dbmAntSignal: number;
  dbmAntNoise: number;
}

export interface PpiField {
  type: number;
  data: Uint8Array;
}

export interface PpiHeader {
  version: number;
  flags: number;
  /** Header length, fields included: where the frame starts. */
  length: number;
  /** Link type of the frame that follows (105: 802.11). */
  dlt: number;
  fields: PpiField[];
  /** The 802.11-Common field, decoded, when there is one. */
  common?: PpiCommon;
}


/** The header's length after checking it against the capture and its fields against the header. */
function checkHeader(bytes: Uint8Array, offset: number, end: number): number {
  const have = capturedLength({ bytes, offset, end });
  if (have < HEADER) throw new WireError('truncated', `header needs ${HEADER} bytes, ${have} captured at offset ${offset}`, { layer: 'ppi', offset, required: HEADER, available: have });
  const length = le16(bytes, offset + 2);
  if (length < HEADER) throw new WireError('bad-length', `header length ${length} at offset ${offset} is under ${HEADER}`, { layer: 'ppi', offset });
  if (have < length) throw new WireError('truncated', `header of ${length} bytes, ${have} captured at offset ${offset}`, { layer: 'ppi', offset, required: length, available: have });
  for (let at = HEADER; at < length; ) {
    const where = offset + at;
    if (length - at < FIELD_HEADER) throw new WireError('bad-length', `field header at offset ${where} runs past the ${length}-byte header`, { layer: 'ppi', offset: where });
    const type = le16(bytes, where);
    const n = le16(bytes, where + 2);
    if (length - at - FIELD_HEADER < n) throw new WireError('bad-length', `field of ${n} bytes at offset ${where} runs past the ${length}-byte header`, { layer: 'ppi', offset: where });
    if (type === PPI_80211_COMMON && n < COMMON_LENGTH) {
      throw new WireError('bad-length', `802.11-Common field of ${n} bytes at offset ${where} is under ${COMMON_LENGTH}`, { layer: 'ppi', offset: where });
    }
    at += FIELD_HEADER + n;
  }
  return length;
}

function scanPpi(ctx: DecodeContext): Scanned {
  const length = checkHeader(ctx.bytes, ctx.offset, ctx.end);
  return scanned(length, undefined, { table: 'linktype', value: le32(ctx.bytes, ctx.offset + 4) });
}

const safe = (v: bigint): number | string => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

function readCommon(b: Uint8Array, at: number): PpiCommon {
  const view = new DataView(b.buffer, b.byteOffset);
  return {
    tsft: safe(view.getBigUint64(at, true)),
    flags: le16(b, at + 8),
    rate: le16(b, at + 10),
    channelFrequency: le16(b, at + 12),
    channelFlags: le16(b, at + 14),
    fhssHopset: b[at + 16]!,
    fhssPattern: b[at + 17]!,
    dbmAntSignal: (b[at + 18]! << 24) >> 24,
    dbmAntNoise: (b[at + 19]! << 24) >> 24,
  };
}

function readPpi(bytes: Uint8Array, offset: number, end: number): PpiHeader {
  const length = checkHeader(bytes, offset, end);
  const h: PpiHeader = { version: bytes[offset]!, flags: bytes[offset + 1]!, length, dlt: le32(bytes, offset + 4), fields: [] };
  for (let at = offset + HEADER; at < offset + length; ) {
    const type = le16(bytes, at);
    const n = le16(bytes, at + 2);
    h.fields.push({ type, data: bytes.slice(at + FIELD_HEADER, at + FIELD_HEADER + n) });
    if (type === PPI_80211_COMMON && h.common === undefined) h.common = readCommon(bytes, at + FIELD_HEADER);
    at += FIELD_HEADER + n;
  }
  return h;
}

/**
 * Decodes the PPI header at `offset`.
 *
 * @example
 * decodePpi(frame).common?.dbmAntSignal; // -42
 */
export function decodePpi(bytes: Uint8Array, offset = 0, end = bytes.length): PpiHeader {
  return readPpi(bytes, offset, end);
}

/** Field types tshark has no dissector for (PPI 1.0.10: 0-1 and 10-29999 reserved). */
const isReserved = (type: number) => type < 2 || (type >= 10 && type < 30000);


function commonFields(c: PpiCommon, out: FieldSink): void {
  out.add('ppi.80211-common.tsft', c.tsft);
  out.add('ppi.80211-common.flags', c.flags);
  out.add('ppi.80211-common.flags.fcs', c.flags & 1);
  out.add('ppi.80211-common.flags.tsft', (c.flags >>> 1) & 1);
  out.add('ppi.80211-common.flags.fcs-invalid', (c.flags >>> 2) & 1);
  out.add('ppi.80211-common.flags.phy-err', (c.flags >>> 3) & 1);
  // tshark shows the rate in kb/s.
  out.add('ppi.80211-common.rate', c.rate * 500);
  out.add('ppi.80211-common.chan.freq', c.channelFrequency);
  out.add('ppi.80211-common.chan.flags', c.channelFlags);
  const names = ['turbo', 'cck', 'ofdm', '2ghz', '5ghz', 'passive', 'dynamic', 'gfsk'];
  for (let k = 0; k < names.length; k++) out.add(`ppi.80211-common.chan.flags.${names[k]}`, (c.channelFlags >>> (4 + k)) & 1);
  out.add('ppi.80211-common.fhss.hopset', c.fhssHopset);
  out.add('ppi.80211-common.fhss.pattern', c.fhssPattern);
  out.add('ppi.80211-common.dbm.antsignal', c.dbmAntSignal);
  out.add('ppi.80211-common.dbm.antnoise', c.dbmAntNoise);
}

function headerFields(bytes: Uint8Array, offset: number, have: number, out: FieldSink): void {
  if (have >= 1) out.add('ppi.version', bytes[offset]!);
  if (have >= 2) {
    const flags = bytes[offset + 1]!;
    out.add('ppi.flags', flags);
    out.add('ppi.flags.alignment', flags & 1);
    out.add('ppi.flags.reserved', flags & 0xfe);
  }
  if (have >= 4) out.add('ppi.length', le16(bytes, offset + 2));
  if (have >= 8) out.add('ppi.dlt', le32(bytes, offset + 4));
}

function fields(h: PpiHeader, out: FieldSink): void {
  out.add('ppi.version', h.version);
  out.add('ppi.flags', h.flags);
  out.add('ppi.flags.alignment', h.flags & 1);
  out.add('ppi.flags.reserved', h.flags & 0xfe);
  out.add('ppi.length', h.length);
  out.add('ppi.dlt', h.dlt);
  for (const f of h.fields) {
    if (f.type === PPI_80211_COMMON) {
      out.add('ppi.field_type', f.type);
      out.add('ppi.field_len', f.data.length);
      commonFields(readCommon(f.data, 0), out);
    } else if (isReserved(f.type)) {
      // tshark shows a reserved field whole, its type and length bytes included.
      const whole = new Uint8Array(FIELD_HEADER + f.data.length);
      whole.set([f.type & 255, f.type >>> 8, f.data.length & 255, f.data.length >>> 8]);
      whole.set(f.data, FIELD_HEADER);
      out.add('ppi.reserved', bytesField(whole));
    }
  }
}

export interface PpiInput {
  /** Link type of the frame that follows (default 105, 802.11: encodeFrame sets it from the next layer when it can). */
  dlt?: number;
  /** 802.11-Common; absent, the header has no fields. */
  common?: Partial<Omit<PpiCommon, 'tsft'>> & { tsft?: bigint | number | string };
}

const check = rangeChecker('ppi');

function inputLength(h: PpiInput): number {
  return HEADER + (h.common === undefined ? 0 : FIELD_HEADER + COMMON_LENGTH);
}

/** Writes a PPI header (with an 802.11-Common field when `common` is given) and returns its length. */
export function emitPpi(h: PpiInput, out: Uint8Array, offset = 0): number {
  const n = inputLength(h);
  if (offset < 0 || out.length - offset < n) throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}`, { layer: 'ppi', offset });
  const view = new DataView(out.buffer, out.byteOffset);
  out.fill(0, offset, offset + n);
  view.setUint16(offset + 2, n, true);
  view.setUint32(offset + 4, check('dlt', h.dlt ?? 105, 0xffffffff), true);
  const c = h.common;
  if (c !== undefined) {
    const at = offset + HEADER;
    view.setUint16(at, PPI_80211_COMMON, true);
    view.setUint16(at + 2, COMMON_LENGTH, true);
    const tsft = BigInt(c.tsft ?? 0);
    if (tsft < 0n || tsft > 0xffffffffffffffffn) throw new WireError('bad-value', `tsft ${tsft} is out of range`, { layer: 'ppi' });
    view.setBigUint64(at + 4, tsft, true);
    view.setUint16(at + 12, check('flags', c.flags ?? 0, 0xffff), true);
    view.setUint16(at + 14, check('rate', c.rate ?? 0, 0xffff), true);
    view.setUint16(at + 16, check('channelFrequency', c.channelFrequency ?? 0, 0xffff), true);
    view.setUint16(at + 18, check('channelFlags', c.channelFlags ?? 0, 0xffff), true);
    out[at + 20] = check('fhssHopset', c.fhssHopset ?? 0, 255);
    out[at + 21] = check('fhssPattern', c.fhssPattern ?? 0, 255);
    // Signal and noise are signed bytes: checked as their two's-complement byte.
    out[at + 22] = check('dbmAntSignal + 128', (c.dbmAntSignal ?? 0) + 128, 255) - 128;
    out[at + 23] = check('dbmAntNoise + 128', (c.dbmAntNoise ?? 0) + 128, 255) - 128;
  }
  return n;
}

/** PPI for `encodeFrame`: `[{ ppi: { common: { rate: 2 } } }, { wlan: {...} }, ...]`. */
export const ppiEncoder: Encoder<PpiInput> = {
  name: 'ppi',
  headerLength: inputLength,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitPpi(header, out, offset);
  },
};

/** PPI, the header of LINKTYPE_PPI (192) frames; the frame after it by its link type. */
export const ppi: Protocol<PpiHeader> = {
  name: 'ppi',
  scan: scanPpi,
  decode(ctx: DecodeContext): Decoded<PpiHeader> {
    const decoded = scanPpi(ctx) as Decoded<PpiHeader>;
    decoded.header = readPpi(ctx.bytes, ctx.offset, ctx.end);
    return decoded;
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    headerFields(ctx.bytes, ctx.offset, capturedLength(ctx), out);
  },
  fields,
};
