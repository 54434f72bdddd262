// Link Layer Discovery Protocol (IEEE 802.1AB-2016), ethertype 0x88cc: what a switch port or host
// says about itself to its neighbour, as a list of TLVs, each a 7-bit type and 9-bit length then
// the value. The first three are mandatory: chassis id and port id (a subtype byte saying what
// kind of id follows: a MAC, a network address with its IANA family, a name) and the time to
// live; End (type 0) closes the list. Port and system descriptions, system name, capabilities and
// management addresses are common; organizationally specific TLVs (type 127: OUI, subtype,
// value) carry IEEE 802.1/802.3, TIA LLDP-MED and vendor extensions and are kept here as bytes.
// tshark's dissector is `lldp` (lldp.tlv.type, lldp.chassis.subtype, lldp.port.id, ...).
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { concatBytes, u16, u32 } from '../packet/bytes.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol } from '../packet/protocol.js';
import { formatIpv4, formatIpv6, writeIp } from '../network/ip-address.js';
import { formatMac, writeMac } from './mac.js';
import { colonHex } from '../packet/hex.js';

export const ETHERTYPE_LLDP = 0x88cc;

export const LldpTlvType = {
  End: 0,
  ChassisId: 1,
  PortId: 2,
  Ttl: 3,
  PortDescription: 4,
  SystemName: 5,
  SystemDescription: 6,
  Capabilities: 7,
  ManagementAddress: 8,
  OrgSpecific: 127,
} as const;

/** A management address TLV (802.1AB 8.5.9). */
export interface LldpManagementAddress {
  /** The address string length: the subtype byte and the address. */
  addressLength: number;
  /** IANA address family: 1 IPv4, 2 IPv6, 6 802 MAC. */
  addressSubtype: number;
  /** The address as text (dotted, IPv6, MAC) or colon hex for other families. */
  address: string;
  interfaceSubtype: number;
  interfaceNumber: number;
  oidLength: number;
  /** The object identifier in dotted form, '' when absent. */
  oid: string;
}

export interface LldpTlv {
  type: number;
  length: number;
  /** The value bytes (a view into the packet). */
  value: Uint8Array;
  /** Chassis and port id subtypes; organizationally specific TLVs' subtype. */
  subtype?: number;
  /** Chassis or port id as text: a MAC, an address, or the id's characters. */
  id?: string;
  /** The IANA family of a network-address chassis or port id. */
  family?: number;
  ttl?: number;
  /** Port description, system name, system description. */
  text?: string;
  capabilities?: number;
  enabledCapabilities?: number;
  management?: LldpManagementAddress;
  oui?: number;
}

export interface LldpHeader {
  tlvs: LldpTlv[];
}

const layerError = (code: 'truncated' | 'bad-length', message: string, offset: number, required?: number, available?: number) =>
  new WireError(code, message, { layer: 'lldp', offset, required, available });

