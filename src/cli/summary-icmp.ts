// Info-column text for ICMP and ICMPv6, worded as tshark 4.0 words it (packet-icmp.c,
// packet-icmpv6.c), so `wirekit decode` lines can be compared with `tshark -r` lines.
import { ndpEui64Address, type IcmpHeader, type Icmpv6Header } from 'wirekit';

const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  6: 'Alternate host address',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
  30: 'Traceroute',
  31: 'Datagram Conversion Error',
  32: 'Mobile Host Redirect',
  33: 'IPv6 Where-Are-You',
  34: 'IPv6 I-Am-Here',
  35: 'Mobile Registration Request',
  36: 'Mobile Registration Reply',
  37: 'Domain Name Request',
  38: 'Domain Name Reply',
  39: 'SKIP',
  40: 'Photuris',
  42: 'Extended Echo request',
  43: 'Extended Echo reply',
};

const ICMP_CODES: Record<number, Record<number, string>> = {
  3: {
    0: 'Network unreachable',
    1: 'Host unreachable',
    2: 'Protocol unreachable',
    3: 'Port unreachable',
    4: 'Fragmentation needed',
    5: 'Source route failed',
    6: 'Destination network unknown',
    7: 'Destination host unknown',
    8: 'Source host isolated',
    9: 'Network administratively prohibited',
    10: 'Host administratively prohibited',
    11: 'Network unreachable for TOS',
    12: 'Host unreachable for TOS',
    13: 'Communication administratively filtered',
    14: 'Host precedence violation',
    15: 'Precedence cutoff in effect',
  },
  5: { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' },
  9: { 0: 'Normal router advertisement', 16: 'Does not route common traffic' },
  11: { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' },
  12: { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' },
  // RFC 8335 (PROBE)
  42: { 0: 'No error' },
  43: { 0: 'No error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
};

/** Types whose info shows id and sequence number (RFC 792 query/reply pairs). */
const ICMP_WITH_ID = new Set([0, 8, 13, 14, 15, 16, 17, 18]);

const hex4 = (n: number) => n.toString(16).padStart(4, '0');
const swap16 = (n: number) => ((n & 0xff) << 8) | (n >>> 8);

/** One's complement addition of two 16-bit words (RFC 1071). */
const onesAdd = (a: number, b: number) => {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
};

/**
 * The checksum of the same message with `delta` taken off its type word (0x0800 from an ICMP echo
 * request to its reply, 0x0100 from an ICMPv6 echo reply to its request), as tshark computes it to
 * pair the two: 0 reads as 0xffff.
 */
function pairedChecksum(checksum: number, delta: number): number {
  const c = ~onesAdd(~checksum & 0xffff, ~delta & 0xffff) & 0xffff;
  return c === 0 ? 0xffff : c;
}

/**
 * Echo requests seen, to name the request a reply answers (`(request in 7)`), as tshark's
 * single pass does: only replies refer back; requests cannot know their reply yet. tshark pairs
 * them by identifier, sequence number and checksum, so a reply whose data differs from the
 * request's answers nothing.
 */
export class EchoTracker {
  readonly #requests = new Map<string, number>();

  /** An echo request; `checksum` is the one its reply would carry (ICMP) or its own (ICMPv6). */
  request(src: string, dst: string, id: number, seq: number, checksum: number, frame: number): void {
    this.#requests.set(`${src} ${dst} ${id} ${seq} ${checksum}`, frame);
  }

  /** The frame of the request this reply (from `src` to `dst`) answers, if seen. */
  replyTo(src: string, dst: string, id: number, seq: number, checksum: number): number | undefined {
    return this.#requests.get(`${dst} ${src} ${id} ${seq} ${checksum}`);
  }
}

/** tshark's ICMP info: `Echo (ping) request  id=0x0001, seq=1/256, ttl=64`. */
export function icmpInfo(h: IcmpHeader, ttl: number | undefined, src: string, dst: string, frame: number, echoes: EchoTracker): string {
  // tshark names every router advertisement of code 0 or 16 for Mobile IP (RFC 5944), extensions or not.
  const type = h.type === 9 && (h.code === 0 || h.code === 16) ? 'Mobile IP Advertisement' : ICMP_TYPES[h.type];
  if (type === undefined) return 'Unknown ICMP (obsolete or malformed?)';
  let info = type.padEnd(20);
  const codes = ICMP_CODES[h.type];
  if (codes !== undefined) info += ` (${codes[h.code] ?? `Unknown code: ${h.code}`})`;
  if (ICMP_WITH_ID.has(h.type) && h.ident !== undefined && h.seq !== undefined) {
    info += ` id=0x${hex4(h.ident)}, seq=${h.seq}/${swap16(h.seq)}`;
    if (ttl !== undefined) info += `, ttl=${ttl}`;
    // A request that came in fragments counts too, at the frame that completed it.
    if (h.type === 8) echoes.request(src, dst, h.ident, h.seq, pairedChecksum(h.checksum, 0x0800), frame);
    if (h.type === 0) {
      const request = echoes.replyTo(src, dst, h.ident, h.seq, h.checksum);
      if (request !== undefined) info += ` (request in ${request})`;
    }
  }
  return info;
}

const ICMPV6_TYPES: Record<number, string> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  4: 'Parameter Problem',
  100: 'Private experimentation',
  101: 'Private experimentation',
  127: 'Reserved for expansion of ICMPv6 error messages',
  128: 'Echo (ping) request',
  129: 'Echo (ping) reply',
  130: 'Multicast Listener Query',
  131: 'Multicast Listener Report',
  132: 'Multicast Listener Done',
  133: 'Router Solicitation',
  134: 'Router Advertisement',
  135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement',
  137: 'Redirect',
  138: 'Router Renumbering',
  139: 'ICMP Node Information Query',
  140: 'ICMP Node Information Response',
  141: 'Inverse Neighbor Discovery Solicitation Message',
  142: 'Inverse Neighbor Discovery Advertisement Message',
  143: 'Multicast Listener Report Message v2',
  144: 'Home Agent Address Discovery Request Message',
  145: 'Home Agent Address Discovery Reply Message',
  146: 'Mobile Prefix Solicitation',
  147: 'Mobile Prefix Advertisement',
  148: 'Certification Path Solicitation Message',
  149: 'Certification Path Advertisement Message',
  150: 'Experimental Mobility Protocols',
  151: 'Multicast Router Advertisement',
  152: 'Multicast Router Solicitation',
  153: 'Multicast Router Termination',
  154: 'FMIPv6 Messages',
  155: 'RPL Control Message',
  156: 'ILNPv6 Locator Update Message',
  157: 'Duplicate Address Request',
  158: 'Duplicate Address Confirmation',
  159: 'MPL Control Message',
  160: 'Extended Echo Request',
  161: 'Extended Echo Reply',
  200: 'Private experimentation',
  201: 'Private experimentation',
  255: 'Reserved for expansion of ICMPv6 informational messages',
};

const ICMPV6_CODES: Record<number, Record<number, string>> = {
  1: {
    0: 'no route to destination',
    1: 'Administratively prohibited',
    2: 'beyond scope of source address',
    3: 'Address unreachable',
    4: 'Port unreachable',
    5: 'Source address failed ingress/egress policy',
    6: 'Reject route to destination',
    7: 'Error in Source Routing Header',
  },
  3: { 0: 'hop limit exceeded in transit', 1: 'fragment reassembly time exceeded' },
  4: {
    0: 'erroneous header field encountered',
    1: 'unrecognized Next Header type encountered',
    2: 'unrecognized IPv6 option encountered',
    3: 'IPv6 First Fragment has incomplete IPv6 Header Chain',
  },
};

function linkAddressOption(h: Icmpv6Header, type: 1 | 2): string | undefined {
  // A 2-unit option (16 bytes) holds an EUI-64 and padding, as tshark reads it (RFC 4944 section 8).
  for (const o of h.options ?? []) if (o.type === type && 'linkAddress' in o) return ndpEui64Address(o.linkAddress) ?? o.linkAddress;
  return undefined;
}

/** tshark's ICMPv6 info: `Neighbor Solicitation for fe80::2 from 02:00:00:00:00:01`. */
/** An ICMPv6 type's name, and its code's when `code` is given (tshark's type and code text). */
export function icmpv6TypeText(type: number, code: number | undefined): string {
  let info = ICMPV6_TYPES[type] ?? `Unknown (${type})`;
  const codes = ICMPV6_CODES[type];
  if (code !== undefined && codes !== undefined && codes[code] !== undefined) info += ` (${codes[code]})`;
  return info;
}

export function icmpv6Info(h: Icmpv6Header, hopLimit: number | undefined, src: string, dst: string, frame: number, echoes: EchoTracker): string {
  let info = icmpv6TypeText(h.type, h.code);
  switch (h.type) {
    case 128:
    case 129:
      if (h.ident === undefined || h.seq === undefined) break;
      info += ` id=0x${hex4(h.ident)}, seq=${h.seq}`;
      if (hopLimit !== undefined) info += `, hop limit=${hopLimit}`;
      if (h.type === 128) echoes.request(src, dst, h.ident, h.seq, h.checksum, frame);
      else {
        const request = echoes.replyTo(src, dst, h.ident, h.seq, pairedChecksum(h.checksum, 0x0100));
        if (request !== undefined) info += ` (request in ${request})`;
      }
      break;
    case 133:
    case 134: {
      const from = linkAddressOption(h, 1);
      if (from !== undefined) info += ` from ${from}`;
      break;
    }
    case 135: {
      if (h.targetAddress !== undefined) info += ` for ${h.targetAddress}`;
      const from = linkAddressOption(h, 1);
      if (from !== undefined) info += ` from ${from}`;
      break;
    }
    case 136: {
      if (h.targetAddress !== undefined) info += ` ${h.targetAddress}`;
      const flags = [h.router && 'rtr', h.solicited && 'sol', h.override && 'ovr'].filter(Boolean);
      if (flags.length > 0) info += ` (${flags.join(', ')})`;
      const at = linkAddressOption(h, 2);
      if (at !== undefined) info += ` is at ${at}`;
      break;
    }
    case 137: {
      const at = linkAddressOption(h, 2);
      if (at !== undefined) info += ` is at ${at}`;
      break;
    }
  }
  return info;
}
