// IEEE 802.11 MAC headers (IEEE Std 802.11-2020, clause 9.2-9.3), as LINKTYPE_IEEE802_11 (105)
// captures hold them and as they follow a radiotap header (127). The header depends on the frame's
// type: management frames have three addresses and a sequence control; control frames one or two
// addresses and nothing else; data frames three or four addresses (by the To DS / From DS bits),
// a sequence control, a QoS control (QoS subtypes) and an HT control (QoS frames with the Order bit).
// The body of an unprotected data frame is LLC (with SNAP: IP, ARP, ...); a protected body is
// encrypted and left opaque, as are management bodies (information elements) and control bodies.
// tshark's dissector is `wlan`; the address fields it derives from the DS bits (wlan.ra, wlan.ta,
// wlan.da, wlan.sa, wlan.bssid, wlan.staa) are given the same way.
import { crc32 } from '../checksum/crc32.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { FieldSink } from '../packet/fields.js';
import { le16, le32 } from '../packet/bytes.js';
import { scanned } from '../packet/packet.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Layer, Protocol, Scanned } from '../packet/protocol.js';
import { formatMac, writeMac } from './mac.js';
import { rangeChecker } from '../packet/range.js';

export const LINKTYPE_IEEE802_11 = 105;

export const WlanType = { MANAGEMENT: 0, CONTROL: 1, DATA: 2, EXTENSION: 3 } as const;

/** Frame control flag bits (the second byte of the frame control field). */
export const WlanFlag = {
  TO_DS: 0x01,
  FROM_DS: 0x02,
  MORE_FRAGMENTS: 0x04,
  RETRY: 0x08,
  POWER_MANAGEMENT: 0x10,
  MORE_DATA: 0x20,
  PROTECTED: 0x40,
  ORDER: 0x80,
} as const;

export interface WlanHeader {
  /** wlan.fc.type: 0 management, 1 control, 2 data, 3 extension. */
  type: number;
  /** wlan.fc.subtype. */
  subtype: number;
  /** wlan.fc.version (0). */
  version: number;
  /** wlan.flags: the WlanFlag bits. */
  flags: number;
  /** wlan.duration, or the association id of a PS-Poll (wlan.aid). */
  duration: number;
  /** The addresses present, in header order (addr1, addr2, addr3, addr4). */
  addresses: string[];
  /** wlan.seq and wlan.frag, when the frame has a sequence control (not control frames). */
  seq?: number;
  frag?: number;
  /** The QoS control field (little-endian), for QoS data frames. */
  qos?: number;
  /** The HT control field, when present. */
  htControl?: number;
  /** The FCS at the end of the frame, when the radiotap header said there is one. */
  fcs?: number;
  fcsStatus?: ChecksumStatus;
}

export interface WlanInput {
  type?: number;
  subtype?: number;
  flags?: number;
  duration?: number;
  /** addr1..addr4 as text; how many are written follows from the type and flags. */
  addresses?: readonly string[];
  seq?: number;
  frag?: number;
  /** QoS control: written (2 bytes) for QoS data subtypes; default 0. */
  qos?: number;
}

/** Control subtypes with a receiver address only (CTS 12, ACK 13). */
const ONE_ADDRESS_CONTROL = (subtype: number) => subtype === 12 || subtype === 13;
/** Control frame extension (6): its layout depends on a subfield; left opaque after the first address. */
const CONTROL_EXTENSION = 6;

/**
 * What the radiotap (or PPI) header below says about this frame, as radiotap flags: an FCS at its
 * end, padding after the header. PPI's 802.11-Common flags say the FCS only (its bit 0).
 */
function radiotapFlags(ctx: DecodeContext): number {
  for (let k = ctx.below.length - 1; k >= 0; k--) {
    const layer = ctx.below[k]!;
    if (layer.offset >= ctx.offset) continue;
    if (layer.name === 'radiotap') return ((layer.header as { flags?: number }).flags ?? 0) & 0xff;
    if (layer.name === 'ppi') {
      const common = (layer.header as { common?: { flags: number } }).common;
      return common !== undefined && common.flags & 1 ? RADIOTAP_FCS : 0;
    }
  }
  return 0;
}
const RADIOTAP_FCS = 0x10;
const RADIOTAP_DATAPAD = 0x20;

