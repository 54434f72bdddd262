// The formats, file by file: pcap in both byte orders and both precisions (hand-built and as
// editcap writes them), pcapng from editcap, and a pcapng of odd clocks and every metadata block.
// Each is checked against the exact values make-formats.py wrote and against what tshark read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { FIXTURES, fixtureFiles, load, plain } from './helpers.js';
import { indexCapture } from '../../src/capture/index-capture.js';
import { decodeBatch, type PacketTable } from '../../src/batch.js';
import { decodeCaptureBatches } from '../../src/batch-capture.js';
import { captureByteSource, decodeCaptureStream } from '../../src/batch-stream.js';
import { setBackend } from '../../src/wasm/backend.js';

interface ExpectedSmall {
  timestamp: string;
  capturedLength: number;
  originalLength: number;
}
interface ExpectedClock {
  interfaceId: number;
  linkType: number;
  timestamp: string;
  capturedLength: number;
  comment: string | null;
  flags: number | null;
}
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as { small: ExpectedSmall[]; clocks: ExpectedClock[] };

const PCAPS: Record<string, { order: 'little' | 'big'; precision: 'micro' | 'nano' }> = {
  'small-usec-le.pcap': { order: 'little', precision: 'micro' },
  'small-usec-be.pcap': { order: 'big', precision: 'micro' },
  'small-nsec-le.pcap': { order: 'little', precision: 'nano' },
  'small-nsec-be.pcap': { order: 'big', precision: 'nano' },
  'editcap-usec.pcap': { order: 'little', precision: 'micro' },
  'editcap-nsec.pcap': { order: 'little', precision: 'nano' },
  // The "modified" (Kuznetzov) format: 24-byte record headers.
  'editcap-modified.pcap': { order: 'little', precision: 'micro' },
  'modified-be.pcap': { order: 'big', precision: 'micro' },
};

function truncateToMicros(ns: bigint): bigint {
  return ns - (ns % 1000n);
}

describe('pcap: byte orders and precisions', () => {
  const reference = [...readCaptureSync(load(`${FIXTURES}small-nsec-le.pcap`))].map((r) => Buffer.from(r.data).toString('hex'));

  for (const [file, { order, precision }] of Object.entries(PCAPS)) {
    it(`${file}: ${order}-endian, ${precision}seconds, exact times, the cut record kept`, () => {
      const reader = new CaptureReader();
      const records = [...reader.readSync(load(FIXTURES + file))];
      expect(reader.format).toBe('pcap');
      expect(reader.byteOrder).toBe(order);
      expect(reader.precision).toBe(precision);
      expect(reader.interfaces).toEqual([
        { section: 0, id: 0, linkType: 1, linkTypeName: 'ethernet', snaplen: expect.any(Number), tsresol: precision === 'nano' ? 9 : 6, tsoffset: 0n },
      ]);
      expect(records).toHaveLength(expected.small.length);
      records.forEach((r, i) => {
        const want = BigInt(expected.small[i]!.timestamp);
        expect(r.timestamp).toBe(precision === 'nano' ? want : truncateToMicros(want));
        expect(r.capturedLength).toBe(expected.small[i]!.capturedLength);
        expect(r.originalLength).toBe(expected.small[i]!.originalLength);
        expect(r.data.length).toBe(r.capturedLength);
        expect(Buffer.from(r.data).toString('hex')).toBe(reference[i]);
        expect(r.linkType).toBe(1);
        expect(r.interfaceId).toBe(0);
      });
      // Record 6 was cut by the snaplen: kept, and flagged by its lengths.
      expect(records[6]!.capturedLength).toBeLessThan(records[6]!.originalLength);
    });
  }

  it('reads the FCS length of the link-type word and ignores its reserved bits (draft-ietf-opsawg-pcap 4)', () => {
    const file = load(`${FIXTURES}small-usec-le.pcap`).slice();
    // FCS len 2 (16-bit words) with P set, and reserved bits 16-25 and 27 set: still Ethernet.
    new DataView(file.buffer).setUint32(20, (2 << 28) | 0x04000000 | 0x0bff0000 | 1, true);
    const reader = new CaptureReader();
    const records = [...reader.readSync(file)];
    expect(reader.interfaces[0]).toMatchObject({ linkType: 1, fcsLength: 4 });
    expect(records[0]!.linkType).toBe(1);
    // Without P the top bits say nothing.
    new DataView(file.buffer).setUint32(20, (2 << 28) | 1, true);
    const plainReader = new CaptureReader();
    [...plainReader.readSync(file)];
    expect(plainReader.interfaces[0]!.fcsLength).toBeUndefined();
  });

  it('rejects another major version with the offset of the version field', () => {
    const file = load(`${FIXTURES}small-usec-le.pcap`).slice();
    file[4] = 3;
    expect(() => [...readCaptureSync(file)]).toThrow(expect.objectContaining({ code: 'bad-version', layer: 'pcap', offset: 4 }));
  });
});

