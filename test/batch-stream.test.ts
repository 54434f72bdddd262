// decodeCaptureStream: a capture read in pieces (any piece size, short reads, sync or async) gives
// record for record what decodeCaptureBatches gives for the whole file in memory: index columns,
// packet bytes and table rows; damage ends it the same way. Pieces read into WebAssembly memory
// (allocBuffer) or ordinary memory, records longer than a piece, pcapng, both backends.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { allocBuffer, setBackend, WireError, writePcap } from 'wirekit';
import { decodeCaptureBatches, type CaptureBatch } from '../src/batch-capture.js';
import { captureByteSource, decodeCaptureStream, type CaptureByteSource, type CaptureStreamOptions } from '../src/batch-stream.js';
import { anyPacket, pcapFileOf } from './fixtures/batch/arbitraries.js';

afterAll(() => setBackend('auto'));

interface Flat {
  records: unknown[];
  firsts: number[];
  error?: { code: string; partialLast?: boolean };
}

function flatten(batches: CaptureBatch[], into: Flat): void {
  for (const b of batches) {
    into.firsts.push(b.first);
    const i = b.index;
    for (let k = 0; k < i.count; k++) {
      into.records.push({
        time: String(i.timestamps[k]),
        length: i.lengths[k],
        original: i.originalLengths[k],
        linkType: i.linkTypes[k],
        interfaceId: i.interfaceIds[k],
        bytes: Array.from(i.data.subarray(i.offsets[k], i.offsets[k]! + i.lengths[k]!)),
        row: b.table.row(k),
      });
    }
  }
}

