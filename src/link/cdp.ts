// Cisco Discovery Protocol, in 802.3 frames to 01:00:0c:cc:cc:cc under LLC/SNAP with Cisco's OUI
// 00-00-0c and protocol id 0x2000: a 4-byte header (version, time to live, checksum) and TLVs of a
// 16-bit type and a 16-bit length that counts the 4 header bytes. The checksum is RFC 1071's over
// the whole PDU, but for an odd length Cisco puts the last byte in the low half of the last word
// (and takes one off both halves when that byte's top bit is set, its sign-extension bug), which
// is what Wireshark's packet-cdp.c checks. tshark's dissector is `cdp` (cdp.deviceid, cdp.portid, ...).
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { u16, u32 } from '../packet/bytes.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol } from '../packet/protocol.js';
import { formatIpv4, formatIpv6, writeIp } from '../network/ip-address.js';
import { colonHex } from '../packet/hex.js';

export const CDP_OUI = 0x00000c;
export const CDP_PID = 0x2000;

export const CdpTlvType = {
  DeviceId: 0x0001,
  Addresses: 0x0002,
  PortId: 0x0003,
  Capabilities: 0x0004,
  SoftwareVersion: 0x0005,
  Platform: 0x0006,
  VtpManagementDomain: 0x0009,
  NativeVlan: 0x000a,
  Duplex: 0x000b,
  ManagementAddresses: 0x0016,
} as const;

/** One address of an Addresses TLV: a protocol (NLPID or 802.2 header) and the address. */
export interface CdpAddress {
  /** 1: NLPID, 2: 802.2 (an LLC/SNAP header names the protocol). */
  protocolType: number;
  /** The protocol bytes, colon hex (`cc` is IPv4's NLPID). */
  protocol: string;
  /** The address: dotted IPv4, IPv6, or colon hex for other protocols. */
  address: string;
  addressLength: number;
  /** 'ip' or 'ipv6' when the protocol is one of them. */
  family?: 'ip' | 'ipv6';
}

export interface CdpTlv {
  type: number;
  /** The TLV's length field (header included). */
  length: number;
  /** The value bytes (a view into the packet). */
  value: Uint8Array;
  /** Device id, port id, platform, VTP domain, software version (lines joined by \n). */
  text?: string;
  addresses?: CdpAddress[];
  capabilities?: number;
  nativeVlan?: number;
  /** 1 full duplex, 0 half. */
  duplex?: number;
}

export interface CdpHeader {
  version: number;
  ttl: number;
  checksum: number;
  /** Whether the checksum matches the PDU ('unverified' when checksums are off). */
  checksumStatus: 'good' | 'bad' | 'unverified';
  tlvs: CdpTlv[];
}

const truncated = (what: string, offset: number, required: number, available: number) =>
  new WireError('truncated', `${what} needs ${required} bytes, ${available} captured at offset ${offset}`, { layer: 'cdp', offset, required, available });

