// A capture read piece by piece and decoded in batches, in bounded memory: while one half of a
// buffer is walked (decodeCaptureBatches, one WebAssembly pass per batch), the reader fills the
// other, so reading the file and decoding it overlap. Each piece is walked as a pcap file of its
// own: the file header is written in front of the record that the previous piece cut (the
// "carry"), so every window holds the header, then whole records, then at most one cut record,
// which the walk reports as a truncation at its start and which moves on to the next window.
// pcapng captures (whose blocks depend on earlier ones) are read record by record instead.
import { decodeBatch, type PacketTable } from './batch.js';
import { batchSizeOf, decodeCaptureBatches, type CaptureBatch, type CaptureBatchOptions } from './batch-capture.js';
import type { CaptureIndex } from './capture/index-capture.js';
import { PCAP_HEADER_LENGTH, parsePcapHeader, type PcapFileHeader, type PcapVariant } from './capture/pcap-parser.js';
import { pcapVariantOf } from './capture/pcap-variant.js';
import { CaptureReader } from './capture/reader.js';
import { sourceChunks } from './capture/source.js';
import type { CaptureSource } from './capture/types.js';
import { detectFormat, isStandardPcap } from './capture/unit-parser.js';
import { WireError } from './errors.js';

/** Where the bytes come from: `read` fills `into` from its start and says how many it wrote (0: the end). */
export interface CaptureByteSource {
  read(into: Uint8Array): number | Promise<number>;
}

