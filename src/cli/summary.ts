// One line per packet in the layout of `tshark -r FILE` (tshark.c print_columns): number, time
// relative to the first packet, source, destination, protocol, length and info, with tshark's
// column widths and its arrow between source and destination.
import {
  classifyArp,
  decodeArp,
  erfTypeText,
  usbAddresses,
  type UsbHeader,
  LINKTYPE_ERF_RECORD,
  type ErfRecordHeader,
  formatIpv4,
  formatIpv6,
  formatMac,
  type ArpHeader,
  type CaptureRecord,
  type EthernetHeader,
  type IcmpHeader,
  type Icmpv6Header,
  type Ipv4Header,
  type Ipv6Header,
  type Layer,
  type LlcHeader,
  stpInfo,
  type StpHeader,
  lldpInfo,
  type LldpHeader,
  cdpInfo,
  type CdpHeader,
  type Packet,
  type WlanHeader,
  type PflogHeader,
  pflogInfo,
  type TcpHeader,
  type UdpHeader,
  type VlanHeader,
  type WireError,
  type SllCommon,
  dnsInfo,
  dnsInfoHead,
  type DnsHeader,
  igmpColumns,
  type IgmpHeader,
  ipsecInfo,
  type EspHeader,
  type AhHeader,
  dhcpColumns,
  dhcpv6Info,
  type Dhcpv6Message,
  nbnsInfo,
  type NbnsMessage,
  type DhcpHeader,
  ntpInfo,
  type NtpHeader,
  echoInfo,
  type EchoHeader,
  type GreHeader,
  type PppoeDiscoveryHeader,
  pppControlInfo,
  slarpInfo,
  ssdpInfo,
  syslogInfo,
  loopInfo,
  type LoopHeader,
  type SsdpHeader,
  type SyslogHeader,
  type PppControlHeader,
  type SlarpHeader,
  type TokenRingHeader,
  type TokenRingMacHeader,
  tokenRingFrameName,
  tokenRingMacInfo,
  type FddiHeader,
  fddiFrameName,
  fddiAddress,
  tokenRingFixedHeader,
  prismCutInfo,
  avsCutInfo,
  type FrameRelayHeader,
  frameRelayCutInfo,
  type CanHeader,
  canInfo,
  canCutInfo,
  type Ap1394Header,
} from 'wirekit';
import { EchoTracker, icmpInfo, icmpv6Info, icmpv6TypeText } from './summary-icmp.js';
import { analysisPrefix, TcpAnalysis, tcpFlagNames, TcpTracker, type TcpState } from './summary-tcp.js';
import { macColumn } from './summary-mac.js';
import { llcInfo, wlanAddresses, wlanColumns } from './summary-wlan.js';
import { UsbSummary } from './summary-usb.js';
import { REASSEMBLED_SEGMENT, type AppColumns } from './app-layer.js';
import { hasMptcpOption } from './frame-protocols.js';

/** A DNS message cut inside its header: the protocol column, and the id and flags when captured. */
function partialDnsColumns(packet: Packet): [string, string] {
  const cut = packet.partial!;
  const b = packet.bytes;
  // Over TCP the message starts after its 2-byte length.
  const tcp = packet.layers[packet.layers.length - 1]?.name === 'tcp';
  const at = cut.offset + (tcp ? 2 : 0);
  const have = cut.captured - (tcp ? 2 : 0);
  return [cut.name.toUpperCase(), have >= 4 ? dnsInfoHead((b[at]! << 8) | b[at + 1]!, (b[at + 2]! << 8) | b[at + 3]!) : ''];
}

const PROTOCOL_NAMES: Record<string, string> = {
  lcp: 'PPP LCP',
  ipcp: 'PPP IPCP',
  ipv6cp: 'PPP IPV6CP',
  ccp: 'PPP CCP',
  pap: 'PPP PAP',
  chap: 'PPP CHAP',
  slarp: 'SLARP',
  syslog: 'Syslog',
  loop: 'LOOP',
  ssdp: 'SSDP',
  ip: 'IPv4',
  ipv6: 'IPv6',
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  arp: 'ARP',
};

/** Link types whose frames tshark shows with N/A for addresses, and the protocol it names when nothing decodes. */
const POINT_TO_POINT: Record<number, string> = { 9: 'PPP', 50: 'PPP', 104: 'CHDLC', 106: 'CLIP' };

/** Link types tshark reads with its raw dissector (LINKTYPE_RAW, and DLT_RAW's 12 and 14). */
const RAW_LINKS = new Set([101, 12, 14]);

/**
 * What tshark's raw dissector makes of a record that is no IP packet: it reads 8 bytes before it
 * looks at the version nibble, so anything shorter is malformed whatever it starts with; from 8
 * bytes on, a version other than 4 and 6 is raw data. Undefined for records it hands to IP.
 */
export function rawNotIp(packet: Packet, linkType: number): 'short' | 'data' | undefined {
  if (!RAW_LINKS.has(linkType)) return undefined;
  if (packet.bytes.length < 8) return 'short';
  const version = packet.bytes[0]! >>> 4;
  return packet.layers.length === 0 && version !== 4 && version !== 6 ? 'data' : undefined;
}

/** The protocol column of a frame whose link header did not decode (tshark names the protocol it gave up in). */
const CUT_LINK_NAMES: Record<string, string> = { eth: 'Ethernet', nflog: 'NFLOG', pflog: 'PFLOG', radiotap: '802.11', wlan: '802.11', ppi: 'PPI', tr: 'TR', fddi: 'FDDI', prism: 'Prism', wlancap: 'WLAN', fr: 'FR', ipnet: 'IPNET', ipfc: 'IP/FC', llc: 'LLC', ap1394: 'IP/IEEE1394', pppoes: 'PPPoES' };

/**
 * The columns tshark shows for a Token Ring or FDDI header it could not finish (source,
 * destination, info): Token Ring shows the frame type from 14 bytes and the addresses from 15 (it
 * reads the byte after the header before it sets them); FDDI the frame control's name from 1 byte
 * and each address as soon as it is there.
 */
function cutLinkColumns(name: string, bytes: Uint8Array, captured: number): [string, string, string] | undefined {
  if (name === 'tr') {
    if (captured < 14) return ['', '', ''];
    const info = tokenRingFrameName(bytes[1]!);
    if (captured < 15) return ['', '', info];
    const h = tokenRingFixedHeader(bytes, 0);
    return [macColumn(h.src), macColumn(h.dst), info];
  }
  if (name === 'fddi') {
    if (captured < 1) return ['', '', ''];
    return [captured >= 13 ? macColumn(fddiAddress(bytes, 7)) : '', captured >= 7 ? macColumn(fddiAddress(bytes, 1)) : '', fddiFrameName(bytes[0]!)];
  }
  if (name === 'prism') return ['', '', prismCutInfo(bytes, 0, captured)];
  if (name === 'wlancap') return ['', '', avsCutInfo(bytes, 0, captured)];
  if (name === 'fr') return ['', '', frameRelayCutInfo(bytes, 0, captured)];
  if (name === 'ipnet') return ['', '', 'Solaris IPNET'];
  if (name === 'pppoes') return ['', '', captured >= 2 ? 'Session Data' : ''];
  // LLC from the link's first byte (ATM RFC 1483): a U-format control read shows.
  if (name === 'llc') return ['', '', captured >= 3 && (bytes[2]! & 3) === 3 ? llcInfo({ dsap: bytes[0]!, ssap: bytes[1]!, control: bytes[2]! }).replace(/; .*/, '') : ''];
  return undefined;
}