/** Cisco's checksum of `b[from, to)` (0 when the checksum field inside is right). */
export function cdpChecksum(b: Uint8Array, from: number, to: number): number {
  let sum = 0;
  const odd = (to - from) & 1;
  const last = to - odd;
  for (let i = from; i < last; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (odd) {
    const l = b[to - 1]!;
    sum += l & 0x80 ? 0xff00 | (l - 1) : l;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function readAddresses(b: Uint8Array, at: number, end: number): CdpAddress[] {
  const bad = (where: number) => new WireError('bad-length', `address record at offset ${where} runs past its TLV`, { layer: 'cdp', offset: where });
  if (end - at < 4) throw bad(at);
  const count = u32(b, at);
  const list: CdpAddress[] = [];
  at += 4;
  for (let i = 0; i < count; i++) {
    if (end - at < 2) throw bad(at);
    const protocolType = b[at]!;
    const protocolLength = b[at + 1]!;
    if (end - at < 2 + protocolLength + 2) throw bad(at);
    const p = at + 2;
    const addressLength = u16(b, p + protocolLength);
    const a = p + protocolLength + 2;
    if (end - a < addressLength) throw bad(at);
    const addr: CdpAddress = { protocolType, protocol: colonHex(b, p, p + protocolLength), address: colonHex(b, a, a + addressLength), addressLength };
    if (protocolType === 1 && protocolLength === 1 && b[p] === 0xcc && addressLength === 4) {
      addr.family = 'ip';
      addr.address = formatIpv4(b, a);
    } else if (protocolType === 2 && protocolLength === 8 && u32(b, p) === 0xaaaa0300 && u32(b, p + 4) === 0x86dd && addressLength === 16) {
      addr.family = 'ipv6';
      addr.address = formatIpv6(b, a);
    }
    list.push(addr);
    at = a + addressLength;
  }
  return list;
}

function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function readTlv(b: Uint8Array, type: number, length: number, at: number): CdpTlv {
  const end = at + length - 4;
  const tlv: CdpTlv = { type, length, value: b.subarray(at, end) };
  const short = (need: number) => {
    if (end - at < need) throw new WireError('bad-length', `TLV type 0x${type.toString(16)} of ${length} bytes is too short`, { layer: 'cdp', offset: at - 4 });
  };
  switch (type) {
    case CdpTlvType.DeviceId:
    case CdpTlvType.PortId:
    case CdpTlvType.SoftwareVersion:
    case CdpTlvType.Platform:
    case CdpTlvType.VtpManagementDomain:
      tlv.text = text(b, at, end);
      break;
    case CdpTlvType.Addresses:
    case CdpTlvType.ManagementAddresses:
      tlv.addresses = readAddresses(b, at, end);
      break;
    case CdpTlvType.Capabilities:
      short(4);
      tlv.capabilities = u32(b, at);
      break;
    case CdpTlvType.NativeVlan:
      short(2);
      tlv.nativeVlan = u16(b, at);
      break;
    case CdpTlvType.Duplex:
      short(1);
      tlv.duplex = b[at]!;
      break;
  }
  return tlv;
}

function decodeCdpAt(bytes: Uint8Array, offset: number, end: number, verify: boolean): Decoded<CdpHeader> {
  const stop = Math.min(end, bytes.length);
  const have = Math.max(0, stop - offset);
  if (have < 4) throw truncated('header', offset, 4, have);
  const checksum = u16(bytes, offset + 2);
  const header: CdpHeader = {
    version: bytes[offset]!,
    ttl: bytes[offset + 1]!,
    checksum,
    checksumStatus: verify ? (cdpChecksum(bytes, offset, stop) === 0 ? 'good' : 'bad') : 'unverified',
    tlvs: [],
  };
  let at = offset + 4;
  while (at < stop) {
    if (stop - at < 4) return { header, headerLength: at - offset, error: truncated('TLV header', at, 4, stop - at) };
    const type = u16(bytes, at);
    const length = u16(bytes, at + 2);
    if (length < 4) return { header, headerLength: at - offset, error: new WireError('bad-length', `TLV length ${length} is less than its 4-byte header at offset ${at}`, { layer: 'cdp', offset: at }) };
    if (stop - at < length) return { header, headerLength: at - offset, error: truncated(`TLV type 0x${type.toString(16)}`, at, length, stop - at) };
    try {
      header.tlvs.push(readTlv(bytes, type, length, at + 4));
    } catch (e) {
      if (e instanceof WireError) return { header, headerLength: at - offset, error: e };
      throw e;
    }
    at += length;
  }
  return { header, headerLength: at - offset };
}

/**
 * Decodes the CDP PDU at `offset` (what follows LLC/SNAP 00-00-0c 0x2000), checksum verified.
 *
 * @example
 * decodeCdp(snapPayload).tlvs.find((t) => t.type === CdpTlvType.DeviceId)?.text; // 'sw1'
 */
export function decodeCdp(bytes: Uint8Array, offset = 0, end = bytes.length): CdpHeader {
  const d = decodeCdpAt(bytes, offset, end, true);
  if (d.error !== undefined) throw d.error;
  return d.header;
}

/** A TLV to encode: its type and either value bytes or the decoded fields that make them. */
export type CdpTlvInput = Partial<Omit<CdpTlv, 'length'>> & { type: number };

export interface CdpInput {
  version?: number;
  ttl?: number;
  /** Computed when left out. */
  checksum?: number;
  tlvs: readonly CdpTlvInput[];
}

function addressBytes(list: readonly CdpAddress[]): Uint8Array {
  const parts: number[] = [list.length >>> 24, (list.length >>> 16) & 0xff, (list.length >>> 8) & 0xff, list.length & 0xff];
  for (const a of list) {
    const addr = new Uint8Array(16);
    const n = writeIp(a.address, addr);
    if (n === 4) parts.push(1, 1, 0xcc, 0, 4, ...addr.subarray(0, 4));
    else parts.push(2, 8, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd, 0, 16, ...addr);
  }
  return Uint8Array.from(parts);
}

function valueOf(t: CdpTlvInput): Uint8Array {
  if (t.text !== undefined) return new TextEncoder().encode(t.text);
  if (t.addresses !== undefined) return addressBytes(t.addresses);
  if (t.capabilities !== undefined) return Uint8Array.of(t.capabilities >>> 24, (t.capabilities >>> 16) & 0xff, (t.capabilities >>> 8) & 0xff, t.capabilities & 0xff);
  if (t.nativeVlan !== undefined) return Uint8Array.of(t.nativeVlan >>> 8, t.nativeVlan & 0xff);
  if (t.duplex !== undefined) return Uint8Array.of(t.duplex);
  return t.value ?? new Uint8Array(0);
}

/** Encodes a CDP PDU with its checksum (IPv4 and IPv6 addresses as text). */
export function encodeCdp(h: CdpInput): Uint8Array {
  const values = h.tlvs.map(valueOf);
  const total = 4 + values.reduce((n, v) => n + 4 + v.length, 0);
  const out = new Uint8Array(total);
  out[0] = h.version ?? 2;
  out[1] = h.ttl ?? 180;
  let at = 4;
  h.tlvs.forEach((t, i) => {
    const v = values[i]!;
    if (v.length + 4 > 0xffff) throw new WireError('bad-value', `TLV type ${t.type} has ${v.length} bytes, more than fit`, { layer: 'cdp' });
    out[at] = t.type >>> 8;
    out[at + 1] = t.type & 0xff;
    out[at + 2] = (v.length + 4) >>> 8;
    out[at + 3] = (v.length + 4) & 0xff;
    out.set(v, at + 4);
    at += 4 + v.length;
  });
  const checksum = h.checksum ?? cdpChecksum(out, 0, total);
  out[2] = checksum >>> 8;
  out[3] = checksum & 0xff;
  return out;
}

/** CDP for `encodeFrame`: `[{ eth }, { llc: { oui: 0x00000c, pid: 0x2000 } }, { cdp: { tlvs: [...] } }]`. */
export const cdpEncoder: Encoder<CdpInput> = {
  name: 'cdp',
  headerLength: (h) => encodeCdp(h).length,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    out.set(encodeCdp(header), offset);
  },
};

/** tshark's info column: `Device ID: sw1  Port ID: Gi0/1  `. */
export function cdpInfo(h: CdpHeader): string {
  let s = '';
  for (const t of h.tlvs) {
    if (t.type === CdpTlvType.DeviceId) s += `Device ID: ${t.text}  `;
    else if (t.type === CdpTlvType.PortId) s += `Port ID: ${t.text}  `;
  }
  return s;
}

const CAPABILITY_BITS = ['router', 'trans_bridge', 'src_bridge', 'switch', 'host', 'igmp_capable', 'repeater', 'voip_phone', 'remote', 'cvta', 'mac_relay'];

function addressFields(out: FieldSink, list: readonly CdpAddress[]): void {
  out.add('cdp.number_of_addresses', list.length);
  for (const a of list) {
    out.add('cdp.protocol_type', a.protocolType);
    out.add('cdp.protocol_length', a.protocol === '' ? 0 : (a.protocol.length + 1) / 3);
    out.add('cdp.protocol', a.protocol);
    out.add('cdp.address_length', a.addressLength);
    if (a.family === 'ip') out.add('cdp.nrgyz.ip_address', a.address);
    else if (a.family === 'ipv6') out.add('cdp.nrgyz.ipv6_address', a.address);
  }
}

/** CDP, named by LLC's SNAP header (OUI 00-00-0c, PID 0x2000). */
export const cdp: Protocol<CdpHeader> = {
  name: 'cdp',
  decode: (ctx: DecodeContext) => decodeCdpAt(ctx.bytes, ctx.offset, ctx.end, ctx.verifyChecksum),
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark shows the version and TTL of a header cut short.
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have >= 1) out.add('cdp.version', ctx.bytes[ctx.offset]!);
    if (have >= 2) out.add('cdp.ttl', ctx.bytes[ctx.offset + 1]!);
  },
  fields(h: CdpHeader, out: FieldSink): void {
    out.add('cdp.version', h.version);
    out.add('cdp.ttl', h.ttl);
    out.add('cdp.checksum', h.checksum);
    out.add('cdp.checksum.status', h.checksumStatus);
    for (const t of h.tlvs) {
      out.add('cdp.tlv.type', t.type);
      out.add('cdp.tlv.len', t.length);
      switch (t.type) {
        case CdpTlvType.DeviceId:
          out.add('cdp.deviceid', t.text!);
          break;
        case CdpTlvType.PortId:
          out.add('cdp.portid', t.text!);
          break;
        case CdpTlvType.SoftwareVersion:
          // tshark shows each line of the version as its own item.
          for (const line of t.text!.split('\n')) out.add('cdp.software_version', line);
          break;
        case CdpTlvType.Platform:
          out.add('cdp.platform', t.text!);
          break;
        case CdpTlvType.VtpManagementDomain:
          out.add('cdp.vtp_management_domain', t.text!);
          break;
        case CdpTlvType.Addresses:
        case CdpTlvType.ManagementAddresses:
          addressFields(out, t.addresses!);
          break;
        case CdpTlvType.Capabilities:
          out.add('cdp.capabilities', t.capabilities!);
          CAPABILITY_BITS.forEach((name, i) => out.add(`cdp.capabilities.${name}`, (t.capabilities! >>> i) & 1));
          break;
        case CdpTlvType.NativeVlan:
          out.add('cdp.native_vlan', t.nativeVlan!);
          break;
        case CdpTlvType.Duplex:
          out.add('cdp.duplex', t.duplex!);
          break;
        default:
          if (t.value.length > 0) out.add('cdp.data', colonHex(t.value, 0, t.value.length));
      }
    }
  },
};
