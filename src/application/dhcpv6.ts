// DHCPv6, UDP ports 546 (client) and 547 (server and relay agent) (RFC 8415). A client or server
// message is a message type and a 3-byte transaction id (section 8); a relay agent's Relay-forw
// and Relay-reply carry a hop count, a link address and a peer address (section 9). Options
// follow: a 16-bit code and length, then the value; the Relay Message option holds a whole DHCPv6
// message, the IA options (IA_NA, IA_TA, IA_PD) options of their own (IA addresses, prefixes).
//
// Every option keeps its code and bytes; the ones tshark's summary and fields read are decoded:
// client and server DUIDs, IA_NA / IA_TA / IA_PD with their addresses and prefixes, and relayed
// messages (to a depth of 8). tshark 4.0's info column is followed exactly: the message type, the
// transaction id, then in option order ` CID: <client DUID in hex>` and ` IAA: <address>`, a relay's
// ` L: <link address>` before what it relays, and a trailing space. An option whose length runs
// past the message ends the reading of options (tshark notes it, the message is not malformed);
// a message shorter than its type's header is cut (malformed).
import { WireError } from '../errors.js';
import { u16, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { formatIpv6 } from '../network/ip-address.js';
import { scanned } from '../packet/packet.js';
import { decodeAlone, scanThenRead, type DecodeContext, type Protocol, type Scanned } from '../packet/protocol.js';

export const DHCPV6_CLIENT_PORT = 546;
export const DHCPV6_SERVER_PORT = 547;

/** Message types (RFC 8415 section 7.3, RFC 5007, RFC 5460, RFC 6977), as tshark 4.0 names them (not yet RFC 7341's 20 and 21). */
const MESSAGE_NAMES: Record<number, string> = {
  1: 'Solicit', 2: 'Advertise', 3: 'Request', 4: 'Confirm', 5: 'Renew', 6: 'Rebind', 7: 'Reply', 8: 'Release', 9: 'Decline',
  10: 'Reconfigure', 11: 'Information-request', 12: 'Relay-forw', 13: 'Relay-reply', 14: 'Leasequery', 15: 'Leasequery-reply',
  16: 'Leasequery-done', 17: 'Leasequery-data', 18: 'Reconfigure-request', 19: 'Reconfigure-reply',
};
const RELAY_FORW = 12;
const RELAY_REPL = 13;
const RELAY_HEADER = 34;
const OPTION_CLIENT_ID = 1;
const OPTION_SERVER_ID = 2;
const OPTION_IA_NA = 3;
const OPTION_IA_TA = 4;
const OPTION_IAADDR = 5;
const OPTION_RELAY_MSG = 9;
const OPTION_IA_PD = 25;
const OPTION_IAPREFIX = 26;
/** Options and relayed messages nested deeper than this are kept as bytes (a crafted message could nest to its end). */
const MAX_DEPTH = 16;

export interface Dhcpv6Option {
  code: number;
  /** The value's length as the option gives it (the bytes kept may be fewer where the message ends first). */
  length: number;
  data: Uint8Array;
  /** IA_NA, IA_TA, IA_PD: the identity association's id (and T1, T2 but for IA_TA). */
  iaid?: number;
  t1?: number;
  t2?: number;
  /** IA addresses (IA_NA, IA_TA) and prefixes (IA_PD) among the IA's options, and its other options. */
  options?: Dhcpv6Option[];
  /** IA Address: the address and its lifetimes. */
  address?: string;
  preferredLifetime?: number;
  validLifetime?: number;
  /** IA Prefix: lifetimes, prefix length and prefix. */
  prefixLength?: number;
  prefix?: string;
  /** Relay Message: the message it carries. */
  message?: Dhcpv6Message;
}

export interface Dhcpv6Message {
  /** dhcpv6.msgtype. */
  type: number;
  /** Client and server messages: the 24-bit transaction id. */
  transactionId?: number;
  /** Relay-forw and Relay-reply. */
  hopCount?: number;
  linkAddress?: string;
  peerAddress?: string;
  options: Dhcpv6Option[];
  /** Set when the message was shorter than its type's header (the fields read are there). */
  cut?: true;
}

/** The name tshark gives a message type (`Message Type N` for one it does not know). */
export function dhcpv6MessageName(type: number): string {
  return MESSAGE_NAMES[type] ?? `Message Type ${type}`;
}

/** Where a read of options stopped because the capture ended before an option the message holds (-1: it did not). */
let capturedCut = -1;

/**
 * The options in [at, end); `reported`: where the message ends by the UDP length (past `end` when
 * the capture cut it). An option past the message's end ends the options (tshark notes it and reads
 * no more); one past only the captured bytes sets `capturedCut` (tshark's read meets the cut).
 */
function readOptions(b: Uint8Array, at: number, end: number, depth: number, inside: number, reported = end): Dhcpv6Option[] {
  const out: Dhcpv6Option[] = [];
  while (reported - at >= 4) {
    if (end - at < 4) {
      capturedCut = at;
      break;
    }
    const code = u16(b, at);
    const length = u16(b, at + 2);
    const from = at + 4;
    if (end - from < length) {
      if (reported - from >= length) capturedCut = at;
      break;
    }
    const to = from + length;
    const o: Dhcpv6Option = { code, length, data: b.slice(from, to) };
    // Options nested deeper than MAX_DEPTH (IAs in addresses in IAs..., relays in relays) stay bytes.
    if (depth >= MAX_DEPTH) {
      out.push(o);
      at = to;
      continue;
    }
    if ((code === OPTION_IA_NA || code === OPTION_IA_PD) && length >= 12) {
      o.iaid = u32(b, from);
      o.t1 = u32(b, from + 4);
      o.t2 = u32(b, from + 8);
      o.options = readOptions(b, from + 12, to, depth + 1, code);
    } else if (code === OPTION_IA_TA && length >= 4) {
      o.iaid = u32(b, from);
      o.options = readOptions(b, from + 4, to, depth + 1, code);
    } else if (code === OPTION_IAADDR && length >= 24 && inside !== OPTION_IA_PD) {
      o.address = formatIpv6(b, from);
      o.preferredLifetime = u32(b, from + 16);
      o.validLifetime = u32(b, from + 20);
      o.options = readOptions(b, from + 24, to, depth + 1, code);
    } else if (code === OPTION_IAPREFIX && length >= 25) {
      o.preferredLifetime = u32(b, from);
      o.validLifetime = u32(b, from + 4);
      o.prefixLength = b[from + 8]!;
      o.prefix = formatIpv6(b, from + 9);
      o.options = readOptions(b, from + 25, to, depth + 1, code);
    } else if (code === OPTION_RELAY_MSG && length >= 1) {
      o.message = readMessage(b, from, to, depth + 1);
    }
    out.push(o);
    at = to;
  }
  return out;
}

function readMessage(b: Uint8Array, at: number, end: number, depth: number, reported = end): Dhcpv6Message {
  const type = b[at]!;
  const relay = type === RELAY_FORW || type === RELAY_REPL;
  const m: Dhcpv6Message = { type, options: [] };
  const have = end - at;
  if (relay) {
    if (have >= 2) m.hopCount = b[at + 1]!;
    if (have >= 18) m.linkAddress = formatIpv6(b, at + 2);
    if (have >= RELAY_HEADER) m.peerAddress = formatIpv6(b, at + 18);
    if (have < 18) m.cut = true;
    if (have >= RELAY_HEADER) m.options = readOptions(b, at + RELAY_HEADER, end, depth, 0, reported);
  } else if (have < 4) {
    m.cut = true;
  } else {
    m.transactionId = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    m.options = readOptions(b, at + 4, end, depth, 0, reported);
  }
  return m;
}

/** The message's (or a relayed message's) first cut, for the layer's error. */
function cutOf(m: Dhcpv6Message): boolean {
  if (m.cut === true) return true;
  for (const o of m.options) if (o.message !== undefined && cutOf(o.message)) return true;
  return false;
}

/** Where the message ends by the UDP length below it (past the captured bytes when the capture cut it). */
function reportedEnd(ctx: DecodeContext, end: number): number {
  const udp = ctx.below[ctx.below.length - 1];
  if (udp?.name !== 'udp') return end;
  const length = (udp.header as { length?: number }).length;
  return length === undefined || length < 8 ? end : Math.max(end, udp.payloadOffset + length - 8);
}

function scanDhcpv6(ctx: DecodeContext): Scanned {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  if (at < 0 || end - at < 1) throw new WireError('truncated', `message needs a type byte, 0 captured at offset ${at}`, { layer: 'dhcpv6', offset: at, required: 1, available: 0 });
  capturedCut = -1;
  const m = readMessage(b, at, end, 0, reportedEnd(ctx, end));
  if (capturedCut >= 0) {
    const error = new WireError('truncated', `option at offset ${capturedCut} runs past the ${end - at} bytes captured of the message at offset ${at}`, { layer: 'dhcpv6', offset: capturedCut, available: end - capturedCut });
    return scanned(end - at, undefined, undefined, error);
  }
  if (!cutOf(m)) return scanned(end - at);
  const relay = m.type === RELAY_FORW || m.type === RELAY_REPL;
  const need = relay ? 18 : 4;
  const error = m.cut === true
    ? new WireError('truncated', `${dhcpv6MessageName(m.type)} header needs ${need} bytes, ${end - at} captured at offset ${at}`, { layer: 'dhcpv6', offset: at, required: need, available: end - at })
    : new WireError('truncated', `a relayed message inside the ${dhcpv6MessageName(m.type)} at offset ${at} is shorter than its header`, { layer: 'dhcpv6', offset: at });
  return scanned(end - at, undefined, undefined, error);
}

function readDhcpv6(ctx: DecodeContext): Dhcpv6Message {
  const end = Math.min(ctx.end, ctx.bytes.length);
  return readMessage(ctx.bytes, ctx.offset, end, 0, reportedEnd(ctx, end));
}

/**
 * Decodes the DHCPv6 message at bytes[offset, end): relayed messages and IA options included.
 * Throws `truncated` when it (or a message it relays) is shorter than its type's header.
 *
 * @example
 * decodeDhcpv6(udpPayload); // { type: 1, transactionId: 0x123456, options: [{ code: 1, ... }] }
 */
export function decodeDhcpv6(bytes: Uint8Array, offset = 0, end = bytes.length): Dhcpv6Message {
  return decodeAlone(scanDhcpv6, readDhcpv6, bytes, offset, end);
}

/** The hex of a transaction id as tshark writes it: 0x and six digits. */
const xidText = (xid: number) => `0x${xid.toString(16).padStart(6, '0')}`;

function optionsInfo(options: readonly Dhcpv6Option[]): string {
  let s = '';
  for (const o of options) {
    if (o.code === OPTION_CLIENT_ID) s += ` CID: ${Array.from(o.data, (x) => x.toString(16).padStart(2, '0')).join('')}`;
    else if (o.address !== undefined) s += ` IAA: ${o.address}`;
    if (o.options !== undefined) s += optionsInfo(o.options);
    if (o.message !== undefined) s += ` ${messageInfo(o.message)}`;
  }
  return s;
}

function messageInfo(m: Dhcpv6Message): string {
  const name = dhcpv6MessageName(m.type);
  if (m.type === RELAY_FORW || m.type === RELAY_REPL) {
    if (m.linkAddress === undefined) return `${name} `;
    return `${name} L: ${m.linkAddress}${optionsInfo(m.options)}`.replace(/ ?$/, ' ');
  }
  if (m.transactionId === undefined) return `${name} `;
  return `${name} XID: ${xidText(m.transactionId)}${optionsInfo(m.options)} `;
}

/** tshark's info column: `Solicit XID: 0x123456 CID: 000100012a2b2c2d020000000001 ` (its trailing space included). */
export function dhcpv6Info(m: Dhcpv6Message): string {
  return messageInfo(m);
}

function duidFields(data: Uint8Array, out: FieldSink): void {
  out.add('dhcpv6.duid.bytes', bytesField(data));
  if (data.length >= 2) out.add('dhcpv6.duid.type', u16(data, 0));
}

function optionFields(options: readonly Dhcpv6Option[], out: FieldSink): void {
  for (const o of options) {
    out.add('dhcpv6.option.type', o.code);
    out.add('dhcpv6.option.length', o.length);
    if (o.code === OPTION_CLIENT_ID || o.code === OPTION_SERVER_ID) duidFields(o.data, out);
    if (o.iaid !== undefined) {
      out.add(o.code === OPTION_IA_TA ? 'dhcpv6.iata' : 'dhcpv6.iaid', o.iaid.toString(16).padStart(8, '0'));
      if (o.t1 !== undefined) out.add('dhcpv6.iaid.t1', o.t1);
      if (o.t2 !== undefined) out.add('dhcpv6.iaid.t2', o.t2);
    }
    if (o.address !== undefined) {
      out.add('dhcpv6.iaaddr.ip', o.address);
      out.add('dhcpv6.iaaddr.pref_lifetime', o.preferredLifetime!);
      out.add('dhcpv6.iaaddr.valid_lifetime', o.validLifetime!);
    }
    if (o.prefix !== undefined) {
      out.add('dhcpv6.iaprefix.pref_lifetime', o.preferredLifetime!);
      out.add('dhcpv6.iaprefix.valid_lifetime', o.validLifetime!);
      out.add('dhcpv6.iaprefix.pref_len', o.prefixLength!);
      out.add('dhcpv6.iaprefix.pref_addr', o.prefix);
    }
    if (o.options !== undefined) optionFields(o.options, out);
    if (o.message !== undefined) messageFields(o.message, out);
  }
}

function messageFields(m: Dhcpv6Message, out: FieldSink): void {
  out.add('dhcpv6.msgtype', m.type);
  if (m.transactionId !== undefined) out.add('dhcpv6.xid', m.transactionId);
  if (m.hopCount !== undefined) out.add('dhcpv6.hopcount', m.hopCount);
  if (m.linkAddress !== undefined) out.add('dhcpv6.linkaddr', m.linkAddress);
  if (m.peerAddress !== undefined) out.add('dhcpv6.peeraddr', m.peerAddress);
  optionFields(m.options, out);
}

/** DHCPv6, bound to UDP ports 546 and 547. */
export const dhcpv6: Protocol<Dhcpv6Message> = {
  name: 'dhcpv6',
  scan: scanDhcpv6,
  decode: scanThenRead(scanDhcpv6, readDhcpv6),
  fields: messageFields,
};