/** Text as tshark formats an id or description: up to the first NUL, non-printables escaped. */
function text(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** An address by IANA family: IPv4 (1), IPv6 (2), MAC (6), else colon hex. */
function address(b: Uint8Array, family: number, from: number, to: number): string {
  const n = to - from;
  if (family === 1 && n === 4) return formatIpv4(b, from);
  if (family === 2 && n === 16) return formatIpv6(b, from);
  if (family === 6 && n === 6) return formatMac(b, from);
  return colonHex(b, from, to);
}

/** A BER-encoded object identifier in dotted form. */
function oidText(b: Uint8Array, from: number, to: number): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = from; i < to; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** One TLV's value, read by type; throws bad-length when the value is too short for its type. */
function readTlv(b: Uint8Array, type: number, at: number, length: number): LldpTlv {
  const end = at + length;
  const tlv: LldpTlv = { type, length, value: b.subarray(at, end) };
  const bad = (what: string) => layerError('bad-length', `${what} TLV of ${length} bytes is too short`, at - 2);
  switch (type) {
    case LldpTlvType.ChassisId:
    case LldpTlvType.PortId: {
      if (length < 1) throw bad(type === 1 ? 'chassis id' : 'port id');
      const subtype = b[at]!;
      tlv.subtype = subtype;
      const mac = type === 1 ? 4 : 3;
      const net = type === 1 ? 5 : 4;
      if (subtype === mac && length === 7) tlv.id = formatMac(b, at + 1);
      else if (subtype === net && length >= 2) {
        tlv.family = b[at + 1]!;
        tlv.id = address(b, tlv.family, at + 2, end);
      } else tlv.id = text(b, at + 1, end);
      break;
    }
    case LldpTlvType.Ttl:
      if (length < 2) throw bad('time to live');
      tlv.ttl = u16(b, at);
      break;
    case LldpTlvType.PortDescription:
    case LldpTlvType.SystemName:
    case LldpTlvType.SystemDescription:
      tlv.text = text(b, at, end);
      break;
    case LldpTlvType.Capabilities:
      if (length < 4) throw bad('capabilities');
      tlv.capabilities = u16(b, at);
      tlv.enabledCapabilities = u16(b, at + 2);
      break;
    case LldpTlvType.ManagementAddress: {
      const addressLength = length >= 1 ? b[at]! : 0;
      // address string length, subtype+address, interface subtype and number (5), OID length (1).
      if (length < 1 + addressLength + 6 || addressLength < 1) throw bad('management address');
      const ifAt = at + 1 + addressLength;
      const oidLength = b[ifAt + 5]!;
      if (ifAt + 6 + oidLength > end) throw bad('management address');
      tlv.management = {
        addressLength,
        addressSubtype: b[at + 1]!,
        address: address(b, b[at + 1]!, at + 2, ifAt),
        interfaceSubtype: b[ifAt]!,
        interfaceNumber: u32(b, ifAt + 1),
        oidLength,
        oid: oidText(b, ifAt + 6, ifAt + 6 + oidLength),
      };
      break;
    }
    case LldpTlvType.OrgSpecific:
      if (length < 4) throw bad('organizationally specific');
      tlv.oui = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
      tlv.subtype = b[at + 3]!;
      break;
  }
  return tlv;
}

function decodeLldpAt(bytes: Uint8Array, offset: number, end: number): Decoded<LldpHeader> {
  const stop = Math.min(end, bytes.length);
  const header: LldpHeader = { tlvs: [] };
  let at = offset;
  // TLVs up to End; a TLV that runs past the bytes is where tshark reports the packet malformed.
  while (true) {
    if (stop - at < 2) {
      const error = layerError('truncated', `TLV header needs 2 bytes, ${Math.max(0, stop - at)} captured at offset ${at}`, at, 2, Math.max(0, stop - at));
      return { header, headerLength: at - offset, error };
    }
    const word = u16(bytes, at);
    const type = word >>> 9;
    const length = word & 0x1ff;
    if (stop - at - 2 < length) {
      const error = layerError('truncated', `TLV type ${type} of ${length} bytes runs past the ${stop - at - 2} captured at offset ${at + 2}`, at, length + 2, stop - at);
      return { header, headerLength: at - offset, error };
    }
    let tlv: LldpTlv;
    try {
      tlv = readTlv(bytes, type, at + 2, length);
    } catch (e) {
      if (e instanceof WireError) return { header, headerLength: at - offset, error: e };
      throw e;
    }
    header.tlvs.push(tlv);
    at += 2 + length;
    if (type === LldpTlvType.End) return { header, headerLength: at - offset };
  }
}

/**
 * Decodes the LLDPDU at `offset`: every TLV up to End.
 *
 * @example
 * decodeLldp(ethPayload).tlvs.map((t) => t.id ?? t.ttl ?? t.text); // ['00:11:22:33:44:55', 'eth0', 120, ...]
 */
export function decodeLldp(bytes: Uint8Array, offset = 0, end = bytes.length): LldpHeader {
  const d = decodeLldpAt(bytes, offset, end);
  if (d.error !== undefined) throw d.error;
  return d.header;
}

/** A TLV to encode: its type and either its value bytes or the decoded fields that make them. */
export type LldpTlvInput = Partial<Omit<LldpTlv, 'length'>> & { type: number };

/** The value bytes of a TLV input. */
function tlvValue(t: LldpTlvInput): Uint8Array {
  const enc = new TextEncoder();
  switch (t.type) {
    case LldpTlvType.ChassisId:
    case LldpTlvType.PortId: {
      if (t.subtype === undefined || t.id === undefined) break;
      const mac = t.type === 1 ? 4 : 3;
      const net = t.type === 1 ? 5 : 4;
      if (t.subtype === mac) {
        const out = new Uint8Array(7);
        out[0] = mac;
        writeMac(t.id, out, 1, 'lldp');
        return out;
      }
      if (t.subtype === net) {
        const addr = new Uint8Array(18);
        const n = writeIp(t.id, addr, 2);
        addr[0] = net;
        addr[1] = n === 4 ? 1 : 2;
        return addr.slice(0, 2 + n);
      }
      return Uint8Array.of(t.subtype, ...enc.encode(t.id));
    }
    case LldpTlvType.Ttl:
      if (t.ttl !== undefined) return Uint8Array.of(t.ttl >>> 8, t.ttl & 0xff);
      break;
    case LldpTlvType.PortDescription:
    case LldpTlvType.SystemName:
    case LldpTlvType.SystemDescription:
      if (t.text !== undefined) return enc.encode(t.text);
      break;
    case LldpTlvType.Capabilities:
      if (t.capabilities !== undefined) {
        const e = t.enabledCapabilities ?? 0;
        return Uint8Array.of(t.capabilities >>> 8, t.capabilities & 0xff, e >>> 8, e & 0xff);
      }
      break;
  }
  return t.value ?? new Uint8Array(0);
}

/** Encodes TLVs (End is added when the list lacks one). */
export function encodeLldp(header: { tlvs: readonly LldpTlvInput[] }): Uint8Array {
  const parts: Uint8Array[] = [];
  const tlvs = header.tlvs.some((t) => t.type === LldpTlvType.End) ? header.tlvs : [...header.tlvs, { type: LldpTlvType.End }];
  for (const t of tlvs) {
    const value = tlvValue(t);
    if (value.length > 511 || t.type < 0 || t.type > 127) throw new WireError('bad-value', `TLV type ${t.type} with ${value.length} bytes does not fit 7+9 bits`, { layer: 'lldp' });
    const tlv = new Uint8Array(2 + value.length);
    tlv[0] = (t.type << 1) | (value.length >>> 8);
    tlv[1] = value.length & 0xff;
    tlv.set(value, 2);
    parts.push(tlv);
    if (t.type === LldpTlvType.End) break;
  }
  return concatBytes(parts);
}

/** LLDP for `encodeFrame`: `[{ eth: { dst: '01:80:c2:00:00:0e', src } }, { lldp: { tlvs: [...] } }]`. */
export const lldpEncoder: Encoder<{ tlvs: readonly LldpTlvInput[] }> = {
  name: 'lldp',
  headerLength: (h) => encodeLldp(h).length,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    out.set(encodeLldp(header), offset);
  },
};

