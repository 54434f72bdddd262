// The capture reader: detects the format by its magic, drives a UnitParser over the bytes (all in
// memory, or streamed chunk by chunk), and keeps what the file says besides packets.
import { ErfParser, erfBytesToDecide, ERF_PROBE_LENGTH } from './erf-parser.js';
import { NetmonParser } from './netmon-parser.js';
import { SnoopParser } from './snoop-parser.js';
import { SnifferParser } from './sniffer-parser.js';
import { NetxrayParser } from './netxray-parser.js';
import { LanalyzerParser } from './lanalyzer-parser.js';
import { VisualParser } from './visual-parser.js';
import { ObserverParser } from './observer-parser.js';
import { FiveViewsParser } from './fiveviews-parser.js';
import { K12TextParser } from './k12text-parser.js';
import { CommviewParser, commviewVariant } from './commview-parser.js';
import { NettlParser } from './nettl-parser.js';
import { ChunkQueue } from './chunk-queue.js';
import { truncatedAt } from './errors.js';
import type { BlockInfo, DecryptionSecrets, InterfaceInfo, InterfaceStatistics, NameResolutionEntry, SectionInfo } from './metadata.js';
import { PcapParser, type PcapVariant } from './pcap-parser.js';
import { isPcapVariant } from './pcap-variant.js';
import { PcapngParser } from './pcapng-parser.js';
import { isGzip, sourceChunks } from './source.js';
import type { CaptureRecord, CaptureSource } from './types.js';
import { detectFormat, hasMagic, type CaptureFormat, type CaptureState, type UnitParser } from './unit-parser.js';

/** The default cap on one record (pcap) or block (pcapng): far above any real link's frame. */
export const DEFAULT_MAX_RECORD_LENGTH = 64 * 1024 * 1024;

export interface ReadOptions {
  /**
   * Largest pcap record (captured bytes) or pcapng block (total length) to accept, in bytes
   * (default 64 MiB). A length field above it ends reading with WireError `limit-exceeded`, so a
   * damaged or hostile file cannot make the reader allocate without bound.
   */
  maxRecordLength?: number;
  /** Called for every block (pcapng) or header and record (pcap), in file order. */
  onBlock?: (block: BlockInfo) => void;
  /** Called for each Decryption Secrets Block (a TLS key log, say) as soon as it is read. */
  onDecryptionSecrets?: (secrets: DecryptionSecrets) => void;
  /**
   * Read a pcap file's records with this layout (`pcap`, `rh6_1pcap`, `nokiapcap`, `modpcap`,
   * `suse6_3pcap`: editcap's names) instead of telling it from the first records, as the readers
   * do by default (Wireshark's heuristic: see README, capture formats).
   */
  pcapVariant?: PcapVariant;
  /**
   * Yield pcapng Custom Blocks (types 0x00000BAD and 0x40000BAD) as records too, as tshark lists
   * them among the frames: `custom` says which Private Enterprise Number and whether the block may
   * be copied; `data` is what follows the PEN (custom data and options, padding included);
   * `linkType` is -1 and `untimed` is set. Default false: they are skipped by their length.
   */
  customBlocks?: boolean;
}

/**
 * Reads a pcap, pcapng, snoop, NetMon, ERF, Sniffer (DOS), NetXRay/Windows Sniffer, LANalyzer, Visual Networks, Observer, 5View, CommView, HP-UX nettl or K12 text capture and keeps its metadata: sections, interfaces, name resolution,
 * interface statistics, decryption secrets. Metadata fills in as reading goes (pcapng may describe
 * an interface after the first packets). One reader reads one capture; `read` again starts over.
 *
 * @example
 * const reader = new CaptureReader();
 * for await (const record of reader.read(stream)) {
 *   const iface = reader.interfaces.find((i) => i.section === record.section && i.id === record.interfaceId);
 *   console.log(iface?.name, record.capturedLength);
 * }
 * console.log(reader.format, reader.decryptionSecrets.map((s) => s.typeName));
 */
