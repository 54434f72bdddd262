// NetBIOS Name Service, UDP port 137 (RFC 1002 section 4.2): DNS's header and sections with
// NetBIOS names: the first label is the 16-byte NetBIOS name (15 characters padded with spaces,
// then a suffix byte naming the service) in "first-level encoding" (each byte as two letters 'A'
// plus a nibble), then an optional scope of ordinary labels; names may end in a pointer.
//
// Questions and resource records are decoded (NB records' flags and addresses); tshark 4.0's
// summary is followed exactly: the operation (`Name query`, `Registration`, ...), ` response` and
// `, <error>` for responses, then each question's ` <type> <name>` and each answer's ` NB <first
// address>` (`NBSTAT` and `Unknown` records by type alone). Names print as tshark prints them:
// trailing spaces dropped, bytes outside printable ASCII as `<xx>`, the suffix as `<xx>`, the scope
// after a dot; a first label other than 32 bytes is `Illegal NetBIOS name (N bytes long)`.
import { WireError } from '../errors.js';
import { u16, u32 } from '../packet/bytes.js';
import type { FieldSink } from '../packet/fields.js';
import { formatIpv4 } from '../network/ip-address.js';
import { scanned } from '../packet/packet.js';
import { decodeAlone, scanThenRead, type DecodeContext, type Protocol, type Scanned } from '../packet/protocol.js';

export const NBNS_PORT = 137;
const HEADER = 12;
const T_NB = 0x20;
const T_NBSTAT = 0x21;
/** Pointers one name may follow before it counts as a loop (a crafted chain is bounded work). */
const MAX_POINTERS = 64;

const OPCODES: Record<number, string> = {
  0: 'Name query', 5: 'Registration', 6: 'Release', 7: 'Wait for acknowledgment', 8: 'Refresh', 9: 'Refresh (alternate opcode)', 15: 'Multi-homed registration',
};
const RCODES: Record<number, string> = {
  1: 'Request was invalidly formatted', 2: 'Server failure', 3: 'Requested name does not exist', 4: 'Request is not implemented',
  5: 'Request was refused', 6: 'Name is owned by another node', 7: 'Name is in conflict',
};
/** What tshark says a NetBIOS name's suffix (its 16th byte) names, in a record's name field. */
const SUFFIX_NAMES: Record<number, string> = {
  0x00: 'Workstation/Redirector', 0x01: 'Browser', 0x02: 'Workstation/Redirector', 0x03: 'Messenger service/Main name', 0x05: 'Forwarded name',
  0x06: 'RAS Server service', 0x1b: 'Domain Master Browser', 0x1c: 'Domain Controllers', 0x1d: 'Local Master Browser', 0x1e: 'Browser Election Service',
  0x1f: 'Net DDE Service', 0x20: 'Server service', 0x21: 'RAS client service', 0x22: 'Exchange Interchange (MSMail Connector)', 0x23: 'Exchange Store',
  0x24: 'Exchange Directory', 0x2b: 'Lotus Notes Server service', 0x30: 'Modem sharing server service', 0x31: 'Modem sharing client service',
  0x43: 'SMS Clients Remote Control', 0x44: 'SMS Administrators Remote Control Tool', 0x45: 'SMS Clients Remote Chat', 0x46: 'SMS Clients Remote Transfer',
  0x4c: 'DEC Pathworks TCP/IP Service on Windows NT', 0x52: 'DEC Pathworks TCP/IP Service on Windows NT', 0x6a: 'Microsoft Exchange IMC',
  0x87: 'Microsoft Exchange MTA', 0xbe: 'Network Monitor Agent', 0xbf: 'Network Monitor Analyzer',
};

export interface NbnsName {
  /** As tshark prints it: `FILESRV<20>`, `*<00><00>...`, `HOST<20>.corp.example`. */
  text: string;
  /** The suffix byte (the 16th of the NetBIOS name), when the first label was a whole name. */
  suffix?: number;
}

export interface NbnsQuestion {
  name: NbnsName;
  type: number;
  class: number;
}

export interface NbnsRecord {
  name: NbnsName;
  type: number;
  class: number;
  ttl: number;
  /** The data as sent. */
  data: Uint8Array;
  /** NB records: each entry's flags and address. */
  addresses?: { flags: number; address: string }[];
  /** An NB record whose data holds no entry: listed (tshark shows its fields), then the message stops. */
  cut?: true;
}

export interface NbnsMessage {
  id: number;
  flags: number;
  response: boolean;
  opcode: number;
  rcode: number;
  counts: { questions: number; answers: number; authorities: number; additionals: number };
  questions: NbnsQuestion[];
  answers: NbnsRecord[];
  authorities: NbnsRecord[];
  additionals: NbnsRecord[];
}

function fail(code: 'truncated' | 'bad-value', message: string, offset: number): never {
  throw new WireError(code, message, { layer: 'nbns', offset });
}

/** A NetBIOS name's character as tshark prints it: printable ASCII, else `<xx>`. */
const shown = (c: number) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `<${c.toString(16).padStart(2, '0')}>`);