/** tshark's abbreviations of chassis id subtypes (index = subtype) and port id subtypes. */
const CHASSIS_ABBR = ['Rs', 'CC', 'IA', 'PC', 'MA', 'NA', 'IN', 'LA'];
const PORT_ABBR = ['Rs', 'IA', 'PC', 'MA', 'NA', 'IN', 'AC', 'LA'];

/** The id as tshark's info column shows it: port components as plain hex, reserved subtypes as "Reserved". */
function infoId(t: LldpTlv, abbrs: readonly string[], component: number): string {
  const abbr = abbrs[t.subtype!];
  if (abbr === undefined || abbr === 'Rs') return 'Rs/Reserved';
  if (t.subtype === component) return `${abbr}/${Array.from(t.value.subarray(1), (x) => x.toString(16).padStart(2, '0')).join('')}`;
  return `${abbr}/${t.id}`;
}

/** tshark's info column: `MA/00:11:22:33:44:55 IN/eth0 120 SysN=sw1 SysD=... `. */
export function lldpInfo(h: LldpHeader): string {
  let s = '';
  for (const t of h.tlvs) {
    if (t.type === LldpTlvType.ChassisId) s += `${infoId(t, CHASSIS_ABBR, 3)} `;
    else if (t.type === LldpTlvType.PortId) s += `${infoId(t, PORT_ABBR, 2)} `;
    else if (t.type === LldpTlvType.Ttl) s += `${t.ttl} `;
    else if (t.type === LldpTlvType.SystemName) s += `SysN=${t.text} `;
    else if (t.type === LldpTlvType.SystemDescription) s += `SysD=${t.text} `;
  }
  return s;
}

const CAPABILITY_BITS = ['other', 'repeater', 'bridge', 'wlan_access_pt', 'router', 'telephone', 'docsis_cable_device', 'station_only'];