export interface CaptureStreamOptions extends CaptureBatchOptions {
  /** Bytes asked of the source per read (default 8 MiB, or what `buffer` allows). */
  chunkSize?: number;
  /**
   * The memory pieces are read into: at least `4 * chunkSize + 48` bytes. A view from `allocBuffer`
   * lets the walk read each piece where the source wrote it (no copy into WebAssembly memory); its
   * contents are overwritten. Default: ordinary memory of that size.
   */
  buffer?: Uint8Array;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

/**
 * A byte source over any capture source `readCapture` takes (bytes, a Node stream, a web
 * ReadableStream, an (async) iterable of chunks): chunks are copied into the reads. Sources that
 * can write into a given buffer themselves (a file handle) save that copy.
 *
 * @example
 * for await (const batch of decodeCaptureStream(captureByteSource(file.stream()))) { ... }
 */
export function captureByteSource(source: CaptureSource): CaptureByteSource {
  const chunks = sourceChunks(source);
  let rest: Uint8Array = new Uint8Array(0);
  let done = false;
  return {
    async read(into: Uint8Array): Promise<number> {
      while (rest.length === 0 && !done) {
        const next = await chunks.next();
        if (next.done === true) done = true;
        else rest = next.value;
      }
      const n = Math.min(into.length, rest.length);
      into.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
  };
}
const HEADER = PCAP_HEADER_LENGTH;

/**
 * Decodes a capture from a byte source in batches, as `decodeCaptureBatches` does for one in
 * memory, holding at most two pieces of it at a time. Batches end where pieces do (so some hold
 * fewer than `batchSize` records); `first` numbers records over the whole capture, and each
 * batch's `index.data` is the piece its offsets point into, valid until the iteration goes on.
 * Damage is reported as by `decodeCaptureBatches`, with offsets counted within the piece.
 *
 * @example
 * const fh = await fs.promises.open(path);
 * const buffer = allocBuffer(4 * (8 << 20) + 48);   // pieces land in WebAssembly memory
 * const source = { read: async (into) => (await fh.read(into, 0, into.length)).bytesRead };
 * for await (const { table, first } of decodeCaptureStream(source, { buffer })) count += table.count;
 */
export async function* decodeCaptureStream(source: CaptureByteSource, options: CaptureStreamOptions = {}): AsyncGenerator<CaptureBatch> {
  const chunk = chunkSizeOf(options);
  batchSizeOf(options);
  const half = HEADER + 2 * chunk;
  const memory = options.buffer ?? new Uint8Array(2 * half);
  // Each half: header and carry right-aligned in [0, HEADER + chunk), then the piece read after it.
  const halves = [memory.subarray(0, half), memory.subarray(half, 2 * half)] as const;
  const readAt = HEADER + chunk;
  const area = (h: number) => halves[h]!.subarray(readAt, half);

  // The file header first (any piece size): it says whether this is pcap, and goes before each piece.
  const header = new Uint8Array(HEADER);
  const start = await fill(source, header);
  const head = header.subarray(0, start.n);
  if (!isPcap(head)) {
    yield* viaRecords(source, head, start.eof, chunk, options);
    return;
  }
  // A file that ends inside its header: reported as decodeCaptureBatches reports it.
  if (start.eof) {
    yield* decodeCaptureBatches(head, options);
    return;
  }
  let got = await fill(source, area(0));
  halves[0].set(header, readAt - HEADER);
  let window = halves[0].subarray(readAt - HEADER, readAt + got.n);
  // The record layout, told once from the first records (pcap-variant.ts): the walk knows standard
  // pcap only, so the old variants with longer record headers go by records, and so does a first
  // piece too short to tell (a few records); each window after is walked as standard pcap, never
  // told again from its own first records.
  if ((options.pcapVariant ?? firstPieceVariant(window, got.eof)) !== 'pcap') {
    // A copy: the buffer may be WebAssembly memory, which decoding may grow (detaching views of it).
    yield* viaRecords(source, window.slice(), got.eof, chunk, options);
    return;
  }
  const batchOptions: CaptureBatchOptions = { ...options, partial: true, pcapVariant: 'pcap' };
  let current = 0;
  // A read in flight writes into the buffer: never leave one behind (an early `break`, damage).
  let pending: Promise<unknown> | undefined;
  let records = 0;
  try {
    for (;;) {
      const final = got.eof;
      // The other half fills while this window is walked.
      const next = final ? undefined : fill(source, area(1 - current));
      pending = next;
      let carryFrom = window.length;
      const base = records;
      for (const batch of decodeCaptureBatches(window, batchOptions)) {
        const error = batch.index.error;
        const cut = error !== undefined && !final && error.code === 'truncated' && error.offset !== undefined;
        if (cut) {
          carryFrom = error.offset!;
          delete batch.index.error;
        }
        if (batch.index.count > 0 || (error !== undefined && !cut) || (final && records === 0)) {
          if (error !== undefined && !cut && !options.partial) {
            if (batch.index.count > 0) {
              delete batch.index.error;
              yield { ...batch, first: batch.first + base };
            }
            throw error;
          }
          yield { ...batch, first: batch.first + base };
        }
        records += batch.index.count;
        if (error !== undefined && !cut) return;
      }
      if (next === undefined) return;
      got = await next;
      pending = undefined;
      const carry = window.subarray(carryFrom);
      const piece = area(1 - current);
      if (carry.length <= chunk) {
        // Header and carry just before the piece, so the three are one pcap file.
        const h = halves[1 - current]!;
        const at = readAt - carry.length - HEADER;
        h.set(header, at);
        h.set(carry, at + HEADER);
        window = h.subarray(at, readAt + got.n);
      } else {
        // A record longer than a piece (megabytes): the window is put together in ordinary memory.
        const joined = new Uint8Array(HEADER + carry.length + got.n);
        joined.set(header, 0);
        joined.set(carry, HEADER);
        joined.set(piece.subarray(0, got.n), HEADER + carry.length);
        window = joined;
      }
      current = 1 - current;
    }
  } finally {
    if (pending !== undefined) await pending.catch(() => undefined);
  }
}

/** Whether these first bytes start a pcap file (anything else, unknown magic included, goes by records). */
function isPcap(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  try {
    // The modified magic (24- or 28-byte record headers) goes by records, as pcapng does; the
    // variants under the standard magic are told after the first piece.
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    return detectFormat(view, 0) === 'pcap' && isStandardPcap(view, 0);
  } catch {
    return false;
  }
}

/** The variant of a standard-magic pcap from its header and first piece, or undefined when they do not tell. */
function firstPieceVariant(window: Uint8Array, ended: boolean): PcapVariant | undefined {
  const view = new DataView(window.buffer, window.byteOffset, window.byteLength);
  let header: PcapFileHeader;
  try {
    header = parsePcapHeader(view, 0, 0);
  } catch {
    // A header the walk reports (another version): as before.
    return 'pcap';
  }
  return pcapVariantOf(view, 0, header.little, header.nano, header.modified, ended);
}

function chunkSizeOf(options: CaptureStreamOptions): number {
  const fits = options.buffer === undefined ? Infinity : Math.floor((options.buffer.length / 2 - HEADER) / 2);
  const chunk = options.chunkSize ?? Math.min(DEFAULT_CHUNK, fits);
  if (!Number.isInteger(chunk) || chunk < 1) throw new WireError('bad-value', `chunkSize must be a positive integer, not ${chunk}`, { layer: 'capture' });
  if (chunk > fits) {
    throw new WireError('bad-value', `a buffer of ${options.buffer!.length} bytes holds pieces of at most ${Math.max(0, fits)} bytes, not ${chunk}`, { layer: 'capture' });
  }
  return chunk;
}

/** Reads until `into` is full or the source ends. */
async function fill(source: CaptureByteSource, into: Uint8Array): Promise<{ n: number; eof: boolean }> {
  let n = 0;
  while (n < into.length) {
    const room = into.length - n;
    const got = await source.read(into.subarray(n));
    if (!Number.isInteger(got) || got < 0 || got > room) {
      throw new WireError('bad-value', `the source's read returned ${String(got)} for ${room} bytes of room`, { layer: 'capture' });
    }
    if (got === 0) return { n, eof: true };
    n += got;
  }
  return { n, eof: false };
}

/** pcapng (or anything not pcap): the streaming reader's records, packed a batch at a time and decoded. */
async function* viaRecords(source: CaptureByteSource, start: Uint8Array, eof: boolean, chunk: number, options: CaptureStreamOptions): AsyncGenerator<CaptureBatch> {
  const size = batchSizeOf(options);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (start.length > 0) yield start;
    let ended = eof;
    while (!ended) {
      const piece = new Uint8Array(chunk);
      const got = await fill(source, piece);
      if (got.n > 0) yield piece.subarray(0, got.n);
      ended = got.eof;
    }
  }
  let batch = new RecordBatch(size);
  let first = 0;
  let table: PacketTable | undefined;
  const emit = (b: RecordBatch, error?: WireError): CaptureBatch => {
    const index = b.index();
    if (error !== undefined) index.error = error;
    table = decodeBatch(index, { checksums: options.checksums ?? false, reuse: options.reuse ? table : undefined });
    const out = { index, table, first };
    first += index.count;
    return out;
  };
  try {
    for await (const r of new CaptureReader(options).read(chunks())) {
      batch.add(r.data, r.linkType, r.timestamp, r.originalLength, r.interfaceId);
      if (batch.count === size) {
        yield emit(batch);
        batch = new RecordBatch(size);
      }
    }
  } catch (e) {
    if (!(e instanceof WireError) || !options.partial) {
      if (batch.count > 0) yield emit(batch);
      throw e;
    }
    yield emit(batch, e);
    return;
  }
  if (batch.count > 0 || first === 0) yield emit(batch);
}

/** Records copied back to back into one buffer, with the index columns decodeBatch reads. */
class RecordBatch {
  count = 0;
  #data = new Uint8Array(1 << 16);
  #used = 0;
  readonly #offsets: Uint32Array;
  readonly #lengths: Uint32Array;
  readonly #linkTypes: Uint16Array;
  readonly #timestamps: BigInt64Array;
  readonly #originals: Uint32Array;
  readonly #interfaces: Uint32Array;

