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
/** Every type tshark 4.0 names, as its summary writes them (read from its output for each of them). */
const TYPE_NAMES = new Map<number, string>(
  Object.entries({
    0: 'Unused', 1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
    11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25',
    20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAP-PTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA',
    29: 'LOC', 30: 'NXT', 31: 'EID', 32: 'NIMLOC', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR', 36: 'KX', 37: 'CERT',
    38: 'A6', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG',
    47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 55: 'HIP', 57: 'RKEY',
    58: 'TALINK', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB', 65: 'HTTPS',
    99: 'SPF', 100: 'UINFO', 101: 'UID', 102: 'GID', 103: 'UNSPEC', 104: 'NID', 105: 'L32', 106: 'L64',
    107: 'LP', 108: 'EUI48', 109: 'EUI64', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 253: 'MAILA',
    254: 'MAILB', 255: 'ANY', 256: 'URI', 257: 'CAA', 32768: 'TA', 32769: 'DLV', 65281: 'WINS', 65282: 'WINS-R',
    65422: 'XPF',
  } as Record<string, string>).map(([k, v]) => [Number(k), v]),
);

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
  | { preference: number; exchange: string } // MX, KX
  | { strings: string[] } // TXT
  | { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } // SOA
  | { priority: number; weight: number; port: number; target: string } // SRV
  | DnsOpt // OPT
  | { cpu: string; os: string } // HINFO
  | { order: number; preference: number; flags: string; service: string; regexp: string; replacement: string } // NAPTR
  | { next: string; types: number[] } // NSEC (the types of its bitmap)
  | { keyTag: number; algorithm: number; digestType: number; digest: Uint8Array } // DS
  | { flags: number; protocol: number; algorithm: number; publicKey: Uint8Array; keyTag: number } // DNSKEY (keyTag computed, RFC 4034 appendix B)
  | { typeCovered: number; algorithm: number; labels: number; originalTtl: number; expiration: number; inception: number; keyTag: number; signer: string; signature: Uint8Array } // RRSIG
  | { flags: number; tag: string; value: string } // CAA
  | { priority: number; target: string; params: { key: number; value: Uint8Array }[] }; // SVCB, HTTPS (RFC 9460)

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
  /** LLMNR (RFC 4795, UDP 5355): the AA and RD bits are C (conflict) and T (tentative). */
  llmnr?: boolean;
  /** The type of a record the message cuts short after its name, type and class (tshark's summary names it). */
  cutRecordType?: number;
  /** What tshark's summary shows of that record's data before the damage (with its leading space). */
  cutRecordInfo?: string;
  /** The record whose data the damage was met in, as far as its data length (its fields are shown). */
  cutRecord?: DnsCutRecord;
}

/** A record's fields before its data: name, type, class (mDNS: without the cache-flush bit), TTL, data length. */
export interface DnsCutRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  length: number;
  cacheFlush?: boolean;
}

// Record types decodeDns checks without keeping their data, or keeps only for the summary.
const T_MD = 3;
const T_MF = 4;
const T_MB = 7;
const T_MG = 8;
const T_MR = 9;
const T_NULL = 10;
const T_WKS = 11;
const T_MINFO = 14;
const T_RP = 17;
const T_AFSDB = 18;
const T_X25 = 19;
const T_ISDN = 20;
const T_RT = 21;
const T_NSAP = 22;
const T_NSAP_PTR = 23;
const T_SIG = 24;
const T_PX = 26;
const T_GPOS = 27;
const T_NXT = 30;
const T_KX = 36;
const T_DNAME = 39;
const T_APL = 42;
const T_DHCID = 49;
const T_NSEC3PARAM = 51;
const T_TLSA = 52;
const T_HIP = 55;
const T_CDS = 59;
const T_CDNSKEY = 60;
const T_CSYNC = 62;
const T_LP = 107;
const T_TKEY = 249;
const T_TSIG = 250;
const T_DLV = 32769;

/**
 * Types whose data tshark's summary stands for with the record's own name (a quirk of its DNS
 * dissector, seen in tshark 4.0 with data of any length but 0).
 */
const OWNER_NAME_TYPES = new Set([
  T_MD, T_MF, T_MB, T_MG, T_MR, T_NULL, T_MINFO, T_RP, T_AFSDB, T_X25, T_ISDN, T_RT, T_NSAP, T_NSAP_PTR, T_PX, T_GPOS, T_APL,
  T_DHCID, T_NSEC3PARAM, T_TLSA, T_HIP,
]);

/** What the summary shows of the record being read, should its data prove damaged (readMessage's). */
let cutInfo = '';

/**
 * Decoded questions whose name's length in the message (tshark's dns.qry.name.len) is not its
 * text's: escapes and characters of more than one byte. Kept aside, the question stays plain data.
 */
const questionNameBytes = new WeakMap<DnsQuestion, number>();

/** A name as it stands in the message: where it ends in place, and its text. */
interface NameRead {
  text: string;
  next: number;
  /** Bytes of its labels and the dots between them (tshark's name length). */
  bytes: number;
}

function fail(code: 'truncated' | 'bad-value', message: string, offset: number, required?: number, available?: number): never {
  throw new WireError(code, message, { layer: 'dns', offset, required, available });
}

/**
 * A label's bytes as tshark 4.0 prints them: printable ASCII as is, other ASCII bytes escaped
 * (`\000`), bytes above 0x7f read as UTF-8 (`café`, `中`) the way its decoder reads them: a lead
 * byte and the continuation bytes that follow it (overlong forms accepted), one U+FFFD for a
 * sequence cut short or naming a surrogate, and for a byte that starts none.
 */