/** GRE protocol types by tshark's name for them (gre_typevals), for a payload it does not read on. */
const GRE_TYPE_NAMES: Record<number, string> = { 0x0800: 'IP', 0x86dd: 'IPv6', 0x880b: 'PPP', 0x6558: 'Transparent Ethernet bridging' };

/** PPPoE discovery codes as tshark's info column names them (RFC 2516 section 5). */
const PPPOED_CODES: Record<number, string> = {
  0x09: 'Active Discovery Initiation (PADI)',
  0x07: 'Active Discovery Offer (PADO)',
  0x19: 'Active Discovery Request (PADR)',
  0x65: 'Active Discovery Session-confirmation (PADS)',
  0xa7: 'Active Discovery Terminate (PADT)',
};

/** tshark's info column for a PPPoE discovery packet: its code's name, and the AC-Name TAG's text. */
function pppoeDiscoveryInfo(h: PppoeDiscoveryHeader): string {
  let info = PPPOED_CODES[h.code] ?? 'Unknown';
  for (const t of h.tags) {
    if (t.type !== 0x0102) continue;
    const text = t.value === '' ? '' : String.fromCharCode(...t.value.split(':').map((b) => parseInt(b, 16)));
    info += ` AC-Name='${text}'`;
  }
  return info;
}

/** IP protocol numbers tshark names in "Fragmented IP protocol (proto=UDP 17, ...)". */
const IP_PROTOCOL_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP' };

/**
 * Time relative to the first packet with `digits` decimals, as tshark's "auto" precision shows the
 * file's own resolution (6 for microsecond pcap and default pcapng, 9 for nanosecond files).
 */
export function formatRelative(ns: bigint, digits: number): string {
  const abs = ns < 0n ? -ns : ns;
  const seconds = abs / 1_000_000_000n;
  const fraction = digits > 0 ? (abs % 1_000_000_000n).toString().padStart(9, '0').slice(0, Math.min(digits, 9)) : '';
  // A time before the first packet by less than the shown precision prints as zero, unsigned (as tshark).
  const negative = ns < 0n && (seconds > 0n || /[1-9]/.test(fraction));
  return `${negative ? '-' : ''}${seconds}${digits > 0 ? `.${fraction}` : ''}`;
}

/** A MAC as tshark shows it unresolved, except the broadcast address it always names. */

/**
 * An ARP address as tshark's info column shows it: an IPv4 address dotted, a MAC as it is, other
 * sizes as bare hex, none as `<No address>`.
 */
function arpAddress(text: string, size: number): string {
  if (size === 0) return '<No address>';
  if ((size === 4 && text.includes('.')) || size === 6) return text;
  return text.replaceAll(':', '');
}

/** tshark's protocol column for an ARP opcode (RFC 903 RARP, RFC 1931 DRARP, RFC 2390 InARP). */
const ARP_PROTOCOLS: Record<number, string> = { 3: 'RARP', 4: 'RARP', 5: 'DRARP', 6: 'DRARP', 7: 'DRARP', 8: 'Inverse ARP', 9: 'Inverse ARP' };

/** tshark's protocol and info columns for an ARP packet (packet-arp.c, by opcode). */
function arpColumns(h: ArpHeader): [string, string] {
  const kind = classifyArp(h);
  const sha = arpAddress(h.srcHw, h.hwSize);
  const tha = arpAddress(h.dstHw, h.hwSize);
  const spa = arpAddress(h.srcProto, h.protoSize);
  const tpa = arpAddress(h.dstProto, h.protoSize);
  // Gratuitous by its addresses on any hardware (the announcement and probe tests are Ethernet's).
  const gratuitous = kind.gratuitous || (h.protoSize > 0 && h.srcProto === h.dstProto);
  const protocol = ARP_PROTOCOLS[h.opcode] ?? 'ARP';
  switch (h.opcode) {
    case 1:
      if (kind.announcement) return [protocol, `ARP Announcement for ${tpa}`];
      if (gratuitous) return [protocol, `Gratuitous ARP for ${tpa} (Request)`];
      if (kind.probe) return [protocol, `Who has ${tpa}? (ARP Probe)`];
      return [protocol, `Who has ${tpa}? Tell ${spa}`];
    case 2:
      return [protocol, gratuitous ? `Gratuitous ARP for ${spa} (Reply)` : `${spa} is at ${sha}`];
    case 3:
    case 5:
    case 8:
      return [protocol, `Who is ${tha}? Tell ${sha}`];
    case 4:
    case 6:
      return [protocol, `${tha} is at ${tpa}`];
    case 7:
      return [protocol, 'DRARP Error'];
    case 9:
      return [protocol, `${sha} is at ${spa}`];
    case 10:
      return [protocol, 'ARP NAK'];
    default:
      return [protocol, `Unknown ARP opcode 0x${h.opcode.toString(16).padStart(4, '0')}`];
  }
}

/**
 * A record's frame length as tshark shows it (frame.len): its length on the wire, but for a whole
 * ERF record (LINKTYPE_ERF, what the ERF reader hands on for records no other link type stands
 * for), whose wlen tshark shows, not counting the record's headers.
 */
export function shownLength(record: CaptureRecord): number {
  if (record.linkType !== LINKTYPE_ERF_RECORD || record.data.length < 16) return record.originalLength;
  return (record.data[14]! << 8) | record.data[15]!;
}

/**
 * Private Enterprise Numbers (IANA's registry) as tshark 4.0 names them in a Custom Block's line,
 * for a few vendors (each probed with tshark; make-custom-blocks.sh writes them all); others are
 * "Unknown".
 */
const ENTERPRISES: Record<number, string> = {
  0: 'Reserved',
  2: 'IBM (https://w3.ibm.com/standards )',
  9: 'ciscoSystems',
  11: 'Hewlett-Packard',
  311: 'Microsoft',
  2636: 'Juniper Networks, Inc.',
  32473: 'Example Enterprise Number for Documentation Use',
};

/**
 * A pcapng Custom Block's line as tshark 4.0 writes it: no time, no addresses, PCAPNG, the length
 * of what follows the PEN, and the PEN (the number printed as a signed 32-bit one).
 */
export function customBlockLine(number: number, record: CaptureRecord): string {
  const { pen, copy } = record.custom!;
  const info = `Custom Block: PEN = ${ENTERPRISES[pen] ?? 'Unknown'} (${pen | 0}), will ${copy ? '' : 'not '}be copied`;
  return `${String(number).padStart(5)} ${''.padStart(10)} ${''.padStart(12)} \u2192 ${''.padEnd(12)} PCAPNG ${record.originalLength} ${info}`;
}


