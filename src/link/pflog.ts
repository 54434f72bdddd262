// OpenBSD/FreeBSD packet filter logs (LINKTYPE_PFLOG, 117): what `tcpdump -i pflog0` captures of
// the packets pf rules log. A header (struct pfloghdr) whose first byte is its own length, padded
// to 4 bytes, then the logged packet, IPv4 or IPv6 by the header's BSD address family. Two sizes
// are found: FreeBSD's 61-byte header (padded to 64) and OpenBSD's 100-byte one, which adds the
// rewritten flag and the addresses and ports a translation rewrote. Rule numbers are in network
// byte order; uid and pid fields in the logging host's (little-endian, as tshark reads them).
// tshark's dissector is `pflog`; its fields are given here.
import { WireError } from '../errors.js';
import { le32 as le32u, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { checkRange } from '../packet/range.js';
import { scanned } from '../packet/packet.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Next, Protocol, Scanned } from '../packet/protocol.js';
import { formatIpv4, formatIpv6 } from '../network/ip-address.js';
import { capturedLength } from '../packet/partial.js';

export const LINKTYPE_PFLOG = 117;

/** The shortest header (FreeBSD: up to the direction byte) and OpenBSD's, with addresses and ports. */
const SHORT = 61;
const LONG = 100;
const AF_INET = 2;
/** AF_INET6 as OpenBSD, FreeBSD and macOS number it. */
const BSD_AF_INET6 = [24, 28, 30];

/** pf's actions, as tshark names them in the info column. */
export const PFLOG_ACTIONS = ['pass', 'block', 'scrub', undefined, 'nat', 'nonat', 'binat', 'nobinat', 'rdr', 'nordr', 'synproxy-drop'] as const;

export interface PflogHeader {
  /** pflog.length: the header's length before padding (61 or 100). */
  length: number;
  /** pflog.af: the BSD address family (2 IPv4; 24, 28 or 30 IPv6). */
  af: number;
  action: number;
  reason: number;
  ifname: string;
  ruleset: string;
  /** -1 for none (the field is 0xffffffff). */
  rulenr: number;
  subrulenr: number;
  uid: number;
  pid: number;
  ruleUid: number;
  rulePid: number;
  /** 1 in, 2 out. */
  dir: number;
  /** OpenBSD's header: whether a rule rewrote the packet, and the addresses and ports it wrote. */
  rewritten?: number;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  /** The padding bytes after the direction (or the rewritten flag), as tshark shows them. */
  pad: string;
}

export interface PflogInput {
  af?: number;
  action?: number;
  reason?: number;
  ifname?: string;
  ruleset?: string;
  rulenr?: number;
  subrulenr?: number;
  dir?: number;
}


/** The padded header length, after checking the length byte and the capture. */
function checkHeader(bytes: Uint8Array, offset: number, end: number): number {
  const have = capturedLength({ bytes, offset, end });
  if (have < 1) throw new WireError('truncated', `header needs 1 byte, 0 captured at offset ${offset}`, { layer: 'pflog', offset, required: 1, available: 0 });
  const length = bytes[offset]!;
  if (length < SHORT) throw new WireError('bad-length', `header length ${length} at offset ${offset} is under the ${SHORT}-byte minimum`, { layer: 'pflog', offset });
  const padded = (length + 3) & ~3;
  if (have < padded) throw new WireError('truncated', `header needs ${padded} bytes, ${have} captured at offset ${offset}`, { layer: 'pflog', offset, required: padded, available: have });
  return padded;
}

function nextOf(af: number): Next | undefined {
  return af === AF_INET ? { protocol: 'ip' } : BSD_AF_INET6.includes(af) ? { protocol: 'ipv6' } : undefined;
}

function scanPflog(ctx: DecodeContext): Scanned {
  const padded = checkHeader(ctx.bytes, ctx.offset, ctx.end);
  return scanned(padded, undefined, nextOf(ctx.bytes[ctx.offset + 1]!));
}

const text = (b: Uint8Array, at: number, n: number): string => {
  let s = '';
  for (let i = at; i < at + n && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
};
/** Rule numbers (network order) and uids/pids (the host's, little-endian) are signed: tshark shows 0xffffffff as -1. */
const be32 = (b: Uint8Array, at: number) => u32(b, at) | 0;
const le32 = (b: Uint8Array, at: number) => le32u(b, at) | 0;
const hex = (b: Uint8Array, from: number, to: number) => bytesField(b.subarray(from, to));

function address(b: Uint8Array, at: number, af: number): string {
  if (af === AF_INET) return formatIpv4(b, at);
  if (BSD_AF_INET6.includes(af)) return formatIpv6(b, at);
  return hex(b, at, at + 16);
}

function readPflog(bytes: Uint8Array, offset: number, end: number): PflogHeader {
  checkHeader(bytes, offset, end);
  const b = bytes;
  const o = offset;
  const length = b[o]!;
  const af = b[o + 1]!;
  const h: PflogHeader = {
    length,
    af,
    action: b[o + 2]!,
    reason: b[o + 3]!,
    ifname: text(b, o + 4, 16),
    ruleset: text(b, o + 20, 16),
    rulenr: be32(b, o + 36),
    subrulenr: be32(b, o + 40),
    uid: le32(b, o + 44),
    pid: le32(b, o + 48),
    ruleUid: le32(b, o + 52),
    rulePid: le32(b, o + 56),
    dir: b[o + 60]!,
    pad: '',
  };
  if (length >= LONG) {
    h.rewritten = b[o + 61]!;
    h.pad = hex(b, o + 62, o + 64);
    h.saddr = address(b, o + 64, af);
    h.daddr = address(b, o + 80, af);
    h.sport = (b[o + 96]! << 8) | b[o + 97]!;
    h.dport = (b[o + 98]! << 8) | b[o + 99]!;
  } else {
    h.pad = hex(b, o + 61, o + 64);
  }
  return h;
}

/**
 * Decodes the pflog header at `offset`.
 *
 * @example
 * decodePflog(record); // { length: 100, af: 2, action: 1, ifname: 'em0', rulenr: 3, dir: 1, ... }
 */
export function decodePflog(bytes: Uint8Array, offset = 0, end = bytes.length): PflogHeader {
  return readPflog(bytes, offset, end);
}

function addressFamilyFields(out: FieldSink, af: number, which: 'saddr' | 'daddr', value: string): void {
  out.add(`pflog.${which}.${af === AF_INET ? 'ipv4' : BSD_AF_INET6.includes(af) ? 'ipv6' : 'bytes'}`, value);
}

/** The fixed fields as far as they were captured (a header cut short, or one whose length byte is bogus). */
function fixedFields(b: Uint8Array, o: number, have: number, out: FieldSink, bogus: boolean): void {
  const fields: [number, string, () => number | string][] = [
    [1, 'pflog.length', () => b[o]!],
    [2, 'pflog.af', () => b[o + 1]!],
    [3, 'pflog.action', () => b[o + 2]!],
    [4, 'pflog.reason', () => b[o + 3]!],
    [20, 'pflog.ifname', () => text(b, o + 4, 16)],
    [36, 'pflog.ruleset', () => text(b, o + 20, 16)],
    [40, 'pflog.rulenr', () => be32(b, o + 36)],
    [44, 'pflog.subrulenr', () => be32(b, o + 40)],
  ];
  // tshark skips the uid and pid fields of a header whose length byte is under the minimum.
  if (!bogus) {
    fields.push([48, 'pflog.uid', () => le32(b, o + 44)], [52, 'pflog.pid', () => le32(b, o + 48)], [56, 'pflog.rule_uid', () => le32(b, o + 52)], [60, 'pflog.rule_pid', () => le32(b, o + 56)]);
  }
  fields.push([61, 'pflog.dir', () => b[o + 60]!], [64, 'pflog.pad', () => hex(b, o + 61, o + 64)]);
  for (const [need, name, value] of fields) if (have >= need) out.add(name, value());
}

/** pflog for `encodeFrame`: FreeBSD's 61-byte header (padded to 64); the family follows the layer inside. */
export const pflogEncoder: Encoder<PflogInput> = {
  name: 'pflog',
  headerLength: () => 64,
  emit(h, out, offset, _payloadLength, ctx: EncodeContext) {
    if (offset < 0 || out.length - offset < 64) throw new WireError('bad-length', `output needs 64 bytes at offset ${offset}`, { layer: 'pflog', offset });
    const byte = (name: string, v: number) => checkRange('pflog', name, v, 255);
    const name = (field: string, s: string) => {
      if (s.length > 15 || !/^[\x20-\x7e]*$/.test(s)) throw new WireError('bad-value', `${field} '${s}' is not up to 15 printable ASCII characters`, { layer: 'pflog' });
      return s;
    };
    out.fill(0, offset, offset + 64);
    out[offset] = SHORT;
    out[offset + 1] = byte('af', h.af ?? (ctx.inner[0]?.name === 'ipv6' ? 24 : AF_INET));
    out[offset + 2] = byte('action', h.action ?? 0);
    out[offset + 3] = byte('reason', h.reason ?? 0);
    const ifname = name('ifname', h.ifname ?? '');
    for (let i = 0; i < ifname.length; i++) out[offset + 4 + i] = ifname.charCodeAt(i);
    const ruleset = name('ruleset', h.ruleset ?? '');
    for (let i = 0; i < ruleset.length; i++) out[offset + 20 + i] = ruleset.charCodeAt(i);
    const view = new DataView(out.buffer, out.byteOffset);
    view.setInt32(offset + 36, h.rulenr ?? -1);
    view.setInt32(offset + 40, h.subrulenr ?? -1);
    view.setInt32(offset + 44, -1, true);
    view.setInt32(offset + 48, -1, true);
    out[offset + 60] = byte('dir', h.dir ?? 1);
  },
};

/** pf's logs, the link layer of LINKTYPE_PFLOG (117) captures. */
export const pflog: Protocol<PflogHeader> = {
  name: 'pflog',
  scan: scanPflog,
  decode(ctx: DecodeContext): Decoded<PflogHeader> {
    const decoded = scanPflog(ctx) as Decoded<PflogHeader>;
    decoded.header = readPflog(ctx.bytes, ctx.offset, ctx.end);
    return decoded;
  },
  partialFields(ctx: DecodeContext, error: WireError, out: FieldSink): void {
    fixedFields(ctx.bytes, ctx.offset, capturedLength(ctx), out, error.code === 'bad-length');
  },
  fields(h: PflogHeader, out: FieldSink): void {
    out.add('pflog.length', h.length);
    out.add('pflog.af', h.af);
    out.add('pflog.action', h.action);
    out.add('pflog.reason', h.reason);
    out.add('pflog.ifname', h.ifname);
    out.add('pflog.ruleset', h.ruleset);
    out.add('pflog.rulenr', h.rulenr);
    out.add('pflog.subrulenr', h.subrulenr);
    out.add('pflog.uid', h.uid);
    out.add('pflog.pid', h.pid);
    out.add('pflog.rule_uid', h.ruleUid);
    out.add('pflog.rule_pid', h.rulePid);
    out.add('pflog.dir', h.dir);
    if (h.rewritten !== undefined) out.add('pflog.rewritten', h.rewritten);
    out.add('pflog.pad', h.pad);
    if (h.saddr !== undefined) {
      addressFamilyFields(out, h.af, 'saddr', h.saddr);
      addressFamilyFields(out, h.af, 'daddr', h.daddr!);
      out.add('pflog.sport', h.sport!);
      out.add('pflog.dport', h.dport!);
    }
  },
};

/** The info column's prefix tshark writes for a pflog record: `[block em0/3] `. */
export function pflogInfo(h: PflogHeader): string {
  return `[${PFLOG_ACTIONS[h.action] ?? `unknown (${h.action})`} ${h.ifname}/${h.rulenr}] `;
}