function labelText(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; ) {
    const c = b[i]!;
    if (c < 0x80) {
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
      i++;
      continue;
    }
    const n = c >= 0xc0 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf7 ? 4 : 1;
    let cp = c & (0xff >> (n + 1));
    let k = 1;
    while (k < n && i + k < to && (b[i + k]! & 0xc0) === 0x80) cp = (cp << 6) | (b[i + k++]! & 0x3f);
    s += n === 1 || k < n || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ? '\ufffd' : String.fromCodePoint(cp);
    i += k;
  }
  return s;
}

/** What tshark shows for a name with an extended label type it does not know (RFC 6891 5). */
const UNKNOWN_EXTENDED = '<Unknown extended label>';
/** What tshark shows for a name longer than MAX_NAME_TEXT bytes of text. */
const NAME_TOO_LONG = '<Name too long>';
/** tshark's room for a name's text (MAX_DNAME_LEN), the first label's byte reserved for the end. */
const MAX_NAME_TEXT = 255;
/** The name's text as tshark writes it before formatting: labels, dots, bitstring labels. */
const nameText = new Uint8Array(MAX_NAME_TEXT);

/**
 * The name at `at` of the message [base, end), read as tshark 4.0 reads one: labels joined by
 * dots, at most one pointer chain, bitstring labels (RFC 2673) written as `\[x<hex>/<bits>]`.
 * tshark counts only labels and dots in the name's length and shows that many bytes of its text,
 * so a bitstring label shows cut or not at all; the text stops growing at 255 bytes and the name
 * is then `<Name too long>`. An extended label of another type ends the name as
 * `<Unknown extended label>`; a pointer to the bytes just past itself, or a chain of more than
 * 255 pointers, makes it `<Name contains a pointer that loops>`. Throws where a label or pointer
 * runs past the message, for a reserved label type, and where tshark's length checks fail (a
 * name of one byte that is not the root, or bitstrings alone).
 */
