// The radio headers Linux 802.11 drivers wrote in front of monitor-mode frames before radiotap:
//
// - Prism (LINKTYPE_IEEE802_11_PRISM, 119), from the wlan-ng driver: a message code, a length, the
//   device name (16 bytes), then ten items (DID, status, length, 32-bit value): host time, MAC
//   time, channel, RSSI, signal quality, signal, noise, rate, transmit flag, frame length. 144
//   bytes in all, in the capturing host's byte order, whatever the length field says.
// - AVS (LINKTYPE_IEEE802_11_AVS, 163, and under 119 when the first word says so): big-endian, a
//   magic (0x8021100 and a version nibble), the header's length (where the 802.11 frame starts),
//   MAC and host times (64-bit), PHY type, channel, data rate (100 kb/s units), antenna, priority,
//   the SSI type and signal and noise (dBm for type 2), preamble and encoding: 64 bytes in
//   version 1.
//
// An 802.11 frame without an FCS follows either. tshark's dissectors are `prism` and `wlancap`,
// each handing the radio information to its `wlan_radio` pseudo-protocol before 802.11.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, Next, Protocol } from '../packet/protocol.js';
import { cutShort } from '../packet/partial.js';
import { le32, u32 as be32 } from '../packet/bytes.js';

export const LINKTYPE_IEEE802_11_PRISM = 119;
export const LINKTYPE_IEEE802_11_AVS = 163;
export const PRISM_HEADER_LENGTH = 144;
const PRISM_ITEMS = 10;
/** AVS version 1's fixed fields. */
export const AVS_HEADER_LENGTH = 64;

/** Names of the Prism items (tshark's prism.did.* names), by their number in the DID. */
const PRISM_ITEM_NAMES = ['hosttime', 'mactime', 'channel', 'rssi', 'sq', 'signal', 'noise', 'rate', 'istx', 'frmlen'] as const;

/**
 * An item's name from its DID: drivers wrote either of two families, item n (1-10) as n << 12 |
 * 0x041 (with message code 0x41) or n << 16 | 0x044 (message code 0x44). tshark names others unknown.
 */
export function prismItemName(did: number): string {
  const n = (did & 0xffff0fff) === 0x041 ? did >>> 12 : (did & 0xfff0ffff) === 0x044 ? did >>> 16 : 0;
  return n >= 1 && n <= PRISM_ITEM_NAMES.length ? PRISM_ITEM_NAMES[n - 1]! : 'unknown';
}

export interface PrismItem {
  did: number;
  status: number;
  length: number;
  value: number;
}

export interface PrismHeader {
  msgcode: number;
  msglen: number;
  /** The device name (NUL-terminated in its 16 bytes). */
  devname: string;
  /** Whether the header was written big-endian. */
  bigEndian: boolean;
  /** The ten items; absent when the header is an AVS one (the `wlancap` layer above holds it). */
  items?: PrismItem[];
}

export interface AvsHeader {
  /** The magic (0x8021100), without the version nibble. */
  magic: number;
  version: number;
  /** Header length: where the 802.11 frame starts. */
  length: number;
  mactime: bigint;
  hosttime: bigint;
  phytype: number;
  channel: number;
  /** Data rate in bits per second (the header's 100 kb/s units times 100,000). */
  dataRate: number;
  antenna: number;
  priority: number;
  /** 1 normalized RSSI, 2 dBm, 3 raw RSSI. */
  ssiType: number;
  ssiSignal: number;
  ssiNoise: number;
  preamble: number;
  encoding: number;
}

const WLAN: Next = { protocol: 'wlan' };
const AVS: Next = { protocol: 'wlancap' };


/** Whether the bytes at `offset` start an AVS header (its magic, any version). */
export function isAvs(bytes: Uint8Array, offset: number, end: number): boolean {
  return Math.min(end, bytes.length) - offset >= 4 && be32(bytes, offset) >>> 4 === 0x8021100;
}

