// decodeCaptureBatches: the fused WASM walk (index + decode in one pass) against its twin,
// indexCapture + decodeBatch, batch by batch: index columns, table columns, errors, batch bounds —
// on real captures, random pcap files, damaged ones, in and out of WASM memory, with sub-batches
// and copied spans forced small.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { allocBuffer, setBackend, WireError, writePcap, type CaptureRecord } from 'wirekit';
import { captureBatchesResident, decodeCaptureBatches, type CaptureBatch, type CaptureBatchOptions } from '../src/batch-capture.js';
import { decodeBatch, setBatchLimitsForTests, type PacketTable } from '../src/batch.js';
import { indexCapture } from '../src/capture/index-capture.js';
import { U16_COLUMN_NAMES, U32_COLUMN_NAMES, U8_COLUMN_NAMES } from '../src/kernels/batch.js';
import { anyPacket, pcapFileOf } from './fixtures/batch/arbitraries.js';

const COLUMNS = [...U32_COLUMN_NAMES, ...U16_COLUMN_NAMES, ...U8_COLUMN_NAMES];

afterAll(() => setBackend('auto'));
afterEach(() => setBatchLimitsForTests());

function plainTable(t: PacketTable): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of COLUMNS) out[name] = Array.from(t[name]);
  out.ipv6Addresses = Array.from(t.ipv6Addresses);
  return out;
}

interface Outcome {
  batches: unknown[];
  thrown?: { code: string; message: string; offset: number | undefined };
}

/** Every batch as plain data (copied at once: with `reuse` the next batch overwrites it). */
function run(bytes: Uint8Array, options: CaptureBatchOptions, walk = decodeCaptureBatches): Outcome {
  const batches: unknown[] = [];
  try {
    for (const b of walk(bytes, options)) batches.push(plainBatch(b));
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return { batches, thrown: { code: e.code, message: e.message, offset: e.offset } };
  }
  return { batches };
}

function plainBatch(b: CaptureBatch) {
  const i = b.index;
  return {
    first: b.first,
    count: i.count,
    format: i.format,
    offsets: Array.from(i.offsets),
    lengths: Array.from(i.lengths),
    linkTypes: Array.from(i.linkTypes),
    timestamps: Array.from(i.timestamps, String),
    originalLengths: Array.from(i.originalLengths),
    interfaceIds: Array.from(i.interfaceIds),
    error: i.error === undefined ? undefined : { code: i.error.code, message: i.error.message, offset: i.error.offset },
    table: plainTable(b.table),
  };
}

/**
 * The same as expectWalkEqualsTwin, compared as JSON text: a property over long files then fails
 * with a short message at once instead of rendering (and shrinking through) diffs of whole tables.
 */
function walkMatchesTwin(file: Uint8Array, options: CaptureBatchOptions): boolean {
  setBackend('js');
  const twin = JSON.stringify(run(file, options));
  setBackend('wasm');
  const inWasm = allocBuffer(file.length);
  inWasm.set(file);
  return JSON.stringify(run(file, options)) === twin && JSON.stringify(run(inWasm, options)) === twin;
}

/** The twin (JS backend: indexCapture + decodeBatch) and the walk, in and out of WASM memory. */
function expectWalkEqualsTwin(file: Uint8Array, options: CaptureBatchOptions) {
  setBackend('js');
  const twin = run(file, options);
  setBackend('wasm');
  expect(run(file, options)).toEqual(twin);
  const inWasm = allocBuffer(file.length);
  inWasm.set(file);
  expect(run(inWasm, options)).toEqual(twin);
  return twin;
}

function fixtures(): string[] {
  const dirs = ['test/fixtures/capture-real', 'test/fixtures/batch', 'test/fixtures/capture', 'test/fixtures/wire'];
  const out: string[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(d)) if (/\.pcap(ng)?$/.test(f)) out.push(`${d}/${f}`);
  }
  return out;
}

