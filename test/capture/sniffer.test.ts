// Network General Sniffer (DOS) captures, as editcap writes them and as make-sniffer.sh lays out
// the records editcap never writes, against what tshark reads of each file: every record's time
// (as tshark prints it), lengths and link type, the bytes of editcap's conversions equal to their
// source pcaps', the same records from every reader, and the CLI's summary lines equal to
// `tshark -r`. Then damage: typed WireErrors at the right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture and the pcap whose packets it holds (test/fixtures/capture/make-sniffer.sh). */
const SOURCES: Record<string, string> = {
  'sniffer-lo-eth.enc': '../capture-real/lo-eth.pcap',
  'sniffer-dns.enc': '../wire/dns.pcap',
  'sniffer-small.enc': 'small-nsec-le.pcap',
  'sniffer-layouts.enc': 'small-nsec-le.pcap',
  'sniffer-midnight.enc': 'small-nsec-le.pcap',
  'sniffer-v2.enc': 'small-nsec-le.pcap',
  'sniffer-token-ring.trc': 'small-nsec-le.pcap',
};

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');

describe('Sniffer (DOS): every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = [...readCaptureSync(load(FIXTURES + source))];
      expect(records.map(hex)).toEqual(want.map(hex));
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.originalLength));

      expect(reader.format).toBe('sniffer');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('nano');
      expect(reader.sections[0]!.version).toBe(file === 'sniffer-v2.enc' ? '2.0' : '4.0');
      const linkType = file.endsWith('.trc') ? 6 : 1;
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType, linkTypeName: linkType === 6 ? 'ieee802_5' : 'ethernet', snaplen: 0, tsresol: 9, tsoffset: 0n }]);
    });
  }

  it('layouts: header records skipped, a type 12 frame read, an unknown record skipped, nothing read after the end-of-file record', () => {
    const blocks: string[] = [];
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push(b.name) }).readSync(load(`${FIXTURES}sniffer-layouts.enc`))];
    expect(records).toHaveLength(8);
    expect(blocks.filter((b) => b === 'header record')).toHaveLength(2);
    expect(blocks.filter((b) => b === 'unknown record')).toHaveLength(1);
    expect(blocks.filter((b) => b === 'end of file')).toHaveLength(1);
    // The v2 file's text description (type 8) is a header record there.
    const v2: string[] = [];
    [...new CaptureReader({ onBlock: (b) => v2.push(b.name) }).readSync(load(`${FIXTURES}sniffer-v2.enc`))];
    expect(v2.filter((b) => b === 'header record')).toHaveLength(1);
  });
});

describe('Sniffer (DOS): damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}sniffer-small.enc`);
  // The version record's fields start at 17 + 6; the first frame record at 17 + 6 + 18.
  const VERSION = 23;
  const FIRST = 41;
  const fails = (bytes: Uint8Array, what: object) => expect(() => [...readCaptureSync(bytes)]).toThrow(expect.objectContaining({ layer: 'sniffer', ...what }));

  it('header: magic, the version record first and whole, network, format, time unit', () => {
    fails(patched(good, 16, 0x1b, 1), { code: 'bad-value', offset: 16 });
    fails(patched(good, 17, 4, 2), { code: 'bad-value', offset: 17 });
    fails(patched(good, 19, 10, 2), { code: 'bad-length', offset: 19 });
    fails(patched(good, VERSION + 9, 10, 1), { code: 'unsupported', offset: VERSION + 9, message: expect.stringContaining('(ATM)') });
    fails(patched(good, VERSION + 10, 2, 1), { code: 'unsupported', offset: VERSION + 10, message: expect.stringContaining('compressed') });
    fails(patched(good, VERSION + 11, 7, 1), { code: 'unsupported', offset: VERSION + 11 });
  });

  it('records: a frame longer than its record, a record shorter than its frame header, an ATM frame', () => {
    const size = new DataView(good.buffer, good.byteOffset).getUint16(FIRST + 6 + 6, true);
    fails(patched(good, FIRST + 6 + 6, size + 1, 2), { code: 'bad-length', offset: FIRST + 12 });
    fails(patched(good, FIRST + 2, 10, 2), { code: 'bad-length', offset: FIRST + 2 });
    // As a type 12 record, 20 more of its bytes are frame header: the frame no longer fits.
    fails(patched(good, FIRST, 12, 2), { code: 'bad-length', offset: FIRST + 12 });
    fails(patched(good, FIRST, 8, 2), { code: 'bad-value', offset: FIRST });
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between records)', () => {
    cutAnywhere(good, (_n, e) => {
      if (e !== undefined) expect((e as WireError).code).toBe('truncated');
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(SOURCES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on Sniffer files: the summary lines of tshark -r', () => {
  // Token ring is not decoded (its frames are handed over raw), so that file is left out here.
  for (const file of Object.keys(SOURCES).filter((f) => f.endsWith('.enc'))) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }
});