function readName(b: Uint8Array, base: number, end: number, at: number, bitstrings = false): NameRead {
  // Names without bitstring labels (all but a few) are read as strings label by label; one with
  // them is read again byte by byte into `nameText`, where tshark's cut of its text can be made.
  const text = nameText;
  let shown = '';
  let first = -1;
  let pos = at;
  let used = -1;
  let pointers = 0;
  // Bytes of labels and pointers walked: a walk past as many as the message holds is revisiting them.
  let seen = 0;
  let room = MAX_NAME_TEXT;
  // Bytes written to the text, and those of them tshark counts (labels and dots).
  let n = 0;
  let counted = 0;
  for (;;) {
    if (pos >= end) fail('truncated', `name at offset ${at} runs past the message's end at ${end}`, pos, 1, 0);
    const len = b[pos++]!;
    if (len === 0) break;
    const kind = len & 0xc0;
    if (kind === 0) {
      if (end - pos < len) fail('truncated', `label of ${len} bytes at offset ${pos - 1} runs past the message's end at ${end}`, pos - 1, len + 1, end - pos + 1);
      seen += len + 1;
      if (n === 0) {
        room--;
        first = b[pos]!;
      } else if (room > 0) {
        if (bitstrings) text[n] = 46;
        else shown += '.';
        n++;
        counted++;
        room--;
      }
      const take = Math.min(len, Math.max(room, 0));
      if (bitstrings) text.set(b.subarray(pos, pos + take), n);
      else shown += labelText(b, pos, pos + take);
      n += take;
      counted += take;
      room -= take;
      pos += len;
    } else if (kind === 0x40) {
      if ((len & 0x3f) !== 1) {
        // The name ends here; the bytes it used count from its start even past a pointer.
        const consumed = pos - at;
        if (consumed < 2) fail('bad-value', `name at offset ${at} is one extended label of unknown type 0x${len.toString(16)}`, at);
        return { text: UNKNOWN_EXTENDED, next: at + consumed, bytes: UNKNOWN_EXTENDED.length };
      }
      if (!bitstrings) return readName(b, base, end, at, true);
      if (pos >= end) fail('truncated', `bitstring label at offset ${pos - 1} is cut by the message's end at ${end}`, pos - 1, 2, 1);
      const bits = b[pos++]!;
      const bytes = Math.trunc((bits - 1) / 8) + 1;
      if (end - pos < bytes) fail('truncated', `bitstring label of ${bits} bits at offset ${pos - 2} runs past the message's end at ${end}`, pos - 2, bytes + 2, end - pos + 2);
      // Each piece printed whole or not at all (no room stops the rest), none of it counted.
      const pieces = ['\\[x'];
      for (let k = 0; k < bytes; k++) pieces.push(b[pos + k]!.toString(16).padStart(2, '0'));
      pieces.push(`/${bits}]`);
      for (const piece of pieces) {
        if (room <= 0) break;
        if (piece.length > room) {
          room = 0;
          break;
        }
        for (let i = 0; i < piece.length; i++) text[n++] = piece.charCodeAt(i);
        room -= piece.length;
      }
      pos += bytes;
    } else if (kind === 0xc0) {
      if (pos >= end) fail('truncated', `name pointer at offset ${pos - 1} is cut by the message's end`, pos - 1, 2, 1);
      const target = ((len & 0x3f) << 8) | b[pos++]!;
      pointers++;
      if (used < 0) used = pos - at;
      seen += 2;
      // tshark's two loop tests: a pointer to the bytes just after the two it is followed by, and
      // a chain of more pointers than a name has bytes. And a bound on the work: a walk past as many
      // bytes as the message holds revisits them (tshark would go round until its pointer count
      // runs out and say the same), so thousands of names each walking a loop stay cheap.
      if (base + target === pos + 2 || pointers > MAX_POINTERS || seen >= end - base) return { text: DNS_LOOP_NAME, next: at + used, bytes: DNS_LOOP_NAME.length };
      if (target >= end - base) fail('bad-value', `name pointer at offset ${pos - 2} points to ${target}, past the ${end - base}-byte message`, pos - 2);
      pos = base + target;
    } else {
      fail('bad-value', `label type 0x${kind.toString(16)} at offset ${pos - 1} is reserved (RFC 6891 section 5)`, pos - 1);
    }
  }
  if (used < 0) used = pos - at;
  if (room <= 0) return { text: NAME_TOO_LONG, next: at + used, bytes: NAME_TOO_LONG.length };
  if ((n === 0 || first === 0) && used <= 2) return { text: DNS_ROOT_NAME, next: at + used, bytes: DNS_ROOT_NAME.length };
  if (used < 2 || (used > 2 && counted === 0)) fail('bad-value', `name at offset ${at} holds no label tshark can show (bitstring labels only)`, at);
  return { text: bitstrings ? labelText(text, 0, counted) : shown, next: at + used, bytes: counted };
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
    case T_DNAME:
      return { name: readName(b, base, end, at).text };
    case T_NXT: {
      // The next name, then a type bitmap tshark does not check.
      const next = readName(b, base, end, at);
      return { name: next.text };
    }
    case T_WKS:
      need(5);
      return { address: formatIpv4(b, at) };
    case T_MINFO:
    case T_RP:
      // Two names (RFC 1035 3.3.7, RFC 1183 2.2): checked, not kept.
      readName(b, base, end, readName(b, base, end, at).next);
      return undefined;
    case T_KX:
      // A preference and a key exchanger (RFC 2230 3), shown as MX's are.
      need(3);
      return { preference: u16(b, at), exchange: readName(b, base, end, at + 2).text };
    case T_AFSDB:
    case T_RT:
    case T_LP:
      // A 16-bit number and a name (RFC 1183, RFC 6742).
      need(3);
      readName(b, base, end, at + 2);
      return undefined;
    case T_PX:
      need(3);
      readName(b, base, end, readName(b, base, end, at + 2).next);
      return undefined;
    case T_ISDN: {
      // An address, then optionally a subaddress (RFC 1183 3.2).
      const address = characterString(b, at, to, 'ISDN address');
      if (address.next < to) characterString(b, address.next, to, 'ISDN subaddress');
      return undefined;
    }
    case T_CDS:
    case T_CDNSKEY:
    case T_DLV:
      // As DS and DNSKEY: four bytes of numbers, then the digest or key.
      need(4);
      return undefined;
    case T_SIG:
      need(19);
      readName(b, base, end, at + 18);
      return undefined;
    case DnsType.SPF:
      characterStrings(b, at, to, 'SPF');
      return undefined;
    case DnsType.NSEC3: {
      // Algorithm, flags, iterations, salt, hash, type bitmap (RFC 5155 3.2).
      need(5);
      const salt = at + 5 + b[at + 4]!;
      if (salt >= to) fail('bad-value', `NSEC3 salt at offset ${at + 4} runs past its record's data`, at + 4);
      const hash = salt + 1 + b[salt]!;
      if (hash > to) fail('bad-value', `NSEC3 hash at offset ${salt} runs past its record's data`, salt);
      typeBitmap(b, hash, to);
      return undefined;
    }
    case T_CSYNC:
      need(6);
      typeBitmap(b, at + 6, to);
      return undefined;
    case T_APL:
      // Items: family, prefix, negation bit and a length, that many address bytes (RFC 3123 4).
      for (let p = at; p < to; ) {
        if (to - p < 4) fail('bad-value', `APL item at offset ${p} is cut (${to - p} of 4 header bytes)`, p);
        p += 4 + (b[p + 3]! & 0x7f);
        if (p > to) fail('bad-value', `APL address at offset ${p} runs past its record's data`, p);
      }
      return undefined;
    case T_HIP: {
      // HIT length, algorithm, key length, HIT, key, rendezvous servers (RFC 8005 5).
      need(4);
      let p = at + 4 + b[at]! + u16(b, at + 2);
      if (p > to) fail('bad-value', `HIP HIT and key at offset ${at} run past its record's data`, at);
      while (p < to) p = readName(b, base, end, p).next;
      return undefined;
    }
    case T_TKEY: {
      // Algorithm name, inception, expiration, mode, error, key, other data (RFC 2930 2).
      let p = readName(b, base, end, at).next + 12;
      for (let k = 0; k < 2; k++) {
        if (p + 2 > to) fail('bad-value', `TKEY data at offset ${p} runs past its record's data`, p);
        p += 2 + u16(b, p);
        if (p > to) fail('bad-value', `TKEY data at offset ${p} runs past its record's data`, p);
      }
      return undefined;
    }
    case T_TSIG: {
      // Algorithm name, time signed (48 bits), fudge, MAC, original id, error, other data (RFC 8945 4.2).
      let p = readName(b, base, end, at).next + 8;
      if (p + 2 > to) fail('bad-value', `TSIG MAC size at offset ${p} runs past its record's data`, p);
      p += 2 + u16(b, p) + 4;
      if (p + 2 > to) fail('bad-value', `TSIG other length at offset ${p} runs past its record's data`, p);
      p += 2 + u16(b, p);
      if (p > to) fail('bad-value', `TSIG other data at offset ${p} runs past its record's data`, p);
      return undefined;
    }
    case DnsType.MX:
      need(3);
      return { preference: u16(b, at), exchange: readName(b, base, end, at + 2).text };
    case DnsType.TXT:
      return { strings: characterStrings(b, at, to, 'TXT') };
    case DnsType.SOA: {
      const m = readName(b, base, end, at);
      // tshark shows the primary server before it reads on.
      cutInfo = ` ${m.text}`;
      const r = readName(b, base, end, m.next);
      if (end - r.next < 20) fail('truncated', `SOA numbers at offset ${r.next} run past the message's end at ${end}`, r.next, 20, end - r.next);
      const p = r.next;
      return { mname: m.text, rname: r.text, serial: u32(b, p), refresh: u32(b, p + 4), retry: u32(b, p + 8), expire: u32(b, p + 12), minimum: u32(b, p + 16) };
    }
    case DnsType.SRV:
      need(7);
      return { priority: u16(b, at), weight: u16(b, at + 2), port: u16(b, at + 4), target: readName(b, base, end, at + 6).text };
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
    case DnsType.HINFO: {
      const cpu = characterString(b, at, to, 'HINFO CPU');
      const os = characterString(b, cpu.next, to, 'HINFO OS');
      return { cpu: cpu.text, os: os.text };
    }
    case DnsType.NAPTR: {
      need(4);
      const flags = characterString(b, at + 4, to, 'NAPTR flags');
      const service = characterString(b, flags.next, to, 'NAPTR service');
      const regexp = characterString(b, service.next, to, 'NAPTR regexp');
      const replacement = readName(b, base, end, regexp.next);
      return { order: u16(b, at), preference: u16(b, at + 2), flags: flags.text, service: service.text, regexp: regexp.text, replacement: replacement.text };
    }
    case DnsType.NSEC: {
      const next = readName(b, base, end, at);
      cutInfo = ` ${next.text}`;
      return { next: next.text, types: typeBitmap(b, next.next, to) };
    }
    case DnsType.DS:
      need(4);
      return { keyTag: u16(b, at), algorithm: b[at + 2]!, digestType: b[at + 3]!, digest: b.slice(at + 4, to) };
    case DnsType.DNSKEY:
      need(4);
      return { flags: u16(b, at), protocol: b[at + 2]!, algorithm: b[at + 3]!, publicKey: b.slice(at + 4, to), keyTag: keyTag(b, at, to) };
    case DnsType.RRSIG: {
      need(19);
      const signer = readName(b, base, end, at + 18);
      return {
        typeCovered: u16(b, at), algorithm: b[at + 2]!, labels: b[at + 3]!, originalTtl: u32(b, at + 4), expiration: u32(b, at + 8),
        inception: u32(b, at + 12), keyTag: u16(b, at + 16), signer: signer.text, signature: b.slice(signer.next, to),
      };
    }
    case DnsType.CAA: {
      need(2);
      const tagLength = b[at + 1]!;
      if (len - 2 < tagLength) fail('bad-value', `CAA tag of ${tagLength} bytes at offset ${at + 1} runs past its record's data`, at + 1);
      return { flags: b[at]!, tag: labelText(b, at + 2, at + 2 + tagLength), value: labelText(b, at + 2 + tagLength, to) };
    }
    case DnsType.SVCB:
    case DnsType.HTTPS: {
      need(3);
      const target = readName(b, base, end, at + 2);
      const params: { key: number; value: Uint8Array }[] = [];
      for (let p = target.next; p < to; ) {
        if (to - p < 4) fail('bad-value', `SvcParam at offset ${p} is cut (${to - p} of 4 header bytes)`, p);
        const plen = u16(b, p + 2);
        if (to - p - 4 < plen) fail('bad-value', `SvcParam of ${plen} bytes at offset ${p} runs past its record's data`, p);
        params.push({ key: u16(b, p), value: b.slice(p + 4, p + 4 + plen) });
        p += 4 + plen;
      }
      return { priority: u16(b, at), target: target.text, params };
    }
    default:
      return undefined;
  }
}