/** The name at `at`: the NetBIOS name, its scope, at most a chain of pointers. Throws where it runs past the message. */
function readName(b: Uint8Array, base: number, end: number, at: number): { name: NbnsName; next: number } {
  let pos = at;
  let next = -1;
  let pointers = 0;
  // Bytes walked: more than the message holds means a loop (bounded work for any number of names).
  let seen = 0;
  let name: NbnsName | undefined;
  let scope = '';
  for (;;) {
    if (pos >= end) fail('truncated', `name at offset ${at} runs past the message's end at ${end}`, pos);
    const len = b[pos]!;
    if (len === 0) {
      pos++;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (end - pos < 2) fail('truncated', `name pointer at offset ${pos} is cut by the message's end`, pos);
      if (next < 0) next = pos + 2;
      seen += 2;
      if (++pointers > MAX_POINTERS) fail('bad-value', `name at offset ${at} follows more than ${MAX_POINTERS} pointers`, pos);
      if (seen > end - base) fail('bad-value', `name at offset ${at} walks more bytes than the message holds: its pointers loop`, pos);
      const target = base + (((len & 0x3f) << 8) | b[pos + 1]!);
      if (target >= end) fail('bad-value', `name pointer at offset ${pos} points past the message`, pos);
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) fail('bad-value', `label type 0x${(len & 0xc0).toString(16)} at offset ${pos} is not one NetBIOS names use`, pos);
    if (end - pos - 1 < len) fail('truncated', `label of ${len} bytes at offset ${pos} runs past the message's end at ${end}`, pos);
    seen += len + 1;
    if (seen > end - base) fail('bad-value', `name at offset ${at} walks more bytes than the message holds: its pointers loop`, pos);
    if (name === undefined) {
      name = len === 32 ? netbiosName(b, pos + 1) : { text: `Illegal NetBIOS name (${len >> 1} bytes long)` };
    } else {
      let label = '';
      for (let k = 0; k < len; k++) label += String.fromCharCode(b[pos + 1 + k]!);
      scope += `.${label}`;
    }
    pos += len + 1;
  }
  const n = name ?? { text: '' };
  return { name: scope === '' ? n : { ...n, text: n.text + scope }, next: next < 0 ? pos : next };
}

/** The 16 bytes of a first-level encoded NetBIOS name (32 letters at `at`). */
function netbiosName(b: Uint8Array, at: number): NbnsName {
  const bytes: number[] = [];
  for (let k = 0; k < 16; k++) bytes.push((((b[at + 2 * k]! - 0x41) << 4) | ((b[at + 2 * k + 1]! - 0x41) & 0x0f)) & 0xff);
  let last = 15;
  while (last > 0 && bytes[last - 1] === 0x20) last--;
  let text = '';
  for (let k = 0; k < last; k++) text += shown(bytes[k]!);
  const suffix = bytes[15]!;
  return { text: `${text}<${suffix.toString(16).padStart(2, '0')}>`, suffix };
}

