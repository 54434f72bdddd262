// The old pcap variants with longer record headers (Red Hat 6.1's ss990417 and Nokia's under the
// standard magic, ss991029 and SuSE 6.3's ss990915 under the modified one), as editcap writes them
// (test/fixtures/capture/make-pcap-variants.sh), against what tshark 4.0 reads of each: times,
// lengths, the frame bytes of the standard pcap they were made from, the variant capinfos names;
// through every reader (in memory, indexed, streamed at any chunk size, batched with and without
// WebAssembly). Then the edges of telling them apart (no record, one record, a standard file that
// also reads as Red Hat 6.1) and damage: typed WireErrors, never a crash, the same streamed.
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatch, type PacketTable } from '../../src/batch.js';
import { decodeCaptureBatches } from '../../src/batch-capture.js';
import { captureByteSource, decodeCaptureStream } from '../../src/batch-stream.js';
import { indexCapture, type CaptureIndex } from '../../src/capture/index-capture.js';
import { CaptureReader, readCapture, readCaptureSync } from '../../src/capture/reader.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { isStandardPcap } from '../../src/capture/unit-parser.js';
import { WireError } from '../../src/errors.js';
import { allocBuffer, setBackend } from '../../src/wasm/backend.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { chunksOf, collect, FIXTURES, load, plain } from './helpers.js';

afterAll(() => setBackend('auto'));