/** Linux cooked capture's packet types as tshark names them (packet-sll.c). */
const SLL_PACKET_TYPES = ['Unicast to us', 'Broadcast', 'Multicast', 'Unicast to another host', 'Sent by us'];

/**
 * [source, protocol, info] of a Linux cooked header the capture cut: tshark reads the packet type
 * as 16 bits (in version 2 that takes the address length byte along, so it reads "Unknown (6)"
 * for a 6-byte address) and the sender's address once it is there.
 */
function cutSllColumns(b: Uint8Array, v2: boolean): [string, string, string] {
  const typeAt = v2 ? 10 : 0;
  const addrAt = v2 ? 12 : 6;
  const halen = v2 ? b[11] : (b[4]! << 8) | b[5]!;
  if (b.length < typeAt + 2 + (v2 ? 0 : 2)) return ['', '', ''];
  const type = (b[typeAt]! << 8) | b[typeAt + 1]!;
  const src = halen === 6 && b.length >= addrAt + 6 ? macColumn(formatMac(b, addrAt)) : '';
  return [src, 'SLL', SLL_PACKET_TYPES[type] ?? `Unknown (${type})`];
}

/**
 * The columns of an ARP message the capture cut, as tshark 4.0 writes them when it builds no tree:
 * the protocol by opcode once the 8 fixed bytes are there, and the info text once the addresses
 * it names are (every one, for an Ethernet/IPv4 request or reply, which it reads all of first).
 */
function cutArpColumns(b: Uint8Array, at: number, captured: number): [string, string] {
  if (captured < 8) return ['ARP', ''];
  const hwType = (b[at]! << 8) | b[at + 1]!;
  const protoType = (b[at + 2]! << 8) | b[at + 3]!;
  const hln = b[at + 4]!;
  const pln = b[at + 5]!;
  const opcode = (b[at + 6]! << 8) | b[at + 7]!;
  const protocol = ARP_PROTOCOLS[opcode] ?? 'ARP';
  // Where each address ends; an empty one ("<No address>") is never read.
  const end = { sha: 8 + hln, spa: 8 + hln + pln, tha: 8 + 2 * hln + pln, tpa: 8 + 2 * hln + 2 * pln };
  const size = { sha: hln, spa: pln, tha: hln, tpa: pln };
  const named: Record<number, (keyof typeof end)[]> = { 1: ['spa', 'tpa'], 2: ['sha', 'spa'], 3: ['sha', 'tha'], 4: ['tha', 'tpa'], 5: ['sha', 'tha'], 6: ['tha', 'tpa'], 8: ['sha', 'tha'], 9: ['sha', 'spa'] };
  const etherIpv4 = hwType === 1 && hln === 6 && protoType === 0x0800 && pln === 4;
  const need = etherIpv4 && (opcode === 1 || opcode === 2) ? end.tpa : Math.max(8, ...(named[opcode] ?? []).filter((f) => size[f] > 0).map((f) => end[f]));
  if (captured < need) return [protocol, ''];
  // What the info text names is there; the rest, never read for it, as 0xff (tshark's checks for
  // an all-zero address find no match in bytes that are not there).
  const whole = new Uint8Array(end.tpa).fill(0xff);
  whole.set(b.subarray(at, at + Math.min(captured, end.tpa)));
  const h = decodeArp(whole, 0);
  return arpColumns(h);
}

function ipv4FragmentInfo(h: Ipv4Header): string {
  const name = IP_PROTOCOL_NAMES[h.protocol];
  const proto = name === undefined ? `${h.protocol}` : `${name} ${h.protocol}`;
  return `Fragmented IP protocol (proto=${proto}, off=${h.fragmentOffset * 8}, ID=${h.id.toString(16).padStart(4, '0')})`;
}

function ipv6Info(h: Ipv6Header): string {
  if (h.fragment !== undefined) {
    const f = h.fragment;
    return `IPv6 fragment (off=${f.offset * 8} more=${f.more ? 'y' : 'n'} ident=0x${f.id.toString(16).padStart(8, '0')} nxt=${h.protocol})`;
  }
  if (h.protocol === 59) return 'IPv6 no next header';
  return `Unknown (${h.protocol})`;
}

/**
 * Whether decoding ran out of captured bytes, which is where tshark's dissector throws and appends
 * "[Packet size limited during capture]" (with no space; `_ws.short` in its protocol tree). An IP
 * payload cut by the snaplen is not: the layers above decode from what is there, and tshark,
 * dissecting no payload, says nothing. Only for a packet whose capture was cut short.
 */
export function cutInsideHeader(packet: Packet): boolean {
  return packet.errors.some((e) => !ipPayloadShort(packet, e));
}

/**
 * Whether the capture cut an Ethernet frame inside what follows its payload (the padding of a
 * short frame, a trailer): tshark's trailer code reads those bytes and runs out. Cut exactly at
 * the payload's end, there is nothing to read.
 */
function cutEthernetTrailer(packet: Packet): boolean {
  const first = packet.layers[0];
  return first !== undefined && (first.name === 'eth' || first.name === 'vlan') && packet.errors.length === 0 && packet.trailer.length > 0;
}

/** Whether `e` says only that an IP layer's payload is shorter than its length field claims (its header is whole). */
function ipPayloadShort(packet: Packet, e: WireError): boolean {
  return (
    e.code === 'truncated' &&
    (e.layer === 'ip' || e.layer === 'ipv6') &&
    packet.layers.some((l) => l.name === e.layer && l.offset === e.offset && l.length < (e.required ?? 0) && !(l.name === 'ip' && packet.bytes.length - l.offset < (l.header as Ipv4Header).headerLength))
  );
}

/**
 * Whether tshark marks a frame the capture did not cut (its wire length is what was captured)
 * malformed: an error of a layer above IP does, as does a UDP datagram none of whose payload is
 * there. An IP length beyond the frame does not (tshark notes it and dissects what is there), nor
 * a TCP or UDP header of which not one byte follows an IPv4 header.
 */
/**
 * An IP header tshark stops at before anything else (its text; 'IPv6' for an IPv6 ethertype
 * whose version is not 6, which tshark's ethertype dissector leaves at that): an IPv4 version other
 * than 4 (6 goes to tshark's IPv6), a header length below 20. Undefined for anything else.
 */
export function bogusIpHeader(packet: Packet, link: Layer): string | undefined {
  const e = packet.errors[0];
  if (e === undefined || e.offset !== link.payloadOffset || link.payloadOffset >= packet.bytes.length) return undefined;
  const b = packet.bytes[e.offset]!;
  if (e.layer === 'ipv6' && e.code === 'bad-version') return 'IPv6';
  if (e.layer !== 'ip') return undefined;
  if (e.code === 'bad-version' && b >>> 4 !== 6) return `Bogus IPv4 version (${b >>> 4}, must be 4)`;
  if (b >>> 4 === 4 && (b & 15) < 5) return `Bogus IP header length (${(b & 15) * 4}, must be at least 20)`;
  return undefined;
}

