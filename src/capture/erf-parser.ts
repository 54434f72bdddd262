// Endace ERF (Extensible Record Format): what DAG capture cards write, and CAIDA and many research
// datasets publish. Read as Wireshark's wiretap (erf.c) reads it, after the Endace ERF types
// document. There is no file header and no magic: a file is records, each
//
//   0  timestamp   u64 little-endian: seconds in the upper 32 bits, a binary fraction below
//   8  type        low 7 bits the record type; bit 7: an extension header follows
//   9  flags       bits 0-1 port, 2 varying length, 3 truncated, 4 rx error, 5 DS error
//  10  rlen        u16 big-endian: the whole record, header and padding included
//  12  lctr        u16 big-endian: loss counter, or colour in the colour types
//  14  wlen        u16 big-endian: length on the wire
//  16  extension headers, 8 bytes each, while the top bit of each one's type says another follows
//      then, for the Ethernet types, 2 bytes (offset and pad) before the frame.
//
// Captured length is min(wlen, rlen - header - extension headers - Ethernet pad), as wiretap
// computes it: rlen may exceed that by the padding to 8 bytes. ERF Ethernet frames end with their
// 4-byte FCS, counted in wlen; tshark 4.0 keeps it in the frame (its erf.ethfcs preference defaults
// to true), and so does wirekit, saying so in the record's `flags` (pcapng epb_flags: FCS length 4).
//
// Every record but PAD is a frame for tshark, provenance (META) records included: to keep tshark's
// frame numbering, wirekit yields them too. Records whose payload maps to a link type wirekit
// decodes (Ethernet, raw IPv4, raw IPv6, PPP or Cisco HDLC over HDLC PoS) carry that payload;
// every other record (META, ATM, multi-channel, InfiniBand, unknown types) is yielded whole, header
// included, as LINKTYPE_ERF (197): its bytes are exactly what a pcap of that link type stores, and
// decoders report the link type as one they do not read.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import { secondsNanos } from './timestamp.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

export const ERF_HEADER_LENGTH = 16;
const EXTENSION_LENGTH = 8;
const ETH_PAD_LENGTH = 2;

/** ERF record types (Endace ERF types document; wiretap's erf_record.h). */
export const ERF_TYPE = Object.freeze({
  HDLC_POS: 1,
  ETH: 2,
  ATM: 3,
  AAL5: 4,
  COLOR_HDLC_POS: 10,
  COLOR_ETH: 11,
  DSM_COLOR_HDLC_POS: 15,
  DSM_COLOR_ETH: 16,
  COLOR_HASH_POS: 19,
  COLOR_HASH_ETH: 20,
  IPV4: 22,
  IPV6: 23,
  META: 27,
  PAD: 48,
});

/** LINKTYPE_ERF: a whole ERF record, header included. */
export const LINKTYPE_ERF = 197;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_PPP = 9;
const LINKTYPE_C_HDLC = 104;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

/** pcapng epb_flags bits 5-8: the FCS length, 4 bytes for ERF Ethernet. */
const FCS_4_FLAGS = 4 << 5;

const ETH_TYPES = new Set<number>([ERF_TYPE.ETH, ERF_TYPE.COLOR_ETH, ERF_TYPE.DSM_COLOR_ETH, ERF_TYPE.COLOR_HASH_ETH]);
const HDLC_TYPES = new Set<number>([ERF_TYPE.HDLC_POS, ERF_TYPE.COLOR_HDLC_POS, ERF_TYPE.DSM_COLOR_HDLC_POS, ERF_TYPE.COLOR_HASH_POS]);

/** Extension header type (low 7 bits) that names the capturing host and source. */
const EXT_HOST_ID = 0x11;
/** Extension header type that carries a source id too (flow id). */
const EXT_FLOW_ID = 0x12;

/** Records wiretap checks before it calls a file ERF, and the fewest a short file must hold. */
const RECORDS_TO_CHECK = 20;
const MIN_RECORDS_TO_CHECK = 3;
/**
 * Bytes the ERF check looks at: three records of the largest rlen fit, so a streaming reader that
 * buffers this much decides as one that holds the whole file.
 */
export const ERF_PROBE_LENGTH = 3 * 0xffff + ERF_HEADER_LENGTH;

/**
 * Whether the bytes from `at` (up to the view's end, at most ERF_PROBE_LENGTH) look like ERF
 * records, by wiretap's erf_open rules: up to 20 records, each with a non-zero type, rlen >= 16 and
 * room for its extension headers (and Ethernet pad), timestamps that never go back more than a
 * second nor jump ahead more than a year. The records checked must end exactly at the end of the
 * bytes, or be at least 3 (a file cut in its first records is not taken for ERF, as wiretap does).
 */
