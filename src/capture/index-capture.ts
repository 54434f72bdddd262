// One pass over an in-memory capture into a struct-of-arrays table: where each packet is, its
// length, link type, time. No record objects, so a million packets cost a few typed arrays;
// decodeBatch takes `{ data, offsets, lengths, linkTypes }` as it is.
import { WireError } from '../errors.js';
import { fileError, truncatedAt } from './errors.js';
import { PCAP_HEADER_LENGTH, PcapParser } from './pcap-parser.js';
import { CaptureReader, type ReadOptions } from './reader.js';
import { writeSecondsNanos } from './timestamp.js';
import { detectFormat, type CaptureFormat } from './unit-parser.js';

export interface CaptureIndex {
  /** The capture file: packet i is `data.subarray(offsets[i], offsets[i] + lengths[i])`. */
  data: Uint8Array;
  offsets: Uint32Array;
  /** Captured lengths. */
  lengths: Uint32Array;
  linkTypes: Uint16Array;
  /**
   * Nanoseconds since the epoch, signed 64-bit: 1678 to 2262. A time outside (only a damaged or
   * odd pcapng clock makes one) wraps; `readCaptureSync` gives it exactly.
   */
  timestamps: BigInt64Array;
  originalLengths: Uint32Array;
  /** pcapng interface id within its section (0 for pcap). */
  interfaceIds: Uint32Array;
  count: number;
  format: CaptureFormat;
  /** With `partial: true`, the damage that ended the index early. */
  error?: WireError;
}

export interface IndexOptions extends Pick<ReadOptions, 'maxRecordLength' | 'pcapVariant'> {
  /**
   * On damage (a file cut short, say), return the records before it with `error` set, instead
   * of throwing (default false).
   */
  partial?: boolean;
}

interface Columns {
  offsets: Uint32Array;
  lengths: Uint32Array;
  linkTypes: Uint16Array;
  timestamps: BigInt64Array;
  words: Uint32Array;
  originalLengths: Uint32Array;
  interfaceIds: Uint32Array;
}

function columns(capacity: number): Columns {
  const timestamps = new BigInt64Array(capacity);
  return {
    offsets: new Uint32Array(capacity),
    lengths: new Uint32Array(capacity),
    linkTypes: new Uint16Array(capacity),
    timestamps,
    words: new Uint32Array(timestamps.buffer),
    originalLengths: new Uint32Array(capacity),
    interfaceIds: new Uint32Array(capacity),
  };
}

function grow(c: Columns, capacity: number): Columns {
  const next = columns(capacity);
  next.offsets.set(c.offsets);
  next.lengths.set(c.lengths);
  next.linkTypes.set(c.linkTypes);
  next.timestamps.set(c.timestamps);
  next.originalLengths.set(c.originalLengths);
  next.interfaceIds.set(c.interfaceIds);
  return next;
}

function result(data: Uint8Array, c: Columns, count: number, format: CaptureFormat, error: WireError | undefined, partial: boolean): CaptureIndex {
  if (error !== undefined && !partial) throw error;
  const index: CaptureIndex = {
    data,
    offsets: c.offsets.subarray(0, count),
    lengths: c.lengths.subarray(0, count),
    linkTypes: c.linkTypes.subarray(0, count),
    timestamps: c.timestamps.subarray(0, count),
    originalLengths: c.originalLengths.subarray(0, count),
    interfaceIds: c.interfaceIds.subarray(0, count),
    count,
    format,
  };
  if (error !== undefined) index.error = error;
  return index;
}

/**
 * Indexes an in-memory pcap or pcapng file: one pass, typed arrays out, no per-packet objects.
 * Throws a WireError at the first damage (or, with `partial: true`, stops there and says so).
 *
 * @example
 * const index = indexCapture(bytes);
 * const table = decodeBatch(index); // { data, offsets, lengths, linkTypes }
 * for (let i = 0; i < index.count; i++) total += index.originalLengths[i];
 */
