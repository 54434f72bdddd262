// The dissector: the one place that knows every protocol. It ties layers together through
// dissector tables (link type, ethertype, IP protocol, ports), so no protocol imports another and
// users can add their own with registerProtocol.
import { WireError } from './errors.js';
import { shouldVerify } from './packet/checksum-policy.js';
import { LazyLayer, Packet, type PartialLayer } from './packet/packet.js';
import type { DecodeContext, DecodeOptions, DissectorTable, Layer, Next, Protocol, Scanned } from './packet/protocol.js';
import { ethernet } from './link/ethernet.js';
import { tcp } from './transport/tcp.js';
import { udp } from './transport/udp.js';
import { icmp } from './network/icmp.js';
import { icmpv6 } from './network/icmpv6.js';
import { ipv4 } from './network/ipv4.js';
import { ipv6 } from './network/ipv6.js';
import { ieee8021ad, vlan } from './link/vlan.js';
import { arp } from './link/arp.js';
import { nullLink } from './link/null.js';
import { sll, sll2 } from './link/sll.js';
import { mpls } from './link/mpls.js';
import { gre } from './network/gre.js';
import { ppp } from './link/ppp.js';
import { chdlc } from './link/chdlc.js';
import { ccp, chap, ipcp, ipv6cp, lcp, pap, slarp } from './link/ppp-control.js';
import { loop, LOOP_ETHERTYPE } from './link/loop.js';
import { ssdp, SSDP_PORT, syslog, SYSLOG_PORT } from './application/syslog.js';
import { llc } from './link/llc.js';
import { wlan } from './link/ieee80211.js';
import { radiotap } from './link/radiotap.js';
import { nflog } from './link/nflog.js';
import { pflog } from './link/pflog.js';
import { vxlan, VXLAN_PORT } from './network/vxlan.js';
import { LINKTYPE_PPI, ppi } from './link/ppi.js';
import { dns, DNS_PORT, llmnr, LLMNR_PORT, looksLikeDns, mdns, MDNS_PORT } from './application/dns.js';
import { geneve, GENEVE_PORT } from './network/geneve.js';
import { igmp, IP_PROTO_IGMP } from './network/igmp.js';
import { ah, esp, IP_PROTO_AH, IP_PROTO_ESP } from './network/ipsec.js';
import { dhcp, DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from './application/dhcp.js';
import { dhcpv6, DHCPV6_CLIENT_PORT, DHCPV6_SERVER_PORT } from './application/dhcpv6.js';
import { nbns, NBNS_PORT } from './application/nbns.js';
import { ntp, NTP_PORT } from './application/ntp.js';
import { echo, ECHO_PORT } from './application/echo.js';
import { pppoed, pppoes } from './link/pppoe.js';
import { stp } from './link/stp.js';
import { lldp, ETHERTYPE_LLDP } from './link/lldp.js';
import { cdp } from './link/cdp.js';
import { LINKTYPE_IEEE802_5, tokenRing, tokenRingMac } from './link/token-ring.js';
import { fddi, LINKTYPE_FDDI } from './link/fddi.js';
import { avs, LINKTYPE_IEEE802_11_AVS, LINKTYPE_IEEE802_11_PRISM, prism } from './link/prism.js';
import { can, canfdLinux, canLinux, LINKTYPE_CAN_SOCKETCAN } from './link/can.js';
import { erfRecord, LINKTYPE_ERF_RECORD } from './link/erf-record.js';
import { LINKTYPE_USB_LINUX, LINKTYPE_USB_LINUX_MMAPPED, LINKTYPE_USBPCAP, usbLinux, usbLinuxMmapped, usbpcap } from './link/usb.js';
import { ap1394, clip, frameRelay, ipfc, ipnet, LINKTYPE_APPLE_IP_OVER_IEEE1394, LINKTYPE_PPP_ETHER, LINKTYPE_ATM_RFC1483, LINKTYPE_FRELAY, LINKTYPE_IP_OVER_FC, LINKTYPE_IPNET, LINKTYPE_LINUX_ATM_CLIP } from './link/ip-carriers.js';
import { verifyMaskOf, walkCommon, walked, type WalkTables } from './dissect-walk.js';

const protocols = new Map<string, Protocol>();
const tables: Record<DissectorTable, Map<number, string>> = {
  linktype: new Map(),
  ethertype: new Map(),
  'ip.proto': new Map(),
  'udp.port': new Map(),
  'tcp.port': new Map(),
};

/** A binding of a protocol into a dissector table: `{ table: 'ethertype', value: 0x0800 }`. */
export interface TableBinding {
  table: DissectorTable;
  value: number;
}

/**
 * Adds a protocol (or replaces one of the same name) and binds it into dissector tables, so
 * `decodePacket` decodes it wherever a lower layer names it, and `fields()` shows its fields.
 *
 * @example
 * registerProtocol({
 *   name: 'myproto',
 *   decode: ({ bytes, offset, end }) => ({ header: { kind: bytes[offset] }, headerLength: 1 }),
 *   fields: (h, out) => out.add('myproto.kind', h.kind),
 * }, [{ table: 'udp.port', value: 9999 }]);
 */
export function registerProtocol<H extends object>(protocol: Protocol<H>, bindings: readonly TableBinding[] = []): void {
  protocols.set(protocol.name, protocol as unknown as Protocol);
  for (const { table, value } of bindings) tables[table].set(value, protocol.name);
  resolveTables();
}

/**
 * Protocols by table value, rebuilt from `tables` by every `registerProtocol` (which may rebind a
 * value, or replace the protocol a bound name stands for). Values below 65536 (every ethertype,
 * IP protocol and port) sit in two levels of 256-entry arrays: finding a layer's protocol is two
 * array reads, where a lookup by value and then by name in Maps took a fifth of `decodePacket`.
 */
class ResolvedTable {
  /** Chunks by value >> 8, up to the highest one bound (those in between share NO_CHUNK); packed arrays. */
  #chunks: (Protocol | undefined)[][] = [];
  #other = new Map<number, Protocol>();

  get(value: number): Protocol | undefined {
    const chunks = this.#chunks;
    const hi = value >>> 8;
    // An integer below 65536 whose chunk exists (most lookups of an unbound port end at the length check).
    if (hi < chunks.length && (hi << 8 | (value & 0xff)) === value) return chunks[hi]![value & 0xff];
    return this.#other.size === 0 ? undefined : this.#other.get(value);
  }

  fill(values: Map<number, string>): void {
    const chunks: (Protocol | undefined)[][] = [];
    this.#other.clear();
    for (const [value, name] of values) {
      const protocol = protocols.get(name);
      if (protocol === undefined) continue;
      if (value >= 0 && value < 0x10000 && (value | 0) === value) {
        const hi = value >>> 8;
        while (chunks.length <= hi) chunks.push(NO_CHUNK);
        if (chunks[hi] === NO_CHUNK) chunks[hi] = Array.from({ length: 256 }, () => undefined);
        chunks[hi]![value & 0xff] = protocol;
      } else {
        this.#other.set(value, protocol);
      }
    }
    this.#chunks = chunks;
  }
}

/** The chunk of 256 values none of which is bound (never written: not frozen, so every chunk is the same kind of array). */
const NO_CHUNK: (Protocol | undefined)[] = Array.from({ length: 256 }, () => undefined);

const resolved: Record<DissectorTable, ResolvedTable> = {
  linktype: new ResolvedTable(),
  ethertype: new ResolvedTable(),
  'ip.proto': new ResolvedTable(),
  'udp.port': new ResolvedTable(),
  'tcp.port': new ResolvedTable(),
};

function resolveTables(): void {
  for (const table of Object.keys(tables) as DissectorTable[]) resolved[table].fill(tables[table]);
}

/** `resolved[table]`, without a lookup by a string key. */
function resolvedTable(table: DissectorTable): ResolvedTable {
  switch (table) {
    case 'linktype':
      return resolved.linktype;
    case 'ethertype':
      return resolved.ethertype;
    case 'ip.proto':
      return resolved['ip.proto'];
    case 'tcp.port':
      return resolved['tcp.port'];
    case 'udp.port':
      return resolved['udp.port'];
    default:
      return resolved[table];
  }
}

/** The value that selects `protocol` in `table` (e.g. ethertype of `ip` = 0x0800), if bound. */
export function tableValueOf(table: DissectorTable, protocol: string): number | undefined {
  for (const [value, name] of tables[table]) if (name === protocol) return value;
  return undefined;
}

/**
 * The name of the protocol `value` selects in `table`, if one is bound.
 *
 * @example
 * dissectorFor('ethertype', 0x0800); // 'ip'
 * dissectorFor('udp.port', 9999);    // undefined, until registerProtocol binds one
 */
export function dissectorFor(table: DissectorTable, value: number): string | undefined {
  return tables[table].get(value);
}

/**
 * The registered protocol that names its layers `name` (`ip`, `tcp`, `ipnet`, ...), if any: how
 * to rebuild a packet from layers of another one.
 *
 * @example
 * protocolNamed('tcp')?.fields(layer.header, sink, layer);
 */
export function protocolNamed(name: string): Protocol | undefined {
  return protocols.get(name);
}

const LINK_TYPES: Record<string, number> = {
  null: 0, ethernet: 1, ieee802_5: 6, ppp: 9, fddi: 10, ppp_hdlc: 50, ppp_ether: 51, raw: 101, c_hdlc: 104, atm_rfc1483: 100, ieee802_11: 105, linux_atm_clip: 106, frelay: 107, loop: 108, linux_sll: 113, pflog: 117, ieee802_11_prism: 119, ip_over_fc: 122, apple_ip_over_ieee1394: 138, ieee802_11_radiotap: 127, ieee802_11_avs: 163, ppi: 192, ipnet: 226, can_socketcan: 227, ipv4: 228, ipv6: 229, nflog: 239, linux_sll2: 276,
};
const RAW_IP = 101;
/**
 * DLT_RAW's own numbers, which some platforms' libpcap wrote into files as the link type before
 * LINKTYPE_RAW (101) existed: 12 (most) and 14 (BSD/OS, OpenBSD). Wireshark reads both as raw IP
 * (wiretap's pcap link-type table), and so does tshark here.
 */
const RAW_IP_DLT_12 = 12;
const RAW_IP_DLT_14 = 14;

/** Nested tunnels or quoted packets deeper than this are left undecoded (a crafted packet could loop). */
const MAX_LAYERS = 32;

function resolve(next: Next, bytes: Uint8Array, offset: number, end: number): Protocol | undefined {
  if ('protocol' in next) return protocols.get(next.protocol);
  const table = resolvedTable(next.table);
  const found = table.get(next.value) ?? (next.alt === undefined ? undefined : table.get(next.alt));
  return found ?? (next.table === 'udp.port' ? udpHeuristic(bytes, offset, end) : undefined);
}

/**
 * A UDP payload no port claims: tshark's heuristic dissectors (on by default) try it next. Of them,
 * DNS's is the one decoded here (DNS on ports other than 53).
 */
function udpHeuristic(bytes: Uint8Array, offset: number, end: number): Protocol | undefined {
  return looksLikeDns(bytes, offset, end) ? protocols.get('dns') : undefined;
}

/** The protocol of the first layer: by the version nibble for raw IP, else by the link type. */
function firstProtocol(bytes: Uint8Array, linkType: number): Protocol | undefined {
  if (linkType === RAW_IP || linkType === RAW_IP_DLT_12 || linkType === RAW_IP_DLT_14) {
    // Raw IP carries no link header: the version nibble says which IP it is.
    const version = bytes.length > 0 ? bytes[0]! >>> 4 : 0;
    return version === 4 ? protocols.get('ip') : version === 6 ? protocols.get('ipv6') : undefined;
  }
  return resolved.linktype.get(linkType);
}

/** The tables `walkCommon` reads (the resolved ones, so a rebinding by registerProtocol is seen). */
const walkTables: WalkTables = {
  ethertype: resolved.ethertype,
  ipProto: resolved['ip.proto'],
  tcpPort: resolved['tcp.port'],
  udpPort: resolved['udp.port'],
  udpHeuristic,
};

/** Whether decodePacket takes well-formed common layers through `walkCommon` (tests turn it off to compare). */
let commonWalk = true;

/** The errors of a packet without any (frozen: a packet's `errors` is read-only). */
const NO_ERRORS = Object.freeze([]) as unknown as WireError[];

/** For tests: decode every layer through the protocols' scans (false), or take the common walk first (true). */
export function setCommonWalkForTests(enabled: boolean): void {
  commonWalk = enabled;
}

/** decodePacket's options when none are given (one object, not one per call). */
const NO_OPTIONS: DecodeOptions = {};

/** The common walk's verify mask for the checksum policies that are not objects (objects are read per packet). */
const VERIFY_ALL = verifyMaskOf(() => true);

/**
 * Decodes one packet through every layer wirekit knows, lenient by default: a truncated or
 * malformed layer is decoded as far as its bytes allow, recorded in `packet.errors`, and decoding
 * stops there. With `strict: true` the first problem throws its `WireError` instead.
 *
 * @example
 * const p = decodePacket(frame);
 * p.layers.map((l) => l.name);      // ['eth', 'ip', 'tcp']
 * p.fields()['tcp.dstport'];        // 80
 * decodePacket(ipBytes, { linkType: 'raw', checksums: { tcp: false } });
 */
export function decodePacket(bytes: Uint8Array, options: DecodeOptions = NO_OPTIONS): Packet {
  const rawLink = options.linkType ?? 1;
  const linkType = typeof rawLink === 'number' ? rawLink : LINK_TYPES[rawLink];
  if (linkType === undefined) {
    throw new WireError('unsupported', `unknown link type '${String(rawLink)}'`, { layer: 'frame' });
  }
  const layers: Layer[] = [];
  // The protocol of each layer, once a layer is a plain object (LazyLayers know their own).
  let used: Protocol[] | undefined;
  // Most packets have none: a list is made at the first, and the others share one empty list.
  let errors: WireError[] | undefined;
  // The layer decoding stopped in, when its protocol can show part of it.
  let partial: PartialLayer | undefined;
  const checksums = options.checksums;
  const strict = options.strict === true;
  const lazy = options.lazy !== false;
  let offset = 0;
  let end = bytes.length;
  let quoted = false;
  let protocol = firstProtocol(bytes, linkType);
  if (lazy && commonWalk) {
    const mask = checksums === undefined || checksums === true ? VERIFY_ALL : checksums === false ? 0 : verifyMaskOf((name) => shouldVerify(checksums, name));
    walkCommon(bytes, protocol, layers, walkTables, mask);
    offset = walked.offset;
    end = walked.end;
    protocol = walked.protocol;
  }

  // One context for every layer the protocols scan, refilled: a scan reads it during the call only;
  // `decode`, whose results may hold on to it, gets a copy of its own.
  const ctx: { -readonly [K in keyof DecodeContext]: DecodeContext[K] } | undefined =
    protocol === undefined ? undefined : { bytes, offset, end, below: layers, quoted, verifyChecksum: true };
  while (ctx !== undefined && protocol !== undefined && layers.length < MAX_LAYERS) {
    ctx.offset = offset;
    ctx.end = end;
    ctx.quoted = quoted;
    ctx.verifyChecksum = shouldVerify(checksums, protocol.name);
    let decoded: Scanned & { header?: object };
    const scan = lazy ? protocol.scan : undefined;
    try {
      decoded = scan !== undefined ? scan.call(protocol, ctx) : protocol.decode({ ...ctx });
    } catch (cause) {
      const error =
        cause instanceof WireError
          ? cause
          : new WireError('internal', `decoder failed: ${(cause as Error)?.message ?? cause}`, {
              layer: protocol.name,
              offset,
              cause,
            });
      if (strict) throw error;
      (errors ??= []).push(error);
      // What was captured of the header shows, as in tshark (which names the protocol even with no byte of it).
      if (cause instanceof WireError && protocol.partialFields !== undefined) partial = { protocol, ctx: { ...ctx, below: layers.slice() }, error };
      break;
    }
    const payloadOffset = offset + decoded.headerLength;
    const payloadEnd = Math.min(decoded.payloadEnd ?? end, end);
    const payloadLength = Math.max(0, payloadEnd - payloadOffset);
    if (scan === undefined) {
      used ??= layers.map((l) => LazyLayer.protocolOf(l)!);
      used.push(protocol);
      layers.push({ name: protocol.name, header: decoded.header!, offset, length: decoded.headerLength, payloadOffset, payloadLength });
    } else {
      used?.push(protocol);
      const state = layers.length | (quoted ? LazyLayer.QUOTED : 0) | (ctx.verifyChecksum ? LazyLayer.VERIFY : 0);
      layers.push(new LazyLayer(protocol, bytes, layers, offset, state, decoded.headerLength, payloadOffset, payloadLength));
    }
    if (decoded.truncated !== undefined) {
      if (strict) throw decoded.truncated;
      (errors ??= []).push(decoded.truncated);
    }
    if (decoded.error !== undefined) {
      if (strict) throw decoded.error;
      (errors ??= []).push(decoded.error);
      offset = Math.min(payloadOffset, end);
      end = Math.max(offset, payloadEnd);
      break;
    }
    offset = payloadOffset;
    end = Math.max(offset, payloadEnd);
    if (decoded.quotes) quoted = true;
    protocol = decoded.next === undefined ? undefined : resolve(decoded.next, bytes, offset, end);
  }
  // Whatever follows the innermost length-trimmed end is padding or a trailer (an FCS, say):
  // never payload. Packet.fields() splits it the way Wireshark does.
  return new Packet(bytes, layers, used, errors ?? NO_ERRORS, offset, end, partial);
}

registerProtocol(ethernet, [{ table: 'linktype', value: 1 }]);
registerProtocol(ipv4, [{ table: 'ethertype', value: 0x0800 }, { table: 'linktype', value: 228 }, { table: 'ip.proto', value: 4 }]);
registerProtocol(ipv6, [{ table: 'ethertype', value: 0x86dd }, { table: 'linktype', value: 229 }, { table: 'ip.proto', value: 41 }]);
registerProtocol(vlan, [{ table: 'ethertype', value: 0x8100 }, { table: 'ethertype', value: 0x9100 }]);
registerProtocol(ieee8021ad, [{ table: 'ethertype', value: 0x88a8 }]);
registerProtocol(arp, [{ table: 'ethertype', value: 0x0806 }]);
registerProtocol(icmp, [{ table: 'ip.proto', value: 1 }]);
registerProtocol(icmpv6, [{ table: 'ip.proto', value: 58 }]);
registerProtocol(udp, [{ table: 'ip.proto', value: 17 }]);
registerProtocol(tcp, [{ table: 'ip.proto', value: 6 }]);
registerProtocol(nullLink, [{ table: 'linktype', value: 0 }, { table: 'linktype', value: 108 }]);
registerProtocol(sll, [{ table: 'linktype', value: 113 }]);
registerProtocol(sll2, [{ table: 'linktype', value: 276 }]);
registerProtocol(mpls, [{ table: 'ethertype', value: 0x8847 }, { table: 'ethertype', value: 0x8848 }]);
registerProtocol(gre, [{ table: 'ip.proto', value: 47 }]);
registerProtocol(igmp, [{ table: 'ip.proto', value: IP_PROTO_IGMP }]);
registerProtocol(esp, [{ table: 'ip.proto', value: IP_PROTO_ESP }]);
registerProtocol(ah, [{ table: 'ip.proto', value: IP_PROTO_AH }]);
registerProtocol(pppoed, [{ table: 'ethertype', value: 0x8863 }]);
registerProtocol(pppoes, [{ table: 'ethertype', value: 0x8864 }, { table: 'linktype', value: LINKTYPE_PPP_ETHER }]);
// Link-layer control: spanning tree (LLC SAP 0x42) and CDP (SNAP 00-00-0c/0x2000) are named by LLC itself.
registerProtocol(stp);
registerProtocol(lldp, [{ table: 'ethertype', value: ETHERTYPE_LLDP }]);
registerProtocol(cdp);
// 50 is LINKTYPE_PPP_HDLC (PPP in HDLC-like framing, RFC 1662): Wireshark reads it with the same PPP dissector.
registerProtocol(ppp, [{ table: 'linktype', value: 9 }, { table: 'linktype', value: 50 }]);
registerProtocol(chdlc, [{ table: 'linktype', value: 104 }]);
// LLC follows an 802.3 length field (Ethernet names it as the next protocol) and an 802.11 data header.
// (LINKTYPE_ATM_RFC1483 frames are LLC from their first byte.)
registerProtocol(llc, [{ table: 'linktype', value: LINKTYPE_ATM_RFC1483 }]);
registerProtocol(wlan, [{ table: 'linktype', value: 105 }]);
registerProtocol(radiotap, [{ table: 'linktype', value: 127 }]);
registerProtocol(ppi, [{ table: 'linktype', value: LINKTYPE_PPI }]);
registerProtocol(prism, [{ table: 'linktype', value: LINKTYPE_IEEE802_11_PRISM }]);
registerProtocol(avs, [{ table: 'linktype', value: LINKTYPE_IEEE802_11_AVS }]);
// Token Ring and FDDI frames carry LLC (Token Ring's MAC frames their ring management vectors).
registerProtocol(tokenRing, [{ table: 'linktype', value: LINKTYPE_IEEE802_5 }]);
registerProtocol(tokenRingMac);
registerProtocol(fddi, [{ table: 'linktype', value: LINKTYPE_FDDI }]);
registerProtocol(clip, [{ table: 'linktype', value: LINKTYPE_LINUX_ATM_CLIP }]);
registerProtocol(frameRelay, [{ table: 'linktype', value: LINKTYPE_FRELAY }]);
registerProtocol(ipfc, [{ table: 'linktype', value: LINKTYPE_IP_OVER_FC }]);
registerProtocol(ipnet, [{ table: 'linktype', value: LINKTYPE_IPNET }]);
registerProtocol(erfRecord, [{ table: 'linktype', value: LINKTYPE_ERF_RECORD }]);
registerProtocol(usbLinux, [{ table: 'linktype', value: LINKTYPE_USB_LINUX }]);
registerProtocol(usbLinuxMmapped, [{ table: 'linktype', value: LINKTYPE_USB_LINUX_MMAPPED }]);
registerProtocol(usbpcap, [{ table: 'linktype', value: LINKTYPE_USBPCAP }]);
registerProtocol(ap1394, [{ table: 'linktype', value: LINKTYPE_APPLE_IP_OVER_IEEE1394 }]);
registerProtocol(can, [{ table: 'linktype', value: LINKTYPE_CAN_SOCKETCAN }]);
registerProtocol(canLinux);
registerProtocol(canfdLinux);
registerProtocol(nflog, [{ table: 'linktype', value: 239 }]);
registerProtocol(pflog, [{ table: 'linktype', value: 117 }]);
registerProtocol(vxlan, [{ table: 'udp.port', value: VXLAN_PORT }]);
registerProtocol(geneve, [{ table: 'udp.port', value: GENEVE_PORT }]);
registerProtocol(dns, [{ table: 'udp.port', value: DNS_PORT }, { table: 'tcp.port', value: DNS_PORT }]);
registerProtocol(mdns, [{ table: 'udp.port', value: MDNS_PORT }]);
registerProtocol(llmnr, [{ table: 'udp.port', value: LLMNR_PORT }]);
registerProtocol(dhcp, [{ table: 'udp.port', value: DHCP_SERVER_PORT }, { table: 'udp.port', value: DHCP_CLIENT_PORT }]);
registerProtocol(dhcpv6, [{ table: 'udp.port', value: DHCPV6_SERVER_PORT }, { table: 'udp.port', value: DHCPV6_CLIENT_PORT }]);
registerProtocol(nbns, [{ table: 'udp.port', value: NBNS_PORT }]);
registerProtocol(ntp, [{ table: 'udp.port', value: NTP_PORT }]);
registerProtocol(echo, [{ table: 'udp.port', value: ECHO_PORT }, { table: 'tcp.port', value: ECHO_PORT }]);
for (const p of [lcp, ipcp, ipv6cp, ccp, pap, chap]) registerProtocol(p);
registerProtocol(slarp);
registerProtocol(loop, [{ table: 'ethertype', value: LOOP_ETHERTYPE }]);
registerProtocol(syslog, [{ table: 'udp.port', value: SYSLOG_PORT }]);
registerProtocol(ssdp, [{ table: 'udp.port', value: SSDP_PORT }]);