const DIR = `${FIXTURES}pcap-variants/`;
/** capinfos -t -M of each fixture: the variant tshark read it as. */
const TYPES = new Map(
  readFileSync(`${DIR}types.tsv`, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t') as [string, string]),
);

/** The standard pcap each fixture was converted from. */
function sourceOf(file: string): string {
  if (file.startsWith('dns-')) return `${FIXTURES}../wire/dns.pcap`;
  if (file.startsWith('http-')) return `${DIR}http-pcap.pcap`;
  if (file.startsWith('one-')) return `${DIR}one-pcap.pcap`;
  return DIR + file;
}

function tshark(file: string): string[][] {
  const text = readFileSync(`${DIR}${file}.tshark.tsv`, 'utf8');
  return lines(text).map((l) => l.split('\t'));
}

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const rows = (t: PacketTable) => Array.from({ length: t.count }, (_, i) => t.row(i));
const indexRecords = (index: CaptureIndex) =>
  Array.from({ length: index.count }, (_, i) => ({
    time: index.timestamps[i],
    length: index.lengths[i],
    original: index.originalLengths[i],
    bytes: Buffer.from(index.data.subarray(index.offsets[i], index.offsets[i]! + index.lengths[i]!)).toString('hex'),
  }));

async function streamRows(bytes: Uint8Array, chunkSize?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  // Pieces of 4096 read into WebAssembly memory (allocBuffer), the others into ordinary memory.
  const options = chunkSize === undefined ? {} : chunkSize === 4096 ? { chunkSize, buffer: allocBuffer(4 * chunkSize + 48) } : { chunkSize };
  for await (const b of decodeCaptureStream(captureByteSource(chunksOf(bytes, 1000)), options)) out.push(...rows(b.table));
  return out;
}

describe('pcap variants: every record as tshark reads it, through every reader', () => {
  for (const [file, type] of TYPES) {
    it(`${file} (${type})`, async () => {
      const bytes = load(DIR + file);
      const reader = new CaptureReader();
      const records = [...reader.readSync(bytes)];
      const frames = tshark(file);
      expect(records).toHaveLength(frames.length);
      records.forEach((r, i) => {
        const [number, time, len, capLen] = frames[i]!;
        expect(Number(number)).toBe(i + 1);
        expect(formatEpoch(r.timestamp)).toBe(time);
        expect(r.originalLength).toBe(Number(len));
        expect(r.capturedLength).toBe(Number(capLen));
        expect(r.data.length).toBe(r.capturedLength);
        expect(r.linkType).toBe(1);
      });
      const source = [...readCaptureSync(load(sourceOf(file)))];
      expect(records.map(hex)).toEqual(source.map(hex));

      // The variant read: the section's version, as capinfos names it.
      expect(reader.format).toBe('pcap');
      expect(reader.byteOrder).toBe(file.endsWith('-be.pcap') ? 'big' : 'little');
      expect(reader.precision).toBe('micro');
      expect(reader.sections[0]!.version).toBe(type === 'pcap' ? '2.4' : `2.4 ${type}`);
      expect(isStandardPcap(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0)).toBe(type === 'pcap');

      // Streamed at any chunk size: the same records and the same metadata.
      const all = records.map(plain);
      for (const size of [1, 7, 50, 4096]) {
        const streaming = new CaptureReader();
        const streamed: CaptureRecord[] = [];
        for await (const r of streaming.read(chunksOf(bytes, size))) streamed.push(r);
        expect(streamed.map(plain), `chunks of ${size}`).toEqual(all);
        expect(streaming.sections).toEqual(reader.sections);
      }
      expect((await collect(readCapture(bytes))).map(plain)).toEqual(all);
      expect((await collect(readCapture(chunksOf(bytes, 33)))).map(plain)).toEqual(all);

      // The index, then the batches (the WebAssembly walk knows 16-byte headers only: the variants
      // go by the index), then the batch stream: the rows of the source pcap.
      const index = indexCapture(bytes);
      const want = indexCapture(load(sourceOf(file)));
      expect(index.count).toBe(records.length);
      expect(indexRecords(index)).toEqual(indexRecords(want));
      const wantRows = rows(decodeBatch(want));
      for (const backend of ['wasm', 'js'] as const) {
        setBackend(backend);
        try {
          const batches = [...decodeCaptureBatches(bytes, { batchSize: 7 })];
          expect(batches.flatMap((b) => rows(b.table)), backend).toEqual(wantRows);
          expect(batches.flatMap((b) => indexRecords(b.index))).toEqual(indexRecords(want));
          for (const chunkSize of [undefined, 37, 4096]) expect(await streamRows(bytes, chunkSize), `${backend} stream ${chunkSize}`).toEqual(wantRows);
        } finally {
          setBackend('auto');
        }
      }
    });
  }
});

describe('telling the variants apart: the edges', () => {
  it('a file of one record: the file ending right after it decides (as tshark decides)', () => {
    for (const type of ['pcap', 'rh6_1pcap', 'nokiapcap', 'suse6_3pcap', 'modpcap']) {
      const reader = new CaptureReader();
      expect([...reader.readSync(load(`${DIR}one-${type}.pcap`))]).toHaveLength(1);
      expect(reader.sections[0]!.version).toBe(type === 'pcap' ? '2.4' : `2.4 ${type}`);
    }
  });

  it('a file of no record: the magic decides (standard layout for the standard magic, ss991029 for the modified), as Wireshark', async () => {
    for (const [file, version] of [['one-rh6_1pcap.pcap', '2.4'], ['one-nokiapcap.pcap', '2.4'], ['one-modpcap.pcap', '2.4 modpcap'], ['one-suse6_3pcap.pcap', '2.4 modpcap']] as const) {
      const header = load(DIR + file).slice(0, 24);
      const reader = new CaptureReader();
      expect([...reader.readSync(header)]).toEqual([]);
      expect(reader.sections[0]!.version).toBe(version);
      const streaming = new CaptureReader();
      expect(await collect(streaming.read(chunksOf(header, 5)))).toEqual([]);
      expect(streaming.sections[0]!.version).toBe(version);
      expect(indexCapture(header).count).toBe(0);
    }
  });

  it('a standard pcap whose records also read as a plausible Red Hat 6.1 file stays standard (the standard layout is tried first)', async () => {
    const bytes = load(`${DIR}ambiguous.pcap`);
    const reader = new CaptureReader();
    const records = [...reader.readSync(bytes)];
    expect(reader.sections[0]!.version).toBe('2.4');
    expect(records.map((r) => [formatEpoch(r.timestamp), r.originalLength, r.capturedLength])).toEqual(tshark('ambiguous.pcap').map(([, t, len, cap]) => [t, Number(len), Number(cap)]));
    // Read as Red Hat 6.1 it is a plausible file too: two other records, no error.
    const other = [...readCaptureSync(bytes, { pcapVariant: 'rh6_1pcap' })];
    expect(other.map((r) => r.capturedLength)).toEqual([60, 20]);
    for (const size of [1, 7]) expect((await collect(new CaptureReader().read(chunksOf(bytes, size)))).map(plain)).toEqual(records.map(plain));
    expect(isStandardPcap(new DataView(bytes.buffer, bytes.byteOffset), 0)).toBe(true);
    expect(indexRecords(indexCapture(bytes))).toHaveLength(2);
  });

  it('pcapVariant: a given layout is read without telling; an unknown one is a RangeError', () => {
    const bytes = load(`${DIR}dns-rh6_1pcap.pcap`);
    const forced = new CaptureReader({ pcapVariant: 'rh6_1pcap' });
    expect([...forced.readSync(bytes)].map(hex)).toEqual([...readCaptureSync(bytes)].map(hex));
    expect(() => [...readCaptureSync(bytes, { pcapVariant: 'pcap' })]).toThrow(WireError);
    expect(indexCapture(bytes, { pcapVariant: 'pcap', partial: true }).error).toBeInstanceOf(WireError);
    expect(() => new CaptureReader({ pcapVariant: 'bogus' as never })).toThrow(RangeError);
  });

  it('the nanosecond magic has no variants: never told from the records', () => {
    const bytes = load(`${DIR}dns-rh6_1pcap.pcap`).slice();
    new DataView(bytes.buffer).setUint32(0, 0xa1b23c4d, true);
    const reader = new CaptureReader();
    try {
      [...reader.readSync(bytes)];
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
    }
    expect(reader.sections[0]!.version).toBe('2.4');
    expect(isStandardPcap(new DataView(bytes.buffer), 0)).toBe(true);
  });
});

describe('pcap variants: damage gives a WireError at the offset, the same in memory and streamed', () => {
  const FILES = ['dns-rh6_1pcap.pcap', 'dns-nokiapcap.pcap', 'dns-suse6_3pcap.pcap', 'dns-modpcap.pcap', 'dns-rh6_1pcap-be.pcap', 'dns-suse6_3pcap-be.pcap'];

  /** Records, and the error that ended them, from readSync and from the streaming reader. */
  async function both(bytes: Uint8Array, chunk = 7): Promise<[unknown, unknown]> {
    const run = async (f: () => AsyncIterable<CaptureRecord> | Iterable<CaptureRecord>) => {
      const got: unknown[] = [];
      try {
        for await (const r of f()) got.push(plain(r));
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        return { got, error: { code: e.code, offset: e.offset } };
      }
      return { got };
    };
    return [await run(() => readCaptureSync(bytes)), await run(() => new CaptureReader().read(chunksOf(bytes, chunk)))];
  }

  it('cut anywhere: the records before the cut, then a truncation; streamed the same', async () => {
    for (const file of FILES) {
      const bytes = load(DIR + file);
      const full = new CaptureReader();
      const all = [...full.readSync(bytes)].map(plain);
      // Where the third record ends: a cut before it can leave the layouts tied (each cut once),
      // and then the standard one wins, as tshark reads such a file (a cut at 112 of
      // dns-rh6_1pcap.pcap: tshark -r reads one standard record, then says the file was cut).
      const head = bytes.length - [...readCaptureSync(bytes)].reduce((n, r) => n + r.capturedLength, 24);
      const third = 24 + (3 * head) / all.length + all.slice(0, 3).reduce((n, r) => n + r.capturedLength, 0);
      for (let n = 24; n < bytes.length; n += 11) {
        const cut = bytes.subarray(0, n);
        const [sync, streamed] = await both(cut);
        expect(streamed, `${file} cut at ${n}`).toEqual(sync);
        const { got, error } = sync as { got: unknown[]; error?: { code: string } };
        const reader = new CaptureReader();
        try {
          [...reader.readSync(cut)];
        } catch {
          // as above
        }
        if (reader.sections[0]!.version === full.sections[0]!.version) {
          if (error !== undefined) expect(error.code).toBe('truncated');
          expect(got, `${file} cut at ${n}`).toEqual(all.slice(0, got.length));
        } else {
          // Misread where the cut decides, as tshark misreads it; never past the third record.
          expect(n, `${file} cut at ${n} read as ${reader.sections[0]!.version}`).toBeLessThan(third);
        }
        expect(indexCapture(cut, { partial: true }).count).toBe(got.length);
      }
    }
  });

  it('a file cut inside a record header whose bytes there are plausible is read as cut, not as another layout (where tshark errs)', () => {
    // dns-modpcap.pcap cut 4 bytes into its second record: as SuSE 6.3 (4 more header bytes) the
    // first record would end the file exactly, and Wireshark, which counts the cut header against
    // ss991029, reads it so (capinfos: suse6_3pcap; a 71-byte record 4 bytes off). Here the 4 bytes
    // are plausible seconds, so the cut one is the layout kept: the record as written, then the cut.
    const bytes = load(`${DIR}dns-modpcap.pcap`).subarray(0, 24 + 24 + 71 + 4);
    const reader = new CaptureReader();
    const got: CaptureRecord[] = [];
    expect(() => {
      for (const r of reader.readSync(bytes)) got.push(r);
    }).toThrow(expect.objectContaining({ code: 'truncated', offset: 119 }));
    expect(reader.sections[0]!.version).toBe('2.4 modpcap');
    expect(got.map(hex)).toEqual([...readCaptureSync(load(`${DIR}dns-modpcap.pcap`))].slice(0, 1).map(hex));
    // So is a standard file cut 8 bytes into its second record, which reads as a one-record Red Hat
    // 6.1 file to the end too (when its first 8 data bytes pass for the extra fields, as here;
    // capinfos: rh6_1pcap).
    const standard = load(`${FIXTURES}../wire/dns.pcap`);
    const cut = standard.subarray(0, 24 + 16 + 71 + 8);
    const plainReader = new CaptureReader();
    expect(() => [...plainReader.readSync(cut)]).toThrow(expect.objectContaining({ code: 'truncated', offset: 111 }));
    expect(plainReader.sections[0]!.version).toBe('2.4');
  });

  it('an absurd captured length: limit-exceeded at its field, after the records before it, in every reader', async () => {
    for (const file of FILES) {
      const bytes = load(DIR + file).slice();
      const little = !file.endsWith('-be.pcap');
      const view = new DataView(bytes.buffer);
      const head = { 'dns-rh6_1pcap': 24, 'dns-modpcap': 24, 'dns-nokiapcap': 20, 'dns-suse6_3pcap': 28 }[file.replace(/(-be)?\.pcap$/, '')]!;
      // Record 5 (past the records the variant is told from), then record 1.
      let at = 24;
      for (let i = 0; i < 4; i++) at += head + view.getUint32(at + 8, little);
      for (const [where, count] of [[at, 4], [24, 0]] as const) {
        const bad = bytes.slice();
        new DataView(bad.buffer).setUint32(where + 8, 0x7fffffff, little);
        const [sync, streamed] = await both(bad);
        expect(streamed).toEqual(sync);
        expect(sync).toMatchObject({ error: { code: 'limit-exceeded', offset: where + 8 } });
        expect((sync as { got: unknown[] }).got).toHaveLength(count);
        expect(indexCapture(bad, { partial: true })).toMatchObject({ count, error: { code: 'limit-exceeded', offset: where + 8 } });
        expect(() => [...decodeCaptureBatches(bad)]).toThrow(expect.objectContaining({ code: 'limit-exceeded' }));
      }
    }
  });

  it('fuzz: mutated variant files give records or a WireError, and the streamed reader gives what the in-memory one gives', async () => {
    const files = FILES.map((f) => load(DIR + f));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.array(fc.tuple(fc.integer({ min: 24, max: 400 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.integer({ min: 0, max: 5000 })),
        fc.integer({ min: 1, max: 300 }),
        async (file, edits, cut, chunk) => {
          const bytes = file.slice(0, cut === null ? file.length : cut % (file.length + 1));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const [sync, streamed] = await both(bytes, chunk);
          expect(streamed).toEqual(sync);
          const index = indexCapture(bytes, { partial: true });
          expect(index.count).toBe((sync as { got: unknown[] }).got.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on the variants: what it prints for the standard pcap', () => {
  it('http-*.pcap', () => {
    const want = cli(['decode', `${DIR}http-pcap.pcap`]);
    expect(want.stderr).toBe('');
    for (const type of ['rh6_1pcap', 'nokiapcap', 'suse6_3pcap', 'modpcap']) {
      const r = cli(['decode', `${DIR}http-${type}.pcap`]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(want.stdout);
    }
  });
});