function whole(file: Uint8Array, options: CaptureStreamOptions): Flat {
  const out: Flat = { records: [], firsts: [] };
  const batches: CaptureBatch[] = [];
  try {
    for (const b of decodeCaptureBatches(file, options)) {
      flatten([b], out);
      if (b.index.error) out.error = { code: b.index.error.code, partialLast: true };
      batches.push(b);
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    out.error = { code: e.code };
  }
  return out;
}

/** A source handing out `file` in reads of the sizes `sizes` cycles through, some of them async. */
function sourceOf(file: Uint8Array, sizes: number[], asyncEvery = 2): CaptureByteSource & { reads: number } {
  let at = 0;
  let k = 0;
  const src = {
    reads: 0,
    read(into: Uint8Array): number | Promise<number> {
      const n = Math.min(into.length, sizes[k++ % sizes.length]!, file.length - at);
      into.set(file.subarray(at, at + n));
      at += n;
      src.reads++;
      return src.reads % asyncEvery === 0 ? Promise.resolve(n) : n;
    },
  };
  return src;
}

async function streamed(file: Uint8Array, options: CaptureStreamOptions, sizes: number[]): Promise<Flat> {
  const out: Flat = { records: [], firsts: [] };
  let count = 0;
  try {
    for await (const b of decodeCaptureStream(sourceOf(file, sizes), options)) {
      // Record numbers run on over the whole capture.
      expect(b.first).toBe(count);
      count += b.index.count;
      flatten([b], out);
      if (b.index.error) out.error = { code: b.index.error.code, partialLast: true };
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    out.error = { code: e.code };
  }
  return out;
}

/** Records and the way it ended must match; batch bounds may differ (pieces end batches). */
async function expectStreamEqualsWhole(file: Uint8Array, options: CaptureStreamOptions, sizes: number[]): Promise<void> {
  const a = whole(file, options);
  const b = await streamed(file, options, sizes);
  expect(b.records).toEqual(a.records);
  expect(b.error).toEqual(a.error);
}

const fixtures = ['test/fixtures/capture-real', 'test/fixtures/batch', 'test/fixtures/capture'].flatMap((d) =>
  readdirSync(d)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => `${d}/${f}`),
);

const pcapFile = pcapFileOf(60);

describe('decodeCaptureStream', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: every fixture, in pieces of every size class, gives what the whole file gives`, async () => {
      setBackend(backend);
      for (const path of fixtures) {
        const file = new Uint8Array(readFileSync(path));
        for (const chunkSize of [37, 1024, 1 << 20]) {
          await expectStreamEqualsWhole(file, { chunkSize }, [chunkSize]);
          await expectStreamEqualsWhole(file, { chunkSize, batchSize: 3 }, [1, 5, chunkSize]);
        }
      }
    });
  }

  it('random pcap files, random piece sizes and short reads, in WebAssembly memory or not', async () => {
    setBackend('wasm');
    await fc.assert(
      fc.asyncProperty(pcapFile, fc.integer({ min: 1, max: 600 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }), fc.boolean(), fc.integer({ min: 1, max: 9 }), async (file, chunkSize, sizes, inWasm, batchSize) => {
        const buffer = inWasm ? allocBuffer(4 * chunkSize + 48) : undefined;
        await expectStreamEqualsWhole(file, { chunkSize, buffer, batchSize }, sizes);
      }),
      { numRuns: 150 },
    );
  });

  it('damaged files end as the whole file does: the records before the damage, then the same error (thrown or on the last batch)', async () => {
    setBackend('wasm');
    const damaged = fc.tuple(pcapFile, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([file, cut, at, value, truncate]) => {
      if (truncate) return file.subarray(0, cut % (file.length + 1));
      const copy = file.slice();
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
    await fc.assert(
      fc.asyncProperty(damaged, fc.integer({ min: 1, max: 300 }), fc.boolean(), async (file, chunkSize, partial) => {
        await expectStreamEqualsWhole(file, { chunkSize, partial, maxRecordLength: 4096 }, [chunkSize, 3]);
      }),
      { numRuns: 200 },
    );
  });

  it('a record longer than a piece is put together across pieces', async () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth-big.pcap'));
    const longest = Math.max(...[...decodeCaptureBatches(file)].flatMap((b) => Array.from(b.index.lengths)));
    expect(longest).toBeGreaterThan(4 * 1024);
    await expectStreamEqualsWhole(file, { chunkSize: 1024, buffer: allocBuffer(4 * 1024 + 48) }, [1024]);
  });

  it('reads pieces into the buffer it is given, and refuses a buffer too small or a read that lies', async () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcap'));
    const buffer = allocBuffer(4 * 512 + 48);
    let n = 0;
    for await (const b of decodeCaptureStream(sourceOf(file, [512]), { buffer })) {
      // 512-byte pieces derived from the buffer's size; each window lies inside it.
      expect(b.index.data.buffer).toBe(buffer.buffer);
      expect(b.index.data.byteOffset).toBeGreaterThanOrEqual(buffer.byteOffset);
      expect(b.index.data.byteOffset + b.index.data.length).toBeLessThanOrEqual(buffer.byteOffset + buffer.length);
      n += b.index.count;
    }
    expect(n).toBe(whole(file, {}).records.length);
    await expect(async () => {
      for await (const _ of decodeCaptureStream(sourceOf(file, [64]), { buffer: new Uint8Array(100), chunkSize: 64 })) void _;
    }).rejects.toThrow(WireError);
    // A batch size that is no size, for pcap and for pcapng alike.
    const ng = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcapng'));
    for (const bytes of [file, ng]) {
      await expect(async () => {
        for await (const _ of decodeCaptureStream(sourceOf(bytes, [512]), { batchSize: 0 })) void _;
      }).rejects.toThrow(/batchSize/);
    }
    const liar: CaptureByteSource = { read: (into) => into.length + 1 };
    await expect(async () => {
      for await (const _ of decodeCaptureStream(liar)) void _;
    }).rejects.toThrow(/returned/);
  });

  it('leaves no read in flight behind a loop that stops early: the buffer is free again', async () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcap'));
    let inFlight = 0;
    let at = 0;
    const slow: CaptureByteSource = {
      read: (into) =>
        new Promise((resolve) => {
          inFlight++;
          setTimeout(() => {
            const n = Math.min(into.length, file.length - at);
            into.set(file.subarray(at, at + n));
            at += n;
            inFlight--;
            resolve(n);
          }, 5);
        }),
    };
    for await (const b of decodeCaptureStream(slow, { chunkSize: 256, batchSize: 1 })) {
      expect(b.index.count).toBe(1);
      break;
    }
    expect(inFlight).toBe(0);
  });

  it('captureByteSource: chunks from an iterable or a web ReadableStream, copied into the reads', async () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/sll2.pcap'));
    const expected = whole(file, {}).records;
    const pieces = (size: number) => Array.from({ length: Math.ceil(file.length / size) }, (_, i) => file.subarray(i * size, (i + 1) * size));
    const collect = async (source: CaptureByteSource) => {
      const out: Flat = { records: [], firsts: [] };
      for await (const b of decodeCaptureStream(source, { chunkSize: 300 })) flatten([b], out);
      return out.records;
    };
    expect(await collect(captureByteSource(pieces(77)))).toEqual(expected);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of pieces(1000)) c.enqueue(p.slice());
        c.close();
      },
    });
    expect(await collect(captureByteSource(stream))).toEqual(expected);
    expect(await collect(captureByteSource(file))).toEqual(expected);
  });

  it('an empty capture gives one empty batch; pcapng is read record by record with the same records', async () => {
    setBackend('wasm');
    const empty = writePcap([]);
    const out: CaptureBatch[] = [];
    for await (const b of decodeCaptureStream(sourceOf(empty, [7]))) out.push(b);
    expect(out.map((b) => b.index.count)).toEqual([0]);
    const ng = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcapng'));
    await expectStreamEqualsWhole(ng, { chunkSize: 50 }, [50, 1]);
  });
});
