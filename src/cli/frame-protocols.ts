// tshark's frame.protocols for `decode --json` and -Y: every dissector the packet went through, in
// order, with tshark's pseudo-protocols (`ethertype` after a header that names an EtherType, `raw`
// for a raw-IP link type, `wlan_radio` under radiotap, one entry per IPv6 extension header) and
// what it hands undecoded payload to (`data`). The library's Packet.protocols lists layers only.
import { erfPayloadIsData, type EthernetHeader, type Ipv6Header, type Packet, type SllCommon, type TcpHeader } from 'wirekit';
import type { AppColumns } from './app-layer.js';
import { TcpAnalysis } from './summary-tcp.js';

/** Link types tshark reads with its `raw` dissector (LINKTYPE_RAW and the DLT_RAW values it maps). */
const RAW_LINK_TYPES = new Set([101, 12, 14]);
/** SLL protocol values up to this are Linux's own numbers, not EtherTypes; ARPHRD_IPGRE makes them GRE types. */
const MAX_LINUX_PROTOCOL = 1536;
const ARPHRD_IPGRE = 778;

/**
 * Whether tshark hands the packet's leftover payload to its data dissector: not after ARP or ESP,
 * and over TCP only where no application decoder took the connection and the segment is not a copy
 * of bytes already seen or out of order (`analysis`: TcpAnalysis bits of the segment).
 */
export function leavesData(packet: Packet, linkType: number, analysis: number, app: AppColumns | undefined): boolean {
  // An IPv6 ethertype whose header says another version: tshark's IPv6 declines it, data takes it.
  if (notIpv6(packet)) return true;
  if (packet.payload.length === 0 || packet.partial !== undefined) return false;
  const top = packet.layers[packet.layers.length - 1];
  // Headers tshark stops at after noting them: a UDP length below 8, a TCP data offset out of range.
  if (top !== undefined && headerStopped(packet, top)) return false;
  // A header the capture cut inside its options (IPv4, TCP): its dissector stops there.
  if (top !== undefined && optionsCut(packet, top)) return false;
  // An Ethernet header cut short: tshark's Ethernet dissector stops in it.
  if (top === undefined && packet.errors[0]?.layer === 'eth') return false;
  // A raw-IP link whose bytes are no IP header: tshark's raw dissector hands them to data once it
  // has read its 8 bytes (fewer: it fails first).
  if (top === undefined) return !RAW_LINK_TYPES.has(linkType) || packet.bytes.length >= 8;
  if (top.name === 'tcp') return tcpPayloadIsData(analysis, app);
  if (top.name === 'erf') return erfPayloadIsData((top.header as { type: number }).type);
  // usbmon: tshark keeps a URB's bytes in the usb tree (usb.capdata), with no data dissector.
  if (top.name === 'usb' || top.name === 'usb-mmapped' || top.name === 'usbpcap') return false;
  // ICMP hands on an echo's data (a quoted datagram is decoded as layers of its own).
  if (top.name === 'icmp') return ICMP_ECHO.has((top.header as { type: number }).type);
  if (top.name === 'icmpv6') return ICMPV6_ECHO.has((top.header as { type: number }).type);
  // An 802.11 management frame's body is the frame's own (tshark's wlan.mgt, inside wlan).
  if (top.name === 'wlan') return (top.header as { type: number }).type !== 0;
  return !SELF_CONTAINED.has(top.name);
}

const ICMP_ECHO = new Set([0, 8]);
const ICMPV6_ECHO = new Set([128, 129]);
/** Protocols whose bytes after the header are their own message (records, options, sections), not payload handed on. */
const SELF_CONTAINED = new Set(['syslog', 'lcp', 'ipcp', 'ipv6cp', 'ccp', 'pap', 'chap', 'arp', 'esp', 'dns', 'mdns', 'llmnr', 'dhcp', 'dhcpv6', 'nbns', 'ntp', 'lldp', 'cdp', 'stp', 'nflog', 'pflog', 'ppi', 'trmac', 'ipnet', 'igmp', 'vrrp', 'echo']);

/** Whether the capture ends inside `top`'s header: an IPv4 header's or a TCP header's options. */
function optionsCut(packet: Packet, top: Packet['layers'][number]): boolean {
  const captured = packet.bytes.length - top.offset;
  if (top.name === 'ip') return captured < (top.header as { headerLength: number }).headerLength;
  if (top.name === 'tcp') return captured < (top.header as TcpHeader).dataOffset * 4;
  return false;
}

/** An IPv6 header whose version is not 6 (a partial layer tshark does not show). */
export function notIpv6(packet: Packet): boolean {
  return packet.partial?.name === 'ipv6' && packet.errors[0]?.layer === 'ipv6' && packet.errors[0].code === 'bad-version';
}