/** The header's length from its first two bytes, before padding. */
function headerLength(fc0: number, flags: number): number {
  const type = (fc0 >>> 2) & 3;
  const subtype = fc0 >>> 4;
  if (type === WlanType.CONTROL) return ONE_ADDRESS_CONTROL(subtype) || subtype === CONTROL_EXTENSION ? 10 : 16;
  if (type === WlanType.DATA) {
    let n = 24;
    if ((flags & 3) === 3) n += 6;
    if (subtype & 8) {
      n += 2;
      if (flags & WlanFlag.ORDER) n += 4;
    }
    return n;
  }
  // Management: 24 bytes, an HT control when the Order bit is set. Extension frames (type 3) are
  // rare (DMG beacons); read as management-sized.
  return 24 + (type === WlanType.MANAGEMENT && flags & WlanFlag.ORDER ? 4 : 0);
}

function truncated(offset: number, required: number, have: number): WireError {
  return new WireError('truncated', `header needs ${required} bytes, ${have} captured at offset ${offset}`, {
    layer: 'wlan',
    offset,
    required,
    available: have,
  });
}

interface Layout {
  length: number;
  /** Bytes after the header before the body (radiotap's datapad). */
  padded: number;
  /** End of the body (the FCS excluded). */
  bodyEnd: number;
  fcsAt: number;
}

function layout(ctx: DecodeContext): Layout {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  const have = Math.max(0, end - offset);
  if (have < 2) throw truncated(offset, 2, have);
  const rt = radiotapFlags(ctx);
  const length = headerLength(bytes[offset]!, bytes[offset + 1]!);
  const fcs = rt & RADIOTAP_FCS ? 4 : 0;
  if (have < length + fcs) throw truncated(offset, length + fcs, have);
  const padded = rt & RADIOTAP_DATAPAD ? (length + 3) & ~3 : length;
  return { length, padded: Math.min(padded, have - fcs), bodyEnd: end - fcs, fcsAt: fcs ? end - 4 : -1 };
}

/** The checked layout and the frame control field's parts. */
function frameControl(ctx: DecodeContext): { l: Layout; fc0: number; flags: number; type: number; subtype: number } {
  const l = layout(ctx);
  const fc0 = ctx.bytes[ctx.offset]!;
  return { l, fc0, flags: ctx.bytes[ctx.offset + 1]!, type: (fc0 >>> 2) & 3, subtype: fc0 >>> 4 };
}

function scanWlan(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const { l, fc0, flags, type, subtype } = frameControl(ctx);
  // Data frames with a body ("no data" subtypes have bit 2 set), unprotected, not an A-MSDU.
  const body =
    type === WlanType.DATA &&
    (subtype & 4) === 0 &&
    (flags & WlanFlag.PROTECTED) === 0 &&
    !(subtype & 8 && bytes[offset + headerLength(fc0, flags & 3) - 2]! & 0x80);
  const next = body && l.bodyEnd > offset + l.padded ? { protocol: 'llc' } : undefined;
  return scanned(l.padded, l.bodyEnd, next);
}

function readWlan(ctx: DecodeContext): WlanHeader {
  const { bytes, offset } = ctx;
  const { l, fc0, flags, type, subtype } = frameControl(ctx);
  const h: WlanHeader = { type, subtype, version: fc0 & 3, flags, duration: le16(bytes, offset + 2), addresses: [formatMac(bytes, offset + 4)] };
  if (type === WlanType.CONTROL) {
    if (l.length >= 16) h.addresses.push(formatMac(bytes, offset + 10));
  } else {
    h.addresses.push(formatMac(bytes, offset + 10), formatMac(bytes, offset + 16));
    const sc = le16(bytes, offset + 22);
    h.frag = sc & 0xf;
    h.seq = sc >>> 4;
    let at = offset + 24;
    if (type === WlanType.DATA) {
      if ((flags & 3) === 3) {
        h.addresses.push(formatMac(bytes, at));
        at += 6;
      }
      if (subtype & 8) {
        h.qos = le16(bytes, at);
        at += 2;
      }
    }
    if (flags & WlanFlag.ORDER && at + 4 <= offset + l.length) h.htControl = le32(bytes, at);
  }
  if (l.fcsAt >= 0) {
    h.fcs = le32(bytes, l.fcsAt);
    h.fcsStatus = ctx.verifyChecksum ? (crc32(bytes.subarray(offset, l.fcsAt)) === h.fcs ? 'good' : 'bad') : 'unverified';
  }
  return h;
}

