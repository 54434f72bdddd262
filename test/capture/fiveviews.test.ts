// InfoVista 5View captures, as editcap writes them and as make-fiveviews.sh lays out the records
// editcap never writes, against what tshark reads of each file: every record's time (as tshark
// prints it), lengths and link type, the bytes equal to their source pcaps', the same records
// from every reader, and the CLI's summary lines equal to `tshark -r`. Then editcap's own broken
// output (a frame cut short), damage at named offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { isFiveViews } from '../../src/capture/fiveviews-parser.js';
import { detectFormat, hasMagic } from '../../src/capture/unit-parser.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, collect, chunksOf, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture tshark reads whole and the pcap whose packets it holds (make-fiveviews.sh). */
const SOURCES: Record<string, string> = {
  'fiveviews-lo-eth.5vw': '../capture-real/lo-eth.pcap',
  'fiveviews-dns.5vw': '../wire/dns.pcap',
  'fiveviews-layouts.5vw': 'small-nsec-le.pcap',
};
const FILE_HEADER = 56;
const RECORD_HEADER = 36;

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const tsv = (file: string) => readFileSync(`${FIXTURES}${file}.frames.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));

/** Offsets of the records (frames and others) of a 5View file. */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = FILE_HEADER; at < bytes.length; at += RECORD_HEADER + view.getUint32(at + 16, true)) out.push(at);
  return out;
}

describe('5View: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link type as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = [...readCaptureSync(load(FIXTURES + source))];
      expect(records.map(hex)).toEqual(want.map(hex));
      expect(records.map((r) => r.timestamp)).toEqual(want.map((r) => r.timestamp));
      // One length per frame: the stored one (the hand-made file stores the 7th frame's 96 of 1514).
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.capturedLength));

      expect(reader.format).toBe('fiveviews');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('nano');
      expect(reader.sections).toEqual([{ index: 0, offset: 0, byteOrder: 'little', version: '1.0', sectionLength: -1n }]);
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType: 1, linkTypeName: 'ethernet', snaplen: 0, tsresol: 9, tsoffset: 0n }]);
    });
  }

  it('layouts: records of other subtypes skipped, size fields other than the fixed sizes ignored', () => {
    const blocks: string[] = [];
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push(b.name) }).readSync(load(`${FIXTURES}fiveviews-layouts.5vw`))];
    expect(records).toHaveLength(8);
    const r = 'record';
    const o = 'other record';
    expect(blocks).toEqual(['header', o, r, r, r, o, o, r, r, r, r, r, o]);
  });

  it("editcap's conversion of a frame cut short: the frames before it as tshark, then the file is cut short there", async () => {
    const bytes = load(`${FIXTURES}fiveviews-small.5vw`);
    const source = [...readCaptureSync(load(`${FIXTURES}small-nsec-le.pcap`))];
    const frames = tsv('fiveviews-small.5vw');
    expect(frames).toHaveLength(6);
    // The 7th frame's record says 1514 bytes (its wire length) but holds the 96 captured.
    const seventh = FILE_HEADER + source.slice(0, 6).reduce((n, r) => n + RECORD_HEADER + r.capturedLength, 0);
    expect(source[6]!.originalLength).toBe(1514);
    const got: CaptureRecord[] = [];
    const error = (() => {
      try {
        for (const rec of readCaptureSync(bytes)) got.push(rec);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WireError);
    expect(error).toMatchObject({ layer: 'fiveviews', code: 'truncated', offset: seventh, required: RECORD_HEADER + 1514, available: bytes.length - seventh });
    expect(got.map((r) => [formatEpoch(r.timestamp), String(r.originalLength), String(r.capturedLength)])).toEqual(frames.map((f) => f.slice(1, 4)));
    expect(got.map(hex)).toEqual(source.slice(0, 6).map(hex));
    const streamed: CaptureRecord[] = [];
    await expect(async () => {
      for await (const rec of new CaptureReader().read(chunksOf(bytes, 13))) streamed.push(rec);
    }).rejects.toMatchObject({ layer: 'fiveviews', code: 'truncated', offset: seventh });
    expect(streamed.map(plain)).toEqual(got.map(plain));
  });

  it('nanoseconds of a second or more carry into the seconds (tshark prints them unnormalised)', () => {
    const good = load(`${FIXTURES}fiveviews-layouts.5vw`);
    const first = recordOffsets(good)[1]!;
    const records = [...readCaptureSync(patched(patched(good, first + 24, 100, 4), first + 28, 4_294_967_295, 4))];
    expect(records[0]!.timestamp).toBe(100n * 1_000_000_000n + 4_294_967_295n);
    expect(formatEpoch(records[0]!.timestamp)).toBe('104.294967295');
  });
});

describe('5View: recognised by its signature, safely on short views', () => {
  const view = (bytes: number[]) => new DataView(new Uint8Array(bytes).buffer);
  it('four bytes AA AA AA AA, and nothing shorter', () => {
    for (let n = 0; n < 4; n++) expect(isFiveViews(view(Array(n).fill(0xaa)), 0)).toBe(false);
    expect(isFiveViews(view([0xaa, 0xaa, 0xaa, 0xaa]), 0)).toBe(true);
    expect(isFiveViews(view([0, 0xaa, 0xaa, 0xaa, 0xaa]), 1)).toBe(true);
    expect(isFiveViews(view([0xaa, 0xaa, 0xaa, 0xaa]), 1)).toBe(false);
    expect(isFiveViews(view([0xaa, 0xaa, 0xaa, 0xab]), 0)).toBe(false);
    expect(hasMagic(view([0xaa, 0xaa, 0xaa, 0xaa]), 0)).toBe(true);
    expect(detectFormat(view([0xaa, 0xaa, 0xaa, 0xaa]), 0)).toBe('fiveviews');
  });

  it('a file shorter than its header is cut short, in memory and streamed', async () => {
    const good = load(`${FIXTURES}fiveviews-dns.5vw`);
    for (const n of [4, 31, 55]) {
      const want = { layer: 'fiveviews', code: 'truncated', offset: 0, required: FILE_HEADER, available: n };
      expect(() => [...readCaptureSync(good.subarray(0, n))]).toThrow(expect.objectContaining(want));
      await expect(collect(new CaptureReader().read(chunksOf(good.subarray(0, n), 1)))).rejects.toMatchObject(want);
    }
    expect([...readCaptureSync(good.subarray(0, FILE_HEADER))]).toEqual([]);
  });
});

describe('5View: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}fiveviews-layouts.5vw`);
  const offsets = recordOffsets(good);
  // Records: an alarm (subtype 7), frames 1-3, an empty record and a 200-byte one, frames 4-8, an event.
  const [alarm, frame1, frame2, , , big] = offsets as [number, number, number, number, number, number];
  const fails = (bytes: Uint8Array, what: object, options = {}) => expect(() => [...readCaptureSync(bytes, options)]).toThrow(expect.objectContaining({ layer: 'fiveviews', ...what }));

  it('file header: the version, a file that is not a capture, a network other than Ethernet', () => {
    fails(patched(good, 8, 0x00020000, 4), { code: 'unsupported', offset: 8, message: expect.stringMatching(/version 0x00020000 at offset 8/) });
    fails(patched(good, 16, 0x10001000, 4), { code: 'unsupported', offset: 16, message: expect.stringMatching(/not a 5View capture file/) });
    fails(patched(good, 16, 0x18002000, 4), { code: 'unsupported', offset: 16, message: expect.stringMatching(/network type 0x18002000 at offset 16/) });
    // The size fields, the attributes and the reserved bytes are not read.
    for (const at of [4, 12, 20, 32, 40, 44, 52]) expect([...readCaptureSync(patched(good, at, 0xdeadbeef, 4))]).toHaveLength(8);
  });

  it('records: the key, a size that misplaces the next record, sizes above the caps', () => {
    fails(patched(good, frame1, 0x3333eeef, 4), { code: 'bad-value', offset: frame1, message: expect.stringMatching(/key 0x3333eeef/) });
    const size = new DataView(good.buffer, good.byteOffset).getUint32(frame1 + 16, true);
    fails(patched(good, frame1 + 16, size + 1, 4), { code: 'bad-value', offset: frame2 + 1 });
    fails(patched(good, frame1 + 16, 262_145, 4), { code: 'bad-length', offset: frame1 + 16, required: 262_145 });
    // A record that is not a frame is skipped whole, up to maxRecordLength.
    fails(patched(good, alarm + 16, 0xffffffff, 4), { code: 'limit-exceeded', offset: alarm + 16 });
    fails(good, { code: 'limit-exceeded', offset: big + 16, required: 200 }, { maxRecordLength: 100 });
    fails(good, { code: 'limit-exceeded', offset: frame1 + 16, required: 54 }, { maxRecordLength: 30 });
    // A frame turned into another subtype is skipped; an alarm turned into a frame is read.
    expect([...readCaptureSync(patched(good, frame1 + 12, 3, 4))]).toHaveLength(7);
    const alarmFrame = [...readCaptureSync(patched(good, alarm + 12, 0, 4))];
    expect(alarmFrame).toHaveLength(9);
    expect(Buffer.from(alarmFrame[0]!.data).toString()).toBe('an alarm record, skipped');
    expect(alarmFrame[0]!.timestamp).toBe(1_000_000_002n);
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between records)', () => {
    const starts = new Set([FILE_HEADER, ...offsets, good.length]);
    cutAnywhere(good, (n, error) => {
      if (n < 4) expect(error).toMatchObject({ layer: 'capture', code: 'truncated' });
      else if (starts.has(n)) expect(error).toBeUndefined();
      else expect(error).toMatchObject({ layer: 'fiveviews', code: 'truncated' });
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead([...Object.keys(SOURCES), 'fiveviews-small.5vw'].map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on 5View captures: the summary lines of tshark -r', () => {
  for (const file of Object.keys(SOURCES)) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }

  it('fiveviews-small.5vw: the lines before the frame cut short, then the error', () => {
    const r = cli(['decode', `${FIXTURES}fiveviews-small.5vw`]);
    expect(r.stderr).toMatch(/fiveviews: record at offset 662 needs 1550 bytes but the file ends after 240/);
    expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}fiveviews-small.5vw.summary.txt`, 'utf8')));
  });
});