describe('the modified pcap format and snoop through every reader', () => {
  const standard = load(`${FIXTURES}editcap-usec.pcap`);
  for (const file of ['editcap-modified.pcap', 'modified-be.pcap', 'editcap.snoop']) {
    it(`${file}: indexCapture, decodeCaptureBatches (both backends), decodeCaptureStream and the streaming reader give the standard file's records`, async () => {
      const bytes = load(FIXTURES + file);
      const want = [...readCaptureSync(standard)].map(plain);
      expect([...readCaptureSync(bytes)].map(plain)).toEqual(want);
      const streamed: CaptureRecord[] = [];
      for await (const r of new CaptureReader().read([bytes.subarray(0, 50), bytes.subarray(50)])) streamed.push(r);
      expect(streamed.map(plain)).toEqual(want);
      const index = indexCapture(bytes);
      const wantIndex = indexCapture(standard);
      expect(Array.from(index.lengths)).toEqual(Array.from(wantIndex.lengths));
      expect(Array.from(index.timestamps)).toEqual(Array.from(wantIndex.timestamps));
      expect(Array.from(index.offsets, (o, i) => Buffer.from(bytes.subarray(o, o + index.lengths[i]!)).toString('hex'))).toEqual(want.map((r) => r.data));
      const rows = (t: PacketTable) => Array.from({ length: t.count }, (_, i) => t.row(i));
      const wantRows = rows(decodeBatch(wantIndex));
      for (const backend of ['wasm', 'js'] as const) {
        setBackend(backend);
        try {
          const batches = [...decodeCaptureBatches(bytes)];
          expect(batches.flatMap((b) => rows(b.table))).toEqual(wantRows);
          const stream: PacketTable[] = [];
          for await (const b of decodeCaptureStream(captureByteSource([bytes]))) stream.push(b.table);
          expect(stream.flatMap(rows)).toEqual(wantRows);
        } finally {
          setBackend('auto');
        }
      }
    });
  }
});

describe('pcapng from editcap', () => {
  it('editcap.pcapng gives the seed records, nanosecond-exact (if_tsresol 9)', () => {
    const reader = new CaptureReader();
    const ng = [...reader.readSync(load(`${FIXTURES}editcap.pcapng`))];
    const seed = [...readCaptureSync(load(`${FIXTURES}small-nsec-le.pcap`))];
    expect(ng.map((r) => ({ ...plain(r), section: undefined, flags: undefined }))).toEqual(seed.map(plain).map((r) => ({ ...r, section: undefined, flags: undefined })));
    expect(reader.interfaces[0]).toMatchObject({ tsresol: 9, linkType: 1 });
    expect(reader.precision).toBe('nano');
    expect(reader.sections[0]!.sectionLength).toBe(-1n);
  });

  it('editcap --inject-secrets: the TLS key log is kept and announced', () => {
    const seen: string[] = [];
    const reader = new CaptureReader({ onDecryptionSecrets: (s) => seen.push(s.typeName) });
    const records = [...reader.readSync(load(`${FIXTURES}editcap-secrets.pcapng`))];
    expect(records).toHaveLength(8);
    expect(seen).toEqual(['tls-key-log']);
    expect(reader.decryptionSecrets[0]).toMatchObject({ type: 0x544c534b, typeName: 'tls-key-log', text: 'CLIENT_RANDOM 0011223344556677 8899aabbccddeeff\n' });
  });
});

describe('pcapng clocks and metadata (clocks-le/be.pcapng)', () => {
  for (const order of ['le', 'be']) {
    it(`${order}: if_tsresol 2^-20, 10^-3, 10^-12 (truncated), 2^-32, 10^-9, if_tsoffset: exact nanoseconds`, () => {
      const reader = new CaptureReader();
      const records = [...reader.readSync(load(`${FIXTURES}clocks-${order}.pcapng`))];
      expect(records.map((r) => ({ interfaceId: r.interfaceId, linkType: r.linkType, timestamp: String(r.timestamp), capturedLength: r.capturedLength, comment: r.comment ?? null, flags: r.flags ?? null }))).toEqual(expected.clocks);
      expect(reader.interfaces.map((i) => [i.name, i.tsresol, i.tsoffset])).toEqual([
        ['if0', 0x94, 1_000_000_000n],
        ['if1', 3, 0n],
        ['if2', 12, 0n],
        ['if3', 0xa0, 0n],
        ['if4', 9, 0n],
      ]);
      expect(reader.sections).toEqual([
        { index: 0, offset: 0, byteOrder: order === 'le' ? 'little' : 'big', version: '1.0', sectionLength: -1n, comment: 'clocks and metadata', userApplication: 'make-formats.py' },
      ]);
      expect(reader.nameResolution).toEqual([
        { section: 0, kind: 'ipv4', address: '10.0.0.1', names: ['host.one', 'alias.one'] },
        { section: 0, kind: 'ipv6', address: '2001:db8::2', names: ['host.six'] },
      ]);
      expect(reader.statistics).toEqual([
        { section: 0, interfaceId: 1, timestamp: 1340954906_000_000_000n, startTime: 1340954900_001_000_000n, endTime: 1340954906_999_000_000n, received: 100n, interfaceDropped: 3n },
      ]);
      expect(reader.decryptionSecrets).toHaveLength(1);
      expect(reader.decryptionSecrets[0]!.text).toBe('CLIENT_RANDOM 00112233 44556677\n');
    });
  }
});