export function looksLikeErf(view: DataView, at: number): boolean {
  const verdict = walkErf(view, at, Math.min(view.byteLength, at + ERF_PROBE_LENGTH));
  return typeof verdict === 'boolean' ? verdict : verdict.atEnd;
}

/**
 * How many bytes from `at` looksLikeErf must see to decide as it would on the whole file, given
 * the `available` bytes buffered so far: at most `available` when those already decide, else more
 * (up to ERF_PROBE_LENGTH). A streaming reader buffers that much before it decides, so it never
 * waits for more than the check reads (a live source is not held up for a fixed amount).
 */
export function erfBytesToDecide(view: DataView, at: number, available: number): number {
  const verdict = walkErf(view, at, at + Math.min(available, ERF_PROBE_LENGTH));
  return typeof verdict === 'boolean' ? available : Math.min(verdict.need, ERF_PROBE_LENGTH);
}

/**
 * The walk of the first records up to `end`: a decision the bytes up to `end` settle whatever
 * follows, or, where the walk reached `end`, the bytes (from `at`) its next step needs and what it
 * decides if the file ends there.
 */
function walkErf(view: DataView, at: number, end: number): boolean | { need: number; atEnd: boolean } {
  let p = at;
  let checked = 0;
  let previous = 0n;
  let havePrevious = false;
  while (checked < RECORDS_TO_CHECK) {
    if (p === end) return { need: p - at + ERF_HEADER_LENGTH, atEnd: checked > 0 };
    if (end - p < ERF_HEADER_LENGTH) return { need: p - at + ERF_HEADER_LENGTH, atEnd: checked >= MIN_RECORDS_TO_CHECK };
    const typeByte = view.getUint8(p + 8);
    const type = typeByte & 0x7f;
    const rlen = view.getUint16(p + 10, false);
    if (rlen < ERF_HEADER_LENGTH) return false;
    if (type !== ERF_TYPE.PAD) {
      if (type === 0) return false;
      const ts = view.getBigUint64(p, true);
      if (ts < previous && (previous - ts) >> 32n > 1n) return false;
      if (havePrevious && ts > previous && (ts - previous) >> 32n > 31_536_000n) return false;
      previous = ts;
      havePrevious = true;
      let room = rlen - ERF_HEADER_LENGTH;
      let q = p + ERF_HEADER_LENGTH;
      let t = typeByte;
      while (t & 0x80) {
        if (room < EXTENSION_LENGTH) return false;
        if (q + EXTENSION_LENGTH > end) return { need: q - at + EXTENSION_LENGTH, atEnd: checked >= MIN_RECORDS_TO_CHECK };
        t = view.getUint8(q);
        q += EXTENSION_LENGTH;
        room -= EXTENSION_LENGTH;
      }
      if (ETH_TYPES.has(type) && room < ETH_PAD_LENGTH) return false;
    }
    if (end - p < rlen) return { need: p - at + rlen, atEnd: checked >= MIN_RECORDS_TO_CHECK };
    p += rlen;
    checked++;
  }
  return true;
}

export class ErfParser implements UnitParser {
  readonly format = 'erf' as const;
  private readonly state: CaptureState;
  /** Interface ids in order of first appearance of (host id, source id, port), as wiretap numbers them. */
  private readonly interfaceIds = new Map<string, number>();

  constructor(state: CaptureState) {
    this.state = state;
    state.format = 'erf';
    state.byteOrder = 'little';
    state.precision = 'nano';
    state.sections.push({ index: 0, offset: 0, byteOrder: 'little', version: 'erf', sectionLength: -1n });
  }

  unitName(): string {
    return 'record';
  }

