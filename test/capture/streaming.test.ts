// Streaming: any cut of the file into chunks, any kind of source, gives the records and metadata
// of the in-memory read; early exit releases the source; memory stays flat on a long stream.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCapture, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { FIXTURES, PEER, chunksOf, collect, load, peerVectors, plain, randomChunks, rng } from './helpers.js';

function metadata(r: CaptureReader) {
  const { format, byteOrder, precision, sections, interfaces, nameResolution, statistics, decryptionSecrets } = r;
  return { format, byteOrder, precision, sections, interfaces, nameResolution, statistics, decryptionSecrets };
}

function syncRead(bytes: Uint8Array) {
  const reader = new CaptureReader();
  const records = [...reader.readSync(bytes)].map(plain);
  return { records, meta: metadata(reader) };
}

async function streamRead(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
  const reader = new CaptureReader();
  const records = (await collect(reader.read(chunks))).map(plain);
  return { records, meta: metadata(reader) };
}

const SMALL = [
  `${FIXTURES}small-usec-le.pcap`,
  `${FIXTURES}small-nsec-be.pcap`,
  `${FIXTURES}clocks-be.pcapng`,
  `${FIXTURES}editcap-secrets.pcapng`,
  `${PEER}output_le/difficult/test202.pcapng`,
  `${PEER}output_be/advanced/test100.pcapng`,
];

describe('every chunk size from 1 byte to the file size', () => {
  for (const path of SMALL) {
    it(path.replace(/.*\/(output_..\/)?/, '$1'), async () => {
      const bytes = load(path);
      const want = syncRead(bytes);
      expect(want.records.length).toBeGreaterThan(0);
      for (let size = 1; size <= bytes.length; size++) {
        const got = await streamRead(chunksOf(bytes, size));
        if (JSON.stringify(got, big) !== JSON.stringify(want, big)) expect({ size, ...got }).toEqual({ size, ...want });
      }
    });
  }
});

/** JSON.stringify replacer for bigint (a fast whole-structure compare; toEqual explains a difference). */
function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

describe('random chunkings of every peer vector and fixture', () => {
  const files = [
    ...peerVectors().flatMap((n) => [`${PEER}output_le/${n}.pcapng`, `${PEER}output_be/${n}.pcapng`]),
    ...['small-usec-be.pcap', 'editcap-nsec.pcap', 'editcap.pcapng', 'clocks-le.pcapng'].map((f) => FIXTURES + f),
  ];
  it(`${files.length} files x 20 chunkings`, async () => {
    const random = rng(7);
    for (const path of files) {
      const bytes = load(path);
      const want = syncRead(bytes);
      for (let i = 0; i < 20; i++) {
        const got = await streamRead(randomChunks(bytes, random, 1 + Math.floor(random() * 300)));
        expect(got).toEqual(want);
      }
    }
  });
});

describe('sources', () => {
  const bytes = load(`${FIXTURES}clocks-le.pcapng`);
  const want = [...readCaptureSync(bytes)].map(plain);
  const chunks = () => chunksOf(bytes, 100);

  it('Uint8Array, ArrayBuffer (zero-copy views), and a Node Buffer', async () => {
    const fromBytes = await collect(readCapture(bytes));
    expect(fromBytes.map(plain)).toEqual(want);
    expect(fromBytes[0]!.data.buffer).toBe(bytes.buffer);
    const buffer = bytes.slice().buffer;
    const fromBuffer = await collect(readCapture(buffer));
    expect(fromBuffer.map(plain)).toEqual(want);
    expect(fromBuffer[0]!.data.buffer).toBe(buffer);
    expect((await collect(readCapture(Buffer.from(bytes)))).map(plain)).toEqual(want);
  });

  it('a web ReadableStream', async () => {
    const list = chunks();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = list.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    expect((await collect(readCapture(stream))).map(plain)).toEqual(want);
  });

  it('a Node readable stream, an async generator, a sync iterable', async () => {
    expect((await collect(readCapture(Readable.from(chunks())))).map(plain)).toEqual(want);
    async function* gen() {
      for (const c of chunks()) yield c;
    }
    expect((await collect(readCapture(gen())).then((r) => r.map(plain)))).toEqual(want);
    expect((await collect(readCapture(chunks()))).map(plain)).toEqual(want);
  });

  it('readCapture over the sync reader of a Uint8Array', () => {
    expect([...readCaptureSync(bytes.slice().buffer as ArrayBuffer)].map(plain)).toEqual(want);
  });

  it('a chunk that is not bytes is a WireError', async () => {
    await expect(collect(readCapture(['abc' as unknown as Uint8Array]))).rejects.toMatchObject({ code: 'bad-value', layer: 'capture' });
  });

  it('breaking out early cancels a ReadableStream', async () => {
    let cancelled = false;
    const list = chunks();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(list.shift() ?? new Uint8Array(0));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _record of readCapture(stream)) break;
    expect(cancelled).toBe(true);
  });

  it('an error cancels a ReadableStream too', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // No format's magic, and not ERF either (which has none): its first record header says rlen 0.
        controller.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 13, 14, 15, 16]));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(collect(readCapture(stream))).rejects.toMatchObject({ code: 'unsupported' });
    expect(cancelled).toBe(true);
  });
});