/**
 * An empty record's data: what an empty one decodes to (no TXT strings, no EDNS options), or none.
 * tshark reads nothing of empty data and calls it no error, so neither is it damage here.
 */
function emptyRecordData(type: number, klass: number, ttl: number): DnsRecordData | undefined {
  // Nothing is read from the message (names included: the bytes after an empty record are the next one's).
  if (type === DnsType.OPT) return { udpPayloadSize: klass, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, options: [] };
  if (type === DnsType.TXT) return { strings: [] };
  return undefined;
}

/** <character-string>s filling [at, to) (TXT, SPF). */
function characterStrings(b: Uint8Array, at: number, to: number, what: string): string[] {
  const strings: string[] = [];
  for (let p = at; p < to; ) {
    const n = b[p]!;
    if (to - p - 1 < n) fail('bad-value', `${what} string of ${n} bytes at offset ${p} runs past its record's data`, p);
    strings.push(labelText(b, p + 1, p + 1 + n));
    p += n + 1;
  }
  return strings;
}

/** A <character-string> (RFC 1035 section 3.3): a length byte and that many bytes, inside [at, to). */
function characterString(b: Uint8Array, at: number, to: number, what: string): { text: string; next: number } {
  if (at >= to) fail('bad-value', `${what} at offset ${at} is missing from its record's data`, at);
  const n = b[at]!;
  if (to - at - 1 < n) fail('bad-value', `${what} of ${n} bytes at offset ${at} runs past its record's data`, at);
  return { text: labelText(b, at + 1, at + 1 + n), next: at + 1 + n };
}

/** The types an NSEC type bitmap lists (RFC 4034 section 4.1.2): windows of up to 32 bitmap bytes. */
function typeBitmap(b: Uint8Array, at: number, to: number): number[] {
  const types: number[] = [];
  for (let p = at; p < to; ) {
    if (to - p < 2) fail('bad-value', `type bitmap window at offset ${p} is cut`, p);
    const window = b[p]!;
    const n = b[p + 1]!;
    if (n < 1 || n > 32 || to - p - 2 < n) fail('bad-value', `type bitmap of ${n} bytes at offset ${p} is out of range or past its record's data`, p);
    for (let i = 0; i < n; i++) {
      const bits = b[p + 2 + i]!;
      for (let k = 0; k < 8; k++) if (bits & (0x80 >> k)) types.push(window * 256 + i * 8 + k);
    }
    p += 2 + n;
  }
  return types;
}

