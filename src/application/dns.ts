// DNS (RFC 1035) and multicast DNS (RFC 6762): a 12-byte header (id, flags, four counts), then
// questions (name, type, class) and resource records (name, type, class, TTL, data) in the answer,
// authority and additional sections. Names are labels, or end in a pointer to a name earlier in
// the message (section 4.1.4). Over UDP (port 53; mDNS 5353) a datagram is one message; over TCP
// (port 53) each message follows its 2-byte length (section 4.2.2).
//
// Fields and values are tshark's (`dns.*`, also for mDNS, where the top bit of a question's class
// is RFC 6762's unicast-response bit, `dns.qry.qu`, and of a record's class the cache-flush bit).
// A message is read as far as it goes: the header, then each question and record that is whole;
// the first one that runs past the message, or a pointer past its end, stops the decoding there
// (tshark shows what came before and marks the rest malformed). A name whose pointers loop is
// shown as tshark shows it, `<Name contains a pointer that loops>`: a pointer met after as many
// name bytes as the message holds can only be revisiting them, and past 255 pointers a chain is
// taken for a loop too, which bounds each name's walk.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { u16, u32 } from '../packet/bytes.js';
import { formatIpv4, formatIpv6, writeIp } from '../network/ip-address.js';
import type { DecodeContext, Decoded, EncodeContext, Encoder, Protocol } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const DNS_PORT = 53;
export const MDNS_PORT = 5353;
const HEADER = 12;

/** Record types with names (IANA "Resource Record (RR) TYPEs"), for summaries and `dnsTypeName`. */
export const DnsType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NAPTR: 35, OPT: 41,
  DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, TLSA: 52, SVCB: 64, HTTPS: 65, SPF: 99, IXFR: 251, AXFR: 252,
  ANY: 255, CAA: 257,
} as const;
const TYPE_NAMES = new Map<number, string>(Object.entries(DnsType).map(([k, v]) => [v, k]));

/** The record type's name as tshark's summary writes it (`A`, `AAAA`, `Unknown (65280)`). */
export function dnsTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `Unknown (${type})`;
}

/** What tshark shows for a name whose compression pointers loop. */
export const DNS_LOOP_NAME = '<Name contains a pointer that loops>';
/** Pointers one name may follow before it counts as a loop. */
const MAX_POINTERS = 255;

/** What tshark shows for the root (an empty name). */
export const DNS_ROOT_NAME = '<Root>';

export interface DnsQuestion {
  name: string;
  type: number;
  /** The class (1: IN); for mDNS without its top bit. */
  class: number;
  /** mDNS (RFC 6762 section 5.4): the top bit of the class asks for a unicast response. */
  unicastResponse?: boolean;
}

/** EDNS(0) (RFC 6891): what an OPT record's class and TTL hold, and its options. */
export interface DnsOpt {
  udpPayloadSize: number;
  extendedRcode: number;
  version: number;
  /** The 16 flag bits; 0x8000 is DO (DNSSEC OK). */
  flags: number;
  options: { code: number; data: Uint8Array }[];
}

/** A record's data, decoded for the types users meet most; other types keep only `rdata`. */
export type DnsRecordData =
  | { address: string } // A, AAAA
  | { name: string } // NS, CNAME, PTR
  | { preference: number; exchange: string } // MX
  | { strings: string[] } // TXT
  | { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } // SOA
  | { priority: number; weight: number; port: number; target: string } // SRV
  | DnsOpt; // OPT

export interface DnsRecord {
  name: string;
  type: number;
  /** The class (for OPT: the sender's UDP payload size); for mDNS without its top bit. */
  class: number;
  /** mDNS (RFC 6762 section 10.2): the top bit of the class. */
  cacheFlush?: boolean;
  ttl: number;
  /** The record data as sent (pointers in it unresolved). */
  rdata: Uint8Array;
  data?: DnsRecordData;
}

export interface DnsHeader {
  /** Over TCP: the 2-byte length in front of the message. */
  length?: number;
  id: number;
  /** The 16 flag bits; the fields below are the same bits, read out. */
  flags: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** The reserved bit (0x0040). */
  z: number;
  authenticated: boolean;
  checkingDisabled: boolean;
  rcode: number;
  /** The four counts as the header gives them (the sections hold what could be read of them). */
  counts: { questions: number; answers: number; authorities: number; additionals: number };
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  /** Multicast DNS (UDP 5353): class top bits are the QU and cache-flush bits. */
  mdns: boolean;
  /** The type of a record the message cuts short after its name, type and class (tshark's summary names it). */
  cutRecordType?: number;
}