export class CaptureReader implements CaptureState {
  format: CaptureFormat | undefined = undefined;
  /** Byte order of the pcap file, or of the first pcapng section (each section has its own). */
  byteOrder: 'little' | 'big' | undefined = undefined;
  /**
   * Timestamp precision of a pcap file (from its magic); for pcapng, that of the first interface when
   * 10^-6 or 10^-9; `micro` for snoop and NetMon 1.x to 2.2 (1.x stores milliseconds: its
   * interface's `tsresol` is 3), `nano` for NetMon 2.3 (100 ns units: `tsresol` 7) and ERF (2^-32 s
   * fractions, rounded to nanoseconds as Wireshark does).
   */
  precision: 'micro' | 'nano' | undefined = undefined;
  readonly sections: SectionInfo[] = [];
  readonly interfaces: InterfaceInfo[] = [];
  readonly nameResolution: NameResolutionEntry[] = [];
  readonly statistics: InterfaceStatistics[] = [];
  readonly decryptionSecrets: DecryptionSecrets[] = [];
  readonly maxRecordLength: number;
  readonly onBlock: ((block: BlockInfo) => void) | undefined;
  readonly onDecryptionSecrets: ((secrets: DecryptionSecrets) => void) | undefined;
  readonly customBlocks: boolean;
  private readonly pcapVariant: PcapVariant | undefined;

  constructor(options: ReadOptions = {}) {
    const max = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    if (!Number.isSafeInteger(max) || max < 16) throw new RangeError(`maxRecordLength must be an integer >= 16, got ${max}`);
    this.maxRecordLength = max;
    this.onBlock = options.onBlock;
    this.onDecryptionSecrets = options.onDecryptionSecrets;
    this.customBlocks = options.customBlocks === true;
    if (options.pcapVariant !== undefined && !isPcapVariant(options.pcapVariant)) throw new RangeError(`pcapVariant must be pcap, rh6_1pcap, nokiapcap, modpcap or suse6_3pcap, got ${String(options.pcapVariant)}`);
    this.pcapVariant = options.pcapVariant;
  }

  /**
   * The records of an in-memory capture, in file order, as views into `bytes` (no copy). Throws a
   * WireError at the first damage, after yielding every record before it.
   */
  *readSync(bytes: Uint8Array | ArrayBuffer): IterableIterator<CaptureRecord> {
    this.reset();
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const end = data.length;
    if (end < 4) throw truncatedAt('capture', 'file magic', 0, 4, end);
    const parser = this.parserFor(detectFormat(view, 0), view, 0);
    let at = 0;
    while (at < end) {
      // The lookahead a parser may want (UnitParser.lookahead): in memory, all of the rest is there.
      if (parser.lookahead !== undefined && parser.lookahead() > 0) parser.inspect!(data, view, at, end - at, true);
      const need = parser.headerLength();
      if (end - at < need) throw truncatedAt(parser.format, parser.unitName(), at, need, end - at);
      const length = parser.unitLength(data, view, at, at);
      if (end - at < length) throw truncatedAt(parser.format, parser.unitName(), at, length, end - at);
      const record = parser.decode(data, view, at, length, at);
      at += length;
      if (record !== undefined) yield record;
    }
    parser.finish?.(at);
  }