function devname(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let k = 0; k < 16; k++) {
    const c = bytes[at + k]!;
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

/** The Prism header at `offset` (or, for an AVS header, its first fields only). */
export function decodePrism(bytes: Uint8Array, offset = 0, end = bytes.length): PrismHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < PRISM_HEADER_LENGTH) throw cutShort('prism', offset, PRISM_HEADER_LENGTH, available, 'header');
  const first = le32(bytes, offset);
  // Written in the capturing host's order: a code with bits in its upper half was big-endian.
  const bigEndian = (first & 0xffff0000) !== 0;
  const u32 = bigEndian ? be32 : le32;
  const u16 = (at: number) => (bigEndian ? (bytes[at]! << 8) | bytes[at + 1]! : bytes[at]! | (bytes[at + 1]! << 8));
  const items: PrismItem[] = [];
  for (let k = 0; k < PRISM_ITEMS; k++) {
    const at = offset + 24 + 12 * k;
    items.push({ did: u32(bytes, at), status: u16(at + 4), length: u16(at + 6), value: u32(bytes, at + 8) });
  }
  return { msgcode: u32(bytes, offset), msglen: u32(bytes, offset + 4), devname: devname(bytes, offset + 8), bigEndian, items };
}

function itemFields(items: PrismItem[], out: FieldSink): void {
  for (const item of items) {
    out.add('prism.did.type', item.did);
    out.add('prism.did.status', item.status);
    out.add('prism.did.length', item.length);
    const name = prismItemName(item.did);
    // Signal and noise are dBm, signed.
    out.add(`prism.did.${name}`, name === 'signal' || name === 'noise' ? item.value | 0 : item.value);
  }
}

/** tshark's info column for a Prism header it could not finish (what it read first). */
export function prismCutInfo(bytes: Uint8Array, offset: number, captured: number): string {
  if (captured < 24) return '';
  const bigEndian = (le32(bytes, offset) & 0xffff0000) !== 0;
  const u32 = bigEndian ? be32 : le32;
  return `Device: ${devname(bytes, offset + 8)}, Message 0x${u32(bytes, offset).toString(16)}, Length ${u32(bytes, offset + 4)}`;
}

/** The AVS header at `offset`: its fixed fields; the 802.11 frame starts at its length. */
export function decodeAvs(bytes: Uint8Array, offset = 0, end = bytes.length): AvsHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < AVS_HEADER_LENGTH) throw cutShort('wlancap', offset, AVS_HEADER_LENGTH, available, 'header');
  const word = be32(bytes, offset);
  const length = be32(bytes, offset + 4);
  if (length > available) throw cutShort('wlancap', offset, length, available, 'header of its length');
  const u64 = (at: number) => (BigInt(be32(bytes, at)) << 32n) | BigInt(be32(bytes, at + 4));
  return {
    magic: word >>> 4,
    version: word & 15,
    length,
    mactime: u64(offset + 8),
    hosttime: u64(offset + 16),
    phytype: be32(bytes, offset + 24),
    channel: be32(bytes, offset + 28),
    dataRate: be32(bytes, offset + 32) * 100_000,
    antenna: be32(bytes, offset + 36),
    priority: be32(bytes, offset + 40),
    ssiType: be32(bytes, offset + 44),
    ssiSignal: be32(bytes, offset + 48) | 0,
    ssiNoise: be32(bytes, offset + 52) | 0,
    preamble: be32(bytes, offset + 56),
    encoding: be32(bytes, offset + 60),
  };
}

/** tshark's info column for an AVS header it could not finish (version and length, the latter signed). */
export function avsCutInfo(bytes: Uint8Array, offset: number, captured: number): string {
  if (captured < 8) return '';
  return `AVS WLAN Capture v${be32(bytes, offset) & 15}, Length ${be32(bytes, offset + 4) | 0}`;
}

