// Linux netfilter log messages (LINKTYPE_NFLOG, 239): what `tcpdump -i nflog:GROUP` captures of
// the packets an iptables/nftables NFLOG rule logs (https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html).
// A 4-byte header (address family, version 0, resource id = the log group, big-endian), then TLVs:
// a length (including the 4-byte TLV header, not the padding to 4 bytes) and a type, both in the
// capturing host's byte order (little-endian on the hosts that make these, and what tshark reads),
// and a value in network byte order. The NFULA_PAYLOAD TLV (9) holds the logged packet, IPv4 or IPv6
// by the family. tshark's dissector is `nflog`; its fields are given here, the timestamp aside.
import { WireError } from '../errors.js';
import { le16, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { checkRange } from '../packet/range.js';
import { scanned } from '../packet/packet.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';

export const LINKTYPE_NFLOG = 239;

/** TLV types (linux/netfilter/nfnetlink_log.h, enum nfulnl_attr_type). */
export const NflogTlv = {
  PACKET_HDR: 1,
  MARK: 2,
  TIMESTAMP: 3,
  IFINDEX_INDEV: 4,
  IFINDEX_OUTDEV: 5,
  IFINDEX_PHYSINDEV: 6,
  IFINDEX_PHYSOUTDEV: 7,
  HWADDR: 8,
  PAYLOAD: 9,
  PREFIX: 10,
  UID: 11,
  SEQ: 12,
  SEQ_GLOBAL: 13,
  GID: 14,
  HWTYPE: 15,
  HWHEADER: 16,
  HWLEN: 17,
} as const;

const AF_INET = 2;
const AF_INET6 = 10;

export interface NflogTlvEntry {
  type: number;
  /** The value's bytes (the TLV's length minus its 4-byte header). */
  value: Uint8Array;
}

export interface NflogHeader {
  /** nflog.family: 2 (IPv4) or 10 (IPv6). */
  family: number;
  version: number;
  /** nflog.res_id: the log group. */
  resourceId: number;
  /** The TLVs up to and including the payload's, in order. */
  tlvs: NflogTlvEntry[];
}

export interface NflogInput {
  family?: number;
  resourceId?: number;
  /** TLVs written before the payload TLV (encodeFrame appends the payload TLV itself). */
  tlvs?: readonly { type: number; value: Uint8Array }[];
}

function fail(code: 'truncated' | 'bad-length', message: string, offset: number, required?: number, available?: number): WireError {
  return new WireError(code, message, { layer: 'nflog', offset, required, available });
}

interface Walk {
  /** Where the payload TLV's value starts and ends, or -1. */
  payload: number;
  payloadEnd: number;
  tlvs: NflogTlvEntry[] | undefined;
}

/** Walks the TLVs to the payload's (or the end); `keep` collects them. */
function walk(bytes: Uint8Array, offset: number, end: number, keep: boolean): Walk {
  const stop = Math.min(end, bytes.length);
  if (stop - offset < 4) throw fail('truncated', `header needs 4 bytes, ${Math.max(0, stop - offset)} captured at offset ${offset}`, offset, 4, Math.max(0, stop - offset));
  const tlvs: NflogTlvEntry[] | undefined = keep ? [] : undefined;
  let at = offset + 4;
  while (at < stop) {
    if (stop - at < 4) throw fail('truncated', `TLV header needs 4 bytes, ${stop - at} captured at offset ${at}`, at, 4, stop - at);
    const length = le16(bytes, at);
    const type = le16(bytes, at + 2);
    if (length < 4) throw fail('bad-length', `TLV length ${length} at offset ${at} is under its own 4-byte header`, at);
    if (length > stop - at) throw fail('truncated', `TLV of type ${type} needs ${length} bytes, ${stop - at} captured at offset ${at}`, at, length, stop - at);
    tlvs?.push({ type, value: bytes.subarray(at + 4, at + length) });
    if (type === NflogTlv.PAYLOAD) return { payload: at + 4, payloadEnd: at + length, tlvs };
    at += (length + 3) & ~3;
  }
  return { payload: -1, payloadEnd: -1, tlvs };
}

function nextOf(family: number): Next | undefined {
  return family === AF_INET ? { protocol: 'ip' } : family === AF_INET6 ? { protocol: 'ipv6' } : undefined;
}

function scanNflog(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const w = walk(bytes, offset, ctx.end, false);
  // No payload TLV: the whole message is the header.
  if (w.payload < 0) return scanned(Math.min(ctx.end, bytes.length) - offset);
  return scanned(w.payload - offset, w.payloadEnd, nextOf(bytes[offset]!));
}

function readNflog(bytes: Uint8Array, offset: number, end: number): NflogHeader {
  const w = walk(bytes, offset, end, true);
  return { family: bytes[offset]!, version: bytes[offset + 1]!, resourceId: (bytes[offset + 2]! << 8) | bytes[offset + 3]!, tlvs: w.tlvs! };
}

/**
 * Decodes the NFLOG header and its TLVs at `offset` (to the payload's).
 *
 * @example
 * decodeNflog(record).tlvs.find((t) => t.type === NflogTlv.PREFIX); // the rule's log prefix
 */
export function decodeNflog(bytes: Uint8Array, offset = 0, end = bytes.length): NflogHeader {
  return readNflog(bytes, offset, end);
}

function inputLength(h: NflogInput): number {
  let n = 4 + 4;
  for (const t of h.tlvs ?? []) n += (4 + t.value.length + 3) & ~3;
  return n;
}

function writeTlv(out: Uint8Array, at: number, type: number, length: number): void {
  checkRange('nflog', 'TLV type', type, 0xffff);
  if (length > 0xffff) throw new WireError('bad-length', `a TLV of ${length} bytes does not fit its 16-bit length`, { layer: 'nflog' });
  out[at] = length;
  out[at + 1] = length >>> 8;
  out[at + 2] = type;
  out[at + 3] = type >>> 8;
}

/** NFLOG for `encodeFrame`: the header, the given TLVs, and a payload TLV holding the layers inside. */
export const nflogEncoder: Encoder<NflogInput> = {
  name: 'nflog',
  headerLength: inputLength,
  emit(header, out, offset, payloadLength, ctx: EncodeContext) {
    const n = inputLength(header);
    if (offset < 0 || out.length - offset < n) throw new WireError('bad-length', `output needs ${n} bytes at offset ${offset}`, { layer: 'nflog', offset });
    const inner = ctx.inner[0]?.name;
    const family = header.family ?? (inner === 'ipv6' ? AF_INET6 : AF_INET);
    checkRange('nflog', 'family', family, 0xff);
    const rid = header.resourceId ?? 0;
    checkRange('nflog', 'resourceId', rid, 0xffff);
    out[offset] = family;
    out[offset + 1] = 0;
    out[offset + 2] = rid >>> 8;
    out[offset + 3] = rid;
    let at = offset + 4;
    for (const t of header.tlvs ?? []) {
      writeTlv(out, at, t.type, 4 + t.value.length);
      out.set(t.value, at + 4);
      const padded = (4 + t.value.length + 3) & ~3;
      out.fill(0, at + 4 + t.value.length, at + padded);
      at += padded;
    }
    // The payload TLV's padding would follow the payload; the frame ends with the payload instead
    // (tcpdump's captures do the same: the record's length cuts the padding).
    writeTlv(out, at, NflogTlv.PAYLOAD, 4 + payloadLength);
  },
};


/** The value fields tshark gives a TLV; `false` when it shows the raw bytes as nflog.tlv_value. */
function valueFields(t: NflogTlvEntry, out: FieldSink): boolean {
  const v = t.value;
  switch (t.type) {
    case NflogTlv.PACKET_HDR:
      if (v.length < 3) return false;
      out.add('nflog.protocol', (v[0]! << 8) | v[1]!);
      out.add('nflog.hook', v[2]!);
      return true;
    case NflogTlv.IFINDEX_INDEV:
    case NflogTlv.IFINDEX_OUTDEV:
    case NflogTlv.IFINDEX_PHYSINDEV:
    case NflogTlv.IFINDEX_PHYSOUTDEV:
      if (v.length < 4) return false;
      out.add(IFINDEX_NAMES[t.type - NflogTlv.IFINDEX_INDEV]!, u32(v, 0));
      return true;
    case NflogTlv.PREFIX: {
      const nul = v.indexOf(0);
      out.add('nflog.prefix', new TextDecoder('latin1').decode(nul < 0 ? v : v.subarray(0, nul)));
      return true;
    }
    case NflogTlv.UID:
    case NflogTlv.GID:
      if (v.length < 4) return false;
      out.add(t.type === NflogTlv.UID ? 'nflog.uid' : 'nflog.gid', u32(v, 0) | 0);
      return true;
    case NflogTlv.TIMESTAMP:
    case NflogTlv.PAYLOAD:
      // A timestamp tshark shows as a date (not given here); the payload is the next layer.
      return true;
    default:
      return false;
  }
}
const IFINDEX_NAMES = ['nflog.ifindex_indev', 'nflog.ifindex_outdev', 'nflog.ifindex_physindev', 'nflog.ifindex_physoutdev'];

/** Netfilter's NFLOG messages, the link layer of LINKTYPE_NFLOG (239) captures. */
export const nflog: Protocol<NflogHeader> = {
  name: 'nflog',
  scan: scanNflog,
  decode(ctx: DecodeContext): Decoded<NflogHeader> {
    const decoded = scanNflog(ctx) as Decoded<NflogHeader>;
    decoded.header = readNflog(ctx.bytes, ctx.offset, ctx.end);
    return decoded;
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // The fixed header, when it was captured (a TLV that runs past the bytes stops the rest).
    const { bytes, offset } = ctx;
    if (Math.min(ctx.end, bytes.length) - offset < 4) return;
    out.add('nflog.family', bytes[offset]!);
    out.add('nflog.version', bytes[offset + 1]!);
    out.add('nflog.res_id', (bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  },
  fields(h: NflogHeader, out: FieldSink): void {
    out.add('nflog.family', h.family);
    out.add('nflog.version', h.version);
    out.add('nflog.res_id', h.resourceId);
    for (const t of h.tlvs) {
      const length = 4 + t.value.length;
      const v = t.value;
      // The TLV's bytes: its header (rebuilt, little-endian as read) and its value.
      const head = bytesField(Uint8Array.of(length & 0xff, length >>> 8, t.type & 0xff, t.type >>> 8));
      out.add('nflog.tlv', v.length === 0 ? head : `${head}:${bytesField(v)}`);
      out.add('nflog.tlv_length', length);
      out.add('nflog.tlv_type', t.type);
      if (!valueFields(t, out)) out.add('nflog.tlv_value', bytesField(v));
    }
  },
};