/** A UDP length tshark only notes: below the header, or past what IP gives the datagram. */
function udpLengthNoted(packet: Packet, e: WireError): boolean {
  if (e.layer !== 'udp' || e.code !== 'bad-length') return false;
  const udp = packet.layers.find((l) => l.name === 'udp' && l.offset === e.offset);
  if (udp === undefined) return false;
  const length = (udp.header as UdpHeader).length;
  return length < 8 ? length !== 0 || packet.layers.some((l) => l.name === 'ip') : e.required !== undefined && e.available !== undefined && e.required > e.available;
}

/** Whether a TCP header's data offset runs past the segment (the header decoded, its options not). */
function tcpHeaderPastSegment(packet: Packet, h: TcpHeader, layer: Layer): boolean {
  return h.dataOffset > 5 && packet.errors.some((e) => e.layer === 'tcp' && e.code === 'bad-length' && e.offset === layer.offset && e.required === h.dataOffset * 4);
}

/**
 * Problems tshark only notes: a TCP option whose length is too short or runs past the header (it
 * stops reading options), a data offset below the fixed header (it stops after the header), a
 * Neighbor Discovery option of length 0 (it stops reading options).
 */
function notedOnly(packet: Packet, e: WireError): boolean {
  // A Neighbor Discovery option of length 0: tshark notes it and stops reading options.
  if (e.layer === 'icmpv6' && e.code === 'bad-length' && e.offset !== undefined && packet.bytes[e.offset + 1] === 0 && /has length 0/.test(e.message)) return true;
  // IPv4 options that do not parse: an expert note in tshark, which reads on into the payload.
  if (e.layer === 'ip' && e.code === 'bad-value' && e.message.includes('bad options')) return true;
  if (e.layer !== 'tcp') return false;
  const tcp = packet.layers.find((l) => l.name === 'tcp' && l.offset <= e.offset! && e.offset! < l.offset + Math.max(l.length, 20));
  if (tcp === undefined) return false;
  return e.offset! >= tcp.offset + 20 || (e.code === 'bad-length' && e.offset === tcp.offset && (tcp.header as TcpHeader).dataOffset < 5);
}

/** Linux ATM CLIP carrying neither IPv4 nor IPv6: tshark's IP dissector names the version and stops (not malformed). */
export function clipBogusVersion(packet: Packet): number | undefined {
  const e = packet.errors[0];
  const version = packet.bytes.length > 0 ? packet.bytes[0]! >>> 4 : 4;
  return packet.layers[0]?.name === 'clip' && e?.layer === 'ip' && version !== 4 && version !== 6 ? version : undefined;
}

function malformed(packet: Packet): boolean {
  if (clipBogusVersion(packet) !== undefined) return false;
  return (
    udpPayloadMissing(packet) ||
    packet.errors.some(
      (e) =>
        !notedOnly(packet, e) &&
        !udpLengthNoted(packet, e) &&
        !(e.layer !== 'udp' && e.layer !== 'tcp' && packet.layers.length > 0 && bogusIpHeader(packet, packet.layers[packet.layers.length - 1]!) !== undefined) &&
        // (under IPv4: IPv6 hands the empty payload on, and the dissector throws)
        !(e.code === 'truncated' && (e.layer === 'tcp' || e.layer === 'udp') && e.available === 0 && packet.layers.some((l) => l.name === 'ip' && l.payloadOffset === e.offset)) &&
        !ipPayloadShort(packet, e),
    )
  );
}

/** A UDP header whose length promises payload none of which is there: tshark's payload dissector throws (not in an ICMP error's quote). */
function udpPayloadMissing(packet: Packet): boolean {
  const layers = packet.layers;
  const top = layers[layers.length - 1];
  if (top?.name !== 'udp' || (top.header as UdpHeader).length <= 8 || top.payloadLength > 0) return false;
  // What an ICMP error quotes is a header, not a datagram: nothing is dissected after it.
  return !layers.some((l) => l.name === 'icmp' || l.name === 'icmpv6');
}

/**
 * The IP payload length tshark's UDP compares its length with: what IP claims, and where the
 * capture did not cut the frame, no more than what is there. Undefined without a length to go by
 * (a zero IPv4 total length, as segmentation offload leaves it; a fragment's).
 */
function ipPayloadLength(ip: Layer | undefined, at: number, snap: boolean, wire = Infinity): number | undefined {
  if (ip === undefined) return undefined;
  let claimed: number;
  if (ip.name === 'ip') {
    const h = ip.header as Ipv4Header;
    const total = h.totalLength;
    // A fragment's payload is the reassembled datagram's (the decode command puts it together).
    if (total === 0 || h.moreFragments || h.fragmentOffset > 0) return undefined;
    claimed = ip.offset + total - at;
  } else if (ip.name === 'ipv6') {
    const h = ip.header as Ipv6Header;
    const length = h.payloadLength;
    if (length === 0 || h.fragment !== undefined) return undefined;
    claimed = ip.offset + 40 + length - at;
  } else return undefined;
  // Cut by the snaplen: what IP claims, within the frame's length on the wire (`wire`, from the
  // frame's start; a capture's wire length may leave out an FCS the IP length still counts).
  return snap ? Math.min(claimed, wire - at) : Math.min(claimed, ip.payloadOffset + ip.payloadLength - at);
}

/** Summary lines for one capture, in order: it keeps the state tshark's single pass keeps. */
export class SummaryFormatter {
  /** TCP conversation state, shared with `decode --json`'s fast path (the same state advances). */
  readonly tcp = new TcpTracker();
  readonly #echoes = new EchoTracker();
  /** USB requests awaiting completion and devices' interface classes. */
  readonly #usb = new UsbSummary();
  /** Whether the last line's USB event went to tshark's HID dissector (frame.protocols `usb:usbhid`). */
  usbHid = false;
  /** What tshark's mass-storage dissector added to frame.protocols for it, if it took part. */
  usbMs: string | undefined;
  #first: bigint | undefined;
  /** The conversation fields of the last line's TCP segment, if it had one. */
  lastTcp: TcpState | undefined;
  /** The application columns of the packet being summarised (HTTP, TLS, WebSocket over its TCP). */
  #app: AppColumns | undefined;
  /** The capture time of the packet being summarised (for the TCP analysis). */
  #time = 0n;
  /** Whether the packet being summarised was cut by the capture (captured less than its wire length). */
  #snap = false;
  /** Its length on the wire. */
  #wire = 0;
  /** The header cut short in the packet was shown whole, before anything tshark reads past the capture. */
  #cutUnread = false;

