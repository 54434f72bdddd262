// The seam between framing and decoding. A capture file is a sequence of units (the pcap file
// header, pcap records, pcapng blocks), each of which announces its length in its first bytes.
// A parser says how many bytes it needs to learn a unit's length, then decodes complete units;
// the drivers (in-memory and streaming) only move bytes. So both readers share every check.
import type { CaptureRecord } from './types.js';
import type { BlockInfo, DecryptionSecrets, InterfaceInfo, InterfaceStatistics, NameResolutionEntry, SectionInfo } from './metadata.js';
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import { looksLikeErf } from './erf-parser.js';
import { pcapVariantOf } from './pcap-variant.js';
import { isVisual } from './visual-parser.js';
import { isObserver } from './observer-parser.js';
import { isFiveViews } from './fiveviews-parser.js';
import { isK12Text } from './k12text-parser.js';
import { commviewVariant } from './commview-parser.js';
import { isNettl } from './nettl-parser.js';

/** The capture file formats wirekit reads. */
export type CaptureFormat = 'pcap' | 'pcapng' | 'snoop' | 'netmon' | 'erf' | 'sniffer' | 'netxray' | 'lanalyzer' | 'visual' | 'observer' | 'fiveviews' | 'k12text' | 'commview' | 'nettl';

export interface UnitParser {
  readonly format: CaptureFormat;
  /** What the next unit is, for messages: `file header`, `record`, `block`. */
  unitName(): string;
  /** Bytes the next unit needs before its length is known (24 for a pcap file header, 16, 12). */
  headerLength(): number;
  /**
   * Total length of the unit starting at `bytes[at]` (file offset `fileOffset`), checked against
   * the format's rules and the reader's size cap, so nothing absurd is ever buffered.
   */
  unitLength(bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number;
  /** Decodes one complete unit: a packet record, or undefined for metadata. */
  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined;
  /**
   * Optional lookahead, asked before each unit: bytes (from the unit's start) the parser wants to
   * see before it frames the unit, or 0 (pcap tells its record layout from the first records this
   * way). When above 0 the driver calls `inspect` with at least that many bytes, or all there are
   * to the end of the input, and asks again; a parser that was shown the end of the input asks no
   * more, and each new ask is above what it was shown, so the driver never loops. Absent: never.
   */
  lookahead?(): number;
  /**
   * The lookahead: `available` bytes at `bytes[at]`, the next unit's start; `ended`: the input
   * ends after them. Nothing is consumed: the same bytes are then framed as usual.
   */
  inspect?(bytes: Uint8Array, view: DataView, at: number, available: number, ended: boolean): void;
  /**
   * Called when the input ends between units (at file offset `fileOffset`): a format whose file
   * must hold more (NetMon's frame table) throws a WireError here. Absent: the file may end anywhere
   * between units.
   */
  finish?(fileOffset: number): void;
}

/**
 * The shape pcap and snoop share: one file header, then records, each with a fixed-size header
 * that holds the record's length. Subclasses give the two header sizes and decode both.
 */
export abstract class HeaderThenRecords {
  protected linkType = 1;
  protected headerDone = false;
  protected readonly state: CaptureState;

  constructor(state: CaptureState) {
    this.state = state;
  }

  protected abstract fileHeaderLength: number;
  protected abstract recordHeaderLength: number;

  unitName(): string {
    return this.headerDone ? 'record' : 'file header';
  }

  headerLength(): number {
    return this.headerDone ? this.recordHeaderLength : this.fileHeaderLength;
  }

