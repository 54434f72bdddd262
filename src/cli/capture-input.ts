// Opens the capture a command reads: a file, standard input (`-`), or the embedded sample.
// Files up to WHOLE_FILE_LIMIT are read into memory at once and walked synchronously: records are
// views into one buffer and no promise is made per packet, which is most of the difference in
// speed. Larger files and standard input are streamed, so memory stays flat whatever their size.
import { createReadStream, readFileSync, statSync } from 'node:fs';
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

/** Opens FILE, `-` for standard input, or the embedded sample when `path` is undefined. */
export function openCapture(path: string | undefined): OpenedCapture {
  const reader = new CaptureReader();
  if (path === undefined) {
    const bytes = sampleCaptureBytes();
    return { name: SAMPLE_CAPTURE_NAME, reader, records: reader.readSync(bytes), size: bytes.length };
  }
  if (path === '-') return { name: 'standard input', reader, records: reader.read(process.stdin), size: undefined };
  const size = statSync(path).size;
  if (size <= WHOLE_FILE_LIMIT) {
    // A plain Uint8Array view of the Buffer: its subarray (one per record) is several times cheaper.
    const file = readFileSync(path);
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    return { name: path, reader, records: reader.readSync(bytes), size };
  }
  return { name: path, reader, records: reader.read(createReadStream(path, { highWaterMark: 1 << 20 })), size };
}

/** Whether records come from a synchronous iterator (so callers can skip a promise per record). */
export function isSync(records: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>): records is Iterable<CaptureRecord> {
  return Symbol.iterator in records;
}

/** Decimal digits tshark shows for an interface's if_tsresol: 6 for 10^-6, 9 for 10^-9, ~n·log10(2) for 2^-n. */
export function tsresolDigits(tsresol: number): number {
  if (tsresol & 0x80) return Math.min(9, Math.ceil((tsresol & 0x7f) * Math.LOG10E * Math.LN2));
  return Math.min(9, tsresol);
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
      this.#digits = new Map(interfaces.map((i) => [i.section * 65536 + i.id, tsresolDigits(i.tsresol)]));
    }
    return this.#digits.get((record.section ?? 0) * 65536 + record.interfaceId) ?? (this.#reader.precision === 'nano' ? 9 : 6);
  }
}