/** A DNSKEY's key tag (RFC 4034 appendix B, for every algorithm but the retired RSA/MD5). */
function keyTag(b: Uint8Array, at: number, to: number): number {
  let ac = 0;
  for (let i = at; i < to; i++) ac += (i - at) & 1 ? b[i]! : b[i]! << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Seconds since 1970 as tshark prints an absolute time in UTC: `Nov  4, 2023 00:00:00.000000000 UTC`. */
function utcText(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.000000000 UTC`;
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
  // The record being read, for the summary (its type) and the fields (once its data is in the message).
  let cutType: number | undefined;
  let cut: DnsRecord | undefined;
  try {
    for (let i = 0; i < header.counts.questions; i++) {
      const n = readName(b, base, end, at);
      if (end - n.next < 4) fail('truncated', `question at offset ${at} is cut by the message's end at ${end}`, n.next, 4, end - n.next);
      const klass = u16(b, n.next + 2);
      const q: DnsQuestion = { name: n.text, type: u16(b, n.next), class: mdns ? klass & 0x7fff : klass };
      if (n.bytes !== n.text.length) questionNameBytes.set(q, n.bytes);
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
        cutType = end - p >= 4 ? u16(b, p) : undefined;
        if (end - p < 10) fail('truncated', `record at offset ${at} is cut by the message's end at ${end}`, p, 10, end - p);
        const type = u16(b, p);
        const klass = u16(b, p + 2);
        const ttl = u32(b, p + 4);
        const len = u16(b, p + 8);
        if (end - p - 10 < len) fail('truncated', `record data of ${len} bytes at offset ${p + 10} runs past the message's end at ${end}`, p + 10, len, end - p - 10);
        const flush = mdns && type !== DnsType.OPT;
        const r: DnsRecord = { name: n.text, type, class: flush ? klass & 0x7fff : klass, ttl, rdata: b.slice(p + 10, p + 10 + len) };
        if (flush) r.cacheFlush = (klass & 0x8000) !== 0;
        // tshark lists the record (name to data length) only when its data lies within the message.
        cut = r;
        cutInfo = len > 0 && OWNER_NAME_TYPES.has(type) ? ` ${n.text}` : '';
        const data = len > 0 ? recordData(b, base, end, type, p + 10, len, klass, ttl) : emptyRecordData(type, klass, ttl);
        if (data !== undefined) r.data = data;
        list.push(r);
        cutType = undefined;
        cut = undefined;
        cutInfo = '';
        at = p + 10 + len;
      }
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    if (cutType !== undefined) {
      header.cutRecordType = cutType;
      if (cutInfo !== '') header.cutRecordInfo = cutInfo;
    }
    if (cut !== undefined) {
      header.cutRecord = { name: cut.name, type: cut.type, class: cut.class, ttl: cut.ttl, length: cut.rdata.length };
      if (cut.cacheFlush !== undefined) header.cutRecord.cacheFlush = cut.cacheFlush;
    }
    cutInfo = '';
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
/**
 * Whether a UDP payload on ports no dissector claims looks like a DNS message, as tshark 4.0's DNS
 * heuristic (on by default) decides: more than a header; a standard query or response (opcode 0);
 * a query with one question and no answers or authorities; a response with at most one question,
 * 100 answers and 10 authorities; at most 10 additional records. Names are not checked: what
 * passes is decoded as DNS, malformed or not (tshark's probes on port 5300, checked case by case).
 */
export function looksLikeDns(b: Uint8Array, at: number, end: number): boolean {
  if (end - at <= HEADER) return false;
  const flags = u16(b, at + 2);
  if ((flags & 0x7800) !== 0) return false;
  const qd = u16(b, at + 4);
  const an = u16(b, at + 6);
  const ns = u16(b, at + 8);
  const ar = u16(b, at + 10);
  if (flags & 0x8000) {
    if (qd > 1 || an > 100 || ns > 10) return false;
  } else if (qd !== 1 || an !== 0 || ns !== 0) {
    return false;
  }
  return ar <= 10 && qd + an + ns + ar > 0;
}

export function decodeDns(bytes: Uint8Array, offset = 0, end = bytes.length, options: { tcp?: boolean; mdns?: boolean } = {}): DnsHeader {
  const below = options.tcp ? [{ name: 'tcp', header: {}, offset: 0, length: 0, payloadOffset: offset, payloadLength: end - offset }] : [];
  const d = decodeLayer({ bytes, offset, end, below, quoted: false, verifyChecksum: false }, options.mdns === true);
  if (d.error !== undefined) throw d.error;
  if (d.truncated !== undefined) throw d.truncated;
  return d.header;
}

// -- fields -------------------------------------------------------------------------------------

function nameFields(prefix: 'dns.qry' | 'dns.resp', name: string, out: FieldSink, length?: number): void {
  out.add(`${prefix}.name`, name);
  if (length === undefined) return;
  // tshark's length and label count: 0 for a name of one byte or none.
  out.add('dns.qry.name.len', length > 1 ? length : 0);
  let labels = 0;
  if (length > 1) {
    labels = 1;
    for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) labels++;
  }
  out.add('dns.count.labels', labels);
}

