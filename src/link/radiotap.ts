// Radiotap (https://www.radiotap.org), the per-frame radio metadata in front of 802.11 frames in
// LINKTYPE_IEEE802_11_RADIOTAP (127) captures, as monitor-mode capture on Linux and macOS writes
// them. Little-endian: a version (0), a pad byte, the header's length, then one or more 32-bit
// "present" words (bit 31 says another word follows) and the fields the present bits name, in bit
// order, each aligned to its natural size from the header's start. The fields whose size is known
// are walked; the first unknown one ends the walk (its size, and so every later field's place, is
// unknown), as it does for tshark. The header's length says where the 802.11 frame starts whatever
// the fields hold. tshark's dissector is `radiotap`.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { le16, le32 } from '../packet/bytes.js';
import { scanned } from '../packet/packet.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';

export const LINKTYPE_IEEE802_11_RADIOTAP = 127;

/** Present bits of the fields this module reads or writes (radiotap.org's defined fields). */
export const RadiotapField = {
  TSFT: 0,
  FLAGS: 1,
  RATE: 2,
  CHANNEL: 3,
  FHSS: 4,
  DBM_ANTSIGNAL: 5,
  DBM_ANTNOISE: 6,
  LOCK_QUALITY: 7,
  TX_ATTENUATION: 8,
  DB_TX_ATTENUATION: 9,
  DBM_TX_POWER: 10,
  ANTENNA: 11,
  DB_ANTSIGNAL: 12,
  DB_ANTNOISE: 13,
  RX_FLAGS: 14,
  TX_FLAGS: 15,
  RTS_RETRIES: 16,
  DATA_RETRIES: 17,
  XCHANNEL: 18,
  MCS: 19,
  AMPDU: 20,
  VHT: 21,
  TIMESTAMP: 22,
  HE: 23,
  HE_MU: 24,
  HE_MU_OTHER_USER: 25,
  ZERO_LENGTH_PSDU: 26,
  L_SIG: 27,
  TLV: 28,
  RADIOTAP_NAMESPACE: 29,
  VENDOR_NAMESPACE: 30,
  EXT: 31,
} as const;

/** [alignment, size] of each defined field, by present bit (radiotap.org/fields/defined). */
const FIELD_LAYOUT: readonly (readonly [number, number] | undefined)[] = [
  [8, 8], [1, 1], [1, 1], [2, 4], [1, 2], [1, 1], [1, 1], [2, 2], [2, 2], [2, 2], [1, 1], [1, 1], [1, 1], [1, 1], [2, 2], [2, 2],
  [1, 1], [1, 1], [4, 8], [1, 3], [4, 8], [2, 12], [8, 12], [2, 12], [2, 12], [2, 6], [1, 1], [2, 4],
];

/** Flags field bits. */
export const RadiotapFlag = { CFP: 0x01, SHORT_PREAMBLE: 0x02, WEP: 0x04, FRAGMENT: 0x08, FCS: 0x10, DATA_PAD: 0x20, BAD_FCS: 0x40, SHORT_GI: 0x80 } as const;

export interface RadiotapHeader {
  version: number;
  pad: number;
  /** The whole header's length: the 802.11 frame starts this many bytes in. */
  length: number;
  /** The present words, in order. */
  present: number[];
  /** radiotap.mactime: the TSF timer in microseconds (a decimal string past 2^53). */
  tsft?: number | string;
  /** The Flags field (RadiotapFlag bits); 0 when absent. */
  flags?: number;
  /** The legacy rate, in 500 kb/s units. */
  rate?: number;
  channelFrequency?: number;
  channelFlags?: number;
  dbmAntSignal?: number;
  dbmAntNoise?: number;
  antenna?: number;
  rxFlags?: number;
  txFlags?: number;
  /** The MCS field: which of its subfields are known, its flags, the MCS index. */
  mcs?: { known: number; flags: number; index: number };
}

