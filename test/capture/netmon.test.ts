// Microsoft NetMon 1.x and 2.x captures as editcap writes them (and 2.1 to 2.3 made from them by
// make-formats.sh), against what tshark 4.0 reads of each file: every record's time (as tshark
// prints it), lengths and link type, its bytes equal to the source pcap's, and the CLI's summary
// lines equal to `tshark -r`. Then damage: typed WireErrors at the right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexCapture } from '../../src/capture/index-capture.js';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture and the pcap editcap converted (test/fixtures/capture/make-formats.sh). */
const SOURCES: Record<string, string> = {
  'netmon2-lo-eth.cap': '../capture-real/lo-eth.pcap',
  'netmon2-dns.cap': '../wire/dns.pcap',
  'netmon2-ipv6.cap': '../wire/ipv6.pcap',
  'netmon2-small.cap': 'small-nsec-le.pcap',
  'netmon21-small.cap': 'small-nsec-le.pcap',
  'netmon22-small.cap': 'small-nsec-le.pcap',
  'netmon23-small.cap': 'small-nsec-le.pcap',
  'netmon1-lo-eth.cap': '../capture-real/lo-eth.pcap',
  'netmon1-ipv6.cap': '../wire/ipv6.pcap',
  'netmon1-small.cap': 'small-nsec-le.pcap',
};

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');

describe('NetMon: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = [...readCaptureSync(load(FIXTURES + source))];
      expect(records.map(hex)).toEqual(want.map(hex));
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.originalLength));

      expect(reader.format).toBe('netmon');
      expect(reader.byteOrder).toBe('little');
      const version = reader.sections[0]!.version;
      expect(version).toBe(file.startsWith('netmon1') ? '1.1' : `2.${/netmon2(\d)/.exec(file)?.[1] ?? '0'}`);
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType: 1, linkTypeName: 'ethernet', snaplen: 0, tsresol: version === '1.1' ? 3 : version === '2.3' ? 7 : 6, tsoffset: 0n }]);
    });
  }

  it('2.2: a DNS-cache record (network 0xfffe) is skipped, as tshark skips it; 2.1+ per-record 0xE000 | LINKTYPE', () => {
    const blocks: string[] = [];
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push(b.name) }).readSync(load(`${FIXTURES}netmon22-small.cap`))];
    expect(records).toHaveLength(8);
    expect(blocks.filter((b) => b === 'metadata record')).toHaveLength(1);
    expect(blocks.at(-1)).toBe('frame table');
    // Network 0xE065 (LINKTYPE 101) on the second record.
    const file = load(`${FIXTURES}netmon21-small.cap`).slice();
    const view = new DataView(file.buffer);
    // Records of 2.1: a 16-byte header, the data, a 2-byte trailer.
    const second = 128 + 16 + view.getUint32(128 + 12, true) + 2;
    const caplen = view.getUint32(second + 12, true);
    view.setUint16(second + 16 + caplen, 0xe065, true);
    expect([...readCaptureSync(file)].map((r) => r.linkType)).toEqual([1, 101, 1, 1, 1, 1, 1, 1]);
    view.setUint16(second + 16 + caplen, 0xe081, true);
    expect(() => [...readCaptureSync(file)]).toThrow(expect.objectContaining({ code: 'unsupported', layer: 'netmon', offset: second + 16 + caplen }));
  });
});

describe('NetMon: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}netmon2-small.cap`);
  const good1 = load(`${FIXTURES}netmon1-small.cap`);
  const fails = (bytes: Uint8Array, what: object) => expect(() => [...readCaptureSync(bytes)]).toThrow(expect.objectContaining({ layer: 'netmon', ...what }));

  it('header: version against magic, network type, frame table length and offset', () => {
    fails(patched(good, 5, 1, 1), { code: 'bad-version', offset: 5 });
    fails(patched(good1, 5, 2, 1), { code: 'bad-version', offset: 5 });
    fails(patched(good, 6, 6, 2), { code: 'unsupported', offset: 6 });
    fails(patched(good, 28, 6, 4), { code: 'bad-length', offset: 28 });
    fails(patched(good, 28, 0, 4), { code: 'bad-length', offset: 28 });
    fails(patched(good, 24, 64, 4), { code: 'bad-value', offset: 24 });
  });

  it('records: a length past the frame table, above the cap; a frame table that lists other offsets', () => {
    // The first record's included length: 2.x at 128 + 12, 1.x at 128 + 6.
    fails(patched(good, 140, 5000, 4), { code: 'bad-length', offset: 140 });
    fails(patched(good, 140, 0x7fffffff, 4), { code: 'limit-exceeded', offset: 140 });
    fails(patched(good1, 134, 5000, 2), { code: 'bad-length', offset: 134 });
    expect(() => [...new CaptureReader({ maxRecordLength: 64 }).readSync(good)]).toThrow(expect.objectContaining({ code: 'limit-exceeded', layer: 'netmon' }));
    const view = new DataView(good.buffer, good.byteOffset);
    const table = view.getUint32(24, true);
    const swapped = patched(patched(good, table, view.getUint32(table + 4, true), 4), table + 4, view.getUint32(table, true), 4);
    fails(swapped, { code: 'unsupported', offset: table });
  });

  it('cut anywhere: the records before the cut, then a truncation (a file without its frame table too)', async () => {
    for (const file of [good, good1]) {
      const all = [...readCaptureSync(file)].map(plain);
      for (let n = 0; n < file.length; n += 5) {
        const got: CaptureRecord[] = [];
        try {
          for (const r of readCaptureSync(file.subarray(0, n))) got.push(r);
          expect.unreachable(`cut at ${n} read without error`);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
          expect((e as WireError).code).toBe('truncated');
        }
        expect(got.map(plain)).toEqual(all.slice(0, got.length));
      }
      const table = new DataView(file.buffer, file.byteOffset).getUint32(24, true);
      await expect(async () => {
        for await (const _ of new CaptureReader().read([file.subarray(0, table)]));
      }).rejects.toMatchObject({ code: 'truncated', layer: 'netmon', offset: table });
      expect(indexCapture(file.subarray(0, table), { partial: true })).toMatchObject({ count: all.length, error: { code: 'truncated' } });
    }
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    const files = Object.keys(SOURCES).map((f) => load(FIXTURES + f));
    await expectMutationsRead(files);
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on NetMon files: the summary lines of tshark -r', () => {
  // ipv6.pcap's conversions are left out: on that pcap itself the CLI already differs from tshark
  // (ESP, hop-by-hop errors), which is no matter of the capture format.
  for (const file of ['netmon1-lo-eth.cap', 'netmon1-small.cap', 'netmon2-lo-eth.cap', 'netmon2-dns.cap', 'netmon2-small.cap', 'netmon22-small.cap', 'netmon23-small.cap']) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      const want = lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')).map((l) => l.replace(/\[TCP [^\]]*\] /g, ''));
      // Time columns included: tshark shows NetMon 2.x times with 9 digits, and so does the CLI.
      expect(lines(r.stdout)).toEqual(want);
    });
  }
});