function idFields(out: FieldSink, t: LldpTlv, kind: 'chassis' | 'port'): void {
  out.add(`lldp.${kind}.subtype`, t.subtype!);
  const mac = kind === 'chassis' ? 4 : 3;
  const net = kind === 'chassis' ? 5 : 4;
  if (t.subtype === mac && t.length === 7) out.add(`lldp.${kind}.id.mac`, t.id!);
  else if (t.subtype === net && t.family !== undefined) {
    out.add('lldp.network_address.subtype', t.family);
    const n = t.value.length - 2;
    if (t.family === 1 && n === 4) out.add(`lldp.${kind}.id.ip4`, t.id!);
    else if (t.family === 2 && n === 16) out.add(`lldp.${kind}.id.ip6`, t.id!);
  } else if (kind === 'chassis') out.add('lldp.chassis.id', colonHex(t.value, 1, t.value.length));
  else out.add('lldp.port.id', t.id!);
}

/** LLDP, bound to ethertype 0x88cc. */
export const lldp: Protocol<LldpHeader> = {
  name: 'lldp',
  decode: (ctx: DecodeContext) => decodeLldpAt(ctx.bytes, ctx.offset, ctx.end),
  fields(h: LldpHeader, out: FieldSink): void {
    for (const t of h.tlvs) {
      out.add('lldp.tlv.type', t.type);
      out.add('lldp.tlv.len', t.length);
      switch (t.type) {
        case LldpTlvType.ChassisId:
          idFields(out, t, 'chassis');
          break;
        case LldpTlvType.PortId:
          idFields(out, t, 'port');
          break;
        case LldpTlvType.Ttl:
          out.add('lldp.time_to_live', t.ttl!);
          break;
        case LldpTlvType.PortDescription:
          out.add('lldp.port.desc', t.text!);
          break;
        case LldpTlvType.SystemName:
          out.add('lldp.tlv.system.name', t.text!);
          break;
        case LldpTlvType.SystemDescription:
          out.add('lldp.tlv.system.desc', t.text!);
          break;
        case LldpTlvType.Capabilities:
          out.add('lldp.tlv.system_cap', t.capabilities!);
          CAPABILITY_BITS.forEach((name, i) => out.add(`lldp.tlv.system_cap.${name}`, (t.capabilities! >>> i) & 1));
          out.add('lldp.tlv.enable_system_cap', t.enabledCapabilities!);
          CAPABILITY_BITS.forEach((name, i) => out.add(`lldp.tlv.enable_system_cap.${name}`, (t.enabledCapabilities! >>> i) & 1));
          break;
        case LldpTlvType.ManagementAddress: {
          const m = t.management!;
          out.add('lldp.mgn.address.len', m.addressLength);
          out.add('lldp.mgn.address.subtype', m.addressSubtype);
          if (m.addressSubtype === 1 && m.addressLength === 5) out.add('lldp.mgn.addr.ip4', m.address);
          else if (m.addressSubtype === 2 && m.addressLength === 17) out.add('lldp.mgn.addr.ip6', m.address);
          out.add('lldp.mgn.interface.subtype', m.interfaceSubtype);
          out.add('lldp.mgn.interface.number', m.interfaceNumber);
          out.add('lldp.mgn.obj.len', m.oidLength);
          if (m.oidLength > 0) out.add('lldp.mgn.obj.id', m.oid);
          break;
        }
        case LldpTlvType.OrgSpecific:
          out.add('lldp.orgtlv.oui', t.oui!);
          // tshark decodes the IEEE 802.1 and 802.3 subtypes' contents; wirekit keeps them as bytes.
          if (t.oui === 0x0080c2) out.add('lldp.ieee.802_1.subtype', t.subtype!);
          else if (t.oui === 0x00120f) out.add('lldp.ieee.802_3.subtype', t.subtype!);
          else if (!KNOWN_OUIS.has(t.oui!)) {
            out.add('lldp.unknown_subtype', t.subtype!);
            if (t.value.length > 4) out.add('lldp.unknown_subtype.content', colonHex(t.value, 4, t.value.length));
          }
          break;
      }
    }
  },
};

/** Other OUIs whose TLVs tshark decodes with fields of its own (TIA LLDP-MED, PROFINET, Cisco, Avaya): no unknown_subtype. */
const KNOWN_OUIS = new Set([0x0012bb, 0x000ecf, 0x000142, 0x00040d]);