/** A name as it stands in the message: where it ends in place, and its text. */
interface NameRead {
  text: string;
  next: number;
}

function fail(code: 'truncated' | 'bad-value', message: string, offset: number, required?: number, available?: number): never {
  throw new WireError(code, message, { layer: 'dns', offset, required, available });
}

/** A label's bytes as tshark prints them: printable ASCII as is, the rest escaped. */
function labelText(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

/**
 * The name at `at` of the message [base, end): labels and at most one pointer chain. Throws where
 * a label or pointer runs past the message, points past it, or uses a reserved label type.
 */
function readName(b: Uint8Array, base: number, end: number, at: number): NameRead {
  const size = end - base;
  let text = '';
  let pos = at;
  let next = -1;
  let seen = 0;
  let hops = 0;
  for (;;) {
    if (pos >= end) fail('truncated', `name at offset ${at} runs past the message's end at ${end}`, pos, 1, 0);
    const len = b[pos]!;
    if (len === 0) {
      pos++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0) {
      if (end - pos - 1 < len) fail('truncated', `label of ${len} bytes at offset ${pos} runs past the message's end at ${end}`, pos, len + 1, end - pos);
      if (text !== '') text += '.';
      text += labelText(b, pos + 1, pos + 1 + len);
      seen += len + 1;
      pos += len + 1;
    } else if (kind === 0xc0) {
      if (end - pos < 2) fail('truncated', `name pointer at offset ${pos} is cut by the message's end`, pos, 2, end - pos);
      const target = ((len & 0x3f) << 8) | b[pos + 1]!;
      if (next < 0) next = pos + 2;
      seen += 2;
      // tshark's test (as many name bytes read as the message holds), and a cap on pointers: a
      // chain of thousands of pointers is no name (at most 127 labels fit 255 bytes), and with
      // thousands of questions each walking it, the work would grow with the square of the size.
      if (seen >= size || ++hops > MAX_POINTERS) return { text: DNS_LOOP_NAME, next };
      if (target >= size) fail('bad-value', `name pointer at offset ${pos} points to ${target}, past the ${size}-byte message`, pos);
      pos = base + target;
    } else {
      fail('bad-value', `label type 0x${kind.toString(16)} at offset ${pos} is reserved (RFC 6891 section 5)`, pos);
    }
  }
  return { text: text === '' ? DNS_ROOT_NAME : text, next: next < 0 ? pos : next };
}

/** The names in a record's data resolve against the whole message, and must end inside the data. */
function nameIn(b: Uint8Array, base: number, end: number, at: number, dataEnd: number): NameRead {
  const n = readName(b, base, end, at);
  if (n.next > dataEnd) fail('bad-value', `name at offset ${at} runs past its record's data (ends at ${dataEnd})`, at);
  return n;
}

function recordData(b: Uint8Array, base: number, end: number, type: number, at: number, len: number, klass: number, ttl: number): DnsRecordData | undefined {
  const to = at + len;
  const need = (n: number) => {
    if (len < n) fail('bad-value', `${dnsTypeName(type)} data of ${len} bytes at offset ${at} is shorter than ${n}`, at);
  };
  switch (type) {
    case DnsType.A:
      need(4);
      return { address: formatIpv4(b, at) };
    case DnsType.AAAA:
      need(16);
      return { address: formatIpv6(b, at) };
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      return { name: nameIn(b, base, end, at, to).text };
    case DnsType.MX:
      need(3);
      return { preference: u16(b, at), exchange: nameIn(b, base, end, at + 2, to).text };
    case DnsType.TXT: {
      const strings: string[] = [];
      for (let p = at; p < to; ) {
        const n = b[p]!;
        if (to - p - 1 < n) fail('bad-value', `TXT string of ${n} bytes at offset ${p} runs past its record's data`, p);
        strings.push(labelText(b, p + 1, p + 1 + n));
        p += n + 1;
      }
      return { strings };
    }
    case DnsType.SOA: {
      const m = nameIn(b, base, end, at, to);
      const r = nameIn(b, base, end, m.next, to);
      if (to - r.next < 20) fail('bad-value', `SOA data at offset ${at} is cut before its five numbers`, r.next);
      const p = r.next;
      return { mname: m.text, rname: r.text, serial: u32(b, p), refresh: u32(b, p + 4), retry: u32(b, p + 8), expire: u32(b, p + 12), minimum: u32(b, p + 16) };
    }
    case DnsType.SRV:
      need(7);
      return { priority: u16(b, at), weight: u16(b, at + 2), port: u16(b, at + 4), target: nameIn(b, base, end, at + 6, to).text };
    case DnsType.OPT: {
      const options: { code: number; data: Uint8Array }[] = [];
      for (let p = at; p < to; ) {
        if (to - p < 4) fail('bad-value', `EDNS option at offset ${p} is cut (${to - p} of 4 header bytes)`, p);
        const olen = u16(b, p + 2);
        if (to - p - 4 < olen) fail('bad-value', `EDNS option of ${olen} bytes at offset ${p} runs past its record's data`, p);
        options.push({ code: u16(b, p), data: b.slice(p + 4, p + 4 + olen) });
        p += 4 + olen;
      }
      return { udpPayloadSize: klass, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, options };
    }
    default:
      return undefined;
  }
}

/** Where the reading stopped, and why: the sections hold everything before it. */
interface MessageRead {
  header: DnsHeader;
  error?: WireError;
}

/** Reads the message at [base, end) as far as it goes (the header must be whole). */
function readMessage(b: Uint8Array, base: number, end: number, mdns: boolean, length: number | undefined): MessageRead {
  const flags = u16(b, base + 2);
  const header: DnsHeader = {
    id: u16(b, base),
    flags,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 15,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    z: (flags >>> 6) & 1,
    authenticated: (flags & 0x0020) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    rcode: flags & 15,
    counts: { questions: u16(b, base + 4), answers: u16(b, base + 6), authorities: u16(b, base + 8), additionals: u16(b, base + 10) },
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    mdns,
  };
  if (length !== undefined) header.length = length;
  let at = base + HEADER;
  try {
    for (let i = 0; i < header.counts.questions; i++) {
      const n = readName(b, base, end, at);
      if (end - n.next < 4) fail('truncated', `question at offset ${at} is cut by the message's end at ${end}`, n.next, 4, end - n.next);
      const klass = u16(b, n.next + 2);
      const q: DnsQuestion = { name: n.text, type: u16(b, n.next), class: mdns ? klass & 0x7fff : klass };
      if (mdns) q.unicastResponse = (klass & 0x8000) !== 0;
      header.questions.push(q);
      at = n.next + 4;
    }
    const sections = [
      [header.counts.answers, header.answers],
      [header.counts.authorities, header.authorities],
      [header.counts.additionals, header.additionals],
    ] as const;
    for (const [count, list] of sections) {
      for (let i = 0; i < count; i++) {
        const n = readName(b, base, end, at);
        const p = n.next;
        if (end - p >= 4) header.cutRecordType = u16(b, p);
        if (end - p < 10) fail('truncated', `record at offset ${at} is cut by the message's end at ${end}`, p, 10, end - p);
        const type = u16(b, p);
        const klass = u16(b, p + 2);
        const ttl = u32(b, p + 4);
        const len = u16(b, p + 8);
        if (end - p - 10 < len) fail('truncated', `record data of ${len} bytes at offset ${p + 10} runs past the message's end at ${end}`, p + 10, len, end - p - 10);
        const flush = mdns && type !== DnsType.OPT;
        const r: DnsRecord = { name: n.text, type, class: flush ? klass & 0x7fff : klass, ttl, rdata: b.slice(p + 10, p + 10 + len) };
        if (flush) r.cacheFlush = (klass & 0x8000) !== 0;
        const data = recordData(b, base, end, type, p + 10, len, klass, ttl);
        if (data !== undefined) r.data = data;
        list.push(r);
        delete header.cutRecordType;
        at = p + 10 + len;
      }
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return { header, error: e };
  }
  return { header };
}

/** The message's bounds in the layer: after TCP's 2-byte length, when carried by TCP. */
function bounds(ctx: DecodeContext): { base: number; end: number; length?: number; tcp: boolean } {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  const tcp = ctx.below[ctx.below.length - 1]?.name === 'tcp';
  if (!tcp) return { base: offset, end, tcp };
  if (end - offset < 2) fail('truncated', `TCP message length needs 2 bytes, ${Math.max(0, end - offset)} captured at offset ${offset}`, offset, 2, Math.max(0, end - offset));
  const length = u16(bytes, offset);
  return { base: offset + 2, end: Math.min(end, offset + 2 + length), length, tcp };
}

function decodeLayer(ctx: DecodeContext, mdns: boolean): Decoded<DnsHeader> {
  const { bytes, offset } = ctx;
  const { base, end, length } = bounds(ctx);
  if (end - base < HEADER) fail('truncated', `header needs ${HEADER} bytes, ${Math.max(0, end - base)} captured at offset ${base}`, base, HEADER, Math.max(0, end - base));
  const read = readMessage(bytes, base, end, mdns, length);
  const consumed = (length === undefined ? end : base + length) - offset;
  const decoded: Decoded<DnsHeader> = { header: read.header, headerLength: Math.max(0, Math.min(consumed, Math.min(ctx.end, bytes.length) - offset)) };
  if (read.error !== undefined) decoded.error = read.error;
  else if (length !== undefined && base + length > end) {
    decoded.truncated = new WireError('truncated', `message of ${length} bytes at offset ${base} is cut at ${end}`, { layer: 'dns', offset: base, required: length, available: end - base });
  }
  return decoded;
}

/**
 * Decodes the DNS message at `offset` (a UDP payload; `tcp: true` for one after its 2-byte TCP
 * length; `mdns: true` for the class bits of RFC 6762). Throws a WireError when the message is
 * cut or malformed; `decodePacket` instead shows what could be read and marks the rest.
 *
 * @example
 * const m = decodeDns(udpPayload);
 * m.questions[0]; // { name: 'example.com', type: 1, class: 1 }
 * m.answers.map((r) => r.data); // [{ address: '93.184.216.34' }]
 */
export function decodeDns(bytes: Uint8Array, offset = 0, end = bytes.length, options: { tcp?: boolean; mdns?: boolean } = {}): DnsHeader {
  const below = options.tcp ? [{ name: 'tcp', header: {}, offset: 0, length: 0, payloadOffset: offset, payloadLength: end - offset }] : [];
  const d = decodeLayer({ bytes, offset, end, below, quoted: false, verifyChecksum: false }, options.mdns === true);
  if (d.error !== undefined) throw d.error;
  if (d.truncated !== undefined) throw d.truncated;
  return d.header;
}

// -- fields -------------------------------------------------------------------------------------

function nameFields(prefix: 'dns.qry' | 'dns.resp', name: string, out: FieldSink, withLength: boolean): void {
  out.add(`${prefix}.name`, name);
  if (!withLength) return;
  out.add('dns.qry.name.len', name.length);
  let labels = 0;
  if (name.length > 1) {
    labels = 1;
    for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) labels++;
  }
  out.add('dns.count.labels', labels);
}

function dataFields(r: DnsRecord, out: FieldSink): void {
  const d = r.data;
  switch (r.type) {
    case DnsType.A:
      out.add('dns.a', (d as { address: string }).address);
      return;
    case DnsType.AAAA:
      out.add('dns.aaaa', (d as { address: string }).address);
      return;
    case DnsType.NS:
      out.add('dns.ns', (d as { name: string }).name);
      return;
    case DnsType.CNAME:
      out.add('dns.cname', (d as { name: string }).name);
      return;
    case DnsType.PTR:
      out.add('dns.ptr.domain_name', (d as { name: string }).name);
      return;
    case DnsType.MX: {
      const m = d as { preference: number; exchange: string };
      out.add('dns.mx.preference', m.preference);
      out.add('dns.mx.mail_exchange', m.exchange);
      return;
    }
    case DnsType.TXT: {
      // Each string after its length byte (the lengths read again from the data as sent).
      const strings = (d as { strings: string[] }).strings;
      for (let k = 0, p = 0; k < strings.length; k++) {
        out.add('dns.txt.length', r.rdata[p]!);
        out.add('dns.txt', strings[k]!);
        p += r.rdata[p]! + 1;
      }
      return;
    }
    case DnsType.SOA: {
      const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      out.add('dns.soa.mname', s.mname);
      out.add('dns.soa.rname', s.rname);
      out.add('dns.soa.serial_number', s.serial);
      out.add('dns.soa.refresh_interval', s.refresh);
      out.add('dns.soa.retry_interval', s.retry);
      out.add('dns.soa.expire_limit', s.expire);
      out.add('dns.soa.minimum_ttl', s.minimum);
      return;
    }
    case DnsType.SRV: {
      const s = d as { priority: number; weight: number; port: number; target: string };
      // tshark splits the owner name as _service._proto.name.
      const first = r.name.indexOf('.');
      const second = first < 0 ? -1 : r.name.indexOf('.', first + 1);
      if (second > 0) {
        out.add('dns.srv.service', r.name.slice(0, first));
        out.add('dns.srv.proto', r.name.slice(first + 1, second));
        out.add('dns.srv.name', r.name.slice(second + 1));
      }
      out.add('dns.srv.priority', s.priority);
      out.add('dns.srv.weight', s.weight);
      out.add('dns.srv.port', s.port);
      out.add('dns.srv.target', s.target);
      return;
    }
    default:
      if (r.rdata.length > 0) out.add('dns.data', bytesField(r.rdata));
  }
}

function recordFields(r: DnsRecord, out: FieldSink): void {
  nameFields('dns.resp', r.name, out, false);
  out.add('dns.resp.type', r.type);
  if (r.type === DnsType.OPT) {
    const o = r.data as DnsOpt;
    out.add('dns.rr.udp_payload_size', o.udpPayloadSize);
    out.add('dns.resp.ext_rcode', o.extendedRcode);
    out.add('dns.resp.edns0_version', o.version);
    out.add('dns.resp.z', o.flags);
    out.add('dns.resp.z.do', o.flags >>> 15);
    out.add('dns.resp.z.reserved', o.flags & 0x7fff);
    out.add('dns.resp.len', r.rdata.length);
    for (const opt of o.options) {
      out.add('dns.opt.code', opt.code);
      out.add('dns.opt.len', opt.data.length);
      if (opt.data.length > 0) out.add('dns.opt.data', bytesField(opt.data));
    }
    return;
  }
  out.add('dns.resp.class', r.class);
  if (r.cacheFlush !== undefined) out.add('dns.resp.cache_flush', r.cacheFlush ? 1 : 0);
  out.add('dns.resp.ttl', r.ttl);
  out.add('dns.resp.len', r.rdata.length);
  dataFields(r, out);
}

/** The header's flag fields: those tshark shows for a query, or for a response (and AD when set). */
function flagFields(f: number, out: FieldSink): void {
  const response = (f & 0x8000) !== 0;
  out.add('dns.flags', f);
  out.add('dns.flags.response', response ? 1 : 0);
  out.add('dns.flags.opcode', (f >>> 11) & 15);
  if (response) out.add('dns.flags.authoritative', (f >>> 10) & 1);
  out.add('dns.flags.truncated', (f >>> 9) & 1);
  out.add('dns.flags.recdesired', (f >>> 8) & 1);
  if (response) out.add('dns.flags.recavail', (f >>> 7) & 1);
  out.add('dns.flags.z', (f >>> 6) & 1);
  if (response || f & 0x20) out.add('dns.flags.authenticated', (f >>> 5) & 1);
  out.add('dns.flags.checkdisable', (f >>> 4) & 1);
  if (response) out.add('dns.flags.rcode', f & 15);
}

const COUNT_FIELDS = ['dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr'];

function messageFields(h: DnsHeader, out: FieldSink): void {
  if (h.length !== undefined) out.add('dns.length', h.length);
  out.add('dns.id', h.id);
  flagFields(h.flags, out);
  out.add('dns.count.queries', h.counts.questions);
  out.add('dns.count.answers', h.counts.answers);
  out.add('dns.count.auth_rr', h.counts.authorities);
  out.add('dns.count.add_rr', h.counts.additionals);
  for (const q of h.questions) {
    nameFields('dns.qry', q.name, out, true);
    out.add('dns.qry.type', q.type);
    out.add('dns.qry.class', q.class);
    if (q.unicastResponse !== undefined) out.add('dns.qry.qu', q.unicastResponse ? 1 : 0);
  }
  for (const list of [h.answers, h.authorities, h.additionals]) for (const r of list) recordFields(r, out);
}

/** The fields of a message cut inside its header: those whose bytes were captured. */
function partialDnsFields(ctx: DecodeContext, out: FieldSink): void {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  let base = offset;
  if (ctx.below[ctx.below.length - 1]?.name === 'tcp') {
    if (end - offset < 2) return;
    out.add('dns.length', u16(bytes, offset));
    base += 2;
  }
  const have = end - base;
  if (have >= 2) out.add('dns.id', u16(bytes, base));
  if (have >= 4) flagFields(u16(bytes, base + 2), out);
  for (let k = 0; k < 4 && have >= 6 + 2 * k; k++) out.add(COUNT_FIELDS[k]!, u16(bytes, base + 4 + 2 * k));
}

function protocolOf(name: 'dns' | 'mdns'): Protocol<DnsHeader> {
  const mdns = name === 'mdns';
  return {
    name,
    decode: (ctx) => decodeLayer(ctx, mdns),
    fields: (h, out) => messageFields(h, out),
    partialFields: (ctx, _error, out) => partialDnsFields(ctx, out),
  };
}

/** DNS, bound to UDP and TCP port 53. */
export const dns: Protocol<DnsHeader> = protocolOf('dns');
/** Multicast DNS (RFC 6762), bound to UDP port 5353: DNS messages whose class bits differ. */
export const mdns: Protocol<DnsHeader> = protocolOf('mdns');

// -- summaries ----------------------------------------------------------------------------------

const OPCODES: Record<number, string> = { 0: 'Standard query', 1: 'Inverse query', 2: 'Server status request', 4: 'Zone change notification', 5: 'Dynamic update' };
const RCODES: Record<number, string> = {
  1: 'Format error', 2: 'Server failure', 3: 'No such name', 4: 'Not implemented', 5: 'Refused', 6: 'Name exists',
  7: 'RRset exists', 8: 'RRset does not exist', 9: 'Not authoritative', 10: 'Name out of zone',
};

/** How the summary shows a record's data after its type (nothing for types it does not show). */
function dataInfo(r: DnsRecord): string {
  const d = r.data;
  if (d === undefined) return '';
  switch (r.type) {
    case DnsType.A:
    case DnsType.AAAA:
      return ` ${(d as { address: string }).address}`;
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      return ` ${(d as { name: string }).name}`;
    case DnsType.MX: {
      const m = d as { preference: number; exchange: string };
      return ` ${m.preference} ${m.exchange}`;
    }
    case DnsType.SOA:
      return ` ${(d as { mname: string }).mname}`;
    case DnsType.SRV: {
      const s = d as { priority: number; weight: number; port: number; target: string };
      return ` ${s.priority} ${s.weight} ${s.port} ${s.target}`;
    }
    default:
      return '';
  }
}

/** The start of tshark's summary: operation, "response", the id, and a response's error. */
export function dnsInfoHead(id: number, flags: number): string {
  const response = (flags & 0x8000) !== 0;
  const opcode = (flags >>> 11) & 15;
  let s = `${OPCODES[opcode] ?? `Unknown operation (${opcode})`}${response ? ' response' : ''} 0x${id.toString(16).padStart(4, '0')}`;
  const rcode = flags & 15;
  if (response && rcode !== 0) s += ` ${RCODES[rcode] ?? `Unknown error (${rcode})`}`;
  return s;
}

/**
 * tshark's summary of a message: `Standard query 0x1234 A example.com`, `Standard query response
 * 0x1234 A example.com A 93.184.216.34` (each question's type and name, each record's type and data).
 */
export function dnsInfo(h: DnsHeader): string {
  let s = dnsInfoHead(h.id, h.flags);
  for (const q of h.questions) {
    s += ` ${dnsTypeName(q.type)} ${q.name}`;
    if (h.mdns) s += `, "${q.unicastResponse ? 'QU' : 'QM'}" question`;
  }
  for (const list of [h.answers, h.authorities, h.additionals]) {
    for (const r of list) {
      s += ` ${dnsTypeName(r.type)}`;
      if (r.cacheFlush) s += ', cache flush';
      s += dataInfo(r);
    }
  }
  if (h.cutRecordType !== undefined) s += ` ${dnsTypeName(h.cutRecordType)}`;
  return s;
}

// -- encoding -----------------------------------------------------------------------------------

/** A record to write: its data as `rdata` bytes, or decoded (`data`) for the types decodeDns decodes. */
export interface DnsRecordInput {
  name: string;
  type: number;
  class?: number;
  cacheFlush?: boolean;
  ttl?: number;
  rdata?: Uint8Array;
  data?: DnsRecordData;
}

export interface DnsInput {
  id?: number;
  /** The 16 flag bits as a whole (default 0x0100 for a query: RD; the fields below override bits). */
  flags?: number;
  response?: boolean;
  opcode?: number;
  authoritative?: boolean;
  recursionDesired?: boolean;
  recursionAvailable?: boolean;
  rcode?: number;
  questions?: (Omit<DnsQuestion, 'class'> & { class?: number })[];
  answers?: DnsRecordInput[];
  authorities?: DnsRecordInput[];
  additionals?: DnsRecordInput[];
  /** Compress names (RFC 1035 section 4.1.4; default true). */
  compress?: boolean;
  /** Over TCP: write the 2-byte length first (default: when the layer below is TCP). */
  tcp?: boolean;
}

const check = rangeChecker('dns');

/** Writes a message into a growing byte list, names compressed against what was written. */
class MessageWriter {
  readonly bytes: number[] = [];
  readonly #names = new Map<string, number>();
  /** Whether names are written as pointers to earlier ones where they can be. */
  compress: boolean;
  constructor(compress: boolean) {
    this.compress = compress;
  }

  u16(v: number): void {
    this.bytes.push((v >>> 8) & 255, v & 255);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }

  name(text: string): void {
    const labels = text === '' || text === '.' || text === DNS_ROOT_NAME ? [] : text.replace(/\.$/, '').split('.');
    let total = 1;
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.#names.get(suffix);
      if (this.compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      const label = new TextEncoder().encode(labels[i]);
      if (label.length === 0 || label.length > 63) throw new WireError('bad-value', `label '${labels[i]}' of '${text}' must be 1 to 63 bytes`, { layer: 'dns' });
      total += label.length + 1;
      if (total > 255) throw new WireError('bad-value', `name '${text}' is longer than 255 bytes`, { layer: 'dns' });
      // Only offsets a pointer can reach (14 bits) are remembered.
      if (this.bytes.length < 0x4000) this.#names.set(suffix, this.bytes.length);
      this.bytes.push(label.length);
      this.raw(label);
    }
    this.bytes.push(0);
  }
}

function writeData(w: MessageWriter, r: DnsRecordInput): void {
  const lengthAt = w.bytes.length;
  w.u16(0);
  const start = w.bytes.length;
  const d = r.data;
  if (r.rdata !== undefined) w.raw(r.rdata);
  else if (d !== undefined) {
    if ('address' in d) {
      const out = new Uint8Array(16);
      const n = writeIp(d.address, out);
      w.raw(out.subarray(0, n));
    } else if ('exchange' in d) {
      w.u16(check('preference', d.preference, 0xffff));
      w.name(d.exchange);
    } else if ('name' in d) w.name(d.name);
    else if ('strings' in d) {
      for (const s of d.strings) {
        const t = new TextEncoder().encode(s);
        if (t.length > 255) throw new WireError('bad-value', `TXT string of ${t.length} bytes is longer than 255`, { layer: 'dns' });
        w.bytes.push(t.length);
        w.raw(t);
      }
    } else if ('mname' in d) {
      w.name(d.mname);
      w.name(d.rname);
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(check('SOA number', v, 0xffffffff));
    } else if ('target' in d) {
      w.u16(check('priority', d.priority, 0xffff));
      w.u16(check('weight', d.weight, 0xffff));
      w.u16(check('port', d.port, 0xffff));
      // RFC 2782: the target is not compressed.
      const c = w.compress;
      w.compress = false;
      w.name(d.target);
      w.compress = c;
    } else if ('options' in d) {
      for (const o of d.options) {
        w.u16(check('option code', o.code, 0xffff));
        w.u16(check('option length', o.data.length, 0xffff));
        w.raw(o.data);
      }
    }
  }
  const len = w.bytes.length - start;
  if (len > 0xffff) throw new WireError('bad-value', `record data of ${len} bytes is longer than 65535`, { layer: 'dns' });
  w.bytes[lengthAt] = len >>> 8;
  w.bytes[lengthAt + 1] = len & 255;
}

/**
 * A DNS message as bytes: header, questions and records (names compressed unless told not to),
 * with the counts filled from the lists. OPT records take their class and TTL from `data`.
 *
 * @example
 * const q = encodeDns({ id: 0x1234, questions: [{ name: 'example.com', type: DnsType.A }] });
 * const r = encodeDns({ id: 0x1234, response: true, recursionAvailable: true,
 *   questions: [{ name: 'example.com', type: DnsType.A }],
 *   answers: [{ name: 'example.com', type: DnsType.A, ttl: 300, data: { address: '93.184.216.34' } }] });
 */
export function encodeDns(m: DnsInput): Uint8Array {
  const w = new MessageWriter(m.compress !== false);
  let flags = check('flags', m.flags ?? (m.response ? 0x8000 : 0) | 0x0100, 0xffff);
  const bit = (value: boolean | undefined, mask: number) => {
    if (value === true) flags |= mask;
    else if (value === false) flags &= ~mask;
  };
  bit(m.response, 0x8000);
  bit(m.authoritative, 0x0400);
  bit(m.recursionDesired, 0x0100);
  bit(m.recursionAvailable, 0x0080);
  if (m.opcode !== undefined) flags = (flags & ~0x7800) | (check('opcode', m.opcode, 15) << 11);
  if (m.rcode !== undefined) flags = (flags & ~15) | check('rcode', m.rcode, 15);
  const questions = m.questions ?? [];
  const sections = [m.answers ?? [], m.authorities ?? [], m.additionals ?? []];
  w.u16(check('id', m.id ?? 0, 0xffff));
  w.u16(flags);
  w.u16(check('question count', questions.length, 0xffff));
  for (const s of sections) w.u16(check('record count', s.length, 0xffff));
  for (const q of questions) {
    w.name(q.name);
    w.u16(check('type', q.type, 0xffff));
    w.u16(check('class', q.class ?? 1, 0x7fff) | (q.unicastResponse ? 0x8000 : 0));
  }
  for (const s of sections) {
    for (const r of s) {
      w.name(r.name);
      w.u16(check('type', r.type, 0xffff));
      const opt = r.type === DnsType.OPT && r.data !== undefined && 'udpPayloadSize' in r.data ? r.data : undefined;
      if (opt !== undefined) {
        w.u16(check('udpPayloadSize', opt.udpPayloadSize, 0xffff));
        w.bytes.push(check('extendedRcode', opt.extendedRcode, 255), check('version', opt.version, 255));
        w.u16(check('flags', opt.flags, 0xffff));
      } else {
        w.u16(check('class', r.class ?? 1, r.cacheFlush ? 0x7fff : 0xffff) | (r.cacheFlush ? 0x8000 : 0));
        w.u32(check('ttl', r.ttl ?? 0, 0xffffffff));
      }
      writeData(w, r);
    }
  }
  const body = Uint8Array.from(w.bytes);
  if (!m.tcp) return body;
  if (body.length > 0xffff) throw new WireError('bad-value', `message of ${body.length} bytes does not fit TCP's 2-byte length`, { layer: 'dns' });
  const out = new Uint8Array(body.length + 2);
  out[0] = body.length >>> 8;
  out[1] = body.length & 255;
  out.set(body, 2);
  return out;
}

/** The last input encodeFrame measured, and its bytes: it asks for the length, then emits. */
let lastInput: DnsInput | undefined;
let lastBytes: Uint8Array = new Uint8Array(0);
function encoded(h: DnsInput): Uint8Array {
  if (h !== lastInput) {
    lastBytes = encodeDns(h);
    lastInput = h;
  }
  return lastBytes;
}

/**
 * DNS for `encodeFrame`, as the innermost layer: `[{ eth }, { ip }, { udp: { dstport: 53 } }, { dns: { ... } }]`
 * (over TCP, `tcp: true` writes the 2-byte length first).
 */
export const dnsEncoder: Encoder<DnsInput> = {
  name: 'dns',
  headerLength: (h) => encoded(h).length,
  emit(h, out, offset, _payloadLength, _ctx: EncodeContext) {
    out.set(encoded(h), offset);
  },
};