describe('decodeCaptureBatches', () => {
  it.each(fixtures())('%s: the walk gives the twin batches', (path) => {
    const file = new Uint8Array(readFileSync(path));
    for (const batchSize of [1, 7, 65536]) {
      const twin = expectWalkEqualsTwin(file, { batchSize });
      expect(twin.thrown).toBeUndefined();
    }
  });

  it('gives what indexCapture and decodeBatch give for the whole capture', () => {
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcap'));
    const index = indexCapture(file);
    const table = decodeBatch(index);
    setBackend('wasm');
    const batches = [...decodeCaptureBatches(file, { batchSize: 5 })];
    expect(batches.reduce((n, b) => n + b.index.count, 0)).toBe(index.count);
    for (const b of batches) {
      for (let i = 0; i < b.index.count; i++) {
        const r = b.first + i;
        expect(b.index.offsets[i]).toBe(index.offsets[r]);
        expect(b.index.timestamps[i]).toBe(index.timestamps[r]);
        expect(b.table.row(i)).toEqual(table.row(r));
      }
    }
    setBackend('auto');
  });

  const pcapFile = pcapFileOf(30);

  it('random pcap files: the walk gives the twin batches (any batch size, reuse or not)', () => {
    fc.assert(
      fc.property(pcapFile, fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.boolean(), (file, batchSize, reuse, checksums) => {
        expectWalkEqualsTwin(file, { batchSize, reuse, checksums });
      }),
      { numRuns: 150 },
    );
  });

  it('damaged files: the same batches before the damage, then the same WireError (thrown, or on the last batch with partial)', () => {
    const damaged = fc.tuple(pcapFile, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([file, cut, at, value, truncate]) => {
      if (truncate) return file.subarray(0, cut % (file.length + 1));
      const copy = file.slice();
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
    fc.assert(
      fc.property(damaged, fc.integer({ min: 1, max: 8 }), fc.boolean(), (file, batchSize, partial) => {
        const twin = expectWalkEqualsTwin(file, { batchSize, partial, maxRecordLength: 4096 });
        if (partial) expect(twin.thrown === undefined || twin.batches.length === 0).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a length that lies is reported at its record, with every record before it delivered', () => {
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcap'));
    const index = indexCapture(file);
    const bad = file.slice();
    // Record 3's captured length made absurd.
    new DataView(bad.buffer).setUint32(index.offsets[3]! - 16 + 8, 0x7fffffff, true);
    setBackend('wasm');
    const seen: number[] = [];
    let error: unknown;
    try {
      for (const b of decodeCaptureBatches(bad, { batchSize: 2 })) seen.push(b.index.count);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual([2, 1]);
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).code).toBe('limit-exceeded');
    expect((error as WireError).offset).toBe(index.offsets[3]! - 16 + 8);
    setBackend('auto');
  });

  it('copied spans and sub-batches forced small change nothing (records larger than a span too)', () => {
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth-big.pcap'));
    setBackend('js');
    const twin = run(file, { batchSize: 4 });
    setBackend('wasm');
    for (const limits of [{ rows: 2 }, { inputBytes: 4096 }, { rows: 3, inputBytes: 2048 }]) {
      setBatchLimitsForTests(limits);
      expect(run(file, { batchSize: 4 })).toEqual(twin);
    }
    setBackend('auto');
  });

  // The chained walk (several chains of records at once, entry points guessed and then proven)
  // engages on captures several spans long: a small span makes small files exercise it, and
  // payloads carrying copies of record headers make the guesses go wrong.
  const fakeHeader = (sec: number, cap: number, bigEndian: boolean) => {
    const h = new DataView(new ArrayBuffer(16));
    for (const [at, v] of [[0, sec], [4, 1000], [8, cap], [12, cap]] as const) h.setUint32(at, v, !bigEndian);
    return new Uint8Array(h.buffer);
  };
  const longPcap = fc
    .tuple(
      fc.array(fc.tuple(anyPacket, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 200 })), { freq: 4 })), { minLength: 150, maxLength: 500, size: 'max' }),
      fc.constantFrom<'micro' | 'nano'>('micro', 'nano'),
      fc.boolean(),
    )
    .map(([samples, precision, bigEndian]) => {
      const records: CaptureRecord[] = samples.map(([s, fake], i) => {
        let data = s.bytes;
        if (fake !== null && data.length >= 16) {
          // Plausible record headers inside the packet (same time, small lengths): three in a row
          // (empty records) where they fit, which the entry-point scan cannot tell from real ones.
          data = data.slice();
          const three = data.length >= 48;
          const at = fake[0] % (data.length - (three ? 47 : 15));
          for (let k = 0; k < (three ? 3 : 1); k++) data.set(fakeHeader(1_700_000_000 + i, three ? 0 : fake[1], bigEndian), at + 16 * k);
        }
        return { timestamp: 1_700_000_000_123_456_000n + BigInt(i) * 1_000_001_000n, capturedLength: data.length, originalLength: data.length, linkType: 1, interfaceId: 0, data };
      });
      return writePcap(records, { precision, byteOrder: bigEndian ? 'big' : 'little' } as never);
    });

  it('the chained walk gives the twin batches: spans of any size, guessed entry points right or wrong', () => {
    fc.assert(
      fc.property(longPcap, fc.constantFrom(300, 1600, 2048, 4096), fc.constantFrom(65536, 100, 777), fc.boolean(), (file, walkSpan, batchSize, reuse) => {
        setBatchLimitsForTests({ walkSpan });
        return walkMatchesTwin(file, { batchSize, reuse });
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('the chained walk on damaged files: the same batches before the damage, then the same WireError', () => {
    const damaged = fc.tuple(longPcap, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([file, cut, at, value, truncate]) => {
      if (truncate) return file.subarray(0, cut % (file.length + 1));
      const copy = file.slice();
      copy[at % copy.length] = value;
      return copy;
    });
    fc.assert(
      fc.property(damaged, fc.constantFrom(1600, 2048, 4096), fc.boolean(), (file, walkSpan, partial) => {
        setBatchLimitsForTests({ walkSpan });
        return walkMatchesTwin(file, { batchSize: 65536, partial, maxRecordLength: 4096 });
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('the chained walk finds every record of a real capture, in and out of WASM memory, with small copied spans', () => {
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcap'));
    setBackend('js');
    const twin = run(file, { batchSize: 65536 });
    setBackend('wasm');
    for (const limits of [{ walkSpan: 128 }, { walkSpan: 1024 }, { walkSpan: 1024, inputBytes: 8192 }, { walkSpan: 1024, rows: 70 }]) {
      setBatchLimitsForTests(limits);
      expect(run(file, { batchSize: 65536 })).toEqual(twin);
      const inWasm = allocBuffer(file.length);
      inWasm.set(file);
      expect(run(inWasm, { batchSize: 65536 })).toEqual(twin);
    }
    setBackend('auto');
  });

  it('the chained walk reads nothing past a capture that ends where WebAssembly memory ends', () => {
    const frame = (n: number) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 255);
    const records: CaptureRecord[] = Array.from({ length: 400 }, (_, i) => {
      // 399 records of 76 bytes and one of 28: the file past its header is 8 spans of 3,794 bytes.
      const data = frame(i === 399 ? 12 : 60);
      return { timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, capturedLength: data.length, originalLength: data.length, linkType: 1, interfaceId: 0, data };
    });
    const file = writePcap(records);
    expect(file.length - 24).toBe(8 * 3794);
    setBackend('js');
    const twin = run(file, {});
    setBackend('wasm');
    // The user region starts at a fixed place: a buffer filling memory to its end, the file at its tail.
    const start = allocBuffer(1).byteOffset;
    const end = allocBuffer(start + file.length + 65536 - start).buffer.byteLength;
    const tail = allocBuffer(end - start).subarray(end - start - file.length);
    expect(tail.byteOffset + tail.length).toBe(tail.buffer.byteLength);
    tail.set(file);
    // One group of eight chains covers the whole file: the last chain walks its last, short record.
    setBatchLimitsForTests({ walkSpan: 3794 });
    expect(run(tail, {})).toEqual(twin);
    setBackend('auto');
  });

  it('pcapng goes through the index and gives the same batches', () => {
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth.pcapng'));
    const out = expectWalkEqualsTwin(file, { batchSize: 3 });
    expect(out.batches.length).toBeGreaterThan(1);
  });

  it('an empty capture gives one empty batch; a bad batch size is refused', () => {
    const file = writePcap([]);
    const out = expectWalkEqualsTwin(file, {});
    expect(out.batches).toHaveLength(1);
    expect(() => [...decodeCaptureBatches(file, { batchSize: 0 })]).toThrow(WireError);
  });
});

describe('captureBatchesResident (the reassembler\'s walk: batches in the internal resident region)', () => {
  it('gives decodeCaptureBatches\' batches, in and out of WASM memory, with sub-batches and copied spans forced small', () => {
    fc.assert(
      fc.property(pcapFileOf(30), fc.integer({ min: 1, max: 12 }), fc.boolean(), (file, batchSize, checksums) => {
        setBackend('js');
        const twin = run(file, { batchSize, checksums, reuse: true });
        setBackend('wasm');
        expect(run(file, { batchSize, checksums }, captureBatchesResident)).toEqual(twin);
        const inWasm = allocBuffer(file.length);
        inWasm.set(file);
        expect(run(inWasm, { batchSize, checksums }, captureBatchesResident)).toEqual(twin);
      }),
      { numRuns: 60 },
    );
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth-big.pcap'));
    setBackend('js');
    const twin = run(file, { batchSize: 4 });
    setBackend('wasm');
    for (const limits of [{}, { rows: 2 }, { inputBytes: 4096 }, { rows: 3, inputBytes: 2048 }]) {
      setBatchLimitsForTests(limits);
      expect(run(file, { batchSize: 4 }, captureBatchesResident)).toEqual(twin);
    }
    setBackend('auto');
  });

  it('batches are resident, at most 4096 records; a walk started inside another gets ordinary tables; closing frees the region', () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth-big.pcap'));
    const outer = captureBatchesResident(file, { batchSize: 1 << 20 });
    const first = outer.next().value as CaptureBatch;
    expect(first.table.resident).toBe(true);
    expect(first.table.count).toBeLessThanOrEqual(4096);
    const before = plainBatch(first);
    // A nested walk and a caller's resident decodeBatch write elsewhere.
    const inner = [...captureBatchesResident(file, { batchSize: 3 })];
    expect(inner[0]!.table.resident).toBe(false);
    decodeBatch({ data: file, offsets: first.index.offsets.slice().reverse(), lengths: first.index.lengths.slice().reverse() }, { resident: true });
    expect(plainBatch(first)).toEqual(before);
    outer.return(undefined);
    const again = captureBatchesResident(file, { batchSize: 3 });
    expect((again.next().value as CaptureBatch).table.resident).toBe(true);
    again.return(undefined);
    setBackend('auto');
  });
});
