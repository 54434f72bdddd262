// The writers: read(write(records)) gives the records back (times exact for the precision), in
// both formats and byte orders, to memory, Node and web streams (with backpressure); and tshark
// opens what we write without a word of complaint.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { CaptureWriter, writePcap, writePcapng } from '../../src/capture/writer.js';
import { FIXTURES, PEER, fixtureFiles, load, peerVectors, plain, rng, type PlainRecord } from './helpers.js';

function readAll(bytes: Uint8Array) {
  const reader = new CaptureReader();
  return { records: [...reader.readSync(bytes)], reader };
}

/** Each record as a pcap reader gives it back: no pcapng-only fields. */
function asPcap(r: CaptureRecord, precision: 'micro' | 'nano'): PlainRecord {
  // pcap keeps no comment, flags, section, nor the mark of a record without a time.
  const { comment: _c, flags: _f, section: _s, untimed: _u, ...rest } = plain(r);
  return { ...rest, interfaceId: 0, timestamp: precision === 'nano' ? r.timestamp : r.timestamp - (r.timestamp % 1000n) };
}

const allFiles = [
  ...fixtureFiles('.pcap', '.pcapng').map((f) => FIXTURES + f),
  ...peerVectors().flatMap((n) => [`${PEER}output_le/${n}.pcapng`, `${PEER}output_be/${n}.pcapng`]),
];

describe('round trips', () => {
  for (const path of allFiles) {
    const name = path.replace(/.*\/(output_..\/)?(basic\/|advanced\/|difficult\/)?/, '$1');
    it(`${name}: pcapng (declared interfaces), both byte orders`, () => {
      const { records, reader } = readAll(load(path));
      const sections = reader.sections.length;
      for (const byteOrder of ['little', 'big'] as const) {
        if (sections <= 1) {
          const back = readAll(writePcapng(records, { interfaces: reader.interfaces, byteOrder }));
          // SPB records (no time, interface 0) come back as SPBs when whole, as EPBs at time 0 (timed) when cut.
          const timedIfCut = (r: CaptureRecord) => (r.untimed && r.data.length < r.originalLength ? { ...r, untimed: undefined } : r);
          expect(back.records.map(plain)).toEqual(records.map((r) => plain({ ...timedIfCut(r), section: 0 })));
          expect(back.reader.interfaces.map((i) => [i.linkType, i.name])).toEqual(reader.interfaces.map((i) => [i.linkType, i.name]));
        } else {
          // Several sections become one: interfaces are renumbered, packets are the same.
          const back = readAll(writePcapng(records, { byteOrder }));
          // (A record without a time goes back as an SPB only on interface 0: compared without the mark.)
          const strip = (r: CaptureRecord) => ({ ...plain(r), interfaceId: 0, section: 0, untimed: undefined });
          expect(back.records.map(strip)).toEqual(records.map(strip));
        }
      }
    });
  }

  for (const path of allFiles) {
    const { records } = readAll(load(path));
    const linkTypes = new Set(records.map((r) => r.linkType));
    if (records.length === 0 || linkTypes.size > 1) continue;
    it(`${path.replace(/.*\//, '')}: pcap, micro and nano, both byte orders`, () => {
      for (const precision of ['micro', 'nano'] as const) {
        for (const byteOrder of ['little', 'big'] as const) {
          const bytes = writePcap(records, { precision, byteOrder });
          const back = readAll(bytes);
          expect(back.reader).toMatchObject({ format: 'pcap', precision, byteOrder });
          expect(back.records.map(plain)).toEqual(records.map((r) => asPcap(r, precision)));
        }
      }
    });
  }

  it('random records: exact nanoseconds through pcapng (9) and pcap nano; microseconds truncated', () => {
    const random = rng(99);
    const records: CaptureRecord[] = [];
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random() * 300);
      const data = new Uint8Array(length).map(() => Math.floor(random() * 256));
      const timestamp = BigInt(Math.floor(random() * 2 ** 32)) * 1_000_000_000n + BigInt(Math.floor(random() * 1e9));
      const r: CaptureRecord = { timestamp, capturedLength: length, originalLength: length + (i % 3 === 0 ? 100 : 0), linkType: 1, interfaceId: 0, data, section: 0 };
      if (i % 7 === 0) r.comment = `comment ${i}\nline two ✓`;
      if (i % 5 === 0) r.flags = i;
      records.push(r);
    }
    expect(readAll(writePcapng(records)).records.map(plain)).toEqual(records.map(plain));
    expect(readAll(writePcap(records)).records.map(plain)).toEqual(records.map((r) => asPcap(r, 'nano')));
    const micro = readAll(writePcapng(records, { precision: 'micro' })).records;
    expect(micro.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp - (r.timestamp % 1000n)));
  });

  it('several link types: an IDB each in pcapng; pcap refuses the second', () => {
    const frame = new Uint8Array([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const records: CaptureRecord[] = [1, 101, 1, 276].map((linkType, i) => ({ timestamp: BigInt(i), capturedLength: 20, originalLength: 20, linkType, interfaceId: 0, data: frame }));
    const { records: back, reader } = readAll(writePcapng(records));
    expect(reader.interfaces.map((i) => i.linkTypeName)).toEqual(['ethernet', 'raw', 'linux_sll2']);
    expect(back.map((r) => [r.linkType, r.interfaceId])).toEqual([[1, 0], [101, 1], [1, 0], [276, 2]]);
    expect(() => writePcap(records)).toThrow(expect.objectContaining({ code: 'unsupported', layer: 'pcap' }));
    expect(() => writePcap([{ ...records[0]!, timestamp: -1n }])).toThrow(expect.objectContaining({ code: 'bad-value' }));
  });

  it('an empty capture is a valid file; the header carries the chosen link type and snaplen', () => {
    const { reader, records } = readAll(writePcap([], { linkType: 'raw', snaplen: 1500, precision: 'micro' }));
    expect(records).toEqual([]);
    expect(reader.interfaces[0]).toMatchObject({ linkType: 101, snaplen: 1500, tsresol: 6 });
    const ng = readAll(writePcapng([], { comment: 'nothing here', interfaces: [{ linkType: 'ethernet', name: 'eth0', description: 'the wire' }] }));
    expect(ng.reader.sections[0]).toMatchObject({ comment: 'nothing here', userApplication: 'wirekit' });
    expect(ng.reader.interfaces[0]).toMatchObject({ linkType: 1, name: 'eth0', description: 'the wire', tsresol: 9, snaplen: 262144 });
  });
});