  headerLength(): number {
    return ERF_HEADER_LENGTH;
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    const rlen = view.getUint16(at + 10, false);
    if (rlen < ERF_HEADER_LENGTH) {
      throw fileError('erf', 'bad-length', `record at offset ${fileOffset} has rlen ${rlen}, less than its 16-byte header: the file is damaged`, fileOffset + 10);
    }
    const cap = this.state.maxRecordLength;
    if (rlen > cap) {
      throw fileError('erf', 'limit-exceeded', `record at offset ${fileOffset} claims rlen ${rlen}, above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fileOffset + 10, rlen, cap);
    }
    return rlen;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    const typeByte = view.getUint8(at + 8);
    const type = typeByte & 0x7f;
    // wiretap skips PAD records (only those without extension headers: it compares the whole byte).
    if (typeByte === ERF_TYPE.PAD) {
      this.state.onBlock?.({ type, name: 'pad record', offset: fileOffset, length, section: 0 });
      return undefined;
    }
    if (length === ERF_HEADER_LENGTH) {
      throw fileError('erf', 'bad-length', `record at offset ${fileOffset} has rlen 16: a header and no data, which only a PAD record may have (the file is damaged)`, fileOffset + 10);
    }
    const flags = view.getUint8(at + 9);
    const wlen = view.getUint16(at + 14, false);
    const end = at + length;
    let p = at + ERF_HEADER_LENGTH;
    let hostId = -1n;
    let sourceId = 0;
    let t = typeByte;
    while (t & 0x80) {
      if (end - p < EXTENSION_LENGTH) {
        throw fileError('erf', 'bad-length', `record at offset ${fileOffset}: its extension header at offset ${fileOffset + (p - at)} runs past the record's rlen ${length}: the file is damaged`, fileOffset + (p - at));
      }
      t = view.getUint8(p);
      const extType = t & 0x7f;
      if (extType === EXT_HOST_ID || extType === EXT_FLOW_ID) {
        // As wiretap: the first Host ID names the host; the first non-zero source id counts.
        if (extType === EXT_HOST_ID && hostId < 0n) hostId = view.getBigUint64(p, false) & 0xffff_ffff_ffffn;
        if (sourceId === 0) sourceId = view.getUint8(p + 1);
      }
      p += EXTENSION_LENGTH;
    }
    const eth = ETH_TYPES.has(type);
    if (eth) {
      if (end - p < ETH_PAD_LENGTH) {
        throw fileError('erf', 'bad-length', `Ethernet record at offset ${fileOffset} has no room for its 2-byte pad field within rlen ${length}: the file is damaged`, fileOffset + (p - at));
      }
      p += ETH_PAD_LENGTH;
    }
    const captured = Math.min(wlen, end - p);
    const payload = bytes.subarray(p, p + captured);
    const linkType = eth ? LINKTYPE_ETHERNET : type === ERF_TYPE.IPV4 ? LINKTYPE_IPV4 : type === ERF_TYPE.IPV6 ? LINKTYPE_IPV6 : HDLC_TYPES.has(type) ? hdlcLinkType(payload) : LINKTYPE_ERF;
    const port = flags & 3;
    const record: CaptureRecord = {
      timestamp: erfTimestamp(view, at),
      capturedLength: captured,
      originalLength: wlen,
      linkType,
      interfaceId: 0,
      data: payload,
    };
    if (linkType === LINKTYPE_ERF) {
      // Whole record: what LINKTYPE_ERF stores, with the bytes the wire had and the record lacks.
      record.data = bytes.subarray(at, end);
      record.capturedLength = length;
      record.originalLength = length + Math.max(0, wlen - captured);
    }
    if (eth) record.flags = FCS_4_FLAGS;
    record.interfaceId = this.interfaceId(hostId, sourceId, port, linkType);
    this.state.onBlock?.({ type, name: type === ERF_TYPE.META ? 'meta record' : 'record', offset: fileOffset, length, section: 0 });
    return record;
  }

  private interfaceId(hostId: bigint, sourceId: number, port: number, linkType: number): number {
    const key = `${hostId}/${sourceId}/${port}`;
    let id = this.interfaceIds.get(key);
    if (id === undefined) {
      id = this.interfaceIds.size;
      this.interfaceIds.set(key, id);
      // ERF times are 2^-32 s fractions; wiretap rounds them to nanoseconds, and tshark shows 9 digits.
      this.state.interfaces.push({ section: 0, id, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: 9, tsoffset: 0n, name: `Port ${String.fromCharCode(65 + port)}` });
    }
    return id;
  }
}

/**
 * An ERF timestamp in nanoseconds, rounded as wiretap rounds it: the fraction times 10^9 / 2^32,
 * half up. 10^9 / 2^32 = 1953125 / 2^23, and fraction * 1953125 stays below 2^53: exact in doubles.
 */
function erfTimestamp(view: DataView, at: number): bigint {
  const fraction = view.getUint32(at, true);
  // A fraction that rounds up to a whole second (10^9 ns) carries into the seconds in the sum.
  return secondsNanos(view.getUint32(at + 4, true), Math.floor((fraction * 1953125 + 0x400000) / 0x800000));
}

/**
 * HDLC PoS carries PPP, Cisco HDLC, frame relay or MTP2; tshark 4.0 guesses which by default
 * (erf.hdlc_type "Guess"): a first byte of 0x0F or 0x8F (Cisco HDLC's unicast and multicast
 * addresses) is Cisco HDLC, anything else PPP, with or without RFC 1662's 0xFF 0x03 and with or
 * without a compressed protocol field: LINKTYPE_PPP (9) reads all of those, as tshark's PPP does.
 * (Checked against tshark 4.0 on records starting ff 03, 00 21, 21, 45, 0f, 8f, 12 34, fe 03.)
 */
function hdlcLinkType(payload: Uint8Array): number {
  return payload.length >= 1 && (payload[0] === 0x0f || payload[0] === 0x8f) ? LINKTYPE_C_HDLC : LINKTYPE_PPP;
}