function dataFields(r: DnsRecord, out: FieldSink): void {
  const d = r.data;
  if (d === undefined) {
    // Empty data, or a type not decoded (its bytes shown as they are).
    if (r.rdata.length > 0) out.add('dns.data', bytesField(r.rdata));
    return;
  }
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
    case T_KX: {
      const m = d as { preference: number; exchange: string };
      out.add('dns.kx.preference', m.preference);
      out.add('dns.kx.key_exchange', m.exchange);
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
      out.add('dns.srv.priority', s.priority);
      out.add('dns.srv.weight', s.weight);
      out.add('dns.srv.port', s.port);
      out.add('dns.srv.target', s.target);
      return;
    }
    case DnsType.HINFO: {
      const h = d as { cpu: string; os: string };
      out.add('dns.hinfo.cpu_length', r.rdata[0]!);
      out.add('dns.hinfo.cpu', h.cpu);
      out.add('dns.hinfo.os_length', r.rdata[r.rdata[0]! + 1]!);
      out.add('dns.hinfo.os', h.os);
      return;
    }
    case DnsType.NAPTR: {
      const n = d as { order: number; preference: number; flags: string; service: string; regexp: string; replacement: string };
      out.add('dns.naptr.order', n.order);
      out.add('dns.naptr.preference', n.preference);
      let p = 4;
      for (const [field, text] of [['flags', n.flags], ['service', n.service], ['regex', n.regexp]] as const) {
        out.add(`dns.naptr.${field}_length`, r.rdata[p]!);
        out.add(`dns.naptr.${field}`, text);
        p += r.rdata[p]! + 1;
      }
      out.add('dns.naptr.replacement_length', n.replacement.length);
      out.add('dns.naptr.replacement', n.replacement);
      return;
    }
    case DnsType.NSEC: {
      const n = d as { next: string; types: number[] };
      out.add('dns.nsec.next_domain_name', n.next);
      // tshark lists the bitmap's types under the record's own type field.
      for (const t of n.types) out.add('dns.resp.type', t);
      return;
    }
    case DnsType.DS: {
      const x = d as { keyTag: number; algorithm: number; digestType: number; digest: Uint8Array };
      out.add('dns.ds.key_id', x.keyTag);
      out.add('dns.ds.algorithm', x.algorithm);
      out.add('dns.ds.digest_type', x.digestType);
      if (x.digest.length > 0) out.add('dns.ds.digest', bytesField(x.digest));
      return;
    }
    case DnsType.DNSKEY: {
      const k = d as { flags: number; protocol: number; algorithm: number; publicKey: Uint8Array; keyTag: number };
      out.add('dns.dnskey.flags', k.flags);
      out.add('dns.dnskey.flags.zone_key', (k.flags >>> 8) & 1);
      out.add('dns.dnskey.flags.key_revoked', (k.flags >>> 7) & 1);
      out.add('dns.dnskey.flags.secure_entry_point', k.flags & 1);
      out.add('dns.dnskey.flags.reserved', k.flags & 0xfe7e);
      out.add('dns.dnskey.protocol', k.protocol);
      out.add('dns.dnskey.algorithm', k.algorithm);
      out.add('dns.dnskey.key_id', k.keyTag);
      if (k.publicKey.length > 0) out.add('dns.dnskey.public_key', bytesField(k.publicKey));
      return;
    }
    case DnsType.RRSIG: {
      const g = d as { typeCovered: number; algorithm: number; labels: number; originalTtl: number; expiration: number; inception: number; keyTag: number; signer: string; signature: Uint8Array };
      out.add('dns.rrsig.type_covered', g.typeCovered);
      out.add('dns.rrsig.algorithm', g.algorithm);
      out.add('dns.rrsig.labels', g.labels);
      out.add('dns.rrsig.original_ttl', g.originalTtl);
      out.add('dns.rrsig.signature_expiration', utcText(g.expiration));
      out.add('dns.rrsig.signature_inception', utcText(g.inception));
      out.add('dns.rrsig.key_tag', g.keyTag);
      out.add('dns.rrsig.signers_name', g.signer);
      if (g.signature.length > 0) out.add('dns.rrsig.signature', bytesField(g.signature));
      return;
    }
    case DnsType.CAA: {
      const c = d as { flags: number; tag: string; value: string };
      out.add('dns.caa.flags', c.flags);
      out.add('dns.caa.flags.issuer_critical', c.flags >>> 7);
      // tshark names the value after the tags RFC 8659 defines (others: unknown), then gives tag and value again.
      out.add(c.tag === 'issue' || c.tag === 'issuewild' || c.tag === 'iodef' ? `dns.caa.${c.tag}` : 'dns.caa.unknown', c.value);
      out.add('dns.caa.tag_length', r.rdata[1]!);
      out.add('dns.caa.tag', c.tag);
      out.add('dns.caa.value', c.value);
      return;
    }
    case DnsType.SVCB:
    case DnsType.HTTPS:
      svcbFields(d as { priority: number; target: string; params: { key: number; value: Uint8Array }[] }, out);
      return;
    default:
      if (r.rdata.length > 0) out.add('dns.data', bytesField(r.rdata));
  }
}

/** SvcParamKeys (RFC 9460 section 14.3.2) tshark decodes. */
const SVC_MANDATORY = 0;
const SVC_ALPN = 1;
const SVC_PORT = 3;
const SVC_IPV4HINT = 4;
const SVC_ECH = 5;
const SVC_IPV6HINT = 6;

function svcbFields(v: { priority: number; target: string; params: { key: number; value: Uint8Array }[] }, out: FieldSink): void {
  out.add('dns.svcb.svcpriority', v.priority);
  out.add('dns.svcb.targetname', v.target);
  for (const { key, value } of v.params) {
    out.add('dns.svcb.svcparam.key', key);
    out.add('dns.svcb.svcparam.value.length', value.length);
    if (key === SVC_MANDATORY && value.length % 2 === 0) {
      for (let i = 0; i < value.length; i += 2) out.add('dns.svcb.svcparam.mandatory.key', u16(value, i));
    } else if (key === SVC_ALPN) {
      for (let i = 0; i < value.length; ) {
        const n = value[i]!;
        out.add('dns.svcb.svcparam.alpn.length', n);
        out.add('dns.svcb.svcparam.alpn', labelText(value, i + 1, Math.min(value.length, i + 1 + n)));
        i += n + 1;
      }
    } else if (key === SVC_PORT && value.length === 2) {
      out.add('dns.svcb.svcparam.port', u16(value, 0));
    } else if (key === SVC_IPV4HINT && value.length % 4 === 0) {
      for (let i = 0; i < value.length; i += 4) out.add('dns.svcb.svcparam.ipv4hint.ip', formatIpv4(value, i));
    } else if (key === SVC_IPV6HINT && value.length % 16 === 0) {
      for (let i = 0; i < value.length; i += 16) out.add('dns.svcb.svcparam.ipv6hint.ip', formatIpv6(value, i));
    } else if (key === SVC_ECH && value.length > 0) {
      out.add('dns.svcb.svcparam.echconfig', bytesField(value));
    } else if (key > SVC_IPV6HINT && value.length > 0) {
      out.add('dns.svcb.svcparam.value', bytesField(value));
    }
  }
}

