// DHCP and BOOTP, UDP ports 67 (server) and 68 (client): BOOTP's fixed 236-byte header (RFC 951,
// RFC 2131 section 2), then DHCP's magic cookie 99.130.83.99 and options (RFC 2132: code, length,
// value; Pad and End are one byte). A message with no DHCP message type option is plain BOOTP.
//
// The options this file knows are parsed into tshark's named fields; every option keeps its code
// and bytes. A message cut short decodes as far as its bytes go (tshark shows those fields) and
// the layer reports `truncated`; only an empty one throws.
import { WireError } from '../errors.js';
import { put16, put32, u16, u32 } from '../packet/bytes.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { formatMac, writeMac } from '../link/mac.js';
import { formatIpv4, writeIpv4 } from '../network/ip-address.js';
import { scanned } from '../packet/packet.js';
import { decodeAlone, scanThenRead, type DecodeContext, type Encoder, type Protocol, type Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** op through file (RFC 2131 figure 1). */
export const BOOTP_HEADER_LENGTH = 236;
export const DHCP_MAGIC_COOKIE = 0x63825363;

export const DhcpOption = {
  Pad: 0,
  SubnetMask: 1,
  Router: 3,
  DomainNameServer: 6,
  HostName: 12,
  DomainName: 15,
  BroadcastAddress: 28,
  RequestedIpAddress: 50,
  LeaseTime: 51,
  MessageType: 53,
  ServerIdentifier: 54,
  ParameterRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClassId: 60,
  ClientIdentifier: 61,
  End: 255,
} as const;

/** One option as on the wire: Pad and End have no length or value; a cut one has no value. */
export interface DhcpOptionField {
  code: number;
  length?: number;
  /** The value bytes, colon-separated hex ('' when empty). */
  value?: string;
}

export interface DhcpHeader {
  /** dhcp.type: 1 request, 2 reply. */
  op: number;
  /** dhcp.hw.type, dhcp.hw.len, dhcp.hops, dhcp.id (the transaction id), dhcp.secs, dhcp.flags: absent past the captured bytes. */
  htype?: number;
  hlen?: number;
  hops?: number;
  xid?: number;
  secs?: number;
  flags?: number;
  /** dhcp.ip.client, dhcp.ip.your, dhcp.ip.server, dhcp.ip.relay. */
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  /** The 16-byte client hardware address field, colon-separated hex. */
  chaddr?: string;
  /** dhcp.server (sname) and dhcp.file, up to their first NUL. */
  sname?: string;
  file?: string;
  /** dhcp.cookie: 0x63825363 for DHCP. */
  cookie?: number;
  options: DhcpOptionField[];
  /** dhcp.option.dhcp: the message type (1 Discover ... 8 Inform); absent in BOOTP. */
  messageType?: number;
  /** Bytes after the End option, colon-separated hex (dhcp.option.padding). */
  padding?: string;
}

function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Walks the options from `p`; the error says where the last one ran past the bytes. */
function walkOptions(b: Uint8Array, p: number, end: number, h: DhcpHeader | undefined): WireError | undefined {
  while (p < end) {
    const code = b[p]!;
    if (code === DhcpOption.Pad || code === DhcpOption.End) {
      h?.options.push({ code });
      p++;
      if (code === DhcpOption.End) {
        if (h !== undefined && p < end) h.padding = bytesField(b.subarray(p, end));
        return undefined;
      }
      continue;
    }
    if (p + 2 > end) {
      h?.options.push({ code });
      return new WireError('truncated', `option ${code} has no length byte at offset ${p}`, { layer: 'dhcp', offset: p, required: 2, available: end - p });
    }
    const length = b[p + 1]!;
    if (p + 2 + length > end) {
      h?.options.push({ code, length });
      return new WireError('truncated', `option ${code} needs ${length} bytes, ${end - p - 2} captured at offset ${p}`, { layer: 'dhcp', offset: p, required: length + 2, available: end - p });
    }
    if (h !== undefined) {
      h.options.push({ code, length, value: bytesField(b.subarray(p + 2, p + 2 + length)) });
      if (code === DhcpOption.MessageType && length >= 1) h.messageType ??= b[p + 2]!;
    }
    p += 2 + length;
  }
  return undefined;
}

function scanDhcp(ctx: DecodeContext): Scanned {
  const { bytes: b, offset: at } = ctx;
  const have = Math.min(ctx.end, b.length) - at;
  if (at < 0 || have < 1) throw new WireError('truncated', `header needs ${BOOTP_HEADER_LENGTH} bytes, 0 captured at offset ${at}`, { layer: 'dhcp', offset: at, required: BOOTP_HEADER_LENGTH, available: 0 });
  if (have < BOOTP_HEADER_LENGTH + 4) {
    const error = new WireError('truncated', `header and magic cookie need ${BOOTP_HEADER_LENGTH + 4} bytes, ${have} captured at offset ${at}`, { layer: 'dhcp', offset: at, required: BOOTP_HEADER_LENGTH + 4, available: have });
    return scanned(have, undefined, undefined, error);
  }
  // Without the cookie the vendor area is BOOTP's (RFC 1048 aside): bytes.
  if (u32(b, at + BOOTP_HEADER_LENGTH) !== DHCP_MAGIC_COOKIE) return scanned(have);
  return scanned(have, undefined, undefined, walkOptions(b, at + BOOTP_HEADER_LENGTH + 4, at + have, undefined));
}

function readDhcp(ctx: DecodeContext): DhcpHeader {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  const have = end - at;
  const h: DhcpHeader = { op: b[at]!, options: [] };
  if (have >= 2) h.htype = b[at + 1]!;
  if (have >= 3) h.hlen = b[at + 2]!;
  if (have >= 4) h.hops = b[at + 3]!;
  if (have >= 8) h.xid = u32(b, at + 4);
  if (have >= 10) h.secs = u16(b, at + 8);
  if (have >= 12) h.flags = u16(b, at + 10);
  if (have >= 16) h.ciaddr = formatIpv4(b, at + 12);
  if (have >= 20) h.yiaddr = formatIpv4(b, at + 16);
  if (have >= 24) h.siaddr = formatIpv4(b, at + 20);
  if (have >= 28) h.giaddr = formatIpv4(b, at + 24);
  if (have >= 44) h.chaddr = bytesField(b.subarray(at + 28, at + 44));
  if (have >= 108) h.sname = text(b, at + 44, at + 108);
  if (have >= 236) h.file = text(b, at + 108, at + 236);
  if (have >= 240) {
    h.cookie = u32(b, at + 236);
    if (h.cookie === DHCP_MAGIC_COOKIE) walkOptions(b, at + 240, end, h);
  }
  return h;
}

/**
 * Decodes the DHCP or BOOTP message at bytes[offset, end). Throws `truncated` when the header,
 * the cookie or an option runs past the bytes.
 *
 * @example
 * decodeDhcp(udpPayload).messageType; // 1: Discover
 */
export function decodeDhcp(bytes: Uint8Array, offset = 0, end = bytes.length): DhcpHeader {
  return decodeAlone(scanDhcp, readDhcp, bytes, offset, end);
}

const TYPE_NAMES: Record<number, string> = {
  1: 'Discover',
  2: 'Offer',
  3: 'Request',
  4: 'Decline',
  5: 'ACK',
  6: 'NAK',
  7: 'Release',
  8: 'Inform',
  9: 'Force Renew',
  10: 'Lease query',
  11: 'Lease Unassigned',
  12: 'Lease Unknown',
  13: 'Lease Active',
};

/** tshark's protocol and info columns: `['DHCP', 'DHCP Discover - Transaction ID 0x1']`, or BOOTP's. */
export function dhcpColumns(h: DhcpHeader): [string, string] {
  if (h.messageType !== undefined) {
    const name = TYPE_NAMES[h.messageType] ?? `Unknown Message Type (0x${h.messageType.toString(16).padStart(2, '0')})`;
    return ['DHCP', `DHCP ${name.padEnd(8)} - Transaction ID 0x${(h.xid ?? 0).toString(16)}`];
  }
  if (h.op === 1) {
    if (h.htype === 1 && h.hlen === 6 && h.chaddr !== undefined) {
      const mac = h.chaddr.slice(0, 17);
      return ['BOOTP', `Boot Request from ${mac} (${mac})`];
    }
    return ['BOOTP', 'Boot Request'];
  }
  return ['BOOTP', h.op === 2 ? 'Boot Reply' : `Unknown BOOTP message type (${h.op})`];
}

const ADDRESS_OPTIONS: Record<number, string> = {
  1: 'dhcp.option.subnet_mask',
  3: 'dhcp.option.router',
  6: 'dhcp.option.domain_name_server',
  28: 'dhcp.option.broadcast_address',
  50: 'dhcp.option.requested_ip_address',
  54: 'dhcp.option.dhcp_server_id',
};
const TEXT_OPTIONS: Record<number, string> = { 12: 'dhcp.option.hostname', 15: 'dhcp.option.domain_name', 56: 'dhcp.option.message', 60: 'dhcp.option.vendor_class_id' };
const U32_OPTIONS: Record<number, string> = { 51: 'dhcp.option.ip_address_lease_time', 58: 'dhcp.option.renewal_time_value', 59: 'dhcp.option.rebinding_time_value' };

function hexBytes(value: string): Uint8Array {
  return value === '' ? new Uint8Array(0) : Uint8Array.from(value.split(':'), (x) => parseInt(x, 16));
}

function optionFields(o: DhcpOptionField, out: FieldSink): void {
  if (o.code === DhcpOption.End) {
    out.add('dhcp.option.end', 255);
    return;
  }
  if (o.length === undefined) return;
  out.add('dhcp.option.length', o.length);
  if (o.value === undefined) return;
  out.add('dhcp.option.value', o.value);
  const v = hexBytes(o.value);
  const address = ADDRESS_OPTIONS[o.code];
  if (address !== undefined) {
    for (let i = 0; i + 4 <= v.length; i += 4) out.add(address, formatIpv4(v, i));
  } else if (TEXT_OPTIONS[o.code] !== undefined) {
    out.add(TEXT_OPTIONS[o.code]!, text(v, 0, v.length));
  } else if (U32_OPTIONS[o.code] !== undefined && v.length === 4) {
    out.add(U32_OPTIONS[o.code]!, u32(v, 0));
  } else if (o.code === DhcpOption.MessageType && v.length === 1) {
    out.add('dhcp.option.dhcp', v[0]!);
  } else if (o.code === DhcpOption.ParameterRequestList) {
    for (const item of v) out.add('dhcp.option.request_list_item', item);
  } else if (o.code === DhcpOption.MaxMessageSize && v.length === 2) {
    out.add('dhcp.option.dhcp_max_message_size', u16(v, 0));
  } else if (o.code === DhcpOption.ClientIdentifier && v.length === 7 && v[0] === 1) {
    out.add('dhcp.hw.type', 1);
    out.add('dhcp.hw.mac_addr', formatMac(v, 1));
  }
}

/** DHCP/BOOTP, bound to UDP ports 67 and 68. */
export const dhcp: Protocol<DhcpHeader> = {
  name: 'dhcp',
  scan: scanDhcp,
  decode: scanThenRead(scanDhcp, readDhcp),
  fields(h: DhcpHeader, out: FieldSink): void {
    out.add('dhcp.type', h.op);
    if (h.htype !== undefined) out.add('dhcp.hw.type', h.htype);
    if (h.hlen !== undefined) out.add('dhcp.hw.len', h.hlen);
    if (h.hops !== undefined) out.add('dhcp.hops', h.hops);
    if (h.xid !== undefined) out.add('dhcp.id', h.xid);
    if (h.secs !== undefined) out.add('dhcp.secs', h.secs);
    if (h.flags !== undefined) {
      out.add('dhcp.flags', h.flags);
      out.add('dhcp.flags.bc', h.flags >>> 15);
      out.add('dhcp.flags.reserved', h.flags & 0x7fff);
    }
    if (h.ciaddr !== undefined) out.add('dhcp.ip.client', h.ciaddr);
    if (h.yiaddr !== undefined) out.add('dhcp.ip.your', h.yiaddr);
    if (h.siaddr !== undefined) out.add('dhcp.ip.server', h.siaddr);
    if (h.giaddr !== undefined) out.add('dhcp.ip.relay', h.giaddr);
    if (h.chaddr !== undefined) {
      const chaddr = hexBytes(h.chaddr);
      if (h.htype === 1 && h.hlen === 6) {
        out.add('dhcp.hw.mac_addr', formatMac(chaddr, 0));
        out.add('dhcp.hw.addr_padding', bytesField(chaddr.subarray(6)));
      } else {
        out.add('dhcp.hw.addr', bytesField(chaddr.subarray(0, Math.min(16, h.hlen ?? 16))));
      }
    }
    if (h.sname !== undefined) out.add('dhcp.server', h.sname);
    if (h.file !== undefined) out.add('dhcp.file', h.file);
    if (h.file !== undefined && h.messageType === undefined) out.add('dhcp.bootp', 1);
    if (h.cookie !== undefined) out.add('dhcp.cookie', formatIpv4(Uint8Array.of(h.cookie >>> 24, h.cookie >>> 16, h.cookie >>> 8, h.cookie), 0));
    for (const o of h.options) {
      // tshark's JSON shows End's option type as 0.
      out.add('dhcp.option.type', o.code === DhcpOption.End ? 0 : o.code);
      optionFields(o, out);
    }
    if (h.padding !== undefined) out.add('dhcp.option.padding', h.padding);
  },
};

/**
 * A DHCP or BOOTP message to encode. `options` are written in order (code and value; Pad and End
 * need no value), after option 53 when `messageType` is given, and End is appended unless the
 * list ends with it; with `cookie: false` (BOOTP) neither cookie nor options are written.
 */
export interface DhcpInput {
  op: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  xid: number;
  secs?: number;
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  /** A MAC (`02:00:00:00:00:99`) or up to 16 bytes. */
  chaddr?: string | Uint8Array;
  sname?: string;
  file?: string;
  cookie?: boolean;
  messageType?: number;
  options?: readonly { code: number; value?: Uint8Array }[];
}

const checkDhcp = rangeChecker('dhcp');

function optionList(h: DhcpInput): { code: number; value?: Uint8Array }[] {
  const list = [...(h.options ?? [])];
  if (h.messageType !== undefined) list.unshift({ code: DhcpOption.MessageType, value: Uint8Array.of(checkDhcp('messageType', h.messageType, 0xff)) });
  if (list[list.length - 1]?.code !== DhcpOption.End) list.push({ code: DhcpOption.End });
  return list;
}

/** Bytes this message takes. */
export function dhcpLength(h: DhcpInput): number {
  if (h.cookie === false) return BOOTP_HEADER_LENGTH;
  return BOOTP_HEADER_LENGTH + 4 + optionList(h).reduce((n, o) => n + (o.code === DhcpOption.Pad || o.code === DhcpOption.End ? 1 : 2 + (o.value?.length ?? 0)), 0);
}

function putText(out: Uint8Array, at: number, text: string | undefined, size: number, field: string): void {
  if (text === undefined) return;
  if (text.length > size) throw new WireError('bad-value', `${field} of ${text.length} characters does not fit its ${size} bytes`, { layer: 'dhcp' });
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
}

/** Writes the message at out[offset] and returns its length. */
export function emitDhcp(h: DhcpInput, out: Uint8Array, offset = 0): number {
  const length = dhcpLength(h);
  if (offset < 0 || out.length - offset < length) throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}`, { layer: 'dhcp', offset });
  out.fill(0, offset, offset + length);
  out[offset] = checkDhcp('op', h.op, 0xff);
  out[offset + 1] = checkDhcp('htype', h.htype ?? 1, 0xff);
  out[offset + 2] = checkDhcp('hlen', h.hlen ?? 6, 0xff);
  out[offset + 3] = checkDhcp('hops', h.hops ?? 0, 0xff);
  put32(out, offset + 4, checkDhcp('xid', h.xid, 0xffffffff));
  put16(out, offset + 8, checkDhcp('secs', h.secs ?? 0, 0xffff));
  put16(out, offset + 10, checkDhcp('flags', h.flags ?? 0, 0xffff));
  writeIpv4(h.ciaddr ?? '0.0.0.0', out, offset + 12);
  writeIpv4(h.yiaddr ?? '0.0.0.0', out, offset + 16);
  writeIpv4(h.siaddr ?? '0.0.0.0', out, offset + 20);
  writeIpv4(h.giaddr ?? '0.0.0.0', out, offset + 24);
  if (typeof h.chaddr === 'string') writeMac(h.chaddr, out, offset + 28, 'dhcp');
  else if (h.chaddr !== undefined) {
    if (h.chaddr.length > 16) throw new WireError('bad-value', `chaddr of ${h.chaddr.length} bytes does not fit its 16`, { layer: 'dhcp' });
    out.set(h.chaddr, offset + 28);
  }
  putText(out, offset + 44, h.sname, 64, 'sname');
  putText(out, offset + 108, h.file, 128, 'file');
  if (h.cookie === false) return length;
  put32(out, offset + BOOTP_HEADER_LENGTH, DHCP_MAGIC_COOKIE);
  let p = offset + BOOTP_HEADER_LENGTH + 4;
  for (const o of optionList(h)) {
    out[p++] = checkDhcp('code', o.code, 0xff);
    if (o.code === DhcpOption.Pad || o.code === DhcpOption.End) continue;
    const value = o.value ?? new Uint8Array(0);
    out[p++] = checkDhcp('length', value.length, 0xff);
    out.set(value, p);
    p += value.length;
  }
  return length;
}

/** A new buffer holding the message. */
export function encodeDhcp(h: DhcpInput): Uint8Array {
  const out = new Uint8Array(dhcpLength(h));
  emitDhcp(h, out);
  return out;
}

/** DHCP for `encodeFrame`: `[{ ip }, { udp: { srcport: 68, dstport: 67 } }, { dhcp: { op: 1, xid: 1, messageType: 1 } }]`. */
export const dhcpEncoder: Encoder<DhcpInput> = {
  name: 'dhcp',
  headerLength: dhcpLength,
  emit(header, out, offset) {
    emitDhcp(header, out, offset);
  },
};