function readMessage(b: Uint8Array, base: number, end: number): { message: NbnsMessage; error?: WireError } {
  const flags = u16(b, base + 2);
  const m: NbnsMessage = {
    id: u16(b, base),
    flags,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 15,
    rcode: flags & 15,
    counts: { questions: u16(b, base + 4), answers: u16(b, base + 6), authorities: u16(b, base + 8), additionals: u16(b, base + 10) },
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  let at = base + HEADER;
  try {
    for (let i = 0; i < m.counts.questions; i++) {
      const n = readName(b, base, end, at);
      if (end - n.next < 4) fail('truncated', `question at offset ${at} is cut by the message's end at ${end}`, n.next);
      m.questions.push({ name: n.name, type: u16(b, n.next), class: u16(b, n.next + 2) });
      at = n.next + 4;
    }
    for (const [count, list] of [[m.counts.answers, m.answers], [m.counts.authorities, m.authorities], [m.counts.additionals, m.additionals]] as const) {
      for (let i = 0; i < count; i++) {
        const n = readName(b, base, end, at);
        const p = n.next;
        if (end - p < 10) fail('truncated', `record at offset ${at} is cut by the message's end at ${end}`, p);
        const type = u16(b, p);
        const length = u16(b, p + 8);
        if (end - p - 10 < length) fail('truncated', `record data of ${length} bytes at offset ${p + 10} runs past the message's end at ${end}`, p + 10);
        const r: NbnsRecord = { name: n.name, type, class: u16(b, p + 2), ttl: u32(b, p + 4), data: b.slice(p + 10, p + 10 + length) };
        if (type === T_NB) {
          // Flags and an IPv4 address per entry (RFC 1002 4.2.2); tshark's read fails on a record without one.
          if (length < 6) {
            r.cut = true;
            list.push(r);
            fail('truncated', `NB record data of ${length} bytes at offset ${p + 10} holds no entry (6 bytes each)`, p + 10);
          }
          r.addresses = [];
          for (let k = p + 10; k + 6 <= p + 10 + length; k += 6) r.addresses.push({ flags: u16(b, k), address: formatIpv4(b, k + 2) });
        }
        list.push(r);
        at = p + 10 + length;
      }
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return { message: m, error: e };
  }
  return { message: m };
}

function scanNbns(ctx: DecodeContext): Scanned {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  if (at < 0 || end - at < HEADER) {
    const have = Math.max(0, end - at);
    const error = new WireError('truncated', `header needs ${HEADER} bytes, ${have} captured at offset ${at}`, { layer: 'nbns', offset: at, required: HEADER, available: have });
    if (have === 0) throw error;
    return scanned(have, undefined, undefined, error);
  }
  return scanned(end - at, undefined, undefined, readMessage(b, at, end).error);
}

function readNbns(ctx: DecodeContext): NbnsMessage {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  if (end - at < HEADER) {
    const flags = end - at >= 4 ? u16(b, at + 2) : 0;
    return { id: end - at >= 2 ? u16(b, at) : 0, flags, response: (flags & 0x8000) !== 0, opcode: (flags >>> 11) & 15, rcode: flags & 15, counts: { questions: 0, answers: 0, authorities: 0, additionals: 0 }, questions: [], answers: [], authorities: [], additionals: [] };
  }
  return readMessage(b, at, end).message;
}

/**
 * Decodes the NBNS message at bytes[offset, end). Throws a WireError where the message is cut or
 * a name is damaged.
 *
 * @example
 * decodeNbns(udpPayload).questions[0]!.name.text; // 'WORKGROUP<1c>'
 */
export function decodeNbns(bytes: Uint8Array, offset = 0, end = bytes.length): NbnsMessage {
  return decodeAlone(scanNbns, readNbns, bytes, offset, end);
}

const typeName = (t: number) => (t === T_NB ? 'NB' : t === T_NBSTAT ? 'NBSTAT' : 'Unknown');

/** tshark's info column: `Name query NB WORKGROUP<1c>`, `Name query response NB 10.0.0.2`. */
export function nbnsInfo(m: NbnsMessage): string {
  let s = OPCODES[m.opcode] ?? `Unknown operation (${m.opcode})`;
  if (m.response) {
    s += ' response';
    if (m.rcode !== 0) s += `, ${RCODES[m.rcode] ?? 'Unknown error'}`;
  }
  for (const q of m.questions) s += ` ${typeName(q.type)} ${q.name.text}`;
  for (const r of m.answers) {
    if (r.cut === true) continue;
    s += r.type === T_NB && r.addresses !== undefined && r.addresses.length > 0 ? ` NB ${r.addresses[0]!.address}` : ` ${typeName(r.type)}`;
  }
  return s;
}

function recordFields(r: NbnsRecord, out: FieldSink): void {
  // (tshark names the suffix's service in NB records only.)
  const meaning = r.name.suffix === undefined || r.type !== T_NB ? '' : ` (${SUFFIX_NAMES[r.name.suffix] ?? 'Unknown'})`;
  out.add('nbns.name', r.name.text + meaning);
  out.add('nbns.type', r.type);
  out.add('nbns.class', r.class);
  out.add('nbns.ttl', r.ttl);
  out.add('nbns.data_length', r.data.length);
  for (const a of r.addresses ?? []) {
    out.add('nbns.nb_flags', a.flags);
    out.add('nbns.nb_flags.group', a.flags >>> 15);
    out.add('nbns.nb_flags.ont', (a.flags >>> 13) & 3);
    out.add('nbns.addr', a.address);
  }
}

/** NBNS, bound to UDP port 137. */
export const nbns: Protocol<NbnsMessage> = {
  name: 'nbns',
  scan: scanNbns,
  decode: scanThenRead(scanNbns, readNbns),
  fields(m: NbnsMessage, out: FieldSink): void {
    out.add('nbns.id', m.id);
    out.add('nbns.flags', m.flags);
    out.add('nbns.flags.response', m.response ? 1 : 0);
    out.add('nbns.flags.opcode', m.opcode);
    if (m.response) out.add('nbns.flags.authoritative', (m.flags >>> 10) & 1);
    out.add('nbns.flags.truncated', (m.flags >>> 9) & 1);
    out.add('nbns.flags.recdesired', (m.flags >>> 8) & 1);
    if (m.response) out.add('nbns.flags.recavail', (m.flags >>> 7) & 1);
    out.add('nbns.flags.broadcast', (m.flags >>> 4) & 1);
    if (m.response) out.add('nbns.flags.rcode', m.rcode);
    out.add('nbns.count.queries', m.counts.questions);
    out.add('nbns.count.answers', m.counts.answers);
    out.add('nbns.count.auth_rr', m.counts.authorities);
    out.add('nbns.count.add_rr', m.counts.additionals);
    for (const q of m.questions) {
      out.add('nbns.name', q.name.text);
      out.add('nbns.type', q.type);
      out.add('nbns.class', q.class);
    }
    for (const r of m.answers) recordFields(r, out);
    for (const r of m.authorities) recordFields(r, out);
    for (const r of m.additionals) recordFields(r, out);
  },
};