describe('tshark reads the same (committed tshark output)', () => {
  for (const file of fixtureFiles('.pcap', '.pcapng', '.snoop', '.cap')) {
    it(file, () => {
      const rows = readFileSync(`${FIXTURES}${file}.tshark.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
      const ng = file.endsWith('.pcapng');
      // tshark 4.0 shows custom blocks as frames without an interface: not packets.
      const packets = ng ? rows.filter((r) => r[3] !== '') : rows;
      const records: CaptureRecord[] = [...readCaptureSync(load(FIXTURES + file))];
      expect(records).toHaveLength(packets.length);
      records.forEach((r, i) => {
        const [time, len, capLen] = packets[i]!;
        expect(r.originalLength).toBe(Number(len));
        expect(r.capturedLength).toBe(Number(capLen));
        if (time === '') expect(r.timestamp).toBe(0n); // a Simple Packet Block has no time
        else if (r.comment === 'ps') {
          // tshark 4.0 overflows 64 bits scaling 10^-12 units (it prints 1234567.004679741); the
          // exact value is 1234567890123456789 ps = 1234567.890123456 s, truncated to the ns.
          expect(formatEpoch(r.timestamp)).toBe('1234567.890123456');
        } else expect(formatEpoch(r.timestamp)).toBe(time);
      });
    });
  }
});

describe('snoop (RFC 1761)', () => {
  const good = load(`${FIXTURES}editcap.snoop`);
  const withWord = (at: number, value: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(at, value, false);
    return b;
  };

  it('reads the header\'s metadata: big-endian, microseconds, Ethernet from datalink type 4', () => {
    const reader = new CaptureReader();
    const records = [...reader.readSync(good)];
    expect(records.length).toBeGreaterThan(3);
    expect(reader.format).toBe('snoop');
    expect(reader.byteOrder).toBe('big');
    expect(reader.precision).toBe('micro');
    expect(reader.interfaces[0]).toMatchObject({ linkType: 1, linkTypeName: 'ethernet' });
    expect(indexCapture(good).format).toBe('snoop');
  });

  it('refuses what is not RFC 1761 with the offset: identification, version, datalink type, lengths, microseconds', () => {
    const bad = good.slice();
    bad[5] = 1;
    expect(() => [...readCaptureSync(bad)]).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'snoop', offset: 5 }));
    expect(() => [...readCaptureSync(withWord(8, 1))]).toThrow(expect.objectContaining({ code: 'bad-version', offset: 8 }));
    expect(() => [...readCaptureSync(withWord(12, 26))]).toThrow(expect.objectContaining({ code: 'unsupported', offset: 12 }));
    // The first record's length less than its header and data; its included length above the cap; its microseconds 10^6.
    expect(() => [...readCaptureSync(withWord(16 + 8, 30))]).toThrow(expect.objectContaining({ code: 'bad-length', offset: 24 }));
    expect(() => [...readCaptureSync(withWord(16 + 4, 0x7fffffff))]).toThrow(expect.objectContaining({ code: 'limit-exceeded', offset: 20 }));
    expect(() => [...readCaptureSync(withWord(16 + 20, 1_000_000))]).toThrow(expect.objectContaining({ code: 'bad-value', offset: 36 }));
    // Cut anywhere: the records before the cut, then (unless the cut falls between records) a truncation.
    const all = [...readCaptureSync(good)].map(plain);
    for (let n = 0; n < good.length; n += 7) {
      const got: CaptureRecord[] = [];
      try {
        for (const r of readCaptureSync(good.subarray(0, n))) got.push(r);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
        expect((e as WireError).code).toBe('truncated');
      }
      expect(got.map(plain)).toEqual(all.slice(0, got.length));
    }
  });
});

describe('unknown formats', () => {
  it.each([
    ['gzip', [0x1f, 0x8b, 8, 0], /gzip/],
    ['btsnoop', [0x62, 0x74, 0x73, 0x6e], /not a pcap/],
    ['text', [0x68, 0x65, 0x6c, 0x6c], /not a pcap/],
  ])('%s: WireError unsupported at offset 0 saying what it is', (_name, bytes, message) => {
    try {
      [...readCaptureSync(new Uint8Array(bytes))];
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      expect(e).toMatchObject({ code: 'unsupported', offset: 0 });
      expect((e as Error).message).toMatch(message);
    }
  });

  it('an empty or 3-byte file is truncated at offset 0', () => {
    expect(() => [...readCaptureSync(new Uint8Array(0))]).toThrow(expect.objectContaining({ code: 'truncated', offset: 0, required: 4, available: 0 }));
    expect(() => [...readCaptureSync(new Uint8Array([0xd4, 0xc3, 0xb2]))]).toThrow(expect.objectContaining({ code: 'truncated', offset: 0 }));
  });
});