export function indexCapture(bytes: Uint8Array, options: IndexOptions = {}): CaptureIndex {
  if (bytes.length > 0xffffffff) throw fileError('capture', 'limit-exceeded', `an index holds offsets below 4 GiB; this capture is ${bytes.length} bytes: use readCapture`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: CaptureFormat = 'pcap';
  try {
    if (bytes.length < 4) throw truncatedAt('capture', 'file magic', 0, 4, bytes.length);
    format = detectFormat(view, 0);
    return format === 'pcap' ? indexPcap(bytes, view, options) : indexGeneric(bytes, format, options);
  } catch (e) {
    // Damage before the first record (magic, file header): nothing to index.
    if (!(e instanceof WireError) || !options.partial) throw e;
    return result(bytes, columns(0), 0, format, e, true);
  }
}

/**
 * pcap: one pass straight over the record headers. Walking a capture is a chain of dependent loads
 * (each record's length says where the next one is), so the cost is memory latency: one pass, not
 * a counting pass and a filling pass, with columns grown by doubling.
 */
function indexPcap(bytes: Uint8Array, view: DataView, options: IndexOptions): CaptureIndex {
  const reader = new CaptureReader(options);
  const parser = new PcapParser(reader, options.pcapVariant);
  const end = bytes.length;
  if (end < parser.headerLength()) throw truncatedAt('pcap', 'file header', 0, parser.headerLength(), end);
  parser.decode(bytes, view, 0, parser.headerLength(), 0);
  // The record layout, told from the first records (all in memory), as the reader tells it.
  if (end > PCAP_HEADER_LENGTH && parser.lookahead() > 0) parser.inspect(bytes, view, PCAP_HEADER_LENGTH, end - PCAP_HEADER_LENGTH, true);
  const little = reader.byteOrder === 'little';
  const scale = reader.precision === 'nano' ? 1 : 1000;
  const linkType = reader.interfaces[0]!.linkType;
  // 16 bytes, or 20, 24, 28 in the old variants.
  const head = parser.headerLength();

  let c = columns(Math.max(16, Math.ceil(end / 1024)));
  let count = 0;
  let at = 24;
  let error: WireError | undefined;
  try {
    while (at < end) {
      if (end - at < head) throw truncatedAt('pcap', 'record', at, head, end - at);
      const length = parser.unitLength(bytes, view, at, at);
      if (end - at < length) throw truncatedAt('pcap', 'record', at, length, end - at);
      if (count === c.offsets.length) c = grow(c, count * 2);
      writeSecondsNanos(view.getUint32(at, little), view.getUint32(at + 4, little) * scale, c.words, count);
      c.offsets[count] = at + head;
      c.lengths[count] = length - head;
      c.originalLengths[count] = view.getUint32(at + 12, little);
      at += length;
      count++;
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    error = e;
  }
  c.linkTypes.fill(linkType, 0, count);
  return result(bytes, c, count, 'pcap', error, options.partial ?? false);
}

/** The other formats, through the reader: records that view `bytes` give positions in it, a text format's decoded records a buffer of their own. */
function indexGeneric(bytes: Uint8Array, format: Exclude<CaptureFormat, 'pcap'>, options: IndexOptions): CaptureIndex {
  let c = columns(Math.max(16, Math.floor(bytes.length / 512)));
  let count = 0;
  let error: WireError | undefined;
  // A text format (K12 text) decodes its records into bytes of their own: the index then holds
  // them, one after another, in a buffer of its own instead of pointing into the file.
  let copies: Uint8Array | undefined;
  let used = 0;
  try {
    for (const record of new CaptureReader(options).readSync(bytes)) {
      if (count === c.offsets.length) c = grow(c, count * 2);
      const inFile = record.data.buffer === bytes.buffer && record.data.byteOffset >= bytes.byteOffset && record.data.byteOffset + record.data.length <= bytes.byteOffset + bytes.length;
      if (count === 0 && !inFile) copies = new Uint8Array(Math.max(1024, bytes.length >>> 1));
      if (copies !== undefined) {
        if (used + record.data.length > copies.length) {
          const bigger = new Uint8Array(Math.max(copies.length * 2, used + record.data.length));
          bigger.set(copies.subarray(0, used));
          copies = bigger;
        }
        copies.set(record.data, used);
        c.offsets[count] = used;
        used += record.data.length;
      } else if (!inFile) {
        throw new WireError('internal', `record ${count + 1} of a ${format} capture is not a slice of the file, the records before it were`, { layer: 'capture' });
      } else {
        c.offsets[count] = record.data.byteOffset - bytes.byteOffset;
      }
      c.lengths[count] = record.capturedLength;
      c.linkTypes[count] = record.linkType;
      c.timestamps[count] = BigInt.asIntN(64, record.timestamp);
      c.originalLengths[count] = record.originalLength;
      c.interfaceIds[count] = record.interfaceId;
      count++;
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    error = e;
  }
  return result(copies === undefined ? bytes : copies.subarray(0, used), c, count, format, error, options.partial ?? false);
}