  constructor(size: number) {
    this.#offsets = new Uint32Array(size);
    this.#lengths = new Uint32Array(size);
    this.#linkTypes = new Uint16Array(size);
    this.#timestamps = new BigInt64Array(size);
    this.#originals = new Uint32Array(size);
    this.#interfaces = new Uint32Array(size);
  }

  add(data: Uint8Array, linkType: number, timestamp: bigint, original: number, interfaceId: number): void {
    if (this.#used + data.length > this.#data.length) {
      const grown = new Uint8Array(Math.max(2 * this.#data.length, this.#used + data.length));
      grown.set(this.#data.subarray(0, this.#used));
      this.#data = grown;
    }
    const i = this.count++;
    this.#data.set(data, this.#used);
    this.#offsets[i] = this.#used;
    this.#lengths[i] = data.length;
    this.#linkTypes[i] = linkType;
    this.#timestamps[i] = BigInt.asIntN(64, timestamp);
    this.#originals[i] = original;
    this.#interfaces[i] = interfaceId;
    this.#used += data.length;
  }

  index(): CaptureIndex {
    const n = this.count;
    return {
      data: this.#data.subarray(0, this.#used),
      offsets: this.#offsets.subarray(0, n),
      lengths: this.#lengths.subarray(0, n),
      linkTypes: this.#linkTypes.subarray(0, n),
      timestamps: this.#timestamps.subarray(0, n),
      originalLengths: this.#originals.subarray(0, n),
      interfaceIds: this.#interfaces.subarray(0, n),
      count: n,
      format: 'pcapng',
    };
  }
}
