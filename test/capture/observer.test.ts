// Viavi (Network Instruments) Observer files, as editcap writes them (with the time TLV tshark 4.0
// refuses rewritten, and as written) and as make-observer.sh lays out what editcap never writes,
// against what tshark reads of each file: every record's time (as tshark prints it), lengths and
// link type, the bytes equal to the source pcaps', the same records from every reader, and the
// CLI's summary lines equal to `tshark -r`. Then damage: typed WireErrors at the right offsets,
// and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { hasMagic, detectFormat } from '../../src/capture/unit-parser.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, chunksOf, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture and the pcap whose packets it holds (test/fixtures/capture/make-observer.sh). */
const SOURCES: Record<string, string> = {
  'observer-lo-eth.bfr': '../capture-real/lo-eth.pcap',
  'observer-dns.bfr': '../wire/dns.pcap',
  'observer-small.bfr': 'small-nsec-le.pcap',
  'observer-layouts.bfr': 'small-nsec-le.pcap',
  'observer-token-ring.bfr': 'small-nsec-le.pcap',
};
/** Networks helpers.ts has no wiretap number for: wiretap encapsulation -> LINKTYPE. */
const OTHER_NETWORKS: Record<string, [string, number]> = {
  'observer-fibre-channel.bfr': ['122', 225],
  'observer-wlan.bfr': ['22', 105],
};

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const source = (file: string) => [...readCaptureSync(load(FIXTURES + file))];