/** The fields `encodeFrame` writes (in bit order, each aligned); `tsft` may be a bigint. */
export type RadiotapInput = Partial<Pick<RadiotapHeader, 'flags' | 'rate' | 'channelFrequency' | 'channelFlags' | 'dbmAntSignal' | 'dbmAntNoise' | 'antenna'>> & {
  tsft?: bigint | number;
};

function truncated(offset: number, required: number, have: number, what: string): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${have} captured at offset ${offset}`, {
    layer: 'radiotap',
    offset,
    required,
    available: have,
  });
}


/** The header's length after checking it: at least 8, and all captured. */
function checkHeader(bytes: Uint8Array, offset: number, end: number): number {
  const have = Math.max(0, Math.min(end, bytes.length) - offset);
  if (have < 8) throw truncated(offset, 8, have, 'header');
  if (bytes[offset] !== 0) {
    throw new WireError('bad-version', `version ${bytes[offset]} at offset ${offset} (only 0 is defined)`, { layer: 'radiotap', offset });
  }
  const length = le16(bytes, offset + 2);
  if (length < 8) throw new WireError('bad-length', `header length ${length} at offset ${offset + 2} is under the 8-byte minimum`, { layer: 'radiotap', offset });
  if (length > have) throw truncated(offset, length, have, 'header');
  return length;
}

function scanRadiotap(ctx: DecodeContext): Scanned {
  const length = checkHeader(ctx.bytes, ctx.offset, ctx.end);
  return scanned(length, undefined, { protocol: 'wlan' });
}

function readRadiotap(bytes: Uint8Array, offset: number, end: number): RadiotapHeader {
  const length = checkHeader(bytes, offset, end);
  const h: RadiotapHeader = { version: bytes[offset]!, pad: bytes[offset + 1]!, length, present: [] };
  // The present words: while bit 31 is set another follows (within the header).
  let at = 4;
  for (;;) {
    if (at + 4 > length) break;
    const word = le32(bytes, offset + at);
    h.present.push(word);
    at += 4;
    if (!(word & 0x80000000)) break;
  }
  // The fields of the radiotap namespace words, in bit order. A vendor namespace's fields are
  // skipped by its own length; the walk stops at the first field whose layout is unknown.
  let vendor = false;
  let skip = 0;
  walk: for (let w = 0; w < h.present.length; w++) {
    const word = h.present[w]!;
    if (vendor) {
      // The vendor namespace's data (its length given by the namespace field) replaces its fields.
      at += skip;
      skip = 0;
    }
    for (let bit = 0; bit < 29; bit++) {
      if (vendor || !((word >>> bit) & 1)) continue;
      const spec = FIELD_LAYOUT[bit];
      if (spec === undefined) break walk;
      const [align, size] = spec;
      at = (at + align - 1) & ~(align - 1);
      if (at + size > length) break walk;
      readField(bytes, offset + at, bit, h);
      at += size;
    }
    if (word & (1 << RadiotapField.VENDOR_NAMESPACE)) {
      at = (at + 1) & ~1;
      if (at + 6 > length) break;
      skip = le16(bytes, offset + at + 4);
      at += 6;
      vendor = true;
    } else if (word & (1 << RadiotapField.RADIOTAP_NAMESPACE)) {
      vendor = false;
    } else if (!(word & 0x80000000)) break;
  }
  return h;
}

function readField(b: Uint8Array, at: number, bit: number, h: RadiotapHeader): void {
  switch (bit) {
    case RadiotapField.TSFT: {
      const v = BigInt(le32(b, at)) | (BigInt(le32(b, at + 4)) << 32n);
      h.tsft = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      break;
    }
    case RadiotapField.FLAGS:
      h.flags = b[at]!;
      break;
    case RadiotapField.RATE:
      h.rate = b[at]!;
      break;
    case RadiotapField.CHANNEL:
      h.channelFrequency = le16(b, at);
      h.channelFlags = le16(b, at + 2);
      break;
    case RadiotapField.DBM_ANTSIGNAL:
      h.dbmAntSignal = (b[at]! << 24) >> 24;
      break;
    case RadiotapField.DBM_ANTNOISE:
      h.dbmAntNoise = (b[at]! << 24) >> 24;
      break;
    case RadiotapField.ANTENNA:
      h.antenna = b[at]!;
      break;
    case RadiotapField.RX_FLAGS:
      h.rxFlags = le16(b, at);
      break;
    case RadiotapField.TX_FLAGS:
      h.txFlags = le16(b, at);
      break;
    case RadiotapField.MCS:
      h.mcs = { known: b[at]!, flags: b[at + 1]!, index: b[at + 2]! };
      break;
    default:
      break;
  }
}

/**
 * Decodes the radiotap header at `offset`.
 *
 * @example
 * decodeRadiotap(frame); // { version: 0, pad: 0, length: 16, present: [0x82e], flags: 0, rate: 2, ... }
 */
export function decodeRadiotap(bytes: Uint8Array, offset = 0, end = bytes.length): RadiotapHeader {
  return readRadiotap(bytes, offset, end);
}

/** HT data rates (Mb/s) of MCS 0-7 for one spatial stream: 20 MHz and 40 MHz, long guard interval. */
const HT_RATE_20 = [6.5, 13, 19.5, 26, 39, 52, 58.5, 65];
const HT_RATE_40 = [13.5, 27, 40.5, 54, 81, 108, 121.5, 135];

/**
 * The data rate an HT MCS field gives, as tshark derives it: when bandwidth, index and guard
 * interval are known, for MCS 0-31 (1-4 equal streams); the short guard interval scales by 10/9.
 */
function mcsRate(m: { known: number; flags: number; index: number }): number | undefined {
  if ((m.known & 7) !== 7 || m.index > 31) return undefined;
  const bw = m.flags & 3;
  if (bw !== 0 && bw !== 1) return undefined;
  const base = (bw === 1 ? HT_RATE_40 : HT_RATE_20)[m.index & 7]! * ((m.index >>> 3) + 1);
  const rate = m.flags & 4 ? (base * 10) / 9 : base;
  return Math.round(rate * 10) / 10;
}

/** The present flags tshark lists for a word, by bit (it names no flag for bits 16 and 25). */
const PRESENT_NAMES: readonly (string | undefined)[] = [
  'tsft', 'flags', 'rate', 'channel', 'fhss', 'dbm_antsignal', 'dbm_antnoise', 'lock_quality', 'tx_attenuation', 'db_tx_attenuation',
  'dbm_tx_power', 'antenna', 'db_antsignal', 'db_antnoise', 'rxflags', 'txflags', undefined, 'data_retries', 'xchannel', 'mcs', 'ampdu',
  'vht', 'timestamp', 'he', 'he_mu', undefined, '0_length.psdu', 'l_sig', 'tlv', 'rtap_ns', 'vendor_ns', 'ext',
].map((n) => (n === undefined ? undefined : `radiotap.present.${n}`));

const FLAG_NAMES = ['cfp', 'preamble', 'wep', 'frag', 'fcs', 'datapad', 'badfcs', 'shortgi'].map((n) => `radiotap.flags.${n}`);
const CHANNEL_FLAG_NAMES: readonly [string, number][] = [
  ['700mhz', 0x0001], ['800mhz', 0x0002], ['900mhz', 0x0004], ['turbo', 0x0010], ['cck', 0x0020], ['ofdm', 0x0040], ['2ghz', 0x0080],
  ['5ghz', 0x0100], ['passive', 0x0200], ['dynamic', 0x0400], ['gfsk', 0x0800], ['gsm', 0x1000], ['sturbo', 0x2000], ['half', 0x4000],
  ['quarter', 0x8000],
].map(([n, bit]) => [`radiotap.channel.flags.${n}`, bit as number]);
const TX_FLAG_NAMES = ['fail', 'cts', 'rts', 'noack', 'noseqno', 'order'].map((n) => `radiotap.rxflags.${n}`);
const MCS_KNOWN_NAMES = ['have_bw', 'have_index', 'have_gi', 'have_format', 'have_fec', 'have_stbc', 'have_ness'].map((n) => `radiotap.mcs.${n}`);

function fields(h: RadiotapHeader, out: FieldSink): void {
  out.add('radiotap.version', h.version);
  out.add('radiotap.pad', h.pad);
  out.add('radiotap.length', h.length);
  for (const word of h.present) {
    out.add('radiotap.present.word', word);
    for (let bit = 0; bit < 32; bit++) {
      const name = PRESENT_NAMES[bit];
      if (name !== undefined) out.add(name, (word >>> bit) & 1);
    }
  }
  if (h.tsft !== undefined) out.add('radiotap.mactime', h.tsft);
  if (h.flags !== undefined) {
    out.add('radiotap.flags', h.flags);
    for (let bit = 0; bit < 8; bit++) out.add(FLAG_NAMES[bit]!, (h.flags >>> bit) & 1);
  }
  // In Mb/s (the field counts 500 kb/s).
  if (h.rate !== undefined) out.add('radiotap.datarate', h.rate / 2);
  if (h.channelFrequency !== undefined) {
    out.add('radiotap.channel.freq', h.channelFrequency);
    out.add('radiotap.channel.flags', h.channelFlags!);
    for (const [name, bit] of CHANNEL_FLAG_NAMES) out.add(name, h.channelFlags! & bit ? 1 : 0);
  }
  if (h.dbmAntSignal !== undefined) out.add('radiotap.dbm_antsignal', h.dbmAntSignal);
  if (h.dbmAntNoise !== undefined) out.add('radiotap.dbm_antnoise', h.dbmAntNoise);
  if (h.antenna !== undefined) out.add('radiotap.antenna', h.antenna);
  if (h.rxFlags !== undefined) {
    out.add('radiotap.rxflags', h.rxFlags);
    out.add('radiotap.rxflags.badplcp', (h.rxFlags >>> 1) & 1);
  }
  if (h.txFlags !== undefined) {
    out.add('radiotap.txflags', h.txFlags);
    // tshark names the TX flags' bits under radiotap.rxflags.
    for (let bit = 0; bit < 6; bit++) out.add(TX_FLAG_NAMES[bit]!, (h.txFlags >>> bit) & 1);
  }
  if (h.mcs !== undefined) {
    const m = h.mcs;
    // tshark adds the rate the MCS gives to radiotap.datarate (after a legacy rate, if any).
    const rate = mcsRate(m);
    if (rate !== undefined) out.add('radiotap.datarate', rate);
    out.add('radiotap.mcs.known', m.known);
    for (let bit = 0; bit < 7; bit++) out.add(MCS_KNOWN_NAMES[bit]!, (m.known >>> bit) & 1);
    if (m.known & 1) out.add('radiotap.mcs.bw', m.flags & 3);
    if (m.known & 4) out.add('radiotap.mcs.gi', (m.flags >>> 2) & 1);
    if (m.known & 8) out.add('radiotap.mcs.format', (m.flags >>> 3) & 1);
    if (m.known & 16) out.add('radiotap.mcs.fec', (m.flags >>> 4) & 1);
    if (m.known & 32) out.add('radiotap.mcs.stbc', (m.flags >>> 5) & 3);
    if (m.known & 64) out.add('radiotap.mcs.ness', (m.flags >>> 7) & 1);
    if (m.known & 2) out.add('radiotap.mcs.index', m.index);
  }
}

/** The fields an input sets, as [bit, write] in bit order. */
function inputFields(h: RadiotapInput): [number, (out: Uint8Array, at: number) => void][] {
  const list: [number, (out: Uint8Array, at: number) => void][] = [];
  const byte = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new WireError('bad-value', `${name} ${v} is out of range ${min}-${max}`, { layer: 'radiotap' });
    return v & 0xff;
  };
  if (h.tsft !== undefined) {
    const v = BigInt(h.tsft);
    if (v < 0n || v > 0xffffffffffffffffn) throw new WireError('bad-value', `tsft ${v} is out of range`, { layer: 'radiotap' });
    list.push([0, (o, at) => new DataView(o.buffer, o.byteOffset).setBigUint64(at, v, true)]);
  }
  if (h.flags !== undefined) {
    const v = byte('flags', h.flags, 0, 0xff);
    list.push([1, (o, at) => void (o[at] = v)]);
  }
  if (h.rate !== undefined) {
    const v = byte('rate', h.rate, 0, 0xff);
    list.push([2, (o, at) => void (o[at] = v)]);
  }
  if (h.channelFrequency !== undefined || h.channelFlags !== undefined) {
    const f = h.channelFrequency ?? 0;
    const c = h.channelFlags ?? 0;
    if (!Number.isInteger(f) || f < 0 || f > 0xffff || !Number.isInteger(c) || c < 0 || c > 0xffff) {
      throw new WireError('bad-value', `channel ${f}/${c} is out of range 0-65535`, { layer: 'radiotap' });
    }
    list.push([3, (o, at) => { o[at] = f; o[at + 1] = f >>> 8; o[at + 2] = c; o[at + 3] = c >>> 8; }]);
  }
  if (h.dbmAntSignal !== undefined) {
    const v = byte('dbmAntSignal', h.dbmAntSignal, -128, 127);
    list.push([5, (o, at) => void (o[at] = v)]);
  }
  if (h.dbmAntNoise !== undefined) {
    const v = byte('dbmAntNoise', h.dbmAntNoise, -128, 127);
    list.push([6, (o, at) => void (o[at] = v)]);
  }
  if (h.antenna !== undefined) {
    const v = byte('antenna', h.antenna, 0, 0xff);
    list.push([11, (o, at) => void (o[at] = v)]);
  }
  return list;
}

function inputLength(h: RadiotapInput): number {
  let at = 8;
  for (const [bit] of inputFields(h)) {
    const [align, size] = FIELD_LAYOUT[bit]!;
    at = ((at + align - 1) & ~(align - 1)) + size;
  }
  return at;
}

/** Writes a radiotap header with the fields `h` sets and returns its length. */
export function emitRadiotap(h: RadiotapInput, out: Uint8Array, offset = 0): number {
  const list = inputFields(h);
  const n = inputLength(h);
  if (offset < 0 || out.length - offset < n) {
    throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'radiotap', offset });
  }
  out.fill(0, offset, offset + n);
  out[offset + 2] = n;
  out[offset + 3] = n >>> 8;
  let present = 0;
  let at = 8;
  for (const [bit, write] of list) {
    const [align, size] = FIELD_LAYOUT[bit]!;
    at = (at + align - 1) & ~(align - 1);
    write(out, offset + at);
    at += size;
    present |= 1 << bit;
  }
  out[offset + 4] = present;
  out[offset + 5] = present >>> 8;
  out[offset + 6] = present >>> 16;
  out[offset + 7] = present >>> 24;
  return n;
}

/** A new buffer holding the header. */
export function encodeRadiotap(h: RadiotapInput): Uint8Array {
  const out = new Uint8Array(inputLength(h));
  emitRadiotap(h, out);
  return out;
}

/** Radiotap for `encodeFrame`: `[{ radiotap: { rate: 2 } }, { wlan: {...} }, ...]`. */
export const radiotapEncoder: Encoder<RadiotapInput> = {
  name: 'radiotap',
  headerLength: inputLength,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitRadiotap(header, out, offset);
  },
};

/** Radiotap, the header of LINKTYPE_IEEE802_11_RADIOTAP (127) frames; an 802.11 frame follows. */
export const radiotap: Protocol<RadiotapHeader> = {
  name: 'radiotap',
  scan: scanRadiotap,
  decode(ctx: DecodeContext): Decoded<RadiotapHeader> {
    const decoded = scanRadiotap(ctx) as Decoded<RadiotapHeader>;
    decoded.header = readRadiotap(ctx.bytes, ctx.offset, ctx.end);
    return decoded;
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have >= 1) out.add('radiotap.version', ctx.bytes[ctx.offset]!);
    if (have >= 2) out.add('radiotap.pad', ctx.bytes[ctx.offset + 1]!);
    if (have >= 4) out.add('radiotap.length', le16(ctx.bytes, ctx.offset + 2));
  },
  fields,
};
