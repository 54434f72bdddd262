// Internet Group Management Protocol, IP protocol 2: version 1 (RFC 1112 appendix I), version 2
// (RFC 2236) and version 3 (RFC 3376). Hosts report the multicast groups they listen to, routers
// query them.
//
// The version is not a field: RFC 3376 section 7.1 tells queries apart by length (8 bytes: v1 or
// v2, 12 or more: v3) and, at 8 bytes, by the max response code (0: v1). Reports carry theirs in
// the type (0x12 v1, 0x16 v2, 0x22 v3) and 0x17 is v2's leave. tshark 4.0 reads it the same way.
//
// A message cut short still decodes as far as its bytes go (tshark shows those fields) and the
// layer reports `truncated`; only an empty one throws.
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import { put16, u16 } from '../packet/bytes.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { scanned } from '../packet/packet.js';
import { decodeAlone, scanThenRead, type DecodeContext, type EncodeContext, type Encoder, type Protocol, type Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';
import { formatIpv4, writeIpv4 } from './ip-address.js';

export const IP_PROTO_IGMP = 2;

export const IgmpType = {
  MembershipQuery: 0x11,
  V1MembershipReport: 0x12,
  V2MembershipReport: 0x16,
  LeaveGroup: 0x17,
  V3MembershipReport: 0x22,
} as const;

/** One group record of a version 3 report (RFC 3376 section 4.2.4). */
export interface IgmpGroupRecord {
  /** igmp.record_type: 1 mode is include, 2 mode is exclude, 3 change to include, 4 change to exclude, 5 allow new sources, 6 block old sources. */
  recordType: number;
  /** igmp.aux_data_len, in 32-bit words. */
  auxDataLength: number;
  /** igmp.num_src: the count the record announces. */
  numberOfSources: number;
  /** igmp.maddr. */
  group: string;
  /** igmp.saddr: the sources captured (fewer than announced in a cut message). */
  sources: string[];
  /** igmp.aux_data, colon-separated hex, when there is any. */
  auxData?: string;
}

export interface IgmpHeader {
  /** 1, 2 or 3 (RFC 3376 section 7.1); 0 for a type no version defines (DVMRP, mtrace...). */
  version: number;
  /** igmp.type. */
  type: number;
  /**
   * The second byte: v2's max response time (tenths of a second), v3's max response code; v1 and
   * v3 reports have it reserved.
   */
  maxRespCode: number;
  /** igmp.checksum and its status (v1 and v2 check their 8 bytes, v3 the whole message). */
  checksum?: number;
  checksumStatus?: ChecksumStatus;
  /** igmp.maddr: the group (queries, v1/v2 reports, leave). */
  group?: string;
  /** v3 query: the S flag (suppress router-side processing), robustness variable, querier's query interval code. */
  suppress?: boolean;
  qrv?: number;
  qqic?: number;
  /** v3 query: igmp.num_src as announced, and the sources captured. */
  numberOfSources?: number;
  sources?: string[];
  /** v3 report: the reserved 16 bits, igmp.num_grp_recs and the records captured. */
  reserved2?: number;
  numberOfGroupRecords?: number;
  records?: IgmpGroupRecord[];
}

/**
 * RFC 3376 section 4.1.1: codes from 128 are a floating-point value, mantissa and exponent (the
 * same encoding as the QQIC, section 4.1.7).
 */
export function igmpV3Time(code: number): number {
  return code < 128 ? code : ((code & 0x0f) | 0x10) << (((code >>> 4) & 7) + 3);
}

function versionOf(type: number, length: number, code: number): number {
  switch (type) {
    case IgmpType.MembershipQuery:
      return length >= 12 ? 3 : code === 0 ? 1 : 2;
    case IgmpType.V1MembershipReport:
      return 1;
    case IgmpType.V2MembershipReport:
    case IgmpType.LeaveGroup:
      return 2;
    case IgmpType.V3MembershipReport:
      return 3;
  }
  return 0;
}

/** Bytes the message needs to be whole, as far as the captured part tells (0 when it cannot say yet). */
function requiredLength(b: Uint8Array, at: number, have: number, version: number, type: number): number {
  if (version !== 3) return 8;
  if (type === IgmpType.MembershipQuery) return have < 12 ? 12 : 12 + 4 * u16(b, at + 10);
  let need = 8;
  if (have < 8) return need;
  const count = u16(b, at + 6);
  for (let i = 0; i < count; i++) {
    if (have < need + 8) return need + 8;
    need += 8 + 4 * (b[at + need + 1]! + u16(b, at + need + 2));
  }
  return need;
}

function scanIgmp(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  const have = end - offset;
  if (offset < 0 || have < 1) {
    throw new WireError('truncated', `header needs 8 bytes, ${Math.max(0, have)} captured at offset ${offset}`, { layer: 'igmp', offset, required: 8, available: Math.max(0, have) });
  }
  const type = bytes[offset]!;
  const version = versionOf(type, have, have > 1 ? bytes[offset + 1]! : 0);
  const need = requiredLength(bytes, offset, have, version, type);
  if (have < need) {
    const error = new WireError('truncated', `IGMPv${version} message needs ${need} bytes, ${have} captured at offset ${offset}`, { layer: 'igmp', offset, required: need, available: have });
    return scanned(have, undefined, undefined, error);
  }
  return scanned(have);
}

function readIgmp(ctx: DecodeContext): IgmpHeader {
  const { bytes: b, offset: at } = ctx;
  const end = Math.min(ctx.end, b.length);
  const have = end - at;
  const type = b[at]!;
  const maxRespCode = have > 1 ? b[at + 1]! : 0;
  const version = versionOf(type, have, maxRespCode);
  const h: IgmpHeader = { version, type, maxRespCode };
  if (have >= 4) {
    h.checksum = u16(b, at + 2);
    // v1 and v2 messages are 8 bytes whatever follows; v3's checksum covers the whole message.
    const covered = version === 3 ? have : 8;
    h.checksumStatus = ctx.verifyChecksum && !ctx.quoted && have >= covered ? (internetChecksum(b.subarray(at, at + covered)) === 0 ? 'good' : 'bad') : 'unverified';
  }
  if (version === 3 && type === IgmpType.V3MembershipReport) {
    if (have < 8) return h;
    h.reserved2 = u16(b, at + 4);
    h.numberOfGroupRecords = u16(b, at + 6);
    h.records = [];
    let p = at + 8;
    for (let i = 0; i < h.numberOfGroupRecords && p + 8 <= end; i++) {
      const record: IgmpGroupRecord = { recordType: b[p]!, auxDataLength: b[p + 1]!, numberOfSources: u16(b, p + 2), group: formatIpv4(b, p + 4), sources: [] };
      p += 8;
      for (let s = 0; s < record.numberOfSources && p + 4 <= end; s++, p += 4) record.sources.push(formatIpv4(b, p));
      if (record.auxDataLength > 0) {
        const auxEnd = Math.min(end, p + 4 * record.auxDataLength);
        record.auxData = bytesField(b.subarray(p, auxEnd));
        p = auxEnd;
      }
      h.records.push(record);
    }
    return h;
  }
  if (have >= 8) h.group = formatIpv4(b, at + 4);
  if (version === 3 && type === IgmpType.MembershipQuery && have >= 12) {
    h.suppress = (b[at + 8]! & 0x08) !== 0;
    h.qrv = b[at + 8]! & 7;
    h.qqic = b[at + 9]!;
    h.numberOfSources = u16(b, at + 10);
    h.sources = [];
    for (let s = 0, p = at + 12; s < h.numberOfSources && p + 4 <= end; s++, p += 4) h.sources.push(formatIpv4(b, p));
  }
  return h;
}

/**
 * Decodes the IGMP message at bytes[offset, end): the checksum is verified. Throws `truncated`
 * when the message is shorter than its version's header or its records say.
 *
 * @example
 * decodeIgmp(ipPayload); // { version: 2, type: 0x16, maxRespCode: 0, group: '239.1.1.1', ... }
 */
export function decodeIgmp(bytes: Uint8Array, offset = 0, end = bytes.length): IgmpHeader {
  return decodeAlone(scanIgmp, readIgmp, bytes, offset, end, true);
}

const TYPE_NAMES: Record<number, string> = { 0x11: 'Membership Query', 0x12: 'Membership Report', 0x16: 'Membership Report', 0x17: 'Leave Group', 0x22: 'Membership Report' };

function sourceList(sources: readonly string[], complete: boolean): string {
  return `{${sources.join(', ')}${complete ? '}' : ''}`;
}

/** tshark's wording of one v3 group record (packet-igmp.c): joins, leaves, source changes. */
function recordInfo(r: IgmpGroupRecord): string {
  const n = r.sources.length;
  const list = sourceList(r.sources, true);
  switch (r.recordType) {
    case 1:
    case 3:
      if (n === 0) return `Leave group ${r.group}`;
      return `Join group ${r.group} for source${n > 1 ? 's in' : ''} ${list}`;
    case 2:
    case 4:
      if (n === 0) return `Join group ${r.group} for any sources`;
      return `Join group ${r.group}, for source${n > 1 ? 's not in' : ' not'} ${list}`;
    case 5:
      return `Group ${r.group}, new source${n > 1 ? 's' : ''} ${list}`;
    case 6:
      return `Group ${r.group}, block source${n > 1 ? 's' : ''} ${list}`;
  }
  return `Group ${r.group}, unknown record type ${r.recordType}`;
}

/**
 * tshark's protocol and info columns for an IGMP message: `['IGMPv2', 'Membership Report group 239.1.1.1']`.
 */
export function igmpColumns(h: IgmpHeader): [string, string] {
  const protocol = h.version === 0 ? 'IGMP' : `IGMPv${h.version}`;
  let info = TYPE_NAMES[h.type] ?? `Unknown Type:0x${h.type.toString(16).padStart(2, '0')}`;
  if (h.version === 2 || h.version === 3) {
    if (h.type === IgmpType.MembershipQuery && h.group !== undefined) {
      if (h.group === '0.0.0.0') info += ', general';
      else info += `, specific for group ${h.group}`;
      if (h.version === 3 && h.sources !== undefined && h.numberOfSources! > 0) info += `, sources ${sourceList(h.sources, h.sources.length === h.numberOfSources)}`;
    } else if (h.version === 2 && h.group !== undefined) {
      info += ` ${h.type === IgmpType.LeaveGroup ? '' : 'group '}${h.group}`;
    } else if (h.records !== undefined) {
      for (const r of h.records) if (r.sources.length === r.numberOfSources) info += ` / ${recordInfo(r)}`;
    }
  }
  return [protocol, info];
}

/** IGMP, bound to IP protocol 2; its checksum policy name is `igmp`. */
export const igmp: Protocol<IgmpHeader> = {
  name: 'igmp',
  scan: scanIgmp,
  decode: scanThenRead(scanIgmp, readIgmp),
  fields(h: IgmpHeader, out: FieldSink, layer): void {
    if (h.version !== 0) out.add('igmp.version', h.version);
    out.add('igmp.type', h.type);
    const reservedCode = h.version === 1 || (h.version === 3 && h.type === IgmpType.V3MembershipReport);
    if (layer.length >= 2) {
      if (reservedCode) out.add('igmp.reserved', bytesField(Uint8Array.of(h.maxRespCode)));
      else if (h.version === 3) {
        out.add('igmp.max_resp', igmpV3Time(h.maxRespCode));
        if (h.maxRespCode >= 128) {
          out.add('igmp.max_resp.exp', (h.maxRespCode >>> 4) & 7);
          out.add('igmp.max_resp.mant', h.maxRespCode & 0x0f);
        }
      } else out.add('igmp.max_resp', h.maxRespCode);
    }
    if (h.checksum !== undefined) {
      out.add('igmp.checksum', h.checksum);
      out.add('igmp.checksum.status', h.checksumStatus ?? 'unverified');
    }
    if (h.reserved2 !== undefined) {
      out.add('igmp.reserved', bytesField(Uint8Array.of(h.reserved2 >>> 8, h.reserved2 & 0xff)));
      out.add('igmp.num_grp_recs', h.numberOfGroupRecords!);
      for (const r of h.records!) {
        out.add('igmp.record_type', r.recordType);
        out.add('igmp.aux_data_len', r.auxDataLength);
        out.add('igmp.num_src', r.numberOfSources);
        out.add('igmp.maddr', r.group);
        for (const s of r.sources) out.add('igmp.saddr', s);
        if (r.auxData !== undefined) out.add('igmp.aux_data', r.auxData);
      }
    }
    if (h.group !== undefined) out.add('igmp.maddr', h.group);
    if (h.qrv !== undefined) {
      out.add('igmp.s', h.suppress ? 1 : 0);
      out.add('igmp.qrv', h.qrv);
      out.add('igmp.qqic', h.qqic!);
      out.add('igmp.num_src', h.numberOfSources!);
      for (const s of h.sources!) out.add('igmp.saddr', s);
    }
  },
};

/** A group record to encode (v3 report). */
export interface IgmpGroupRecordInput {
  recordType: number;
  group: string;
  sources?: readonly string[];
  /** Auxiliary data, a multiple of 4 bytes. */
  auxData?: Uint8Array;
}

/**
 * An IGMP message to encode. `type` 0x22 is a v3 report (`records`); 0x11 is a v3 query when any
 * of `version: 3`, `suppress`, `qrv`, `qqic` or `sources` is given, else an 8-byte v1/v2 query;
 * other types are 8 bytes (`maxRespCode`, `group`). The checksum is computed unless given.
 */
export interface IgmpInput {
  type: number;
  version?: number;
  maxRespCode?: number;
  checksum?: number;
  group?: string;
  suppress?: boolean;
  qrv?: number;
  qqic?: number;
  sources?: readonly string[];
  records?: readonly IgmpGroupRecordInput[];
}

const checkIgmp = rangeChecker('igmp');

function isV3Query(h: IgmpInput): boolean {
  return h.type === IgmpType.MembershipQuery && (h.version === 3 || h.suppress !== undefined || h.qrv !== undefined || h.qqic !== undefined || h.sources !== undefined);
}

/** Bytes this message takes. */
export function igmpLength(h: IgmpInput): number {
  if (h.type === IgmpType.V3MembershipReport) {
    return 8 + (h.records ?? []).reduce((n, r) => n + 8 + 4 * (r.sources?.length ?? 0) + (r.auxData?.length ?? 0), 0);
  }
  return isV3Query(h) ? 12 + 4 * (h.sources?.length ?? 0) : 8;
}

/** Writes the message at out[offset] and returns its length. */
export function emitIgmp(h: IgmpInput, out: Uint8Array, offset = 0, fill = true): number {
  const length = igmpLength(h);
  if (offset < 0 || out.length - offset < length) throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}`, { layer: 'igmp', offset });
  out.fill(0, offset, offset + length);
  out[offset] = checkIgmp('type', h.type, 0xff);
  out[offset + 1] = checkIgmp('maxRespCode', h.maxRespCode ?? 0, 0xff);
  let p = offset + 8;
  if (h.type === IgmpType.V3MembershipReport) {
    const records = h.records ?? [];
    put16(out, offset + 6, checkIgmp('records', records.length, 0xffff));
    for (const r of records) {
      const aux = r.auxData ?? new Uint8Array(0);
      if (aux.length % 4 !== 0) throw new WireError('bad-value', `auxiliary data of ${aux.length} bytes is not a multiple of 4`, { layer: 'igmp' });
      out[p] = checkIgmp('recordType', r.recordType, 0xff);
      out[p + 1] = checkIgmp('auxDataLength', aux.length / 4, 0xff);
      put16(out, p + 2, checkIgmp('sources', r.sources?.length ?? 0, 0xffff));
      writeIpv4(r.group, out, p + 4);
      p += 8;
      for (const s of r.sources ?? []) {
        writeIpv4(s, out, p);
        p += 4;
      }
      out.set(aux, p);
      p += aux.length;
    }
  } else {
    writeIpv4(h.group ?? '0.0.0.0', out, offset + 4);
    if (isV3Query(h)) {
      out[offset + 8] = (h.suppress ? 0x08 : 0) | checkIgmp('qrv', h.qrv ?? 0, 7);
      out[offset + 9] = checkIgmp('qqic', h.qqic ?? 0, 0xff);
      put16(out, offset + 10, checkIgmp('sources', h.sources?.length ?? 0, 0xffff));
      p = offset + 12;
      for (const s of h.sources ?? []) {
        writeIpv4(s, out, p);
        p += 4;
      }
    }
  }
  const checksum = h.checksum ?? (fill ? internetChecksum(out.subarray(offset, offset + length)) : 0);
  put16(out, offset + 2, checkIgmp('checksum', checksum, 0xffff));
  return length;
}

/** A new buffer holding the message. */
export function encodeIgmp(h: IgmpInput): Uint8Array {
  const out = new Uint8Array(igmpLength(h));
  emitIgmp(h, out);
  return out;
}

/** IGMP for `encodeFrame`: `[{ ip: { ttl: 1, ... } }, { igmp: { type: 0x16, group: '239.1.1.1' } }]`. */
export const igmpEncoder: Encoder<IgmpInput> = {
  name: 'igmp',
  headerLength: igmpLength,
  emit(header, out, offset, _payloadLength, ctx: EncodeContext) {
    emitIgmp(header, out, offset, ctx.fill);
  },
};