  /**
   * The reader's hard cap on one record's bytes (`what`: the format's name for its length field,
   * at `fieldOffset` in the file): no length any memory should hold is ever buffered.
   */
  protected checkRecordCap(format: 'pcap' | 'snoop', what: string, bytes: number, fileOffset: number, fieldOffset: number): void {
    const cap = this.state.maxRecordLength;
    if (bytes > cap) {
      throw fileError(format, 'limit-exceeded', `record at offset ${fileOffset} claims ${bytes} ${what} bytes, above maxRecordLength ${cap}: the file is damaged (or raise maxRecordLength)`, fieldOffset, bytes, cap);
    }
  }
}

/** Where parsers put what they learn besides packets. `CaptureReader` implements it. */
export interface CaptureState {
  format: CaptureFormat | undefined;
  byteOrder: 'little' | 'big' | undefined;
  precision: 'micro' | 'nano' | undefined;
  readonly sections: SectionInfo[];
  readonly interfaces: InterfaceInfo[];
  readonly nameResolution: NameResolutionEntry[];
  readonly statistics: InterfaceStatistics[];
  readonly decryptionSecrets: DecryptionSecrets[];
  readonly maxRecordLength: number;
  readonly onBlock: ((block: BlockInfo) => void) | undefined;
  readonly onDecryptionSecrets: ((secrets: DecryptionSecrets) => void) | undefined;
  /** Whether pcapng Custom Blocks become records (ReadOptions.customBlocks). */
  readonly customBlocks?: boolean;
}

/** First four bytes of each format we read (pcap in both byte orders, micro- and nanosecond). */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAPNG_MAGIC = 0x0a0d0d0a;
/**
 * Alexey Kuznetzov's "modified" pcap (Linux tcpdump patches of 1999, Red Hat's tcpdump for years
 * after): records carry 8 more header bytes (interface index, protocol, packet type, padding).
 * Wireshark reads it as "Modified tcpdump - pcap" (editcap -F modpcap writes it); SuSE 6.3's
 * patch (ss990915, editcap -F suse6_3pcap) wrote this magic with 28-byte record headers, and Red
 * Hat 6.1's (ss990417) and Nokia's tcpdump wrote longer headers under the standard magic: the
 * first records tell them apart (pcap-variant.ts).
 */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** The first four bytes of a snoop file's identification, "snoop\0\0\0" (RFC 1761). */
export const SNOOP_MAGIC = 0x736e6f6f;

/** Microsoft Network Monitor: "RTSS" opens a 1.x file, "GMBU" a 2.x file (read big-endian). */
export const NETMON1_MAGIC = 0x52545353;
export const NETMON2_MAGIC = 0x474d4255;

/** Network General's Sniffer for DOS: "TRSN", the start of "TRSNIFF data" (read big-endian). */
export const SNIFFER_MAGIC = 0x5452534e;

/** NetXRay 2.x and Windows Sniffer: "XCP\0"; NetXRay before 2.0: "VL\0\0" (read big-endian). */
export const NETXRAY_MAGIC = 0x58435000;
export const NETXRAY_OLD_MAGIC = 0x564c0000;

/**
 * The format of a capture from its first four bytes (at `bytes[at]`), or a WireError at offset 0
 * saying what the file seems to be instead. ERF, which has no magic, is recognised by its first
 * records in the bytes from `at` to the view's end (give it up to ERF_PROBE_LENGTH of them).
 */
export function detectFormat(view: DataView, at: number): CaptureFormat {
  const big = view.getUint32(at, false);
  const little = view.getUint32(at, true);
  if (big === PCAPNG_MAGIC) return 'pcapng';
  if (isPcapMagic(big) || isPcapMagic(little)) return 'pcap';
  if (big === SNOOP_MAGIC) return 'snoop';
  if (big === NETMON1_MAGIC || big === NETMON2_MAGIC) return 'netmon';
  if (big === SNIFFER_MAGIC) return 'sniffer';
  if (big === NETXRAY_MAGIC || big === NETXRAY_OLD_MAGIC) return 'netxray';
  if (isVisual(view, at)) return 'visual';
  if (isObserver(view, at)) return 'observer';
  if (isFiveViews(view, at)) return 'fiveviews';
  if (isK12Text(view, at)) return 'k12text';
  if (isNettl(view, at)) return 'nettl';
  // ERF has no magic: tried last, on the records the view holds (see looksLikeErf).
  if (looksLikeErf(view, at)) return 'erf';
  // Nor has CommView: its first records' times and media (commview-parser.ts), after ERF.
  if (commviewVariant(view, at) !== undefined) return 'commview';
  // LANalyzer has no magic either: a trace header record (type 0x1001 or 0x1007, little-endian)
  // with room for its version bytes, as Wireshark tells it, tried after ERF.
  const first = view.getUint16(at, true);
  if ((first === 0x1001 || first === 0x1007) && view.getUint16(at + 2, true) >= 2) return 'lanalyzer';
  const hex = big.toString(16).padStart(8, '0');
  const gzip = big >>> 16 === 0x1f8b ? 'a gzip-compressed file: readCapture (async) decompresses it as it reads, the synchronous readers need it decompressed first' : undefined;
  const what = gzip ?? 'not a pcap (a1b2c3d4, a1b23c4d, a1b2cd34 in either byte order), pcapng (0a0d0d0a), snoop, NetMon, Sniffer (DOS), NetXRay/Windows Sniffer, Visual Networks, Observer, 5View, K12 text or HP-UX nettl file, nor records of an ERF file, a LANalyzer trace or a CommView NCF/NCFX file';
  return unknownMagic(hex, what);
}

/**
 * Whether the four bytes at `at` are the magic of a format that has one (all but ERF): a streaming
 * reader reads further before detectFormat only when they are not.
 */
export function hasMagic(view: DataView, at: number): boolean {
  const big = view.getUint32(at, false);
  if (isVisual(view, at) || isObserver(view, at) || isFiveViews(view, at) || isK12Text(view, at) || isNettl(view, at)) return true;
  return big === PCAPNG_MAGIC || isPcapMagic(big) || isPcapMagic(view.getUint32(at, true)) || big === SNOOP_MAGIC || big === NETMON1_MAGIC || big === NETMON2_MAGIC || big === SNIFFER_MAGIC || big === NETXRAY_MAGIC || big === NETXRAY_OLD_MAGIC;
}

function isPcapMagic(magic: number): boolean {
  return magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_MODIFIED;
}

/**
 * Whether the pcap file at `bytes[at]` has the standard 16-byte record headers: false for the
 * modified magic, and for the variants that kept the standard magic (Red Hat 6.1's 24 bytes,
 * Nokia's 20), told from the records between the file header and the view's end (the end of the
 * file: give it the whole file), as the readers tell them (pcap-variant.ts).
 */
export function isStandardPcap(view: DataView, at: number): boolean {
  const little = view.getUint32(at, true);
  const own = isPcapMagic(little) ? little : view.getUint32(at, false);
  return pcapVariantOf(view, at, own === little, own === PCAP_MAGIC_NANO, own === PCAP_MAGIC_MODIFIED) === 'pcap';
}

function unknownMagic(hex: string, what: string): never {
  throw fileError('capture', 'unsupported', `unknown magic 0x${hex} at offset 0: ${what}`, 0);
}

/**
 * The interface of a record of `linkType` in a format that declares no interfaces, only a medium
 * per record: one interface per link type met, numbered in the order they first appear (`ids`
 * holds them; each new one is added to `state.interfaces`).
 */
export function interfaceForLinkType(state: CaptureState, ids: Map<number, number>, linkType: number, tsresol: number): number {
  let id = ids.get(linkType);
  if (id === undefined) {
    id = ids.size;
    ids.set(linkType, id);
    state.interfaces.push({ section: 0, id, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol, tsoffset: 0n });
  }
  return id;
}