describe('Observer: every record as tshark reads it', () => {
  for (const [file, pcap] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${pcap.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = source(pcap);
      expect(records.map(hex)).toEqual(want.map(hex));
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.originalLength));
      expect(records.map((r) => r.timestamp)).toEqual(want.map((r) => r.timestamp));

      expect(reader.format).toBe('observer');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('nano');
      expect(reader.sections[0]!.version).toBe(file.includes('layouts') ? '13.00' : '15.00');
      const linkType = file.includes('token-ring') ? 6 : 1;
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType, linkTypeName: linkType === 6 ? 'ieee802_5' : 'ethernet', snaplen: 0, tsresol: 9, tsoffset: 0n }]);
    });
  }

  for (const [file, [encap, linkType]] of Object.entries(OTHER_NETWORKS)) {
    it(`${file}: link type ${linkType} where tshark says encapsulation ${encap}; times, lengths as tshark`, async () => {
      const bytes = load(FIXTURES + file);
      const records = [...readCaptureSync(bytes)];
      const frames = readFileSync(`${FIXTURES}${file}.frames.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
      expect(records).toHaveLength(frames.length);
      records.forEach((r, i) => {
        const [, time, len, capLen, wtap] = frames[i]!;
        expect([formatEpoch(r.timestamp), r.originalLength, r.capturedLength, wtap]).toEqual([time, Number(len), Number(capLen), encap]);
        expect(r.linkType).toBe(linkType);
      });
      expect(records.map(hex)).toEqual(source('small-nsec-le.pcap').map(hex));
      const streamed: CaptureRecord[] = [];
      for await (const r of new CaptureReader().read(chunksOf(bytes, 5))) streamed.push(r);
      expect(streamed.map(plain)).toEqual(records.map(plain));
    });
  }

  it("editcap's own output, which tshark 4.0 refuses for its 12-byte time TLV, reads as the rewritten file", () => {
    expect(readFileSync(`${FIXTURES}observer-editcap-small.bfr.tshark.txt`, 'utf8')).toContain('time information TLV length 12 != 8');
    for (const name of ['lo-eth', 'dns', 'small']) {
      const raw = load(`${FIXTURES}observer-editcap-${name}.bfr`);
      const fixed = load(`${FIXTURES}observer-${name}.bfr`);
      // The same file but for those 4 bytes.
      expect(raw.length).toBe(fixed.length + 4);
      expect([...readCaptureSync(raw)].map(plain)).toEqual([...readCaptureSync(fixed)].map(plain));
    }
  });

  it('layouts: header TLVs and a gap skipped, expert entries skipped, zero padding ends the file', () => {
    const blocks: string[] = [];
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push(b.name) }).readSync(load(`${FIXTURES}observer-layouts.bfr`))];
    expect(records).toHaveLength(8);
    expect(blocks).toEqual(['header', 'expert information', 'packet', 'packet', 'packet', 'packet', 'expert information', 'packet', 'packet', 'packet', 'packet', 'padding']);
  });

  it('a first entry beyond 64 KiB (the 24-bit offset) reads the same records', () => {
    const good = load(`${FIXTURES}observer-small.bfr`);
    const view = new DataView(good.buffer, good.byteOffset);
    const first = view.getUint16(32, true);
    const gap = 70_000;
    const big = new Uint8Array(good.length + gap);
    big.set(good.subarray(0, first));
    big.set(good.subarray(first), first + gap);
    new DataView(big.buffer).setUint16(32, (first + gap) & 0xffff, true);
    big[31] = (first + gap) >> 16;
    expect([...readCaptureSync(big)].map(plain)).toEqual([...readCaptureSync(good)].map(plain));
    expect(() => [...readCaptureSync(big, { maxRecordLength: 65536 })]).toThrow(expect.objectContaining({ layer: 'observer', code: 'limit-exceeded', offset: 31 }));
  });

  it('detection: the first four bytes, as a streaming reader shows them', async () => {
    const good = load(`${FIXTURES}observer-small.bfr`);
    const four = new DataView(good.buffer, good.byteOffset, 4);
    expect(hasMagic(four, 0)).toBe(true);
    expect(detectFormat(four, 0)).toBe('observer');
    expect(hasMagic(new DataView(new Uint8Array([0x4f, 0x62, 0x73, 0x66]).buffer), 0)).toBe(false);
    const streamed: CaptureRecord[] = [];
    for await (const r of new CaptureReader().read(chunksOf(good, 4))) streamed.push(r);
    expect(streamed).toHaveLength(8);
  });
});

describe('Observer: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}observer-layouts.bfr`);
  const view = new DataView(good.buffer, good.byteOffset);
  const first = view.getUint16(32, true);
  // Entries: the expert entry, then the first data entry (with one TLV).
  const expert = first;
  const data = expert + view.getUint16(expert + 14, true);
  const second = data + view.getUint16(data + 14, true);
  const fails = (bytes: Uint8Array, what: object) => expect(() => [...readCaptureSync(bytes)]).toThrow(expect.objectContaining({ layer: 'observer', ...what }));

  it('file header: the signature, the first entry offset, TLV lengths', () => {
    fails(patched(good, 9, 0x41, 1), { code: 'bad-value', offset: 9 });
    fails(patched(good, 32, 20, 2), { code: 'bad-length', offset: 31 });
    fails(patched(good, 38, 2, 2), { code: 'bad-length', offset: 38 });
    fails(patched(good, 38, 0x7000, 2), { code: 'bad-length', offset: 38 });
    // One more TLV than there is room for before the first entry (the gap holds 0xee bytes).
    fails(patched(good, 35, 6, 1), { code: 'bad-length' });
    const tlvs = load(`${FIXTURES}observer-token-ring.bfr`);
    const timeTlv = 36 + new DataView(tlvs.buffer, tlvs.byteOffset).getUint16(38, true);
    expect(tlvs[timeTlv]).toBe(4);
    expect(() => [...readCaptureSync(patched(tlvs, timeTlv + 2, 6, 2))]).toThrow(expect.objectContaining({ layer: 'observer', code: 'bad-length', offset: timeTlv + 2 }));
  });

  it('the first entry: its magic, its network type, its presence', () => {
    fails(patched(good, expert, 0x77777777, 4), { code: 'unsupported', offset: expert });
    fails(patched(good, expert + 16, 5, 1), { code: 'unsupported', offset: expert + 16 });
    fails(good.subarray(0, first), { code: 'bad-value', offset: first });
  });

  it('packet entries: magic, offsets, TLVs, lengths', () => {
    fails(patched(good, second, 0x12345678, 4), { code: 'bad-value', offset: second });
    fails(patched(good, data + 14, 40, 2), { code: 'bad-length', offset: data + 14 });
    fails(patched(good, data + 12, 50, 2), { code: 'bad-length', offset: data + 12 });
    // A stored length above the wire length is cut to it; both above the entry's room is damage.
    expect([...readCaptureSync(patched(good, data + 8, 3000, 2))]).toHaveLength(8);
    fails(patched(patched(good, data + 8, 3000, 2), data + 10, 3004, 2), { code: 'bad-length', offset: data + 8 });
    fails(patched(good, data + 10, 3, 2), { code: 'bad-length', offset: data + 10 });
    fails(patched(good, data + 48 + 2, 1, 2), { code: 'bad-length', offset: data + 50 });
    fails(patched(good, data + 48 + 2, 400, 2), { code: 'bad-length', offset: data + 50 });
    fails(patched(good, data + 48, 0x101, 2), { code: 'bad-length', offset: data + 50 });
    fails(patched(good, data + 16, 7, 1), { code: 'unsupported', offset: data + 16 });
    // A data entry cut short of its offset to the next entry, at the end of the file.
    fails(good.subarray(0, second - 1), { code: 'truncated', offset: data });
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between entries)', () => {
    cutAnywhere(good, (_n, e) => {
      if (e !== undefined) expect(['truncated', 'bad-value']).toContain((e as WireError).code);
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead([...Object.keys(SOURCES), ...Object.keys(OTHER_NETWORKS)].map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on Observer files: the summary lines of tshark -r', () => {
  // Token ring, Fibre Channel and 802.11 frames here are Ethernet bytes under another name, so
  // only the Ethernet files are compared.
  for (const file of Object.keys(SOURCES).filter((f) => !f.includes('token-ring'))) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }
});