  /**
   * The records of a capture from any source, streamed: memory holds the current record and the
   * chunks it spans, never the file. Records view the source's chunks where a record lies in one.
   */
  async *read(source: CaptureSource): AsyncIterableIterator<CaptureRecord> {
    if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
      const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
      // Bytes in memory are read in place, unless they are gzip (decompressed as a stream below).
      if (!isGzip(bytes)) {
        yield* this.readSync(source);
        return;
      }
    }
    this.reset();
    const queue = new ChunkQueue(sourceChunks(source));
    try {
      if (!(await queue.fill(4))) throw truncatedAt('capture', 'file magic', 0, 4, queue.available);
      let magic = queue.contiguous(4);
      if (!hasMagic(magic.view, magic.at)) {
        // No format's magic: maybe ERF, recognised by its first records; buffer what that check
        // reads (or the whole input, if it ends first), so it decides as on the file in memory.
        magic = queue.contiguous(Math.min(queue.available, ERF_PROBE_LENGTH));
        for (let need = erfBytesToDecide(magic.view, magic.at, queue.available); need > queue.available && (await queue.fill(need)); ) {
          magic = queue.contiguous(Math.min(queue.available, ERF_PROBE_LENGTH));
          need = erfBytesToDecide(magic.view, magic.at, queue.available);
        }
        magic = queue.contiguous(Math.min(queue.available, ERF_PROBE_LENGTH));
      }
      const parser = this.parserFor(detectFormat(magic.view, magic.at), magic.view, magic.at);
      while (queue.available > 0 || (await queue.fill(1))) {
        // The lookahead a parser may want (UnitParser.lookahead), buffered up to the end of the input.
        for (let want = parser.lookahead?.() ?? 0; want > 0; ) {
          const ended = !(await queue.fill(want));
          const shown = Math.min(want, queue.available);
          const ahead = queue.contiguous(shown);
          parser.inspect!(ahead.bytes, ahead.view, ahead.at, shown, ended);
          const next = ended ? 0 : parser.lookahead!();
          want = next > shown ? next : 0;
        }
        const need = parser.headerLength();
        if (queue.available < need && !(await queue.fill(need))) {
          throw truncatedAt(parser.format, parser.unitName(), queue.offset, need, queue.available);
        }
        let w = queue.contiguous(need);
        const length = parser.unitLength(w.bytes, w.view, w.at, queue.offset);
        if (queue.available < length && !(await queue.fill(length))) {
          throw truncatedAt(parser.format, parser.unitName(), queue.offset, length, queue.available);
        }
        if (length > need) w = queue.contiguous(length);
        const record = parser.decode(w.bytes, w.view, w.at, length, queue.offset);
        queue.advance(length);
        if (record !== undefined) yield record;
      }
      parser.finish?.(queue.offset);
    } finally {
      await queue.close();
    }
  }

  /** The parser for `format`, detected on the file's first bytes at `view[at]` (CommView's variant is read there too). */
  private parserFor(format: CaptureFormat, view: DataView, at: number): UnitParser {
    switch (format) {
      case 'pcap':
        return new PcapParser(this, this.pcapVariant);
      case 'pcapng':
        return new PcapngParser(this);
      case 'snoop':
        return new SnoopParser(this);
      case 'netmon':
        return new NetmonParser(this);
      case 'erf':
        return new ErfParser(this);
      case 'sniffer':
        return new SnifferParser(this);
      case 'netxray':
        return new NetxrayParser(this);
      case 'lanalyzer':
        return new LanalyzerParser(this);
      case 'visual':
        return new VisualParser(this);
      case 'observer':
        return new ObserverParser(this);
      case 'fiveviews':
        return new FiveViewsParser(this);
      case 'k12text':
        return new K12TextParser(this);
      case 'commview':
        return new CommviewParser(this, commviewVariant(view, at)!);
      case 'nettl':
        return new NettlParser(this);
    }
  }

  private reset(): void {
    this.format = undefined;
    this.byteOrder = undefined;
    this.precision = undefined;
    this.sections.length = 0;
    this.interfaces.length = 0;
    this.nameResolution.length = 0;
    this.statistics.length = 0;
    this.decryptionSecrets.length = 0;
  }
}

/**
 * Reads a pcap or pcapng capture as a stream of records, whatever the source: bytes, a web
 * ReadableStream, a Node readable stream, or (async) iterables of chunks. Memory stays constant
 * whatever the file size; damage ends the iteration with a WireError naming the file offset,
 * after every good record before it.
 *
 * @example
 * import { createReadStream } from 'node:fs';
 * for await (const r of readCapture(createReadStream('trace.pcapng'))) {
 *   console.log(formatEpoch(r.timestamp), r.linkType, r.capturedLength);
 * }
 * // In a browser: readCapture((await fetch('/trace.pcap')).body!)
 */
export function readCapture(source: CaptureSource, options?: ReadOptions): AsyncIterableIterator<CaptureRecord> {
  return new CaptureReader(options).read(source);
}

/**
 * Reads an in-memory pcap or pcapng file synchronously. Records view `bytes` (no copy).
 *
 * @example
 * const records = [...readCaptureSync(new Uint8Array(await file.arrayBuffer()))];
 */
export function readCaptureSync(bytes: Uint8Array | ArrayBuffer, options?: ReadOptions): IterableIterator<CaptureRecord> {
  return new CaptureReader(options).readSync(bytes);
}