  /**
   * The line for packet `number` (1-based). Call for every packet read, shown or not, so the
   * relative time and the TCP and ICMP state advance as in tshark. A TCP retransmission empties
   * `app` (tshark gives it no application layer).
   */
  line(number: number, record: CaptureRecord, packet: Packet, digits: number, app?: AppColumns): string {
    if (this.#first === undefined && !record.untimed) this.#first = record.timestamp;
    this.lastTcp = undefined;
    this.#app = app;
    this.#time = record.timestamp;
    this.#snap = record.capturedLength < record.originalLength;
    this.#wire = shownLength(record);
    this.#cutUnread = false;
    this.usbHid = false;
    this.usbMs = undefined;
    const [source, destination, protocol, columnInfo] = this.#columns(number, packet, record.linkType);
    let info = columnInfo;
    // pf's log header: tshark's pflog dissector puts the action, interface and rule in front.
    const first = packet.layers[0];
    if (first?.name === 'pflog') info = pflogInfo(first.header as PflogHeader) + info;
    if (this.#snap) {
      if ((cutInsideHeader(packet) && !this.#cutUnread) || udpPayloadMissing(packet) || app?.cut === true || cutEthernetTrailer(packet)) info += '[Packet size limited during capture]';
    } else if (rawNotIp(packet, record.linkType) === 'short') {
      info += '[Malformed Packet]';
    } else if (malformed(packet)) {
      // An LLDP TLV longer than the frame: tshark's subset buffer for it throws its own message.
      info += packet.errors[0]?.layer === 'lldp' && packet.errors[0].code === 'truncated' ? '[Malformed Packet: length of contained item exceeds length of containing item]' : '[Malformed Packet]';
    }
    let line = String(number).padStart(5);
    line += ' ';
    // A record without a time (a pcapng simple packet block): an empty column, as tshark's.
    line += (record.untimed ? '' : formatRelative(record.timestamp - (this.#first ?? record.timestamp), digits)).padStart(10);
    line += ' ';
    line += source.padStart(12);
    line += ' \u2192 ';
    line += destination.padEnd(12);
    return `${line} ${protocol} ${shownLength(record)} ${info}`;
  }

  #quoted(layers: readonly Layer[], i: number): void {
    const ip = layers[i + 1];
    const tcp = layers[i + 2];
    if (ip === undefined || tcp === undefined || (ip.name !== 'ip' && ip.name !== 'ipv6') || tcp.name !== 'tcp') return;
    const h = ip.header as Ipv4Header | Ipv6Header;
    const t = tcp.header as TcpHeader;
    this.tcp.quoted(h.src, t.srcport, h.dst, t.dstport);
  }

  /** TCP's info column, advancing the conversation state (`lastTcp`). */
  #tcpInfo(packet: Packet, layer: Layer, src: string, dst: string, number: number): string {
    const h = layer.header as TcpHeader;
    // A header cut short: tshark shows the ports, and from 16 bytes on the flags, numbers and
    // window (no length), then gives up at the checksum.
    if (h.captured !== undefined && h.captured < 20) {
      if (h.captured < 16) return `${h.srcport} \u2192 ${h.dstport}`;
      // Cut by the snaplen, the segment is as long as IP says and counts in the analysis of those
      // after it (tshark stops before it writes this one's flags: no prefix); in a frame the
      // capture did not cut, its length comes out negative and tshark analyses nothing.
      const segment = this.#snap && h.segmentLength !== undefined ? Math.max(0, h.segmentLength - 20) : 0;
      const info = this.tcp.info(src, dst, h, segment, number, this.#time, this.#snap);
      this.lastTcp = undefined;
      return info.slice(0, info.indexOf(' Len='));
    }
    if (h.dataOffset < 5 && (h.captured === undefined || h.captured >= 20)) {
      // A data offset below the fixed header: tshark writes the header's numbers (relative, the
      // segment left out of its analysis) and says what is wrong; no length, no malformed packet.
      const info = this.tcp.info(src, dst, h, 0, number, this.#time, false, false);
      this.lastTcp = undefined;
      // (tshark writes the urgent pointer after this check: not here.)
      const cut = info.indexOf(h.flags & 0x20 ? ' Urg=' : ' Len=');
      return `${info.slice(0, cut)}, bogus TCP header length (${h.dataOffset * 4}, must be at least 20)`;
    }
    if (!this.#snap && tcpHeaderPastSegment(packet, h, layer)) {
      // A data offset past the segment in a frame the capture did not cut: tshark gives up before
      // its conversation (the numbers as sent, no analysis, no length).
      this.lastTcp = undefined;
      return `${h.srcport} \u2192 ${h.dstport} [${tcpFlagNames(h.flags)}] Seq=${h.seq}${h.flags & 0x10 ? ` Ack=${h.ack}` : ''} Win=${h.window}`;
    }
    // A capture cut by its snaplen: tshark's Len is what IP says, not what was captured. Where
    // IP claims more than a frame the capture did not cut, what is there.
    const length = h.segmentLength !== undefined && this.#snap ? Math.max(0, h.segmentLength - h.dataOffset * 4) : layer.payloadLength;
    const info = this.tcp.info(src, dst, h, length, number, this.#time);
    this.lastTcp = this.tcp.state;
    return info;
  }

  #columns(number: number, packet: Packet, linkType: number): [string, string, string, string] {
    const layers = packet.layers;
    // Point-to-point links have no addresses: tshark's PPP and Cisco HDLC dissectors write N/A.
    if (rawNotIp(packet, linkType) !== undefined) return ['N/A', 'N/A', 'N/A', 'Raw packet data'];
    if (RAW_LINKS.has(linkType) && layers.length === 0 && packet.bytes[0]! >>> 4 === 4) {
      // An IPv4 header cut short on a raw link: tshark names IPv4 and the addresses it could read.
      const b = packet.bytes;
      const address = (at: number) => (b.length >= at + 4 ? `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}` : 'N/A');
      return [address(12), address(16), 'IPv4', ''];
    }
    const pointToPoint = POINT_TO_POINT[linkType];
    let src = pointToPoint === undefined ? '' : 'N/A';
    let dst = src;
    let network: Layer | undefined;
    let top: Layer | undefined;
    /** The destination the link layer gave, before IP's. */
    let linkDst = dst;
    for (const layer of layers) {
      top = layer;
      if (layer.name === 'eth' && network === undefined) {
        const h = layer.header as EthernetHeader;
        src = macColumn(h.src);
        dst = macColumn(h.dst);
      }
      if (layer.name === 'wlan' && network === undefined) [src, dst] = wlanAddresses(layer.header as WlanHeader);
      if (layer.name === 'ap1394' && network === undefined) [src, dst] = [(layer.header as Ap1394Header).src, (layer.header as Ap1394Header).dst];
      if ((layer.name === 'tr' || layer.name === 'fddi') && network === undefined) {
        const h = layer.header as TokenRingHeader | FddiHeader;
        src = macColumn(h.src);
        dst = macColumn(h.dst);
      }
      // Linux cooked capture: the sender's 6-byte address, and no destination (what is above IP overwrites both).
      if ((layer.name === 'sll' || layer.name === 'sll2') && network === undefined && (layer.header as SllCommon).halen === 6) {
        src = macColumn((layer.header as SllCommon).src);
      }
      if ((layer.name === 'ip' || layer.name === 'ipv6') && network === undefined) linkDst = dst;
      if (layer.name === 'ip' || layer.name === 'ipv6') {
        // Each IP header overwrites the columns, so a tunnel shows its inner addresses, and a
        // source route its final destination, as in tshark.
        network = layer;
        const h = layer.header as Ipv4Header | Ipv6Header;
        src = h.src;
        dst = h.finalDst ?? h.dst;
        // A fragment reads as one unless the datagram was reassembled in this frame (the decode
        // command's defragmentation then gives the IP layer upper layers, as tshark shows them).
        if (layer === layers[layers.length - 1]) {
          if (layer.name === 'ip') {
            const ip = h as Ipv4Header;
            if (ip.moreFragments || ip.fragmentOffset > 0) return [src, dst, 'IPv4', ipv4FragmentInfo(ip)];
          } else if ((h as Ipv6Header).fragment !== undefined) {
            return [src, dst, 'IPv6', ipv6Info(h as Ipv6Header)];
          }
        }
      }
      // What an ICMP error quotes never reaches the columns (tshark makes them read-only there);
      // a quoted TCP header still numbers its 5-tuple's stream.
      if (layer.name === 'icmp' || layer.name === 'icmpv6') {
        this.#quoted(layers, layers.indexOf(layer));
        break;
      }
    }
    let info = '';
    // A PPI header whose fields do not fit: tshark has written its version and length already.
    const cut = packet.partial;
    if (top === undefined && cut?.name === 'ppi' && cut.captured >= 8) {
      info = `PPI version ${packet.bytes[0]}, ${packet.bytes[2]! | (packet.bytes[3]! << 8)} bytes`;
    }
    // A link header cut short: tshark names its protocol all the same.
    let protocol = top === undefined ? (pointToPoint ?? CUT_LINK_NAMES[packet.errors[0]?.layer ?? ''] ?? '') : (PROTOCOL_NAMES[top.name] ?? top.name.toUpperCase());
    if (top === undefined && cut !== undefined && cut.offset === 0) {
      const columns = cutLinkColumns(cut.name, packet.bytes, cut.captured);
      if (columns !== undefined) [src, dst, info] = columns;
    }
    if (top === undefined && (packet.errors[0]?.layer === 'sll' || packet.errors[0]?.layer === 'sll2')) [src, protocol, info] = cutSllColumns(packet.bytes, packet.errors[0].layer === 'sll2');
    if (top === undefined && packet.errors[0]?.layer === 'eth') {
      // An Ethernet header cut short: each address shows once its 6 bytes are captured.
      const b = packet.bytes;
      if (b.length >= 6) dst = macColumn(formatMac(b, 0));
      if (b.length >= 12) src = macColumn(formatMac(b, 6));
    }
    if (top !== undefined) {
      switch (top.name) {
        case 'tcp': {
          info = this.#tcpInfo(packet, top, src, dst, number);
          if (hasMptcpOption(top.header as TcpHeader)) protocol = 'MPTCP';
          // tshark hands no retransmission to the protocol above TCP (tcp.no_subdissector_on_error):
          // its line stays TCP's, and the caller's columns lose its PDUs (fields, protocols) too.
          if (this.lastTcp !== undefined && this.lastTcp.analysis & TcpAnalysis.RETRANSMISSION) this.#app?.reset();
          if (this.#app !== undefined && this.#app.kind !== 'none') [protocol, info] = this.#app.apply(protocol, info);
          // A DNS message cut inside its header: tshark names DNS and shows what it read.
          if (packet.partial?.name === 'dns') [protocol, info] = partialDnsColumns(packet);
          // The analysis flags stay in front of whatever the protocols above write (a fence in tshark).
          if (this.lastTcp !== undefined) {
            const prefix = analysisPrefix(this.lastTcp);
            // TCP appends " [TCP segment of a reassembled PDU]" to a column the protocol above
            // emptied: tshark trims the space from a column that starts with it, not after the flags.
            // TLS and HTTP/2 append their text with a separator to the column the flags fenced.
            const separated = this.#app?.kind === 'pdu' && /^(TLS|SSL|HTTP2|GRPC)/.test(protocol);
            if (prefix !== '') info = prefix + (info === REASSEMBLED_SEGMENT ? ' ' : separated ? ', ' : '') + info;
          }
          break;
        }
        case 'udp': {
          const h = top.header as UdpHeader;
          const ipPayload = ipPayloadLength(network, top.offset, this.#snap, this.#wire);
          const bad = ipPayload !== undefined && h.length > ipPayload ? ` [BAD UDP LENGTH ${h.length} > IP PAYLOAD LENGTH]` : '';
          info = h.length < 8 && (h.length !== 0 || network?.name === 'ip') ? `${h.srcport} \u2192 ${h.dstport} [BAD UDP LENGTH ${h.length} < 8]` : `${h.srcport} \u2192 ${h.dstport}${bad} Len=${Math.max(0, h.length - 8)}`;
          // Over IPv6 the checksum is mandatory (RFC 8200 8.1): tshark flags a zero one.
          if (h.checksum === 0 && network?.name === 'ipv6' && !(top.header as { quoted?: true }).quoted) info += ' [ILLEGAL CHECKSUM (0)]';
          const cut = packet.partial?.name;
          if (cut === 'dns' || cut === 'mdns' || cut === 'llmnr') [protocol, info] = partialDnsColumns(packet);
          break;
        }
        case 'dns':
        case 'mdns':
        case 'llmnr':
        case 'echo': {
          // The TCP under a DNS or Echo message still advances its conversation state.
          const below = layers[layers.length - 2];
          info = top.name === 'echo' ? echoInfo(top.header as EchoHeader) : dnsInfo(top.header as DnsHeader);
          if (below?.name === 'tcp') {
            this.#tcpInfo(packet, below, src, dst, number);
            info = analysisPrefix(this.lastTcp!) + info;
          }
          break;
        }
        case 'icmp':
          {
            const ip = network?.header as Ipv4Header | undefined;
            // tshark adds the TTL only when IP hands ICMP its header directly (not through AH).
            const ttl = layers[layers.indexOf(top) - 1]?.name === 'ip' ? ip?.ttl : undefined;
            // tshark reads byte 5 (the quoted datagram's length) before it writes the column: a
            // message cut before it shows nothing.
            info = packet.bytes.length - top.offset < 6 ? '' : icmpInfo(top.header as IcmpHeader, ttl, src, dst, number, this.#echoes);
          }
          break;
        case 'icmpv6':
          info = icmpv6Info(top.header as Icmpv6Header, (network?.header as Ipv6Header | undefined)?.hopLimit, src, dst, number, this.#echoes);
          break;
        case 'arp':
          [protocol, info] = arpColumns(top.header as ArpHeader);
          break;
        case 'igmp':
          [protocol, info] = igmpColumns(top.header as IgmpHeader);
          break;
        case 'esp':
        case 'ah':
          info = ipsecInfo(top.name, top.header as EspHeader | AhHeader);
          break;
        case 'dhcp':
          [protocol, info] = dhcpColumns(top.header as DhcpHeader);
          break;
        case 'dhcpv6':
          protocol = 'DHCPv6';
          info = dhcpv6Info(top.header as Dhcpv6Message);
          break;
        case 'nbns':
          protocol = 'NBNS';
          info = nbnsInfo(top.header as NbnsMessage);
          break;
        case 'ntp':
          protocol = 'NTP';
          info = ntpInfo(top.header as NtpHeader);
          break;
        case 'ip':
        case 'ipv6': {
          const cutIcmp = packet.partial;
          if ((cutIcmp?.name === 'icmp' || cutIcmp?.name === 'icmpv6') && cutIcmp.offset === top.payloadOffset) {
            // An ICMP header of under 4 bytes: ICMPv6 names the type from its first byte and the
            // code from its second; ICMP shows nothing before byte 5.
            const b = packet.bytes;
            const at = cutIcmp.offset;
            protocol = cutIcmp.name === 'icmp' ? 'ICMP' : 'ICMPv6';
            info = cutIcmp.name === 'icmpv6' && cutIcmp.captured >= 1 ? icmpv6TypeText(b[at]!, cutIcmp.captured >= 2 ? b[at + 1] : undefined) : '';
            break;
          }
          const cutTransport = packet.errors.find((e) => e.code === 'truncated' && (e.layer === 'tcp' || e.layer === 'udp'));
          if (cutTransport !== undefined && cutTransport.offset === top.payloadOffset) {
            // A UDP header of 4 to 7 bytes shows its ports (and length); fewer bytes of a TCP or
            // UDP header show nothing, under IP's name.
            const bytes = packet.bytes;
            const at = top.payloadOffset;
            const captured = cutTransport.available ?? 0;
            if (cutTransport.layer === 'udp' && captured >= 4) {
              protocol = 'UDP';
              info = `${(bytes[at]! << 8) | bytes[at + 1]!} \u2192 ${(bytes[at + 2]! << 8) | bytes[at + 3]!}`;
              if (captured >= 6) {
                const length = (bytes[at + 4]! << 8) | bytes[at + 5]!;
                const ipPayload = ipPayloadLength(top, at, this.#snap, this.#wire);
                if (ipPayload !== undefined && length > ipPayload) info += ` [BAD UDP LENGTH ${length} > IP PAYLOAD LENGTH]`;
                info += ` Len=${Math.max(0, length - 8)}`;
              }
            } else info = '';
          } else info = top.name === 'ip' ? `Unknown (${(top.header as Ipv4Header).protocol})` : ipv6Info(top.header as Ipv6Header);
          break;
        }
        case 'wlan':
          protocol = '802.11';
          [src, dst, info] = wlanColumns(top.header as WlanHeader, packet.bytes.subarray(top.payloadOffset, top.payloadOffset + top.payloadLength));
          break;
        case 'radiotap':
          protocol = '802.11';
          break;
        case 'prism':
          // An AVS header inside, cut short, names WLAN; else the 802.11 frame was (malformed).
          if (packet.partial?.name === 'wlancap') [protocol, info] = ['WLAN', avsCutInfo(packet.bytes, packet.partial.offset, packet.partial.captured)];
          else protocol = '802.11';
          break;
        case 'wlancap':
          protocol = '802.11';
          break;
        case 'tr':
        case 'fddi':
          // LLC cut short: tshark names it; otherwise the frame type, its payload left as data.
          if (packet.partial?.name === 'llc') [protocol, info] = ['LLC', ''];
          else if (packet.partial?.name === 'trmac') [protocol, info] = ['TR MAC', ''];
          else if (top.name === 'tr') [protocol, info] = ['TR', tokenRingFrameName((top.header as TokenRingHeader).fc)];
          else [protocol, info] = ['FDDI', fddiFrameName((top.header as FddiHeader).fc)];
          break;
        case 'fr': {
          const h = top.header as FrameRelayHeader;
          protocol = 'FR';
          info = `DLCI ${h.dlci}${h.control === undefined ? '' : ', U, func=UI'}`;
          break;
        }
        case 'erf':
          // A whole ERF record (LINKTYPE_ERF): tshark names the provenance record, and leaves others' payload unread here.
          [protocol, info] = ['ERF', erfTypeText((top.header as ErfRecordHeader).type)];
          break;
        case 'usb':
        case 'usb-mmapped':
        case 'usbpcap': {
          const h = top.header as UsbHeader;
          [src, dst] = usbAddresses(h);
          const usb = this.#usb.columns(h, packet.bytes.subarray(top.payloadOffset, top.payloadOffset + top.payloadLength));
          [protocol, info] = [usb.protocol, usb.info];
          this.usbHid = usb.hid;
          this.usbMs = usb.usbms;
          break;
        }
        case 'ipnet':
          // An IPv6 header cut short: tshark names IPv6 and shows nothing else.
          [protocol, info] = packet.partial?.name === 'ipv6' ? ['IPv6', ''] : ['IPNET', 'Solaris IPNET'];
          break;
        case 'ap1394':
          [protocol, info] = [packet.partial?.name === 'arp' ? 'ARP' : 'IP/IEEE1394', ''];
          break;
        case 'ipfc':
          [protocol, info] = packet.partial?.name === 'llc' ? ['LLC', ''] : ['IP/FC', ''];
          break;
        case 'sll':
        case 'sll2':
          // A CAN frame cut short after SLL: tshark has read its identifier and length.
          if (packet.partial?.name === 'can-linux' || packet.partial?.name === 'canfd-linux') {
            [protocol, info] = [packet.partial.name === 'can-linux' ? 'CAN' : 'CANFD', canCutInfo(packet.bytes, packet.partial.offset, packet.partial.captured)];
          }
          break;
        case 'can':
        case 'can-linux':
        case 'canfd-linux': {
          const h = top.header as CanHeader;
          // A standard identifier wider than 11 bits: tshark fails before it writes a column.
          if (!h.extended && !h.error && h.id > 0x7ff) [protocol, info] = ['', ''];
          else [protocol, info] = [h.fd ? 'CANFD' : 'CAN', canInfo(h)];
          break;
        }
        case 'clip': {
          // Neither IPv4 nor IPv6: tshark's IP dissector says so in its own words.
          const version = clipBogusVersion(packet);
          [protocol, info] = version !== undefined ? ['IP', `Bogus IP version (${version})`] : ['CLIP', 'Classical IP frame'];
          break;
        }
        case 'trmac':
          [protocol, info] = ['TR MAC', tokenRingMacInfo(top.header as TokenRingMacHeader)];
          break;
        case 'llc': {
          // A BPDU or CDP header cut short: tshark names the protocol and shows no info.
          const cutLayer = packet.errors[0]?.layer;
          if (cutLayer === 'stp' || cutLayer === 'cdp') protocol = cutLayer.toUpperCase();
          else info = llcInfo(top.header as LlcHeader);
          break;
        }
        case 'stp':
          info = stpInfo(top.header as StpHeader);
          break;
        case 'lldp':
          info = lldpInfo(top.header as LldpHeader);
          break;
        case 'cdp':
          info = cdpInfo(top.header as CdpHeader);
          break;
        case 'pppoed':
          [protocol, info] = ['PPPoED', pppoeDiscoveryInfo(top.header as PppoeDiscoveryHeader)];
          break;
        case 'mpls':
          // A label stack whose payload nothing reads (packet-mpls.c's column).
          info = 'MPLS Label Switched Packet';
          break;
        case 'lcp':
        case 'ipcp':
        case 'ipv6cp':
        case 'ccp':
        case 'pap':
        case 'chap':
          info = pppControlInfo(top.name, top.header as PppControlHeader);
          break;
        case 'slarp':
          info = slarpInfo(top.header as SlarpHeader);
          break;
        case 'syslog':
          info = syslogInfo(top.header as SyslogHeader);
          break;
        case 'loop':
          info = loopInfo(top.header as LoopHeader);
          break;
        case 'ssdp':
          info = ssdpInfo(top.header as SsdpHeader);
          break;
        case 'gre': {
          const type = (top.header as GreHeader).protocolType;
          info = `Encapsulated ${GRE_TYPE_NAMES[type] ?? `0x${type.toString(16).toUpperCase().padStart(4, '0')} (unknown)`}`;
          break;
        }
        case 'eth':
          if ((top.header as EthernetHeader).type <= 1500) {
            // An 802.3 length: LLC, or Novell's raw IPX (no LLC) when the payload starts 0xffff.
            const p = packet.bytes;
            protocol = p[top.payloadOffset] === 0xff && p[top.payloadOffset + 1] === 0xff ? 'IPX' : 'LLC';
            break;
          }
        // falls through
        case 'vlan':
        case 'ieee8021ad': {
          const type = (top.header as { type?: number; etype?: number }).type ?? 0;
          protocol = `0x${type.toString(16).padStart(4, '0')}`;
          // tshark's ethertype table names the IEEE local experimental types; other payloads nothing
          // reads leave the column as Ethernet or the VLAN tag wrote it.
          if (type === 0x88b5 || type === 0x88b6) info = `Local Experimental Ethertype ${type - 0x88b4}`;
          else if (top.name === 'eth') info = 'Ethernet II';
          else {
            const v = top.header as VlanHeader;
            info = `PRI: ${v.priority}  DEI: ${v.dei}  ID: ${v.id}`;
          }
          const bogus = bogusIpHeader(packet, top);
          if (bogus !== undefined) [protocol, info] = bogus === 'IPv6' ? [protocol, bogus] : ['IPv4', bogus];
          const tag = packet.partial;
          if ((tag?.name === 'vlan' || tag?.name === 'ieee8021ad') && tag.offset === top.payloadOffset) {
            // A VLAN tag cut short: named, and its TCI shown from 2 bytes.
            const b = packet.bytes;
            const tci = tag.captured >= 2 ? (b[tag.offset]! << 8) | b[tag.offset + 1]! : -1;
            protocol = tag.name === 'vlan' ? 'VLAN' : '802.1ad';
            info = tci < 0 ? '' : `PRI: ${tci >>> 13}  ${tag.name === 'vlan' ? `DEI: ${(tci >>> 12) & 1}  ` : `DROP: ${(tci >>> 12) & 1} `}ID: ${tci & 0xfff}`;
          }
          if (packet.partial?.name === 'arp' && packet.partial.offset === top.payloadOffset) {
            const cutArp = cutArpColumns(packet.bytes, packet.partial.offset, packet.partial.captured);
            [protocol, info] = cutArp;
            // Columns written whole: tshark (building no tree for the line) reads nothing more.
            if (cutArp[1] !== '') this.#cutUnread = true;
          }
          // A LOOP header cut short: tshark names the protocol and shows nothing of it; a PPPoE
          // session header its code from 2 bytes.
          if (packet.partial?.name === 'loop') [protocol, info] = ['LOOP', ''];
          if (packet.partial?.name === 'pppoes') [protocol, info] = ['PPPoES', packet.partial.captured >= 2 ? 'Session Data' : ''];
          break;
        }
      }
    }
    // An IP header cut short (a snaplen inside it): tshark's IP dissector has named its version and
    // set the source once those bytes were captured, then stopped before the destination (which it
    // sets only after reading the options): the link's destination stays.
    const ipCut = cutIpHeader(packet, top);
    if (ipCut !== undefined) {
      const [version, at, captured] = ipCut;
      const b = packet.bytes;
      protocol = version === 4 ? 'IPv4' : 'IPv6';
      info = '';
      if (version === 4 && captured >= 16) src = formatIpv4(b, at + 12);
      if (version === 6 && captured >= 24) src = formatIpv6(b, at + 8);
      if (top?.name === 'ip' || top?.name === 'ipv6') dst = linkDst;
      if (version === 4 && captured >= 20) dst = cutIpv4Destination(b, at, captured) ?? dst;
    }
    return [src, dst, protocol, info];
  }
}

/**
 * The destination tshark 4.0 shows for an IPv4 header whose options the capture cut: it looks
 * through the options for a source route (whose last address is the final destination) before it
 * sets the destination, reading each option's type and length only, and stops at the end of the
 * option list; a read past the capture stops the dissector with the link's destination in place
 * (undefined).
 */
function cutIpv4Destination(b: Uint8Array, at: number, captured: number): string | undefined {
  const end = at + ((b[at]! & 15) << 2);
  const have = at + captured;
  let k = at + 20;
  while (k < end) {
    if (k >= have) return undefined;
    const type = b[k]!;
    if (type === 0) break;
    if (type === 1) {
      k++;
      continue;
    }
    if (k + 1 >= have) return undefined;
    const len = b[k + 1]!;
    if (len < 2) break;
    if (type === 0x83 || type === 0x89) return len >= 7 && k + len <= have ? formatIpv4(b, k + len - 4) : undefined;
    k += len;
  }
  return formatIpv4(b, at + 16);
}

/**
 * [version, offset, captured bytes] of an IP header the capture cut inside (its fixed part, or an
 * IPv4 header's options), when that is the packet's last layer and not one an ICMP error quotes.
 */
function cutIpHeader(packet: Packet, top: Layer | undefined): [4 | 6, number, number] | undefined {
  const cut = packet.partial;
  const truncated = (layer: string, at: number) => packet.errors.some((e) => e.layer === layer && e.offset === at && e.code === 'truncated');
  // (Linux ATM CLIP words a short or bogus header its own way: clipBogusVersion.)
  if ((cut?.name === 'ip' || cut?.name === 'ipv6') && top !== undefined && !['icmp', 'icmpv6', 'clip'].includes(top.name) && truncated(cut.name, cut.offset)) {
    return [cut.name === 'ip' ? 4 : 6, cut.offset, cut.captured];
  }
  if (top?.name === 'ip' && cut === undefined) {
    const captured = packet.bytes.length - top.offset;
    if ((top.header as Ipv4Header).headerLength > captured) return [4, top.offset, captured];
  }
  return undefined;
}