/**
 * Decodes the 802.11 header at `offset` (no FCS: as LINKTYPE_IEEE802_11 captures hold frames).
 *
 * @example
 * decodeWlan(frame).addresses; // ['02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c']
 */
export function decodeWlan(bytes: Uint8Array, offset = 0, end = bytes.length): WlanHeader {
  return readWlan({ bytes, offset, end, below: [], quoted: false, verifyChecksum: false });
}

const num = rangeChecker('wlan');

function inputLength(h: WlanInput): number {
  const type = h.type ?? WlanType.DATA;
  const fc0 = ((h.subtype ?? 0) << 4) | (type << 2);
  return headerLength(fc0 & 0xff, h.flags ?? 0);
}

/** Writes the header at out[offset] and returns its length. */
export function emitWlan(h: WlanInput, out: Uint8Array, offset = 0): number {
  const type = num('type', h.type ?? WlanType.DATA, 3);
  const subtype = num('subtype', h.subtype ?? 0, 15);
  const flags = num('flags', h.flags ?? 0, 0xff);
  const n = headerLength((subtype << 4) | (type << 2), flags);
  if (offset < 0 || out.length - offset < n) {
    throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'wlan', offset });
  }
  const addrs = h.addresses ?? [];
  const slots = type === WlanType.CONTROL ? (n >= 16 ? 2 : 1) : type === WlanType.DATA && (flags & 3) === 3 ? 4 : 3;
  if (addrs.length !== slots) throw new WireError('bad-value', `this frame has ${slots} addresses, ${addrs.length} given`, { layer: 'wlan' });
  out.fill(0, offset, offset + n);
  out[offset] = (subtype << 4) | (type << 2);
  out[offset + 1] = flags;
  const duration = num('duration', h.duration ?? 0, 0xffff);
  out[offset + 2] = duration;
  out[offset + 3] = duration >>> 8;
  writeMac(addrs[0]!, out, offset + 4, 'wlan');
  if (slots >= 2) writeMac(addrs[1]!, out, offset + 10, 'wlan');
  if (type !== WlanType.CONTROL) {
    writeMac(addrs[2]!, out, offset + 16, 'wlan');
    const sc = (num('seq', h.seq ?? 0, 0xfff) << 4) | num('frag', h.frag ?? 0, 15);
    out[offset + 22] = sc;
    out[offset + 23] = sc >>> 8;
    let at = offset + 24;
    if (slots === 4) {
      writeMac(addrs[3]!, out, at, 'wlan');
      at += 6;
    }
    if (type === WlanType.DATA && subtype & 8) {
      const qos = num('qos', h.qos ?? 0, 0xffff);
      out[at] = qos;
      out[at + 1] = qos >>> 8;
    }
  }
  return n;
}

/** A new buffer holding the header. */
export function encodeWlan(h: WlanInput): Uint8Array {
  const out = new Uint8Array(inputLength(h));
  emitWlan(h, out);
  return out;
}

/** 802.11 for `encodeFrame`: `[{ wlan: { flags: WlanFlag.TO_DS, addresses: [bssid, sa, da] } }, { llc: {} }, { ip: {...} }, ...]`. */
export const wlanEncoder: Encoder<WlanInput> = {
  name: 'wlan',
  headerLength: inputLength,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitWlan(header, out, offset);
  },
};

const FLAG_FIELDS = [
  ['wlan.fc.frag', 2],
  ['wlan.fc.retry', 3],
  ['wlan.fc.pwrmgt', 4],
  ['wlan.fc.moredata', 5],
  ['wlan.fc.protected', 6],
  ['wlan.fc.order', 7],
] as const;

/** Frame control and duration: what tshark shows of a header cut after its first bytes too. */
function frameControlFields(out: FieldSink, fc0: number, flags: number): void {
  const type = (fc0 >>> 2) & 3;
  const subtype = fc0 >>> 4;
  out.add('wlan.fc.type_subtype', (type << 4) | subtype);
  out.add('wlan.fc', (fc0 << 8) | flags);
  out.add('wlan.fc.version', fc0 & 3);
  out.add('wlan.fc.type', type);
  out.add('wlan.fc.subtype', subtype);
  out.add('wlan.flags', flags);
  out.add('wlan.fc.ds', flags & 3);
  out.add('wlan.fc.tods', flags & 1);
  out.add('wlan.fc.fromds', (flags >>> 1) & 1);
  for (const [name, bit] of FLAG_FIELDS) out.add(name, (flags >>> bit) & 1);
}