/** `prism` for LINKTYPE_IEEE802_11_PRISM: 802.11 follows, or an AVS header when the first word is AVS's magic. */
export const prism: Protocol<PrismHeader> = {
  name: 'prism',
  decode(ctx: DecodeContext): Decoded<PrismHeader> {
    if (isAvs(ctx.bytes, ctx.offset, ctx.end)) {
      // tshark's prism dissector hands the frame whole to the AVS one.
      return { header: { msgcode: be32(ctx.bytes, ctx.offset), msglen: 0, devname: '', bigEndian: true }, headerLength: 0, next: AVS };
    }
    return { header: decodePrism(ctx.bytes, ctx.offset, ctx.end), headerLength: PRISM_HEADER_LENGTH, next: WLAN };
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have < 8) return;
    const bigEndian = (le32(ctx.bytes, ctx.offset) & 0xffff0000) !== 0;
    const u32 = bigEndian ? be32 : le32;
    out.add('prism.msgcode', u32(ctx.bytes, ctx.offset));
    out.add('prism.msglen', u32(ctx.bytes, ctx.offset + 4));
    if (have >= 24) out.add('prism.devname', devname(ctx.bytes, ctx.offset + 8));
    // The items captured whole.
    const u16 = (at: number) => (bigEndian ? (ctx.bytes[at]! << 8) | ctx.bytes[at + 1]! : ctx.bytes[at]! | (ctx.bytes[at + 1]! << 8));
    const items: PrismItem[] = [];
    for (let at = 24; at + 12 <= have && items.length < PRISM_ITEMS; at += 12) {
      const o = ctx.offset + at;
      items.push({ did: u32(ctx.bytes, o), status: u16(o + 4), length: u16(o + 6), value: u32(ctx.bytes, o + 8) });
    }
    itemFields(items, out);
  },
  fields(h: PrismHeader, out: FieldSink): void {
    if (h.items === undefined) return;
    out.add('prism.msgcode', h.msgcode);
    out.add('prism.msglen', h.msglen);
    out.add('prism.devname', h.devname);
    itemFields(h.items, out);
  },
};

/** A 64-bit value as a number while it is exact, else as decimal text. */
const bigField = (v: bigint): number | string => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** `wlancap`, the AVS header: LINKTYPE_IEEE802_11_AVS, or inside `prism`. */
export const avs: Protocol<AvsHeader> = {
  name: 'wlancap',
  decode(ctx: DecodeContext): Decoded<AvsHeader> {
    const header = decodeAvs(ctx.bytes, ctx.offset, ctx.end);
    return { header, headerLength: header.length, next: WLAN };
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark shows nothing of fewer than 8 bytes, and from 8 on each fixed field that was captured.
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have < 8) return;
    const b = ctx.bytes;
    const o = ctx.offset;
    const word = be32(b, o);
    out.add('wlancap.magic', word >>> 4);
    out.add('wlancap.version', word & 15);
    out.add('wlancap.length', be32(b, o + 4));
    if (have >= 16) out.add('wlancap.mactime', bigField((BigInt(be32(b, o + 8)) << 32n) | BigInt(be32(b, o + 12))));
    if (have >= 24) out.add('wlancap.hosttime', bigField((BigInt(be32(b, o + 16)) << 32n) | BigInt(be32(b, o + 20))));
    const words = ['phytype', 'channel', 'data_rate', 'antenna', 'priority', 'ssi_type'] as const;
    words.forEach((name, k) => {
      if (have >= 28 + 4 * k) out.add(`wlancap.${name}`, be32(b, o + 24 + 4 * k) * (name === 'data_rate' ? 100_000 : 1));
    });
  },
  fields(h: AvsHeader, out: FieldSink): void {
    // tshark shows the fields of the versions it knows (1 and 2) only.
    if (h.version !== 1 && h.version !== 2) return;
    out.add('wlancap.magic', h.magic);
    out.add('wlancap.version', h.version);
    out.add('wlancap.length', h.length);
    out.add('wlancap.mactime', bigField(h.mactime));
    out.add('wlancap.hosttime', bigField(h.hosttime));
    out.add('wlancap.phytype', h.phytype);
    out.add('wlancap.channel', h.channel);
    out.add('wlancap.data_rate', h.dataRate);
    out.add('wlancap.antenna', h.antenna);
    out.add('wlancap.priority', h.priority);
    out.add('wlancap.ssi_type', h.ssiType);
    const kind = h.ssiType === 2 ? 'dbm' : h.ssiType === 1 ? 'normrssi' : 'rawrssi';
    out.add(`wlancap.${kind}_antsignal`, h.ssiSignal);
    out.add(`wlancap.${kind}_antnoise`, h.ssiNoise);
    out.add('wlancap.preamble', h.preamble);
    out.add('wlancap.encoding', h.encoding);
  },
};