describe('constant memory', () => {
  it('streams 256 MiB of 1000-byte records in 64 KiB chunks without holding them', async () => {
    const RECORD = 1000;
    const TOTAL = 256 * 1024 * 1024;
    const header = new Uint8Array(24);
    new DataView(header.buffer).setUint32(0, 0xa1b2c3d4, true);
    new DataView(header.buffer).setUint16(4, 2, true);
    new DataView(header.buffer).setUint16(6, 4, true);
    new DataView(header.buffer).setUint32(16, 65535, true);
    new DataView(header.buffer).setUint32(20, 1, true);
    // Records of 16 + 1000 bytes laid end to end and cut every 64 KiB (so most chunk ends fall
    // inside a record), generated lazily from one record's pattern.
    const unit = new Uint8Array(16 + RECORD);
    new DataView(unit.buffer).setUint32(8, RECORD, true);
    new DataView(unit.buffer).setUint32(12, RECORD, true);
    function* stream(): Generator<Uint8Array> {
      yield header;
      for (let produced = 0; produced < TOTAL; produced += 65536) {
        const chunk = new Uint8Array(65536);
        for (let i = 0; i < chunk.length; ) {
          const phase = (produced + i) % unit.length;
          const take = Math.min(unit.length - phase, chunk.length - i);
          chunk.set(unit.subarray(phase, phase + take), i);
          i += take;
        }
        yield chunk;
      }
    }
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let count = 0;
    let last: CaptureRecord | undefined;
    try {
      for await (const record of readCapture(stream())) {
        count++;
        last = record;
        if (count % 20000 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      }
    } catch (e) {
      // The lazily cut stream ends inside a record: the reader says so, after all the others.
      expect(e).toMatchObject({ code: 'truncated', layer: 'pcap' });
    }
    expect(count).toBe(Math.floor(TOTAL / unit.length));
    expect(last!.capturedLength).toBe(RECORD);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('one-byte chunks', () => {
  it('a 200 KB record in 200,000 one-byte chunks reads as the file in memory does (chunks merged in one splice, not one shift each)', async () => {
    const size = 200_000;
    const file = new Uint8Array(24 + 16 + size);
    const v = new DataView(file.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 262144, true);
    v.setUint32(20, 1, true);
    v.setUint32(24, 1_700_000_000, true);
    v.setUint32(32, size, true);
    v.setUint32(36, size, true);
    for (let i = 40; i < file.length; i++) file[i] = (i * 2654435761) >>> 24;
    function* ones(): Generator<Uint8Array> {
      for (let i = 0; i < file.length; i++) yield file.subarray(i, i + 1);
    }
    const streamed = await collect(readCapture(ones()));
    expect(streamed.map(plain)).toEqual([...readCaptureSync(file)].map(plain));
    expect(streamed[0]!.data).toEqual(file.subarray(40));
    // No format's magic: the ERF check buffers its probe from one-byte chunks as well, then refuses.
    const noise = file.subarray(40);
    function* noiseOnes(): Generator<Uint8Array> {
      for (let i = 0; i < noise.length; i++) yield noise.subarray(i, i + 1);
    }
    await expect(collect(readCapture(noiseOnes()))).rejects.toMatchObject({ code: 'unsupported', offset: 0 });
  });
});