/** A record's name, type, class, TTL and data length: what tshark lists before it reads the data. */
function recordHeadFields(r: DnsCutRecord, out: FieldSink): void {
  if (r.type === DnsType.SRV) {
    // tshark 4.0 shows an SRV record's owner name cut at its first two dots, as
    // _service._proto.name (what parts there are), and not as dns.resp.name.
    const first = r.name.indexOf('.');
    const second = first < 0 ? -1 : r.name.indexOf('.', first + 1);
    out.add('dns.srv.service', r.name.slice(0, first < 0 ? undefined : first));
    if (first >= 0) out.add('dns.srv.proto', r.name.slice(first + 1, second < 0 ? undefined : second));
    if (second >= 0) out.add('dns.srv.name', r.name.slice(second + 1));
  } else {
    nameFields('dns.resp', r.name, out);
  }
  out.add('dns.resp.type', r.type);
  if (r.type === DnsType.OPT) {
    // EDNS (RFC 6891 6.1.2): the class is the UDP payload size, the TTL the extended RCODE, version and flags.
    out.add('dns.rr.udp_payload_size', r.class);
    out.add('dns.resp.ext_rcode', r.ttl >>> 24);
    out.add('dns.resp.edns0_version', (r.ttl >>> 16) & 0xff);
    out.add('dns.resp.z', r.ttl & 0xffff);
    out.add('dns.resp.z.do', (r.ttl >>> 15) & 1);
    out.add('dns.resp.z.reserved', r.ttl & 0x7fff);
    out.add('dns.resp.len', r.length);
    return;
  }
  out.add('dns.resp.class', r.class);
  if (r.cacheFlush !== undefined) out.add('dns.resp.cache_flush', r.cacheFlush ? 1 : 0);
  out.add('dns.resp.ttl', r.ttl);
  out.add('dns.resp.len', r.length);
}

function recordFields(r: DnsRecord, out: FieldSink): void {
  recordHeadFields({ name: r.name, type: r.type, class: r.class, ttl: r.ttl, length: r.rdata.length, cacheFlush: r.cacheFlush }, out);
  if (r.type !== DnsType.OPT) {
    dataFields(r, out);
    return;
  }
  for (const opt of (r.data as DnsOpt).options) {
    out.add('dns.opt.code', opt.code);
    out.add('dns.opt.len', opt.data.length);
    if (opt.data.length > 0) out.add('dns.opt.data', bytesField(opt.data));
  }
}

/**
 * The header's flag fields: those tshark shows for a query, or for a response (and AD when set);
 * LLMNR's own set (RFC 4795 section 2.1.1) for `llmnr`.
 */
function flagFields(f: number, out: FieldSink, llmnr = false): void {
  const response = (f & 0x8000) !== 0;
  out.add('dns.flags', f);
  if (llmnr) {
    out.add('dns.flags.response', response ? 1 : 0);
    out.add('dns.flags.opcode', (f >>> 11) & 15);
    out.add('dns.flags.conflict', (f >>> 10) & 1);
    out.add('dns.flags.truncated', (f >>> 9) & 1);
    out.add('dns.flags.tentative', (f >>> 8) & 1);
    if (response) out.add('dns.flags.rcode', f & 15);
    return;
  }
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
  flagFields(h.flags, out, h.llmnr === true);
  out.add('dns.count.queries', h.counts.questions);
  out.add('dns.count.answers', h.counts.answers);
  out.add('dns.count.auth_rr', h.counts.authorities);
  out.add('dns.count.add_rr', h.counts.additionals);
  for (const q of h.questions) {
    nameFields('dns.qry', q.name, out, questionNameBytes.get(q) ?? q.name.length);
    out.add('dns.qry.type', q.type);
    out.add('dns.qry.class', q.class);
    if (q.unicastResponse !== undefined) out.add('dns.qry.qu', q.unicastResponse ? 1 : 0);
  }
  for (const list of [h.answers, h.authorities, h.additionals]) for (const r of list) recordFields(r, out);
  if (h.cutRecord !== undefined) recordHeadFields(h.cutRecord, out);
}

/** The fields of a message cut inside its header: those whose bytes were captured. */
function partialDnsFields(ctx: DecodeContext, out: FieldSink, llmnr: boolean): void {
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
  if (have >= 4) flagFields(u16(bytes, base + 2), out, llmnr);
  for (let k = 0; k < 4 && have >= 6 + 2 * k; k++) out.add(COUNT_FIELDS[k]!, u16(bytes, base + 4 + 2 * k));
}

function protocolOf(name: 'dns' | 'mdns' | 'llmnr'): Protocol<DnsHeader> {
  const mdns = name === 'mdns';
  const llmnr = name === 'llmnr';
  return {
    name,
    decode: (ctx) => {
      const d = decodeLayer(ctx, mdns);
      if (llmnr) d.header.llmnr = true;
      return d;
    },
    fields: (h, out) => messageFields(h, out),
    partialFields: (ctx, _error, out) => partialDnsFields(ctx, out, llmnr),
  };
}

/** DNS, bound to UDP and TCP port 53. */
export const dns: Protocol<DnsHeader> = protocolOf('dns');
/** Multicast DNS (RFC 6762), bound to UDP port 5353: DNS messages whose class bits differ. */
export const mdns: Protocol<DnsHeader> = protocolOf('mdns');
/** Link-Local Multicast Name Resolution (RFC 4795), bound to UDP port 5355: DNS messages with LLMNR's flags. */
export const llmnr: Protocol<DnsHeader> = protocolOf('llmnr');
export const LLMNR_PORT = 5355;