/** A UDP length below its header, a TCP data offset below 20 bytes or past the segment: tshark dissects nothing after them. */
export function headerStopped(packet: Packet, top: Packet['layers'][number]): boolean {
  if (top.name === 'udp') return (top.header as { length: number }).length < 8;
  if (top.name !== 'tcp') return false;
  const dataOffset = (top.header as TcpHeader).dataOffset;
  return packet.errors.some((e) => e.layer === 'tcp' && e.code === 'bad-length' && e.offset === top.offset && (dataOffset < 5 || e.required === dataOffset * 4));
}

/** leavesData for a TCP segment with payload. */
export function tcpPayloadIsData(analysis: number, app: { readonly carried: boolean; readonly protocols: readonly string[] } | undefined): boolean {
  if (app !== undefined && (app.carried || app.protocols.length > 0)) return false;
  return !(analysis & (TcpAnalysis.RETRANSMISSION | TcpAnalysis.SPURIOUS_RETRANSMISSION | TcpAnalysis.OUT_OF_ORDER));
}

/** Whether a TCP header carries a Multipath TCP option (kind 30, RFC 8684): tshark's protocol column says MPTCP. */
export function hasMptcpOption(h: TcpHeader): boolean {
  return h.options.some((o) => o.kind === 30);
}

/** Protocols registered under another name than tshark's (the SLL-carried CAN variants; SLL version 2, which tshark's SLL dissector reads). */
const TSHARK_NAMES: Record<string, string> = { 'can-linux': 'can', 'canfd-linux': 'canfd', sll2: 'sll', 'usb-mmapped': 'usb', usbpcap: 'usb' };

/** A protocol's name as tshark gives it in frame.protocols and its tree. */
export function tsharkName(name: string): string {
  return TSHARK_NAMES[name] ?? name;
}

/** The frame.protocols value tshark 4.0 gives the packet (`data`: leavesData's answer). */
/** tshark's raw pseudo-protocol, above an IP packet (or nothing) of a raw-IP link type (101, 12, 14); else undefined. */
export function rawCarrier(packet: Packet, linkType: number): 'raw' | undefined {
  const first = packet.layers[0]?.name;
  return RAW_LINK_TYPES.has(linkType) && (first === undefined || first === 'ip' || first === 'ipv6') ? 'raw' : undefined;
}

export function frameProtocols(packet: Packet, linkType: number, app: AppColumns | undefined, data: boolean): string {
  const layers = packet.layers;
  let text = '';
  const add = (name: string) => {
    text = text === '' ? name : `${text}:${name}`;
  };
  if (rawCarrier(packet, linkType) !== undefined) add('raw');
  // Fewer than 8 bytes: tshark's raw dissector fails before it hands them on.
  if (RAW_LINK_TYPES.has(linkType) && packet.bytes.length < 8) return 'raw';
  if (layers.length === 0 && packet.errors[0]?.layer === 'eth') return 'eth';
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    switch (l.name) {
      case 'eth':
      case 'vlan':
      case 'ieee8021ad':
        add(l.name);
        if ((l.header as EthernetHeader).type >= 0x600) add('ethertype');
        break;
      case 'sll':
      case 'sll2': {
        add('sll');
        const h = l.header as SllCommon;
        if (h.protocol > MAX_LINUX_PROTOCOL && h.hatype !== ARPHRD_IPGRE) add('ethertype');
        break;
      }
      case 'radiotap':
        add('radiotap');
        add('wlan_radio');
        break;
      case 'ppi':
        add('ppi');
        if (layers[i + 1]?.name === 'wlan') add('wlan_radio');
        break;
      case 'prism':
        // A Prism header hands its radio information on (an AVS header inside does its own).
        add('prism');
        if ((l.header as { items?: unknown }).items !== undefined) add('wlan_radio');
        break;
      case 'can-linux':
      case 'canfd-linux':
        add(tsharkName(l.name));
        break;
      case 'clip':
        // tshark's CLIP calls its IP dissector, which hands IPv6 on.
        add('clip');
        if (layers[i + 1]?.name === 'ipv6') add('ip');
        break;
      case 'wlancap':
        add('wlancap');
        add('wlan_radio');
        break;
      case 'igmp':
        // tshark's IGMP hands each message to its version's dissector, also named igmp.
        add('igmp');
        add('igmp');
        break;
      case 'ipv6':
        add('ipv6');
        for (const e of (l.header as Ipv6Header).extensions) {
          if (e.name !== 'ah') add(`ipv6.${e.name}`);
          else if (layers[i + 1]?.name !== 'ah') add('ah');
        }
        break;
      case 'tcp':
        add('tcp');
        // A Multipath TCP option: tshark's MPTCP dissector takes part (in order of the options).
        if (hasMptcpOption(l.header as TcpHeader)) add('mptcp');
        break;
      case 'usb-mmapped':
      case 'usbpcap':
        add('usb');
        break;
      default:
        add(l.name);
    }
  }
  if (packet.partial !== undefined && !notIpv6(packet)) add(tsharkName(packet.partial.name));
  if (app !== undefined) for (const name of app.protocols) add(name);
  if (data) add('data');
  return text;
}
