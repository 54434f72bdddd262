// Opens the capture a command reads: a file, standard input (`-`), or the embedded sample.
// Files up to WHOLE_FILE_LIMIT are read into memory at once and walked synchronously: records are
// views into one buffer and no promise is made per packet, which is most of the difference in
// speed. Larger files and standard input are streamed, so memory stays flat whatever their size.
// A gzip-compressed capture (a .pcap.gz, say) is read as tshark reads one: decompressed whole when
// it decompresses to at most WHOLE_FILE_LIMIT bytes, otherwise streamed (the reader decompresses a
// gzip stream itself).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CaptureReader, type CaptureRecord, type InterfaceInfo } from 'wirekit';
import { sampleCaptureBytes, SAMPLE_CAPTURE_NAME } from './sample-capture.js';

/** Files up to this size are read whole (256 MiB: far below Node's Buffer limit, fine for RAM). */
const WHOLE_FILE_LIMIT = 256 * 1024 * 1024;

export interface OpenedCapture {
  /** What to call the input in messages: the path, `-`, or the sample's name. */
  name: string;
  /** The reader, for interface metadata (time resolution) as records arrive. */
  reader: CaptureReader;
  /** Records in file order: a plain iterator when the whole file is in memory. */
  records: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>;
  /** Size in bytes when known (files), for the progress indicator. */
  size: number | undefined;
}

/**
 * Opens FILE, `-` for standard input, or the embedded sample when `path` is undefined.
 * `customBlocks`: pcapng Custom Blocks come as records too (decode and stats list them, as tshark).
 */
export function openCapture(path: string | undefined, options: { customBlocks?: boolean } = {}): OpenedCapture {
  const reader = new CaptureReader({ customBlocks: options.customBlocks === true });
  if (path === undefined) {
    const bytes = sampleCaptureBytes();
    return { name: SAMPLE_CAPTURE_NAME, reader, records: reader.readSync(bytes), size: bytes.length };
  }
  // Streamed sources are decompressed by the reader itself when they are gzip.
  if (path === '-') return { name: 'standard input', reader, records: reader.read(process.stdin), size: undefined };
  const size = statSync(path).size;
  const stream = () => createReadStream(path, { highWaterMark: 1 << 20 });
  if (size <= WHOLE_FILE_LIMIT) {
    // A plain Uint8Array view of the Buffer: its subarray (one per record) is several times cheaper.
    const file = readFileSync(path);
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    if (!isGzip(bytes)) return { name: path, reader, records: reader.readSync(bytes), size };
    const plain = gunzipWhole(bytes);
    if (plain !== undefined) return { name: path, reader, records: reader.readSync(plain), size: plain.length };
    return { name: path, reader, records: reader.read(stream()), size: undefined };
  }
  return { name: path, reader, records: reader.read(stream()), size };
}

/** gzip's magic number (RFC 1952 section 2.3.1). */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The decompressed bytes; undefined when they would pass WHOLE_FILE_LIMIT, or when the compressed
 * data is damaged: the stream then decodes what comes before the damage, as tshark shows the
 * packets of a cut .gz file before it reports the cut.
 */
function gunzipWhole(bytes: Uint8Array): Uint8Array | undefined {
  // The trailer's ISIZE (RFC 1952 section 2.3.1: the input's size modulo 2^32, of the last member)
  // says up front when a file is too large to decompress whole.
  const size = bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
  if (size > WHOLE_FILE_LIMIT) return undefined;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: WHOLE_FILE_LIMIT });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    return undefined;
  }
}


/** Whether records come from a synchronous iterator (so callers can skip a promise per record). */
export function isSync(records: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>): records is Iterable<CaptureRecord> {
  return Symbol.iterator in records;
}

/** Decimal digits tshark shows for an interface's if_tsresol (6 for 10^-6, 9 for 10^-9; see below). */
export function tsresolDigits(tsresol: number): number {
  const digits = tsresol & 0x80 ? Math.ceil((tsresol & 0x7f) * Math.LOG10E * Math.LN2) : tsresol;
  // tshark 4.0 shows seconds, tenths, hundredths, milli-, micro- or nanoseconds: a resolution
  // between them is shown at the coarser one (10^-5 as milliseconds, 10^-7 and 2^-20 as
  // microseconds), as checked on pcapng files with if_tsresol 1 to 10 and 2^-10, 2^-20, 2^-30.
  return digits >= 9 ? 9 : digits >= 6 ? 6 : Math.min(digits, 3);
}

/**
 * The time precision of each record's interface, looked up by (section, interface id). pcapng
 * may describe interfaces as it goes, so the table is rebuilt whenever the reader knows more.
 */
export class TimePrecision {
  readonly #reader: CaptureReader;
  #known = -1;
  #digits = new Map<number, number>();

  constructor(reader: CaptureReader) {
    this.#reader = reader;
  }

  digits(record: CaptureRecord): number {
    const interfaces: readonly InterfaceInfo[] = this.#reader.interfaces;
    if (interfaces.length !== this.#known) {
      this.#known = interfaces.length;
      // tshark shows every NetMon 2.x file's times in nanoseconds, whatever the version's clock.
      const netmon2 = this.#reader.format === 'netmon';
      this.#digits = new Map(interfaces.map((i) => [i.section * 65536 + i.id, netmon2 && i.tsresol >= 6 ? 9 : tsresolDigits(i.tsresol)]));
    }
    return this.#digits.get((record.section ?? 0) * 65536 + record.interfaceId) ?? (this.#reader.precision === 'nano' ? 9 : 6);
  }
}