describe('destinations', () => {
  const { records } = readAll(load(`${FIXTURES}clocks-le.pcapng`));
  const expected = writePcapng(records, { comment: 'x' });
  // Enough records to fill several 64 KiB buffers.
  const many = Array.from({ length: 3000 }, (_, i) => records[i % records.length]!);
  const expectedMany = writePcapng(many);

  it('a Node writable stream, with backpressure', async () => {
    const chunks: Buffer[] = [];
    let slowWrites = 0;
    const stream = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        slowWrites++;
        setTimeout(callback, 1);
      },
    });
    const writer = new CaptureWriter({ destination: stream });
    for (const r of many) await writer.write(r);
    await writer.close();
    expect(slowWrites).toBeGreaterThan(1);
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(expectedMany);
  });

  it('a web WritableStream', async () => {
    const chunks: Uint8Array[] = [];
    const stream = new WritableStream<Uint8Array>(
      {
        write(chunk) {
          chunks.push(chunk.slice());
          return new Promise((resolve) => setTimeout(resolve, 0));
        },
      },
      { highWaterMark: 2 },
    );
    const writer = new CaptureWriter({ destination: stream, comment: 'x' });
    for (const r of records) await writer.write(r);
    await writer.close();
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(expected);
  });

  it('a destination that fails makes write or close reject', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    const writer = new CaptureWriter({ destination: stream });
    await expect(
      (async () => {
        for (const r of many) await writer.write(r);
        await writer.close();
      })(),
    ).rejects.toThrow('disk full');
  });

  it('toBytes without a destination; and not with one', () => {
    const writer = new CaptureWriter({ format: 'pcap' });
    for (const r of records.filter((r) => r.linkType === 1)) void writer.write(r);
    expect(writer.toBytes()).toEqual(writePcap(records.filter((r) => r.linkType === 1)));
    const streamed = new CaptureWriter({ destination: new WritableStream() });
    expect(() => streamed.toBytes()).toThrow(/destination/);
  });
});

const TSHARK = '/usr/bin/tshark';
const hasTshark = existsSync(TSHARK);

describe(hasTshark ? 'tshark opens what we write' : 'tshark opens what we write (SKIPPED: /usr/bin/tshark is not installed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirekit-capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = [...readCaptureSync(load(`${FIXTURES}small-nsec-le.pcap`))].map((r, i) => (i === 2 ? { ...r, comment: 'a comment' } : r));
  const cases: Array<[string, Uint8Array]> = [
    ['pcap-micro-le.pcap', writePcap(source, { precision: 'micro' })],
    ['pcap-nano-be.pcap', writePcap(source, { precision: 'nano', byteOrder: 'big' })],
    ['ng-nano-le.pcapng', writePcapng(source, { comment: 'written by wirekit', interfaces: [{ linkType: 1, name: 'eth0' }] })],
    ['ng-micro-be.pcapng', writePcapng(source, { precision: 'micro', byteOrder: 'big' })],
  ];
  for (const [name, bytes] of cases) {
    it.skipIf(!hasTshark)(name, () => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const run = spawnSync(TSHARK, ['-r', path, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.comment'], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      // tshark prints a notice when run as root; anything else on stderr is a complaint about the file.
      expect(run.stderr.split('\n').filter((l) => l.trim() !== '' && !/Running as user/.test(l))).toEqual([]);
      const rows = run.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
      const precision = name.includes('micro') ? 1000n : 1n;
      expect(rows).toEqual(
        source.map((r) => [
          formatEpoch(r.timestamp - (r.timestamp % precision)),
          String(r.originalLength),
          String(r.capturedLength),
          name.endsWith('.pcapng') && r.comment ? r.comment : '',
        ]),
      );
    });
  }
  it.skipIf(!hasTshark)('capinfos-style check: tshark reads our IDB name and SHB comment', () => {
    const path = join(dir, 'ng-nano-le.pcapng');
    writeFileSync(path, cases[2]![1]);
    const run = spawnSync(TSHARK, ['-r', path, '-T', 'fields', '-e', 'frame.interface_name', '-c', '1'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe('eth0');
    expect(readFileSync(path).includes(Buffer.from('written by wirekit'))).toBe(true);
  });
});

describe('records without a time', () => {
  it('simple packet blocks go back as simple packet blocks (no time made up for them)', () => {
    const records = [...readCaptureSync(load(`${FIXTURES}../cli/spb.pcapng`))];
    expect(records.map((r) => r.untimed ?? false)).toEqual([false, false, true, false, true, true, false]);
    const back = [...readCaptureSync(writePcapng(records))];
    expect(back.map(plain)).toEqual(records.map(plain));
  });
});
