// CaptureWriter: records in, a pcap or pcapng file out, to a stream or to memory.
import { WireError } from '../errors.js';
import type { Output as OutputType } from './output.js';
import { Output } from './output.js';
import { PcapEncoder } from './pcap-encoder.js';
import { PcapngEncoder } from './pcapng-encoder.js';
import type { CaptureRecord } from './types.js';
import type { CaptureWriterOptions, WriteOptions } from './write-options.js';

interface Encoder {
  record(out: OutputType, record: CaptureRecord): void;
  finish(out: OutputType): void;
}

const RESOLVED = Promise.resolve();

/**
 * Writes records as a pcap or pcapng file, to a Node writable stream, a web WritableStream, or
 * memory (`toBytes()`). Bytes are batched in 64 KiB writes, and `write` honours the
 * destination's backpressure.
 *
 * `write` throws a WireError at once for a record the format cannot hold (a second link type in
 * pcap, a time before 1970), and returns a promise that resolves when the destination can take
 * more: await it when writing to a stream. In memory it is already resolved.
 *
 * @example
 * const writer = new CaptureWriter({ format: 'pcapng', destination: createWriteStream('out.pcapng'), comment: 'filtered' });
 * for await (const r of readCapture(createReadStream('in.pcap'))) if (r.originalLength > 1000) await writer.write(r);
 * await writer.close();
 *
 * const mem = new CaptureWriter({ format: 'pcap', precision: 'micro', linkType: 'ethernet' });
 * mem.write({ timestamp: 1_700_000_000_000_000_000n, capturedLength: 60, originalLength: 60, linkType: 1, interfaceId: 0, data: frame });
 * const file = mem.toBytes();
 */
export class CaptureWriter {
  readonly format: 'pcap' | 'pcapng';
  private readonly out: Output;
  private readonly encoder: Encoder;
  private closed = false;

  constructor(options: CaptureWriterOptions = {}) {
    this.format = options.format ?? 'pcapng';
    this.out = new Output(options.destination);
    this.encoder = this.format === 'pcap' ? new PcapEncoder(options) : new PcapngEncoder(options);
  }

  write(record: CaptureRecord): Promise<void> {
    if (this.closed) throw new WireError('bad-value', 'write after close', { layer: 'capture' });
    this.encoder.record(this.out, record);
    return this.out.pending ? this.out.drain() : RESOLVED;
  }

  /** Writes what is buffered (the header at least) and ends the destination stream. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.encoder.finish(this.out);
    await this.out.close();
  }

  /** The whole file so far, for a writer without a destination. */
  toBytes(): Uint8Array {
    this.encoder.finish(this.out);
    return this.out.bytes();
  }
}

function writeAll(format: 'pcap' | 'pcapng', records: Iterable<CaptureRecord>, options: WriteOptions): Uint8Array {
  const writer = new CaptureWriter({ ...options, format });
  for (const record of records) void writer.write(record);
  return writer.toBytes();
}

/**
 * Records as a pcap file in memory (default nanosecond precision, little-endian, the first
 * record's link type).
 *
 * @example
 * const bytes = writePcap(readCaptureSync(pcapngBytes), { precision: 'micro' });
 */
export function writePcap(records: Iterable<CaptureRecord>, options: WriteOptions = {}): Uint8Array {
  return writeAll('pcap', records, options);
}

/**
 * Records as a pcapng file in memory: one section, an IDB per link type (or the declared
 * `interfaces`), EPBs with comments and flags (SPBs for whole records without a time on interface 0).
 *
 * @example
 * const reader = new CaptureReader();
 * const records = [...reader.readSync(bytes)];
 * const copy = writePcapng(records, { interfaces: reader.interfaces, comment: 'copied' });
 */
export function writePcapng(records: Iterable<CaptureRecord>, options: WriteOptions = {}): Uint8Array {
  return writeAll('pcapng', records, options);
}