function address(out: FieldSink, name: string, mac: string): void {
  out.add(name, mac);
}

function addressFields(h: WlanHeader, out: FieldSink): void {
  const [a1, a2, a3, a4] = h.addresses;
  if (h.type === WlanType.CONTROL) {
    address(out, 'wlan.ra', a1!);
    out.add('wlan.addr', a1!);
    if (a2 !== undefined) {
      out.add('wlan.addr', a2);
      address(out, 'wlan.ta', a2);
    }
    return;
  }
  if (h.type !== WlanType.DATA) {
    // Management: DA, SA, BSSID.
    out.add('wlan.ra', a1!);
    out.add('wlan.addr', a1!);
    out.add('wlan.addr', a2!);
    out.add('wlan.addr', a3!);
    out.add('wlan.da', a1!);
    out.add('wlan.ta', a2!);
    out.add('wlan.sa', a2!);
    out.add('wlan.bssid', a3!);
    return;
  }
  const ds = h.flags & 3;
  out.add('wlan.ra', a1!);
  out.add('wlan.addr', a1!);
  out.add('wlan.addr', a2!);
  if (ds === 3) {
    out.add('wlan.addr', a4!);
    out.add('wlan.addr', a3!);
  } else out.add('wlan.addr', a3!);
  out.add('wlan.ta', a2!);
  // Table 9-30 of 802.11-2020: who DA, SA and the BSSID are, by To DS / From DS.
  if (ds === 0) {
    out.add('wlan.da', a1!);
    out.add('wlan.sa', a2!);
    out.add('wlan.bssid', a3!);
  } else if (ds === 1) {
    out.add('wlan.da', a3!);
    out.add('wlan.sa', a2!);
    out.add('wlan.bssid', a1!);
    out.add('wlan.staa', a2!);
  } else if (ds === 2) {
    out.add('wlan.da', a1!);
    out.add('wlan.sa', a3!);
    out.add('wlan.bssid', a2!);
    out.add('wlan.staa', a1!);
  } else {
    out.add('wlan.da', a3!);
    out.add('wlan.sa', a4!);
  }
}

/** IEEE 802.11, the link layer of LINKTYPE_IEEE802_11 (105) captures and of radiotap's frames. */
export const wlan: Protocol<WlanHeader> = {
  name: 'wlan',
  scan: scanWlan,
  decode(ctx: DecodeContext): Decoded<WlanHeader> {
    const decoded = scanWlan(ctx) as Decoded<WlanHeader>;
    decoded.header = readWlan(ctx);
    return decoded;
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have >= 2) frameControlFields(out, ctx.bytes[ctx.offset]!, ctx.bytes[ctx.offset + 1]!);
    if (have >= 4) out.add('wlan.duration', le16(ctx.bytes, ctx.offset + 2));
  },
  fields(h: WlanHeader, out: FieldSink, _layer: Layer<WlanHeader>): void {
    frameControlFields(out, (h.subtype << 4) | (h.type << 2) | h.version, h.flags);
    if (h.type === WlanType.CONTROL && h.subtype === 10) out.add('wlan.aid', h.duration & 0x3fff);
    else out.add('wlan.duration', h.duration);
    addressFields(h, out);
    if (h.seq !== undefined) {
      out.add('wlan.frag', h.frag!);
      out.add('wlan.seq', h.seq);
    }
    if (h.fcs !== undefined) {
      // Sent least significant byte first, and shown as that number.
      out.add('wlan.fcs', h.fcs);
      out.add('wlan.fcs.status', h.fcsStatus ?? 'unverified');
    }
    if (h.qos !== undefined) {
      const q = h.qos;
      out.add('wlan.qos', q);
      out.add('wlan.qos.tid', q & 0xf);
      out.add('wlan.qos.priority', q & 7);
      out.add('wlan.qos.eosp', (q >>> 4) & 1);
      out.add('wlan.qos.ack', (q >>> 5) & 3);
      out.add('wlan.qos.amsdupresent', (q >>> 7) & 1);
    }
  },
};