// -- summaries ----------------------------------------------------------------------------------

const OPCODES: Record<number, string> = {
  0: 'Standard query', 1: 'Inverse query', 2: 'Server status request', 4: 'Zone change notification', 5: 'Dynamic update',
  6: 'DNS Stateful operations (DSO)',
};
const RCODES: Record<number, string> = {
  1: 'Format error', 2: 'Server failure', 3: 'No such name', 4: 'Not implemented', 5: 'Refused', 6: 'Name exists',
  7: 'RRset exists', 8: 'RRset does not exist', 9: 'Not authoritative', 10: 'Name out of zone', 11: 'DSO-Type not implemented',
};

/** How the summary shows a record's data after its type (nothing for types it does not show). */
function dataInfo(r: DnsRecord): string {
  if (r.rdata.length > 0 && OWNER_NAME_TYPES.has(r.type)) return ` ${r.name}`;
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
    case DnsType.MX:
    case T_KX: {
      const m = d as { preference: number; exchange: string };
      return ` ${m.preference} ${m.exchange}`;
    }
    case DnsType.SOA:
      return ` ${(d as { mname: string }).mname}`;
    case DnsType.SRV: {
      const s = d as { priority: number; weight: number; port: number; target: string };
      return ` ${s.priority} ${s.weight} ${s.port} ${s.target}`;
    }
    case DnsType.HINFO: {
      const h = d as { cpu: string; os: string };
      return ` ${h.cpu} ${h.os}`;
    }
    case DnsType.NAPTR: {
      const n = d as { order: number; preference: number; flags: string };
      return ` ${n.order} ${n.preference} ${n.flags}`;
    }
    case DnsType.NSEC:
      return ` ${(d as { next: string }).next}`;
    case T_DNAME:
    case T_NXT:
      return ` ${(d as { name: string }).name}`;
    case T_WKS:
      return ` ${(d as { address: string }).address}`;
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
  if (h.cutRecordType !== undefined) s += ` ${dnsTypeName(h.cutRecordType)}${h.cutRecordInfo ?? ''}`;
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

  /** A <character-string>: a length byte, then the text's UTF-8 bytes (at most 255). */
  characterString(text: string, what: string): void {
    const t = new TextEncoder().encode(text);
    if (t.length > 255) throw new WireError('bad-value', `${what} of ${t.length} bytes is longer than 255`, { layer: 'dns' });
    this.bytes.push(t.length);
    this.raw(t);
  }

  /** A name written in full (where an RFC forbids compressing it). */
  uncompressed(text: string): void {
    const c = this.compress;
    this.compress = false;
    this.name(text);
    this.compress = c;
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

/** Record data from its decoded form, for the types decodeDns decodes (others need `rdata`). */
function writeDecoded(w: MessageWriter, type: number, d: DnsRecordData): void {
  const x = d as Record<string, unknown>;
  switch (type) {
    case DnsType.A:
    case DnsType.AAAA: {
      const out = new Uint8Array(16);
      w.raw(out.subarray(0, writeIp(x.address as string, out)));
      return;
    }
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      w.name(x.name as string);
      return;
    case DnsType.MX:
    case T_KX:
      w.u16(check('preference', x.preference as number, 0xffff));
      w.name(x.exchange as string);
      return;
    case DnsType.TXT:
      for (const s of x.strings as string[]) w.characterString(s, 'TXT string');
      return;
    case DnsType.SOA:
      w.name(x.mname as string);
      w.name(x.rname as string);
      for (const k of ['serial', 'refresh', 'retry', 'expire', 'minimum']) w.u32(check(k, x[k] as number, 0xffffffff));
      return;
    case DnsType.SRV:
      w.u16(check('priority', x.priority as number, 0xffff));
      w.u16(check('weight', x.weight as number, 0xffff));
      w.u16(check('port', x.port as number, 0xffff));
      // RFC 2782: the target is not compressed.
      w.uncompressed(x.target as string);
      return;
    case DnsType.OPT:
      for (const o of (d as DnsOpt).options) {
        w.u16(check('option code', o.code, 0xffff));
        w.u16(check('option length', o.data.length, 0xffff));
        w.raw(o.data);
      }
      return;
    case DnsType.HINFO:
      w.characterString(x.cpu as string, 'HINFO CPU');
      w.characterString(x.os as string, 'HINFO OS');
      return;
    case DnsType.CAA: {
      w.bytes.push(check('flags', x.flags as number, 255));
      const tag = new TextEncoder().encode(x.tag as string);
      if (tag.length < 1 || tag.length > 255) throw new WireError('bad-value', `CAA tag of ${tag.length} bytes must be 1 to 255`, { layer: 'dns' });
      w.bytes.push(tag.length);
      w.raw(tag);
      w.raw(new TextEncoder().encode(x.value as string));
      return;
    }
    case DnsType.SVCB:
    case DnsType.HTTPS:
      w.u16(check('priority', x.priority as number, 0xffff));
      // RFC 9460 section 2.2: the target name is not compressed.
      w.uncompressed(x.target as string);
      for (const p of x.params as { key: number; value: Uint8Array }[]) {
        w.u16(check('SvcParam key', p.key, 0xffff));
        w.u16(check('SvcParam length', p.value.length, 0xffff));
        w.raw(p.value);
      }
      return;
    default:
      throw new WireError('bad-value', `${dnsTypeName(type)} records are written from rdata (bytes), not decoded data`, { layer: 'dns' });
  }
}

function writeData(w: MessageWriter, r: DnsRecordInput): void {
  const lengthAt = w.bytes.length;
  w.u16(0);
  const start = w.bytes.length;
  if (r.rdata !== undefined) w.raw(r.rdata);
  else if (r.data !== undefined) writeDecoded(w, r.type, r.data);
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
